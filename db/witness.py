"""The audit trail's newest entry, noted outside the database, so entries cut from its end
are found.

The hash chain (``db.chain``) finds an entry altered, removed or moved among the others, but
entries cut from the end of the trail leave a shorter chain that is still sound. So after
each commit that moved the trail on, casereview notes its newest entry (id and hash) in a
small file in the database's backups folder, and ``casereview check`` reports a trail that no
longer holds that entry as it was written.

The note never replaces evidence: it moves on only while the trail still holds the entry
noted before. Only a restore (which puts an older trail in place on purpose) starts it again;
a new database made at the same path sets the old note aside for a person to see. A server
database has no note: the server's own permissions and logs guard its trail.

Beside an encrypted database the note holds no hash of its content: only an HMAC of the hash,
keyed from the database's own key, and the day it was noted, so a lost laptop's notes say
nothing about what was written.

Free of SQLAlchemy: the database layer hands in what it read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import os
import re
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from db import cipher
from db.cipher import Passphrase
from db.dates import format_date
from db.places import backups_folder

NAME = "audit-head.json"
RECORD_SIZE = 160  # bytes: the JSON record (about 130) padded with spaces
_MAX_ID = 2**63 - 1  # SQLite's largest rowid
_HEX64 = re.compile(r"[0-9a-f]{64}")


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
    try:
        with note_path(database).open("rb") as handle:
            data = json.loads(handle.read(RECORD_SIZE + 1))
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
    except (OSError, ValueError, TypeError, KeyError, AttributeError, RecursionError):
        return None


def write(database: Path, entry_id: int, entry_hash: str, key: bytes | None) -> None:
    """Note the entry (``entry_id``, ``entry_hash``) as the newest, sealed with ``key``
    (``secret``) when there is one.

    Written in place, as one record of a fixed length, in a single write: two processes
    noting at once leave one record or the other, never a mixture, and renaming a new file
    into place would cost more than the commit itself on some file systems. Not synced: a
    note lost to a power cut only means the check knows less until the next commit. Raises
    ``OSError`` when the folder cannot be written.
    """
    _put(
        database,
        Head(entry_id, _mark(entry_hash, key), dt.datetime.now(dt.UTC).date(), key is not None),
    )


def _put(database: Path, head: Head) -> None:
    text = json.dumps(
        {"id": head.id, "mark": head.mark, "sealed": head.sealed, "noted": head.noted.isoformat()}
    )
    record = text.encode("ascii").ljust(RECORD_SIZE - 1) + b"\n"
    if len(record) != RECORD_SIZE:  # pragma: no cover - ids are at most 19 digits
        raise ValueError("an audit note longer than its record")
    note_path(database).parent.mkdir(mode=0o700, exist_ok=True)
    _overwrite(note_path(database), record)


def _overwrite(target: Path, data: bytes) -> None:
    """Write ``data`` over ``target`` from its start in one write, then cut it to that length
    (readable by its owner only)."""
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    try:
        os.write(fd, data)
        os.ftruncate(fd, len(data))  # whatever else a longer file held goes
    finally:
        os.close(fd)


def reseal(database: Path, key: bytes) -> None:
    """Seal a note written while ``database`` was plain, now that it is encrypted with the
    key ``key`` comes from (its content, and so its trail, are unchanged)."""
    head = read(database)
    if head is not None and not head.sealed:
        with suppress(OSError):
            _put(database, Head(head.id, _mark(head.mark, key), head.noted, sealed=True))


def saved(database: Path) -> bytes | None:
    """The note as it is, to put back with ``put_back`` if what replaces it fails."""
    try:
        return note_path(database).read_bytes()
    except OSError:
        return None


def put_back(database: Path, raw: bytes | None) -> None:
    """Return the note to what ``saved`` read (no note, when it read none)."""
    with suppress(OSError):
        if raw is None:
            note_path(database).unlink(missing_ok=True)
        else:
            _overwrite(note_path(database), raw)


def set_aside(database: Path) -> None:
    """A new database is being made at this path: keep the old note, renamed with the day,
    for a person to see, and start afresh."""
    note = note_path(database)
    stamp = dt.datetime.now().strftime("%Y-%m-%dT%H%M%S")
    with suppress(OSError):
        note.rename(note.with_name(f"audit-head.replaced-{stamp}.json"))


def holds(head: Head, hash_at_id: str | None, key: bytes | None) -> bool:
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
    if head is None or holds(head, hash_at_id, key):
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
