"""The ``casereview/1`` JSON format (documented in docs/json-format.md).

``parse_document`` validates everything and names the place of the first problem in plain
words ("review SCR-1, recommendation 7: target_date '2024-02-30' is not a real date").
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Iterable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import orjson

from db.core import fields
from db.core.collector import collector_paused
from db.core.dates import PartialDate, parse_iso_date, utc_now
from db.core.errors import DocumentError
from db.core.vocabulary import (
    DecisionKind,
    FindingKind,
    OrganisationKind,
    Rating,
    ReviewKind,
    Status,
    TrackedKind,
)
from db.exchange import checks
from db.exchange.document import (
    AgendaDoc,
    AreaDoc,
    DecisionDoc,
    Document,
    EvidenceDoc,
    InitiativeDoc,
    InspectionDoc,
    LinkDoc,
    MeetingDoc,
    NotedFindingDoc,
    OrganisationDoc,
    PersonDoc,
    RepeatDoc,
    ReviewDoc,
    SchemeDoc,
    TrackedDoc,
    UpdateDoc,
)
from db.store.atomic import not_a_file, special_file

if TYPE_CHECKING:
    from db.exchange.streaming import DocumentStream

FORMAT = "casereview/1"
# Large enough for years of a partnership's data with evidence files; small enough that a
# stray multi-gigabyte file is refused before it is read into memory.
MAX_FILE_BYTES = 512 * 1024 * 1024

E = TypeVar("E", bound=StrEnum)


class _Obj:
    """A JSON object being read, with where it sits in the file for messages."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise DocumentError(f"{where}: expected an object {{...}}, found {_kind(data)}")
        self.data: dict[str, Any] = data
        self.where = where
        self.used: set[str] = set()

    def error_at(self, key: str | None, problem: str) -> DocumentError:
        place = f"{self.where}, {key}" if key else self.where
        return DocumentError(f"{place}: {problem}")

    def _get(self, key: str) -> Any:
        self.used.add(key)
        return self.data.get(key)

    def text(self, key: str, *, required: bool = True, default: str = "") -> str:
        value = self._get(key)
        if value is None:
            if required:
                raise self.error_at(key, "is missing")
            return default
        if not isinstance(value, str):
            raise self.error_at(key, f"expected text, found {_kind(value)}")
        if required and not value:
            raise self.error_at(key, "is empty")
        return value  # kept as given: check_document refuses what the rules do not allow

    def optional_text(self, key: str) -> str | None:
        value = self.text(key, required=False)
        return value or None

    def nullable_text(self, key: str) -> str | None:
        """Text where null means "not yet entered" and must survive the round trip."""
        if self._get(key) is None:
            if key not in self.data:
                raise self.error_at(key, "is missing (use null when the text is not yet entered)")
            return None
        return self.text(key, required=False)

    def date(self, key: str) -> dt.date | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error_at(key, f"expected a date as text (YYYY-MM-DD), found {_kind(value)}")
        try:
            return parse_iso_date(value.strip())
        except ValueError as exc:
            raise self.error_at(key, str(exc)) from exc

    def required_date(self, key: str) -> dt.date:
        value = self.date(key)
        if value is None:
            raise self.error_at(key, "is missing")
        return value

    def partial_date(self, key: str) -> PartialDate | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error_at(key, f"expected a date as text, found {_kind(value)}")
        try:
            return PartialDate.parse(value.strip())
        except ValueError as exc:
            raise self.error_at(key, str(exc)) from exc

    def timestamp(self, key: str) -> dt.datetime | None:
        value = self._get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            raise self.error_at(key, f"expected a date and time as text, found {_kind(value)}")
        try:
            stamp = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise self.error_at(key, f"'{value}' is not a date and time (ISO 8601)") from exc
        if stamp.tzinfo is None:
            raise self.error_at(key, f"'{value}' has no time zone (add Z or +00:00)")
        return stamp.astimezone(dt.UTC)

    def choice(self, key: str, kind: type[E], default: E | None = None) -> E:
        value = self._get(key)
        if value is None:
            if default is None:
                raise self.error_at(key, "is missing")
            return default
        if not isinstance(value, str):
            raise self.error_at(key, f"expected text, found {_kind(value)}")
        try:
            return kind(value)
        except ValueError as exc:
            choices = ", ".join(m.value for m in kind)
            raise self.error_at(key, f"{_shown(value)} is not one of: {choices}") from exc

    def optional_choice(self, key: str, kind: type[E]) -> E | None:
        if self._get(key) is None:
            return None
        return self.choice(key, kind)

    def items(self, key: str) -> list[Any]:
        value = self._get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            raise self.error_at(key, f"expected a list [...], found {_kind(value)}")
        return value

    def texts(self, key: str) -> list[str]:
        result: list[str] = []
        for index, value in enumerate(self.items(key), start=1):
            if not isinstance(value, str) or not value:
                raise self.error_at(key, f"item {index} should be a name, found {_kind(value)}")
            if value in result:
                raise self.error_at(key, f"item {index} {_shown(value)} is listed twice")
            result.append(value)
        return result

    def done(self) -> None:
        """Refuse fields this format does not know: a typo must not be dropped silently."""
        unknown = sorted(set(self.data) - self.used)
        if unknown:
            names = ", ".join(f"'{name}'" for name in unknown)
            raise self.error_at(None, f"unknown field {names}")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value}"
    if isinstance(value, str):
        return f"the text '{value[:40]}'"
    if isinstance(value, list):
        return "a list"
    return "an object"


