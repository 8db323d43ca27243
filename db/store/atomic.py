"""Writing a file whole or not at all: into a private temporary file beside it, synced, then
renamed over it. Without SQLAlchemy (an import-linter contract); the backups, ``casereview encrypt``
and the window's exports all write this way."""

from __future__ import annotations

import logging
import os
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from db.store.logs import cause

_log = logging.getLogger(__name__)


@contextmanager
def replacing(target: Path) -> Iterator[Path]:
    """A new file beside ``target``, readable by its owner only, for the block to fill.

    When the block ends normally the file is synced to disk and renamed over ``target`` (the
    rename synced too where the system allows), so a crash leaves the old file or the new one,
    never half of either; when the block raises, the file is removed and ``target`` is as it
    was. Raises ``OSError`` when the folder cannot be written.
    """
    with staged(target) as file:
        yield file.path
        file.settle()


class Staged:
    """A new file (``path``) beside ``target``, put in its place only by ``settle``."""

    def __init__(self, path: Path, target: Path) -> None:
        self.path = path
        self.target = target

    def settle(self) -> None:
        """Sync the file, rename it over the target and sync the rename where the system
        allows: a crash leaves the old file or the new one, never half of either."""
        with self.path.open("rb+") as handle:
            os.fsync(handle.fileno())
        self.path.replace(self.target)
        folder = self.target.parent if str(self.target.parent) else Path()
        with suppress(OSError):  # a folder some systems cannot sync (Windows): no log
            directory = os.open(folder, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)


@contextmanager
def staged(target: Path) -> Iterator[Staged]:
    """``replacing`` for a caller that must put the file in place at a moment of its own (an
    export, inside the short transaction that records it, once the file is written whole):
    the block fills ``path`` and calls ``settle``; a file not settled when the block ends is
    removed, and ``target`` is as it was. Raises ``OSError`` when the folder cannot be
    written."""
    target = through_link(target)  # a link is written through, never replaced
    folder = target.parent if str(target.parent) else Path()
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=folder)
    os.close(fd)
    temp = Path(name)
    try:
        temp.chmod(0o600)
        yield Staged(temp, target)
    finally:
        with suppress(OSError):  # already moved into place, the usual case: no log
            temp.unlink()


def through_link(target: Path) -> Path:
    """The file that writing ``target`` replaces: the file a symbolic link points to (so the
    link stays a link), else ``target`` itself."""
    return target.resolve() if target.is_symlink() else target


def special_file(path: Path) -> bool:
    """Whether ``path`` is there and neither a folder nor an ordinary file: a pipe, a socket
    or a device, followed through a link (opened, a named pipe waits for a writer for ever, and
    /dev/zero never ends: a trial's import of each hung). Such a file is never read."""
    try:
        mode = path.stat().st_mode
    except OSError:  # not there, or not to be looked at: the reader says which
        return False
    return not stat.S_ISDIR(mode) and not stat.S_ISREG(mode)


def not_a_file(path: Path) -> str:
    """The sentence refusing a ``special_file``."""
    return f"{path} is not a file (a pipe or a device), so casereview does not read it."


def unfit_target(target: Path) -> str | None:
    """Why ``target`` cannot be written as a new file, in one sentence: a folder, a folder
    that does not exist, a device, a pipe or a socket (as root, renaming over ``/dev/null``
    would replace the device), or a read-only file; None when it may be. A symbolic link is
    judged by the file it points to, as ``replacing`` writes through it."""
    try:
        target = through_link(target)  # an overlong name fails here already (ENAMETOOLONG)
        found = target.stat()
    except FileNotFoundError:
        folder = target.parent if str(target.parent) else Path()
        return None if folder.is_dir() else f"The folder {folder} does not exist."
    except OSError as exc:  # said to the user by the caller, as a sentence: the log keeps why
        _log.info("a file not to be written: %s", cause(exc))
        return f"Cannot write {target}: {exc.strerror or exc}."
    if stat.S_ISDIR(found.st_mode):
        return f"{target} is a folder; give a file name to write to."
    if not stat.S_ISREG(found.st_mode):
        return (
            f"{target} is not an ordinary file (a device, a pipe or a socket), so casereview "
            "does not write to it; give the name of a file."
        )
    if not found.st_mode & 0o222 or not os.access(target, os.W_OK):
        return f"{target} is read-only, so casereview does not replace it; give another name."
    return None
