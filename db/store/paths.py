"""Where SQLite databases live and how to read one without writing beside it.

Without SQLAlchemy (an import-linter contract): the window decides from these, before the database
layer is imported, whether it can paint its first page straight from the file
(``db.queries.first_page``).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import quote

ENV_VAR = "CASEREVIEW_DB"
APP_NAME = "casereview"
DEFAULT_FILE_NAME = "casereview.sqlite3"
SQLITE_MAGIC = b"SQLite format 3\x00"


def default_database_path() -> Path:
    """The per-user SQLite file used when neither ``--db`` nor ``CASEREVIEW_DB`` is given."""
    from platformdirs import user_data_path

    return user_data_path(APP_NAME, appauthor=False) / DEFAULT_FILE_NAME


def chosen_value(arg: str | None, environ: Mapping[str, str] | None = None) -> str:
    """``--db`` if given, else ``CASEREVIEW_DB``, else empty (the per-user default)."""
    environ = os.environ if environ is None else environ
    return (arg if arg else environ.get(ENV_VAR, "")).strip()


def sqlite_file(arg: str | None, environ: Mapping[str, str] | None = None) -> Path | None:
    """The SQLite file ``--db`` names (as ``db.store.location.resolve_location`` reads it), or None
    when it names a database by URL."""
    value = chosen_value(arg, environ)
    if not value:
        return default_database_path()
    if "://" in value:
        return None
    try:
        return expanded(value)
    except FileNotFoundError:
        return None  # opened the ordinary way, which refuses it in a sentence


def expanded(value: str) -> Path:
    """``value`` as an absolute path, a leading ``~`` or ``~name`` made that home folder, as a
    shell would. ``~name`` of no user here raises FileNotFoundError: Python's own RuntimeError
    would slip past every handler of a path that is not there."""
    try:
        return Path(value).expanduser().absolute()
    except RuntimeError as exc:
        raise FileNotFoundError(errno.ENOENT, "no such home folder") from exc


def file_identity(path: Path) -> tuple[int, int] | None:
    """Which file is at ``path`` (device and file number), to tell it from another put in
    its place; None when there is none."""
    try:
        found = path.stat()
    except OSError:  # none there (or none this process can see): the answer, not a fault
        return None
    return found.st_dev, found.st_ino


def readonly_uri(path: Path) -> str:
    """An SQLite URI that reads ``path`` without writing anything beside it.

    A read-only connection to a WAL database still leaves -wal and -shm files behind, so when
    no WAL file exists (the database was closed cleanly) the file is opened as immutable.
    """
    # mode=ro always: never create the file when it is missing.
    mode = "mode=ro" if Path(f"{path}-wal").exists() else "mode=ro&immutable=1"
    return f"file:{quote(str(path))}?{mode}"


# File systems reached over a network. SQLite's locking is unreliable on them, so two
# computers writing at once can damage the database (https://www.sqlite.org/useovernet.html).
NETWORK_FILE_SYSTEMS = frozenset(
    {
        "nfs", "nfs4", "cifs", "smb3", "smbfs", "9p", "afs", "ceph", "glusterfs", "lustre",
        "davfs", "ncpfs", "fuse.sshfs", "fuse.davfs", "fuse.glusterfs", "fuse.rclone",
        "fuse.gvfsd-fuse", "autofs",
    }
)  # fmt: skip
MOUNTINFO = Path("/proc/self/mountinfo")


def network_share(path: Path) -> str | None:
    """The kind of network share ``path`` is on ("nfs4", "cifs", "a network drive"), or None
    for a disk of this computer, or when the system cannot say."""
    if os.name == "nt":
        return _windows_network_drive(path)
    try:
        mounts = MOUNTINFO.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None  # not Linux: macOS keeps no such table; its shares are not detected
    target = str(path.resolve())  # a link to a share is on the share
    best, kind = "", ""
    for line in mounts.splitlines():
        fields, _, rest = line.partition(" - ")
        parts = fields.split()
        if len(parts) < 5 or not rest:
            continue
        point = parts[4].replace("\\040", " ").replace("\\011", "\t").replace("\\134", "\\")
        inside = target == point or target.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, kind = point, rest.split()[0]
    return kind if kind in NETWORK_FILE_SYSTEMS else None


def _windows_network_drive(path: Path) -> str | None:  # pragma: no cover - Windows only
    import ctypes

    anchor = path.absolute().anchor
    if anchor.startswith("\\\\"):
        return "a network share"
    drive_remote = 4
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
    return "a network drive" if kernel32.GetDriveTypeW(anchor) == drive_remote else None


# SQLite's result codes for a damaged file (SQLITE_CORRUPT) and one that is not a database
# (SQLITE_NOTADB); a locked, busy or unreadable file is not damaged.
DAMAGE_CODES = frozenset({11, 26})


def is_damage(exc: BaseException) -> bool:
    """Whether an sqlite3 error says the file itself is damaged."""
    return (getattr(exc, "sqlite_errorcode", 0) & 0xFF) in DAMAGE_CODES


# SQLite's result codes for a full disk (SQLITE_FULL) and for an I/O error (SQLITE_IOERR), which
# is how a full disk shows when SQLite cannot grow a file it maps (its -shm) or a copy it writes.
FULL_CODE, IOERR_CODE = 13, 10


def is_full_disk(exc: BaseException, folder: Path, needed: int) -> bool:
    """Whether an sqlite3 error says the disk is full: SQLITE_FULL, or an I/O error where the
    disk holding ``folder`` has less than ``needed`` bytes left."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code == FULL_CODE:
        return True
    if code != IOERR_CODE:
        return False
    try:
        return shutil.disk_usage(folder).free < needed
    except OSError:  # the folder gone meanwhile: not known to be space
        return False


