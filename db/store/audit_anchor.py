"""The audit trail's newest entry, noted outside the database, so entries cut from its end
are found.

Why it works this way: docs/architecture.md, "The audit trail's anchor".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from db.core.dates import format_date
from db.store import cipher
from db.store.cipher import Passphrase
from db.store.logs import cause
from db.store.paths import backups_folder

NAME = "audit-head.json"
LOCK_NAME = "audit-head.lock"
RESTORE_LOCK = "restore.lock"  # a restore holds it; check shares it
RECORD_SIZE = 192  # bytes: the JSON record (at most 172) padded with spaces
COMMIT_WAIT = 0.1  # seconds a commit waits to note its head before leaving it to the next
RESTORE_WAIT = 10.0  # seconds a restore or check waits for the other, or for a note
_MAX_ID = 2**63 - 1  # SQLite's largest rowid
_HEX64 = re.compile(r"[0-9a-f]{64}")
_EPOCH = re.compile(r"[0-9a-f]{16}")
_BINARY = getattr(os, "O_BINARY", 0)  # Windows: no newline translation
_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Head:
    """The newest audit entry when it was noted: its id, its hash (or, when ``sealed``, an
    HMAC of its hash), and the day it was noted (UTC)."""

    id: int
    mark: str
    noted: dt.date
    sealed: bool = False


# The trail's newest entry (id, hash) and the hash of the entry numbered by the parameter
# (None when there is none, or no number is given): all that noting and checking need.
LOOKUP = (
    "SELECT id, hash, (SELECT hash FROM audit_log WHERE id = ?) "
    "FROM audit_log ORDER BY id DESC LIMIT 1"
)


def note_path(database: Path) -> Path:
    """Where the note for ``database`` lives: its backups folder."""
    return backups_folder(database) / NAME


def secret(database: Path, passphrase: Passphrase | None) -> bytes | None:
    """The key that seals the note of an encrypted ``database`` (derived from the database's
    own key, never stored); None for a plain one, whose content is readable anyway."""
    salt = cipher.salt_of(database) if passphrase else None
    if passphrase is None or salt is None:
        return None
    return hmac.digest(passphrase.key(salt), b"casereview audit note", "sha256")


def _mark(entry_hash: str, key: bytes | None) -> str:
    if key is None:
        return entry_hash
    return hmac.new(key, entry_hash.encode("ascii"), hashlib.sha256).hexdigest()


def read(database: Path) -> Head | None:
    """The note for ``database``; None when there is none, or it is not a whole, well-formed
    note (a note cut short by a crash is as good as none: the next commit writes it again)."""
    return parse(saved(database))


def _fields(raw: bytes | None) -> dict[str, object] | None:
    """The fields of a record read by ``saved``; None when there is none, or it is not one
    JSON object (cut short by a crash, or not a note at all)."""
    if raw is None:
        return None
    try:
        data = json.loads(raw[: RECORD_SIZE + 1])
    except (ValueError, RecursionError):  # no log: read at every commit, and as good as none
        return None
    return data if isinstance(data, dict) else None


def parse(raw: bytes | None) -> Head | None:
    """The note a record read by ``saved`` holds, as ``read`` returns it."""
    data = _fields(raw)
    if data is None:
        return None
    try:
        entry_id, mark, noted = data["id"], data["mark"], data["noted"]
        sealed = data.get("sealed", False)
        if not (
            type(entry_id) is int
            and 0 < entry_id <= _MAX_ID
            and isinstance(mark, str)
            and _HEX64.fullmatch(mark)
            and isinstance(sealed, bool)
            and isinstance(noted, str)
        ):
            return None
        return Head(entry_id, mark, dt.date.fromisoformat(noted), sealed)
    except (ValueError, KeyError):  # a field missing, or not a day: as good as none (no log)
        return None


def epoch_of(raw: bytes | None) -> str | None:
    """The epoch of a record ``saved`` read: a token set afresh by whatever starts the note
    again (a restore, a new database at the path) and carried on by every commit; "" for a
    note from before epochs, None when there is no readable record."""
    data = _fields(raw)
    epoch = None if data is None else data.get("epoch", "")
    return epoch if isinstance(epoch, str) and (epoch == "" or _EPOCH.fullmatch(epoch)) else None


def write(
    database: Path, entry_id: int, entry_hash: str, key: bytes | None, epoch: str | None = None
) -> None:
    """Note the entry (``entry_id``, ``entry_hash``) as the newest, sealed with ``key``
    (``secret``) when there is one, in ``epoch`` (a new one when None or ""); the caller
    holds the lock (``holding_lock``).

    Written in place, as one record of a fixed length, in a single write: a reader never
    sees a mixture, and renaming a new file into place would cost more than the commit
    itself on some file systems. Not synced: a note lost to a power cut only means the check
    knows less until the next commit. Raises ``OSError`` when the folder cannot be written.
    """
    head = Head(entry_id, _mark(entry_hash, key), dt.datetime.now(dt.UTC).date(), key is not None)
    _put(database, head, epoch)


def advance(
    database: Path, entry_id: int, entry_hash: str, key: bytes | None, epoch: str | None
) -> bool:
    """After a commit: note its head (as ``write``) unless the note was started again since
    the commit's transaction began (``epoch`` is what it was then) or already holds a later
    entry; whether it did. Raises ``OSError`` (``TimeoutError`` among them, after
    ``COMMIT_WAIT`` seconds) when the note cannot be written just now."""
    with holding_lock(database, COMMIT_WAIT):
        raw = saved(database)
        if epoch_of(raw) != epoch:  # restored, or a new database, meanwhile
            return False
        noted = parse(raw)
        if noted is not None and noted.id >= entry_id:  # a later commit noted first
            return False
        write(database, entry_id, entry_hash, key, epoch)
        return True


def blank(database: Path) -> None:
    """Start the note again with nothing noted, in a new epoch (unlike no file at all, no
    commit can have begun with it); the caller holds the lock."""
    _write_record(database, {}, None)


def start_again(database: Path, entry: tuple[int, str] | None, key: bytes | None) -> None:
    """After a restore: note the restored trail's newest ``entry`` (id, hash), or nothing
    when it has none, in a new epoch, so no transaction that began before can note over it;
    if that cannot be written, leave no note at all. The caller holds the lock."""
    try:
        if entry is None:
            blank(database)
        else:
            write(database, *entry, key)
    except OSError as exc:
        _log.warning("audit note not started again after a restore: %s", cause(exc))
        with suppress(OSError):  # a note left behind is one check reports, not one to hide
            note_path(database).unlink(missing_ok=True)


def _put(database: Path, head: Head, epoch: str | None) -> None:
    fields = {"id": head.id, "mark": head.mark, "sealed": head.sealed}
    _write_record(database, {**fields, "noted": head.noted.isoformat()}, epoch)


def _write_record(database: Path, fields: dict[str, object], epoch: str | None) -> None:
    text = json.dumps({**fields, "epoch": epoch or secrets.token_hex(8)})
    record = text.encode("ascii").ljust(RECORD_SIZE - 1) + b"\n"
    if len(record) != RECORD_SIZE:  # pragma: no cover - ids are at most 19 digits
        raise ValueError("an audit note longer than its record")
    try:
        _overwrite(note_path(database), record)
    except FileNotFoundError:  # no backups folder yet
        make_folder(database)
        _overwrite(note_path(database), record)


def _overwrite(target: Path, data: bytes) -> None:
    """Write ``data`` over ``target`` from its start in one write, then cut it to that length
    (readable by its owner only)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | _BINARY, 0o600)
    try:
        os.write(fd, data)
        os.ftruncate(fd, len(data))  # whatever else a longer file held goes
    finally:
        os.close(fd)


