"""``casereview check``: is the database sound? Reads only; never repairs or upgrades."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db import cipher, witness
from db.chain import FIELDS, verify
from db.engine import schema_revision
from db.errors import DatabaseOpenError
from db.location import Location
from db.migrations import HEAD
from db.places import readonly_uri


@dataclass
class CheckReport:
    location: Location
    problems: list[str] = field(default_factory=list)

    @property
    def sound(self) -> bool:
        return not self.problems


def check_database(location: Location) -> CheckReport:
    """SQLite's quick_check and foreign key check, the schema at head, and the audit
    trail's hash chain (an entry altered, removed or moved is reported).

    Raises DatabaseOpenError when the database cannot be read at all.
    """
    if not location.is_sqlite or location.path is None:
        return _check(location)
    path = location.path
    try:  # a restore holds this lock while it copies: the file is not read half way through
        with witness.held(
            path, witness.RESTORE_WAIT, name=witness.RESTORE_LOCK, create=False, shared=True
        ):
            return _check(location)
    except TimeoutError:
        raise DatabaseOpenError(
            f"{path.name} is being restored just now; check it again in a moment."
        ) from None


def _check(location: Location) -> CheckReport:
    report = CheckReport(location)
    revision = schema_revision(location)
    if revision is None:
        report.problems.append("it holds no casereview schema (an empty database)")
    elif revision != HEAD:
        report.problems.append(
            f"its schema is at revision {revision}, behind this version's {HEAD}; "
            "opening it with casereview upgrades it"
        )
    path = location.path
    if location.is_sqlite and path is not None:
        # Read before the database: a note is written after its commit, so one read first
        # is never ahead of the trail read after it.
        seen = witness.saved(path)
        try:
            key = location.key
            with closing(cipher.connect(readonly_uri(path), key, file=path, uri=True)) as conn:
                results = [row[0] for row in conn.execute("PRAGMA quick_check")]
                if results != ["ok"]:
                    shown = "; ".join(str(r) for r in results[:3])
                    report.problems.append(f"SQLite's integrity check failed: {shown}")
                broken = conn.execute("PRAGMA foreign_key_check").fetchall()
                if broken:
                    tables = sorted({row[0] for row in broken})
                    report.problems.append(
                        f"{len(broken)} broken references in {', '.join(tables)}"
                    )
                if revision == HEAD and results == ["ok"]:
                    report.problems += verify(conn.execute(CHAIN))
                    key_of_note = witness.secret(path, key)
                    report.problems += _against_note(conn, path, seen, key_of_note)
        except cipher.errors() as exc:
            raise DatabaseOpenError(f"{path} cannot be read as a database ({exc}).") from None
    elif revision == HEAD:
        report.problems += _server_chain(location)
    return report


# The audit trail, oldest first, as db.chain.verify walks it.
CHAIN = f"SELECT id, {', '.join(FIELDS)}, prev_hash, hash FROM audit_log ORDER BY id"


def _against_note(conn: Any, path: Path, seen: bytes | None, key: bytes | None) -> list[str]:
    """Entries cut from the end of the trail: is the newest entry noted after the last
    commit (``db.witness``), as ``seen`` before the trail was read, still there as it was
    written? A restore in between starts the note again in a new epoch: then the note is
    read again, and the trail after it."""
    for _attempt in range(3):
        problems = _compare(conn, witness.parse(seen), key)
        now = witness.saved(path)
        if not problems or witness.epoch_of(now) == witness.epoch_of(seen):
            break
        seen = now
    return problems


def _compare(conn: Any, noted: witness.Head | None, key: bytes | None) -> list[str]:
    if noted is None:
        return []
    last = conn.execute(witness.LOOKUP, (noted.id,)).fetchone()
    if last is None:
        return witness.problems(noted, None, None, key)
    return witness.problems(noted, last[2], last[0], key)


def _server_chain(location: Location) -> list[str]:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(location.url)
    try:
        with engine.connect() as conn:
            return verify(conn.exec_driver_sql(CHAIN))
    except SQLAlchemyError as exc:
        raise DatabaseOpenError(f"{location} cannot be read ({exc}).") from None
    finally:
        engine.dispose()
