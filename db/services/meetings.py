"""Panel meetings: the meeting itself, its agenda (proposed, then edited by a person), the
decisions made in it, and what the minutes read.

Every function runs in the caller's transaction, and names records by natural keys as
db.services.editing does (a meeting by its date and title, an item by ``ItemKey``), since
undoing a deletion restores rows under new ids. A decision is written at once in three places:
a dated entry in the item's progress log naming the meeting, the item's change (its status for
a sign-off, its target date for an extension) and the meeting's ``Decision`` row; the session
hooks add the audit trail's entries.

A whole review or inspection on the agenda (``SourceKey``) takes a decision too (noted,
evidence requested, escalated: a panel minutes an inspection's action plan as a whole); it
is written to the ``Decision`` row only, as a review or inspection has no progress log, and
undoing it removes the row.

One date rule: a decision is dated the meeting's day, everywhere (its row, its log entry, a
sign-off's assurance and closure), whenever it is typed in, so a meeting still to come takes
no decisions. Undo withdraws the decision's log entry (the log is append-only: the entry
stays, marked withdrawn with the reason, and a withdrawn entry is no change in the next pack)
and puts the item back as it was, adding no entry dated another day.

The agenda proposal is counted by SQL, a query per reason, so it stays quick at 100,000 items.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Select, and_, case, func, not_, or_, select
from sqlalchemy.orm import Session, aliased, joinedload, selectinload

from db.core import fields as rules
from db.core.dates import format_date, utc_now
from db.core.errors import ConflictError, NotFoundError, RuleError
from db.core.vocabulary import AgencyRole, DecisionKind, Status, TrackedKind
from db.exchange.document import MeetingDoc
from db.exchange.records import Importer, meeting_doc
from db.queries.meetings import decision_text, neighbours
from db.queries.overview import report_deadlines, source_deadlines
from db.queries.rows import OPEN_STATUSES
from db.services.editing import (
    ItemKey,
    Problems,
    StatusState,
    UpdateKey,
    conflict_error,
    item_by_key,
    item_id,
    key_of,
    put_status_back,
    status_state,
    update_key_by_id,
    withdraw_update,
)
from db.store.lifecycle import describe, record_update, sign_off
from db.store.models import (
    AgendaItem,
    AuditEntry,
    Decision,
    Evidence,
    Inspection,
    Meeting,
    MeetingPerson,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    Review,
)

if TYPE_CHECKING:
    from db.store.database import Database

# With no later meeting booked, "before the next meeting" means this many days after this one.
DEFAULT_INTERVAL = dt.timedelta(weeks=8)
NEWEST_UPDATES = 3  # the updates meeting mode shows of each item
# Most entries an agenda holds: set_agenda refuses more, the CLI's --accept and the window's
# Propose take the first this many proposals (AgendaProposal.kept) and say what is left out.
AGENDA_LIMIT = rules.AGENDA_ENTRIES


# ----------------------------------------------------------------------------- values


@dataclass(frozen=True)
class MeetingKey:
    """A meeting named as people name it: its date and title."""

    held_on: dt.date
    title: str

    def __str__(self) -> str:
        return f"{self.title}, {format_date(self.held_on)}"


@dataclass(frozen=True)
class Person:
    """Someone at a meeting, or who sent apologies, and their agency."""

    name: str
    agency: str = ""


@dataclass(frozen=True)
class MeetingFields:
    """What the meeting's dialog edits."""

    held_on: dt.date
    title: str
    chair: str = ""
    notes: str = ""
    attendees: tuple[Person, ...] = ()
    apologies: tuple[Person, ...] = ()
    # The meeting's version when these fields were read (None for fields typed in a dialog).
    version: int | None = field(default=None, compare=False)

    @property
    def key(self) -> MeetingKey:
        return MeetingKey(self.held_on, self.title.strip())


@dataclass(frozen=True)
class SourceKey:
    """A review, or an inspection, on an agenda as a whole (its reference)."""

    reference: str
    inspection: bool = False

    @property
    def whole(self) -> str:
        """How the minutes name it where an item's number would be."""
        return "Whole inspection" if self.inspection else "Whole review"


@dataclass(frozen=True)
class AgendaEntry:
    """One agenda entry: a tracked item (``ItemKey``) or a review or inspection
    (``SourceKey``), and why it is there ("Overdue: the target was 17 November 2025")."""

    what: ItemKey | SourceKey
    reason: str = ""


# What propose_agenda returns and set_agenda stores are the same entries.
Proposal = AgendaEntry


@dataclass(frozen=True)
class UpdateLine:
    """One progress update as meeting mode shows it."""

    on: dt.date
    author: str
    status: Status | None
    note: str


@dataclass(frozen=True)
class ItemView:
    """A tracked item's current state, for meeting mode."""

    key: ItemKey
    text: str | None
    lead_agencies: tuple[str, ...]
    target_date: dt.date | None
    status: Status
    updates: tuple[UpdateLine, ...]  # the newest first, withdrawn ones left out
    evidence_count: int


@dataclass(frozen=True)
class Seen:
    """What a screen showed of a decision's subject: the item's version (None for a whole
    review or inspection, which has none) and the ids of the meeting's decisions about it.
    ``decide`` given it records a decision only over that, so that a chair never decides on
    top of another user's newer decision unawares."""

    version: int | None
    decisions: tuple[int, ...]


@dataclass(frozen=True)
class AgendaLine:
    """An agenda entry as stored, with what it is about as it stands now: ``item`` for a
    tracked item, ``title`` for a review or inspection (the item's text for an item), and an
    inspection's report deadlines ("Action plan … due 1 January 2027"); ``seen``, what a
    decision made on this line is recorded over."""

    entry: AgendaEntry
    title: str
    item: ItemView | None
    deadlines: tuple[str, ...] = ()
    seen: Seen | None = None


@dataclass(frozen=True)
class DecisionEntry:
    """A decision as the chair states it: the kind, a short note, and (as the kind needs)
    the new target or the date evidence is due, and from or to whom."""

    kind: DecisionKind
    note: str = ""
    until: dt.date | None = None
    whom: str = ""


@dataclass(frozen=True)
class ItemBefore:
    """What a decision changed of its item, as it was before: for undo."""

    status: StatusState
    target_date: dt.date | None


@dataclass(frozen=True)
class DecisionKey:
    """A recorded decision: its meeting, item (or whole review or inspection), kind and when
    it was recorded; ``before`` holds what undo puts back and ``entry`` the log entry it
    withdraws (neither is part of the key's identity; a whole source has neither)."""

    meeting: MeetingKey
    item: ItemKey | SourceKey
    kind: DecisionKind
    recorded_at: dt.datetime
    before: ItemBefore | None = field(default=None, compare=False)
    entry: UpdateKey | None = field(default=None, compare=False)  # its log entry, for undo


@dataclass(frozen=True)
class MeetingRow:
    """A line of the Meetings tab."""

    key: MeetingKey
    chair: str
    agenda_count: int
    decision_count: int
    coming: bool  # on or after today


@dataclass(frozen=True)
class DecisionLine:
    """A decision as the minutes list it, per item; one about a whole review or inspection
    has no number, its title as ``text`` and ``whole`` saying which ("Whole inspection")."""

    key: DecisionKey
    source: str
    number: str
    text: str | None
    kind: DecisionKind
    kind_label: str
    note: str
    until: dt.date | None
    whom: str
    decided_on: dt.date
    decided_by: str
    whole: str = ""

    @property
    def numbered(self) -> str:
        """The item's number as the minutes print it ("AFI 1"), "" for a whole one."""
        item = self.key.item
        return item.kind.numbered(item.number) if isinstance(item, ItemKey) else ""


@dataclass(frozen=True)
class ActionLine:
    """An action the meeting set: evidence requested, escalated or target extended, with its
    owner (the item's lead agencies; for a whole inspection the inspected organisation, for a
    whole review nobody, as a review has no lead agencies of its own) and due date."""

    item: ItemKey | SourceKey
    kind: DecisionKind
    what: str
    owner: str
    due: dt.date | None

    @property
    def source(self) -> str:
        return self.item.source if isinstance(self.item, ItemKey) else self.item.reference

    @property
    def number(self) -> str:
        return self.item.number if isinstance(self.item, ItemKey) else ""

    @property
    def numbered(self) -> str:
        """The item's number as the action log prints it ("AFI 1"), "" for a whole one."""
        return self.item.kind.numbered(self.item.number) if isinstance(self.item, ItemKey) else ""

    @property
    def whole(self) -> str:
        """How the minutes name a whole review or inspection ("" for an item)."""
        return "" if isinstance(self.item, ItemKey) else self.item.whole


