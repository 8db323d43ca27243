"""The audit log: who changed what, when, written in the same transaction as the change.

A ``Session`` event hook records every insert, update and delete made through the ORM, so
services cannot forget to audit. The acting person comes from ``session.info["actor"]``.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import getpass
import json
from collections.abc import Callable, Iterable
from enum import Enum
from typing import Any, cast

from sqlalchemy import event, func, insert, inspect, select
from sqlalchemy.orm import (
    ColumnProperty,
    Mapper,
    RelationshipProperty,
    Session,
    UOWTransaction,
    object_session,
)

from db.core.dates import PartialDate, utc_now
from db.core.errors import MergedCopyError
from db.store.audit_chain import GENESIS, link
from db.store.models import AuditEntry, Base, CheckoutOrigin

ACTOR_KEY = "actor"
# Set by a merge of a copy taken offline (db.services.merge): ``(obj, field) -> (at, actor)``,
# when and by whom a change was made in the copy, or None for one it cannot say.
ATTRIBUTION_KEY = "attribution"
Attribution = Callable[[Any, str | None], tuple[dt.datetime, str] | None]
# Large or secret values are summarised rather than copied into the log.
_SUMMARISED = {"content"}
# Kept up to date from other fields; logging them would only repeat those fields' entries.
_DERIVED = {"updated_at", "search_text", "source_key", "version"}


def default_actor() -> str:
    """The signed-in user's name, as the operating system knows it."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no name for this account (a container): said so, no log
        return "unknown user"


def set_actor(session: Session, actor: str) -> None:
    session.info[ACTOR_KEY] = actor


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if type(value) is str:
        return value
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dt.datetime | dt.date | PartialDate):
        return value.isoformat()
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    if isinstance(value, Base):
        return _identity(value)
    return str(value)


def _identity(obj: Base) -> str:
    # In after_flush a new object has its primary key but not yet its identity key.
    key = inspect(obj).mapper.primary_key_from_instance(obj)
    return ",".join(str(part) for part in key)


def _entity(obj: Base) -> str:
    return str(obj.__class__.__tablename__)


def _snapshot(obj: Base) -> str:
    """The row's columns as JSON, for create and delete entries."""
    values: dict[str, Any] = {}
    for prop in inspect(obj).mapper.column_attrs:
        key = prop.key
        if key in _DERIVED:
            continue
        if key in _SUMMARISED:
            raw = inspect(obj).attrs[key].loaded_value
            values[key] = None if raw is None or not isinstance(raw, bytes) else len(raw)
            continue
        values[key] = _text(getattr(obj, key))
    return json.dumps(values, sort_keys=True, ensure_ascii=False)


def snapshot_of(
    mapper: Mapper[Any], values: dict[str, Any], texts: dict[Any, str | None] | None = None
) -> str:
    """``_snapshot`` for a row inserted without an object: ``values`` by attribute name.

    ``texts`` (``created_entries``' own, for one call) keeps each value's text once worked
    out: row after row of a bulk import holds the same enum members and the batch's one
    timestamp, and dates repeat; see ``_cached_text``.
    """
    snapshot: dict[str, Any] = {}
    get = values.get
    for key in _snapshot_keys(mapper):
        value = get(key)
        kind = type(value)
        if value is None or (kind is str and key not in _SUMMARISED):
            snapshot[key] = value  # most cells: nothing to convert
        elif kind is int:
            snapshot[key] = str(value)  # ids and positions: as _text writes them
        elif key in _SUMMARISED:
            snapshot[key] = len(value) if isinstance(value, bytes) else None
        elif texts is None:
            snapshot[key] = _text(value)
        else:
            snapshot[key] = _cached_text(value, texts)
    return _to_json(snapshot)


_UNSEEN = object()


