"""Backups: a checked, private, whole copy, or nothing."""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pytest

from db.exchange import collect_document, dump_document
from db.store.backups import BackupError, back_up, kept_copies, restore
from db.store.database import Database, open_database
from db.store.location import resolve_location
from tests.helpers import TODAY


@pytest.fixture
def sample_file(tmp_path: Path) -> Database:
    from db.services.dataset import load_sample

    database = open_database(resolve_location(str(tmp_path / "panel.sqlite3")), create=True)
    with database.transaction("tester") as session:
        load_sample(session, TODAY)
    return database


def contents(database: Database) -> str:
    with database.session() as session:
        text = dump_document(collect_document(session, TODAY))
    return "\n".join(line for line in text.splitlines() if '"exported_at"' not in line)


def test_a_backup_holds_everything_in_one_private_file(sample_file: Database, tmp_path: Path):
    target = tmp_path / "backups" / "panel-backup.sqlite3"
    target.parent.mkdir()
    back_up(sample_file.location, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in target.parent.iterdir()) == ["panel-backup.sqlite3"]
    with open_database(resolve_location(str(target))) as copy:
        assert contents(copy) == contents(sample_file)


def test_a_backup_replaces_an_older_one_whole(sample_file: Database, tmp_path: Path):
    target = tmp_path / "backup.sqlite3"
    target.write_bytes(b"an older backup")
    back_up(sample_file.location, target)
    with open_database(resolve_location(str(target))) as copy:
        assert contents(copy) == contents(sample_file)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("missing/backup.sqlite3", "The folder"),
        (".", "is a folder"),
        ("panel.sqlite3", "cannot be written over the database it copies"),
    ],
)
def test_bad_targets_are_refused_and_nothing_is_written(
    sample_file: Database, tmp_path: Path, target: str, message: str
):
    before = sorted(p.name for p in tmp_path.iterdir())
    original = (tmp_path / "panel.sqlite3").read_bytes()
    with pytest.raises(BackupError, match=message):
        back_up(sample_file.location, tmp_path / target)
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert (tmp_path / "panel.sqlite3").read_bytes() == original


def test_a_server_database_is_refused_plainly(tmp_path: Path):
    server = resolve_location("postgresql://panel@db.invalid/casereview")
    with pytest.raises(BackupError, match="pg_dump"):
        back_up(server, tmp_path / "backup.sqlite3")
    assert list(tmp_path.iterdir()) == []


def test_a_folder_that_cannot_be_written_is_refused_plainly(sample_file: Database, tmp_path: Path):
    import os

    if os.geteuid() == 0:
        target = Path("/proc/backup.sqlite3")  # not writable even for root
    else:
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        target = locked / "backup.sqlite3"
    with pytest.raises(BackupError, match="Cannot write"):
        back_up(sample_file.location, target)


def _erase_a_review(database: Database) -> None:
    from sqlalchemy import select

    from db.store.models import Review

    with database.transaction("tester") as session:
        session.delete(session.scalars(select(Review).order_by(Review.id)).first())


def test_a_restore_brings_the_backup_back_and_keeps_what_it_replaced(
    sample_file: Database, tmp_path: Path
):
    backup = tmp_path / "monday.sqlite3"
    back_up(sample_file.location, backup)
    before = contents(sample_file)
    _erase_a_review(sample_file)  # the change the restore undoes
    changed = contents(sample_file)
    assert changed != before

    kept = restore(backup, sample_file.location)

    assert contents(sample_file) == before  # the open database sees the restored data
    assert kept is not None
    assert kept.parent == tmp_path / "panel.sqlite3-backups"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE(kept.parent.stat().st_mode) == 0o700
    with open_database(resolve_location(str(kept))) as replaced:
        assert contents(replaced) == changed
    sample_file.close()
    with open_database(sample_file.location) as reopened:
        assert contents(reopened) == before


