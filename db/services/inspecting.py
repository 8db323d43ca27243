"""Inspections edited in the window: an inspection with its graded areas and findings, and the
grading schemes its grades come from.

Like db.services.editing, every function runs in the caller's transaction and names records by
natural keys (an inspection's reference, an area's name, a finding's kind and number), because
undoing a deletion restores rows under new ids. Saving goes through the JSON import's ``Importer``,
so an inspection made in the window is exactly what an import of the same data would make, and
tracked items keep their status, progress log and evidence across an edit.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.core import fields as rules
from db.core.errors import DocumentError, NotFoundError, RuleError
from db.core.vocabulary import FindingKind, OrganisationKind, TrackedKind
from db.exchange.document import (
    AreaDoc,
    InitiativeDoc,
    InspectionDoc,
    MeetingDoc,
    NotedFindingDoc,
    TrackedDoc,
)
from db.exchange.records import Importer, initiative_doc, inspection_doc, meetings_about
from db.services.editing import Problems, _check_fields
from db.store.models import (
    Finding,
    Grade,
    GradedArea,
    GradingScheme,
    Initiative,
    InitiativeLink,
    Inspection,
    Recommendation,
)

FindingKindAny = TrackedKind | FindingKind


@dataclass(frozen=True)
class AreaFields:
    name: str
    grade: str | None = None
    narrative: str = ""
    # The area's name before this edit; None for an area the edit adds.
    was: str | None = None


@dataclass(frozen=True)
class FindingFields:
    """A finding as the dialog holds it: tracked (a recommendation or an area for
    improvement, kept in ``recommendations``) or noted (a cause of concern, promising practice)."""

    kind: FindingKindAny
    number: str
    # None for a tracked item whose words are not entered yet (see Recommendation.text).
    text: str | None
    area: str | None = None
    # The finding's number before this edit; None for a finding the edit adds.
    was: str | None = None


@dataclass(frozen=True)
class InspectionFields:
    reference: str
    inspectorate: str
    organisation: str
    programme: str
    title: str
    scheme: str
    fieldwork_start: dt.date | None = None
    fieldwork_end: dt.date | None = None
    published_on: dt.date | None = None
    summary: str = ""
    areas: tuple[AreaFields, ...] = ()
    findings: tuple[FindingFields, ...] = ()


@dataclass(frozen=True)
class InspectionSnapshot:
    """An inspection with all it held, and the initiatives that linked to any part of it."""

    inspection: InspectionDoc
    initiatives: tuple[InitiativeDoc, ...]
    # The meetings whose agenda or decisions named it or its items, as they were.
    meetings: tuple[MeetingDoc, ...] = ()


# ----------------------------------------------------------------------------- lookups


def inspection_by_reference(session: Session, reference: str) -> Inspection:
    inspection = session.scalar(select(Inspection).where(Inspection.reference == reference))
    if inspection is None:
        raise NotFoundError(f"There is no inspection with the reference '{reference}'.")
    return inspection


def scheme_grades(session: Session) -> dict[str, list[str]]:
    """Every grading scheme's grades, best first, by scheme name."""
    return {
        scheme.name: [g.name for g in scheme.grades]
        for scheme in session.scalars(select(GradingScheme).order_by(GradingScheme.name))
    }


def inspection_fields(session: Session, reference: str) -> InspectionFields:
    """The inspection as the dialog edits it; each area and finding remembers its own name."""
    inspection = inspection_by_reference(session, reference)
    doc = inspection_doc(inspection, dt.date.today())
    return InspectionFields(
        reference=doc.reference,
        inspectorate=doc.inspectorate,
        organisation=doc.organisation,
        programme=doc.programme,
        title=doc.title,
        scheme=doc.scheme,
        fieldwork_start=doc.fieldwork_start,
        fieldwork_end=doc.fieldwork_end,
        published_on=doc.published,
        summary=doc.summary,
        areas=tuple(AreaFields(a.name, a.grade, a.narrative, was=a.name) for a in doc.areas),
        findings=tuple(
            FindingFields(f.kind, f.number, f.text, f.area, was=f.number) for f in doc.findings
        ),
    )


# ----------------------------------------------------------------------------- checks