@dataclass(frozen=True)
class MeetingDecisions:
    """What the minutes need of a meeting's decisions."""

    decisions: tuple[DecisionLine, ...]
    actions: tuple[ActionLine, ...]


@dataclass(frozen=True)
class Minutes:
    """What the minutes and action log print: the meeting (who came, who sent apologies,
    the chair) and its decisions and actions."""

    meeting: MeetingFields
    decided: MeetingDecisions


# ----------------------------------------------------------------------------- meetings


def meeting_by_key(session: Session, key: MeetingKey) -> Meeting:
    meeting = session.scalar(
        select(Meeting).where(Meeting.held_on == key.held_on, Meeting.title == key.title)
    )
    if meeting is None:
        raise NotFoundError(
            f"There is no meeting called {key.title} on {format_date(key.held_on)}."
        )
    return meeting


def meeting_by_date(session: Session, held_on: dt.date, title: str | None = None) -> MeetingKey:
    """The meeting held on ``held_on``; with two that day, ``title`` says which."""
    found = session.scalars(
        select(Meeting.title).where(Meeting.held_on == held_on).order_by(Meeting.title)
    ).all()
    day = format_date(held_on)
    if title is not None:
        if title not in found:
            raise NotFoundError(f"There is no meeting called {title} on {day}.")
        return MeetingKey(held_on, title)
    if not found:
        raise NotFoundError(f"There is no meeting on {day}{_nearest(session, held_on)}.")
    if len(found) > 1:
        names = ", ".join(found[:-1]) + f" and {found[-1]}"
        raise RuleError(f"There are {len(found)} meetings on {day} ({names}): give the title too.")
    return MeetingKey(held_on, found[0])


def _nearest(session: Session, held_on: dt.date) -> str:
    """The days of the meetings nearest ``held_on`` (one before, one after), for a refusal
    that helps the user to the one they meant."""
    before = session.scalar(select(func.max(Meeting.held_on)).where(Meeting.held_on < held_on))
    after = session.scalar(select(func.min(Meeting.held_on)).where(Meeting.held_on > held_on))
    days = [format_date(day) for day in (before, after) if day is not None]
    if not days:
        return "; there are no meetings yet"
    return "; the nearest " + (
        f"are on {days[0]} and {days[1]}" if len(days) == 2 else f"is on {days[0]}"
    )


def key_of_meeting(meeting: Meeting) -> MeetingKey:
    return MeetingKey(meeting.held_on, meeting.title)


def check_meeting(
    session: Session, fields: MeetingFields, *, editing: MeetingKey | None = None
) -> Problems:
    """Problems with a meeting's fields, by field name (for the dialog to show beside each)."""
    problems = Problems()
    title = fields.title.strip()
    if rules.blank(title):
        problems.add("title", "Give the meeting a title.")
    elif fields.key != editing and session.scalar(
        select(Meeting.id).where(Meeting.held_on == fields.held_on, Meeting.title == title)
    ):
        problems.add(
            "title", f"There is already a meeting called {title} on {format_date(fields.held_on)}."
        )
    # A meeting is found by its date and title (``casereview meeting ... --title``, and two
    # on one day told apart by it), so its title is spaced as a name is: one line, single
    # ordinary spaces. A non-breaking space pasted from Word is refused, named as the chair's
    # is, not kept: "Panel\u00a0meeting" looked like "Panel meeting" and was a second meeting
    # that day that no typed title found. It is not changed into a space either, as no value
    # is (docs/architecture.md, "The field rules"). Semicolons stay: no list holds titles.
    reason = rules.problem(fields.title, rules.NAME, spaced=True) if title else None
    if reason is not None:
        problems.add("title", f"The meeting's title {reason}.")
    values: list[tuple[str, str, int, bool]] = [
        ("chair", fields.chair, rules.NAME, True),
        ("notes", fields.notes, rules.TEXT, False),
    ]
    for name, people in (("attendees", fields.attendees), ("apologies", fields.apologies)):
        for person in people:
            if not person.name.strip():
                problems.add(name, "Give each person's name.")
            values += [
                (name, person.name, rules.NAME, True),
                (name, person.agency, rules.NAME, True),
            ]
    for name, value, limit, is_name in values:
        # (spaces alone are an empty field, said above, not a space at its ends)
        reason = rules.problem(value, limit, name=is_name) if value.strip() else None
        if reason is not None:
            problems.add(name, f"The meeting's {name} {reason}.")
    both = {p.name for p in fields.attendees} & {p.name for p in fields.apologies}
    if both:
        problems.add("apologies", f"{sorted(both)[0]} is listed as attending too.")
    if editing is not None and fields.held_on != editing.held_on:
        # Found by a new user: a meeting moved after its decisions kept them dated the day it
        # was held, its items' logs naming that day, and its minutes said another.
        decided = session.scalar(
            select(func.count(Decision.id))
            .join(Meeting, Decision.meeting_id == Meeting.id)
            .where(Meeting.held_on == editing.held_on, Meeting.title == editing.title)
        )
        if decided:
            problems.add(
                "held_on",
                f"The meeting's {decided:,} {'decision is' if decided == 1 else 'decisions are'} "
                f"recorded as taken on {format_date(editing.held_on)}, as its items' logs say, "
                "so its date cannot change; its title, people and notes can.",
            )
    return problems


def meeting_fields(session: Session, key: MeetingKey) -> MeetingFields:
    """What an edit of the meeting can change, and its version."""
    meeting = meeting_by_key(session, key)
    return MeetingFields(
        held_on=meeting.held_on,
        title=meeting.title,
        chair=meeting.chair,
        notes=meeting.notes,
        attendees=tuple(Person(p.name, p.agency) for p in meeting.people if p.present),
        apologies=tuple(Person(p.name, p.agency) for p in meeting.people if not p.present),
        version=meeting.version,
    )


def _apply_meeting(session: Session, meeting: Meeting, fields: MeetingFields) -> None:
    meeting.held_on, meeting.title = fields.held_on, fields.title.strip()
    meeting.chair, meeting.notes = fields.chair.strip(), fields.notes.strip()
    people = [(p, True) for p in fields.attendees] + [(p, False) for p in fields.apologies]
    wanted = [(p.name.strip(), p.agency.strip(), present) for p, present in people]
    if [(p.name, p.agency, p.present) for p in meeting.people] != wanted:
        meeting.people.clear()
        session.flush()
        meeting.people.extend(
            MeetingPerson(position=n, name=name, agency=agency, present=present)
            for n, (name, agency, present) in enumerate(wanted, start=1)
        )


def create_meeting(session: Session, fields: MeetingFields) -> MeetingKey:
    check_meeting(session, fields).raise_first()
    meeting = Meeting(held_on=fields.held_on, title=fields.title.strip())
    session.add(meeting)
    _apply_meeting(session, meeting, fields)
    session.flush()
    return key_of_meeting(meeting)


def update_meeting(
    session: Session, key: MeetingKey, fields: MeetingFields, *, expected: int | None = None
) -> MeetingKey:
    """Apply ``fields`` (a new date or title renames it); with ``expected``, only if the
    meeting is still at that version (else ``ConflictError``, nothing changed)."""
    meeting = meeting_by_key(session, key)
    if expected is not None and meeting.version != expected:
        raise _conflict(meeting, key)
    check_meeting(session, fields, editing=key).raise_first()
    _apply_meeting(session, meeting, fields)
    meeting.updated_at = utc_now()  # an update even when only its people changed
    session.flush()
    return key_of_meeting(meeting)


def meeting_still(session: Session, key: MeetingKey, fields: MeetingFields) -> None:
    """Refuse, with ``ConflictError``, unless the meeting still holds ``fields``: undo and
    redo never overwrite a change made since by someone else."""
    if meeting_fields(session, key) != fields:
        raise _conflict(meeting_by_key(session, key), key)


def _conflict(meeting: Meeting, key: MeetingKey) -> ConflictError:
    when = meeting.updated_at.astimezone()
    return ConflictError(
        f"The meeting {key} was changed at {when:%H:%M} on {format_date(when.date())} since "
        "you opened it, so your change was not saved: make it again if it is still needed."
    )


# A deleted meeting with all it held, as a file holds it.
MeetingSnapshot = MeetingDoc


def meeting_snapshot(session: Session, key: MeetingKey) -> MeetingSnapshot:
    """A meeting with its people, agenda and decisions, as its deletion keeps it."""
    return meeting_doc(meeting_by_key(session, key))