def _cached_text(value: Any, texts: dict[Any, str | None]) -> str | None:
    """``_text(value)``, worked out once per value in ``texts``.

    A plain date is known by its value (equal dates have the same text); anything else by
    its identity, which holds only while ``value`` is alive: ``texts`` must not outlive the
    rows it was filled from. (By value, an aware timestamp would match the same instant in
    another time zone, whose text differs.)
    """
    key = value if type(value) is dt.date else id(value)
    text = texts.get(key, _UNSEEN)
    if text is _UNSEEN:
        text = texts[key] = _text(value)
    return cast("str | None", text)


# json.dumps builds a new encoder on every call that passes options; bulk imports snapshot
# tens of thousands of rows, so they share one (keys already sorted, as _snapshot sorts them).
_to_json = json.JSONEncoder(ensure_ascii=False).encode


@functools.cache
def _snapshot_keys(mapper: Mapper[Any]) -> tuple[str, ...]:
    """The columns a snapshot holds, sorted as ``_snapshot``'s JSON sorts them."""
    return tuple(sorted(p.key for p in mapper.column_attrs if p.key not in _DERIVED))


def created_entries(
    session: Session, mapper: Mapper[Any], rows: list[dict[str, Any]], identities: list[str]
) -> list[dict[str, Any]]:
    """Audit entries for rows inserted in bulk, as ``_record`` writes them for new objects."""
    actor = str(session.info.get(ACTOR_KEY) or default_actor())
    now = utc_now()
    entity = str(mapper.class_.__tablename__)
    texts: dict[Any, str | None] = {}  # lives as long as ``rows``, as _cached_text needs
    return [
        {
            "at": now,
            "actor": actor,
            "action": "create",
            "entity": entity,
            "entity_id": identity,
            "field": None,
            "old": None,
            "new": snapshot_of(mapper, row, texts),
        }
        for row, identity in zip(rows, identities, strict=True)
    ]


def _changes(obj: Base) -> Iterable[tuple[str, str | None, str | None]]:
    state = inspect(obj)
    for attr in state.mapper.attrs:
        history = state.attrs[attr.key].history
        if not history.has_changes():
            continue
        if isinstance(attr, ColumnProperty):
            if attr.key in _DERIVED:
                continue
            old = history.deleted[0] if history.deleted else None
            new = history.added[0] if history.added else None
            if old == new:
                continue
            if attr.key in _SUMMARISED:
                yield attr.key, _digest(old), _digest(new)
            else:
                yield attr.key, _text(old), _text(new)
        elif isinstance(attr, RelationshipProperty) and attr.secondary is not None:
            before = [*history.unchanged, *history.deleted]
            after = [*history.unchanged, *history.added]
            yield attr.key, _names(before), _names(after)


def _digest(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes):
        return f"<{len(value)} bytes {base64.b16encode(value[:4]).decode()}...>"
    return _text(value)


def _names(objs: list[Any]) -> str:
    return json.dumps(sorted(str(getattr(o, "name", _identity(o))) for o in objs))


@event.listens_for(Session, "after_flush")
def _record(session: Session, flush_context: UOWTransaction) -> None:
    actor = str(session.info.get(ACTOR_KEY) or default_actor())
    now = utc_now()
    rows: list[dict[str, Any]] = []
    attribution: Attribution | None = session.info.get(ATTRIBUTION_KEY)

    def add(obj: Base, action: str, field: str | None, old: str | None, new: str | None) -> None:
        at, by = now, actor
        if attribution is not None:
            at, by = attribution(obj, field) or (now, actor)
        rows.append(
            {
                "at": at,
                "actor": by,
                "action": action,
                "entity": _entity(obj),
                "entity_id": _identity(obj),
                "field": field,
                "old": old,
                "new": new,
            }
        )

    for obj in session.new:
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry):
            add(obj, "create", None, None, _snapshot(obj))
    for obj in session.dirty:
        if isinstance(obj, Base) and session.is_modified(obj, include_collections=True):
            for field, old, new in _changes(obj):
                add(obj, "update", field, old, new)
    # Rows deleted as orphans (an agenda cleared, a list replaced) are not in session.deleted:
    # the mapper's after_delete names them (_note_deleted); each is entered once.
    orphans = session.info.pop(_ORPHANS_KEY, [])
    deleted = list(session.deleted)
    deleted += [o for o in orphans if not any(o is d for d in deleted)]
    for obj in deleted:
        if isinstance(obj, Base) and not isinstance(obj, AuditEntry):
            add(obj, "delete", None, _snapshot(obj), None)
    if rows:
        append(session.connection(), rows)


