"""What a briefing pack and the agenda need to know of the meetings around one: the dates of
the meetings before and after it, and the order of its agenda.

Here rather than in db.services.meetings because a pack (db.queries.briefing_content) is a
read model and may not use the services; the services use these in turn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.store.models import AgendaItem, Inspection, Meeting, Recommendation, Review


def neighbours(session: Session, held_on: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The dates of the meetings held before and after ``held_on`` (None when there is
    none)."""
    before = session.scalar(select(func.max(Meeting.held_on)).where(Meeting.held_on < held_on))
    after = session.scalar(select(func.min(Meeting.held_on)).where(Meeting.held_on > held_on))
    return before, after


@dataclass(frozen=True)
class AgendaOrder:
    """A meeting's agenda as a pack follows it: the references of its reviews and
    inspections in the order the agenda first comes to each, and each agenda item's place
    (by its source's reference and its number)."""

    sources: tuple[str, ...]
    items: dict[tuple[str, str], int]


def agenda_order(session: Session, held_on: dt.date, title: str) -> AgendaOrder | None:
    """The agenda of the meeting called ``title`` on ``held_on``, or None if there is no such
    meeting."""
    meeting_id = session.scalar(
        select(Meeting.id).where(Meeting.held_on == held_on, Meeting.title == title)
    )
    if meeting_id is None:
        return None
    # A review or inspection on the agenda itself, or the one an agenda item belongs to.
    review, inspection = aliased(Review), aliased(Inspection)
    items_review, items_inspection = aliased(Review), aliased(Inspection)
    rows = session.execute(
        select(
            func.coalesce(
                review.reference,
                inspection.reference,
                items_review.reference,
                items_inspection.reference,
            ),
            Recommendation.number,
        )
        .select_from(AgendaItem)
        .outerjoin(review, review.id == AgendaItem.review_id)
        .outerjoin(inspection, inspection.id == AgendaItem.inspection_id)
        .outerjoin(Recommendation, Recommendation.id == AgendaItem.recommendation_id)
        .outerjoin(items_review, items_review.id == Recommendation.review_id)
        .outerjoin(items_inspection, items_inspection.id == Recommendation.inspection_id)
        .where(AgendaItem.meeting_id == meeting_id)
        .order_by(AgendaItem.position)
    ).all()
    sources: dict[str, None] = {}
    items: dict[tuple[str, str], int] = {}
    for place, (source, number) in enumerate(rows):
        sources.setdefault(source, None)
        if number is not None:
            items.setdefault((source, number), place)
    return AgendaOrder(tuple(sources), items)