T = TypeVar("T")


def _unique(items: list[T], key: Callable[[T], Any], where: str, what: str) -> None:
    seen: set[Any] = set()
    for item in items:
        k = key(item)
        if k in seen:
            shown = k if isinstance(k, str) else " ".join(str(p) for p in k)
            raise DocumentError(f"{where}: {what} {_shown(shown)} appears twice")
        seen.add(k)


def _shown(value: str) -> str:
    """A value quoted in a message, unless it is too long or odd to quote."""
    return f"'{value}'" if fields.valid(value, fields.NAME, name=True) else "(not shown)"


def _label(data: Any, key: str, fallback: str) -> str:
    """A record named by its key, or by its place when the key is missing, long or odd."""
    value = data.get(key) if isinstance(data, dict) else None
    if isinstance(value, str) and value and fields.valid(value, fields.TITLE, name=True):
        return f"'{value}'"
    return fallback


def parse_document(data: Any, *, release: bool = False) -> Document:
    """Validate a decoded JSON value as a ``casereview/1`` document. With ``release`` (the
    caller's ``data`` is not wanted again), each review's decoded JSON is let go as soon as
    it is read, so the dictionaries and the dataclasses made from them are never all held at
    once (at 100,000 items the two together were most of a re-import's 700 MB)."""
    root = _Obj(data, "the file")
    fmt = root._get("format")
    if fmt != FORMAT:
        shown = f"'{fmt}'" if isinstance(fmt, str) else _kind(fmt)
        raise DocumentError(
            f"this is not a casereview export: its format is {shown}, expected '{FORMAT}'"
        )
    doc = Document(exported_at=root.timestamp("exported_at"))
    for n, item in enumerate(root.items("organisations"), start=1):
        doc.organisations.append(_organisation(_Obj(item, f"organisation {n}")))
    _unique(doc.organisations, lambda o: o.name, "organisations", "organisation")
    for n, item in enumerate(root.items("grading_schemes"), start=1):
        doc.grading_schemes.append(_scheme(_Obj(item, f"grading scheme {n}")))
    _unique(doc.grading_schemes, lambda s: s.name, "grading_schemes", "grading scheme")
    reviews = root.items("reviews")
    for n, item in enumerate(reviews, start=1):
        doc.reviews.append(_review(_Obj(item, f"review {_label(item, 'reference', str(n))}")))
        if release:
            reviews[n - 1] = None
    _unique(doc.reviews, lambda r: r.reference, "reviews", "review")
    schemes = {s.name: s for s in doc.grading_schemes}
    for n, item in enumerate(root.items("inspections"), start=1):
        where = f"inspection {_label(item, 'reference', str(n))}"
        doc.inspections.append(_inspection(_Obj(item, where), schemes))
    _unique(doc.inspections, lambda i: i.reference, "inspections", "inspection")
    for n, item in enumerate(root.items("initiatives"), start=1):
        where = f"initiative {_label(item, 'name', str(n))}"
        doc.initiatives.append(_initiative(_Obj(item, where)))
    _unique(doc.initiatives, lambda i: i.name, "initiatives", "initiative")
    for n, item in enumerate(root.items("meetings"), start=1):
        where = f"meeting {_label(item, 'held_on', str(n))}"
        doc.meetings.append(_meeting(_Obj(item, where)))
    _unique(doc.meetings, lambda m: (m.held_on.isoformat(), m.title), "meetings", "meeting")
    root.done()
    checks.check_document(doc)
    return doc