def delete_meeting(session: Session, key: MeetingKey) -> MeetingSnapshot:
    """Delete a meeting with its people, agenda and decisions; return what restores it. The
    items' log entries its decisions wrote stay (the log is append-only), as do the items'
    changes."""
    meeting = meeting_by_key(session, key)
    snapshot = meeting_doc(meeting)
    session.delete(meeting)
    session.flush()
    return snapshot


def restore_meeting(session: Session, snapshot: MeetingSnapshot) -> MeetingKey:
    """Put back a deleted meeting as it was (the undo of ``delete_meeting``)."""
    if session.scalar(
        select(Meeting.id).where(
            Meeting.held_on == snapshot.held_on, Meeting.title == snapshot.title
        )
    ):
        raise ConflictError(
            f"There is a meeting called {snapshot.title} on {format_date(snapshot.held_on)} "
            "again, so the deleted one was not put back."
        )
    Importer(session).meetings([snapshot])
    session.flush()
    return MeetingKey(snapshot.held_on, snapshot.title)


# ----------------------------------------------------------------------------- the agenda


def _items(
    *where: ColumnElement[bool], first: Sequence[ColumnElement[Any]] = ()
) -> Select[*tuple[Any, ...]]:
    """Tracked items (id, kind, number, source, target), ordered by ``first``, then by review
    or inspection and place in it (the tracker's default order), so that ties are stable."""
    review, inspection = aliased(Review), aliased(Inspection)
    query: Select[*tuple[Any, ...]] = (
        select(
            Recommendation.id,
            Recommendation.kind,
            Recommendation.number,
            func.coalesce(review.reference, inspection.reference),
            Recommendation.target_date,
        )
        .outerjoin(review, review.id == Recommendation.review_id)
        .outerjoin(inspection, inspection.id == Recommendation.inspection_id)
        .where(*where)
        .order_by(*first, Recommendation.source_key, Recommendation.position)
    )
    return query


def _plural(count: int, word: str, words: str) -> str:
    return f"{count:,} {word if count == 1 else words}"


class Ground(Enum):
    """Why an entry is proposed, in the agenda's order: an entry proposed for several
    reasons takes its place from the first (``AgendaProposal.grounds``)."""

    SIGN_OFF = ("awaiting sign-off", "awaiting sign-off")
    OVERDUE = ("overdue", "overdue")
    FALLING_DUE = ("falling due", "falling due")
    CHANGED = ("changed since the last meeting", "changed since the last meeting")
    DEADLINE = ("inspection with a deadline", "inspections with a deadline")

    def counted(self, count: int) -> str:
        """How many, as the left-out sentence says it: "3 overdue", "1 inspection with a
        deadline"."""
        return _plural(count, *self.value)


@dataclass(frozen=True)
class AgendaProposal:
    """Every entry casereview proposes for a meeting, in order (by reason, and within a
    reason the most pressing first across all reviews and inspections), and the reason that
    placed each. More are proposed than an agenda holds on a large tracker: ``kept`` are
    the ones that go on it, and ``left_out`` says what the limit leaves off."""

    entries: tuple[AgendaEntry, ...] = ()
    grounds: tuple[Ground, ...] = ()

    def _kept(self, limit: int | None) -> list[int]:
        """The places of the entries kept: as many as an agenda holds (``AGENDA_LIMIT``), the
        most pressing of each reason in the order given, and every inspection's deadline
        whatever its place (a statutory date, and few: last in the order, a large tracker's
        proposal had left them all out)."""
        limit = AGENDA_LIMIT if limit is None else limit
        deadlines = [n for n, ground in enumerate(self.grounds) if ground is Ground.DEADLINE]
        deadlines = deadlines[:limit]
        room = limit - len(deadlines)
        items = [n for n, ground in enumerate(self.grounds) if ground is not Ground.DEADLINE]
        return sorted([*items[:room], *deadlines])

    def without(self, subjects: set[ItemKey | SourceKey]) -> AgendaProposal:
        """The proposal less its entries about ``subjects`` (those the meeting has decided
        about, which keep their stored entries: ``keeping_decided``)."""
        kept = [n for n, entry in enumerate(self.entries) if entry.what not in subjects]
        return AgendaProposal(
            tuple(self.entries[n] for n in kept), tuple(self.grounds[n] for n in kept)
        )

    def kept(self, limit: int | None = None) -> list[AgendaEntry]:
        """The entries that go on the agenda, in order (``_kept``): as many as it holds."""
        return [self.entries[n] for n in self._kept(limit)]

    def left_out(self, limit: int | None = None, *, decided: int = 0) -> str | None:
        """One sentence naming how many entries the limit leaves out, and for which reasons
        ("An agenda holds at most 200 entries, so 12,002 of the 12,202 proposed are left out:
        10,547 overdue and 1,455 falling due."), or None when every entry is kept. ``decided``:
        how many places of the agenda the meeting's decisions keep besides the ``limit`` given
        to the proposal (``keeping_decided``), said as such."""
        kept = set(self._kept(limit))
        dropped = [ground for n, ground in enumerate(self.grounds) if n not in kept]
        if not dropped:
            return None
        holds = (AGENDA_LIMIT if limit is None else limit) + decided
        counts = [ground.counted(dropped.count(ground)) for ground in Ground if ground in dropped]
        listed = counts[0] if len(counts) == 1 else ", ".join(counts[:-1]) + " and " + counts[-1]
        taken = f", {decided:,} of them for what the meeting has decided about" if decided else ""
        return (
            f"An agenda holds at most {holds:,} {'entry' if holds == 1 else 'entries'}{taken}, so "
            f"{len(dropped):,} of the "
            f"{len(self.entries):,} proposed {'is' if len(dropped) == 1 else 'are'} left out: "
            f"{listed}."
        )


def propose_agenda(session: Session, key: MeetingKey, today: dt.date) -> list[Proposal]:
    """The agenda casereview proposes for a meeting, every entry (``agenda_proposal``)."""
    return list(agenda_proposal(session, key, today).entries)


