"""The audit trail is append-only and hash-chained: the database refuses to change or delete
an entry, and ``casereview check`` finds an entry altered, removed or moved by someone who
went round the refusal."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import shutil
import sqlite3
import stat
import sys
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from db.core.dates import format_date
from db.core.errors import DatabaseOpenError
from db.services.dataset import erase_all, load_sample
from db.services.editing import ItemFields, create_item
from db.services.encrypt import EncryptError, encrypt
from db.services.generate import generate
from db.services.integrity import _against_note, check_database
from db.store import audit_anchor as witness
from db.store import backups as backup_module
from db.store import cipher
from db.store.audit import record
from db.store.audit_chain import GENESIS
from db.store.backups import BackupError, back_up, restore
from db.store.cipher import Passphrase
from db.store.database import Database, downgrade_schema, open_database
from db.store.location import resolve_location
from db.store.models import AuditEntry
from tests.helpers import TODAY
from tests.helpers.cli import snapshot

SECRET = "correct horse battery staple"


def entries(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_every_way_of_writing_chains_its_entries(database: Database):
    with database.transaction("tester") as session:  # generated rows, written in bulk
        generate(session, reviews=2, recommendations=50, seed=3, today=TODAY)
    with database.transaction("tester") as session:  # the erasure, one entry
        erase_all(session)
    with database.transaction("tester") as session:  # an import
        load_sample(session, TODAY)
    with database.transaction("tester") as session:  # one change, through the ORM
        create_item(session, "FSCP-CSPR-CHILD-A", ItemFields(number="99", text="Chained."))
    with database.transaction("tester") as session:  # an export, recorded
        record(session, entity="exports", entity_id="plan.xlsx", new={"format": "xlsx"})
    chain = entries(database)
    assert chain[0].prev_hash == GENESIS
    for before, entry in itertools.pairwise(chain):
        assert entry.prev_hash == before.hash
    assert len({e.hash for e in chain}) == len(chain)
    assert chain[-1].entity == "exports"
    assert check_database(database.location).sound


def test_entries_cannot_be_changed_or_deleted(sample_database: Database):
    for statement in (
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
    ):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            sample_database.transaction("tester") as session,
        ):
            session.execute(text(statement))
    assert check_database(sample_database.location).sound


def _tamper(path: Path, *statements: str) -> None:
    """What someone with the file and an SQLite tool could do: drop the refusal, then edit."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        for statement in statements:
            conn.execute(statement)
        conn.commit()


@pytest.mark.parametrize(
    ("statements", "found"),
    [
        (["UPDATE audit_log SET actor = 'Nobody' WHERE id = 5"], "entry 5 was altered"),
        (["DELETE FROM audit_log WHERE id = 5"], "entry 6 does not follow the one before it"),
        (
            [  # entries 5 and 6 swapped
                "UPDATE audit_log SET id = -5 WHERE id = 5",
                "UPDATE audit_log SET id = 5 WHERE id = 6",
                "UPDATE audit_log SET id = 6 WHERE id = -5",
            ],
            "entry 5 does not follow the one before it",
        ),
    ],
    ids=["altered", "removed", "reordered"],
)
def test_tampering_is_found(sample_path: Path, statements: list[str], found: str):
    location = resolve_location(str(sample_path))
    assert check_database(location).sound
    _tamper(sample_path, *statements)
    report = check_database(location)
    assert not report.sound
    assert any(found in problem for problem in report.problems), report.problems


def test_entries_written_before_the_chain_are_chained_on_upgrade(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    with open_database(resolve_location(str(path)), create=True) as database:
        with database.transaction("tester") as session:
            load_sample(session, TODAY)
        downgrade_schema(database.engine, "0003")  # as a database of the previous version
    with open_database(resolve_location(str(path))) as database:  # upgraded, then chained
        with database.session() as session:
            unchained = session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.hash.is_(None))
            )
        assert unchained == 0
        assert len(entries(database)) > 50
    assert check_database(resolve_location(str(path))).sound