def _organisation(obj: _Obj) -> OrganisationDoc:
    org = OrganisationDoc(
        name=obj.text("name"),
        kind=obj.choice("kind", OrganisationKind, OrganisationKind.OTHER),
        parent=obj.optional_text("parent"),
        notes=obj.text("notes", required=False),
    )
    if org.parent == org.name:
        raise obj.error_at("parent", "an organisation cannot be part of itself")
    obj.done()
    return org


def _scheme(obj: _Obj) -> SchemeDoc:
    scheme = SchemeDoc(name=obj.text("name"), grades=obj.texts("grades"))
    if not scheme.grades:
        raise obj.error_at("grades", "a grading scheme needs at least one grade")
    obj.done()
    return scheme


def _review(obj: _Obj) -> ReviewDoc:
    review = ReviewDoc(
        reference=obj.text("reference"),
        kind=obj.choice("kind", ReviewKind),
        title=obj.text("title"),
        subject=obj.text("subject", required=False),
        anonymised_label=obj.text("anonymised_label", required=False),
        names_to_redact=obj.texts("names_to_redact"),
        commissioned_by=obj.optional_text("commissioned_by"),
        incident=obj.date("incident"),
        notified=obj.date("notified"),
        commissioned=obj.date("commissioned"),
        published=obj.partial_date("published"),
        summary=obj.text("summary", required=False),
        themes=obj.texts("themes"),
    )
    for n, item in enumerate(obj.items("recommendations"), start=1):
        where = f"{obj.where}, recommendation {_label(item, 'number', f'(item {n})')}"
        rec = _tracked(_Obj(item, where), in_inspection=False)
        review.recommendations.append(rec)
    _unique(review.recommendations, lambda r: r.number, obj.where, "recommendation")
    obj.done()
    return review


def _tracked(obj: _Obj, *, in_inspection: bool) -> TrackedDoc:
    rec = TrackedDoc(
        number=obj.text("number"),
        text=obj.nullable_text("text"),
        status=obj.choice("status", Status, Status.NOT_STARTED),
        status_reason=obj.text("status_reason", required=False),
        rating=obj.optional_choice("rating", Rating),
        lead_agencies=obj.texts("lead_agencies"),
        joint_agencies=obj.texts("joint_agencies"),
        actions=obj.text("actions", required=False),
        owner=obj.text("owner", required=False),
        target_date=obj.date("target_date"),
        closed_on=obj.date("closed_on"),
        assured_by=obj.optional_text("assured_by"),
        assured_on=obj.date("assured_on"),
        themes=obj.texts("themes"),
    )
    both = set(rec.lead_agencies) & set(rec.joint_agencies)
    if both:
        raise obj.error_at("joint_agencies", f"{_shown(sorted(both)[0])} is also a lead agency")
    if in_inspection:
        rec.kind = obj.choice("kind", TrackedKind)
        rec.area = obj.optional_text("area")
        rec.concern = obj.optional_text("concern")
    for n, item in enumerate(obj.items("updates"), start=1):
        rec.updates.append(_update(_Obj(item, f"{obj.where}, update {n}")))
    for n, item in enumerate(obj.items("evidence"), start=1):
        rec.evidence.append(_evidence(_Obj(item, f"{obj.where}, evidence {n}")))
    for n, item in enumerate(obj.items("repeats"), start=1):
        rec.repeats.append(_repeat(_Obj(item, f"{obj.where}, repeat {n}")))
    if rec.status is Status.CLOSED:
        if not rec.evidence:
            raise obj.error_at("status", "a closed item needs at least one evidence item")
        if not rec.assured_by:
            raise obj.error_at("assured_by", "a closed item needs the name of who gave assurance")
    if rec.status is Status.NOT_ACCEPTED and not rec.status_reason:
        raise obj.error_at("status_reason", "an item that is not accepted needs the reason")
    obj.done()
    return rec


