"""Encryption at rest with SQLCipher: the database, its backups and its kept copies hold no
plaintext; the right passphrase opens them, a wrong or missing one is refused and changes
nothing; encrypting in place is all or nothing."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlcipher3 import dbapi2 as sqlcipher

from db.core.errors import DamagedDatabaseError, DatabaseOpenError
from db.services.dataset import counts, load_sample
from db.services.encrypt import EncryptError, _encrypt_file, encrypt, plain_copies
from db.services.integrity import check_database
from db.store import cipher
from db.store.backups import BackupError, automatic_backup, back_up, kept_copies, restore
from db.store.cipher import Passphrase, PassphraseError
from db.store.database import open_database
from db.store.location import Location, resolve_location
from db.store.models import Recommendation
from db.store.paths import SQLITE_MAGIC
from tests.helpers import TODAY

SECRET = "correct horse battery staple"
# Words the sample data holds; none may be readable in an encrypted file.
PLAINTEXT = [b"Recommendation", b"Police", b"safeguarding", b"Rehearsal"]


# A process that opens the database as a window does (WAL, a read done) and keeps it open.
HOLD_OPEN = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1])
conn.execute("PRAGMA journal_mode = WAL")
conn.execute("SELECT count(*) FROM recommendations").fetchone()
print("open", flush=True)
time.sleep(60)
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def assert_encrypted(path: Path) -> None:
    data = path.read_bytes()
    assert data[:16] != SQLITE_MAGIC
    assert b"SQLite format 3" not in data
    for word in PLAINTEXT:
        assert word not in data and word.lower() not in data, word


@pytest.fixture
def plain(tmp_path: Path) -> Location:
    location = resolve_location(str(tmp_path / "panel.sqlite3"))
    with open_database(location, create=True) as database, database.transaction("t") as session:
        load_sample(session, TODAY)
    return location


def sample_counts(location: Location) -> str:
    with open_database(location) as database, database.session() as session:
        return counts(session).describe()


def test_the_sample_data_is_readable_in_a_plain_file(plain: Location) -> None:
    # The check below means something only if a plain file shows these words.
    assert plain.path is not None
    data = plain.path.read_bytes()
    assert all(word in data or word.lower() in data for word in PLAINTEXT[:2])


def test_encrypt_round_trip(plain: Location) -> None:
    assert plain.path is not None
    before = sample_counts(plain)
    done = encrypt(plain, Passphrase(SECRET))
    assert done.database == plain.path
    assert_encrypted(plain.path)
    assert stat.S_IMODE(plain.path.stat().st_mode) == 0o600
    opened = plain.with_passphrase(Passphrase(SECRET))
    assert sample_counts(opened) == before
    report = check_database(opened)
    assert report.sound, report.problems  # foreign keys and the audit chain came across
    with open_database(opened) as database:
        with database.transaction("tester") as session:  # still writable, still searchable
            item = session.scalars(select(Recommendation).limit(1)).one()
            item.owner = "Encrypted owner"
        with database.session() as session:
            found = session.scalar(
                text("SELECT count(*) FROM recommendation_fts WHERE search_text MATCH 'police'")
            )
            assert found
            # The audit trail is still append-only: its triggers came across too.
            with pytest.raises(DBAPIError, match="append-only"):
                session.execute(text("DELETE FROM audit_log"))
            assert session.scalar(text("PRAGMA temp_store")) == 2  # no plaintext temp files
    assert_encrypted(plain.path)


def test_a_wrong_or_missing_passphrase_is_refused_and_changes_nothing(plain: Location) -> None:
    assert plain.path is not None
    encrypt(plain, Passphrase(SECRET))
    files = {p: digest(p) for p in plain.path.parent.rglob("*") if p.is_file()}
    with pytest.raises(PassphraseError, match=r"does not open panel\.sqlite3"):
        open_database(plain.with_passphrase(Passphrase("not the passphrase")))
    with pytest.raises(PassphraseError, match="is encrypted"):
        open_database(plain.with_passphrase(None))
    with pytest.raises(PassphraseError, match="does not open"):
        check_database(plain.with_passphrase(Passphrase("not the passphrase")))
    with pytest.raises(BackupError, match="is encrypted"):
        back_up(plain.with_passphrase(None), plain.path.parent / "copy.sqlite3")
    assert {p: digest(p) for p in plain.path.parent.rglob("*") if p.is_file()} == files


def test_a_new_database_with_a_passphrase_is_made_encrypted(tmp_path: Path) -> None:
    location = resolve_location(str(tmp_path / "new.sqlite3")).with_passphrase(Passphrase(SECRET))
    with open_database(location, create=True) as database, database.transaction("t") as session:
        load_sample(session, TODAY)
    assert location.path is not None
    assert_encrypted(location.path)
    assert location.is_encrypted
    assert "28 tracked items" in sample_counts(location)


def test_the_key_is_sqlciphers_own_derivation(tmp_path: Path) -> None:
    """A file SQLCipher keyed from the passphrase itself opens with the key casereview
    derives once (so connections after the first skip the slow derivation)."""
    path = tmp_path / "made-by-sqlcipher.db"
    conn = sqlcipher.connect(str(path))
    conn.execute(f"PRAGMA key = '{SECRET}'")
    conn.execute("CREATE TABLE t (x)")
    conn.execute("INSERT INTO t VALUES ('kept')")
    conn.commit()
    conn.close()
    passphrase = Passphrase(SECRET)
    with cipher.connect(path, passphrase) as opened:
        assert opened.execute("SELECT x FROM t").fetchall() == [("kept",)]
    assert list(passphrase._keys) == [path.read_bytes()[:16]]  # derived once, for its salt
    with pytest.raises(PassphraseError):
        cipher.connect(path, Passphrase(SECRET + "!"))


def test_backups_of_an_encrypted_database_are_encrypted(plain: Location, tmp_path: Path) -> None:
    assert plain.path is not None
    encrypt(plain, Passphrase(SECRET))
    opened = plain.with_passphrase(Passphrase(SECRET))
    target = tmp_path / "elsewhere" / "backup.sqlite3"
    target.parent.mkdir()
    back_up(opened, target)
    assert_encrypted(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not list(target.parent.glob(".*.part"))  # nothing half-written, nothing plain
    assert sample_counts(resolve_location(str(target)).with_passphrase(Passphrase(SECRET)))

    with open_database(opened) as database, database.transaction("tester") as session:
        session.scalars(select(Recommendation).limit(1)).one().owner = "Changed"
    kept = automatic_backup(opened, "before-import")
    assert kept is not None
    assert_encrypted(kept)

    # Restoring the backup puts the earlier data back, encrypted, keeping what it replaced.
    replaced = restore(target, opened)
    assert replaced is not None
    assert_encrypted(plain.path)
    assert_encrypted(replaced)
    with open_database(opened) as database, database.session() as session:
        owners = session.scalars(select(Recommendation.owner)).all()
        assert "Changed" not in owners
        assert session.scalar(select(func.count()).select_from(Recommendation)) == 28


def test_restore_never_leaves_an_encrypted_database_plain(plain: Location, tmp_path: Path) -> None:
    assert plain.path is not None
    plain_backup = tmp_path / "plain-backup.sqlite3"
    back_up(plain, plain_backup)
    encrypt(plain, Passphrase(SECRET))
    opened = plain.with_passphrase(Passphrase(SECRET))
    files = {p: digest(p) for p in tmp_path.rglob("*") if p.is_file()}
    with pytest.raises(BackupError, match="would leave the data unencrypted"):
        restore(plain_backup, opened)
    assert {p: digest(p) for p in tmp_path.rglob("*") if p.is_file()} == files


def test_encrypt_takes_the_copies_kept_beside_the_database(plain: Location) -> None:
    assert plain.path is not None
    first = automatic_backup(plain, "before-import")
    assert first is not None
    with open_database(plain) as database, database.transaction("tester") as session:
        session.scalars(select(Recommendation).limit(1)).one().owner = "Someone else"
    second = automatic_backup(plain, "before-bulk-change")
    assert second is not None
    done = encrypt(plain, Passphrase(SECRET))
    assert sorted(done.copies) == sorted([first, second])
    assert done.left_plain == []
    for copy in kept_copies(plain.path):
        assert_encrypted(copy.path)
        copy_location = resolve_location(str(copy.path)).with_passphrase(Passphrase(SECRET))
        assert check_database(copy_location).sound


def test_encrypt_again_finishes_copies_an_interrupted_run_left_plain(plain: Location) -> None:
    """Interrupted after the database was renamed into place and before its copies were done:
    running encrypt again (with the database's own passphrase) encrypts what is still plain."""
    assert plain.path is not None
    kept = automatic_backup(plain, "before-import")
    assert kept is not None
    _encrypt_file(plain.path, Passphrase(SECRET), exclusive=True)  # the run stops here
    assert_encrypted(plain.path)
    assert plain_copies(plain.path) == [kept]
    files = {p: digest(p) for p in plain.path.parent.rglob("*") if p.is_file()}

    with pytest.raises(PassphraseError):
        encrypt(plain, Passphrase("not the passphrase at all"))
    assert {p: digest(p) for p in plain.path.parent.rglob("*") if p.is_file()} == files

    done = encrypt(plain, Passphrase(SECRET))
    assert done.already and done.copies == [kept] and done.left_plain == []
    assert plain_copies(plain.path) == []
    assert_encrypted(kept)
    copy = resolve_location(str(kept)).with_passphrase(Passphrase(SECRET))
    assert check_database(copy).sound
    assert sample_counts(copy) == sample_counts(plain.with_passphrase(Passphrase(SECRET)))

    with pytest.raises(EncryptError, match="so is every copy kept beside it"):
        encrypt(plain, Passphrase(SECRET))


def test_encrypt_refuses_a_database_open_elsewhere(plain: Location) -> None:
    """Another process (a window) with the file open would go on writing to the file the
    encrypted one replaces: refused, and the file left as it was."""
    assert plain.path is not None
    before = digest(plain.path)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_OPEN, str(plain.path)],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(EncryptError, match="is open in casereview or another program"):
            encrypt(plain, Passphrase(SECRET))
    finally:
        holder.kill()
        holder.wait()
    assert plain.path.read_bytes()[:16] == SQLITE_MAGIC
    assert digest(plain.path) == before
    assert not list(plain.path.parent.glob(".*.part"))