def _tracked(kind: FindingKindAny) -> bool:
    return isinstance(kind, TrackedKind)


def check_inspection(
    session: Session, fields: InspectionFields, *, editing: str | None = None
) -> Problems:
    """Problems by field: "reference", "inspectorate", ..., "areas", "findings"."""
    problems = Problems()
    for name, value, message in (
        ("reference", fields.reference, "Give the inspection a reference."),
        ("inspectorate", fields.inspectorate, "Name the inspectorate."),
        ("organisation", fields.organisation, "Name the organisation inspected."),
        ("programme", fields.programme, "Name the inspection programme."),
        ("title", fields.title, "Give the inspection report's title."),
    ):
        if not value.strip():
            problems.add(name, message)
    if (
        fields.reference.strip()
        and fields.reference != editing
        and session.scalar(select(Inspection.id).where(Inspection.reference == fields.reference))
    ):
        problems.add(
            "reference", f"Another inspection already has the reference {fields.reference}."
        )
    grades = scheme_grades(session).get(fields.scheme)
    if grades is None:
        problems.add("scheme", "Choose the grading scheme the report uses.")
    if (
        fields.fieldwork_start
        and fields.fieldwork_end
        and fields.fieldwork_end < fields.fieldwork_start
    ):
        problems.add("fieldwork_end", "Fieldwork cannot end before it starts.")
    _check_fields(
        problems,
        "The inspection's",
        [
            ("reference", fields.reference, rules.REFERENCE, True),
            ("inspectorate", fields.inspectorate, rules.NAME, True),
            ("organisation", fields.organisation, rules.NAME, True),
            ("programme", fields.programme, rules.NAME, False),
            ("title", fields.title, rules.TITLE, False),
            ("summary", fields.summary, rules.TEXT, False),
        ],
    )
    # The rule a review's reference keeps (db.services.editing), and an import of either.
    reason = rules.reference_problem(fields.reference) if fields.reference.strip() else None
    if reason is not None:
        problems.add("reference", f"The inspection's reference {reason}.")
    _check_areas(problems, fields, grades or [])
    _check_findings(problems, fields)
    return problems


def _check_areas(problems: Problems, fields: InspectionFields, grades: list[str]) -> None:
    seen: set[str] = set()
    for n, area in enumerate(fields.areas, start=1):
        if not area.name.strip():
            problems.add("areas", f"Graded area {n} has no name; name it or remove it.")
        elif area.name.casefold() in seen:
            problems.add("areas", f"The area {area.name} is listed twice.")
        seen.add(area.name.casefold())
        if area.grade is not None and area.grade not in grades:
            problems.add(
                "areas", f"{area.grade} is not a grade of {fields.scheme}; choose one of its own."
            )
        _check_fields(
            problems,
            f"Area {n}'s",
            [
                ("areas", area.name, rules.AREA, True),
                ("areas", area.narrative, rules.TEXT, False),
            ],
        )


def _check_findings(problems: Problems, fields: InspectionFields) -> None:
    areas = {a.name for a in fields.areas}
    seen: set[tuple[FindingKindAny, str]] = set()
    for n, finding in enumerate(fields.findings, start=1):
        label = finding.kind.label.lower()
        if not finding.number.strip():
            problems.add("findings", f"Finding {n} ({label}) needs its number as published.")
        elif (finding.kind, finding.number) in seen:
            problems.add(
                "findings", f"There are two of {label} {finding.number}; number them apart."
            )
        seen.add((finding.kind, finding.number))
        missing = not _tracked(finding.kind) if finding.text is None else not finding.text.strip()
        if missing:
            problems.add("findings", f"Enter the text of {label} {finding.number or n}.")
        if finding.area is not None and finding.area not in areas:
            problems.add(
                "findings",
                f"The area of {label} {finding.number} is not one of this inspection's areas.",
            )
        _check_fields(
            problems,
            f"Finding {n}'s",
            [
                ("findings", finding.number, rules.NUMBER, True),
                ("findings", finding.text, rules.TEXT, False),
            ],
        )


# ----------------------------------------------------------------------------- saving