def _repeat(obj: _Obj) -> RepeatDoc:
    """A confirmed repeat: the earlier item, named by exactly one of its review or its
    inspection (with the finding's kind)."""
    repeat = RepeatDoc(
        number=obj.text("number"),
        review=obj.optional_text("review"),
        inspection=obj.optional_text("inspection"),
        decided_by=obj.text("decided_by"),
        decided_at=obj.timestamp("decided_at"),
        dismissed=obj.text("verdict", required=False, default="repeats") == "dismissed",
    )
    if obj.text("verdict", required=False, default="repeats") not in ("repeats", "dismissed"):
        raise obj.error_at("verdict", "expected repeats or dismissed")
    if (repeat.review is None) == (repeat.inspection is None):
        raise obj.error_at("review", "name the earlier item's review or its inspection, not both")
    if repeat.inspection is not None:
        repeat.kind = obj.choice("kind", TrackedKind, TrackedKind.RECOMMENDATION)
    obj.done()
    return repeat


def _update(obj: _Obj) -> UpdateDoc:
    update = UpdateDoc(
        date=obj.required_date("date"),
        author=obj.text("author"),
        status=obj.optional_choice("status", Status),
        note=obj.text("note", required=False),
        withdrawn_at=obj.timestamp("withdrawn_at"),
        withdrawn_by=obj.optional_text("withdrawn_by"),
        withdrawn_reason=obj.optional_text("withdrawn_reason"),
    )
    if update.status is None and not update.note:
        raise obj.error_at(None, "an update needs a note or a status")
    withdrawal = (update.withdrawn_at, update.withdrawn_by, update.withdrawn_reason)
    if any(part is not None for part in withdrawal) and None in withdrawal:
        raise obj.error_at(
            None, "a withdrawn update needs withdrawn_at, withdrawn_by and withdrawn_reason"
        )
    obj.done()
    return update


def _evidence(obj: _Obj) -> EvidenceDoc:
    content: bytes | None = None
    raw = obj._get("content")
    if raw is not None:
        if not isinstance(raw, str):
            raise obj.error_at("content", f"expected base64 text, found {_kind(raw)}")
        try:
            content = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError) as exc:
            raise obj.error_at("content", "is not valid base64") from exc
    item = EvidenceDoc(
        description=obj.text("description"),
        added_by=obj.text("added_by"),
        reference=obj.optional_text("reference"),
        file_name=obj.optional_text("file_name"),
        media_type=obj.optional_text("media_type"),
        content=content,
        added_at=obj.timestamp("added_at"),
    )
    if item.reference is None and item.content is None:
        raise obj.error_at(None, "evidence needs a reference or a file's content")
    obj.done()
    return item


def _inspection(obj: _Obj, schemes: dict[str, SchemeDoc]) -> InspectionDoc:
    inspection = InspectionDoc(
        reference=obj.text("reference"),
        inspectorate=obj.text("inspectorate"),
        programme=obj.text("programme"),
        title=obj.text("title"),
        organisation=obj.text("organisation"),
        scheme=obj.text("scheme"),
        fieldwork_start=obj.date("fieldwork_start"),
        fieldwork_end=obj.date("fieldwork_end"),
        published=obj.date("published"),
        summary=obj.text("summary", required=False),
    )
    if (
        inspection.fieldwork_start
        and inspection.fieldwork_end
        and inspection.fieldwork_end < inspection.fieldwork_start
    ):
        raise obj.error_at("fieldwork_end", "is before fieldwork_start")
    scheme = schemes.get(inspection.scheme)
    for n, item in enumerate(obj.items("areas"), start=1):
        area_obj = _Obj(item, f"{obj.where}, area {_label(item, 'name', str(n))}")
        area = AreaDoc(
            name=area_obj.text("name"),
            grade=area_obj.optional_text("grade"),
            narrative=area_obj.text("narrative", required=False),
        )
        if scheme is not None and area.grade is not None and area.grade not in scheme.grades:
            raise area_obj.error_at(
                "grade",
                f"{_shown(area.grade)} is not a grade of {scheme.name} "
                f"({', '.join(scheme.grades)})",
            )
        area_obj.done()
        inspection.areas.append(area)
    _unique(inspection.areas, lambda a: a.name, obj.where, "area")
    area_names = {a.name for a in inspection.areas}
    for n, item in enumerate(obj.items("findings"), start=1):
        where = f"{obj.where}, finding {_label(item, 'number', str(n))}"
        finding = _finding(_Obj(item, where))
        if finding.area is not None and finding.area not in area_names:
            raise DocumentError(
                f"{where}, area: {_shown(finding.area)} is not an area of the inspection"
            )
        inspection.findings.append(finding)
    _unique(inspection.findings, lambda f: (f.kind.value, f.number), obj.where, "finding")
    concerns = {
        f.number
        for f in inspection.findings
        if isinstance(f, NotedFindingDoc) and f.kind is FindingKind.CAUSE_OF_CONCERN
    }
    for finding in inspection.findings:
        if isinstance(finding, TrackedDoc) and finding.concern and finding.concern not in concerns:
            raise DocumentError(
                f"{obj.where}, finding {_shown(finding.number)}, concern: there is no cause "
                f"of concern numbered {_shown(finding.concern)}"
            )
    obj.done()
    return inspection


