"""A document checked against the field rules before anything is written: every text value
of every record, by the rules of ``db.core.fields``, each refusal naming the record and the field,
never quoting the value."""

from __future__ import annotations

from collections.abc import Iterator

from db.core.errors import DocumentError
from db.core.fields import (
    AREA,
    FILE_NAME,
    LABEL,
    MEDIA_TYPE,
    NAME,
    NUMBER,
    REFERENCE,
    TEXT,
    THEME,
    TITLE,
    problem,
    reference_problem,
    valid,
)
from db.exchange.document import Document, NotedFindingDoc, TrackedDoc


def _key(kind: str, value: str, limit: int, position: int) -> str:
    """How a message names a record: by its key when that is sound, else by its place, so a
    message never quotes a long or broken value."""
    if value and valid(value, limit, name=True):
        return f"{kind} '{value}'"
    return f"{kind} {position}"


# (place, field, value, limit, is a name); the place names the record the field belongs to.
_Check = tuple[str, str, str | None, int, bool]


def _tracked(where: str, rec: TrackedDoc) -> Iterator[_Check]:
    yield where, "number", rec.number, NUMBER, True
    yield where, "text", rec.text, TEXT, False
    yield where, "status_reason", rec.status_reason, TEXT, False
    yield where, "actions", rec.actions, TEXT, False
    yield where, "owner", rec.owner, NAME, False
    yield where, "assured_by", rec.assured_by, NAME, False
    yield where, "area", rec.area, AREA, True
    yield where, "concern", rec.concern, NUMBER, True
    for key, names in (
        ("lead_agencies", rec.lead_agencies),
        ("joint_agencies", rec.joint_agencies),
    ):
        for agency in names:
            yield where, key, agency, NAME, True
    for theme in rec.themes:
        yield where, "themes", theme, THEME, True
    for n, update in enumerate(rec.updates, start=1):
        yield f"{where}, update {n}", "author", update.author, NAME, False
        yield f"{where}, update {n}", "note", update.note, TEXT, False
        yield f"{where}, update {n}", "withdrawn_by", update.withdrawn_by, NAME, False
        yield f"{where}, update {n}", "withdrawn_reason", update.withdrawn_reason, TEXT, False
    for n, item in enumerate(rec.evidence, start=1):
        place = f"{where}, evidence {n}"
        yield place, "description", item.description, TEXT, False
        yield place, "reference", item.reference, TEXT, False
        yield place, "file_name", item.file_name, FILE_NAME, False
        yield place, "media_type", item.media_type, MEDIA_TYPE, False
        yield place, "added_by", item.added_by, NAME, False
    for n, repeat in enumerate(rec.repeats, start=1):
        place = f"{where}, repeat {n}"
        yield place, "number", repeat.number, NUMBER, True
        yield place, "decided_by", repeat.decided_by, NAME, False