def test_the_chain_survives_a_round_trip_through_the_database_clock(database: Database):
    """Timestamps come back from SQLite as text and from PostgreSQL as values: both hash alike."""
    moment = dt.datetime(2026, 11, 22, 8, 30, 0, 1, tzinfo=dt.UTC)
    with database.transaction("tester") as session:
        from db.store.audit import append

        append(
            session.connection(),
            [
                {
                    "at": moment,
                    "actor": "Zoë Ńowak-Şahin",
                    "action": "create",
                    "entity": "exports",
                    "entity_id": "plan.csv",
                    "field": None,
                    "old": None,
                    "new": '{"rows": 1}',
                }
            ],
        )
    assert check_database(database.location).sound


# Entries cut from the end of the trail leave a sound but shorter chain: the newest entry,
# noted outside the file after each commit (db.store.audit_anchor), finds them.


def _newest(path: Path) -> tuple[int, str]:
    with closing(sqlite3.connect(path)) as conn:
        row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    return int(row[0]), str(row[1])


def test_every_commit_notes_the_newest_entry_for_the_owner_only(sample_path: Path):
    """An SQLite file's note (a server database has none: its server guards its trail)."""
    noted = witness.read(sample_path)
    assert noted is not None and (noted.id, noted.mark) == _newest(sample_path)
    with (
        open_database(resolve_location(str(sample_path))) as database,
        database.transaction("tester") as session,
    ):
        record(session, entity="exports", entity_id="plan.xlsx", new={"format": "xlsx"})
    moved = witness.read(sample_path)
    assert moved is not None and (moved.id, moved.mark) == _newest(sample_path)
    assert moved.id > noted.id
    assert stat.S_IMODE(witness.note_path(sample_path).stat().st_mode) == 0o600


def test_entries_cut_from_the_end_are_found(sample_path: Path):
    location = resolve_location(str(sample_path))
    last, _ = _newest(sample_path)
    _tamper(sample_path, f"DELETE FROM audit_log WHERE id > {last - 3}")
    report = check_database(location)
    assert not report.sound
    assert report.problems == [
        f"the audit trail ends at entry {last - 3}, but entry {last} had been written by "
        f"{format_date(dt.datetime.now(dt.UTC).date())}: entries were removed from its end, "
        "or an older copy of the database was put in its place"
    ]


def test_a_cut_trail_written_on_is_still_found_and_its_note_kept(sample_path: Path):
    location = resolve_location(str(sample_path))
    noted = witness.read(sample_path)
    assert noted is not None
    _tamper(sample_path, f"DELETE FROM audit_log WHERE id > {noted.id - 2}")
    with open_database(location) as database:
        for number in range(5):  # the trail runs on past the noted entry's number again
            with database.transaction("tester") as session:
                record(session, entity="exports", entity_id=f"plan-{number}.xlsx")
    assert _newest(sample_path)[0] > noted.id
    assert witness.read(sample_path) == noted  # the evidence was not written over
    report = check_database(location)
    assert [p for p in report.problems if f"audit entry {noted.id} is not the entry" in p]


def _older_copy(sample_path: Path, tmp_path: Path) -> Path:
    """A backup of the database, which then moves on by one entry."""
    location = resolve_location(str(sample_path))
    older = tmp_path / "older.sqlite3"
    with open_database(location) as database:
        back_up(location, older)
        with database.transaction("tester") as session:
            record(session, entity="exports", entity_id="plan.xlsx")
    return older


def test_an_older_copy_put_in_place_by_hand_is_found(sample_path: Path, tmp_path: Path):
    location = resolve_location(str(sample_path))
    shutil.copyfile(_older_copy(sample_path, tmp_path), sample_path)
    report = check_database(location)
    assert [p for p in report.problems if "an older copy of the database" in p], report.problems