def _finding(obj: _Obj) -> TrackedDoc | NotedFindingDoc:
    kind = obj.data.get("kind")
    if kind is not None and not isinstance(kind, str):  # found by Hypothesis: a list crashed
        raise obj.error_at("kind", f"expected text, found {_kind(kind)}")
    if kind in {k.value for k in FindingKind}:
        finding = NotedFindingDoc(
            kind=obj.choice("kind", FindingKind),
            number=obj.text("number"),
            text=obj.text("text"),
            area=obj.optional_text("area"),
        )
        obj.done()
        return finding
    if kind is not None and kind not in {k.value for k in TrackedKind}:
        choices = ", ".join(k.value for k in (*TrackedKind, *FindingKind))
        raise obj.error_at("kind", f"'{kind}' is not one of: {choices}")
    return _tracked(obj, in_inspection=True)


def _initiative(obj: _Obj) -> InitiativeDoc:
    initiative = InitiativeDoc(
        name=obj.text("name"),
        organisation=obj.optional_text("organisation"),
        started=obj.partial_date("started"),
        description=obj.text("description", required=False),
    )
    for n, item in enumerate(obj.items("links"), start=1):
        link_obj = _Obj(item, f"{obj.where}, link {n}")
        link = LinkDoc(
            review=link_obj.optional_text("review"),
            recommendation=link_obj.optional_text("recommendation"),
            inspection=link_obj.optional_text("inspection"),
            finding=link_obj.optional_text("finding"),
            area=link_obj.optional_text("area"),
        )
        kind = link_obj.optional_text("kind")
        if kind is not None:
            try:
                link.kind = TrackedKind(kind)
            except ValueError:
                try:
                    link.kind = FindingKind(kind)
                except ValueError as exc:
                    raise link_obj.error_at(
                        "kind", f"{_shown(kind)} is not a kind of finding"
                    ) from exc
        if link.review:
            if not link.recommendation or link.inspection or link.finding or link.area:
                raise link_obj.error_at(None, "a link to a review names one recommendation")
        elif link.inspection:
            if bool(link.finding) == bool(link.area) or link.recommendation:
                raise link_obj.error_at(
                    None, "a link to an inspection names one finding or one area"
                )
            if link.finding and link.kind is None:
                raise link_obj.error_at("kind", "a link to a finding needs the finding's kind")
        else:
            raise link_obj.error_at(None, "a link names a review or an inspection")
        link_obj.done()
        initiative.links.append(link)
    obj.done()
    return initiative


def _meeting(obj: _Obj) -> MeetingDoc:
    meeting = MeetingDoc(
        held_on=obj.required_date("held_on"),
        title=obj.text("title"),
        chair=obj.text("chair", required=False),
        notes=obj.text("notes", required=False),
    )
    for key, people in (("attendees", meeting.attendees), ("apologies", meeting.apologies)):
        for n, item in enumerate(obj.items(key), start=1):
            person_obj = _Obj(item, f"{obj.where}, {key} {n}")
            people.append(
                PersonDoc(person_obj.text("name"), person_obj.text("agency", required=False))
            )
            person_obj.done()
    agenda = obj.items("agenda")
    if len(agenda) > fields.AGENDA_ENTRIES:  # as db.services.meetings.set_agenda refuses
        raise obj.error_at(
            "agenda",
            f"the meeting '{meeting.title}' has {len(agenda):,} entries on its agenda, and an "
            f"agenda holds at most {fields.AGENDA_ENTRIES}",
        )
    for n, item in enumerate(agenda, start=1):
        entry_obj = _Obj(item, f"{obj.where}, agenda {n}")
        review, inspection, number, kind = _subject(entry_obj)
        meeting.agenda.append(
            AgendaDoc(review, inspection, number, kind, entry_obj.text("reason", required=False))
        )
        entry_obj.done()
    for n, item in enumerate(obj.items("decisions"), start=1):
        decision_obj = _Obj(item, f"{obj.where}, decision {n}")
        review, inspection, number, kind = _subject(decision_obj)
        decided = decision_obj.choice("decision", DecisionKind)
        if number is None and not decided.for_whole_source:
            raise decision_obj.error_at(
                "decision",
                "a whole review or inspection is noted, has evidence requested or is "
                "escalated: sign off or extend each of its items",
            )
        decided_on = decision_obj.required_date("decided_on")
        if decided_on != meeting.held_on:  # one date rule (db.services.meetings)
            raise decision_obj.error_at(
                "decided_on",
                f"{decided_on.isoformat()} is not the meeting's day, "
                f"{meeting.held_on.isoformat()}, and a decision is dated its meeting's day",
            )
        meeting.decisions.append(
            DecisionDoc(
                decision=decided,
                decided_on=decided_on,
                decided_by=decision_obj.text("decided_by"),
                review=review,
                inspection=inspection,
                number=number or "",
                kind=kind,
                note=decision_obj.text("note", required=False),
                until=decision_obj.date("until"),
                whom=decision_obj.text("whom", required=False),
                recorded_at=decision_obj.timestamp("recorded_at"),
            )
        )
        decision_obj.done()
    obj.done()
    return meeting


