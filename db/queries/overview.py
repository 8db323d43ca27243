"""The Overview tab's figures: where things stand per agency and per review, what is overdue,
and which deadlines are coming. All counted by SQL, so they stay quick at 100,000 items."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from db.core.vocabulary import AgencyRole, Rating, Status, TrackedKind
from db.queries.rows import OPEN_STATUSES, RecommendationRow, TrackerFilter
from db.queries.rows import SortKey as TrackerSort
from db.queries.tracker import count as tracker_count
from db.queries.tracker import page, rating_expression
from db.store.models import (
    Grade,
    GradedArea,
    Inspection,
    Organisation,
    Recommendation,
    RecommendationAgency,
    RepeatLink,
    Review,
    Theme,
    recommendation_themes,
)

# HMICFRS expects a force's action plan within six weeks of a report; the police and crime
# commissioner answers every recommendation within 56 days.
ACTION_PLAN_DAYS = 42
PCC_RESPONSE_DAYS = 56
DEADLINE_LOOKAHEAD = dt.timedelta(days=120)
ITEM_LOOKAHEAD = dt.timedelta(days=42)  # items falling due in the next six weeks
DEADLINE_LIMIT = 200  # item deadlines listed; the rest are counted


@dataclass(frozen=True)
class Breakdown:
    """Counts for one agency or review, by rating and by status."""

    name: str
    by_rating: dict[Rating, int]
    by_status: dict[Status, int]

    @property
    def total(self) -> int:
        return sum(self.by_rating.values())


@dataclass(frozen=True)
class Deadline:
    due: dt.date
    what: str
    source: str

    def days_left(self, today: dt.date) -> int:
        return (self.due - today).days


@dataclass(frozen=True)
class GradeCount:
    grade: str
    position: int
    scheme_size: int
    count: int


@dataclass(frozen=True)
class Overview:
    totals: dict[Rating, int]
    by_agency: list[Breakdown]
    by_review: list[Breakdown]
    overdue: list[RecommendationRow]
    overdue_total: int
    deadlines: list[Deadline]
    deadlines_total: int  # all coming deadlines, of which ``deadlines`` lists the soonest
    grades: list[GradeCount]
    # Confirmed repeats of earlier learning (issue 25) by the repeating item's themes, most
    # first; an item with no theme counts under "No theme".
    repeats_by_theme: list[tuple[str, int]] = field(default_factory=list)


def _breakdowns(rows: list[tuple[str, str, str, int]]) -> list[Breakdown]:
    ratings: dict[str, dict[Rating, int]] = defaultdict(lambda: dict.fromkeys(Rating, 0))
    statuses: dict[str, dict[Status, int]] = defaultdict(lambda: dict.fromkeys(Status, 0))
    for name, rating, status, count in rows:
        ratings[name][Rating(rating)] += count
        statuses[name][Status(status)] += count
    result = [Breakdown(name, ratings[name], statuses[name]) for name in ratings]
    return sorted(result, key=lambda b: (-b.total, b.name))


def _item_deadlines(
    session: Session, today: dt.date, limit: int = DEADLINE_LIMIT
) -> tuple[list[Deadline], int]:
    """The soonest ``limit`` open items due from today to six weeks ahead, and how many there
    are in all. The window is chosen in SQL: at 100,000 items the first rows by date are all
    overdue, so taking a page by date and then dropping the past left none."""
    review, inspection = aliased(Review), aliased(Inspection)
    within = (
        Recommendation.status.in_(OPEN_STATUSES),
        Recommendation.target_date >= today,
        Recommendation.target_date < today + ITEM_LOOKAHEAD,
    )
    total = int(
        session.scalar(select(func.count()).select_from(Recommendation).where(*within)) or 0
    )
    found = session.execute(
        select(
            Recommendation.target_date,
            Recommendation.kind,
            Recommendation.number,
            func.coalesce(review.reference, inspection.reference),
        )
        .outerjoin(review, review.id == Recommendation.review_id)
        .outerjoin(inspection, inspection.id == Recommendation.inspection_id)
        .where(*within)
        .order_by(Recommendation.target_date, Recommendation.source_key, Recommendation.position)
        .limit(limit)
    )
    deadlines = [
        Deadline(due, f"{TrackedKind(kind).label} {number} due", source or "")
        for due, kind, number, source in found
        if due is not None  # never: the window above excludes items without a date
    ]
    return deadlines, total


def source_deadlines(session: Session, start: dt.date, end: dt.date) -> list[Deadline]:
    """The deadlines an inspection's report sets (the six-week action plan, the 56-day
    response) that fall from ``start`` to ``end``, both included, in the order reports were
    listed: the Overview tab's coming deadlines and a meeting's proposed agenda
    (db.services.meetings) both read them here."""
    found = session.execute(
        select(Inspection.reference, Inspection.published_on)
        .where(Inspection.published_on.is_not(None))
        .order_by(Inspection.id)
    )
    return [
        deadline
        for reference, published in found
        for deadline in report_deadlines(reference, published)
        if start <= deadline.due <= end
    ]


def report_deadlines(reference: str, published: dt.date | None) -> list[Deadline]:
    """The deadlines an inspection's report published on ``published`` sets (none before it
    is published): what meeting mode shows of an inspection on the agenda."""
    if published is None:
        return []
    return [
        Deadline(published + dt.timedelta(days=days), what, reference)
        for days, what in (
            (ACTION_PLAN_DAYS, "Action plan to the inspectorate (6 weeks after the report)"),
            (PCC_RESPONSE_DAYS, "Police and crime commissioner's response (56 days)"),
        )
    ]


def overview(
    session: Session,
    today: dt.date,
    *,
    overdue_limit: int = 50,
    deadline_limit: int = DEADLINE_LIMIT,
) -> Overview:
    rating = rating_expression(today)
    totals = dict.fromkeys(Rating, 0)
    for value, count in session.execute(
        select(rating, func.count()).select_from(Recommendation).group_by(rating)
    ):
        totals[Rating(value)] = count
    by_agency = _breakdowns(
        [
            (name, r, s, n)
            for name, r, s, n in session.execute(
                select(Organisation.name, rating, Recommendation.status, func.count())
                .select_from(Recommendation)
                .join(
                    RecommendationAgency,
                    RecommendationAgency.recommendation_id == Recommendation.id,
                )
                .join(Organisation, Organisation.id == RecommendationAgency.organisation_id)
                .where(RecommendationAgency.role == AgencyRole.LEAD)
                .group_by(Organisation.name, rating, Recommendation.status)
            )
        ]
    )
    by_review = _breakdowns(
        [
            (ref, r, s.value if isinstance(s, Status) else s, n)
            for ref, r, s, n in session.execute(
                select(Review.reference, rating, Recommendation.status, func.count())
                .select_from(Recommendation)
                .join(Review, Review.id == Recommendation.review_id)
                .group_by(Review.reference, rating, Recommendation.status)
            )
        ]
    )
    overdue_filter = TrackerFilter(overdue=True)
    overdue = page(
        session, overdue_filter, today, sort=TrackerSort.TARGET_DATE, limit=overdue_limit
    )
    deadlines = source_deadlines(session, today - dt.timedelta(days=14), today + DEADLINE_LOOKAHEAD)
    items, items_total = _item_deadlines(session, today, deadline_limit)
    deadlines += items
    deadlines.sort(key=lambda d: (d.due, d.source, d.what))
    sizes: dict[int, int] = dict(
        session.execute(
            select(Grade.scheme_id, func.count(Grade.id)).group_by(Grade.scheme_id)
        ).all()
    )
    grades = [
        GradeCount(name, position, sizes.get(scheme_id, 0), n)
        for name, position, scheme_id, n in session.execute(
            select(Grade.name, Grade.position, Grade.scheme_id, func.count(GradedArea.id))
            .join(GradedArea, GradedArea.grade_id == Grade.id)
            .group_by(Grade.name, Grade.position, Grade.scheme_id)
            .order_by(Grade.position, Grade.name)
        )
    ]
    return Overview(
        repeats_by_theme=repeats_by_theme(session),
        totals=totals,
        by_agency=by_agency,
        by_review=by_review,
        overdue=overdue,
        overdue_total=tracker_count(session, overdue_filter, today),
        deadlines=deadlines,
        deadlines_total=len(deadlines) - len(items) + items_total,
        grades=grades,
    )


NO_THEME = "No theme"


def repeats_by_theme(session: Session) -> list[tuple[str, int]]:
    """How many confirmed repeats there are under each theme of the items that repeat, most
    first (an item under two themes counts under both)."""
    themed = session.execute(
        select(Theme.name, func.count(RepeatLink.id))
        .join(recommendation_themes, recommendation_themes.c.theme_id == Theme.id)
        .join(RepeatLink, RepeatLink.item_id == recommendation_themes.c.recommendation_id)
        .where(RepeatLink.verdict == "repeats")
        .group_by(Theme.name)
    ).all()
    unthemed = session.scalar(
        select(func.count(RepeatLink.id)).where(
            RepeatLink.verdict == "repeats",
            ~select(recommendation_themes.c.theme_id)
            .where(recommendation_themes.c.recommendation_id == RepeatLink.item_id)
            .exists(),
        )
    )
    counts = [(str(name), int(n)) for name, n in themed]
    if unthemed:
        counts.append((NO_THEME, int(unthemed)))
    return sorted(counts, key=lambda c: (-c[1], c[0]))