def test_encrypt_refuses_what_it_cannot_encrypt(plain: Location, tmp_path: Path) -> None:
    assert plain.path is not None
    encrypt(plain, Passphrase(SECRET))
    with pytest.raises(EncryptError, match="already encrypted"):
        encrypt(plain.with_passphrase(Passphrase(SECRET)), Passphrase(SECRET))
    with pytest.raises(EncryptError, match="There is no database"):
        encrypt(resolve_location(str(tmp_path / "missing.sqlite3")), Passphrase(SECRET))
    other = tmp_path / "other.sqlite3"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (x)")
    before = digest(other)
    with pytest.raises(DatabaseOpenError, match="another program"):
        encrypt(resolve_location(str(other)), Passphrase(SECRET))
    assert digest(other) == before


def test_a_new_passphrase_must_be_long_enough() -> None:
    with pytest.raises(PassphraseError, match="at least 8 characters"):
        cipher.check_new("short")
    assert cipher.check_new("three word phrase").matches("three word phrase")
    assert "three" not in repr(Passphrase("three word phrase"))


def damaged(plain: Location, start: int, stop: int) -> tuple[Location, Path, bytes]:
    """``plain`` encrypted, a copy kept, then bytes ``start:stop`` of the file overwritten:
    the database opened with its passphrase, the copy, and the damaged file's bytes."""
    assert plain.path is not None
    encrypt(plain, Passphrase(SECRET))
    opened = plain.with_passphrase(Passphrase(SECRET))
    kept = automatic_backup(opened, "before-import")
    assert kept is not None
    data = bytearray(plain.path.read_bytes())
    data[start:stop] = b"\xff" * (stop - start)
    plain.path.write_bytes(bytes(data))
    return opened, kept, bytes(data)