def _subject(obj: _Obj) -> tuple[str | None, str | None, str | None, TrackedKind | None]:
    """What an agenda entry or a decision is about: a review or an inspection as a whole, or
    one of its tracked items by number, an inspection's with its kind."""
    review, inspection = obj.optional_text("review"), obj.optional_text("inspection")
    number = obj.optional_text("number")
    kind = obj.optional_choice("kind", TrackedKind)
    if bool(review) == bool(inspection):
        raise obj.error_at(None, "names a review or an inspection (one of them)")
    if review and kind is not None:
        raise obj.error_at("kind", "a review's items are all recommendations: leave it out")
    if inspection and number is not None and kind is None:
        raise obj.error_at("kind", "an inspection's item needs its kind")
    if number is None and kind is not None:
        raise obj.error_at("kind", "is given without a number")
    return review, inspection, number, kind


@collector_paused()
def read_document_file(path: Path) -> Document:
    """Read and validate a JSON file; every failure is a DocumentError with a plain message."""
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise DocumentError(f"There is no file at {path}.") from exc
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    if path.is_dir():
        raise DocumentError(f"{path} is a folder, not a file.")
    if special_file(path):  # (a named pipe: a trial's import waited for ever)
        raise DocumentError(not_a_file(path))
    if size > MAX_FILE_BYTES:
        raise DocumentError(f"{path} is too large to import ({size:,} bytes).")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"Cannot read {path}: {exc.strerror or exc}.") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentError(
            f"{path} is not a casereview JSON file (it is not UTF-8 text)."
        ) from exc
    del raw  # the file's bytes, the text and what is decoded from it are never all held at once
    if not text.strip():
        raise DocumentError(f"{path} is empty.")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(
            f"{path} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    except RecursionError as exc:
        raise DocumentError(f"{path} is nested too deeply to be a casereview file.") from exc
    except ValueError as exc:  # a number of thousands of digits (Python's limit: a trial's)
        raise DocumentError(
            f"{path} is not a casereview JSON file (it holds a number too long to read)."
        ) from exc
    del text
    try:
        return parse_document(data, release=True)
    except DocumentError as exc:
        raise DocumentError(f"{path}: {exc.message}") from exc


# ----------------------------------------------------------------------------- writing


def _iso(value: dt.date | PartialDate | None) -> str | None:
    return None if value is None else value.isoformat()


def _tracked_json(rec: TrackedDoc, in_inspection: bool) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if in_inspection:
        data["kind"] = rec.kind.value
    data |= {
        "number": rec.number,
        "text": rec.text,
        "status": rec.status.value,
        "status_reason": rec.status_reason,
        "rating": rec.rating.value if rec.rating else None,
        "lead_agencies": rec.lead_agencies,
        "joint_agencies": rec.joint_agencies,
        "actions": rec.actions,
        "owner": rec.owner,
        "target_date": _iso(rec.target_date),
        "closed_on": _iso(rec.closed_on),
        "assured_by": rec.assured_by,
        "assured_on": _iso(rec.assured_on),
        "themes": rec.themes,
        "updates": [_update_json(u) for u in rec.updates],
        "evidence": [
            {
                "description": e.description,
                "reference": e.reference,
                "file_name": e.file_name,
                "media_type": e.media_type,
                "content": base64.b64encode(e.content).decode("ascii")
                if e.content is not None
                else None,
                "added_by": e.added_by,
                "added_at": e.added_at.isoformat() if e.added_at else None,
            }
            for e in rec.evidence
        ],
    }
    if in_inspection:
        data["area"] = rec.area
        data["concern"] = rec.concern
    if rec.repeats:  # only when there are some: a file without opens in an older casereview
        data["repeats"] = [_repeat_json(r) for r in rec.repeats]
    return data


def _repeat_json(repeat: RepeatDoc) -> dict[str, Any]:
    data: dict[str, Any] = (
        {"review": repeat.review}
        if repeat.review is not None
        else {"inspection": repeat.inspection, "kind": repeat.kind.value}
    )
    data |= {
        "number": repeat.number,
        "decided_by": repeat.decided_by,
        "decided_at": repeat.decided_at.isoformat() if repeat.decided_at else None,
    }
    if repeat.dismissed:  # only then: a file of confirmed repeats reads as before
        data["verdict"] = "dismissed"
    return data


def _update_json(update: UpdateDoc) -> dict[str, Any]:
    """An update; the withdrawal fields only on a withdrawn one, so that a file with none
    still opens in a casereview from before withdrawals (which refuses fields it does not
    know rather than drop them)."""
    data: dict[str, Any] = {
        "date": update.date.isoformat(),
        "author": update.author,
        "status": update.status.value if update.status else None,
        "note": update.note,
    }
    if update.withdrawn_at is not None:
        data["withdrawn_at"] = update.withdrawn_at.isoformat()
        data["withdrawn_by"] = update.withdrawn_by
        data["withdrawn_reason"] = update.withdrawn_reason
    return data


def document_to_json(doc: Document) -> dict[str, Any]:
    exported_at = doc.exported_at or utc_now()
    data = _document_json(doc, exported_at)
    if doc.meetings:
        # Only when there are any: a file without them still opens in a casereview from
        # before meetings, which refuses fields it does not know rather than drop them.
        data["meetings"] = [_meeting_json(m) for m in doc.meetings]
    return data


def _meeting_json(meeting: MeetingDoc) -> dict[str, Any]:
    return {
        "held_on": meeting.held_on.isoformat(),
        "title": meeting.title,
        "chair": meeting.chair,
        "notes": meeting.notes,
        "attendees": [{"name": p.name, "agency": p.agency} for p in meeting.attendees],
        "apologies": [{"name": p.name, "agency": p.agency} for p in meeting.apologies],
        "agenda": [
            _subject_json(a.review, a.inspection, a.number, a.kind) | {"reason": a.reason}
            for a in meeting.agenda
        ],
        "decisions": [
            # (no number for a decision about a whole review or inspection)
            _subject_json(d.review, d.inspection, d.number or None, d.kind)
            | {
                "decision": d.decision.value,
                "note": d.note,
                "until": _iso(d.until),
                "whom": d.whom,
                "decided_on": d.decided_on.isoformat(),
                "decided_by": d.decided_by,
                "recorded_at": d.recorded_at.isoformat() if d.recorded_at else None,
            }
            for d in meeting.decisions
        ],
    }


def _subject_json(
    review: str | None, inspection: str | None, number: str | None, kind: TrackedKind | None
) -> dict[str, str]:
    data = {
        "review": review,
        "inspection": inspection,
        "number": number,
        "kind": kind.value if kind else None,
    }
    return {key: value for key, value in data.items() if value is not None}


def _document_json(doc: Document, exported_at: dt.datetime) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "exported_at": exported_at.isoformat(timespec="seconds"),
        "organisations": [_organisation_json(o) for o in doc.organisations],
        "grading_schemes": [_scheme_json(s) for s in doc.grading_schemes],
        "reviews": [_review_json(r) for r in doc.reviews],
        "inspections": [_inspection_json(i) for i in doc.inspections],
        "initiatives": [_initiative_json(n) for n in doc.initiatives],
    }


