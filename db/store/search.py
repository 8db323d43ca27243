"""Full-text search over tracked items: what is indexed, and how a typed query becomes SQL.

Each recommendation's ``search_text`` gathers its number, text, actions, owner and the notes
of its progress updates; a session hook keeps it current on every flush. SQLite searches it
with FTS5, PostgreSQL with a 'simple' tsvector; both treat each typed word as a prefix, so the
table narrows as the user types.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    String,
    bindparam,
    column,
    event,
    exists,
    func,
    inspect,
    literal_column,
    select,
    table,
    text,
)
from sqlalchemy.orm import InstanceState, Session, UOWTransaction

from db.core.search_words import COUNT_SQL, SAMPLE, SAMPLE_SQL, Plan, choose, words
from db.core.search_words import fts_query as _fts_query
from db.store.models import Inspection, ProgressUpdate, Recommendation, Review

# Plan and words come from db.core.search_words, which the first-page reader shares; the
# window's statements and its callers know them from here.
__all__ = [
    "PARAMETER",
    "Plan",
    "count",
    "matches",
    "parameter",
    "plan",
    "search_text_for",
    "search_text_of",
    "source_key_for",
    "source_key_of",
    "words",
]


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


# The name a search's words are bound to in ``matches``'s condition; ``parameter`` is its value.
PARAMETER = "search_words"


def parameter(query: str, dialect: str) -> str:
    """What ``matches``'s condition is given for ``query``, whose words there must be."""
    terms = words(query)
    if dialect == "sqlite":
        return _fts_query(terms)
    return " & ".join(f"{term}:*" for term in terms)


def matches(dialect: str, plan: Plan = Plan.SORT) -> ColumnElement[bool]:
    """A condition on Recommendation for items holding every typed word (as a prefix), in the
    form that leads SQLite to ``plan``. The words are bound at execution (``PARAMETER``), so
    a statement built once serves every keystroke (building one costs more than its query)."""
    words_given = bindparam(PARAMETER, type_=String())
    if dialect == "sqlite":
        match = text(f"recommendation_fts MATCH :{PARAMETER}").bindparams(words_given)
        if plan is Plan.PROBE:
            fts = table("recommendation_fts", column("rowid"))
            return exists(
                select(literal_column("1"))
                .select_from(fts)
                .where(fts.c.rowid == Recommendation.id, match)
            )
        ids = select(text("rowid")).select_from(text("recommendation_fts")).where(match)
        # ``id + 0`` cannot be looked up by id, so SQLite walks the index of the order instead.
        key = Recommendation.id + 0 if plan is Plan.WALK else Recommendation.id
        return key.in_(ids)
    vector = func.to_tsvector(text("'simple'"), Recommendation.search_text)
    condition: Any = vector.op("@@")(func.to_tsquery(text("'simple'"), words_given))
    return condition  # type: ignore[no-any-return]


def plan(session: Session, query: str, wanted: int) -> Plan:
    """The cheapest plan on SQLite for the first ``wanted`` rows, in the default order, of the
    items matching ``query`` (and no other filter): ``db.core.search_words.choose``."""
    terms = words(query)
    cursor = session.connection().exec_driver_sql(SAMPLE_SQL, (_fts_query(terms), SAMPLE))
    return choose(terms, wanted, tuple(cursor.one()))


def count(session: Session, query: str) -> int:
    """How many items match ``query`` on SQLite, counted in the full-text index alone (a
    fifteenth of the time of counting through the items, about 3 ms at 100,000)."""
    cursor = session.connection().exec_driver_sql(COUNT_SQL, (_fts_query(words(query)),))
    return int(cursor.scalar_one())


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