def test_a_restore_to_a_new_place_makes_a_private_database(sample_file: Database, tmp_path: Path):
    backup = tmp_path / "monday.sqlite3"
    back_up(sample_file.location, backup)
    target = tmp_path / "laptop" / "panel.sqlite3"
    target.parent.mkdir()
    assert restore(backup, resolve_location(str(target))) is None
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    with open_database(resolve_location(str(target))) as restored:
        assert contents(restored) == contents(sample_file)


def _not_a_backup(tmp_path: Path, kind: str, sample_file: Database) -> Path:
    import sqlite3
    from contextlib import closing

    path = tmp_path / f"{kind}.sqlite3"
    if kind == "text":
        path.write_text("minutes of the last meeting")
    elif kind == "other program":
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("CREATE TABLE songs (title TEXT)")
            conn.commit()
    elif kind == "damaged":
        back_up(sample_file.location, path)
        data = bytearray(path.read_bytes())
        data[4096 * 3 : 4096 * 3 + 600] = b"\xff" * 600  # a page of the tables overwritten
        path.write_bytes(bytes(data))
    elif kind == "newer":
        back_up(sample_file.location, path)
        with closing(sqlite3.connect(path)) as conn:
            conn.execute("UPDATE alembic_version SET version_num = '9999'")
            conn.commit()
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("missing", "There is no file"),
        ("text", "not a casereview backup (not an SQLite database)"),
        ("other program", "an SQLite file but not a casereview backup"),
        ("damaged", "is damaged"),
        ("newer", "made by a newer version of casereview"),
        ("folder", "is a folder, not a backup file"),
    ],
)
def test_what_is_not_a_sound_backup_is_refused_and_the_database_is_untouched(
    sample_file: Database, tmp_path: Path, kind: str, message: str
):
    source = _not_a_backup(tmp_path, kind, sample_file)
    sample_file.close()
    database = tmp_path / "panel.sqlite3"
    before = database.read_bytes()
    with pytest.raises(BackupError, match=re.escape(message)) as refused:
        restore(source, sample_file.location)
    assert "\n" not in refused.value.message
    assert database.read_bytes() == before
    assert kept_copies(database) == []


def test_a_database_is_not_restored_from_itself(sample_file: Database, tmp_path: Path):
    with pytest.raises(BackupError, match="cannot be restored from itself"):
        restore(tmp_path / "panel.sqlite3", sample_file.location)


# ------------------------------------------------------------------ copies casereview keeps


def test_an_automatic_copy_is_kept_only_when_the_database_changed(
    sample_file: Database, tmp_path: Path
):
    import os

    from db.store.backups import automatic_backup, kept_copies

    database = tmp_path / "panel.sqlite3"
    first = automatic_backup(sample_file.location, "opened")
    assert first is not None and first.parent == tmp_path / "panel.sqlite3-backups"
    assert stat.S_IMODE(first.stat().st_mode) == 0o600
    with open_database(resolve_location(str(first))) as copy:
        assert contents(copy) == contents(sample_file)
    assert automatic_backup(sample_file.location, "before-import") is None  # unchanged since
    # An hour later, the database changes; the next occasion keeps a new copy.
    hour_ago = first.stat().st_mtime - 3600
    os.utime(first, (hour_ago, hour_ago))
    _erase_a_review(sample_file)
    second = automatic_backup(sample_file.location, "before-import")
    assert second is not None
    assert [c.reason for c in kept_copies(database)] == ["before-import", "opened"]
    assert kept_copies(database)[0].described == "before an import"