def agenda_proposal(session: Session, key: MeetingKey, today: dt.date) -> AgendaProposal:
    """The agenda casereview proposes for a meeting, each entry saying why it is there.

    In order, each item once (an item proposed for several reasons gives them all, and takes
    its place from the first): items awaiting sign-off (implemented, with evidence), the
    longest waiting first (since the later of the day the log last marked it implemented and
    the day its first evidence was added); overdue items (open, due before the meeting), the
    longest overdue first; items falling due before the next meeting (the next one booked,
    else eight weeks on), the soonest first; items with progress updates dated after the
    previous meeting, those still open first, the soonest due first, then those with no
    target, then those closed, superseded or not accepted (only to be noted); then
    inspections with a deadline (six-week action plan, 56-day response) from ``today`` or the
    meeting, whichever is sooner, to the next meeting, the soonest first. Ties go by review or
    inspection and the item's place in it, so that the agenda's limit (``AgendaProposal.kept``)
    keeps the most pressing across the whole tracker, not the first reviews by reference, and
    every inspection's deadline.
    """
    meeting = meeting_by_key(session, key)
    held = meeting.held_on
    previous, following = neighbours(session, meeting.held_on)
    horizon = following or held + DEFAULT_INTERVAL
    if following is not None:
        before_next = f"before the next meeting on {format_date(following)}"
    else:
        before_next = (
            f"before {format_date(horizon)} (no next meeting is booked: eight weeks after this one)"
        )
    reasons: dict[int, list[str]] = {}
    keys: dict[int, ItemKey] = {}
    grounds: dict[int, Ground] = {}

    def note(rows: Iterable[Any], ground: Ground, reason: Callable[[Any], str]) -> None:
        for row in rows:
            rec_id, kind, number, source = row[:4]
            keys.setdefault(rec_id, ItemKey(source or "", number, TrackedKind(kind)))
            grounds.setdefault(rec_id, ground)
            reasons.setdefault(rec_id, []).append(reason(row))

    evidence = (
        select(
            Evidence.recommendation_id,
            func.count().label("n"),
            func.min(Evidence.added_at).label("first_added"),
        )
        .group_by(Evidence.recommendation_id)
        .subquery()
    )
    marked = (
        select(ProgressUpdate.recommendation_id, func.max(ProgressUpdate.on).label("marked_on"))
        .where(ProgressUpdate.status == Status.IMPLEMENTED, ProgressUpdate.withdrawn_at.is_(None))
        .group_by(ProgressUpdate.recommendation_id)
        .subquery()
    )
    waiting = session.execute(
        _items(Recommendation.status == Status.IMPLEMENTED)
        .join(evidence, evidence.c.recommendation_id == Recommendation.id)
        .outerjoin(marked, marked.c.recommendation_id == Recommendation.id)
        .add_columns(evidence.c.n, evidence.c.first_added, marked.c.marked_on)
    ).all()

    def since(row: Any) -> dt.date:
        """The day it began to wait: its evidence there and the item marked implemented."""
        first_evidence: dt.date = row[6].date()
        return max(first_evidence, row[7]) if row[7] is not None else first_evidence

    note(
        sorted(waiting, key=since),  # a stable sort: ties stay in review and place order
        Ground.SIGN_OFF,
        lambda row: (
            f"Awaiting sign-off: implemented, {_plural(row[5], 'piece', 'pieces')} of evidence"
        ),
    )
    is_open = Recommendation.status.in_(OPEN_STATUSES)
    soonest = (Recommendation.target_date.asc(),)
    note(
        session.execute(_items(is_open, Recommendation.target_date < held, first=soonest)),
        Ground.OVERDUE,
        lambda row: f"Overdue: the target was {format_date(row[4])}",
    )
    note(
        session.execute(
            _items(
                is_open,
                Recommendation.target_date >= held,
                Recommendation.target_date < horizon,
                first=soonest,
            )
        ),
        Ground.FALLING_DUE,
        lambda row: f"Falls due on {format_date(row[4])}, {before_next}",
    )
    if previous is not None:
        # Not this meeting's own decisions' entries (dated its day, naming it: ``_decide_item``):
        # proposed again once held, an item it only noted was "changed since the last meeting".
        own = and_(
            ProgressUpdate.on == held,
            ProgressUpdate.note.startswith(f"{key_of_meeting(meeting)}: ", autoescape=True),
        )
        updates = (
            select(ProgressUpdate.recommendation_id, func.count().label("n"))
            .where(ProgressUpdate.on > previous, ProgressUpdate.withdrawn_at.is_(None), not_(own))
            .group_by(ProgressUpdate.recommendation_id)
            .subquery()
        )
        since_last = format_date(previous)
        open_first = (
            case((is_open, 0), else_=1),
            case((Recommendation.target_date.is_(None), 1), else_=0),
            Recommendation.target_date.asc(),
        )
        note(
            session.execute(
                _items(first=open_first)
                .join(updates, updates.c.recommendation_id == Recommendation.id)
                .add_columns(updates.c.n)
            ),
            Ground.CHANGED,
            lambda row: (
                f"Changed since the last meeting on {since_last}: "
                + _plural(row[5], "progress update", "progress updates")
            ),
        )
    inspected = _of_inspections(session)
    entries = [
        AgendaEntry(replace(keys[rec_id], inspection=rec_id in inspected), ". ".join(why))
        for rec_id, why in reasons.items()
    ]
    placed = [grounds[rec_id] for rec_id in reasons]
    deadlines: dict[str, list[dt.date]] = {}
    said: dict[str, list[str]] = {}
    for deadline in source_deadlines(session, min(today, held), horizon - dt.timedelta(days=1)):
        deadlines.setdefault(deadline.source, []).append(deadline.due)
        said.setdefault(deadline.source, []).append(
            f"{deadline.what} due {format_date(deadline.due)}"
        )
    for source in sorted(deadlines, key=lambda source: min(deadlines[source])):  # stable
        entries.append(
            AgendaEntry(
                SourceKey(source, inspection=True),
                f"Deadline {before_next}: " + "; ".join(said[source]),
            )
        )
        placed.append(Ground.DEADLINE)
    return AgendaProposal(tuple(entries), tuple(placed))


def _of_inspections(session: Session) -> set[int]:
    """The ids of the inspections' items (a review may share an inspection's reference: an
    agenda entry's key says whose item it is)."""
    return set(
        session.scalars(select(Recommendation.id).where(Recommendation.inspection_id.is_not(None)))
    )


def _subject(
    session: Session, what: ItemKey | SourceKey
) -> tuple[Recommendation | None, Review | None, Inspection | None]:
    if isinstance(what, ItemKey):
        return item_by_key(session, what), None, None
    if what.inspection:
        inspection = session.scalar(
            select(Inspection).where(Inspection.reference == what.reference)
        )
        if inspection is None:
            raise NotFoundError(f"There is no inspection with the reference '{what.reference}'.")
        return None, None, inspection
    review = session.scalar(select(Review).where(Review.reference == what.reference))
    if review is None:
        raise NotFoundError(f"There is no review with the reference '{what.reference}'.")
    return None, review, None


def set_agenda(
    session: Session,
    key: MeetingKey,
    entries: Sequence[AgendaEntry],
    *,
    expected: Sequence[AgendaEntry] | None = None,
) -> tuple[AgendaEntry, ...]:
    """Store the agenda as given: its order, and the entries added and removed; more than
    ``AGENDA_LIMIT`` entries are refused, changing nothing. With ``expected`` (the agenda as
    the chair's screen showed it), only if the agenda stored is still that one, else
    ``ConflictError``: a new user's agenda, saved in the window, replaced without a word the
    one a command had stored meanwhile. Returns the agenda it replaced (for undo)."""
    meeting = meeting_by_key(session, key)
    replaced = tuple(stored_entries(session, key))
    if expected is not None and replaced != tuple(expected):
        raise ConflictError(
            f"The agenda of {key} was changed elsewhere since it was shown here, so this "
            "one was not saved: it is still on screen, and saving it again replaces the "
            "one stored."
        )
    if len(entries) > AGENDA_LIMIT:
        raise RuleError(
            f"An agenda holds at most {AGENDA_LIMIT} entries and this one has "
            f"{len(entries):,}: take some off before saving it."
        )
    seen: set[tuple[Recommendation | None, Review | None, Inspection | None]] = set()
    rows = []
    for entry in entries:
        reason = rules.problem(entry.reason, rules.TEXT, name=False) if entry.reason else None
        if reason is not None:
            raise RuleError(f"The reason for {_name(entry.what)} {reason}.")
        subject = _subject(session, entry.what)
        # (by what it names: a review's item 1 and an inspection's of one reference are two)
        if subject in seen:
            raise RuleError(f"{_name(entry.what)} is on the agenda twice.")
        seen.add(subject)
        rows.append((*subject, entry.reason.strip()))
    # A decision about a whole review or inspection is made on its agenda entry (an import
    # refuses one without it): that entry stays while the decision does (found by a new user,
    # whose copy then could not be merged back).
    kept = {(review, insp) for rec, review, insp, _ in rows if rec is None}
    items = {rec for rec, _, _, _ in rows if rec is not None}
    for decision in meeting.decisions:
        whole = decision.recommendation is None
        item = decision.recommendation
        if item is not None and item not in items and (item.review, item.inspection) not in kept:
            # An item decided at this meeting stays on its agenda, itself or by its review
            # or inspection (found by a new user: taken off, its decision stayed in the
            # minutes and the next decision about it was refused as "not on the agenda").
            raise RuleError(
                f"The meeting decided about {decided_about(key_of(item))}, so it stays on "
                "the agenda; undo that decision first to take it off."
            )
        if whole and (decision.review, decision.inspection) not in kept:
            source = decision.review or decision.inspection
            assert source is not None
            kind = "review" if decision.review is not None else "inspection"
            raise RuleError(
                f"The meeting decided about the whole {kind} {source.reference}, so it stays "
                "on the agenda; undo that decision first to take it off."
            )
    meeting.agenda.clear()
    session.flush()
    meeting.agenda.extend(
        AgendaItem(position=n, recommendation=rec, review=review, inspection=insp, reason=why)
        for n, (rec, review, insp, why) in enumerate(rows, start=1)
    )
    meeting.updated_at = utc_now()
    session.flush()
    return replaced


@dataclass(frozen=True)
class ProposedAgenda:
    """The agenda casereview proposes for a meeting: ``entries``, first the stored entries
    the meeting has decided about (``decided`` of them: they stay, ``keeping_decided``), then
    the proposal's most pressing (``proposal``, less those) as many as the agenda has room
    for; ``left_out`` says what the limit leaves out, or is None."""

    entries: tuple[AgendaEntry, ...]
    decided: int
    proposal: AgendaProposal
    left_out: str | None


def proposed_agenda(session: Session, key: MeetingKey, today: dt.date) -> ProposedAgenda:
    """What the window's "Propose agenda" lists and ``casereview meeting agenda`` prints: the
    window's left out the entries the meeting had decided about, and saving it was then
    refused (a trial's find); the command line kept them. Both take this."""
    decided = keeping_decided(session, key, [])
    proposal = agenda_proposal(session, key, today).without({entry.what for entry in decided})
    room = AGENDA_LIMIT - len(decided)
    return ProposedAgenda(
        (*decided, *proposal.kept(room)),
        len(decided),
        proposal,
        proposal.left_out(room, decided=len(decided)),
    )