def _organisation_json(o: OrganisationDoc) -> dict[str, Any]:
    return {"name": o.name, "kind": o.kind.value, "parent": o.parent, "notes": o.notes}


def _scheme_json(s: SchemeDoc) -> dict[str, Any]:
    return {"name": s.name, "grades": s.grades}


def _review_json(r: ReviewDoc) -> dict[str, Any]:
    return _review_head(r) | {
        "recommendations": [_tracked_json(rec, False) for rec in r.recommendations]
    }


def _review_head(r: ReviewDoc) -> dict[str, Any]:
    """A review's fields before its recommendations."""
    return {
        "reference": r.reference,
        "kind": r.kind.value,
        "title": r.title,
        "subject": r.subject,
        "anonymised_label": r.anonymised_label,
        "names_to_redact": r.names_to_redact,
        "commissioned_by": r.commissioned_by,
        "incident": _iso(r.incident),
        "notified": _iso(r.notified),
        "commissioned": _iso(r.commissioned),
        "published": _iso(r.published),
        "summary": r.summary,
        "themes": r.themes,
    }


def _inspection_json(i: InspectionDoc) -> dict[str, Any]:
    return {
        "reference": i.reference,
        "inspectorate": i.inspectorate,
        "programme": i.programme,
        "title": i.title,
        "organisation": i.organisation,
        "fieldwork_start": _iso(i.fieldwork_start),
        "fieldwork_end": _iso(i.fieldwork_end),
        "published": _iso(i.published),
        "scheme": i.scheme,
        "summary": i.summary,
        "areas": [{"name": a.name, "grade": a.grade, "narrative": a.narrative} for a in i.areas],
        "findings": [
            {"kind": f.kind.value, "number": f.number, "text": f.text, "area": f.area}
            if isinstance(f, NotedFindingDoc)
            else _tracked_json(f, True)
            for f in i.findings
        ],
    }