def backups_folder(database: Path) -> Path:
    """The folder beside ``database`` that holds the copies casereview takes itself (and the
    note of its audit trail's newest entry, ``db.store.audit_anchor``)."""
    return database.parent / f"{database.name}-backups"


# The files whose first bytes this process has read, each held open until the process ends
# (POSIX only), by (device, inode). POSIX record locks belong to a process and a file, not to
# a descriptor: closing *any* descriptor of a database file drops every lock SQLite holds on it
# in this process, including the shared lock that tells another process's last connection it
# is not the last. That process then checkpoints and deletes the -wal and -shm files the window
# is still using, and what the window writes next is lost (SQLite's "How to corrupt", 2.2).
# SQLite never closes a descriptor of a file it holds locks on; reading the header must not
# either. On Windows a lock belongs to its handle, and a handle held open would stop the file
# being replaced, so there the file is opened and closed as usual.
_held: dict[tuple[int, int], int] = {}
_held_guard = threading.Lock()


def read_start(path: Path, size: int = len(SQLITE_MAGIC)) -> bytes:
    """The first ``size`` bytes of the file ``path`` (fewer for a shorter file), read without
    ever closing a descriptor of it (see ``_held``). OSError when it cannot be read."""
    if os.name != "posix":
        with path.open("rb") as handle:
            return handle.read(size)
    with _held_guard:
        _let_go_of_removed()
        try:
            seen = path.stat()
            fd = _held.get((seen.st_dev, seen.st_ino))
        except FileNotFoundError:  # the open below says so (paths stays free of the log)
            fd = None
        if fd is None:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            now = os.fstat(fd)
            # Kept even if another descriptor of the same file is held (the file was replaced
            # between the two looks): closing this one would be the fault itself.
            _held.setdefault((now.st_dev, now.st_ino), fd)
        return os.pread(fd, size, 0)


def _let_go_of_removed() -> None:
    """Close the descriptors of files since deleted or replaced (no path leads to them, so no
    other process can open them or see their locks), so that their space, and any plaintext
    in it, is given back now rather than when the process ends."""
    for key, fd in list(_held.items()):
        try:
            gone = os.fstat(fd).st_nlink == 0
        except OSError:  # a descriptor no longer usable is let go of: nothing lost, no log
            gone = True
        if gone:
            del _held[key]
            with contextlib.suppress(OSError):
                os.close(fd)


def sqlite_temporary_folder() -> Path:
    """Where SQLite writes its temporary files (the sorts and copies of large reads and of
    VACUUM): on Windows the system's temporary folder; elsewhere the first of SQLITE_TMPDIR,
    TMPDIR, /var/tmp, /usr/tmp and /tmp that is a folder it may write in, as SQLite looks.
    (Python's own choice passes over a folder whose disk is full; SQLite's does not.)"""
    if sys.platform == "win32":
        return Path(tempfile.gettempdir())
    for candidate in (
        os.environ.get("SQLITE_TMPDIR"),
        os.environ.get("TMPDIR"),
        "/var/tmp",
        "/usr/tmp",
        "/tmp",
    ):
        if candidate and Path(candidate).is_dir() and os.access(candidate, os.W_OK | os.X_OK):
            return Path(candidate)
    return Path.cwd()