class NotOnAgendaError(RuleError):
    """A decision about something not on the meeting's agenda; ``where`` says what and which
    meeting, for the command line to name the command that adds it."""

    def __init__(self, where: str) -> None:
        super().__init__(f"{where}: add it to the agenda first.")
        self.where = where


def keeping_decided(
    session: Session, key: MeetingKey, entries: Sequence[AgendaEntry]
) -> list[AgendaEntry]:
    """``entries`` with, first, in their stored order and with their stored reasons, the
    entries of the stored agenda the meeting has decided about (``set_agenda`` refuses to take
    them off): an item's own entry, else the entry of its whole review or inspection, and the
    entry of a whole review or inspection decided about. ``entries`` give up their own entry
    for the same thing. What ``casereview meeting agenda --accept`` stores once a meeting has
    begun deciding: it was refused outright, then (a trial found) kept what the proposal also
    held in the proposal's order, with reasons worked out from the items as they are now."""
    meeting = meeting_by_key(session, key)
    stored = stored_entries(session, key)
    there = {entry.what for entry in stored}
    wanted: set[ItemKey | SourceKey] = set()
    for decision in meeting.decisions:
        rec = decision.recommendation
        if rec is not None:
            item = key_of(rec)
            wanted.add(item if item in there else _source_of(rec))
        else:
            source = decision.review or decision.inspection
            assert source is not None
            wanted.add(SourceKey(source.reference, inspection=decision.inspection is not None))
    kept = [entry for entry in stored if entry.what in wanted]
    held = {entry.what for entry in kept}
    return [*kept, *(entry for entry in entries if entry.what not in held)]


def stored_entries(session: Session, key: MeetingKey) -> list[AgendaEntry]:
    """The meeting's agenda as stored, its entries only, in order: in one query whatever its
    length (``agenda`` also reads each line's item as it stands, for meeting mode)."""
    meeting = meeting_by_key(session, key)
    rows = session.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position)
        .options(
            joinedload(AgendaItem.recommendation).options(
                joinedload(Recommendation.review), joinedload(Recommendation.inspection)
            ),
            joinedload(AgendaItem.review),
            joinedload(AgendaItem.inspection),
        )
    )
    return [_entry_of(row) for row in rows]


def _source_of(rec: Recommendation) -> SourceKey:
    if rec.review is not None:
        return SourceKey(rec.review.reference)
    assert rec.inspection is not None
    return SourceKey(rec.inspection.reference, inspection=True)


def _entry_of(row: AgendaItem) -> AgendaEntry:
    """A stored agenda row as the entry it stores."""
    if row.recommendation is not None:
        return AgendaEntry(key_of(row.recommendation), row.reason)
    if row.review is not None:
        return AgendaEntry(SourceKey(row.review.reference), row.reason)
    assert row.inspection is not None
    return AgendaEntry(SourceKey(row.inspection.reference, inspection=True), row.reason)


def decided_about(what: ItemKey | SourceKey) -> str:
    """What a decision is about, as a sentence names it: "recommendation 3 of SCR-1", or "the
    whole inspection INSP-1" (meeting mode, and the window's undo entry)."""
    if isinstance(what, ItemKey):
        return f"{what.kind.label.lower()} {what.number} of {what.source}"
    return f"the whole {'inspection' if what.inspection else 'review'} {what.reference}"


def _name(what: ItemKey | SourceKey) -> str:
    if isinstance(what, ItemKey):
        return f"{what.kind.label} {what.number} of {what.source}"
    return f"{'Inspection' if what.inspection else 'Review'} {what.reference}"


def _item_view(rec: Recommendation, evidence_count: int) -> ItemView:
    updates = [u for u in reversed(rec.updates) if not u.withdrawn][:NEWEST_UPDATES]
    return ItemView(
        key=key_of(rec),
        text=rec.text,
        lead_agencies=rec.agency_names(AgencyRole.LEAD),
        target_date=rec.target_date,
        status=rec.status,
        updates=tuple(UpdateLine(u.on, u.author, u.status, u.note) for u in updates),
        evidence_count=evidence_count,
    )


def agenda(session: Session, key: MeetingKey) -> list[AgendaLine]:
    """The meeting's agenda as stored, each entry with its item's state now (meeting mode).

    Read in a few set-based queries, whatever the agenda's length: reading each line's item,
    agencies, updates and evidence one by one (about four queries a line) took a minute for
    an agenda of 41,557 entries, and the window reads the agenda at each change."""
    meeting = meeting_by_key(session, key)
    entries = session.scalars(
        select(AgendaItem)
        .where(AgendaItem.meeting_id == meeting.id)
        .order_by(AgendaItem.position)
        .options(
            selectinload(AgendaItem.recommendation).options(
                joinedload(Recommendation.review),
                joinedload(Recommendation.inspection),
                selectinload(Recommendation.agencies).joinedload(RecommendationAgency.organisation),
                selectinload(Recommendation.updates),
            ),
            joinedload(AgendaItem.review),
            joinedload(AgendaItem.inspection),
        )
    ).all()
    evidence: dict[int, int] = dict(
        session.execute(
            select(Evidence.recommendation_id, func.count(Evidence.id))
            .join(AgendaItem, AgendaItem.recommendation_id == Evidence.recommendation_id)
            .where(AgendaItem.meeting_id == meeting.id)
            .group_by(Evidence.recommendation_id)
        ).all()
    )
    decided = _decided_ids(session, meeting)
    lines = []
    for entry in entries:
        if entry.recommendation is not None:
            rec = entry.recommendation
            view = _item_view(rec, evidence.get(rec.id, 0))
            seen = Seen(rec.version, decided.get((rec.id, None, None), ()))
            lines.append(
                AgendaLine(AgendaEntry(view.key, entry.reason), rec.text or "", view, seen=seen)
            )
        elif entry.review is not None:
            what = SourceKey(entry.review.reference)
            seen = Seen(None, decided.get((None, entry.review.id, None), ()))
            lines.append(
                AgendaLine(AgendaEntry(what, entry.reason), entry.review.title, None, seen=seen)
            )
        else:
            assert entry.inspection is not None
            inspection = entry.inspection
            what = SourceKey(inspection.reference, inspection=True)
            due = tuple(
                f"{d.what} due {format_date(d.due)}"
                for d in report_deadlines(inspection.reference, inspection.published_on)
            )
            seen = Seen(None, decided.get((None, None, inspection.id), ()))
            lines.append(
                AgendaLine(AgendaEntry(what, entry.reason), inspection.title, None, due, seen)
            )
    return lines


def _decided_ids(
    session: Session, meeting: Meeting
) -> dict[tuple[int | None, int | None, int | None], tuple[int, ...]]:
    """The ids of the meeting's decisions, by subject (as ``_subject_ids`` gives it)."""
    found: dict[tuple[int | None, int | None, int | None], list[int]] = {}
    rows = session.execute(
        select(Decision.id, Decision.recommendation_id, Decision.review_id, Decision.inspection_id)
        .where(Decision.meeting_id == meeting.id)
        .order_by(Decision.id)
    )
    for decision_id, *subject in rows:
        found.setdefault((subject[0], subject[1], subject[2]), []).append(decision_id)
    return {subject: tuple(ids) for subject, ids in found.items()}


def seen_now(session: Session, key: MeetingKey, what: ItemKey | SourceKey) -> Seen:
    """What a screen showing ``what`` on the meeting's agenda would show now (``Seen``)."""
    meeting = meeting_by_key(session, key)
    rec, review, inspection = _subject(session, what)
    return _seen(session, meeting, rec, review, inspection)


def _seen(
    session: Session,
    meeting: Meeting,
    rec: Recommendation | None,
    review: Review | None,
    inspection: Inspection | None,
) -> Seen:
    session.flush()  # the version as the last change left it
    subject = (
        rec.id if rec is not None else None,
        review.id if review is not None else None,
        inspection.id if inspection is not None else None,
    )
    decided = _decided_ids(session, meeting)
    return Seen(rec.version if rec is not None else None, decided.get(subject, ()))


