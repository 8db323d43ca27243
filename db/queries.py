"""Read models for the window: plain, detached rows built by SQL, never live ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from db.dates import PartialDate
from db.lifecycle import rating_for
from db.models import (
    GradedArea,
    Inspection,
    Organisation,
    Recommendation,
    RecommendationAgency,
    Review,
)
from db.vocabulary import AgencyRole, Rating, ReviewKind, Status, TrackedKind

OPEN_STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS, Status.IMPLEMENTED]
WORK_STATUSES = [Status.NOT_STARTED, Status.IN_PROGRESS]


@dataclass(frozen=True)
class ReviewRow:
    id: int
    reference: str
    kind: ReviewKind
    title: str
    commissioned_by: str
    published: PartialDate | None
    recommendations: int
    open: int
    overdue: int


@dataclass(frozen=True)
class RecommendationRow:
    id: int
    source: str
    kind: TrackedKind
    number: str
    position: int
    text: str | None
    lead_agencies: tuple[str, ...]
    joint_agencies: tuple[str, ...]
    owner: str
    target_date: dt.date | None
    status: Status
    rating: Rating
    from_inspection: bool


@dataclass(frozen=True)
class InspectionRow:
    id: int
    reference: str
    title: str
    organisation: str
    inspectorate: str
    programme: str
    published_on: dt.date | None


@dataclass(frozen=True)
class AreaRow:
    name: str
    grade: str | None
    grade_position: int | None
    grade_count: int
    narrative: str


def review_rows(session: Session, today: dt.date) -> list[ReviewRow]:
    total = func.count(Recommendation.id)
    open_count = func.sum(case((Recommendation.status.in_(OPEN_STATUSES), 1), else_=0))
    overdue = func.sum(
        case(
            (
                Recommendation.status.in_(WORK_STATUSES) & (Recommendation.target_date < today),
                1,
            ),
            else_=0,
        )
    )
    query = (
        select(Review, Organisation.name, total, open_count, overdue)
        .outerjoin(Organisation, Review.commissioned_by_id == Organisation.id)
        .outerjoin(Recommendation, Recommendation.review_id == Review.id)
        .group_by(Review.id, Organisation.name)
        .order_by(Review.reference)
    )
    return [
        ReviewRow(
            id=review.id,
            reference=review.reference,
            kind=review.kind,
            title=review.title,
            commissioned_by=org or "",
            published=review.published,
            recommendations=n or 0,
            open=o or 0,
            overdue=late or 0,
        )
        for review, org, n, o, late in session.execute(query)
    ]


def recommendation_rows(session: Session, today: dt.date) -> list[RecommendationRow]:
    query = select(Recommendation).options(
        selectinload(Recommendation.agencies).selectinload(RecommendationAgency.organisation),
        selectinload(Recommendation.review),
        selectinload(Recommendation.inspection),
    )
    rows = []
    for rec in session.scalars(query):
        rows.append(
            RecommendationRow(
                id=rec.id,
                source=rec.source_reference,
                kind=rec.kind,
                number=rec.number,
                position=rec.position,
                text=rec.text,
                lead_agencies=tuple(o.name for o in rec.agencies_in(AgencyRole.LEAD)),
                joint_agencies=tuple(o.name for o in rec.agencies_in(AgencyRole.JOINT)),
                owner=rec.owner,
                target_date=rec.target_date,
                status=rec.status,
                rating=rating_for(rec.status, rec.target_date, today),
                from_inspection=rec.inspection_id is not None,
            )
        )
    # Reviews' recommendations first, then inspections', each by reference and as published.
    rows.sort(key=lambda r: (r.from_inspection, r.source, r.position))
    return rows


def inspection_rows(session: Session) -> list[InspectionRow]:
    query = (
        select(Inspection)
        .options(selectinload(Inspection.organisation), selectinload(Inspection.inspectorate))
        .order_by(Inspection.published_on.desc(), Inspection.reference)
    )
    return [
        InspectionRow(
            id=i.id,
            reference=i.reference,
            title=i.title,
            organisation=i.organisation.name,
            inspectorate=i.inspectorate.name,
            programme=i.programme,
            published_on=i.published_on,
        )
        for i in session.scalars(query)
    ]


def area_rows(session: Session, inspection_id: int) -> list[AreaRow]:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        return []
    count = len(inspection.scheme.grades)
    areas = session.scalars(
        select(GradedArea)
        .where(GradedArea.inspection_id == inspection_id)
        .options(selectinload(GradedArea.grade))
        .order_by(GradedArea.position)
    )
    return [
        AreaRow(
            name=a.name,
            grade=a.grade.name if a.grade else None,
            grade_position=a.grade.position if a.grade else None,
            grade_count=count,
            narrative=a.narrative,
        )
        for a in areas
    ]