def test_a_restore_and_a_new_database_start_the_note_again(sample_path: Path, tmp_path: Path):
    location = resolve_location(str(sample_path))
    older = _older_copy(sample_path, tmp_path)
    restore(older, location)  # an older trail, put in place on purpose
    assert check_database(location).sound
    restarted = witness.read(sample_path)
    assert restarted is not None and (restarted.id, restarted.mark) == _newest(older)

    sample_path.unlink()  # and a new, shorter database where it was
    with (
        open_database(location, create=True) as database,
        database.transaction("tester") as session,
    ):
        record(session, entity="exports", entity_id="plan.xlsx")
    assert check_database(location).sound


@pytest.mark.parametrize(
    "garbled",
    [
        b"{half a no",  # as a crash while writing it might leave
        b'{"id": Infinity, "mark": "00", "noted": "2026-11-22"}',
        b'{"id": 100000000000000000000000000, "mark": "' + b"a" * 64 + b'", "noted": "x"}',
        b"[" * 100_000,
        b'{"id": 1, "mark": "' + b"a" * 64 + b'", "noted": "2026-11-22", "sealed": "yes"}',
        b'{"epoch": "' + b"e" * 150 + b'"}',  # carried on, it would not fit its record
    ],
    ids=["cut short", "infinity", "huge id", "nested", "not a flag", "long epoch"],
)
def test_a_note_that_cannot_be_read_fails_nothing(sample_path: Path, garbled: bytes):
    location = resolve_location(str(sample_path))
    witness.note_path(sample_path).write_bytes(garbled)
    assert witness.read(sample_path) is None
    assert check_database(location).sound
    with open_database(location) as database, database.transaction("tester") as session:
        record(session, entity="exports", entity_id="plan.xlsx")
    noted = witness.read(sample_path)  # written whole again
    assert noted is not None and (noted.id, noted.mark) == _newest(sample_path)


def test_a_note_that_cannot_be_written_fails_nothing(sample_path: Path):
    location = resolve_location(str(sample_path))
    folder = witness.note_path(sample_path).parent
    shutil.rmtree(folder)
    folder.write_text("a file where the backups folder goes")
    before = _newest(sample_path)
    with (
        open_database(location) as database,
        database.transaction("tester") as session,  # the commit stands regardless
    ):
        record(session, entity="exports", entity_id="plan.xlsx")
    assert _newest(sample_path)[0] > before[0]
    sample_path.unlink()
    open_database(location, create=True).close()  # nor does making a new database there


def test_a_new_database_sets_the_old_note_aside(sample_path: Path):
    old = witness.note_path(sample_path).read_bytes()
    sample_path.unlink()
    open_database(resolve_location(str(sample_path)), create=True).close()
    assert witness.read(sample_path) is None
    (aside,) = witness.note_path(sample_path).parent.glob("audit-head.replaced-*.json")
    assert aside.read_bytes() == old


def test_a_note_taken_down_for_a_restore_goes_back_as_it_was(sample_path: Path):
    """A restore takes the note down while it copies, and puts it back if it fails."""
    before = witness.note_path(sample_path).read_bytes()
    saved = witness.saved(sample_path)
    witness.put_back(sample_path, None)
    assert witness.read(sample_path) is None
    witness.put_back(sample_path, saved)
    assert witness.note_path(sample_path).read_bytes() == before
    assert stat.S_IMODE(witness.note_path(sample_path).stat().st_mode) == 0o600


def test_a_commit_noting_its_head_after_a_restore_leaves_the_restored_note(
    sample_path: Path, tmp_path: Path
):
    """A commit that stalls between committing and noting (the note moves on only from the
    record it read before committing) cannot note an entry the restored trail lacks, even
    when the restored note reads the same as the one it read: every record has a token."""
    location = resolve_location(str(sample_path))
    backup = tmp_path / "same-head.sqlite3"
    back_up(location, backup)  # its newest entry is the noted one
    seen = witness.saved(sample_path)  # what a commit reads before it commits ...
    with open_database(location) as database, database.transaction("tester") as session:
        record(session, entity="exports", entity_id="plan.xlsx")
    stalled = _newest(sample_path)  # ... the entry it committed ...
    restore(backup, location)  # ... while, before it noted it, the backup was restored
    restored = witness.read(sample_path)
    assert restored is not None and restored == witness.parse(seen)  # same entry, same day

    assert not witness.advance(sample_path, *stalled, None, witness.epoch_of(seen))
    assert witness.read(sample_path) == restored
    assert check_database(location).sound