def _changed_since(
    session: Session,
    meeting: Meeting,
    name: str,
    rec: Recommendation | None,
    *,
    seen: Seen,
    now: Seen,
) -> ConflictError:
    """The refusal of a decision over a change made since the screen showed ``seen``: who made
    it and when, from the audit trail (a decision recorded or taken back, or the item itself
    changed: its status, target or fields)."""
    decisions = {str(i) for i in set(seen.decisions) ^ set(now.decisions)}
    about = (AuditEntry.entity == Decision.__tablename__) & AuditEntry.entity_id.in_(decisions)
    if rec is not None and seen.version != now.version:
        about |= (AuditEntry.entity == Recommendation.__tablename__) & (
            AuditEntry.entity_id == str(rec.id)
        )
    latest = session.scalars(
        select(AuditEntry).where(about).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    after = (
        "since the screen showed it, so your decision was not recorded; meeting mode now shows "
        "it as it is: decide again if it is still needed."
    )
    if latest is None:  # (the trail says nothing of it: the change alone is known)
        return ConflictError(f"{name} was changed {after}")
    when = latest.at.astimezone()
    at = f"at {when:%H:%M} on {format_date(when.date())}"
    if latest.entity == Decision.__tablename__ and latest.action in ("create", "delete"):
        kind = _kind_in(latest.new if latest.action == "create" else latest.old)
        what = f"a decision ({kind})" if kind else "a decision"
        done = "recorded" if latest.action == "create" else "took back"
        return ConflictError(f"{latest.actor} {done} {what} about {_lower(name)} {at} {after}")
    return ConflictError(f"{name} was changed by {latest.actor} {at} {after}")


def _kind_in(snapshot: str | None) -> str:
    """The kind of decision a create or delete entry's snapshot names, in words, or ""."""
    try:
        return DecisionKind(json.loads(snapshot or "")["kind"]).label.lower()
    except (ValueError, KeyError, TypeError):  # an entry written otherwise: the kind unsaid
        return ""


def _lower(name: str) -> str:
    """ "Recommendation 2 of X" as said mid-sentence: "recommendation 2 of X"."""
    return name[:1].lower() + name[1:]


# ----------------------------------------------------------------------------- decisions


def _on_agenda(
    session: Session, meeting: Meeting, rec: Recommendation, *, itself: bool = False
) -> bool:
    """Whether the item, or its review or inspection, is on the meeting's agenda (with
    ``itself``, whether the item is there by itself)."""
    subjects = [AgendaItem.recommendation_id == rec.id]
    if rec.review_id is not None and not itself:
        subjects.append(AgendaItem.review_id == rec.review_id)
    if rec.inspection_id is not None and not itself:
        subjects.append(AgendaItem.inspection_id == rec.inspection_id)
    found = session.scalar(
        select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id, or_(*subjects)).limit(1)
    )
    return found is not None


BOTH = (False, True)  # a review's item, an inspection's


def agenda_item(
    session: Session,
    key: MeetingKey,
    reference: str,
    number: str,
    kind: TrackedKind | None = None,
) -> ItemKey:
    """The tracked item numbered ``number`` of the review or inspection ``reference`` (of
    ``kind``, when given), as the command line names one ("REF:NUMBER"). An inspection may
    hold a recommendation and an area for improvement of the same number: then the one on
    the meeting's agenda by itself, else the one there with its whole inspection, or, with
    both (or neither) there, ``kind`` says which."""
    meeting = meeting_by_key(session, key)
    kinds = list(TrackedKind) if kind is None else [kind]
    # (a review may share an inspection's reference: the items of both are candidates)
    ids = [item_id(session, ItemKey(reference, number, k, of)) for k in kinds for of in BOTH]
    found = [session.get_one(Recommendation, i) for i in dict.fromkeys(ids) if i is not None]
    if not found:
        what = "item" if kind is None else kind.label.lower()
        raise NotFoundError(f"There is no {what} {number} of {reference}.")
    for itself in (True, False):  # (an inspection on the agenda puts all its items there)
        if len(found) > 1:
            found = [r for r in found if _on_agenda(session, meeting, r, itself=itself)] or found
    if len(found) > 1 and len({rec.inspection_id is None for rec in found}) > 1:
        raise RuleError(
            f"A review and an inspection are both called {reference}, each with an item "
            f"{number}, and the command line cannot tell them apart: choose the item in the "
            "window."
        )
    if len(found) > 1:
        both = " and ".join(f"{rec.kind.label.lower()} {number}" for rec in found)
        on = (
            f" on the agenda of {key}"
            if all(_on_agenda(session, meeting, r) for r in found)
            else ""
        )
        # (a trial found "on the agenda" said of two items neither of which was there)
        raise RuleError(f"{reference} has {both}{on}: say which kind of item.")
    return key_of(found[0])


def agenda_source(
    session: Session, key: MeetingKey, reference: str, inspection: bool | None = None
) -> SourceKey:
    """The review or inspection ``reference`` as a whole (an inspection when ``inspection``,
    a review when False), as the command line names one ("REF"). A review and an inspection
    may share a reference: then the one on the meeting's agenda as a whole, or, with both
    there, ``inspection`` says which."""
    meeting = meeting_by_key(session, key)
    found: list[tuple[SourceKey, bool]] = []  # each with whether it is on the agenda
    sources: tuple[tuple[type[Review] | type[Inspection], bool], ...] = (
        (Review, False),
        (Inspection, True),
    )
    for model, is_inspection in sources:
        if inspection is not None and inspection is not is_inspection:
            continue
        source_id = session.scalar(select(model.id).where(model.reference == reference))
        if source_id is None:
            continue
        column = AgendaItem.inspection_id if is_inspection else AgendaItem.review_id
        placed = session.scalar(
            select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id, column == source_id)
        )
        found.append((SourceKey(reference, is_inspection), placed is not None))
    if not found:
        what = {None: "review or inspection", True: "inspection", False: "review"}[inspection]
        raise NotFoundError(f"There is no {what} with the reference '{reference}'.")
    if len(found) > 1:
        found = [(what, on) for what, on in found if on] or found
    if len(found) > 1:
        # Both on the agenda, or neither (a trial found "both on the agenda" said of an
        # empty one).
        on = f" and are both on the agenda of {key}" if all(on for _, on in found) else ""
        raise RuleError(f"A review and an inspection are both called {reference}{on}: say which.")
    return found[0][0]


def decision_field_problems(decision: DecisionEntry) -> dict[str, str]:
    """A decision's note and whom that break the field rules, each with its sentence naming
    the field as the chair sees it, by field name ("note", "whom"): the dialog shows each
    beside its own field."""
    whom = (
        "The name the evidence is requested from"
        if decision.kind is DecisionKind.EVIDENCE_REQUESTED
        else "The name it is escalated to"
    )
    found: dict[str, str] = {}
    for name, called, value, limit in (
        ("note", "The decision's note", decision.note, rules.TEXT),
        ("whom", whom, decision.whom, rules.NAME),
    ):
        reason = rules.problem(value, limit, name=False) if value else None
        if reason is not None:
            found[name] = f"{called} {reason}."
    return found


def _check_fields(meeting: Meeting, decision: DecisionEntry, about: str) -> None:
    """Refuse, in one sentence, a decision's note or whom that breaks the field rules, and a
    request for evidence or an escalation that does not say from or to whom (or by when);
    ``about`` names its subject ("item", "inspection")."""
    for problem in decision_field_problems(decision).values():
        raise RuleError(problem)
    kind, whom = decision.kind, decision.whom.strip()
    if kind is DecisionKind.EVIDENCE_REQUESTED and (not whom or decision.until is None):
        raise RuleError("Say whom the evidence is requested from, and by when.")
    due = decision.until
    if kind is DecisionKind.EVIDENCE_REQUESTED and due is not None and due < meeting.held_on:
        raise RuleError(
            "The evidence cannot be due before the meeting that asks for it, "
            f"{format_date(meeting.held_on)}."
        )
    if kind is DecisionKind.ESCALATED and not whom:
        raise RuleError(f"Say to whom the {about} is escalated.")


def _check_decision(rec: Recommendation, meeting: Meeting, decision: DecisionEntry) -> None:
    """Refuse, in one sentence, a decision its kind does not allow (before anything changes)."""
    _check_fields(meeting, decision, "item")
    kind = decision.kind
    if kind is DecisionKind.SIGNED_OFF and rec.status is Status.CLOSED:
        raise RuleError(f"{describe(rec)} is already signed off.")
    if kind is DecisionKind.SIGNED_OFF and not meeting.chair.strip():
        raise RuleError(
            f"The meeting {key_of_meeting(meeting)} has no chair: name the chair before "
            "signing off, as the chair gives the assurance."
        )
    if kind is DecisionKind.EXTENDED:
        if not rec.status.is_open:
            raise RuleError(
                f"{describe(rec)} is {rec.status.label.lower()}: its target cannot be extended."
            )
        if decision.until is None:
            raise RuleError("Give the new target date.")
        if rec.target_date is not None and decision.until <= rec.target_date:
            raise RuleError(
                "The new target date must be after the current one, "
                f"{format_date(rec.target_date)}."
            )
        if decision.until < meeting.held_on:
            # (a trial's target "extended" to a date already past: overdue as it was recorded)
            raise RuleError(
                "The new target date cannot be before the meeting that extends it, "
                f"{format_date(meeting.held_on)}."
            )


