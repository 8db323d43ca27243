"""Backups of an SQLite database: a consistent copy taken while the program may be writing.

The copy is made with SQLite's online backup API into a temporary file beside the target,
checked with ``PRAGMA integrity_check``, synced to disk and only then renamed into place, so
a failure at any moment leaves no half-written backup and the old one whole. The copy is
readable by its owner only. A server database is backed up with the server's own tools.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing, suppress
from pathlib import Path

from db.engine import Location
from db.errors import CaseReviewError


class BackupError(CaseReviewError):
    """A backup could not be made; nothing was written."""


def database_file(location: Location) -> Path:
    """The file a backup copies; a server database is refused, with the way to back it up."""
    if location.path is None:
        raise BackupError(
            f"{location} is a database server; back it up with the server's own tools "
            "(for PostgreSQL, pg_dump)."
        )
    return location.path


def back_up(location: Location, target: Path) -> None:
    """Copy the database at ``location`` to ``target``, whole or not at all."""
    source = database_file(location)
    if not source.exists():
        raise BackupError(f"There is no database at {source} to back up.")
    if target.is_dir():
        raise BackupError(f"{target} is a folder; give a file name for the backup.")
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise BackupError(f"The folder {folder} does not exist.")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError("A backup cannot be written over the database it copies.")
    try:
        fd, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    except OSError as exc:
        raise BackupError(f"Cannot write in {folder}: {exc.strerror or exc}.") from None
    os.close(fd)
    temp = Path(temp_name)
    try:
        temp.chmod(0o600)
        with (
            closing(sqlite3.connect(f"{source.as_uri()}?mode=ro", uri=True)) as src,
            closing(sqlite3.connect(temp)) as copy,
        ):
            src.backup(copy)
            # A backup holds everything in one file: no write-ahead log beside it.
            copy.execute("PRAGMA journal_mode = DELETE")
            verdict = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"The copy of {source.name} failed its check ({verdict}).")
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        temp.replace(target)
        with suppress(OSError):  # make the rename itself durable where the system allows
            directory = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
    except sqlite3.DatabaseError as exc:
        raise BackupError(f"{source.name} could not be copied ({exc}).") from None
    except OSError as exc:
        raise BackupError(f"Cannot write {target}: {exc.strerror or exc}.") from None
    finally:
        with suppress(OSError):
            temp.unlink()