def _initiative_json(n: InitiativeDoc) -> dict[str, Any]:
    return {
        "name": n.name,
        "organisation": n.organisation,
        "started": _iso(n.started),
        "description": n.description,
        "links": [_link_json(link) for link in n.links],
    }


def _link_json(link: LinkDoc) -> dict[str, str]:
    data = {
        "review": link.review,
        "recommendation": link.recommendation,
        "inspection": link.inspection,
        "finding": link.finding,
        "kind": link.kind.value if link.kind else None,
        "area": link.area,
    }
    return {key: value for key, value in data.items() if value is not None}


def dump_document(doc: Document) -> str:
    """``doc`` as the file's text: ``json.dumps(document_to_json(doc), ensure_ascii=False,
    indent=2)`` and a newline, byte for byte, written in native code (orjson) rather than by
    ``json``'s indenting walk, which runs in Python."""
    return (orjson.dumps(document_to_json(doc), option=orjson.OPT_INDENT_2) + b"\n").decode()


def write_document(stream: DocumentStream, out: BinaryIO) -> None:
    """Write ``stream`` to ``out`` as ``dump_document`` writes the same document, byte for
    byte, a record at a time: at 100,000 items the whole file as one dictionary and one
    string took 1.2 GB."""
    exported_at = stream.exported_at or utc_now()
    out.write(
        b"{\n"
        + b'  "format": ' + orjson.dumps(FORMAT) + b",\n"
        + b'  "exported_at": ' + orjson.dumps(exported_at.isoformat(timespec="seconds"))
    )  # fmt: skip
    parts: list[tuple[str, Iterable[Any], Callable[[Any], dict[str, Any]]]] = [
        ("organisations", stream.organisations, _organisation_json),
        ("grading_schemes", stream.grading_schemes, _scheme_json),
        ("reviews", stream.reviews, _review_json),
        ("inspections", stream.inspections, _inspection_json),
        ("initiatives", stream.initiatives, _initiative_json),
    ]
    if stream.has_meetings:
        parts.append(("meetings", stream.meetings, _meeting_json))
    for key, records, as_json in parts:
        out.write(b",\n  " + orjson.dumps(key) + b": ")
        opening = b"["
        for record in records:
            out.write(opening + _LISTED + _listed(as_json(record)))
            opening = b","
        out.write(b"[]" if opening == b"[" else b"\n  ]")
    out.write(b"\n}\n")


_LISTED = b"\n    "  # a new line at the indent of an item of one of the file's top-level lists


def _listed(record: dict[str, Any]) -> bytes:
    """``record`` as ``json.dumps(..., indent=2)`` writes it as an item of a top-level list:
    orjson's text at the left margin, moved in. JSON text holds no line breaks of its own (a
    string's are written ``\\n``), so each break in it starts a line of its layout."""
    return orjson.dumps(record, option=orjson.OPT_INDENT_2).replace(b"\n", _LISTED)
