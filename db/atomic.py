"""Writing a file whole or not at all: into a private temporary file beside it, synced, then
renamed over it. Free of SQLAlchemy; the backups, ``casereview encrypt`` and the window's
exports all write this way."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A new file beside ``target``, readable by its owner only, for the block to fill.

    When the block ends normally the file is synced to disk and renamed over ``target`` (the
    rename synced too where the system allows), so a crash leaves the old file or the new one,
    never half of either; when the block raises, the file is removed and ``target`` is as it
    was. Raises ``OSError`` when the folder cannot be written.
    """
    folder = target.parent if str(target.parent) else Path()
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    temp = Path(name)
    try:
        temp.chmod(0o600)
        yield temp
        with temp.open("rb+") as handle:
            os.fsync(handle.fileno())
        temp.replace(target)
        with suppress(OSError):
            directory = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)
    finally:
        with suppress(OSError):
            temp.unlink()
