"""The audit trail replayed against the data: rows and columns that hold what no entry wrote.

Every change made through casereview writes its audit entries in the same transaction
(``db.store.audit``): a row's create entry holds its columns, its update entries each column
changed, its delete entry what it held. Replaying a trail that began with the database (a copy
checked out offline: its trail starts with the entries of the import that made it) therefore
gives every row as casereview left it; a row or a column that differs was written some other
way, with the file open in another program (found by a new user: a copy edited with sqlite3
was merged, its change charged to the person merging).

Not compared: the derived columns the trail leaves out (``audit._DERIVED``); a summarised
content (``audit._SUMMARISED``, evidence's file) only by what its entries hold of it, its size
and, once changed, its first bytes; the theme lists (their link rows have no entries
of their own; a copy's are checked against its base and the trail's "themes" entries by
``db.services.merge``), and what describes the database rather than holding its data.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.store.audit import _DERIVED, _SUMMARISED, _text
from db.store.audit_chain import FIELDS, verify
from db.store.models import ABOUT_THE_DATABASE, AuditEntry, Base


@dataclass(frozen=True)
class Unaccounted:
    """A row added (``field`` None, ``values`` its columns), removed (``values`` what the
    trail last held, ``added`` False) or with a column (``field``) the trail did not write."""

    table: str
    row: str  # its primary key, as audit entries name it
    field: str | None
    values: dict[str, Any]
    added: bool = False


_SKIPPED = {AuditEntry.__tablename__, *ABOUT_THE_DATABASE}


def unaccounted(session: Session) -> Iterator[Unaccounted]:
    """What the database holds that its audit trail, replayed from its first entry, does not
    account for. Meaningful only for a database whose trail began with it (a copy)."""
    replayed: dict[str, dict[str, dict[str, Any]]] = {}
    # The rows naming each row by a foreign key the database cascades on, for ``_delete``.
    referring: _Referring = {}
    entries = session.execute(
        select(
            AuditEntry.action,
            AuditEntry.entity,
            AuditEntry.entity_id,
            AuditEntry.field,
            AuditEntry.new,
        ).order_by(AuditEntry.id)
    )
    for action, entity, entity_id, field, new in entries:
        if entity == "database" and action == "delete":  # everything erased at once
            replayed.clear()
            referring.clear()
            continue
        rows = replayed.setdefault(entity, {})
        if action == "create":
            loaded = json_object(new)
            if loaded is not None:
                rows[entity_id] = loaded
                for column in _REFERRING_COLUMNS.get(entity, ()):
                    _refer(referring, entity, column, loaded.get(column), entity_id)
        elif action == "update":
            if entity_id in rows and field is not None:
                rows[entity_id][field] = new
                if field in _REFERRING_COLUMNS.get(entity, ()):
                    _refer(referring, entity, field, new, entity_id)
        elif action == "delete":
            _delete(replayed, referring, entity, entity_id)
    for mapper in Base.registry.mappers:
        table = str(mapper.class_.__tablename__)
        if table in _SKIPPED:
            continue
        keys = [p.key for p in mapper.column_attrs if p.key not in _DERIVED | _SUMMARISED]
        columns = [mapper.column_attrs[k].columns[0].label(k) for k in keys]
        # A summarised content is compared by its size and first bytes, as its entries hold
        # it, without reading it whole (a piece of evidence may be a large file).
        summarised = [p.key for p in mapper.column_attrs if p.key in _SUMMARISED]
        for key in summarised:
            held = mapper.column_attrs[key].columns[0]
            columns += [
                func.length(held).label(f"{key} length"),
                func.substr(held, 1, 4).label(f"{key} head"),
            ]
        expected = replayed.get(table, {})
        for found in session.execute(select(*columns)).mappings():
            ident = ",".join(str(found[mapper.get_property_by_column(c).key]) for c in
                             mapper.primary_key)  # fmt: skip
            values = {k: _text(found[k]) for k in keys}
            was = expected.pop(ident, None)
            if was is None:
                yield Unaccounted(table, ident, None, values, added=True)
                continue
            for key in keys:
                if key in was and was[key] != values[key]:
                    yield Unaccounted(table, ident, key, values)
            for key in summarised:
                length, head = found[f"{key} length"], found[f"{key} head"]
                if key in was and not _summary_matches(was[key], length, head):
                    yield Unaccounted(table, ident, key, values)
        for ident, was in expected.items():
            yield Unaccounted(table, ident, None, was)


def chain_problems(session: Session) -> list[str]:
    """What is wrong with the trail's hash chain (``audit_chain.verify``), as ``casereview
    check`` says it: the replay trusts only a trail casereview wrote, and an entry added with
    another program, beside a change it claims to account for, breaks the chain."""
    fields = [getattr(AuditEntry, name) for name in FIELDS]
    return verify(
        session.execute(
            select(AuditEntry.id, *fields, AuditEntry.prev_hash, AuditEntry.hash).order_by(
                AuditEntry.id
            )
        )
    )


def _cascades() -> dict[str, list[tuple[str, str, str]]]:
    """For each table, the rows whose foreign keys name it and what the database does to them
    when it is deleted (``ON DELETE CASCADE`` or ``SET NULL``, which write no entries): by
    referred table, (referring table, column's attribute, "CASCADE" or "SET NULL")."""
    found: dict[str, list[tuple[str, str, str]]] = {}
    for mapper in Base.registry.mappers:
        for prop in mapper.column_attrs:
            for key in prop.columns[0].foreign_keys:
                rule = (key.ondelete or "").upper()
                if rule in ("CASCADE", "SET NULL"):
                    referred = key.column.table.name
                    found.setdefault(referred, []).append(
                        (str(mapper.class_.__tablename__), prop.key, rule)
                    )
    return found


_CASCADES = _cascades()
# By referring table, the columns of its foreign keys that _CASCADES follows.
_REFERRING_COLUMNS: dict[str, set[str]] = {}
for _rules in _CASCADES.values():
    for _child, _column, _rule in _rules:
        _REFERRING_COLUMNS.setdefault(_child, set()).add(_column)

# (referring table, column, value) -> the rows of that table that have held that value there.
# Only ever added to: a row since deleted, or changed to name another, is passed over when
# looked up (its value is checked again), so keeping it up to date costs nothing per change.
_Referring = dict[tuple[str, str, str], set[str]]


def _refer(referring: _Referring, table: str, column: str, value: Any, ident: str) -> None:
    if value is not None:
        referring.setdefault((table, column, str(value)), set()).add(ident)


def _delete(
    replayed: dict[str, dict[str, dict[str, Any]]], referring: _Referring, table: str, ident: str
) -> None:
    """A row deleted, with what the database's own rules delete or clear with it.

    The rows naming it are looked up in ``referring``, not searched for: searching every row
    of every child table for each row deleted took a 20,000-item copy with 50 reviews deleted
    over a minute to replay."""
    if replayed.get(table, {}).pop(ident, None) is None:
        return
    for child, column, rule in _CASCADES.get(table, ()):
        rows = replayed.get(child, {})
        for child_ident in sorted(referring.get((child, column, ident), ())):
            values = rows.get(child_ident)
            if values is None or values.get(column) != ident:
                continue  # deleted already, or it names another row now
            if rule == "CASCADE":
                _delete(replayed, referring, child, child_ident)
            else:
                values[column] = None


_DIGEST = re.compile(r"<(\d+) bytes ([0-9A-F]*)\.\.\.>")


def _summary_matches(summary: Any, length: int | None, head: bytes | str | None) -> bool:
    """Whether a content of ``length`` bytes beginning ``head`` is the one its entries
    summarise: a create entry by its size (``audit._snapshot``), an update entry by its size
    and first four bytes (``audit._digest``)."""
    if summary is None:
        return length is None
    if isinstance(summary, int):
        return length == summary
    digest = _DIGEST.fullmatch(str(summary))
    if digest is None:  # not a summary of bytes: nothing to compare it by
        return True
    if isinstance(head, str):  # written as text by another program, not as bytes
        head = head.encode()
    shown = base64.b16encode(head or b"").decode()
    return length == int(digest.group(1)) and shown == digest.group(2)


def json_object(value: str | None) -> dict[str, Any] | None:
    """An audit entry's snapshot (a JSON object), or None for anything else."""
    try:
        loaded = json.loads(value) if value else None
    except ValueError:
        return None
    return loaded if isinstance(loaded, dict) else None


__all__ = ["Unaccounted", "chain_problems", "json_object", "unaccounted"]
