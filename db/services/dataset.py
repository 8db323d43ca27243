"""Whole-database services: what it holds, loading the sample, erasing for a fresh demo."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from db.core.dates import utc_now
from db.exchange.records import ImportSummary, apply_document
from db.services.sample import propose_coming_agendas, sample_document
from db.store.audit import ACTOR_KEY, append, default_actor
from db.store.models import (
    ABOUT_THE_DATABASE,
    AuditEntry,
    Base,
    Initiative,
    Inspection,
    Organisation,
    Recommendation,
    Review,
)


@dataclass(frozen=True)
class Counts:
    reviews: int
    recommendations: int
    inspections: int
    initiatives: int
    organisations: int

    @property
    def is_empty(self) -> bool:
        return not (self.reviews or self.inspections or self.initiatives or self.organisations)

    def describe(self) -> str:
        """The counts in words, each in the singular for one: "1 review, 10 tracked items"
        (a new user saw "1 reviews" in the status bar)."""
        return ", ".join(
            f"{count:,} {word if count == 1 else word + 's'}"
            for count, word in (
                (self.reviews, "review"),
                (self.recommendations, "tracked item"),
                (self.inspections, "inspection"),
                (self.initiatives, "initiative"),
            )
        )


def counts(session: Session) -> Counts:
    def n(model: type[Base]) -> int:
        return session.scalar(select(func.count()).select_from(model)) or 0

    return Counts(
        reviews=n(Review),
        recommendations=n(Recommendation),
        inspections=n(Inspection),
        initiatives=n(Initiative),
        organisations=n(Organisation),
    )


def load_sample(session: Session, today: dt.date) -> ImportSummary:
    """Add the sample data (seed facts and the fictional review) in the caller's transaction;
    the fictional partnership's coming meeting gets its proposed agenda."""
    summary = apply_document(session, sample_document(today))
    propose_coming_agendas(session, today)
    return summary


def erase_all(session: Session) -> None:
    """Delete every record except the audit log and what describes the database itself (its
    identity, where a copy came from, what is checked out of it), and log the erasure."""
    before = counts(session)
    # Organisations refer to their parents; break those links so the rows can go in any order.
    session.execute(update(Organisation).values(parent_id=None))
    for table in reversed(Base.metadata.sorted_tables):
        if table.name != AuditEntry.__tablename__ and table.name not in ABOUT_THE_DATABASE:
            session.execute(delete(table))
    append(
        session.connection(),
        [
            {
                "at": utc_now(),
                "actor": str(session.info.get(ACTOR_KEY) or default_actor()),
                "action": "delete",
                "entity": "database",
                "entity_id": "*",
                "field": None,
                "old": json.dumps(before.__dict__, sort_keys=True),
                "new": None,
            }
        ],
    )