def save_inspection(session: Session, fields: InspectionFields, *, editing: str | None) -> None:
    """Create an inspection (``editing`` None) or change the one with that reference.

    Areas and findings are matched by what they were called (``was``): renamed ones keep
    their grades, logs and links; ones the fields leave out are deleted, with what hangs on
    them. A finding keeps its kind's table: a tracked item cannot become a noted finding.
    """
    check_inspection(session, fields, editing=editing).raise_first()
    existing: TrackedDocs = {}
    if editing is not None:
        inspection = inspection_by_reference(session, editing)
        existing = _rename_and_prune(session, inspection, fields)
        if inspection.scheme.name != fields.scheme:
            for area in inspection.areas:
                area.grade = None  # regraded below on the new scheme
            session.flush()
    doc = InspectionDoc(
        reference=fields.reference,
        inspectorate=fields.inspectorate,
        programme=fields.programme,
        title=fields.title,
        organisation=fields.organisation,
        scheme=fields.scheme,
        fieldwork_start=fields.fieldwork_start,
        fieldwork_end=fields.fieldwork_end,
        published=fields.published_on,
        summary=fields.summary,
        areas=[AreaDoc(a.name, a.grade, a.narrative) for a in fields.areas],
        findings=[_finding_doc(f, existing) for f in fields.findings],
    )
    _import(session, doc)


TrackedDocs = dict[tuple[TrackedKind, str], TrackedDoc]


def _finding_doc(finding: FindingFields, existing: TrackedDocs) -> TrackedDoc | NotedFindingDoc:
    if isinstance(finding.kind, FindingKind):
        return NotedFindingDoc(finding.kind, finding.number, finding.text or "", finding.area)
    before = existing.get((finding.kind, finding.number))
    if before is None:
        return TrackedDoc(
            number=finding.number, text=finding.text, kind=finding.kind, area=finding.area
        )
    return dataclasses.replace(before, text=finding.text, area=finding.area)


def _rename_and_prune(
    session: Session, inspection: Inspection, fields: InspectionFields
) -> TrackedDocs:
    """Rename the inspection, areas and findings the fields renamed; delete those they left
    out. Returns the tracked items as they are now, by their new kind and number."""
    inspection.reference = fields.reference
    area_names = {a.was: a.name for a in fields.areas if a.was is not None}
    numbers = {(f.kind, f.was): f.number for f in fields.findings if f.was is not None}
    for area in list(inspection.areas):
        if area.name not in area_names:
            inspection.areas.remove(area)
    for finding in list(inspection.findings):
        if (finding.kind, finding.number) not in numbers:
            inspection.findings.remove(finding)
    for rec in list(inspection.recommendations):
        if (rec.kind, rec.number) not in numbers:
            inspection.recommendations.remove(rec)
    session.flush()
    # Through names no one types, so that swapped names never meet in a unique index.
    renamed_areas = [a for a in inspection.areas if area_names[a.name] != a.name]
    renamed_items: list[Finding | Recommendation] = [
        f for f in inspection.findings if numbers[(f.kind, f.number)] != f.number
    ]
    renamed_items += [
        r for r in inspection.recommendations if numbers[(r.kind, r.number)] != r.number
    ]
    finals = [area_names[a.name] for a in renamed_areas]
    final_numbers = [numbers[(i.kind, i.number)] for i in renamed_items]
    for n, area in enumerate(renamed_areas):
        area.name = f"\ufffe{n}"
    for n, item in enumerate(renamed_items):
        item.number = f"\ufffe{n}"
    session.flush()
    for area, name in zip(renamed_areas, finals, strict=True):
        area.name = name
    for item, number in zip(renamed_items, final_numbers, strict=True):
        item.number = number
    session.flush()
    today = dt.date.today()
    docs = inspection_doc(inspection, today).findings
    return {(d.kind, d.number): d for d in docs if isinstance(d, TrackedDoc)}


def _import(session: Session, doc: InspectionDoc) -> None:
    importer = Importer(session)
    importer.organisation(doc.inspectorate, OrganisationKind.INSPECTORATE)
    try:
        importer.inspections([doc])
    except DocumentError as exc:  # checked above; a state the checks do not foresee
        raise RuleError(exc.message.split(": ", 1)[-1].capitalize() + ".") from exc
    session.flush()