def _check_not_recorded(
    meeting: Meeting, subject: tuple[int | None, int | None, int | None], decision: DecisionEntry,
    name: str,
) -> None:  # fmt: skip
    """Refuse the very decision the meeting has recorded about it already (same kind, note,
    date and person): a command run twice recorded it twice, and the minutes and action log
    listed it twice (a trial's find)."""
    for row in meeting.decisions:
        if (
            _subject_ids(row) == subject
            and row.kind is decision.kind
            and row.note == decision.note.strip()
            and row.until == decision.until
            and row.whom == decision.whom.strip()
        ):
            raise RuleError(
                f"{name} has that decision from the meeting {key_of_meeting(meeting)} "
                "already; nothing was changed."
            )


def source_refusal(what: SourceKey, kind: DecisionKind) -> str | None:
    """Why a whole review or inspection cannot take a decision of ``kind``, or None: its
    items are signed off and given new targets one by one (meeting mode's tooltip too)."""
    if kind.for_whole_source:
        return None
    source = "An inspection" if what.inspection else "A review"
    items = "its items" if what.inspection else "its recommendations"
    doing = "signed off" if kind is DecisionKind.SIGNED_OFF else "given a new target"
    record = "sign-off" if kind is DecisionKind.SIGNED_OFF else "new target"
    return f"{source} is {doing} item by item: record the {record} on each of {items}."


def decision_log_text(meeting: MeetingKey, chair: str, decision: DecisionEntry) -> str:
    """The item's log entry for a decision, naming the meeting: "Case Review Subgroup,
    10 December 2026: target extended to 31 March 2027. <note>" (also how the sample data
    writes its meetings' entries, db.services.sample)."""
    return decision_text(
        str(meeting),
        decision.kind,
        until=decision.until,
        whom=decision.whom,
        chair=chair,
        note=decision.note,
    )


def decide(
    session: Session,
    key: MeetingKey,
    what: ItemKey | SourceKey,
    decision: DecisionEntry,
    *,
    on: dt.date,
    actor: str,
    seen: Seen | None = None,
) -> DecisionKey:
    """Record a meeting's decision about an item, or a whole review or inspection, on its
    agenda, at once, dated the meeting's day (``on``, today, only refuses a meeting still to
    come). About an item: its log entry naming the meeting, its change, and the ``Decision``
    row. A sign-off closes the item through the lifecycle's rules with the chair as assurer
    on the meeting's date (so it needs evidence); an extension moves the target date. About
    a whole review or inspection: the ``Decision`` row only, and only noted, evidence
    requested or escalated (``source_refusal``). A refusal is one sentence and changes
    nothing. With ``seen`` (what the chair's screen showed), only if the item, or the
    meeting's decisions about it, are still as shown (else ``ConflictError``, naming who
    changed them and when).
    """
    meeting = meeting_by_key(session, key)
    if seen is not None:
        rec, review, inspection = _subject(session, what)
        now = _seen(session, meeting, rec, review, inspection)
        if now != seen:
            name = describe(rec) if rec is not None else _name(what)
            raise _changed_since(session, meeting, name, rec, seen=seen, now=now)
    if meeting.held_on > on:
        raise RuleError(
            f"The meeting {key} is still to come: its decisions can be recorded from "
            f"{format_date(meeting.held_on)}."
        )
    if isinstance(what, SourceKey):
        return _decide_source(session, meeting, what, decision, actor=actor)
    return _decide_item(session, meeting, what, decision, actor=actor)


def _decide_source(
    session: Session, meeting: Meeting, what: SourceKey, decision: DecisionEntry, *, actor: str
) -> DecisionKey:
    key = key_of_meeting(meeting)
    _, review, inspection = _subject(session, what)
    if review is not None:
        placed = AgendaItem.review_id == review.id
    else:
        assert inspection is not None  # _subject found one or refused
        placed = AgendaItem.inspection_id == inspection.id
    on_agenda = session.scalar(
        select(AgendaItem.id).where(AgendaItem.meeting_id == meeting.id, placed)
    )
    if on_agenda is None:
        raise NotOnAgendaError(f"{_name(what)} is not on the agenda of {key} as a whole")
    if not actor.strip():
        raise RuleError("A decision needs the name of the person recording it.")
    refused = source_refusal(what, decision.kind)
    if refused is not None:
        raise RuleError(refused)
    _check_fields(meeting, decision, "inspection" if what.inspection else "review")
    subject = (None, review.id if review else None, inspection.id if inspection else None)
    _check_not_recorded(meeting, subject, decision, _name(what))
    row = _decision_row(meeting, decision, actor)
    row.review, row.inspection = review, inspection
    meeting.decisions.append(row)
    session.flush()
    return DecisionKey(key, what, decision.kind, row.recorded_at)


def _decision_row(meeting: Meeting, decision: DecisionEntry, actor: str) -> Decision:
    """The meeting's record of a decision, dated its day (its subject set by the caller)."""
    return Decision(
        kind=decision.kind,
        note=decision.note.strip(),
        until=decision.until,
        whom=decision.whom.strip(),
        decided_on=meeting.held_on,
        decided_by=actor.strip(),
    )


def _decide_item(
    session: Session, meeting: Meeting, item: ItemKey, decision: DecisionEntry, *, actor: str
) -> DecisionKey:
    key = key_of_meeting(meeting)
    rec = item_by_key(session, item)
    if not _on_agenda(session, meeting, rec):
        raise NotOnAgendaError(f"{describe(rec)} is not on the agenda of {key}")
    if not actor.strip():
        raise RuleError("A decision needs the name of the person recording it.")
    _check_decision(rec, meeting, decision)
    _check_not_recorded(meeting, (rec.id, None, None), decision, describe(rec))
    before = ItemBefore(status_state(session, item), rec.target_date)
    text = decision_log_text(key, meeting.chair, decision)
    if decision.kind is DecisionKind.SIGNED_OFF:
        logged = sign_off(
            session, rec.id, assured_by=meeting.chair, on=meeting.held_on, author=actor, note=text
        )
    else:
        if decision.kind is DecisionKind.EXTENDED:
            rec.target_date = decision.until
        logged = record_update(session, rec.id, on=meeting.held_on, author=actor, note=text)
    row = _decision_row(meeting, decision, actor)
    row.recommendation = rec
    meeting.decisions.append(row)
    session.flush()
    found = update_key_by_id(session, logged.id)
    entry = found[1] if found is not None else None
    return DecisionKey(key, item, decision.kind, row.recorded_at, before, entry)


class _Tried(Exception):
    """How a decision only asked about is rolled back."""


def decision_refusal(
    database: Database,
    key: MeetingKey,
    what: ItemKey | SourceKey,
    decision: DecisionEntry,
    *,
    on: dt.date,
) -> str | None:
    """Why ``decide`` would refuse ``decision`` now, in its one sentence, or None: the decision
    is made in a transaction that is then rolled back, so every rule (the lifecycle's too) is
    asked exactly as recording it would, before the chair's dialog closes."""
    try:
        with database.transaction("check") as session:
            decide(session, key, what, decision, on=on, actor="check")
            raise _Tried
    except _Tried:  # not a failure: the decision would be recorded
        return None
    except (RuleError, NotFoundError, ConflictError) as exc:
        return exc.message


def _subject_ids(row: Decision) -> tuple[int | None, int | None, int | None]:
    """What a decision is about, as ids: an item, a review or an inspection (one is set)."""
    return row.recommendation_id, row.review_id, row.inspection_id


def _decision_by_key(session: Session, key: DecisionKey) -> Decision:
    meeting = meeting_by_key(session, key.meeting)
    rec, review, inspection = _subject(session, key.item)
    subject = tuple(found.id if found else None for found in (rec, review, inspection))
    for row in meeting.decisions:
        if (
            _subject_ids(row) == subject
            and row.kind is key.kind
            and row.recorded_at == key.recorded_at
        ):
            return row
    about = describe(rec) if rec is not None else _name(key.item)
    raise NotFoundError(f"That decision about {about} is no longer recorded for {key.meeting}.")


