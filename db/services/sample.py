"""The sample data: the seed facts, faithfully, and one clearly fictional review.

The seed facts (``resources/sample/seed-facts.json``) hold only what the two public
statements say. The fictional part (``resources/sample/fictional.json``) - a made-up
partnership, its agencies and "Child A" - exercises every feature. Its dates are written as
of the day the file says it was exported; loading moves every one of them by the days from
that day to ``today``, so that the sample always shows overdue, at-risk, on-track and closed
items.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

import resources
from db.core.dates import PartialDate
from db.core.vocabulary import DecisionKind, Status
from db.exchange.document import Document, MeetingDoc, UpdateDoc
from db.exchange.json_format import parse_document
from db.services.meetings import (
    DecisionEntry,
    MeetingKey,
    decision_log_text,
    propose_agenda,
    set_agenda,
)
from db.store.models import AgendaItem, Meeting

SEED_FILE = ("sample", "seed-facts.json")
FICTIONAL_FILE = ("sample", "fictional.json")

# Named in the fictional file; tests and the briefing's examples refer to them.
FICTIONAL_REVIEW = "FSCP-CSPR-CHILD-A"
FICTIONAL_INSPECTIONS = ("FICTIONAL-CP-INSPECTION-1", "FICTIONAL-CP-INSPECTION-2")
# The five areas the HMICFRS national child protection inspection grades.
CP_AREAS = (
    "Leadership of child protection arrangements",
    "Working with safeguarding partners",
    "Responding to children at risk of harm",
    "Assessing risk to children and making appropriate referrals",
    "Investigating reports of abuse, neglect and exploitation of children",
)


def _read(parts: tuple[str, str]) -> Document:
    return parse_document(json.loads(resources.read_bytes(*parts).decode("utf-8")))


def seed_facts() -> Document:
    """The facts from the two seed statements, and nothing more."""
    return _read(SEED_FILE)


def sample_document(today: dt.date) -> Document:
    """The whole sample: seed facts plus the fictional partnership's review and inspections."""
    doc = seed_facts()
    fictional = _fictional(today)
    doc.organisations += fictional.organisations
    doc.reviews += fictional.reviews
    doc.inspections += fictional.inspections
    doc.initiatives += fictional.initiatives
    doc.meetings += fictional.meetings
    return doc


def _fictional(today: dt.date) -> Document:
    """The fictional file with its dates moved from the day it was written for to ``today``."""
    doc = _read(FICTIONAL_FILE)
    assert doc.exported_at is not None  # the file's own: its dates are as of that day
    moved: Document = _moved(doc, today - doc.exported_at.date())
    for meeting in moved.meetings:
        _log_decisions(moved, meeting)
    for initiative in moved.initiatives:
        # Known to the month, as an initiative's start often is. The file gives the day, so
        # that the month follows today as the other dates do.
        if initiative.started is not None:
            initiative.started = PartialDate(initiative.started.year, initiative.started.month)
    return moved


def _log_decisions(doc: Document, meeting: MeetingDoc) -> None:
    """Write each of the meeting's decisions into its item's log as db.services.meetings.decide
    does (the entry names the meeting and its date, so it is made after the dates moved)."""
    items = {(r.reference, rec.number): rec for r in doc.reviews for rec in r.recommendations}
    key = MeetingKey(meeting.held_on, meeting.title)
    for decision in meeting.decisions:
        rec = items[(decision.review or "", decision.number)]
        entry = DecisionEntry(decision.decision, decision.note, decision.until, decision.whom)
        signed_off = decision.decision is DecisionKind.SIGNED_OFF
        rec.updates.append(
            UpdateDoc(
                meeting.held_on,
                decision.decided_by,
                Status.CLOSED if signed_off else None,
                decision_log_text(key, meeting.chair, entry),
            )
        )
        rec.updates.sort(key=lambda u: u.date)  # stable: entries of a day keep their order


def propose_coming_agendas(session: Session, today: dt.date) -> None:
    """Give each coming meeting with no agenda the agenda casereview proposes for it (the
    sample's next meeting is loaded this way, so its reasons name the moved dates)."""
    empty = select(Meeting.held_on, Meeting.title).where(
        Meeting.held_on >= today, ~Meeting.agenda.any(AgendaItem.id.is_not(None))
    )
    for held_on, title in session.execute(empty).all():
        key = MeetingKey(held_on, title)
        set_agenda(session, key, propose_agenda(session, key, today))


def _moved(value: Any, days: dt.timedelta) -> Any:
    """``value`` with every date and time in it ``days`` later, through documents, their parts
    and lists. A time keeps its time of day; a partial date keeps its precision (one known to
    the month or year moves by its first day, which is why the file gives Project Lantern's
    start to the day)."""
    if isinstance(value, PartialDate):
        day = value.earliest() + days
        return PartialDate(
            day.year,
            day.month if value.month is not None else None,
            day.day if value.day is not None else None,
        )
    if isinstance(value, dt.date):  # and so a datetime, whose time of day stays
        return value + days
    if isinstance(value, list):
        return [_moved(item, days) for item in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _moved(getattr(value, f.name), days) for f in dataclasses.fields(value)}
        return dataclasses.replace(value, **changes)
    return value
