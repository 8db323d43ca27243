"""Read models for the window: plain, detached rows built by SQL, never live ORM objects."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, selectinload

from db.core.dates import PartialDate
from db.core.rules import rating_for
from db.core.vocabulary import AgencyRole, Rating, Status, TrackedKind
from db.queries.copies import checked_out
from db.queries.rows import OPEN_STATUSES, WORK_STATUSES, ReviewRow
from db.store.models import (
    AuditEntry,
    GradedArea,
    Inspection,
    Organisation,
    Recommendation,
    Review,
)


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


@dataclass(frozen=True)
class UpdateLine:
    on: dt.date
    author: str
    status: Status | None
    note: str
    id: int = 0
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


@dataclass(frozen=True)
class EvidenceLine:
    id: int
    description: str
    reference: str | None
    file_name: str | None
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class HistoryLine:
    """One entry of a record's audit trail, as the detail pane shows it."""

    at: dt.datetime
    actor: str
    action: str  # create, update, delete
    field: str | None
    old: str | None
    new: str | None


@dataclass(frozen=True)
class ItemDetail:
    """Everything the detail pane shows about one tracked item."""

    id: int
    source: str
    source_title: str
    kind: TrackedKind
    number: str
    text: str | None
    lead_agencies: tuple[str, ...]
    joint_agencies: tuple[str, ...]
    actions: str
    owner: str
    target_date: dt.date | None
    status: Status
    status_reason: str
    rating: Rating
    themes: tuple[str, ...]
    assured_by: str | None
    assured_on: dt.date | None
    closed_on: dt.date | None
    updates: tuple[UpdateLine, ...]
    evidence: tuple[EvidenceLine, ...]
    history: tuple[HistoryLine, ...] = ()
    checked_out: tuple[str, ...] = ()  # notices of copies taken offline that hold it


def item_detail(session: Session, rec_id: int, today: dt.date) -> ItemDetail | None:
    """The detail pane's read model of an item: all it shows, with ids for the pane's actions
    on a log entry or evidence item, and no file content (db.exchange.records carries that
    for a file; db.services.editing.item_fields holds only what an edit changes)."""
    rec = session.get(Recommendation, rec_id)
    if rec is None:
        return None
    source = rec.review or rec.inspection
    return ItemDetail(
        id=rec.id,
        source=rec.source_reference,
        source_title=source.title if source is not None else "",
        kind=rec.kind,
        number=rec.number,
        text=rec.text,
        lead_agencies=rec.agency_names(AgencyRole.LEAD),
        joint_agencies=rec.agency_names(AgencyRole.JOINT),
        actions=rec.actions,
        owner=rec.owner,
        target_date=rec.target_date,
        status=rec.status,
        status_reason=rec.status_reason,
        rating=rating_for(rec.status, rec.target_date, today),
        themes=tuple(t.name for t in rec.themes),
        assured_by=rec.assured_by,
        assured_on=rec.assured_on,
        closed_on=rec.closed_on,
        updates=tuple(
            UpdateLine(
                u.on,
                u.author,
                u.status,
                u.note,
                u.id,
                u.withdrawn_at,
                u.withdrawn_by,
                u.withdrawn_reason,
            )
            for u in rec.updates
        ),
        evidence=tuple(
            EvidenceLine(e.id, e.description, e.reference, e.file_name, e.added_by, e.added_at)
            for e in rec.evidence
        ),
        history=history(session, Recommendation.__tablename__, str(rec.id)),
        checked_out=tuple(
            checked_out(
                session,
                review=rec.review.reference if rec.review is not None else None,
                inspection=rec.inspection.reference if rec.inspection is not None else None,
            )
        ),
    )


def history(
    session: Session, entity: str, entity_id: str, limit: int = 50
) -> tuple[HistoryLine, ...]:
    """A record's entries in the audit trail, newest first (the newest ``limit``)."""
    query = (
        select(AuditEntry)
        .where(AuditEntry.entity == entity, AuditEntry.entity_id == entity_id)
        .order_by(AuditEntry.id.desc())
        .limit(limit)
    )
    return tuple(
        HistoryLine(e.at, e.actor, e.action, e.field, e.old, e.new) for e in session.scalars(query)
    )