def undo_decision(session: Session, key: DecisionKey, *, author: str) -> None:
    """Take back a decision: the item as it was (its status and sign-off, its target date),
    the decision's log entry withdrawn with the reason (kept in the log, no longer a change),
    and the ``Decision`` row removed (all a decision about a whole review or inspection has).
    Nothing is dated another day than the meeting's.

    Refused (``ConflictError``) when the item has changed since in what the decision set, or
    its entry was withdrawn meanwhile, so that undo never overwrites someone else's change."""
    row = _decision_by_key(session, key)
    rec = row.recommendation
    if rec is None:  # a whole review or inspection: the row is all there is
        session.delete(row)
        session.flush()
        return
    kind = key.kind
    if key.before is None or key.entry is None:
        raise RuleError(f"The decision about {describe(rec)} cannot be undone from here.")
    changed = (kind is DecisionKind.SIGNED_OFF and rec.status is not Status.CLOSED) or (
        kind is DecisionKind.EXTENDED and rec.target_date != row.until
    )
    if changed:
        raise conflict_error(session, rec, describe(rec), undoing="the decision")
    assert isinstance(key.item, ItemKey)  # as the row names an item
    withdraw_update(
        session,
        key.item,
        key.entry,
        by=author,
        reason=f"The decision ({kind.label.lower()}) was undone.",
    )
    if kind is DecisionKind.SIGNED_OFF:
        put_status_back(rec, key.before.status)
    elif kind is DecisionKind.EXTENDED:
        rec.target_date = key.before.target_date
    session.delete(row)
    session.flush()


# ----------------------------------------------------------------------------- reading


def meeting_rows(session: Session, today: dt.date) -> list[MeetingRow]:
    """Every meeting, past and coming, the newest first, with its counts."""
    agenda_count = (
        select(func.count(AgendaItem.id))
        .where(AgendaItem.meeting_id == Meeting.id)
        .scalar_subquery()
    )
    decision_count = (
        select(func.count(Decision.id)).where(Decision.meeting_id == Meeting.id).scalar_subquery()
    )
    return [
        MeetingRow(MeetingKey(held_on, title), chair, agenda_n, decided_n, held_on >= today)
        for held_on, title, chair, agenda_n, decided_n in session.execute(
            select(
                Meeting.held_on, Meeting.title, Meeting.chair, agenda_count, decision_count
            ).order_by(Meeting.held_on.desc(), Meeting.title)
        )
    ]


_ACTIONS = {
    DecisionKind.EVIDENCE_REQUESTED: "Evidence to be provided to the panel",
    DecisionKind.ESCALATED: "Escalated",
    DecisionKind.EXTENDED: "Complete by the extended target date",
}


def _superseded(later: Decision, earlier: Decision) -> bool:
    """Whether ``later``, made at the same meeting about the same item, ends the action
    ``earlier`` set: a sign-off ends every action (the evidence was seen, the work is done),
    and a second extension replaces the first's target."""
    if _subject_ids(later) != _subject_ids(earlier):
        return False
    return later.kind is DecisionKind.SIGNED_OFF or later.kind is earlier.kind is (
        DecisionKind.EXTENDED
    )


def _decided_about(row: Decision) -> tuple[ItemKey | SourceKey, str, str | None, str]:
    """What a decision is about (its key), its number ("" for a whole review or inspection),
    its text (the item's, or the review's or inspection's title) and an action's owner."""
    if row.recommendation is not None:
        rec = row.recommendation
        owner = "; ".join(rec.agency_names(AgencyRole.LEAD))
        return key_of(rec), rec.number, rec.text, owner
    if row.review is not None:  # a review has no lead agencies of its own: its items do
        return SourceKey(row.review.reference), "", row.review.title, ""
    assert row.inspection is not None
    inspection = row.inspection
    what = SourceKey(inspection.reference, inspection=True)
    return what, "", inspection.title, inspection.organisation.name


def decisions(
    session: Session, key: MeetingKey, *, in_agenda_order: bool = False
) -> MeetingDecisions:
    """A meeting's decisions per item (or whole review or inspection) in the order they were
    made, and the actions they set (owner: the item's lead agencies, a whole inspection's
    inspected organisation; due: the decision's date). Every decision is listed; an action a
    later decision of the meeting ended (``_superseded``) is not.

    ``in_agenda_order``: as the minutes list them, in the agenda's order (``_agenda_order``)."""
    found = _decisions(session, key)
    return _agenda_order(session, key, found) if in_agenda_order else found


def _agenda_order(session: Session, key: MeetingKey, found: MeetingDecisions) -> MeetingDecisions:
    """``found`` in the order of the meeting's agenda: a chair who took item 5 before item 2
    had minutes listing 5 first, against the agenda the panel held. Decisions about an entry
    keep the order they were made in; about an item whose whole review or inspection is on
    the agenda, that entry's place; about anything else (an entry taken off since), after the
    agenda, in the order made."""
    if len(found.decisions) < 2:  # (a meeting yet to be held: its agenda is not read again)
        return found
    entries = stored_entries(session, key)
    places: dict[ItemKey | SourceKey, int] = {}
    by_reference: dict[str, int] = {}
    for place, entry in enumerate(entries):
        places.setdefault(entry.what, place)
        if isinstance(entry.what, SourceKey):
            by_reference.setdefault(entry.what.reference, place)
    last = len(entries)

    def place_of(what: ItemKey | SourceKey) -> int:
        found = places.get(what)
        if found is None and isinstance(what, ItemKey):
            found = by_reference.get(what.source)
        return last if found is None else found

    return MeetingDecisions(
        tuple(sorted(found.decisions, key=lambda line: place_of(line.key.item))),
        tuple(sorted(found.actions, key=lambda action: place_of(action.item))),
    )


def _decisions(session: Session, key: MeetingKey) -> MeetingDecisions:
    meeting = meeting_by_key(session, key)
    lines: list[DecisionLine] = []
    actions: list[ActionLine] = []
    made = list(meeting.decisions)
    for index, row in enumerate(made):
        what, number, text, owner = _decided_about(row)
        lines.append(
            DecisionLine(
                key=DecisionKey(key, what, row.kind, row.recorded_at),
                source=what.source if isinstance(what, ItemKey) else what.reference,
                number=number,
                text=text,
                kind=row.kind,
                kind_label=row.kind.label,
                note=row.note,
                until=row.until,
                whom=row.whom,
                decided_on=row.decided_on,
                decided_by=row.decided_by,
                whole="" if isinstance(what, ItemKey) else what.whole,
            )
        )
        if row.kind in _ACTIONS and not any(_superseded(later, row) for later in made[index + 1 :]):
            action = _ACTIONS[row.kind]
            if row.whom:  # (a name may end in brackets of its own: none added around it)
                way = "by" if row.kind is DecisionKind.EVIDENCE_REQUESTED else "to"
                action += f" {way} {row.whom}"
            actions.append(ActionLine(what, row.kind, action, owner, row.until))
    return MeetingDecisions(tuple(lines), tuple(actions))


def minutes(session: Session, key: MeetingKey) -> Minutes:
    """What the meeting's minutes and action log print: its decisions in the agenda's order."""
    return Minutes(meeting_fields(session, key), decisions(session, key, in_agenda_order=True))


__all__ = [
    "AGENDA_LIMIT",
    "ActionLine",
    "AgendaEntry",
    "AgendaLine",
    "AgendaProposal",
    "DecisionEntry",
    "DecisionKey",
    "DecisionLine",
    "Ground",
    "ItemBefore",
    "ItemView",
    "MeetingDecisions",
    "MeetingFields",
    "MeetingKey",
    "MeetingRow",
    "MeetingSnapshot",
    "Minutes",
    "Person",
    "Proposal",
    "ProposedAgenda",
    "SourceKey",
    "UpdateLine",
    "agenda",
    "agenda_item",
    "agenda_proposal",
    "agenda_source",
    "check_meeting",
    "create_meeting",
    "decide",
    "decided_about",
    "decision_field_problems",
    "decision_log_text",
    "decision_refusal",
    "decisions",
    "delete_meeting",
    "key_of_meeting",
    "meeting_by_date",
    "meeting_by_key",
    "meeting_fields",
    "meeting_rows",
    "meeting_snapshot",
    "meeting_still",
    "minutes",
    "propose_agenda",
    "proposed_agenda",
    "restore_meeting",
    "set_agenda",
    "source_refusal",
    "undo_decision",
    "update_meeting",
]


def record_minutes(
    database: Database,
    key: MeetingKey,
    data: bytes,
    *,
    name: str,
    actor: str,
    write: Callable[[bytes], None],
) -> None:
    """Write the minutes of ``key`` with ``write`` and record it in the audit trail (the
    file's ``name`` and the meeting), in one short transaction, as an export is: a failure to
    write rolls the entry back."""
    from db.store.audit import record

    with database.transaction(actor) as session:
        record(session, entity="minutes", entity_id=name, new={"meeting": str(key)})
        write(data)