def _checks(doc: Document) -> Iterator[_Check]:
    for n, org in enumerate(doc.organisations, start=1):
        where = _key("organisation", org.name, NAME, n)
        yield where, "name", org.name, NAME, True
        yield where, "parent", org.parent, NAME, True
        yield where, "notes", org.notes, TEXT, False
    for n, scheme in enumerate(doc.grading_schemes, start=1):
        where = _key("grading scheme", scheme.name, THEME, n)
        yield where, "name", scheme.name, THEME, True
        for grade in scheme.grades:
            yield where, "grades", grade, THEME, True
    for n, review in enumerate(doc.reviews, start=1):
        where = _key("review", review.reference, REFERENCE, n)
        yield where, "reference", review.reference, REFERENCE, True
        yield where, "title", review.title, TITLE, False
        yield where, "subject", review.subject, NAME, False
        yield where, "anonymised_label", review.anonymised_label, LABEL, False
        for person in review.names_to_redact:
            yield where, "names_to_redact", person, NAME, True
        yield where, "commissioned_by", review.commissioned_by, NAME, True
        yield where, "summary", review.summary, TEXT, False
        for theme in review.themes:
            yield where, "themes", theme, THEME, True
        for m, rec in enumerate(review.recommendations, start=1):
            yield from _tracked(f"{where}, {_key('recommendation', rec.number, NUMBER, m)}", rec)
    for n, inspection in enumerate(doc.inspections, start=1):
        where = _key("inspection", inspection.reference, REFERENCE, n)
        yield where, "reference", inspection.reference, REFERENCE, True
        yield where, "inspectorate", inspection.inspectorate, NAME, True
        yield where, "programme", inspection.programme, NAME, False
        yield where, "title", inspection.title, TITLE, False
        yield where, "organisation", inspection.organisation, NAME, True
        yield where, "scheme", inspection.scheme, THEME, True
        yield where, "summary", inspection.summary, TEXT, False
        for m, area in enumerate(inspection.areas, start=1):
            place = f"{where}, {_key('area', area.name, AREA, m)}"
            yield place, "name", area.name, AREA, True
            yield place, "grade", area.grade, THEME, True
            yield place, "narrative", area.narrative, TEXT, False
        for m, finding in enumerate(inspection.findings, start=1):
            place = f"{where}, {_key('finding', finding.number, NUMBER, m)}"
            if isinstance(finding, NotedFindingDoc):
                yield place, "number", finding.number, NUMBER, True
                yield place, "text", finding.text, TEXT, False
                yield place, "area", finding.area, AREA, True
            else:
                yield from _tracked(place, finding)
    yield from _meetings(doc)
    for n, initiative in enumerate(doc.initiatives, start=1):
        where = _key("initiative", initiative.name, NAME, n)
        yield where, "name", initiative.name, NAME, True
        yield where, "organisation", initiative.organisation, NAME, True
        yield where, "description", initiative.description, TEXT, False
        for m, link in enumerate(initiative.links, start=1):
            place = f"{where}, link {m}"
            yield place, "review", link.review, REFERENCE, True
            yield place, "recommendation", link.recommendation, NUMBER, True
            yield place, "inspection", link.inspection, REFERENCE, True
            yield place, "finding", link.finding, NUMBER, True
            yield place, "area", link.area, AREA, True


def _meetings(doc: Document) -> Iterator[_Check]:
    for n, meeting in enumerate(doc.meetings, start=1):
        where = _key(f"meeting of {meeting.held_on.isoformat()}", meeting.title, NAME, n)
        yield where, "title", meeting.title, NAME, False
        yield where, "chair", meeting.chair, NAME, True
        yield where, "notes", meeting.notes, TEXT, False
        for key, people in (("attendees", meeting.attendees), ("apologies", meeting.apologies)):
            for m, person in enumerate(people, start=1):
                yield f"{where}, {key} {m}", "name", person.name, NAME, True
                yield f"{where}, {key} {m}", "agency", person.agency, NAME, True
        for m, entry in enumerate(meeting.agenda, start=1):
            place = f"{where}, agenda {m}"
            yield place, "review", entry.review, REFERENCE, True
            yield place, "inspection", entry.inspection, REFERENCE, True
            yield place, "number", entry.number, NUMBER, True
            yield place, "reason", entry.reason, TEXT, False
        for m, decision in enumerate(meeting.decisions, start=1):
            place = f"{where}, decision {m}"
            yield place, "review", decision.review, REFERENCE, True
            yield place, "inspection", decision.inspection, REFERENCE, True
            yield place, "number", decision.number, NUMBER, True
            yield place, "note", decision.note, TEXT, False
            yield place, "whom", decision.whom, NAME, False
            yield place, "decided_by", decision.decided_by, NAME, False


def check_document(doc: Document) -> None:
    """Refuse, with ``DocumentError`` naming the record and field, the first value in ``doc``
    that breaks a rule; the message never quotes the value."""
    for where, key, value, limit, name in _checks(doc):
        if value is None:
            continue
        reason = problem(value, limit, name=name)
        if reason is not None:
            raise DocumentError(f"{where}, {key}: {reason}")
    for n, meeting in enumerate(doc.meetings, start=1):  # spaced as the window asks
        reason = problem(meeting.title, NAME, spaced=True) if meeting.title else None
        if reason is not None:
            where = _key(f"meeting of {meeting.held_on.isoformat()}", meeting.title, NAME, n)
            raise DocumentError(f"{where}, title: {reason}")
    for where, key, value in _references(doc):
        reason = reference_problem(value) if value is not None else None
        if reason is not None:
            raise DocumentError(f"{where}, {key}: {reason}")


def _references(doc: Document) -> Iterator[tuple[str, str, str | None]]:
    """The references in ``doc``, held to the reference's own characters as well; each is
    named by its place, since it is checked because it may be wrong."""
    for n, review in enumerate(doc.reviews, start=1):
        yield f"review {n}", "reference", review.reference
    for n, inspection in enumerate(doc.inspections, start=1):
        yield f"inspection {n}", "reference", inspection.reference