def evidence_file(session: Session, evidence_id: int) -> tuple[str, bytes] | None:
    """An evidence item's stored file: its name and content, or None if it has none."""
    from db.store.models import Evidence

    item = session.get(Evidence, evidence_id)
    if item is None or item.content is None:
        return None
    return item.file_name or f"evidence-{item.id}", item.content


def organisation_names(session: Session) -> list[str]:
    return list(session.scalars(select(Organisation.name).order_by(Organisation.name)))


@dataclass(frozen=True)
class FindingRow:
    kind_label: str
    number: str
    text: str
    area: str
    status: Status | None  # None for findings that are noted, not tracked
    rating: Rating | None


def finding_rows(session: Session, inspection_id: int, today: dt.date) -> list[FindingRow]:
    inspection = session.get(Inspection, inspection_id)
    if inspection is None:
        return []
    rows: list[tuple[int, FindingRow]] = [
        (
            f.position,
            FindingRow(f.kind.label, f.number, f.text, f.area.name if f.area else "", None, None),
        )
        for f in inspection.findings
    ]
    rows += [
        (
            r.position,
            FindingRow(
                r.kind.label,
                r.number,
                r.text or "",
                r.area.name if r.area else "",
                r.status,
                rating_for(r.status, r.target_date, today),
            ),
        )
        for r in inspection.recommendations
    ]
    return [row for _, row in sorted(rows, key=lambda item: item[0])]


@dataclass(frozen=True)
class InitiativeRow:
    name: str
    organisation: str
    started: PartialDate | None
    description: str
    answers: tuple[str, ...]


def initiative_rows(session: Session, inspection_id: int | None = None) -> list[InitiativeRow]:
    """Initiatives, each with what it answers; with an inspection, only those linked to it."""
    from db.store.models import Initiative

    result = []
    for initiative in session.scalars(select(Initiative).order_by(Initiative.name)):
        answers, linked = [], inspection_id is None
        for link in initiative.links:
            if link.finding is not None:
                answers.append(
                    f"{link.finding.kind.label} {link.finding.number} "
                    f"({link.finding.inspection.reference})"
                )
                linked |= link.finding.inspection_id == inspection_id
            elif link.area is not None:
                answers.append(f"Area: {link.area.name} ({link.area.inspection.reference})")
                linked |= link.area.inspection_id == inspection_id
            elif link.recommendation is not None:
                rec = link.recommendation
                answers.append(f"{rec.kind.label} {rec.number} ({rec.source_reference})")
                linked |= rec.inspection_id == inspection_id
        if linked:
            result.append(
                InitiativeRow(
                    name=initiative.name,
                    organisation=initiative.organisation.name if initiative.organisation else "",
                    started=initiative.started,
                    description=initiative.description,
                    answers=tuple(answers),
                )
            )
    return result


@dataclass(frozen=True)
class GradeMatrix:
    """Grades of one organisation's inspections side by side: areas down, inspections across."""

    organisation: str
    inspections: tuple[InspectionRow, ...]
    areas: tuple[str, ...]
    # (area, inspection id) -> (grade name, position in scheme, grades in scheme)
    cells: dict[tuple[str, int], tuple[str, int, int]]


def grade_matrix(session: Session, organisation: str) -> GradeMatrix:
    inspections = [
        row
        for row in sorted(
            inspection_rows(session),
            key=lambda r: (r.published_on is None, r.published_on or dt.date.min),
        )
        if row.organisation == organisation
    ]
    areas: list[str] = []
    cells: dict[tuple[str, int], tuple[str, int, int]] = {}
    for row in inspections:
        for area in area_rows(session, row.id):
            if area.name not in areas:
                areas.append(area.name)
            if area.grade is not None and area.grade_position is not None:
                cells[(area.name, row.id)] = (area.grade, area.grade_position, area.grade_count)
    return GradeMatrix(organisation, tuple(inspections), tuple(areas), cells)


def inspected_organisations(session: Session) -> list[str]:
    return sorted({row.organisation for row in inspection_rows(session)})