def test_a_damaged_encrypted_database_offers_its_encrypted_backup(plain: Location) -> None:
    """A damaged page fails SQLCipher's authentication: the file is refused as damaged (never
    written), its newest sound copy is offered, and restoring it with the passphrase works."""
    assert plain.path is not None
    opened, kept, data = damaged(plain, 4096 * 3, 4096 * 3 + 600)
    with pytest.raises(DamagedDatabaseError) as refused:
        open_database(opened)
    assert refused.value.backup == kept
    assert plain.path.read_bytes() == data
    passphrase = refused.value.passphrase
    assert isinstance(passphrase, Passphrase) and passphrase.matches(SECRET)
    aside = restore(kept, plain.with_passphrase(passphrase))
    assert aside is not None and aside.read_bytes() == data  # moved aside, unchanged
    assert check_database(opened).sound
    assert_encrypted(plain.path)


def test_a_damaged_first_page_is_told_from_a_wrong_passphrase(plain: Location) -> None:
    """Page 1 failing alone (SQLCipher's page check passes the rest with the key) is damage:
    the backup is offered and nothing is written; a wrong passphrase, failing every page, is
    still refused as a wrong passphrase."""
    assert plain.path is not None
    opened, kept, data = damaged(plain, 200, 900)  # inside page 1, after the salt

    with pytest.raises(DamagedDatabaseError, match="fail their authentication check") as refused:
        open_database(opened)
    assert refused.value.backup == kept
    with pytest.raises(PassphraseError, match="does not open"):
        open_database(plain.with_passphrase(Passphrase("not the passphrase at all")))
    with pytest.raises(DamagedDatabaseError):
        check_database(opened)
    assert plain.path.read_bytes() == data