_ORPHANS_KEY = "_deleted_rows"


@event.listens_for(Base, "after_delete", propagate=True)
def _note_deleted(_mapper: Mapper[Any], _connection: Any, target: Base) -> None:
    """Every row the flush deletes, orphans included, for ``_record`` (found by a new user:
    an agenda's entries taken off were in no audit entry)."""
    session = object_session(target)
    if session is not None:
        session.info.setdefault(_ORPHANS_KEY, []).append(target)


def chain_head(connection: Any) -> str:
    """The newest entry's hash, for the next entries to follow (``db.store.audit_chain``).

    Called once the transaction has written (the rows being audited come first), so on SQLite
    the write lock is held and no other writer can add an entry meanwhile; PostgreSQL takes a
    transaction-long lock that every writer of the trail takes.
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SELECT pg_advisory_xact_lock(20261122)")
    head = connection.exec_driver_sql(
        "SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1"
    ).scalar()
    return str(head) if head else GENESIS


def newest_entry_id(session: Session) -> int:
    """The newest entry's id, 0 for an empty trail: whether the database has changed since it
    was last read, by any process, at the cost of one look at the primary key's index.

    Every change writes entries, and their ids follow the order of commit: on SQLite one
    writer holds the lock at a time; on PostgreSQL ``chain_head`` takes the trail's lock before
    the entries are given their ids and holds it until the commit. So a larger id is never
    seen before a smaller one that is still to come."""
    return session.scalar(select(func.max(AuditEntry.id))) or 0


# Entries that note something made from the data (``record``: an export, minutes, a print,
# a briefing pack)
# or a copy's own record (marked merged), not a change to the data itself.
NOT_CHANGES = frozenset({"exports", "minutes", "prints", "briefing packs", "checkout_origin"})


def append(connection: Any, rows: list[dict[str, Any]]) -> None:
    """Add entries (dicts of ``db.store.audit_chain.FIELDS``) to the trail, chained after its
    head. Every change to the data comes here with its entries, so a copy merged back, which
    no change may reach any longer, refuses it here (``refuse_if_merged``)."""
    if any(row["entity"] not in NOT_CHANGES for row in rows):
        refuse_if_merged(connection)
    link(chain_head(connection), rows)
    connection.execute(insert(AuditEntry), rows)


def refuse_if_merged(connection: Any) -> None:
    """Raise ``MergedCopyError`` if this database is a copy taken to a meeting and merged
    back: a change made to it now could never reach the database it came from (a new user
    recorded a decision in a merged copy, and it was lost). One look at a table of at most
    one row."""
    merged = connection.execute(
        select(CheckoutOrigin.merged_at, CheckoutOrigin.merged_by).where(
            CheckoutOrigin.merged_at.is_not(None)
        )
    ).first()
    if merged is not None:
        raise MergedCopyError.merged(merged[0], merged[1])


def record(
    session: Session, *, entity: str, entity_id: str, new: dict[str, Any] | None = None
) -> None:
    """An entry for something made from the data rather than a change to it: an export, a
    briefing pack, a print ("create" of an ``exports`` or ``briefing packs`` record)."""
    append(
        session.connection(),
        [
            {
                "at": utc_now(),
                "actor": str(session.info.get(ACTOR_KEY) or default_actor()),
                "action": "create",
                "entity": entity,
                "entity_id": entity_id[:60],
                "field": None,
                "old": None,
                "new": json.dumps(new or {}, sort_keys=True, ensure_ascii=False),
            }
        ],
    )
