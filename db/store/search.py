"""Full-text search over tracked items: what is indexed, and how a typed query becomes SQL.

Each recommendation's ``search_text`` gathers its number, text, actions, owner and the notes
of its progress updates; a session hook keeps it current on every flush. SQLite searches it
with FTS5, PostgreSQL with a 'simple' tsvector; both treat each typed word as a prefix, so the
table narrows as the user types.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, event, func, inspect, select, text
from sqlalchemy.orm import InstanceState, Session, UOWTransaction

from db.store.models import Inspection, ProgressUpdate, Recommendation, Review

_WORD = re.compile(r"\w+", re.UNICODE)


def source_key_for(rec: Recommendation) -> str:
    return source_key_of(
        review=rec.review.reference if rec.review is not None else None,
        inspection=rec.inspection.reference if rec.inspection is not None else None,
    )


def source_key_of(*, review: str | None = None, inspection: str | None = None) -> str:
    """How the item table sorts by source, from the reference of the item's review or
    inspection: reviews first, then inspections. The one rule for the ORM listener below and
    the bulk writers (db.exchange.bulk, db.services.generate), which have plain values."""
    if review is not None:
        return f"0 {review}"
    if inspection is not None:
        return f"1 {inspection}"
    return ""


def search_text_for(rec: Recommendation) -> str:
    return search_text_of(
        rec.number, rec.text, rec.actions, rec.owner, [u.note for u in rec.updates]
    )


def search_text_of(
    number: str, text: str | None, actions: str, owner: str, notes: list[str]
) -> str:
    """What full-text search reads for an item: its number, text, actions, owner and notes.

    On plain values, so that the bulk writers (db.exchange.bulk, db.services.generate) build
    it as the ORM listener below does."""
    parts = [number, text or "", actions, owner, *notes]
    return " ".join(p for p in parts if p)


def words(query: str) -> list[str]:
    """The words of a typed query, lower-cased; punctuation and operators are dropped."""
    return [w.lower() for w in _WORD.findall(query)]


def matches(query: str, dialect: str) -> ColumnElement[bool] | None:
    """A condition on Recommendation for items holding every typed word (as a prefix)."""
    terms = words(query)
    if not terms:
        return None
    if dialect == "sqlite":
        fts_query = " ".join(f'"{term}"*' for term in terms)
        ids = (
            select(text("rowid"))
            .select_from(text("recommendation_fts"))
            .where(text("recommendation_fts MATCH :fts_query").bindparams(fts_query=fts_query))
        )
        return Recommendation.id.in_(ids)
    ts_query = " & ".join(f"{term}:*" for term in terms)
    vector = func.to_tsvector(text("'simple'"), Recommendation.search_text)
    condition: Any = vector.op("@@")(func.to_tsquery(text("'simple'"), ts_query))
    return condition  # type: ignore[no-any-return]


@event.listens_for(Session, "before_flush")
def _refresh_derived(session: Session, context: UOWTransaction, instances: Any) -> None:
    """Keep ``search_text`` and ``source_key`` in step with what they are made from."""
    changed: set[Recommendation] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Recommendation):
            changed.add(obj)
        elif isinstance(obj, ProgressUpdate) and obj.recommendation is not None:
            changed.add(obj.recommendation)
        elif isinstance(obj, Review | Inspection) and _reference_changed(obj):
            changed.update(obj.recommendations)
    for rec in changed:
        if rec in session.deleted:
            continue
        search_text, source_key = search_text_for(rec), source_key_for(rec)
        if rec.search_text != search_text:
            rec.search_text = search_text
        if rec.source_key != source_key:
            rec.source_key = source_key


def _reference_changed(obj: Review | Inspection) -> bool:
    state: InstanceState[Any] = inspect(obj)
    return bool(state.attrs.reference.history.has_changes())
