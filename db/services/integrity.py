"""``casereview check``: is the database sound? Reads only; never repairs or upgrades."""

from __future__ import annotations

from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from db.core.errors import DatabaseOpenError
from db.store import audit_anchor, cipher
from db.store.audit_chain import FIELDS, verify
from db.store.database import schema_revision
from db.store.location import Location
from db.store.migrations import HEAD, data_shape
from db.store.paths import readonly_uri


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
        with audit_anchor.holding_lock(
            path,
            audit_anchor.RESTORE_WAIT,
            name=audit_anchor.RESTORE_LOCK,
            create=False,
            shared=True,
        ):
            return _check(location)
    except TimeoutError as exc:
        raise DatabaseOpenError(
            f"{path.name} is being restored just now; check it again in a moment."
        ) from exc


def _check(location: Location) -> CheckReport:
    report = CheckReport(location)
    revision = schema_revision(location)
    # A revision that keeps its data as this version's head (an index added since: 0012) is
    # checked whole, as a current one: older, not unsound (a trial was told an untouched
    # 0011 database was not sound).
    current = revision is not None and data_shape(revision) == data_shape(HEAD)
    if revision is None:
        report.problems.append("it holds no casereview schema (an empty database)")
    elif not current:
        report.problems.append(
            f"its schema is at revision {revision}, behind this version's {HEAD}; "
            "opening it with casereview upgrades it"
        )
    path = location.path
    if location.is_sqlite and path is not None:
        # Read before the database: a note is written after its commit, so one read first
        # is never ahead of the trail read after it.
        seen = audit_anchor.saved(path)
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
                if current and results == ["ok"]:
                    report.problems += verify(conn.execute(CHAIN))
                    key_of_note = audit_anchor.secret(path, key)
                    report.problems += _against_note(conn, path, seen, key_of_note)
                    report.problems += _copy_replayed(conn, str(revision))
        except cipher.errors() as exc:
            raise DatabaseOpenError(f"{path} cannot be read as a database ({exc}).") from exc
    elif current:
        report.problems += _server_chain(location)
    return report


# The audit trail, oldest first, as db.store.audit_chain.verify walks it.
CHAIN = f"SELECT id, {', '.join(FIELDS)}, prev_hash, hash FROM audit_log ORDER BY id"


def _against_note(conn: Any, path: Path, seen: bytes | None, key: bytes | None) -> list[str]:
    """Entries cut from the end of the trail: is the newest entry noted after the last
    commit (``db.store.audit_anchor``), as ``seen`` before the trail was read, still there as it was
    written? A restore in between starts the note again in a new epoch: then the note is
    read again, and the trail after it."""
    for _attempt in range(3):
        problems = _compare(conn, audit_anchor.parse(seen), key)
        now = audit_anchor.saved(path)
        if not problems or audit_anchor.epoch_of(now) == audit_anchor.epoch_of(seen):
            break
        seen = now
    return problems


def _compare(conn: Any, noted: audit_anchor.Head | None, key: bytes | None) -> list[str]:
    if noted is None:
        return []
    last = conn.execute(audit_anchor.LOOKUP, (noted.id,)).fetchone()
    if last is None:
        return audit_anchor.problems(noted, None, None, key)
    return audit_anchor.problems(noted, last[2], last[0], key)


def _copy_replayed(conn: Any, revision: str) -> list[str]:
    """A copy checked out offline whose trail began with it: its rows against the trail
    replayed (db.services.merge.unaccounted_in_copy). A copy upgraded since it was taken is
    not replayed (its migrations wrote no entries), nor is any other database."""
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session
    from sqlalchemy.pool import StaticPool

    from db.services.merge import unaccounted_in_copy

    row = conn.execute("SELECT origin_schema FROM checkout_origin LIMIT 1").fetchone()
    if row is None or data_shape(row[0]) != data_shape(revision):
        return []
    engine = create_engine("sqlite://", creator=lambda: conn, poolclass=StaticPool)
    with Session(engine) as session:
        found = unaccounted_in_copy(session)
    if not found:
        return []
    more = len(found) - 3
    named = "; ".join(found[:3]) + (f"; and {more} more" if more > 0 else "")
    return [
        f"it holds changes its own audit trail does not account for ({named}): it may have "
        "been edited outside casereview"
    ]


def _server_chain(location: Location) -> list[str]:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    engine = create_engine(location.url)
    try:
        with engine.connect() as conn:
            return verify(conn.exec_driver_sql(CHAIN))
    except SQLAlchemyError as exc:
        raise DatabaseOpenError(f"{location} cannot be read ({exc}).") from exc
    finally:
        engine.dispose()
