"""Backups: a checked, private, whole copy, or nothing."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from db.backup import BackupError, back_up
from db.engine import Database, open_database, resolve_location
from db.exchange import collect_document, dump_document
from tests.conftest import TODAY


@pytest.fixture
def sample_file(tmp_path: Path) -> Database:
    from db.dataset import load_sample

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
    with pytest.raises(BackupError, match="Cannot write in"):
        back_up(sample_file.location, target)