def test_a_transaction_that_saw_the_trail_before_a_restore_notes_nothing_after_it(
    sample_path: Path, tmp_path: Path
):
    location = resolve_location(str(sample_path))
    backup = tmp_path / "backup.sqlite3"
    back_up(location, backup)
    with open_database(location) as database:
        with database.transaction("tester") as session:
            record(session, entity="exports", entity_id="plan.xlsx")  # not in the backup
        # A reading session: it begins deferred (a transaction() would hold the write lock,
        # and the restore would wait for it).
        with database.session("reader") as session, session.begin():
            session.scalar(select(func.count()).select_from(AuditEntry))  # sees that trail
            restore(backup, location)  # meanwhile, in another window
            with session.begin_nested():  # a savepoint begun after it changes nothing
                session.scalar(select(func.count()).select_from(AuditEntry))
        # it commits, having written nothing: its view of the trail is not noted
        assert check_database(location).sound
        for number in range(3):
            with database.transaction("tester") as session:
                record(session, entity="exports", entity_id=f"plan-{number}.xlsx")
    assert check_database(location).sound
    noted = witness.read(sample_path)
    assert noted is not None and (noted.id, noted.mark) == _newest(sample_path)


def test_a_transaction_begun_during_a_restore_to_an_empty_trail_notes_nothing(
    sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """The restore blanks the note, copies, and blanks it again in a new epoch when the
    restored trail has no entry: a transaction that began in between saw the first blank."""
    location = resolve_location(str(sample_path))
    empty = tmp_path / "empty.sqlite3"
    open_database(resolve_location(str(empty)), create=True).close()  # no entries yet
    with open_database(location) as database:
        during = database.session("reader")
        blank = witness.blank

        def blank_then_begin(path: Path) -> None:  # another window, just then
            blank(path)
            if during.get_transaction() is None:
                during.begin()
                during.scalar(select(func.count()).select_from(AuditEntry))

        monkeypatch.setattr(witness, "blank", blank_then_begin)
        restore(empty, location)
        monkeypatch.setattr(witness, "blank", blank)
        during.commit()
        during.close()
    assert check_database(location).sound


def test_savepoints_note_nothing_until_their_transaction_commits(sample_path: Path):
    location = resolve_location(str(sample_path))
    noted = witness.read(sample_path)
    with open_database(location) as database:
        with database.session("tester") as session:
            session.begin()
            with session.begin_nested():
                record(session, entity="exports", entity_id="draft.xlsx")
            session.rollback()  # the savepoint was released, but nothing was committed
        assert witness.read(sample_path) == noted
        assert check_database(location).sound
        with database.session("tester") as session, session.begin():
            record(session, entity="exports", entity_id="plan.xlsx")
            savepoint = session.begin_nested()
            record(session, entity="exports", entity_id="draft.xlsx")
            savepoint.rollback()  # the transaction it was in goes on, and commits
    moved = witness.read(sample_path)
    assert moved is not None and (moved.id, moved.mark) == _newest(sample_path)
    assert moved.id > noted.id if noted else True


def test_check_reads_the_note_again_when_a_restore_started_it_again(
    sample_path: Path, tmp_path: Path
):
    """check reads the note, then the trail: a restore in between must not look like a cut."""
    location = resolve_location(str(sample_path))
    backup = tmp_path / "backup.sqlite3"
    back_up(location, backup)
    with open_database(location) as database, database.transaction("tester") as session:
        record(session, entity="exports", entity_id="plan.xlsx")  # not in the backup
    seen = witness.saved(sample_path)  # check read this note ...
    restore(backup, location)  # ... and then, before it read the trail, this happened
    with closing(sqlite3.connect(sample_path)) as conn:
        assert _against_note(conn, sample_path, seen, None) == []
        cut = witness.parse(seen)
        assert cut is not None  # without reading it again, that note would have been a cut:
        assert witness.problems(cut, None, _newest(sample_path)[0], None)


@pytest.mark.skipif(sys.platform == "win32", reason="Windows refuses to delete an open file")
def test_a_window_on_a_file_replaced_by_a_new_database_notes_nothing_beside_it(
    sample_path: Path,
):
    """POSIX lets a file be deleted while a window has it open (Windows refuses)."""
    location = resolve_location(str(sample_path))
    with open_database(location) as old:
        with old.transaction("tester") as session:
            session.scalar(select(func.count()).select_from(AuditEntry))  # it has it open
            for leftover in sample_path.parent.glob(f"{sample_path.name}*"):
                if leftover.is_file():
                    leftover.unlink()  # the file deleted under it ...
            open_database(location, create=True).close()  # ... and a new database made there
            record(session, entity="exports", entity_id="plan.xlsx")  # into the old file
        assert witness.read(sample_path) is None
        with old.transaction("tester") as later:  # begun after the new note, on the old file
            record(later, entity="exports", entity_id="plan-2.xlsx")
    assert witness.read(sample_path) is None
    assert check_database(location).sound


def test_a_backup_of_a_database_another_program_has_locked_gives_up_plainly(
    sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    location = resolve_location(str(sample_path))
    with closing(sqlite3.connect(sample_path)) as conn:
        conn.execute("PRAGMA journal_mode = DELETE")  # as an outside tool might leave it
    monkeypatch.setattr(backup_module, "WRITE_WAIT", 0.2)
    with closing(sqlite3.connect(sample_path, isolation_level=None)) as tool:
        tool.execute("BEGIN EXCLUSIVE")
        with pytest.raises(BackupError, match="is locked by another program"):
            back_up(location, tmp_path / "copy.sqlite3")
        tool.execute("ROLLBACK")
    assert not (tmp_path / "copy.sqlite3").exists()


def test_a_commit_never_notes_an_entry_older_than_the_noted_one(sample_path: Path):
    seen = witness.saved(sample_path)
    noted = witness.parse(seen)
    assert noted is not None
    with witness.holding_lock(sample_path, 1):
        witness.write(sample_path, noted.id + 2, "b" * 64, None, witness.epoch_of(seen))
    assert not witness.advance(sample_path, noted.id + 1, "a" * 64, None, witness.epoch_of(seen))
    assert witness.advance(sample_path, noted.id + 3, "c" * 64, None, witness.epoch_of(seen))
    moved = witness.read(sample_path)
    assert moved is not None and moved.id == noted.id + 3


def test_a_restore_waits_for_a_commit_noting_its_head_then_refuses_plainly(
    sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    location = resolve_location(str(sample_path))
    backup = tmp_path / "backup.sqlite3"
    back_up(location, backup)
    before = snapshot(sample_path.parent)
    monkeypatch.setattr(witness, "RESTORE_WAIT", 0.2)
    with (
        witness.holding_lock(sample_path, 0),  # as a commit stalled while noting its head holds it
        pytest.raises(BackupError, match="is busy: another window or command is saving to it"),
    ):
        restore(backup, location)
    assert snapshot(sample_path.parent) == before
    restore(backup, location)  # once it lets go
    assert check_database(location).sound


def test_a_restore_while_a_window_is_saving_refuses_plainly_and_leaves_no_copy(
    sample_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    location = resolve_location(str(sample_path))
    backup = tmp_path / "backup.sqlite3"
    back_up(location, backup)
    folder = witness.note_path(sample_path).parent
    before = snapshot(folder), _newest(sample_path)
    monkeypatch.setattr(backup_module, "WRITE_WAIT", 0.2)
    with closing(sqlite3.connect(sample_path, isolation_level=None)) as saving:
        saving.execute("BEGIN IMMEDIATE")  # another window, part way through saving
        with pytest.raises(BackupError, match="is busy: another window or command is saving to it"):
            restore(backup, location)
        saving.execute("ROLLBACK")
    # The database as it was, no before-restore copy left, the note as it was:
    assert (snapshot(folder), _newest(sample_path)) == before
    restore(backup, location)  # once the window has saved
    assert check_database(location).sound


@pytest.mark.parametrize("noted", [True, False], ids=["noted", "never noted"])
def test_a_commit_to_the_old_file_notes_nothing_beside_a_new_database(
    sample_path: Path, noted: bool
):
    if not noted:
        witness.note_path(sample_path).unlink()
    seen = witness.saved(sample_path)  # a commit to the old file began with this note ...
    stalled = _newest(sample_path)
    sample_path.unlink()
    open_database(resolve_location(str(sample_path)), create=True).close()
    assert not witness.advance(
        sample_path, stalled[0] + 1, stalled[1], None, witness.epoch_of(seen)
    )
    assert witness.read(sample_path) is None


def test_a_note_that_cannot_be_sealed_is_removed(
    sample_path: Path, monkeypatch: pytest.MonkeyPatch
):
    location = resolve_location(str(sample_path))
    monkeypatch.setattr(witness, "RESTORE_WAIT", 0.05)
    with witness.holding_lock(sample_path, 0):  # held elsewhere while the database is encrypted
        encrypt(location, Passphrase(SECRET))
    newest = _newest_encrypted(sample_path)
    assert witness.read(sample_path) is None
    assert not witness.note_path(sample_path).exists() or newest[1] not in (
        witness.note_path(sample_path).read_text()
    )


def test_encrypt_run_again_seals_a_note_an_interrupted_run_left_plain(sample_path: Path):
    location = resolve_location(str(sample_path))
    plain = witness.saved(sample_path)
    encrypt(location, Passphrase(SECRET))
    witness.put_back(sample_path, plain)  # as a run stopped before it sealed the note leaves it
    with contextlib.suppress(EncryptError):  # nothing else is left to encrypt
        encrypt(location, Passphrase(SECRET))
    sealed = witness.read(sample_path)
    assert sealed is not None and sealed.sealed
    assert _newest_encrypted(sample_path)[1] not in witness.note_path(sample_path).read_text()


def test_encrypt_run_again_while_the_note_is_locked_keeps_a_sealed_note(
    sample_path: Path, monkeypatch: pytest.MonkeyPatch
):
    location = resolve_location(str(sample_path))
    encrypt(location, Passphrase(SECRET))
    sealed = witness.read(sample_path)
    assert sealed is not None and sealed.sealed
    monkeypatch.setattr(witness, "RESTORE_WAIT", 0.05)
    with (
        witness.holding_lock(sample_path, 0),  # a restore elsewhere, say
        pytest.raises(EncryptError, match="already encrypted"),
    ):
        encrypt(location, Passphrase(SECRET))
    assert witness.read(sample_path) == sealed  # evidence: it stays


def test_check_waits_for_a_restore_then_says_so_plainly_and_writes_nothing(
    sample_path: Path, monkeypatch: pytest.MonkeyPatch
):
    location = resolve_location(str(sample_path))
    folder = witness.note_path(sample_path).parent
    backup = sample_path.with_name("backup.sqlite3")
    back_up(location, backup)
    before = snapshot(sample_path.parent)
    monkeypatch.setattr(witness, "RESTORE_WAIT", 0.05)
    with (
        witness.holding_lock(sample_path, 0, name=witness.RESTORE_LOCK),  # as a restore holds it
        pytest.raises(DatabaseOpenError, match="is being restored just now"),
    ):
        check_database(location)
    assert snapshot(sample_path.parent) == before
    with witness.holding_lock(sample_path, 0):  # a window noting its head does not hold check up
        assert check_database(location).sound
    with witness.holding_lock(sample_path, 0, name=witness.RESTORE_LOCK, create=False, shared=True):
        assert check_database(location).sound  # nor does another check
        with pytest.raises(BackupError, match="is being checked or restored elsewhere"):
            restore(backup, location)  # a restore waits for them
    assert snapshot(sample_path.parent) == before
    shutil.rmtree(folder)  # nothing ever noted or restored here: nothing to wait for
    assert check_database(location).sound
    assert not folder.exists()


def _newest_encrypted(path: Path) -> tuple[int, str]:
    conn = cipher.connect(path, Passphrase(SECRET))
    try:
        row = conn.execute("SELECT id, hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()
    finally:
        conn.close()
    return int(row[0]), str(row[1])


def test_a_commit_that_cannot_take_the_notes_lock_leaves_it_to_the_next(
    sample_path: Path, monkeypatch: pytest.MonkeyPatch
):
    location = resolve_location(str(sample_path))
    noted = witness.read(sample_path)
    monkeypatch.setattr(witness, "COMMIT_WAIT", 0.05)
    with open_database(location) as database:
        with witness.holding_lock(sample_path, 0), database.transaction("tester") as session:
            record(session, entity="exports", entity_id="plan.xlsx")
        assert witness.read(sample_path) == noted  # the commit stands; its note waits
        with database.transaction("tester") as session:
            record(session, entity="exports", entity_id="plan-2.xlsx")
    moved = witness.read(sample_path)
    assert moved is not None and (moved.id, moved.mark) == _newest(sample_path)
    lock = witness.note_path(sample_path).with_name(witness.LOCK_NAME)
    assert stat.S_IMODE(lock.stat().st_mode) == 0o600
    assert check_database(location).sound


def test_the_longest_note_fits_its_record(sample_path: Path):
    key = b"k" * 32
    witness.write(sample_path, 2**63 - 1, "f" * 64, key)
    raw = witness.saved(sample_path)
    assert raw is not None and len(raw) == witness.RECORD_SIZE
    assert witness.parse(raw) == witness.Head(
        2**63 - 1, witness._mark("f" * 64, key), dt.datetime.now(dt.UTC).date(), sealed=True
    )


def test_the_note_of_an_encrypted_database_shows_no_hash_and_still_finds_a_cut(
    sample_path: Path,
):
    location = resolve_location(str(sample_path))
    plain_note = witness.read(sample_path)
    assert plain_note is not None and not plain_note.sealed
    encrypt(location, Passphrase(SECRET))
    opened = location.with_passphrase(Passphrase(SECRET))
    sealed = witness.read(sample_path)  # sealed in place by encrypt: same entry
    assert sealed is not None and sealed.sealed and sealed.id == plain_note.id
    assert sealed.mark != plain_note.mark
    assert check_database(opened).sound
    with open_database(opened) as database:
        with database.transaction("tester") as session:
            record(session, entity="exports", entity_id="plan.xlsx")
        with database.session() as session:
            newest = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert newest is not None
    noted = witness.read(sample_path)
    assert noted is not None and noted.sealed and noted.id == newest.id
    text = witness.note_path(sample_path).read_text()
    assert newest.hash not in text and str(newest.prev_hash) not in text
    assert check_database(opened).sound

    conn = cipher.connect(sample_path, Passphrase(SECRET))
    try:  # cut the newest entry off, as someone with the passphrase and a tool might
        conn.execute("DROP TRIGGER audit_log_no_delete")
        conn.execute("DELETE FROM audit_log WHERE id = ?", (newest.id,))
        conn.commit()
    finally:
        conn.close()
    report = check_database(opened)
    assert [p for p in report.problems if f"but entry {newest.id} had been written" in p]


def test_a_database_older_only_by_an_index_is_checked_whole_and_sound(
    sample_path: Path,
) -> None:
    """A trial's untouched database at revision 0011 was called not sound, its chain not
    checked: 0012 added an index alone, so such a database is checked as a current one (and
    tampering found in it, as in any other)."""
    with closing(sqlite3.connect(sample_path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0011'")
    report = check_database(resolve_location(str(sample_path)))
    assert report.sound, report.problems
    with closing(sqlite3.connect(sample_path)) as conn, conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("UPDATE audit_log SET actor = 'someone else' WHERE id = 2")
    assert not check_database(resolve_location(str(sample_path))).sound
    with closing(sqlite3.connect(sample_path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '0010'")
    (said,) = check_database(resolve_location(str(sample_path))).problems
    assert said.startswith("its schema is at revision 0010, behind this version's")
