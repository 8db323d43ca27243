"""The audit trail's newest entry, noted outside the database, so entries cut from its end
are found.

The hash chain (``db.chain``) finds an entry altered, removed or moved among the others, but
entries cut from the end of the trail leave a shorter chain that is still sound. So after
each commit that moved the trail on, casereview notes its newest entry (id and hash) in a
small file in the database's backups folder, and ``casereview check`` reports a trail that no
longer holds that entry as it was written.

The note never replaces evidence: it moves on only while the trail still holds the entry
noted before. Only a restore (which puts an older trail in place on purpose) and a new
database at the same path start it again. A server database has no note: the server's own
permissions and logs guard its trail.

Free of SQLAlchemy: the database layer hands in what it read.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

from db.dates import format_date

NAME = "audit-head.json"


@dataclass(frozen=True)
class Head:
    """The newest audit entry when it was noted: its id and hash, and when it was noted."""

    id: int
    hash: str
    noted: dt.datetime  # in UTC


def note_path(database: Path) -> Path:
    """Where the note for ``database`` lives: its backups folder (``db.backup``)."""
    return database.parent / f"{database.name}-backups" / NAME


def read(database: Path) -> Head | None:
    """The note for ``database``; None when there is none or it cannot be read whole (a note
    cut short by a crash is as good as none: the next commit writes it again)."""
    try:
        data = json.loads(note_path(database).read_text(encoding="utf-8"))
        return Head(int(data["id"]), str(data["hash"]), dt.datetime.fromisoformat(data["noted"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write(database: Path, entry_id: int, entry_hash: str, noted: dt.datetime) -> None:
    """Note (``entry_id``, ``entry_hash``) as the newest entry; whole or not at all.

    Not synced to disk: a note lost to a power cut only means the check knows a little less.
    Raises ``OSError`` when the folder cannot be written.
    """
    target = note_path(database)
    target.parent.mkdir(mode=0o700, exist_ok=True)
    text = json.dumps({"id": entry_id, "hash": entry_hash, "noted": noted.isoformat()})
    fd, name = tempfile.mkstemp(prefix=f".{NAME}.", suffix=".part", dir=target.parent)
    temp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        temp.replace(target)
    finally:
        with suppress(OSError):
            temp.unlink()


def forget(database: Path) -> None:
    """Remove the note: a new database is being made at this path."""
    with suppress(FileNotFoundError):
        note_path(database).unlink()


def holds(head: Head, hash_at_id: str | None) -> bool:
    """Whether the trail still holds the noted entry as it was (``hash_at_id`` is the hash
    of its entry with the noted id, None when there is none)."""
    return hash_at_id == head.hash


def problems(head: Head | None, hash_at_id: str | None, last_id: int | None) -> list[str]:
    """What ``casereview check`` says when the trail no longer holds the noted entry."""
    if head is None or holds(head, hash_at_id):
        return []
    when = format_date(head.noted.date())
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
