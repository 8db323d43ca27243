"""A data set as plain dataclasses: what import parses into and export collects from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from db.core.dates import PartialDate
from db.core.vocabulary import (
    DecisionKind,
    FindingKind,
    OrganisationKind,
    Rating,
    ReviewKind,
    Status,
    TrackedKind,
)


@dataclass
class OrganisationDoc:
    name: str
    kind: OrganisationKind = OrganisationKind.OTHER
    parent: str | None = None
    notes: str = ""


@dataclass
class SchemeDoc:
    name: str
    grades: list[str]


@dataclass(slots=True)
class UpdateDoc:
    date: dt.date
    author: str
    status: Status | None = None
    note: str = ""
    # An update entered in error is withdrawn, never erased: all three set, or none.
    withdrawn_at: dt.datetime | None = None
    withdrawn_by: str | None = None
    withdrawn_reason: str | None = None


@dataclass(slots=True)
class EvidenceDoc:
    description: str
    added_by: str
    reference: str | None = None
    file_name: str | None = None
    media_type: str | None = None
    content: bytes | None = None
    added_at: dt.datetime | None = None


@dataclass
class RepeatDoc:
    """A confirmed repeat (issue 25): the earlier item whose learning this one repeats, named
    by its review or inspection, kind and number; who confirmed it and when."""

    number: str
    review: str | None = None
    inspection: str | None = None
    kind: TrackedKind = TrackedKind.RECOMMENDATION
    decided_by: str = ""
    decided_at: dt.datetime | None = None
    dismissed: bool = False  # a suggestion a person said was not the same learning


@dataclass(slots=True)
class TrackedDoc:
    """A review's recommendation, or an inspection's recommendation or area for improvement."""

    number: str
    text: str | None
    kind: TrackedKind = TrackedKind.RECOMMENDATION
    status: Status = Status.NOT_STARTED
    status_reason: str = ""
    rating: Rating | None = None  # derived; present in exports, ignored on import
    lead_agencies: list[str] = field(default_factory=list)
    joint_agencies: list[str] = field(default_factory=list)
    actions: str = ""
    owner: str = ""
    target_date: dt.date | None = None
    closed_on: dt.date | None = None
    assured_by: str | None = None
    assured_on: dt.date | None = None
    themes: list[str] = field(default_factory=list)
    updates: list[UpdateDoc] = field(default_factory=list)
    evidence: list[EvidenceDoc] = field(default_factory=list)
    area: str | None = None  # inspections only: the graded area it belongs to
    concern: str | None = None  # inspections only: the cause of concern it answers
    # Verdicts on suggested repeats of earlier learning: confirmed, or dismissed.
    repeats: list[RepeatDoc] = field(default_factory=list)


@dataclass
class NotedFindingDoc:
    """A cause of concern or promising practice: recorded, not tracked."""

    kind: FindingKind
    number: str
    text: str
    area: str | None = None


@dataclass
class ReviewDoc:
    reference: str
    kind: ReviewKind
    title: str
    subject: str = ""
    anonymised_label: str = ""
    names_to_redact: list[str] = field(default_factory=list)
    commissioned_by: str | None = None
    incident: dt.date | None = None
    notified: dt.date | None = None
    commissioned: dt.date | None = None
    published: PartialDate | None = None
    summary: str = ""
    themes: list[str] = field(default_factory=list)
    recommendations: list[TrackedDoc] = field(default_factory=list)


@dataclass
class AreaDoc:
    name: str
    grade: str | None = None
    narrative: str = ""


@dataclass
class InspectionDoc:
    reference: str
    inspectorate: str
    programme: str
    title: str
    organisation: str
    scheme: str
    fieldwork_start: dt.date | None = None
    fieldwork_end: dt.date | None = None
    published: dt.date | None = None
    summary: str = ""
    areas: list[AreaDoc] = field(default_factory=list)
    findings: list[TrackedDoc | NotedFindingDoc] = field(default_factory=list)


@dataclass
class LinkDoc:
    """What an initiative answers: a review's recommendation, or an inspection's finding or area.

    ``kind`` names the finding's kind, since an inspection may number a recommendation and an
    area for improvement alike.
    """

    review: str | None = None
    recommendation: str | None = None
    inspection: str | None = None
    finding: str | None = None
    kind: TrackedKind | FindingKind | None = None
    area: str | None = None


@dataclass
class InitiativeDoc:
    name: str
    organisation: str | None = None
    started: PartialDate | None = None
    description: str = ""
    links: list[LinkDoc] = field(default_factory=list)


@dataclass
class PersonDoc:
    """Someone at a meeting, or who sent apologies, with their agency."""

    name: str
    agency: str = ""


@dataclass
class AgendaDoc:
    """One agenda entry: a review or an inspection alone, or one of its tracked items
    (``number``, with ``kind`` for an inspection's), and why it is on the agenda."""

    review: str | None = None
    inspection: str | None = None
    number: str | None = None
    kind: TrackedKind | None = None
    reason: str = ""


@dataclass
class DecisionDoc:
    """A meeting's decision about a tracked item, named as an agenda entry names it."""

    decision: DecisionKind
    decided_on: dt.date
    decided_by: str
    review: str | None = None
    inspection: str | None = None
    number: str = ""
    kind: TrackedKind | None = None
    note: str = ""
    until: dt.date | None = None
    whom: str = ""
    recorded_at: dt.datetime | None = None


@dataclass
class MeetingDoc:
    """A panel meeting, named by its date and title."""

    held_on: dt.date
    title: str
    chair: str = ""
    notes: str = ""
    attendees: list[PersonDoc] = field(default_factory=list)
    apologies: list[PersonDoc] = field(default_factory=list)
    agenda: list[AgendaDoc] = field(default_factory=list)
    decisions: list[DecisionDoc] = field(default_factory=list)


@dataclass
class Document:
    organisations: list[OrganisationDoc] = field(default_factory=list)
    grading_schemes: list[SchemeDoc] = field(default_factory=list)
    reviews: list[ReviewDoc] = field(default_factory=list)
    inspections: list[InspectionDoc] = field(default_factory=list)
    initiatives: list[InitiativeDoc] = field(default_factory=list)
    meetings: list[MeetingDoc] = field(default_factory=list)
    exported_at: dt.datetime | None = None