def make_folder(database: Path) -> Path:
    """The backups folder of ``database`` (``db.store.paths.backups_folder``), made if it is not
    there (readable by its owner only) with its lock files in it, so that no command that
    fails later leaves a lock file it made. Raises ``OSError`` when it cannot be made."""
    folder = backups_folder(database)
    try:
        folder.mkdir(mode=0o700)
    except FileExistsError:  # made before: the usual case
        return folder
    for name in (LOCK_NAME, RESTORE_LOCK):
        os.close(os.open(folder / name, os.O_WRONLY | os.O_CREAT | _BINARY, 0o600))
    return folder


@contextmanager
def holding_lock(
    database: Path,
    wait: float,
    *,
    name: str = LOCK_NAME,
    create: bool = True,
    shared: bool = False,
) -> Iterator[None]:
    """Hold a lock (a file in the backups folder, locked by the operating system, so a
    process killed holding it lets go): ``LOCK_NAME``, held for every change to the note, or
    ``RESTORE_LOCK``. Raises ``TimeoutError`` when another process holds it for more than
    ``wait`` seconds, and ``OSError`` when the backups folder cannot be written.

    Not ``create``: for a reader, which writes nothing. Where there is no lock file (nothing
    has ever taken it) or it cannot be locked, nothing is held.
    """
    folder = backups_folder(database)
    fd: int | None = None
    flags = (os.O_RDWR | os.O_CREAT if create else os.O_RDONLY) | _BINARY
    try:
        try:
            fd = os.open(folder / name, flags, 0o600)
        except FileNotFoundError:
            if not create:
                raise
            make_folder(database)  # no backups folder yet
            fd = os.open(folder / name, flags, 0o600)
    except OSError:
        if create:
            raise
    if fd is None:
        yield
        return
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fd, shared=shared, strict=create):
            if time.monotonic() >= deadline:
                raise TimeoutError(f"{folder / name} is held by another process")
            time.sleep(0.005)
        try:
            yield
        finally:
            _unlock(fd)
    finally:
        os.close(fd)


def _try_lock(fd: int, *, shared: bool, strict: bool) -> bool:
    """Whether the lock was taken; False while another process holds it. A lock the file
    system cannot take raises ``OSError`` when ``strict``, else counts as taken."""
    try:
        _lock(fd, shared)
    except (BlockingIOError, PermissionError):  # held by another process
        return False
    except OSError:
        if strict:
            raise
        # A file system without locks (some network shares): counted as taken, as the
        # docstring says; not logged, as it is asked at every commit.
    return True


