"""Read models for the window: plain, detached rows built by SQL, never live ORM objects."""

from __future__ import annotations

import datetime as dt
import json
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
    # create, update, delete; restore: made again by the undo of its deletion; copy: made
    # with the copy taken offline it is in
    action: str
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
        history=item_history(session, rec),
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


# Most deletions undone that an item's history follows back (each costs two reads).
RESTORES_FOLLOWED = 10
# How many audit entries before an item's making again its deletion is looked for.
DELETION_WITHIN = 100_000
# Kept from one row to the next by an undo of a deletion, or the row's own: not compared.
_NOT_KEPT = frozenset({"id", "created_at", "position"})


def item_history(session: Session, rec: Recommendation, limit: int = 50) -> tuple[HistoryLine, ...]:
    """The item's entries in the audit trail, newest first, across the rows it has been: the
    undo of a deletion puts an item back as a new row, under a new id, so the entries of the
    row it replaced (its creation, its changes, its deletion) are its history too, and the new
    row's creation reads as its restoring (a new user saw only "created it", by whoever
    undid the deletion, and the item's first creation gone)."""
    ids, restored = {str(rec.id)}, set[int]()
    entries = _entries(session, ids, limit)
    entity_id, before = str(rec.id), None
    for _ in range(RESTORES_FOLLOWED):
        made = _creation(session, entries, entity_id, before, limit)
        gone = _deletion_undone(session, made) if made is not None else None
        if made is None or gone is None:
            break
        restored.add(made.id)
        entity_id, before = gone.entity_id, gone.id
        if entity_id not in ids:  # (SQLite may give a row put back the id it had)
            ids.add(entity_id)
            entries = _entries(session, ids, limit)
    # In a copy taken offline, the item was made with the copy: its history before is the
    # shared database's (a trial read "root: created it" at the moment the copy was taken).
    copied = session.scalar(
        select(func.min(AuditEntry.id)).where(AuditEntry.entity == "checkout_origin")
    )

    def action(e: AuditEntry) -> str:
        if e.id in restored:
            return "restore"
        if copied is not None and e.action == "create" and e.id < copied:
            return "copy"
        return e.action

    return tuple(HistoryLine(e.at, e.actor, action(e), e.field, e.old, e.new) for e in entries)


def _entries(session: Session, ids: set[str], limit: int) -> list[AuditEntry]:
    """The newest ``limit`` entries about the item rows ``ids``, newest first."""
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.entity == Recommendation.__tablename__,
                AuditEntry.entity_id.in_(ids),
            )
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        )
    )


def _creation(
    session: Session, entries: list[AuditEntry], entity_id: str, before: int | None, limit: int
) -> AuditEntry | None:
    """The newest creation of the row ``entity_id`` before the entry ``before``: among the
    entries read already, or, when they were cut at ``limit``, read for itself."""
    made = [
        e
        for e in entries
        if e.entity_id == entity_id and e.action == "create" and (before is None or e.id < before)
    ]
    if made or len(entries) < limit:
        return max(made, key=lambda e: e.id, default=None)
    query = select(AuditEntry).where(
        AuditEntry.entity == Recommendation.__tablename__,
        AuditEntry.entity_id == entity_id,
        AuditEntry.action == "create",
    )
    if before is not None:
        query = query.where(AuditEntry.id < before)
    return session.scalars(query.order_by(AuditEntry.id.desc()).limit(1)).first()


def _deletion_undone(session: Session, made: AuditEntry) -> AuditEntry | None:
    """The deletion that ``made`` (a row's creation) undid: the newest before it of a row of
    the same table that held all it holds (its id, creation time and place apart), or None
    when it was made anew."""
    try:
        held = json.loads(made.new or "")
    except ValueError:  # an entry written otherwise: no deletion known
        return None
    if not isinstance(held, dict) or "number" not in held:
        return None
    # The snapshot is JSON with sorted keys (db.store.audit): narrowed by the number in SQL.
    pair = json.dumps({"number": held["number"]}, ensure_ascii=False)[1:-1]
    pattern = pair.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    candidates = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.entity == made.entity,
            AuditEntry.action == "delete",
            # Undone from the same window's undo stack, so not long before: looked for among
            # the entries just before (a range of the primary key, however long the trail).
            AuditEntry.id.between(made.id - DELETION_WITHIN, made.id - 1),
            AuditEntry.old.like(f"%{pattern}%", escape="\\"),
        )
        .order_by(AuditEntry.id.desc())
        .limit(20)
    )
    kept = {k: v for k, v in held.items() if k not in _NOT_KEPT}
    for entry in candidates:
        try:
            was = json.loads(entry.old or "")
        except ValueError:  # an entry written otherwise: not the one looked for
            continue
        if isinstance(was, dict) and all(was.get(k) == v for k, v in kept.items()):
            return entry
    return None


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
