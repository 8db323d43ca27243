"""Full-text search over tracked items: what is indexed, and how a typed query becomes SQL.

Each recommendation's ``search_text`` gathers its number, text, actions, owner and the notes
of its progress updates; a session hook keeps it current on every flush. SQLite searches it
with FTS5, PostgreSQL with a 'simple' tsvector; both treat each typed word as a prefix, so the
table narrows as the user types.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import ColumnElement, event, func, select, text
from sqlalchemy.orm import Session, UOWTransaction

from db.models import ProgressUpdate, Recommendation

_WORD = re.compile(r"\w+", re.UNICODE)


def search_text_for(rec: Recommendation) -> str:
    parts = [rec.number, rec.text or "", rec.actions, rec.owner]
    parts += [u.note for u in rec.updates if u.note]
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
def _refresh_search_text(session: Session, context: UOWTransaction, instances: Any) -> None:
    changed: set[Recommendation] = set()
    for obj in (*session.new, *session.dirty):
        if isinstance(obj, Recommendation):
            changed.add(obj)
        elif isinstance(obj, ProgressUpdate) and obj.recommendation is not None:
            changed.add(obj.recommendation)
    for rec in changed:
        if rec in session.deleted:
            continue
        current = search_text_for(rec)
        if rec.search_text != current:
            rec.search_text = current
