"""Writing files so that a failure never leaves a half-written one."""

from __future__ import annotations

import logging
import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path

from db.core.errors import CaseReviewError
from db.store.atomic import replacing, unfit_target
from db.store.logs import cause

_log = logging.getLogger(__name__)


def check_target(target: Path) -> None:
    """Refuse a target that cannot be written as a new file (``db.store.atomic.unfit_target``:
    a folder, in a folder that does not exist, a device, a pipe, a read-only file) before any
    work is done for it."""
    unfit = unfit_target(target)
    if unfit is not None:
        raise CaseReviewError(unfit)


def write_atomically(target: Path, data: bytes) -> None:
    """Write beside the target and rename over it, so a failure leaves the old file whole; a
    symbolic link is written through, never replaced."""
    check_target(target)
    try:
        with replacing(target) as temp:
            temp.write_bytes(data)
    except OSError as exc:
        raise CaseReviewError(f"Cannot write {target}: {exc.strerror or exc}.") from exc


EVIDENCE_PREFIX = "casereview-evidence-"


class EvidenceCopies:
    """The plaintext copies of stored evidence one window hands to the system's viewer.

    They live in one private folder (0700; each file 0600, in a 0700 folder of its own so two
    files of one name both open) named with this process's id, under the system's temporary
    folder, and are removed with it when the window closes (``remove``); ``clear_left_evidence``
    removes at start-up what a crash left."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root  # None: the system's temporary folder, as it is when first used
        self.folder: Path | None = None

    def copy(self, name: str, content: bytes) -> Path:
        """Write ``content`` as a new file called ``name`` (its last part only, never a path)."""
        try:
            if self.folder is None or not self.folder.is_dir():
                self.folder = Path(
                    tempfile.mkdtemp(prefix=f"{EVIDENCE_PREFIX}{os.getpid()}-", dir=self.root)
                )
            each = Path(tempfile.mkdtemp(dir=self.folder))
            base = Path(name).name
            target = each / (base if base not in ("", ".", "..") else "evidence")
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(target, flags, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
        except OSError as exc:
            raise CaseReviewError(
                f"casereview cannot make a copy to open: {exc.strerror or exc}."
            ) from exc
        return target

    def remove(self) -> None:
        """Remove every copy made (a viewer still showing one keeps what it read)."""
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


def clear_left_evidence(root: Path | None = None) -> list[Path]:
    """Remove the evidence folders a casereview that ended without closing its window left in
    the temporary folder; return them. Only casereview's own (a folder, not a link, named
    ``casereview-evidence-``), only this user's, and never one a running casereview is using:
    anything else is left alone."""
    folder = root if root is not None else Path(tempfile.gettempdir())
    try:
        entries = list(os.scandir(folder))
    except OSError as exc:
        _log.warning("temporary folder not tidied: %s", cause(exc))
        return []
    cleared = []
    for entry in entries:
        if not entry.name.startswith(EVIDENCE_PREFIX):
            continue
        try:
            found = entry.stat(follow_symlinks=False)
        except OSError:  # gone meanwhile, or not this user's: left alone, as promised (no log)
            continue
        if not stat.S_ISDIR(found.st_mode):
            continue
        if hasattr(os, "getuid") and found.st_uid != os.getuid():
            continue
        pid, _, _ = entry.name[len(EVIDENCE_PREFIX) :].partition("-")
        if pid.isdigit() and (int(pid) == os.getpid() or _running(int(pid))):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        cleared.append(Path(entry.path))
    return cleared


def _running(pid: int) -> bool:
    """Whether a process ``pid`` runs now (as far as this user can tell)."""
    if sys.platform == "win32":
        import ctypes

        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # refused: it exists
        kernel32.CloseHandle(handle)
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:  # the answer: no such process
        return False
    except OSError:
        return True  # another user's: it exists
    return True