if sys.platform == "win32":  # pragma: no cover - CI runs on Linux
    import msvcrt

    def _lock(fd: int, shared: bool) -> None:
        # Windows has no shared lock here: a reader holds it as a writer does, briefly.
        os.lseek(fd, 0, os.SEEK_SET)
        msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)  # PermissionError while another holds it

    def _unlock(fd: int) -> None:
        os.lseek(fd, 0, os.SEEK_SET)
        with suppress(OSError):  # nothing was locked, where the file system could not
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)

else:
    import fcntl

    def _lock(fd: int, shared: bool) -> None:
        # BlockingIOError while another process holds it
        fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)

    def _unlock(fd: int) -> None:
        with suppress(OSError):  # nothing was locked, where the file system could not
            fcntl.flock(fd, fcntl.LOCK_UN)


def reseal(database: Path, key: bytes) -> None:
    """Seal a note written while ``database`` was plain, now that it is encrypted with the
    key ``key`` comes from (its content, and so its trail, are unchanged). A plain note that
    cannot be sealed is removed: no plain hash stays beside an encrypted database."""
    head = read(database)
    if head is None or head.sealed:
        return  # nothing to seal (and a sealed note is evidence: it stays)
    try:
        with holding_lock(database, RESTORE_WAIT):
            raw = saved(database)
            head = parse(raw)
            if head is not None and not head.sealed:
                sealed = Head(head.id, _mark(head.mark, key), head.noted, sealed=True)
                _put(database, sealed, epoch_of(raw))
    except OSError as exc:
        _log.warning("audit note not sealed: %s", cause(exc))
        head = read(database)
        if head is not None and not head.sealed:
            with suppress(OSError):  # the failure to seal it is logged just above
                note_path(database).unlink()


def saved(database: Path) -> bytes | None:
    """The note's record as it is (its first 64 KiB: a note is 192 bytes), to read with
    ``parse``, to compare, or to put back with ``put_back``; None when there is none."""
    try:  # os rather than pathlib: every transaction reads it as it begins
        fd = os.open(note_path(database), os.O_RDONLY | _BINARY)
    except FileNotFoundError:
        return None  # none noted yet: no log
    except OSError as exc:
        _log.warning("audit note not read: %s", cause(exc))
        return None
    try:
        return os.read(fd, 65536)
    except OSError as exc:
        _log.warning("audit note not read: %s", cause(exc))
        return None
    finally:
        os.close(fd)


def put_back(database: Path, raw: bytes | None) -> None:
    """Return the note to what ``saved`` read (no note, when it read none); the caller holds
    the lock."""
    try:
        if raw is None:
            note_path(database).unlink(missing_ok=True)
        else:
            _overwrite(note_path(database), raw)
    except OSError as exc:
        _log.warning("audit note not put back: %s", cause(exc))


def set_aside(database: Path) -> None:
    """A new database is being made at this path: keep the old note, renamed with the day,
    for a person to see, and start afresh (in a new epoch, so no commit to the old file can
    note its head beside the new one)."""
    note = note_path(database)
    if not note.parent.is_dir():
        return  # nothing was ever noted here
    aside = note.with_name(f"audit-head.replaced-{dt.datetime.now():%Y-%m-%dT%H%M%S}.json")
    try:
        with holding_lock(database, RESTORE_WAIT):
            if note.exists():
                note.rename(aside)
            blank(database)
    except OSError as exc:  # the lock cannot be had: the old note must not stay regardless
        _log.warning("audit note not set aside under its lock: %s", cause(exc))
        with suppress(OSError):  # the failure is logged just above
            note.rename(aside)


def matches_note(head: Head, hash_at_id: str | None, key: bytes | None) -> bool:
    """Whether the trail still holds the noted entry as it was: ``hash_at_id`` is the hash
    of the entry with the noted id now (None when there is none), ``key`` the note's seal.

    A sealed note beside a database without a key (put back plain by hand) cannot be
    compared, and is not taken for evidence of anything.
    """
    if head.sealed and key is None:
        return True
    return hash_at_id is not None and hmac.compare_digest(
        _mark(hash_at_id, key if head.sealed else None), head.mark
    )


def problems(
    head: Head | None, hash_at_id: str | None, last_id: int | None, key: bytes | None
) -> list[str]:
    """What ``casereview check`` says when the trail no longer holds the noted entry."""
    if head is None or matches_note(head, hash_at_id, key):
        return []
    when = format_date(head.noted)
    if hash_at_id is None and (last_id is None or last_id < head.id):
        ends = "is empty" if last_id is None else f"ends at entry {last_id}"
        return [
            f"the audit trail {ends}, but entry {head.id} had been written by {when}: "
            "entries were removed from its end, or an older copy of the database was put in "
            "its place"
        ]
    if hash_at_id is None:
        return [f"audit entry {head.id}, written by {when}, is missing"]
    return [
        f"audit entry {head.id} is not the entry written by {when}: the trail was cut back "
        "and written again from before it, or another database was put in this one's place"
    ]
