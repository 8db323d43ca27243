"""SQLite's check of the whole file beside the reading (``db.store.quick_check``): a database
opened with the check still running reads at once; every write waits for the verdict, and a
damaged file is refused in the sentence opening it gives, with nothing written."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.core.errors import DamagedDatabaseError
from db.core.vocabulary import ReviewKind
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import Review
from db.store.quick_check import QuickCheck
from tests.helpers.damage import damage


def _open(path: Path, check: QuickCheck) -> Database:
    return open_database(resolve_location(str(path)), check=check)


def _write(database: Database, outcome: list[object]) -> threading.Thread:
    """A change begun in a thread of its own; ``outcome`` gets what became of it."""

    def work() -> None:
        try:
            with database.transaction("tester") as session:
                session.add(Review(reference="NEW-1", title="A new review", kind=ReviewKind.SCR))
        except DamagedDatabaseError as exc:
            outcome.append(exc)
        else:
            outcome.append("saved")

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_reading_goes_ahead_and_writing_waits_for_the_verdict(sample_path: Path) -> None:
    check = QuickCheck(sample_path)  # not started: no verdict until the test says
    with _open(sample_path, check) as database:
        assert database.check is check
        with database.session() as session:  # read before the verdict
            assert session.scalar(select(func.count()).select_from(Review)) == 2
        outcome: list[object] = []
        writer = _write(database, outcome)
        writer.join(timeout=0.5)
        assert writer.is_alive() and outcome == []  # waiting for the verdict
        check.start()
        writer.join(timeout=30)
        assert outcome == ["saved"]
        assert database.check is None  # sound: later writes need not wait
        with database.session() as session:
            assert session.scalar(select(func.count()).select_from(Review)) == 3


def test_a_damaged_file_is_never_written(sample_path: Path) -> None:
    damage(sample_path)
    with pytest.raises(DamagedDatabaseError) as on_opening:
        open_database(resolve_location(str(sample_path)))  # the check before opening
    check = QuickCheck(sample_path)
    with _open(sample_path, check) as database:
        before = sample_path.read_bytes()
        outcome: list[object] = []
        writer = _write(database, outcome)
        writer.join(timeout=0.5)
        assert writer.is_alive()
        check.start()
        writer.join(timeout=30)
        (refused,) = outcome
        assert isinstance(refused, DamagedDatabaseError)
        assert refused.message == on_opening.value.message
        # Refused again every time a change is asked for.
        with pytest.raises(DamagedDatabaseError), database.change("tester"):
            pass
        assert sample_path.read_bytes() == before
    assert sample_path.read_bytes() == before
    assert sorted(p.name for p in sample_path.parent.iterdir() if p.is_file()) == [
        sample_path.name
    ]  # no -wal or -shm left beside it


def test_a_file_to_upgrade_waits_for_the_verdict_before_upgrading(sample_path: Path) -> None:
    from db.store.database import downgrade_schema

    with open_database(resolve_location(str(sample_path))) as database:
        downgrade_schema(database.engine, "0002")
    damage(sample_path)
    before = sample_path.read_bytes()
    with pytest.raises(DamagedDatabaseError):
        _open(sample_path, QuickCheck(sample_path).start())
    assert sample_path.read_bytes() == before


def test_a_check_of_a_file_since_replaced_is_not_taken_for_the_new_one(sample_path: Path) -> None:
    """A review's find: the command line starts the check as it begins, then reads its input;
    a damaged copy put in the file's place meanwhile (a restore, a copy) was written under
    the sound file's verdict. A check of another file is set aside, and the file is checked
    as it opens."""
    import shutil

    check = QuickCheck(sample_path).start()
    assert check.outcome() == ["ok"]
    damaged = sample_path.with_name("damaged.sqlite3")
    shutil.copyfile(sample_path, damaged)
    before = damage(damaged)
    damaged.replace(sample_path)
    assert not check.of_the_file_there()
    with pytest.raises(DamagedDatabaseError):
        _open(sample_path, check)
    assert sample_path.read_bytes() == before
