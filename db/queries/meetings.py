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

from db.core.dates import format_date
from db.core.vocabulary import DecisionKind
from db.store.models import AgendaItem, Decision, Inspection, Meeting, Recommendation, Review


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


def decision_text(
    meeting: str,
    kind: DecisionKind,
    *,
    until: dt.date | None,
    whom: str,
    chair: str,
    note: str,
) -> str:
    """A decision as an item's log entry and a pack's changes say it, naming the meeting
    ("Case Review Subgroup, 10 December 2026"): "Case Review Subgroup, 10 December 2026:
    target extended to 31 March 2027. <note>" (db.services.meetings.decision_log_text)."""
    due = format_date(until)
    said = {
        DecisionKind.SIGNED_OFF: f"signed off on the evidence; assurance given by {chair.strip()}",
        DecisionKind.EXTENDED: f"target extended to {due}",
        DecisionKind.EVIDENCE_REQUESTED: f"evidence requested from {whom.strip()} by {due}",
        DecisionKind.ESCALATED: f"escalated to {whom.strip()}",
        DecisionKind.NOTED: "noted",
    }[kind]
    return f"{meeting}: {said}. {note.strip()}".strip()


@dataclass(frozen=True)
class SourceDecision:
    """A decision a meeting made about a whole review or inspection (which has no log of its
    own to carry it into a pack's changes, as an item's has), said as ``decision_text``."""

    reference: str
    inspection: bool
    on: dt.date
    text: str


def source_decisions(session: Session, since: dt.date) -> list[SourceDecision]:
    """The decisions about a whole review or inspection made at meetings on or after
    ``since``, in the order they were made."""
    rows = session.execute(
        select(Decision, Meeting, Review.reference, Inspection.reference)
        .join(Meeting, Meeting.id == Decision.meeting_id)
        .outerjoin(Review, Review.id == Decision.review_id)
        .outerjoin(Inspection, Inspection.id == Decision.inspection_id)
        .where(Decision.recommendation_id.is_(None), Decision.decided_on >= since)
        .order_by(Decision.decided_on, Decision.id)
    ).all()
    found = []
    for decision, meeting, review, inspection in rows:
        text = decision_text(
            f"{meeting.title}, {format_date(meeting.held_on)}",
            decision.kind,
            until=decision.until,
            whom=decision.whom,
            chair=meeting.chair,
            note=decision.note,
        )
        on = decision.decided_on
        found.append(SourceDecision(review or inspection, review is None, on, text))
    return found