def inspection_snapshot(session: Session, reference: str) -> InspectionSnapshot:
    """What restores the inspection as it is now, with the initiatives linked to it."""
    inspection = inspection_by_reference(session, reference)
    part_of = (
        select(InitiativeLink.initiative_id)
        .outerjoin(Finding, Finding.id == InitiativeLink.finding_id)
        .outerjoin(GradedArea, GradedArea.id == InitiativeLink.area_id)
        .outerjoin(Recommendation, Recommendation.id == InitiativeLink.recommendation_id)
        .where(
            (Finding.inspection_id == inspection.id)
            | (GradedArea.inspection_id == inspection.id)
            | (Recommendation.inspection_id == inspection.id)
        )
    )
    linked = session.scalars(
        select(Initiative).where(Initiative.id.in_(part_of)).order_by(Initiative.name)
    ).all()
    return InspectionSnapshot(
        inspection_doc(inspection, dt.date.today()),
        tuple(initiative_doc(i) for i in linked),
        meetings_about(session, inspection_id=inspection.id),
    )


def delete_inspection(session: Session, reference: str) -> InspectionSnapshot:
    """Delete an inspection with its areas, findings and tracked items; return what restores
    it."""
    snapshot = inspection_snapshot(session, reference)
    session.delete(inspection_by_reference(session, reference))
    session.flush()
    return snapshot


def restore_inspection(session: Session, snapshot: InspectionSnapshot) -> None:
    """Put back what ``snapshot`` held: the inspection (made again, or brought back to it),
    its items with their logs and evidence, and the links initiatives had to it."""
    importer = Importer(session)
    importer.inspections([snapshot.inspection])
    session.flush()
    importer.initiatives(list(snapshot.initiatives))
    importer.meetings(list(snapshot.meetings))
    session.flush()


def reverse_edit(old: InspectionFields, new: InspectionFields) -> InspectionFields:
    """``old`` as fields that undo an edit to ``new``: each area and finding named by what
    the edit made it (or as new, if the edit removed it)."""
    area_now = {a.was: a.name for a in new.areas if a.was is not None}
    number_now = {(f.kind, f.was): f.number for f in new.findings if f.was is not None}
    return dataclasses.replace(
        old,
        areas=tuple(dataclasses.replace(a, was=area_now.get(a.name)) for a in old.areas),
        findings=tuple(
            dataclasses.replace(f, was=number_now.get((f.kind, f.number))) for f in old.findings
        ),
    )


# ----------------------------------------------------------------------------- schemes


def check_scheme(session: Session, name: str, grades: tuple[str, ...]) -> Problems:
    problems = Problems()
    if not name.strip():
        problems.add("name", "Give the grading scheme a name.")
    elif session.scalar(
        select(GradingScheme.id).where(GradingScheme.name == name)
    ) or name.casefold() in {n.casefold() for n in scheme_grades(session)}:
        problems.add("name", f"There is already a grading scheme called {name}.")
    if len(grades) < 2:
        problems.add("grades", "A grading scheme needs at least two grades, best first.")
    seen: set[str] = set()
    for grade in grades:
        if grade.casefold() in seen:
            problems.add("grades", f"The grade {grade} is listed twice.")
        seen.add(grade.casefold())
    _check_fields(
        problems,
        "The scheme's",
        [
            ("name", name, rules.THEME, True),
            *(("grades", grade, rules.THEME, True) for grade in grades),
        ],
    )
    return problems


def create_scheme(session: Session, name: str, grades: tuple[str, ...]) -> None:
    """A grading scheme with its grades, best first."""
    check_scheme(session, name, grades).raise_first()
    session.add(
        GradingScheme(
            name=name, grades=[Grade(position=n, name=g) for n, g in enumerate(grades, 1)]
        )
    )
    session.flush()


def delete_scheme(session: Session, name: str) -> None:
    """Delete a grading scheme no inspection uses (to undo making it)."""
    scheme = session.scalar(select(GradingScheme).where(GradingScheme.name == name))
    if scheme is None:
        raise NotFoundError(f"There is no grading scheme called {name}.")
    if session.scalar(select(Inspection.id).where(Inspection.scheme_id == scheme.id).limit(1)):
        raise RuleError(f"An inspection is graded on {name}, so the scheme cannot be removed.")
    session.delete(scheme)
    session.flush()
