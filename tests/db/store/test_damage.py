"""A damaged database is never written to: it is refused on opening, with the newest sound
backup offered, and a restore moves it aside whole before putting the backup in its place."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from db.core.errors import DamagedDatabaseError
from db.store.backups import STAMP, back_up, newest_sound_backup, restore
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.paths import backups_folder
from tests.helpers import TODAY
from tests.helpers.damage import damage


@pytest.fixture
def database_file(tmp_path: Path) -> Path:
    from db.services.dataset import load_sample

    path = tmp_path / "panel.sqlite3"
    with (
        open_database(resolve_location(str(path)), create=True) as database,
        database.transaction("tester") as session,
    ):
        load_sample(session, TODAY)
    return path


def files_beside(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir()) if p.is_file()}


def test_a_damaged_database_is_refused_and_nothing_is_written(database_file: Path):
    damage(database_file)
    before = files_beside(database_file)
    with pytest.raises(DamagedDatabaseError) as refused:
        open_database(resolve_location(str(database_file)))
    message = refused.value.message
    assert "panel.sqlite3 is damaged" in message
    assert "casereview has not written to it" in message
    assert "no sound backup of it was found" in message
    assert "\n" not in message
    assert refused.value.backup is None
    assert files_beside(database_file) == before  # not a byte, and no -wal or -shm beside it


def test_the_newest_sound_backup_is_offered(database_file: Path, tmp_path: Path):
    location = resolve_location(str(database_file))
    folder = backups_folder(database_file)
    folder.mkdir(exist_ok=True)
    older, newer, broken = (
        folder / f"panel.opened.{dt.datetime(2026, 11, day, 9).strftime(STAMP)}.sqlite3"
        for day in (18, 19, 20)
    )
    for copy in (older, newer, broken):
        back_up(location, copy)
    (folder / "panel.mine.sqlite3").write_bytes(b"a file of the user's own: not offered")
    damage(broken)  # the newest file is itself damaged: it is passed over
    assert newest_sound_backup(database_file) == newer
    damage(database_file)
    with pytest.raises(DamagedDatabaseError) as refused:
        open_database(location)
    assert refused.value.backup == newer
    assert str(newer) in refused.value.message
    assert "keeping the damaged file aside" in refused.value.message


def test_restoring_over_a_damaged_database_keeps_it_aside_unchanged(
    database_file: Path, tmp_path: Path
):
    location = resolve_location(str(database_file))
    backup = tmp_path / "friday.sqlite3"
    back_up(location, backup)
    damaged = damage(database_file)

    kept = restore(backup, location)

    assert kept is not None
    assert kept.parent == backups_folder(database_file)
    assert ".damaged." in kept.name
    assert kept.read_bytes() == damaged
    with open_database(location) as database:
        assert _reviews(database) == 2
    # A damaged copy is never offered as a backup.
    assert newest_sound_backup(database_file) is None


def _reviews(database: Database) -> int:
    from sqlalchemy import func, select

    from db.store.models import Review

    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(Review)) or 0)
