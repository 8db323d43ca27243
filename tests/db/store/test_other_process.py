"""Another process on the same SQLite file never takes this one's working files away.

POSIX locks belong to a process and a file: closing any descriptor of the database file drops
every lock this process's SQLite connections hold on it. A new user saw the result: with the
window open, ``casereview export`` closed as if it were the last user, checkpointed and deleted
the -wal and -shm files the window was still writing to, and the window's next edits were lost.
The window's own header reads (the start-up copy, each key lookup) had closed such descriptors.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.queries import first_page as quick
from db.services.dataset import load_sample
from db.store import cipher
from db.store.backups import automatic_backup
from db.store.database import open_database
from db.store.location import resolve_location
from db.store.models import Review
from db.store.paths import read_start

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX record locks")

TODAY = dt.date(2026, 11, 22)


def other_process_reads(path: Path) -> int:
    """Open, read and close the file in a process of its own, as ``casereview export`` does."""
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1])\n"
        "print(c.execute('SELECT count(*) FROM reviews').fetchone()[0])\n"
        "c.close()\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    return int(done.stdout)


def test_reading_the_header_keeps_the_locks_another_process_must_see(tmp_path: Path) -> None:
    path = tmp_path / "panel.sqlite3"
    database = open_database(resolve_location(str(path)), create=True)
    try:
        with database.transaction("setup") as session:
            load_sample(session, TODAY)
        with database.session() as session:  # a connection stays open in the pool
            reviews = session.scalar(select(func.count(Review.id)))
        # What the window does while it is open: its start-up copy, and header reads.
        automatic_backup(database.location, "opened")
        for _ in range(3):
            assert cipher.header(path) == read_start(path)
            assert not cipher.is_encrypted(path)
            assert quick.is_current(path)
        wal, shm = Path(f"{path}-wal"), Path(f"{path}-shm")
        assert wal.exists() and shm.exists()
        assert other_process_reads(path) == reviews
        # The other process knew it was not the last: the working files are still there ...
        assert wal.exists() and shm.exists()
        with database.transaction("tester") as session:
            session.get(Review, 1).title = "Renamed while another process looked"  # type: ignore[union-attr]
        # ... and what this process writes next is seen by the next one.
        code = (
            "import sqlite3, sys\n"
            "c = sqlite3.connect(sys.argv[1])\n"
            "print(c.execute('SELECT title FROM reviews WHERE id = 1').fetchone()[0])\n"
        )
        seen = subprocess.run(
            [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
        )
        assert seen.stdout.strip() == "Renamed while another process looked"
    finally:
        database.close()


def test_a_replaced_file_is_let_go_of(tmp_path: Path) -> None:
    """A file read once and then replaced (an encrypted copy put in its place) is not held
    open, so its old blocks are given back at once."""
    from db.store import paths as places

    path = tmp_path / "old.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + bytes(496))
    assert read_start(path) == b"SQLite format 3\x00"
    held = path.stat()
    assert (held.st_dev, held.st_ino) in places._held
    replacement = tmp_path / "new.sqlite3"
    replacement.write_bytes(bytes(512))
    replacement.replace(path)
    assert read_start(path) == bytes(16)
    assert (held.st_dev, held.st_ino) not in places._held