def test_old_copies_are_thinned_to_recent_daily_and_weekly(tmp_path: Path):
    import datetime as dt

    from db.store.backups import STAMP, kept_copies, prune
    from db.store.paths import backups_folder

    database = tmp_path / "panel.sqlite3"
    folder = backups_folder(database)
    folder.mkdir()
    now = dt.datetime(2026, 11, 22, 12, 0, 0)
    ages = [dt.timedelta(minutes=m) for m in (1, 2, 3, 4, 5, 6, 7)]  # seven today
    ages += [dt.timedelta(days=d, hours=h) for d in (2, 3) for h in (1, 2)]  # two a day
    ages += [dt.timedelta(days=d) for d in (18, 20, 40)]  # weeks ago, two in one week
    ages += [dt.timedelta(days=200)]  # long ago
    for n, age in enumerate(ages):
        name = f"panel.opened.{(now - age).strftime(STAMP)}.sqlite3"
        (folder / name).write_bytes(b"%d" % n)
    damaged = folder / f"panel.damaged.{(now - dt.timedelta(days=300)).strftime(STAMP)}.sqlite3"
    damaged.write_bytes(b"kept for IT")
    (folder / "notes.txt").write_text("not ours")

    removed = prune(database, now=now)

    kept = {now - c.taken for c in kept_copies(database) if c.reason == "opened"}
    # the five newest; then the newest of each older day within a week; then of each week.
    assert kept == {
        *ages[:5],
        dt.timedelta(days=2, hours=1),
        dt.timedelta(days=3, hours=1),
        dt.timedelta(days=18),  # Wednesday 4 November; Monday 2 November is the same week
        dt.timedelta(days=40),
    }
    assert len(removed) == len(ages) - len(kept)
    assert damaged.exists()
    assert (folder / "notes.txt").exists()


def test_a_copy_is_kept_before_an_upgrade(tmp_path: Path):
    from db.store.backups import kept_copies
    from db.store.database import downgrade_schema, schema_revision

    path = tmp_path / "old.sqlite3"
    with open_database(resolve_location(str(path)), create=True) as database:
        downgrade_schema(database.engine, "0002")
    open_database(resolve_location(str(path))).close()  # upgrades to head
    (copy,) = kept_copies(path)
    assert copy.reason == "before-upgrade"
    assert schema_revision(resolve_location(str(copy.path))) == "0002"


def test_opening_without_changing_keeps_no_new_copy(sample_file: Database, tmp_path: Path):
    import os

    from db.store.backups import automatic_backup

    first = automatic_backup(sample_file.location, "opened")
    assert first is not None
    hour_ago = first.stat().st_mtime - 3600
    os.utime(first, (hour_ago, hour_ago))
    sample_file.close()
    for _ in range(3):  # opened and read again: its files are touched, its content is not
        with open_database(resolve_location(str(tmp_path / "panel.sqlite3"))) as again:
            contents(again)
        assert automatic_backup(sample_file.location, "opened") is None


def test_copies_kept_before_a_restore_are_never_thinned(tmp_path: Path):
    import datetime as dt

    from db.store.backups import STAMP, prune
    from db.store.paths import backups_folder

    database = tmp_path / "panel.sqlite3"
    folder = backups_folder(database)
    folder.mkdir()
    now = dt.datetime(2026, 11, 22, 12, 0)
    kept = folder / f"panel.before-restore.{(now - dt.timedelta(days=90)).strftime(STAMP)}.sqlite3"
    kept.write_bytes(b"what a restore replaced")
    for minutes in range(1, 12):
        name = f"panel.opened.{(now - dt.timedelta(minutes=minutes)).strftime(STAMP)}.sqlite3"
        (folder / name).write_bytes(b"copy")
    prune(database, now=now)
    assert kept.exists()
    assert len(list(folder.glob("panel.opened.*"))) == 5


def test_an_abandoned_copy_leaves_nothing(sample_file: Database, tmp_path: Path):
    import threading

    from db.store.backups import Abandoned, automatic_backup
    from db.store.paths import backups_folder

    cancel = threading.Event()
    cancel.set()  # as the window quits: the copy stops at its first look
    target = tmp_path / "copy.sqlite3"
    with pytest.raises(Abandoned):
        back_up(sample_file.location, target, cancel)
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".part") == []
    assert not target.exists()
    with pytest.raises(Abandoned):
        automatic_backup(sample_file.location, "opened", cancel=cancel)
    folder = backups_folder(sample_file.location.path)  # type: ignore[arg-type]
    assert [p.name for p in folder.iterdir() if p.suffix in (".sqlite3", ".part")] == []
