"""What a briefing pack says, gathered from the database into plain data.

The renderer (``desktop.briefing``) draws this and knows nothing of the database; this module
knows nothing of ReportLab.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, fields, is_dataclass, replace
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, selectinload

from db.core.dates import format_date
from db.core.errors import CaseReviewError, NotFoundError
from db.core.rules import rating_for
from db.core.vocabulary import AgencyRole, Rating, Status
from db.queries.details import GradeMatrix, area_rows, grade_matrix, initiative_rows
from db.queries.meetings import AgendaOrder, agenda_order, neighbours, source_decisions
from db.queries.themes import ThemeYears, themes_by_year
from db.store.database import Database
from db.store.models import (
    AuditEntry,
    Inspection,
    Organisation,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    RepeatLink,
    Review,
)


@dataclass(frozen=True)
class PackItem:
    number: str
    kind: str
    text: str | None
    lead: str
    joint: str
    target_date: dt.date | None
    status: Status
    rating: Rating | None  # None for findings that are noted, not tracked
    latest_update: str


@dataclass(frozen=True)
class PackReview:
    reference: str
    title: str
    kind: str
    subject: str
    commissioned_by: str
    published: str
    summary: str
    items: list[PackItem]


@dataclass(frozen=True)
class PackArea:
    name: str
    grade: str | None
    grade_position: int | None
    grade_count: int


@dataclass(frozen=True)
class PackInspection:
    reference: str
    title: str
    organisation: str
    inspectorate: str
    programme: str
    published: dt.date | None
    areas: list[PackArea]
    findings: list[PackItem]
    initiatives: list[tuple[str, str]]
    matrix: GradeMatrix


@dataclass(frozen=True)
class Change:
    on: dt.date
    source: str
    number: str
    what: str
    kind: str = ""  # the item's kind's label (an inspection's recommendation 1 and its
    # area for improvement 1 are two items); "" for a review or an inspection as a whole


@dataclass
class PackRepeat:
    """A confirmed repeat of earlier learning (issue 25): the item, the earlier item whose
    learning it repeats, and what became of that one."""

    source: str
    number: str
    earlier_source: str
    earlier_number: str
    earlier_status: Status
    decided_by: str

    @property
    def recurred(self) -> bool:
        """The earlier item was closed, and its learning has come again: what a panel most
        needs to see."""
        return self.earlier_status is Status.CLOSED


@dataclass
class Pack:
    title: str
    meeting_date: dt.date | None
    marking: str
    as_of: dt.date
    prepared_by: str
    reviews: list[PackReview] = field(default_factory=list)
    inspections: list[PackInspection] = field(default_factory=list)
    since: dt.date | None = None
    changes: list[Change] = field(default_factory=list)
    # The audit trail as the pack was made: how many entries, and the newest one's hash (the
    # entry recording this pack, when made by ``make_pack``).
    audit_entries: int = 0
    audit_head: str = ""
    # The meeting the pack is for, named on its first page (empty for a pack made for a date).
    meeting_title: str = ""
    # Confirmed repeats naming an item of the pack's reviews and inspections, either side.
    repeats: list[PackRepeat] = field(default_factory=list)
    # The pack's items by learning theme and year published (db.queries.themes).
    themes: ThemeYears | None = None
    # Set by the caller of ``pack_being_made`` once the pack is where it was to go: an
    # interruption after that is not recorded as the pack not made.
    delivered: bool = False

    @property
    def items(self) -> list[PackItem]:
        return [i for r in self.reviews for i in r.items] + [
            f for i in self.inspections for f in i.findings if f.rating is not None
        ]

    @property
    def is_empty(self) -> bool:
        return not self.reviews and not self.inspections


def _items_of(
    session: Session, source: Any, chosen: Select[int], today: dt.date
) -> dict[int, list[tuple[int, PackItem]]]:
    """The tracked items of the reviews (``source`` ``Recommendation.review_id``) or the
    inspections (``Recommendation.inspection_id``) whose ids ``chosen`` selects, as a pack
    prints them, with their positions, in order, by their source's id.

    Three queries of plain rows, whatever the number of items (the items, their agencies,
    their live updates): loaded as objects with their relationships, the 8,000 items of a
    large pack took longer to gather than to draw (issue 26).
    """
    ids = select(Recommendation.id).where(source.in_(chosen))
    agencies: dict[int, list[tuple[AgencyRole, str]]] = {}
    for rec_id, role, name in session.execute(
        select(RecommendationAgency.recommendation_id, RecommendationAgency.role, Organisation.name)
        .join(Organisation, RecommendationAgency.organisation_id == Organisation.id)
        .where(RecommendationAgency.recommendation_id.in_(ids))
        .order_by(RecommendationAgency.recommendation_id, RecommendationAgency.position)
    ):
        agencies.setdefault(rec_id, []).append((role, name))
    latest: dict[int, str] = {}
    # A withdrawn update (entered in error) is no one's latest progress.
    for rec_id, on, status, note in session.execute(
        select(
            ProgressUpdate.recommendation_id,
            ProgressUpdate.on,
            ProgressUpdate.status,
            ProgressUpdate.note,
        )
        .where(ProgressUpdate.recommendation_id.in_(ids), ProgressUpdate.withdrawn_at.is_(None))
        .order_by(ProgressUpdate.recommendation_id, ProgressUpdate.on, ProgressUpdate.id)
    ):
        change = f" ({status.label.lower()})" if status else ""
        latest[rec_id] = f"{format_date(on)}{change}: {note}".strip()
    found: dict[int, list[tuple[int, PackItem]]] = {}
    for rec_id, source_id, position, number, kind, text, target, status in session.execute(
        select(
            Recommendation.id,
            source,
            Recommendation.position,
            Recommendation.number,
            Recommendation.kind,
            Recommendation.text,
            Recommendation.target_date,
            Recommendation.status,
        )
        .where(Recommendation.id.in_(ids))
        .order_by(source, Recommendation.position, Recommendation.id)
    ):
        links = agencies.get(rec_id, ())
        item = PackItem(
            number=number,
            kind=kind.label,
            text=text,
            lead="; ".join(name for role, name in links if role is AgencyRole.LEAD),
            joint="; ".join(name for role, name in links if role is AgencyRole.JOINT),
            target_date=target,
            status=status,
            rating=rating_for(status, target, today),
            latest_update=latest.get(rec_id, ""),
        )
        found.setdefault(source_id, []).append((position, item))
    return found


# Apostrophes as word processors type them, read as the one on the keyboard.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "\u2032": "'"})


def _fold(text: str) -> str:
    """``text`` as names are compared: composed (NFC), case-folded, without accents.

    Accents (the combining diacritical marks, U+0300 to U+036F) are dropped because the same
    name is often written without them: Greek capitals without their tonos, "Zoe" for "Zoë",
    Cyrillic "\u0435" for "\u0451". The Turkish dotted capital I and dotless small i read as
    "i", and typographic apostrophes as "'", for the same reason. Letters of their own ("ß",
    "Ł", "ø") are kept, as case-folded ("ß" is "ss").
    """
    folded = unicodedata.normalize("NFD", unicodedata.normalize("NFC", text).casefold())
    bare = "".join(c for c in folded if not "\u0300" <= c <= "\u036f")
    return unicodedata.normalize("NFC", bare.replace("\u0131", "i").translate(_APOSTROPHES))


_fold_piece = functools.lru_cache(maxsize=4096)(_fold)  # for a character or a few


def _clusters(text: str) -> list[str]:
    """``text`` cut into pieces that normalisation never joins: a character with the marks
    that follow it (as decomposed text holds them), or anything else NFC would compose."""
    pieces: list[str] = []
    for char in text:
        if pieces and char >= "\x80" and _joins(pieces[-1], char):
            pieces[-1] += char
        else:
            pieces.append(char)
    return pieces


@functools.lru_cache(maxsize=4096)
def _joins(piece: str, char: str) -> bool:
    """Whether NFC would join ``char`` to the ``piece`` of text before it (no character
    below U+0080 is ever joined to what precedes it)."""
    return bool(unicodedata.combining(char)) or len(
        unicodedata.normalize("NFC", piece + char)
    ) <= len(unicodedata.normalize("NFC", piece))


def _folded_with_offsets(text: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """``_fold(text)``, with where in ``text`` each of its characters starts and ends."""
    # Text already composed (most text) has nothing for NFC to join: each character is
    # folded on its own.
    pieces = text if unicodedata.is_normalized("NFC", text) else _clusters(text)
    parts = [_fold_piece(piece) for piece in pieces]
    folded = "".join(parts)
    if len(parts) == len(text) and all(len(part) == 1 for part in parts):
        return folded, range(len(text)), range(1, len(text) + 1)  # one character for one
    starts: list[int] = []
    ends: list[int] = []
    at = 0
    for piece, part in zip(pieces, parts, strict=True):
        starts += [at] * len(part)
        ends += [at + len(piece)] * len(part)
        at += len(piece)
    return folded, starts, ends


def _is_mark(text: str, at: int) -> bool:
    """Whether ``text[at]`` is a combining mark (part of the word it sits in)."""
    return 0 <= at < len(text) and unicodedata.category(text[at]).startswith("M")


def _redactor(reviews: list[Review]) -> Callable[[str], str]:
    """Replace every listed name of a child or family member with its review's label.

    Names and text are compared folded (``_fold``: composed, case-folded, without accents),
    so a name matches however it was typed or capitalised ("WEISS" for "Weiß", "İbrahim" in
    decomposed form); the parts of a name match across line breaks and runs of spaces. What
    is replaced is the original text the folded match came from.
    """
    replacements: dict[str, str] = {}
    for review in reviews:
        label = review.anonymised_label.strip() or "[name withheld]"
        for name in review.names_to_redact.splitlines():
            key = " ".join(_fold(name).split())
            if key:
                replacements[key] = label
    if not replacements:
        return lambda text: text
    names = sorted(replacements, key=len, reverse=True)  # "Khyra Ishaq" before "Khyra"
    alternatives = "|".join(r"\s+".join(re.escape(part) for part in n.split()) for n in names)
    pattern = re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")

    def redact(text: str) -> str:
        starts: Sequence[int]
        ends: Sequence[int]
        if text.isascii():  # most text: folding is lower-casing, one character for one
            folded, starts, ends = text.lower(), range(len(text)), range(1, len(text) + 1)
        elif not pattern.search(_fold(text)):
            return text  # quicker than folding piece by piece, and most text names nobody
        else:
            folded, starts, ends = _folded_with_offsets(text)
        pieces: list[str] = []
        done = at = 0
        while match := pattern.search(folded, at):
            if _is_mark(folded, match.start() - 1) or _is_mark(folded, match.end()):
                at = match.start() + 1  # inside a word after all: a later match may fit
                continue
            at = match.end()
            start, end = starts[match.start()], ends[match.end() - 1]
            if start < done:  # two matches from one character that folds to several
                continue
            pieces += [text[done:start], replacements[" ".join(match.group(0).split())]]
            done = end
        return "".join(pieces) + text[done:] if pieces else text

    return redact


def _scrub(value: Any, redact: Callable[[str], str]) -> Any:
    """Apply ``redact`` to every string inside plain data (dataclasses, lists, dicts)."""
    if isinstance(value, Enum):  # statuses and ratings are str subclasses: leave them be
        return value
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, list):
        return [_scrub(v, redact) for v in value]
    if isinstance(value, tuple):
        return tuple(_scrub(v, redact) for v in value)
    if isinstance(value, dict):
        return {_scrub(k, redact): _scrub(v, redact) for k, v in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _scrub(getattr(value, f.name), redact) for f in fields(value)}
        return replace(value, **changes)
    return value


def _audited_status_changes(
    session: Session, since: dt.date, shown: set[str], logged: set[tuple[int, Status]]
) -> list[Change]:
    """Status changes the audit trail holds but the progress log does not (imports, edits).

    A change taken back by the next change of the same item (closed, then undone back to
    implemented) is no change: the pair is left out, as undo and redo leave the item as it
    was (found by a new user: an undone sign-off was listed as two changes)."""
    start = dt.datetime.combine(since, dt.time(), tzinfo=dt.UTC)
    entries = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.entity == Recommendation.__tablename__,
            AuditEntry.field == "status",
            AuditEntry.at >= start,
        )
        .order_by(AuditEntry.id)
    ).all()
    kept: dict[str, list[AuditEntry]] = {}
    for entry in entries:
        changes = kept.setdefault(entry.entity_id, [])
        if changes and (changes[-1].old, changes[-1].new) == (entry.new, entry.old):
            changes.pop()  # taken back
        else:
            changes.append(entry)
    found = []
    for entry in sorted((e for changes in kept.values() for e in changes), key=lambda e: e.id):
        rec = session.get(Recommendation, int(entry.entity_id))
        if rec is None or rec.source_reference not in shown:
            continue
        on = entry.at.date()
        # A change the progress log records already (it may be backdated) is not repeated.
        if entry.new and (rec.id, Status(entry.new)) in logged:
            continue
        old = Status(entry.old).label.lower() if entry.old else "none"
        new = Status(entry.new).label.lower() if entry.new else "none"
        found.append(
            Change(
                on,
                rec.source_reference,
                rec.number,
                f"Status changed from {old} to {new} by {entry.actor} (audit trail).",
                rec.kind.label,
            )
        )
    return found


@dataclass(frozen=True)
class PackOptions:
    """What a pack is to hold, as the command line's options or the Briefing pack dialog
    chose it. ``reviews`` and ``inspections`` None means all of them."""

    today: dt.date
    title: str
    marking: str
    prepared_by: str
    meeting_date: dt.date | None = None
    since: dt.date | None = None
    reviews: list[str] | None = None
    inspections: list[str] | None = None
    redact: bool = False
    # With ``meeting_date``, the meeting (of those that day) the pack is for: the pack follows
    # its agenda, and its changes are since the meeting before unless ``since`` says.
    meeting_title: str | None = None

    def recorded(self) -> dict[str, object]:
        """The choices the audit trail records for a pack made with these options."""
        meeting = {"meeting": self.meeting_title} if self.meeting_title is not None else {}
        return {
            **meeting,
            "meeting_date": self.meeting_date.isoformat() if self.meeting_date else None,
            "since": self.since.isoformat() if self.since else None,
            "reviews": self.reviews,
            "inspections": self.inspections,
            "redact": self.redact,
            "marking": self.marking,
        }


def gather(session: Session, options: PackOptions) -> Pack:
    """Everything the pack shows; with ``reviews`` or ``inspections``, only those."""
    today, reviews, inspections = options.today, options.reviews, options.inspections
    meeting_date, since = options.meeting_date, options.since
    title, marking, prepared_by = options.title, options.marking, options.prepared_by
    order = _agenda(session, options)
    if order is not None and since is None and meeting_date is not None:
        since = neighbours(session, meeting_date)[0]
    pack = Pack(title, meeting_date, marking, today, prepared_by, since=since)
    pack.meeting_title = options.meeting_title or ""
    chosen = bool(reviews or inspections)
    # A meeting's pack holds what its agenda names (everything, for an empty agenda).
    on_agenda = order.sources if order is not None and not chosen else ()
    # Each kind of source is read once, with its items in three queries (_items_of).
    # The references shown of each kind: those chosen (maybe none of one kind), else the
    # agenda's, else (None) all.
    shown_reviews: Sequence[str] | None = None
    shown_inspections: Sequence[str] | None = None
    if chosen:
        shown_reviews, shown_inspections = reviews or [], inspections or []
    elif on_agenda:
        shown_reviews = shown_inspections = on_agenda
    review_ids = _shown(Review, shown_reviews)
    review_items = _items_of(session, Recommendation.review_id, review_ids, today)
    review_query = (
        select(Review)
        .where(Review.id.in_(review_ids))
        .options(selectinload(Review.commissioned_by))
        .order_by(Review.reference)
    )
    for review in session.scalars(review_query):
        pack.reviews.append(
            PackReview(
                reference=review.reference,
                title=review.title,
                kind=review.kind.label,
                subject=review.subject,
                commissioned_by=review.commissioned_by.name if review.commissioned_by else "",
                published=review.published.display() if review.published else "",
                summary=review.summary,
                items=[item for _, item in review_items.get(review.id, [])],
            )
        )
    inspection_ids = _shown(Inspection, shown_inspections)
    inspection_items = _items_of(session, Recommendation.inspection_id, inspection_ids, today)
    inspection_query = (
        select(Inspection)
        .where(Inspection.id.in_(inspection_ids))
        .options(
            selectinload(Inspection.findings),
            selectinload(Inspection.organisation),
            selectinload(Inspection.inspectorate),
        )
        .order_by(Inspection.published_on, Inspection.reference)
    )
    for inspection in session.scalars(inspection_query):
        findings = [
            (
                f.position,
                PackItem(
                    f.number, f.kind.label, f.text, "", "", None, Status.NOT_STARTED, None, ""
                ),
            )
            for f in inspection.findings
        ]
        findings += inspection_items.get(inspection.id, [])
        pack.inspections.append(
            PackInspection(
                reference=inspection.reference,
                title=inspection.title,
                organisation=inspection.organisation.name,
                inspectorate=inspection.inspectorate.name,
                programme=inspection.programme,
                published=inspection.published_on,
                areas=[
                    PackArea(a.name, a.grade, a.grade_position, a.grade_count)
                    for a in area_rows(session, inspection.id)
                ],
                findings=[item for _, item in sorted(findings, key=lambda p: p[0])],
                initiatives=[
                    (i.name, i.description) for i in initiative_rows(session, inspection.id)
                ],
                matrix=grade_matrix(session, inspection.organisation.name),
            )
        )
    _check_chosen(
        session,
        sorted(set(reviews or []) - {r.reference for r in pack.reviews}),
        sorted(set(inspections or []) - {i.reference for i in pack.inspections}),
    )
    if order is not None:
        _follow(pack, order)
    if since is not None:
        shown = {r.reference for r in pack.reviews} | {i.reference for i in pack.inspections}
        query = (
            select(ProgressUpdate)
            .where(ProgressUpdate.on >= since, ProgressUpdate.withdrawn_at.is_(None))
            .options(selectinload(ProgressUpdate.recommendation))
            .order_by(ProgressUpdate.on, ProgressUpdate.id)
        )
        logged: set[tuple[int, Status]] = set()
        for update in session.scalars(query):
            rec = update.recommendation
            if rec.source_reference not in shown:
                continue
            if update.status is not None:
                logged.add((rec.id, update.status))
            what = f"Status to {update.status.label.lower()}. " if update.status else ""
            pack.changes.append(
                Change(
                    update.on,
                    rec.source_reference,
                    rec.number,
                    (what + update.note).strip(),
                    rec.kind.label,
                )
            )
        pack.changes += _audited_status_changes(session, since, shown, logged)
        pack.changes += _source_decisions(session, since, pack)
        pack.changes.sort(key=lambda c: (c.on, c.source, number_order(c.number)))
    pack.repeats = _repeats(session, pack)
    shown = {r.reference for r in pack.reviews} | {i.reference for i in pack.inspections}
    pack.themes = themes_by_year(session, sources=shown)
    if options.redact:
        every_review = list(session.scalars(select(Review)))
        scrubbed: Pack = _scrub(pack, _redactor(every_review))
        return scrubbed
    return pack


def _shown(
    source: type[Review] | type[Inspection], references: Sequence[str] | None
) -> Select[int]:
    """The ids of the reviews or inspections a pack shows: those of ``references`` (none of
    this kind when it is empty), or all of them for None."""
    ids = select(source.id)
    return ids if references is None else ids.where(source.reference.in_(references))


def _repeats(session: Session, pack: Pack) -> list[PackRepeat]:
    """The confirmed repeats either of whose items the pack shows: new items that repeat
    earlier learning, and earlier items whose learning has come again."""
    shown = {r.reference for r in pack.reviews} | {i.reference for i in pack.inspections}
    found = []
    links = session.scalars(
        select(RepeatLink)
        .where(RepeatLink.verdict == "repeats")
        .options(selectinload(RepeatLink.item), selectinload(RepeatLink.earlier))
    )
    for link in links:
        item, earlier = link.item, link.earlier
        if item.source_reference in shown or earlier.source_reference in shown:
            found.append(
                PackRepeat(
                    item.source_reference,
                    item.number,
                    earlier.source_reference,
                    earlier.number,
                    earlier.status,
                    link.decided_by,
                )
            )
    found.sort(key=lambda r: (not r.recurred, r.source, r.number))
    return found


# Where a change's item number would be, for a decision about a whole review or inspection.
WHOLE = "All"


def number_order(number: str) -> tuple[tuple[int, int | str], ...]:
    """An item's number as people count it, for sorting: "2" before "10", "1.2" before
    "1.10" (a trial's pack listed 1, 10, 11, ..., 3 as text sorts them)."""
    return tuple(
        (0, int(part)) if part.isdecimal() else (1, part.casefold())
        for part in _NUMBER_PARTS.split(number)
        if part
    )


_NUMBER_PARTS = re.compile(r"(\d+)")


def _source_decisions(session: Session, since: dt.date, pack: Pack) -> list[Change]:
    """Decisions about a whole review or inspection in the pack made at meetings since
    ``since``: an item's decisions reach the pack through its log, a whole source's (which
    has none) through these."""
    reviews = {r.reference for r in pack.reviews}
    inspections = {i.reference for i in pack.inspections}
    return [
        Change(decided.on, decided.reference, WHOLE, decided.text)
        for decided in source_decisions(session, since)
        if decided.reference in (inspections if decided.inspection else reviews)
    ]


def _agenda(session: Session, options: PackOptions) -> AgendaOrder | None:
    """The agenda of the meeting the pack is for; None for a pack not made for a meeting."""
    if options.meeting_title is None or options.meeting_date is None:
        return None
    order = agenda_order(session, options.meeting_date, options.meeting_title)
    if order is None:
        raise NotFoundError(
            f"There is no meeting called {options.meeting_title} on "
            f"{format_date(options.meeting_date)}."
        )
    return order


def _follow(pack: Pack, order: AgendaOrder) -> None:
    """Put the pack's reviews and inspections in the order the agenda first names each, and
    each one's items on the agenda first, in the agenda's order (the rest after, as they
    were); what the agenda does not name keeps its place after."""
    sources = {reference: place for place, reference in enumerate(order.sources)}
    last = len(sources)

    after = max(order.items.values(), default=0) + 1  # the place of what the agenda leaves out

    def items(reference: str, found: list[PackItem]) -> list[PackItem]:
        return sorted(found, key=lambda item: order.items.get((reference, item.number), after))

    pack.reviews = sorted(
        (replace(r, items=items(r.reference, r.items)) for r in pack.reviews),
        key=lambda r: sources.get(r.reference, last),
    )
    pack.inspections = sorted(
        (replace(i, findings=items(i.reference, i.findings)) for i in pack.inspections),
        key=lambda i: sources.get(i.reference, last),
    )


class WrongKindError(NotFoundError):
    """A reference chosen as a review is an inspection's, or the other way round."""

    def __init__(self, reference: str, kind: str, chosen_as: str) -> None:
        super().__init__(f"'{reference}' is {kind}, not {chosen_as}.")
        self.reference, self.kind, self.chosen_as = reference, kind, chosen_as


def _check_chosen(session: Session, reviews: list[str], inspections: list[str]) -> None:
    """Refuse references chosen for a pack that are not there: saying so, or saying what a
    reference is when it was chosen as the other kind."""
    for missing, chosen_as, other, kind in (
        (reviews, "a review", Inspection, "an inspection"),
        (inspections, "an inspection", Review, "a review"),
    ):
        for reference in missing:
            if session.scalar(select(other.id).where(other.reference == reference)) is not None:
                raise WrongKindError(reference, kind, chosen_as)
    if reviews or inspections:
        reference = (reviews or inspections)[0]
        raise NotFoundError(f"There is no review or inspection with the reference '{reference}'.")


class _Moved(Exception):
    """Someone saved between gathering a pack and recording it."""


def make_pack(database: Database, actor: str, *, purpose: str, options: PackOptions) -> Pack:
    """``gather`` a pack, then record in the audit trail that it was made (with what it holds
    and ``purpose``: "file", "preview"); the pack states the trail's head, which is that entry.

    Reading and recording are separate, short transactions, so rendering the pack afterwards
    holds no lock that would keep anyone else from saving. If someone saves in between, the
    pack is gathered again, so what it shows is exactly the trail up to its own entry.
    """
    from db.store.audit import record

    chosen = options.recorded()
    for _ in range(5):
        with database.session() as session:
            pack = gather(session, options)
            seen = _entries(session)
        try:
            with database.transaction(actor) as session:
                record(
                    session,
                    entity="briefing packs",
                    entity_id=options.title,
                    new={"purpose": purpose, **chosen},
                )
                pack.audit_entries = _entries(session)
                if pack.audit_entries != seen + 1:
                    raise _Moved
                pack.audit_head = str(
                    session.execute(
                        select(AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
                    ).scalar_one()
                )
        except _Moved:  # not a failure: the data moved on, so the pack is made again
            continue
        return pack
    raise CaseReviewError(
        "The data kept changing while the pack was being made; make it again in a moment."
    )


@contextmanager
def pack_being_made(
    database: Database, actor: str, *, purpose: str, options: PackOptions
) -> Iterator[Pack]:
    """``make_pack``, for a pack rendered and written (or shown) in the ``with`` block.

    The pack is recorded as made before it is rendered, because it states that entry (and
    rendering holds no lock). If the block then fails or is interrupted before it sets the
    pack's ``delivered``, a second entry says the pack was not made and why: the error's
    sentence, or only the kind of an unexpected error, whose text could quote the data. Only
    a process killed outright leaves the first entry alone.
    """
    pack = make_pack(database, actor, purpose=purpose, options=options)
    try:
        yield pack
    except (Exception, KeyboardInterrupt) as exc:
        if pack.delivered:
            raise
        if isinstance(exc, CaseReviewError):
            reason = exc.message
        elif isinstance(exc, KeyboardInterrupt):
            reason = "interrupted"
        else:
            reason = f"it could not be made ({type(exc).__name__})"
        from db.store.audit import record

        with database.transaction(actor) as session:
            record(
                session,
                entity="briefing packs",
                entity_id=options.title,
                new={"purpose": purpose, "not made": reason},
            )
        raise


def _entries(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)
