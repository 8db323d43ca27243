"""From a checked tracker file to the database, all or nothing.

The file's items are merged into the review as the database holds it (only the columns the
file has change anything), and the result goes through the same ``apply_document`` as a
casereview JSON file, in the caller's one transaction. Re-importing the same file changes
nothing: items match by review and number, and the log gains only entries it lacks.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from itertools import islice
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.core import fields
from db.core.collector import collector_paused
from db.core.dates import PartialDate
from db.core.errors import DocumentError
from db.core.rules import TRANSITIONS
from db.core.vocabulary import OrganisationKind, ReviewKind, Status
from db.exchange import Document, ImportSummary
from db.exchange.checks import check_document
from db.exchange.document import (
    EvidenceDoc,
    OrganisationDoc,
    ReviewDoc,
    TrackedDoc,
    UpdateDoc,
)
from db.exchange.held import Held, held_items
from db.exchange.records import Importer, parent_problems, review_doc
from db.exchange.spreadsheets.layout import INITIALS, Field
from db.exchange.spreadsheets.reading import TrackerFileError, TrackerProblemsError
from db.exchange.spreadsheets.tracker_file import (
    ORGANISATION_HEADERS,
    REVIEW_HEADERS,
    CompanionRow,
    Problem,
    TrackerFile,
    TrackerItem,
    parse_stamp,
)
from db.exchange.spreadsheets.values import agencies_of, date_of, status_of, text_of
from db.store.models import Recommendation, Review

_KIND_WORDS = [
    ("serious case review", ReviewKind.SCR),
    ("child safeguarding practice review", ReviewKind.CSPR_LOCAL),
    ("safeguarding adults review", ReviewKind.SAR),
    ("safeguarding adult review", ReviewKind.SAR),
    ("domestic homicide review", ReviewKind.DHR),
    ("domestic abuse related death review", ReviewKind.DHR),
    ("rapid review", ReviewKind.RAPID_REVIEW),
]
_KIND_INITIALS = {
    "SCR": ReviewKind.SCR,
    "CSPR": ReviewKind.CSPR_LOCAL,
    "LCSPR": ReviewKind.CSPR_LOCAL,
    "SAR": ReviewKind.SAR,
    "DHR": ReviewKind.DHR,
    "DARDR": ReviewKind.DHR,
}


BATCH = 2000  # items read, merged and written at a time


@dataclass(frozen=True)
class ImportTarget:
    """Which review items without a review column go to."""

    reference: str
    title: str
    kind: ReviewKind


def default_target(tracker: TrackerFile, reference: str | None = None) -> ImportTarget:
    """The review named by ``--review``, else one named from the title rows or file name."""
    stem = tracker.path.stem
    title = tracker.title or " ".join(re.split(r"[-_\s]+", stem)).strip().capitalize()
    if reference is None:
        # A guess from the file name may be shortened; a reference given is never cut (the
        # import checks it against db.core.fields' rules and refuses it when too long).
        guessed = re.sub(r"[^A-Za-z0-9]+", "-", stem).strip("-").upper() or "IMPORTED"
        reference = guessed[: fields.REFERENCE].strip("-")
    lowered = title.lower()
    kind = next((k for words, k in _KIND_WORDS if words in lowered), None)
    if kind is None:  # by its initials ("LCSPR Child Q"), else a learning review
        initials = re.search(INITIALS, title, re.IGNORECASE)
        said = initials.group(0).upper() if initials else ""
        kind = _KIND_INITIALS.get(said, ReviewKind.LEARNING_REVIEW)
    return ImportTarget(reference, title[: fields.TITLE].strip(), kind)


def problems_error(tracker: TrackerFile, problems: list[Problem]) -> TrackerProblemsError:
    """One line naming the first problem and how many more there are (a command's error is
    one line); every problem, one a line, goes with it for a full report."""
    count = len(problems)
    first = problems[0].describe().rstrip(".")
    more = f" (and {count - 1:,} more)" if count > 1 else ""
    message = (
        f"Nothing was imported: {tracker.path.name} has {count:,} "
        f"{'problem' if count == 1 else 'problems'} to put right first. {first}{more}."
    )
    return TrackerProblemsError(message, [p.describe() for p in problems])


@collector_paused()
def import_tracker(
    session: Session,
    tracker: TrackerFile,
    *,
    today: dt.date,
    actor: str,
    review: str | None = None,
    skip_rows: frozenset[int] = frozenset(),
) -> ImportSummary:
    """Add and update the tracker's items; raises ``TrackerProblemsError`` naming every problem.

    ``skip_rows`` leaves those rows of the tracker's sheet out (the wizard's choice); any
    problem on another row still stops the whole import.

    The items are read from the file, checked, merged and written ``BATCH`` at a time, so
    that memory does not grow with the file (issue 26). A problem found in a later row still
    refuses the whole import: from the first problem on nothing more is written, the rest of
    the file is read for its problems, and the error raised rolls back the caller's one
    transaction, with the rows written before it.
    """
    tracker.check_one_sheet()
    run = _Run(session, tracker, today=today, actor=actor, review=review)
    items = (item for item in tracker.items() if item.row not in skip_rows)
    while batch := list(islice(items, BATCH)):
        run.add(batch)
    run.finish()
    problems = [p for p in tracker.problems if p.row not in skip_rows or p.sheet != tracker.sheet]
    problems += run.repeated + run.problems
    if problems:
        raise problems_error(tracker, _in_order(tracker, problems))
    if run.refused is not None:
        message = f"Nothing was imported from {tracker.path.name}: {run.refused.message}"
        raise TrackerFileError(message) from run.refused
    return run.importer.summary


def _in_order(tracker: TrackerFile, problems: list[Problem]) -> list[Problem]:
    """The problems as the file has them: the main sheet's first, then each sheet casereview
    writes beside it, row by row (a trial's came as each step found them, out of order)."""
    sheets = [tracker.sheet, *tracker.companions.sheets]  # (the book's order)
    order = {name: n for n, name in reversed(list(enumerate(sheets)))}
    return sorted(problems, key=lambda p: (order.get(p.sheet, len(sheets)), p.row or 0))


SAME_ITEMS = 20  # the file's first items with text compared with a review held
SAME_AT_LEAST = 3  # fewer alike are the same tracker only under the same title


def _held_already(session: Session, items: list[TrackerItem], title: str) -> str | None:
    """The reference of a review holding the recommendation text of each of the first items
    (up to ``SAME_ITEMS``) a file would put in a new review: the same tracker again. A trial
    imported this month's copy of a tracker, saved under a new name, and got a second review
    holding every item again, its reference guessed from the new name."""
    texts = list(dict.fromkeys(i.text for i in items if i.text))[:SAME_ITEMS]
    if not texts:
        return None
    held = session.execute(
        select(Review.reference, Review.title)
        .join(Recommendation, Recommendation.review_id == Review.id)
        .where(Recommendation.text.in_(texts))
        .group_by(Review.reference, Review.title)
        .having(func.count(func.distinct(Recommendation.text)) == len(texts))
        .order_by(Review.reference)
    ).all()
    # A short tracker's few items may be worded as another review's are ("Train staff."): it
    # is the same tracker only under the same title (a trial's two one-item reviews).
    plain = _plain(title)
    for reference, held_title in held:
        if len(texts) >= SAME_AT_LEAST or _plain(held_title) == plain:
            return str(reference)
    return None


def _plain(title: str) -> str:
    return " ".join(title.split()).casefold()


@dataclass
class _Held:
    """A review the import names: its details as the database holds them (``base``, without
    its items), each held item's place (by number), the items of the batch being merged as
    ``db.exchange.held`` read them (``items``, which the merged items are compared with, and
    as a file would give them in ``merger``, which the file's are merged into), the numbers
    the file has given it so far, and the next new item's place.

    Only a batch's items are held at a time: read as the batch needs them, let go once it
    is written (``_Run._let_go``). Read whole, a review of 100,000 items imported again took
    327 MB (issue 26's 150 MB)."""

    base: ReviewDoc
    review_id: int | None
    items: dict[str, Held]
    merger: _Merger
    places: dict[str, int]
    listed: set[str] = field(default_factory=set)
    next_place: int = 0


class _Run:
    """One import of a tracker, a batch of items at a time, in the caller's transaction."""

    def __init__(
        self, session: Session, tracker: TrackerFile, *, today: dt.date, actor: str,
        review: str | None,
    ) -> None:  # fmt: skip
        self.session, self.tracker, self.today, self.actor = session, tracker, today, actor
        self.review = review
        self.target = default_target(tracker, review)
        # The review is named by a guess from the file's name (no --review; the wizard gives
        # None for its guess left as it was) and the file has no review column: checked in
        # the first batch that it is not a tracker held already under another name.
        self.guessed = review is None and Field.SOURCE not in tracker.header.columns
        self.problems: list[Problem] = []  # found merging the items into what is held
        self.repeated: list[Problem] = []  # numbers used again when every row goes to one review
        self.first_row: dict[str, int] = {}
        self.refused: DocumentError | None = None
        self.details = _review_details(tracker, self.problems)
        self.updates, self.evidence = tracker.companions.updates, tracker.companions.evidence
        self.updates.begin()
        self.evidence.begin()
        self.reviews: dict[str, _Held] = {}
        self.importer = Importer(session)
        self._organisations()
        session.flush()

    def _organisations(self) -> None:
        """The kinds, parents and notes of the organisations casereview's own workbook names
        ("Organisations"), as a JSON file's: before any item names them, which would make a
        new one "Other". A blank Kind keeps the kind held; a parent must be listed or held,
        and no organisation may end up part of itself, each said on its row."""
        rows = _organisation_details(self.tracker, self.problems)
        if not rows:
            return
        sheet = self.tracker.companions.layouts[ORGANISATION_HEADERS]
        held = self.importer.orgs
        for index, message in parent_problems([r.doc for r in rows], held).items():
            self.problems.append(
                Problem(sheet, rows[index].row, _ORGANISATION_COLUMNS["Part of"], message)
            )
        if self.problems:
            return  # (the import is refused: nothing more is needed of the sheet)
        for r in rows:
            if not r.kind_given and r.doc.name in held:
                r.doc.kind = held[r.doc.name].kind
        self.importer.organisations([r.doc for r in rows])

    def _refuse_the_same_tracker_again(self, items: list[TrackerItem]) -> None:
        self.guessed = False  # the first batch only
        reference = self.target.reference
        if self.session.scalar(select(Review.id).where(Review.reference == reference)):
            return  # the review is held: the import updates it
        twin = _held_already(self.session, items, self.target.title)
        if twin is not None:
            raise TrackerFileError(
                f"Nothing was imported: {self.tracker.path.name} would make a new review, "
                f"{reference}, though review {twin} holds its recommendations already; to "
                f"update {twin}, import into it by its reference (--review, or the Import "
                "wizard's Review reference), or, to keep both, give the new review a "
                "reference of its own."
            )

    @property
    def writing(self) -> bool:
        """Whether batches are still written: not once the merge found anything wrong (a
        problem of the file's rows refuses the import at its end, rolling back what was)."""
        return not (self.problems or self.repeated or self.refused)

    def add(self, items: list[TrackerItem]) -> None:
        if self.guessed:
            self._refuse_the_same_tracker_again(items)
        grouped: dict[str, list[TrackerItem]] = {}
        for item in items:
            if self.review is not None:
                # Every row goes to one review, so a number may appear once in the whole file.
                first = self.first_row.setdefault(item.number, item.row)
                if first != item.row:
                    message = (
                        f"number {item.number} is used again (first on row {first}), and "
                        f"every row goes to review {self.review}"
                    )
                    self.repeated.append(Problem(self.tracker.sheet, item.row, None, message))
            reference = self.target.reference if self.review or not item.source else item.source
            grouped.setdefault(reference, []).append(item)
        for reference, part in grouped.items():
            self._part(self._held(reference), part)

    def _held(self, reference: str) -> _Held:
        """The review as held (read once, when the file first names it), or a new one."""
        held = self.reviews.get(reference)
        if held is None:
            review = self.session.scalars(
                select(Review).where(Review.reference == reference)
            ).first()
            base = None if review is None else review_doc(review, [])
            if reference in self.details:
                base = _with_details(base, self.details[reference])
            if base is None:
                base = ReviewDoc(
                    reference=reference,
                    kind=self.target.kind,
                    title=self.target.title if reference == self.target.reference else reference,
                )
            places = {} if review is None else self._places(review.id)
            merger = _Merger(self.tracker, base, today=self.today, actor=self.actor)
            review_id = None if review is None else review.id
            held = _Held(base, review_id, {}, merger, places, next_place=len(places))
            self.reviews[reference] = held
        return held

    def _places(self, review_id: int) -> dict[str, int]:
        """Each held item's place in its review, 1 on, by number: all the import keeps of a
        review's items until a batch names them."""
        numbers = self.session.scalars(
            select(Recommendation.number)
            .where(Recommendation.review_id == review_id)
            .order_by(Recommendation.position, Recommendation.id)
        )
        return {number: n for n, number in enumerate(numbers, start=1)}

    def _fetch(self, held: _Held, numbers: Iterable[str]) -> None:
        """Read the held items among ``numbers`` not read yet: as plain rows
        (``held_items``), not through the export's read of every item (``collect_document``,
        its evidence files included), which was 8 of 14 s of re-importing an unchanged
        tracker of 10,000 items (issue 26)."""
        if held.review_id is None:
            return
        wanted = {n for n in numbers if n in held.places and n not in held.items}
        wanted -= held.listed
        if not wanted:
            return
        found = held_items(self.session, [held.review_id], sorted(wanted), whole=True)
        names = {theme.id: theme.name for theme in self.importer.themes.values()}
        for number, item in found[held.review_id].items():
            held.items[number] = item
            held.merger.by_number[number] = item.doc(names)

    def _part(self, held: _Held, items: list[TrackerItem]) -> None:
        """Merge items of one review into it and write them (while nothing is wrong)."""
        self._fetch(held, (item.number for item in items))
        part = replace(held.base, recommendations=[])
        positions: list[int] = []
        statuses = []
        for item in items:
            if item.number in held.listed:
                # A number used again with every row going to one review: refused already
                # (``add``); its item merged once, and let go since (``_let_go``).
                continue
            doc, _, new = held.merger.merge(part, item, self.problems)
            held.listed.add(item.number)
            if new:
                held.next_place += 1
                positions.append(held.next_place)
                del held.merger.by_number[item.number]  # kept only while its batch is
            else:
                part.recommendations.append(doc)
                positions.append(held.places[item.number])
            statuses.append((doc, item, new))
        self._companions(held, part)
        # Last, as closing needs the evidence the companion sheet may bring.
        for rec, item, new in statuses:
            if item.status is not None:
                held.merger.status(rec, item, new, self.problems)
        held.merger.progress_from.clear()  # (a batch's: not kept for 100,000 items)
        self._write(held, part, positions)
        self._let_go(held, part)

    @staticmethod
    def _let_go(held: _Held, part: ReviewDoc) -> None:
        """What is held of ``part``'s items, once they are merged and written: each number
        is merged once (``finish`` reads the items the file left out when it wants them).
        Kept, a re-import of an unchanged 100,000-item workbook held every item twice over
        (as held and as merged), 650 MB."""
        for rec in part.recommendations:
            held.items.pop(rec.number, None)
            held.merger.by_number.pop(rec.number, None)

    def _companions(self, held: _Held, part: ReviewDoc) -> None:
        """The companion sheets' rows about ``part``'s items (each row once)."""
        reference = part.reference
        numbers = [rec.number for rec in part.recommendations]
        updates = self.updates.take(reference, numbers)
        evidence = self.evidence.take(reference, numbers)
        if updates or evidence:
            held.merger.companions(part, updates, evidence, self.problems)

    def _write(self, held: _Held, part: ReviewDoc, positions: list[int]) -> None:
        if not self.writing:
            return
        try:
            check_document(Document(reviews=[part]))
            self.importer.review_part(part, positions, held.items)
            self.session.flush()
        except DocumentError as exc:
            self.refused = exc

    def finish(self) -> None:
        """The reviews only the "Reviews" sheet names, and the companion sheets' rows about
        items held that the file's main sheet leaves out; a row about no item is a problem."""
        for reference in sorted(set(self.details) - set(self.reviews)):
            self._held(reference)
        logged = self.updates.references() | self.evidence.references()
        for reference in sorted(logged | set(self.reviews)):
            if reference not in self.reviews and not self._is_held(reference):
                # Rows about a review neither the file's other sheets nor the database have:
                # said so, rather than that the review has no such item (a trial's find).
                message = "no review has this reference" if reference else "its Review is empty"
                for rows in (self.updates, self.evidence):
                    self.problems += [
                        Problem(rows.sheet, r, None, message) for r, _ in rows.left(reference)
                    ]
                continue
            held = self._held(reference)
            rest = self.updates.numbers(reference) | self.evidence.numbers(reference)
            # Held items the main sheet left out, which the companion sheets' rows are about,
            # a batch at a time; the review's details are written even with none.
            left = sorted(
                (n for n in rest if n in held.places and n not in held.listed),
                key=held.places.__getitem__,
            )
            for start in range(0, max(len(left), 1), BATCH):
                numbers = left[start : start + BATCH]
                self._fetch(held, numbers)
                part = replace(held.base, recommendations=[])
                part.recommendations = [held.merger.by_number[n] for n in numbers]
                self._companions(held, part)
                self._write(held, part, [held.places[n] for n in numbers])
                self._let_go(held, part)
            for rows in (self.updates, self.evidence):
                for row, number in rows.left(reference):
                    message = (
                        "no recommendation has this number" if number else "its Number is empty"
                    )
                    self.problems.append(Problem(rows.sheet, row, None, message))

    def _is_held(self, reference: str) -> bool:
        found = self.session.scalar(select(Review.id).where(Review.reference == reference))
        return found is not None


def _review_details(tracker: TrackerFile, problems: list[Problem]) -> dict[str, ReviewDoc]:
    """Review details from the "Reviews" sheet casereview writes beside its action plans."""
    found: dict[str, ReviewDoc] = {}
    sheet = tracker.companions.layouts.get(REVIEW_HEADERS, "Reviews")
    for row, cells in tracker.companions.reviews:
        text = _reader(cells)
        try:
            reference = text("Reference")
            kind = _kind(text("Kind"))
            published = text("Published")
            found[reference] = ReviewDoc(
                reference=reference,
                kind=kind,
                title=text("Title") or reference,
                subject=text("Subject"),
                anonymised_label=text("Anonymised label"),
                names_to_redact=[n for n in text("Names to redact").splitlines() if n],
                commissioned_by=text("Commissioned by") or None,
                incident=date_of(cells.get("Incident")),
                notified=date_of(cells.get("Notified")),
                commissioned=date_of(cells.get("Commissioned")),
                published=PartialDate.parse(published) if published else None,
                summary=text("Summary"),
                themes=agencies_of(cells.get("Themes"), strict=True),
            )
        except ValueError as exc:
            problems.append(Problem(sheet, row, None, str(exc)))
    return found


@dataclass
class _OrganisationRow:
    """A row of the "Organisations" sheet: its number, the organisation it gives, and whether
    it gives a kind (a blank Kind keeps the kind held)."""

    row: int
    doc: OrganisationDoc
    kind_given: bool


_ORGANISATION_COLUMNS = {
    title: f"column {letter} ({title})"
    for letter, title in zip("ABCD", ORGANISATION_HEADERS, strict=True)
}


def _organisation_details(tracker: TrackerFile, problems: list[Problem]) -> list[_OrganisationRow]:
    """The organisations of the "Organisations" sheet casereview writes beside its action
    plans; each value that cannot be stored is a problem of its row and column."""
    found: list[_OrganisationRow] = []
    first: dict[str, int] = {}
    sheet = tracker.companions.layouts.get(ORGANISATION_HEADERS, "Organisations")
    for row, cells in tracker.companions.organisations:
        text = _reader(cells)
        wrong: list[tuple[str, str]] = []  # (the column's title, what is wrong)
        name, kind, parent, notes = (text(title) for title in ORGANISATION_HEADERS)
        for title, value, limit, named in [
            ("Organisation", name, fields.NAME, True),
            ("Part of", parent, fields.NAME, True),
            ("Notes", notes, fields.TEXT, False),
        ]:
            reason = fields.problem(value, limit, name=named) if value else None
            if reason is not None:
                wrong.append((title, reason))
        if not name:
            wrong.insert(0, ("Organisation", "is empty"))
        elif name in first:
            wrong.insert(
                0, ("Organisation", f"'{name}' is listed again (first on row {first[name]})")
            )
        try:
            given = _organisation_kind(kind)
        except ValueError as exc:
            wrong.append(("Kind", str(exc)))
        if wrong:
            wrong.sort(key=lambda said: ORGANISATION_HEADERS.index(said[0]))  # column by column
            problems += [Problem(sheet, row, _ORGANISATION_COLUMNS[t], m) for t, m in wrong]
            continue
        first[name] = row
        doc = OrganisationDoc(name=name, kind=given, parent=parent or None, notes=notes)
        found.append(_OrganisationRow(row, doc, bool(kind)))
    return found


def describe_number(doc: TrackedDoc) -> str:
    """How a row problem names an item: "recommendation 7" (never its text)."""
    return f"{doc.kind.label.lower()} {doc.number}"


_Kind = TypeVar("_Kind", ReviewKind, OrganisationKind)


def _kind_named(text: str, kinds: type[_Kind], blank: _Kind, what: str) -> _Kind:
    """The kind a cell names by its word or its label, in any case; ``blank`` for none."""
    for kind in kinds:
        if text.lower() in (kind.value, kind.label.lower()):
            return kind
    if not text:
        return blank
    raise ValueError(f"'{text}' is not a kind of {what} casereview knows")


def _kind(text: str) -> ReviewKind:
    return _kind_named(text, ReviewKind, ReviewKind.LEARNING_REVIEW, "review")


def _organisation_kind(text: str) -> OrganisationKind:
    return _kind_named(text, OrganisationKind, OrganisationKind.OTHER, "organisation")


def _reader(cells: dict[str, object]) -> Callable[[str], str]:
    return lambda name: text_of(cells.get(name))


def _with_details(current: ReviewDoc | None, details: ReviewDoc) -> ReviewDoc:
    if current is not None:
        details.recommendations = current.recommendations
    return details


class _Merger:
    """Merges one review's rows into its document."""

    def __init__(
        self, tracker: TrackerFile, review: ReviewDoc, *, today: dt.date, actor: str
    ) -> None:
        self.tracker = tracker
        self.by_number = {r.number: r for r in review.recommendations}
        self.today = today
        self.actor = actor
        # casereview's own workbooks carry the log themselves; status words are its labels.
        self.own_log = tracker.own
        self.progress_from: dict[int, int] = {}  # by id() of an item's document: see merge

    def merge(
        self, review: ReviewDoc, item: TrackerItem, problems: list[Problem]
    ) -> tuple[TrackedDoc, TrackerItem, bool]:
        doc = self.by_number.get(item.number)
        new = doc is None
        if doc is None:
            doc = TrackedDoc(number=item.number, text=None)
            review.recommendations.append(doc)
            self.by_number[item.number] = doc
        if item.text is not None or new:
            doc.text = item.text if item.text is not None else doc.text
        if not new and self.tracker.other_sheets:
            self._refuse_another_sheets_item(doc, item, problems)
        for attr in ("actions", "owner", "assured_by"):
            value = getattr(item, attr)
            if value is not None:
                setattr(doc, attr, value or ("" if attr != "assured_by" else None))
        if item.lead is not None:
            doc.lead_agencies = item.lead
        if item.joint is not None:
            doc.joint_agencies = item.joint
        # One agency cannot both lead and share an item (the JSON import's rule and wording);
        # the row or the item as the database holds it may name either side.
        both = [name for name in doc.joint_agencies if name in doc.lead_agencies]
        if both and (item.lead is not None or item.joint is not None):
            # Named in the row's joint column, it clashes with a lead; named only in its lead
            # column, with a joint agency the item already holds.
            column = Field.JOINT if item.joint is not None else Field.LEAD
            other = "lead" if column is Field.JOINT else "joint"
            message = f"'{both[0]}' is also a {other} agency"
            problems.append(Problem(self.tracker.sheet, item.row, self._where(column), message))
        if item.themes is not None:
            doc.themes = item.themes
        if item.reason is not None:
            doc.status_reason = item.reason
        if Field.TARGET in item.has:
            doc.target_date = item.target
            if item.target_word:
                self._note(
                    doc, f"Target date given in the imported tracker as '{item.target_word}'."
                )
        if item.assured_on is not None:
            doc.assured_on = item.assured_on
        if item.closed_on is not None:
            doc.closed_on = item.closed_on
        for text in item.evidence:
            self._evidence(doc, EvidenceDoc(description=text, added_by=self.actor, reference=text))
        # Where this row's progress starts in the log: the status the row gives is noted
        # before it (``status``), so that the row's own progress stays the item's latest (a
        # trial's pack showed "Status given in the imported tracker as 'Amber'" as every
        # item's latest update, its real progress only under "Changes since").
        self.progress_from[id(doc)] = len(doc.updates)
        for entry in [] if self.own_log else item.progress:
            if not any(u.note in (entry.note, entry.whole) for u in doc.updates):
                doc.updates.append(UpdateDoc(entry.on or self.today, self.actor, None, entry.note))
        for name, value in item.notes:
            self._note(doc, f"From the imported tracker's {name}: {value}")
        return doc, item, new

    def _refuse_another_sheets_item(
        self, doc: TrackedDoc, item: TrackerItem, problems: list[Problem]
    ) -> None:
        """One sheet of several (one per agency, say) must not overwrite the lead agencies or
        actions an item already holds, which may have come from another of the sheets."""
        changed = []
        if item.lead is not None and doc.lead_agencies and set(item.lead) != set(doc.lead_agencies):
            held = "; ".join(doc.lead_agencies)
            changed.append((Field.LEAD, f"is led by {held}"))
        if item.actions and doc.actions and item.actions != doc.actions:
            changed.append((Field.ACTIONS, "holds other actions"))
        for column, what in changed:
            message = (
                f"recommendation {item.number} {what} in the database (perhaps from another of "
                f"the sheets {', '.join(repr(n) for n in self.tracker.other_sheets)}), which this "
                "sheet would replace; import this sheet into a review of its own with --review, "
                "or bring the agencies' rows together on one sheet"
            )
            problems.append(Problem(self.tracker.sheet, item.row, self._where(column), message))

    def _where(self, column: Field) -> str | None:
        header = self.tracker.header
        return header.where(header.columns[column]) if column in header.columns else None

    def status(
        self, doc: TrackedDoc, item: TrackerItem, new: bool, problems: list[Problem]
    ) -> None:
        assert item.status is not None
        status = item.status
        word = item.status_word
        if status is Status.CLOSED and not (doc.evidence and (doc.assured_by or "").strip()):
            status = Status.IMPLEMENTED  # closure needs evidence and an assurer
        current = doc.status
        if not new and current is Status.CLOSED and status is Status.IMPLEMENTED:
            # "Done" is what a tracker says of a signed-off item: it cannot sign off itself.
            status = Status.CLOSED
        reopened = False
        if not new and status is not current:
            # The lifecycle holds as in the window: only the moves it offers for one item,
            # and reopening a closed item ends its sign-off (db/store/lifecycle.py).
            if status not in TRANSITIONS[current]:
                allowed = " or ".join(s.label.lower() for s in Status if s in TRANSITIONS[current])
                problems.append(
                    Problem(
                        self.tracker.sheet,
                        item.row,
                        self._where(Field.STATUS),
                        f"'{word}' would move {describe_number(doc)} from "
                        f"{current.label.lower()} to {status.label.lower()}, which casereview "
                        f"does not allow (from {current.label.lower()} it can go to {allowed})",
                    )
                )
                return
            if current is Status.CLOSED:
                doc.closed_on = doc.assured_by = doc.assured_on = None
                reopened = True
        if status in (Status.NOT_ACCEPTED, Status.SUPERSEDED) and not doc.status_reason.strip():
            doc.status_reason = f"Marked '{word}' in the imported tracker."
        changed = new or status is not doc.status
        doc.status = status
        dated = Field.CLOSED_ON in item.has
        if changed and status is Status.CLOSED and doc.closed_on is None and not dated:
            doc.closed_on = doc.assured_on or self.today
        own_word = word.lower() == status.label.lower()
        quiet = own_word and (self.own_log or (new and status is Status.NOT_STARTED))
        before = self.progress_from.get(id(doc))
        if reopened:
            note = f"Reopened: status given in the imported tracker as '{word}'; the sign-off ends."
            self._note(doc, note, status, before=before)
        elif changed and not quiet:
            note = f"Status given in the imported tracker as '{word}'."
            self._note(doc, note, status, before=before)

    def _note(
        self, doc: TrackedDoc, note: str, status: Status | None = None, *, before: int | None = None
    ) -> None:
        """A note in the item's log, dated today, at the end; or at ``before``, the place
        where the row's own progress starts, dated as the newest of that progress (today at
        the latest): the log is read by date, and a row's progress dated before the import
        came before a note dated today, which a pack then showed as the latest update."""
        if not any(u.note == note and u.status is status for u in doc.updates):
            on = self.today
            if before is not None:
                dated = [u.date for u in doc.updates[before:]]
                on = min(max(dated, default=self.today), self.today)
            entry = UpdateDoc(on, self.actor, status, note)
            doc.updates.insert(len(doc.updates) if before is None else before, entry)

    @staticmethod
    def _evidence(doc: TrackedDoc, item: EvidenceDoc) -> None:
        what = (item.description, item.reference, item.file_name)
        if not any((e.description, e.reference, e.file_name) == what for e in doc.evidence):
            doc.evidence.append(item)

    def companions(
        self,
        review: ReviewDoc,
        updates: list[CompanionRow],
        evidence: list[CompanionRow],
        problems: list[Problem],
    ) -> None:
        """The log and evidence from casereview's own "Updates" and "Evidence" sheets: their
        rows naming ``review``."""
        by_number = {r.number: r for r in review.recommendations}
        logs = self.tracker.companions
        logged, evidenced = logs.updates.sheet, logs.evidence.sheet  # the sheets read
        have = {
            number: Counter((u.date, u.author, u.status, u.note) for u in rec.updates)
            for number, rec in by_number.items()
        }
        # The evidence each item holds before the sheet's rows: two rows alike are two
        # entries, as two updates alike are (a trial's second was dropped without a word).
        held = {number: list(rec.evidence) for number, rec in by_number.items()}
        stamped = {
            number: Counter((e.description, e.reference, e.file_name, e.added_at) for e in items)
            for number, items in held.items()
        }
        for row, cells in updates:
            rec = by_number.get(text_of(cells.get("Number")))
            if rec is None:
                problems.append(Problem(logged, row, None, "no recommendation has this number"))
                continue
            try:
                on = date_of(cells.get("Date"))
                if on is None:
                    raise ValueError(f"'{text_of(cells.get('Date'))}' is not a date")
                status = status_of(cells.get("Status"))
            except ValueError as exc:
                problems.append(Problem(logged, row, None, str(exc)))
                continue
            key = (on, text_of(cells.get("Author")), status, text_of(cells.get("Note")))
            if have[rec.number][key] > 0:
                have[rec.number][key] -= 1
                continue
            rec.updates.append(UpdateDoc(*key))
        for row, cells in evidence:
            rec = by_number.get(text_of(cells.get("Number")))
            if rec is None:
                problems.append(Problem(evidenced, row, None, "no recommendation has this number"))
                continue
            try:
                added_at = parse_stamp(cells.get("Added at"))
            except ValueError as exc:
                problems.append(Problem(evidenced, row, None, str(exc)))
                continue
            description = text_of(cells.get("Description"))
            reference = text_of(cells.get("Reference")) or None
            file_name = text_of(cells.get("File name")) or None
            stamp = (description, reference, file_name, added_at)
            if stamped[rec.number][stamp] > 0:  # held already, as often as the sheet has it
                stamped[rec.number][stamp] -= 1
                continue
            if reference is None and file_name is not None:
                # The file itself travels only in casereview JSON; name where it is kept.
                if any(
                    (e.description, e.file_name) == (description, file_name)
                    for e in held[rec.number]
                ):
                    continue
                reference = f"File '{file_name}', kept in the casereview database it came from"
            rec.evidence.append(
                EvidenceDoc(
                    description=description,
                    added_by=text_of(cells.get("Added by")) or self.actor,
                    reference=reference,
                    file_name=file_name,
                    added_at=added_at,
                )
            )
