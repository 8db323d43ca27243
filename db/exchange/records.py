"""Between a ``Document`` and the database: collect one for export, apply one on import.

Import matches by natural keys (organisation name, review and inspection reference,
recommendation number, area name, initiative name), so importing the same data again updates
what is there and never duplicates it. It adds and updates; it never deletes. Progress
updates and evidence are appended when not already present, as the log is append-only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, selectinload

from db.core.collector import collector_paused
from db.core.dates import utc_now
from db.core.errors import DocumentError, RuleError
from db.core.fields import distinct
from db.core.rules import rating_for
from db.core.vocabulary import AgencyRole, FindingKind, OrganisationKind, Status, TrackedKind
from db.exchange.bulk import add_new_items
from db.exchange.checks import check_document
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
from db.exchange.held import Held, held_items
from db.store.lifecycle import check_state, check_values
from db.store.models import (
    AgendaItem,
    Decision,
    Evidence,
    Finding,
    Grade,
    GradedArea,
    GradingScheme,
    Initiative,
    InitiativeLink,
    Inspection,
    Meeting,
    MeetingPerson,
    Organisation,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    RepeatLink,
    Review,
    Theme,
)

REPEATS, DISMISSED = "repeats", "dismissed"  # RepeatLink.verdict

# ----------------------------------------------------------------------------- export


def collect_document(session: Session, today: dt.date, references: Iterable[str] = ()) -> Document:
    """Everything in the database as a ``Document``; ratings as of ``today``.

    With ``references``, only those reviews (and no inspections or initiatives).
    """
    wanted = set(references)
    doc = reference_data(session)
    _add_reviews(session, today, doc, wanted)
    if wanted:
        return doc
    for inspection in session.scalars(select(Inspection).order_by(Inspection.reference)):
        doc.inspections.append(inspection_doc(inspection, today))
    for initiative in session.scalars(select(Initiative).order_by(Initiative.name)):
        doc.initiatives.append(initiative_doc(initiative))
    for meeting in session.scalars(select(Meeting).order_by(Meeting.held_on, Meeting.title)):
        doc.meetings.append(meeting_doc(meeting))
    return doc


def collect_part(
    session: Session,
    today: dt.date,
    *,
    reviews: Collection[str],
    inspections: Collection[str],
    meetings: Iterable[Meeting] = (),
) -> Document:
    """Part of the database as a ``Document`` (what a copy taken to a meeting holds,
    db.services.checkout): the reviews and inspections named, each whole; the ``meetings``,
    each holding only its agenda entries and decisions about those; and every organisation
    and grading scheme (what the records name). Ratings as of ``today``."""
    doc = reference_data(session)
    if reviews:
        _add_reviews(session, today, doc, set(reviews))
    if inspections:
        for inspection in session.scalars(
            select(Inspection)
            .where(Inspection.reference.in_(set(inspections)))
            .order_by(Inspection.reference)
        ):
            doc.inspections.append(inspection_doc(inspection, today))

    def held(subject: AgendaDoc | DecisionDoc) -> bool:
        return subject.review in reviews or subject.inspection in inspections

    for meeting in sorted(meetings, key=lambda m: (m.held_on, m.title)):
        whole = meeting_doc(meeting)
        whole.agenda = [entry for entry in whole.agenda if held(entry)]
        whole.decisions = [decision for decision in whole.decisions if held(decision)]
        doc.meetings.append(whole)
    return doc


def reference_data(session: Session) -> Document:
    """A document holding every organisation and grading scheme, for the records to name."""
    doc = Document()
    for org in session.scalars(
        select(Organisation).options(selectinload(Organisation.parent)).order_by(Organisation.name)
    ):
        doc.organisations.append(
            OrganisationDoc(
                name=org.name,
                kind=org.kind,
                parent=org.parent.name if org.parent else None,
                notes=org.notes,
            )
        )
    for scheme in session.scalars(select(GradingScheme).order_by(GradingScheme.name)):
        doc.grading_schemes.append(
            SchemeDoc(name=scheme.name, grades=[g.name for g in scheme.grades])
        )
    return doc


def _add_reviews(session: Session, today: dt.date, doc: Document, wanted: set[str]) -> None:
    """Add the reviews ``wanted`` (every review when none is) to ``doc``, each whole."""
    # Everything an item carries, loaded a kind at a time rather than one query per item.
    items = selectinload(Review.recommendations)
    review_query = (
        select(Review)
        .order_by(Review.reference)
        .options(
            selectinload(Review.commissioned_by),
            selectinload(Review.themes),
            items.selectinload(Recommendation.agencies).selectinload(
                RecommendationAgency.organisation
            ),
            items.selectinload(Recommendation.themes),
            items.selectinload(Recommendation.updates),
            items.selectinload(Recommendation.evidence).undefer(Evidence.content),
            items.selectinload(Recommendation.verdicts),
        )
    )
    if wanted:
        review_query = review_query.where(Review.reference.in_(wanted))
    for review in session.scalars(review_query):
        tracked = [_tracked_doc(rec, today) for rec in review.recommendations]
        doc.reviews.append(review_doc(review, tracked))


def review_doc(review: Review, recommendations: list[TrackedDoc]) -> ReviewDoc:
    """A review as a file holds it, with the items given (read here by the export, from
    db.exchange.held's rows by a tracker's import)."""
    return ReviewDoc(
        reference=review.reference,
        kind=review.kind,
        title=review.title,
        subject=review.subject,
        anonymised_label=review.anonymised_label,
        names_to_redact=[n for n in review.names_to_redact.splitlines() if n],
        commissioned_by=review.commissioned_by.name if review.commissioned_by else None,
        incident=review.incident_on,
        notified=review.notified_on,
        commissioned=review.commissioned_on,
        published=review.published,
        summary=review.summary,
        themes=[t.name for t in review.themes],
        recommendations=recommendations,
    )


def meeting_doc(meeting: Meeting) -> MeetingDoc:
    """A meeting as a file holds it (for export, and for undoing a deletion in
    db.services.meetings): its people, agenda and decisions by natural keys."""
    return MeetingDoc(
        held_on=meeting.held_on,
        title=meeting.title,
        chair=meeting.chair,
        notes=meeting.notes,
        attendees=[PersonDoc(p.name, p.agency) for p in meeting.people if p.present],
        apologies=[PersonDoc(p.name, p.agency) for p in meeting.people if not p.present],
        agenda=[_agenda_doc(entry) for entry in meeting.agenda],
        decisions=[
            DecisionDoc(
                decision=d.kind,
                decided_on=d.decided_on,
                decided_by=d.decided_by,
                **_decision_subject(d),
                note=d.note,
                until=d.until,
                whom=d.whom,
                recorded_at=d.recorded_at,
            )
            for d in meeting.decisions
        ],
    )


def meetings_about(
    session: Session,
    *,
    review_id: int | None = None,
    inspection_id: int | None = None,
    item_id: int | None = None,
) -> tuple[MeetingDoc, ...]:
    """The meetings whose agenda or decisions name the review, the inspection (either with
    any of its items) or the item given, as a file holds them: deleting those removes the
    entries with them, so undoing the deletion applies these again (db.services.editing and
    db.services.inspecting)."""
    # Only the ids given: "review_id = NULL" would name every inspection's items.
    owners = [
        column == value
        for column, value in (
            (Recommendation.review_id, review_id),
            (Recommendation.inspection_id, inspection_id),
            (Recommendation.id, item_id),
        )
        if value is not None
    ]
    sources = [
        column == value
        for column, value in (
            (AgendaItem.review_id, review_id),
            (AgendaItem.inspection_id, inspection_id),
        )
        if value is not None
    ]
    items = select(Recommendation.id).where(or_(*owners))
    on_agenda = select(AgendaItem.meeting_id).where(
        or_(AgendaItem.recommendation_id.in_(items), *sources)
    )
    decided = select(Decision.meeting_id).where(
        or_(
            Decision.recommendation_id.in_(items),
            *[
                column == value
                for column, value in (
                    (Decision.review_id, review_id),
                    (Decision.inspection_id, inspection_id),
                )
                if value is not None
            ],
        )
    )
    found = session.scalars(
        select(Meeting)
        .where(Meeting.id.in_(on_agenda) | Meeting.id.in_(decided))
        .order_by(Meeting.held_on, Meeting.title)
    )
    return tuple(meeting_doc(m) for m in found)


def _item_subject(rec: Recommendation) -> dict[str, Any]:
    """How an agenda entry or a decision names a tracked item (a review's by number, an
    inspection's by kind and number)."""
    if rec.review is not None:
        return {"review": rec.review.reference, "number": rec.number}
    assert rec.inspection is not None
    return {"inspection": rec.inspection.reference, "number": rec.number, "kind": rec.kind}


def _decision_subject(decision: Decision) -> dict[str, Any]:
    """How a decision names its item, or the whole review or inspection it is about."""
    if decision.recommendation is not None:
        return _item_subject(decision.recommendation)
    if decision.review is not None:
        return {"review": decision.review.reference}
    assert decision.inspection is not None
    return {"inspection": decision.inspection.reference}


def _agenda_doc(entry: AgendaItem) -> AgendaDoc:
    if entry.recommendation is not None:
        return AgendaDoc(**_item_subject(entry.recommendation), reason=entry.reason)
    if entry.review is not None:
        return AgendaDoc(review=entry.review.reference, reason=entry.reason)
    assert entry.inspection is not None
    return AgendaDoc(inspection=entry.inspection.reference, reason=entry.reason)


def inspection_doc(inspection: Inspection, today: dt.date) -> InspectionDoc:
    """One inspection with all it holds, findings in their published order."""
    findings: list[tuple[int, int, TrackedDoc | NotedFindingDoc]] = [
        (f.position, 1, NotedFindingDoc(f.kind, f.number, f.text, f.area.name if f.area else None))
        for f in inspection.findings
    ]
    findings += [(r.position, 0, _tracked_doc(r, today)) for r in inspection.recommendations]
    findings.sort(key=lambda item: (item[0], item[1]))
    return InspectionDoc(
        reference=inspection.reference,
        inspectorate=inspection.inspectorate.name,
        programme=inspection.programme,
        title=inspection.title,
        organisation=inspection.organisation.name,
        scheme=inspection.scheme.name,
        fieldwork_start=inspection.fieldwork_start,
        fieldwork_end=inspection.fieldwork_end,
        published=inspection.published_on,
        summary=inspection.summary,
        areas=[
            AreaDoc(a.name, a.grade.name if a.grade else None, a.narrative)
            for a in inspection.areas
        ],
        findings=[item for _, _, item in findings],
    )


def _tracked_doc(rec: Recommendation, today: dt.date) -> TrackedDoc:
    """An item as a file holds it: all of it, its log and evidence files included, so that an
    import (or an undone deletion, db.services.editing) puts back the same item.

    Apart from the item's other read models (db.queries.details.item_detail for the detail
    pane, db.queries.briefing_content for a pack, db.services.editing.item_fields for an edit)
    on purpose: each holds what its reader needs, in its own shape (lists here, as the file
    format's dataclasses are built and compared). What they share is
    ``Recommendation.agency_names`` and db.core.rules.rating_for."""
    return TrackedDoc(
        number=rec.number,
        text=rec.text,
        kind=rec.kind,
        status=rec.status,
        status_reason=rec.status_reason,
        rating=rating_for(rec.status, rec.target_date, today),
        lead_agencies=list(rec.agency_names(AgencyRole.LEAD)),
        joint_agencies=list(rec.agency_names(AgencyRole.JOINT)),
        actions=rec.actions,
        owner=rec.owner,
        target_date=rec.target_date,
        closed_on=rec.closed_on,
        assured_by=rec.assured_by,
        assured_on=rec.assured_on,
        themes=[t.name for t in rec.themes],
        updates=[
            UpdateDoc(
                u.on,
                u.author,
                u.status,
                u.note,
                u.withdrawn_at,
                u.withdrawn_by,
                u.withdrawn_reason,
            )
            for u in rec.updates
        ],
        evidence=[evidence_doc(e) for e in rec.evidence],
        area=rec.area.name if rec.area else None,
        concern=rec.concern.number if rec.concern else None,
        repeats=[repeat_doc(link) for link in rec.verdicts],
    )


def repeat_doc(link: RepeatLink) -> RepeatDoc:
    """A confirmed repeat as a file holds it: the earlier item by its source and number."""
    earlier = link.earlier
    return RepeatDoc(
        number=earlier.number,
        review=earlier.review.reference if earlier.review is not None else None,
        inspection=earlier.inspection.reference if earlier.inspection is not None else None,
        kind=earlier.kind,
        decided_by=link.decided_by,
        decided_at=link.decided_at,
        dismissed=link.verdict == DISMISSED,
    )


def evidence_doc(item: Evidence) -> EvidenceDoc:
    """An evidence item as a file holds it, its file included (for export, and for undoing a
    deletion in db.services.editing)."""
    return EvidenceDoc(
        description=item.description,
        added_by=item.added_by,
        reference=item.reference,
        file_name=item.file_name,
        media_type=item.media_type,
        content=item.content,
        added_at=item.added_at,
    )


def initiative_doc(initiative: Initiative) -> InitiativeDoc:
    """An initiative as a file holds it (for export, and for undoing an edit or deletion in
    db.services.editing)."""
    return InitiativeDoc(
        name=initiative.name,
        organisation=initiative.organisation.name if initiative.organisation else None,
        started=initiative.started,
        description=initiative.description,
        links=[link_doc(link) for link in initiative.links],
    )


def _withdraw(update: ProgressUpdate, doc: UpdateDoc) -> None:
    """Mark ``update`` withdrawn as the file says it was: by whom, when and why."""
    update.withdrawn_at = doc.withdrawn_at
    update.withdrawn_by = doc.withdrawn_by
    update.withdrawn_reason = doc.withdrawn_reason


def link_doc(link: InitiativeLink) -> LinkDoc:
    if link.recommendation is not None:
        rec = link.recommendation
        if rec.review is not None:
            return LinkDoc(review=rec.review.reference, recommendation=rec.number)
        assert rec.inspection is not None
        return LinkDoc(inspection=rec.inspection.reference, finding=rec.number, kind=rec.kind)
    if link.finding is not None:
        finding = link.finding
        return LinkDoc(
            inspection=finding.inspection.reference, finding=finding.number, kind=finding.kind
        )
    assert link.area is not None
    return LinkDoc(inspection=link.area.inspection.reference, area=link.area.name)


# ----------------------------------------------------------------------------- import


_PLURALS = {
    "organisation": "organisations",
    "grading scheme": "grading schemes",
    "review": "reviews",
    "recommendation": "recommendations",
    "area for improvement": "areas for improvement",
    "inspection": "inspections",
    "finding": "findings",
    "initiative": "initiatives",
    "meeting": "meetings",
}


@dataclass
class ImportSummary:
    """What an import added and what it changed, by kind of record (singular nouns)."""

    added: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    # Items a review held that the file leaves out, kept as they were, by review reference.
    # (each named, up to five, and how many).
    left_out: list[tuple[str, list[str], int]] = field(default_factory=list)

    def count(self, what: str, added: bool, changed: bool = True) -> None:
        if added or changed:
            target = self.added if added else self.updated
            target[what] = target.get(what, 0) + 1

    def describe(self) -> str:
        def part(counts: dict[str, int]) -> str:
            words = [
                f"{n:,} {what if n == 1 else _PLURALS.get(what, what)}"
                for what, n in counts.items()
            ]
            return ", ".join(words) or "nothing"

        return f"added {part(self.added)}; updated {part(self.updated)}{self._kept_left_out()}"

    def _kept_left_out(self) -> str:
        """What the file left out of reviews it gives, kept as it was (an import deletes
        nothing), as a clause to follow ``describe``: named, so that a row taken out of a
        file on purpose is not thought deleted; "" when nothing was left out."""
        if not self.left_out:
            return ""
        named = [f"{n} of review {ref}" for ref, names, _ in self.left_out for n in names]
        count = sum(n for _, _, n in self.left_out)
        more = f" and {count - len(named[:5]):,} more" if count > len(named[:5]) else ""
        they = ("it was", "it") if count == 1 else ("they were", "them")
        return (
            f"; kept as {they[0]}, as the file leaves {they[1]} out: {', '.join(named[:5])}{more}"
        )


# Reviews whose held items are read at once when a document is applied: what is held of 50
# reviews is read in a few queries, and never the whole database's (about 150 MB at 100,000
# items) beside the document.
REVIEWS_HELD_AT_ONCE = 50


def _places(
    doc: ReviewDoc, current: Mapping[str, Held]
) -> tuple[list[int], dict[int, int], list[Held]]:
    """Where each item goes when ``doc`` is applied over the items ``current`` holds: the
    file's items in the file's order, and each held item the file leaves out (kept: an
    import never deletes) just after the held item it followed, so that leaving one out
    moves nothing else (it had moved every item after it up one, and itself to the end).

    Returns the position of each of the file's items, in its order; the new position of
    each left-out item whose position changes, by id; and the left-out items."""
    listed = {d.number for d in doc.recommendations}
    held_order = sorted(current.values(), key=lambda item: item.position)
    left_out = [item for item in held_order if item.number not in listed]
    if not left_out:
        return list(range(1, len(doc.recommendations) + 1)), {}, []
    # Each left-out item follows the nearest item before it in the held order that the file
    # lists (None: before the file's first item).
    following: dict[str | None, list[Held]] = {}
    anchor: str | None = None
    for item in held_order:
        if item.number in listed:
            anchor = item.number
        else:
            following.setdefault(anchor, []).append(item)
    positions: list[int] = []
    moved: dict[int, int] = {}
    place = 0

    def place_left_out(after: str | None) -> None:
        nonlocal place
        for item in following.get(after, []):
            place += 1
            if item.position != place:
                moved[item.id] = place

    place_left_out(None)
    for rec_doc in doc.recommendations:
        place += 1
        positions.append(place)
        place_left_out(rec_doc.number)
    return positions, moved, left_out


def parent_problems(
    docs: Sequence[OrganisationDoc], held: Mapping[str, Organisation]
) -> dict[int, str]:
    """What is wrong with the parent each organisation of ``docs`` names, by its place in
    ``docs``, with the organisations as they will be once the whole list is taken (a list may
    move B under A as it takes A from under B): a parent must be listed or held (``held``, by
    name), and no organisation may end up part of itself. Every problem is found, in order."""
    listed = {doc.name: doc for doc in docs}

    def parent_of(name: str) -> str | None:
        if name in listed:
            return listed[name].parent
        org = held.get(name)
        return org.parent.name if org is not None and org.parent is not None else None

    found: dict[int, str] = {}
    for index, doc in enumerate(docs):
        name, parent = doc.name, doc.parent
        if parent is None:
            continue
        if parent == name:
            found[index] = "an organisation cannot be part of itself"
        elif parent not in listed and parent not in held:
            found[index] = f"'{parent}' is neither listed in the file nor held in the database"
        else:
            seen, at = {name}, parent_of(parent)
            while at is not None and at not in seen:
                seen.add(at)
                at = parent_of(at)
            if at == name:
                found[index] = (
                    f"'{parent}' is itself part of '{name}', so it cannot also contain it"
                )
    return found


class Importer:
    def __init__(self, session: Session) -> None:
        self.session = session
        self.summary = ImportSummary()
        self.orgs: dict[str, Organisation] = {
            o.name: o for o in session.scalars(select(Organisation))
        }
        # By name ignoring case: "neglect" is the theme "Neglect" (db.core.fields.distinct).
        self.themes: dict[str, Theme] = {
            t.name.casefold(): t for t in session.scalars(select(Theme))
        }

    # -- shared lookups

    def organisation(
        self, name: str, kind: OrganisationKind = OrganisationKind.OTHER
    ) -> Organisation:
        org = self.orgs.get(name)
        if org is None:
            org = Organisation(name=name, kind=kind)
            self.session.add(org)
            self.orgs[name] = org
            self.summary.count("organisation", True)
        return org

    def theme_list(self, names: list[str]) -> list[Theme]:
        result = []
        for name in distinct(names):
            theme = self.themes.get(name.casefold())
            if theme is None:
                theme = Theme(name=name)
                self.session.add(theme)
                self.themes[name.casefold()] = theme
            result.append(theme)
        return result

    # -- organisations and schemes

    def organisations(self, docs: list[OrganisationDoc]) -> None:
        """Add the organisations ``docs`` list and set each one's kind, notes and parent; the
        first problem with a parent (``parent_problems``) refuses the file, changing nothing."""
        problems = parent_problems(docs, self.orgs)
        if problems:
            index, problem = next(iter(problems.items()))
            raise DocumentError(f"organisation '{docs[index].name}', parent: {problem}")
        changed: set[str] = set()  # organisations held that the file changes
        held = {doc.name for doc in docs if doc.name in self.orgs}
        for doc in docs:
            org = self.organisation(doc.name, doc.kind)
            if doc.name in held and (org.kind is not doc.kind or org.notes != doc.notes):
                changed.add(doc.name)
            org.kind, org.notes = doc.kind, doc.notes
        for doc in docs:
            org = self.orgs[doc.name]
            parent = self.orgs[doc.parent] if doc.parent else None
            if doc.name in held and org.parent is not parent:
                changed.add(doc.name)
            org.parent = parent
        for _ in changed:
            self.summary.count("organisation", False)

    def schemes(self, docs: list[SchemeDoc]) -> None:
        existing = {s.name: s for s in self.session.scalars(select(GradingScheme))}
        for doc in docs:
            scheme = existing.get(doc.name)
            if scheme is None:
                scheme = GradingScheme(
                    name=doc.name,
                    grades=[Grade(position=n, name=g) for n, g in enumerate(doc.grades, 1)],
                )
                self.session.add(scheme)
                self.summary.count("grading scheme", True)
            elif [g.name for g in scheme.grades] != doc.grades:
                raise DocumentError(
                    f"grading scheme '{doc.name}' has the grades {', '.join(doc.grades)} in "
                    "the file but different grades in the database; an import cannot change "
                    "a grading scheme"
                )

    # -- reviews

    def reviews(self, docs: list[ReviewDoc]) -> None:
        for start in range(0, len(docs), REVIEWS_HELD_AT_ONCE):
            self._reviews(docs[start : start + REVIEWS_HELD_AT_ONCE])

    def _reviews(self, docs: list[ReviewDoc]) -> None:
        existing = self._existing([d.reference for d in docs])
        # The items held, as plain values: those the file leaves as they are are passed over.
        held = held_items(self.session, [r.id for r in existing.values()])
        for doc in docs:
            review = self._review(doc, existing.get(doc.reference))
            current = held.get(review.id, {}) if review.id is not None else {}
            positions, moved, left_out = _places(doc, current)
            self._review_items(review, doc, current, positions)
            loaded = self._items(list(moved))
            for rec_id, position in moved.items():
                loaded[rec_id].position = position
            if left_out:
                named = [f"{item.scalars[0].label.lower()} {item.number}" for item in left_out]
                self.summary.left_out.append((doc.reference, named[:5], len(named)))

    def review_part(
        self, doc: ReviewDoc, positions: Sequence[int], current: Mapping[str, Held] | None = None
    ) -> None:
        """Add and update part of a review's items, each at the position given (a streamed
        tracker's batch, db.exchange.spreadsheets.importing): the review's details as
        ``reviews`` sets them; items held and not in ``doc`` are left where they are.

        ``current``: the review's items as held, when the caller has read them already (a
        tracker's merge base), by number. They must still be as read: true while this import
        writes each item at most once, after it was read."""
        review = self._review(doc, self._existing([doc.reference]).get(doc.reference))
        if current is None and review.id is not None:
            numbers = [d.number for d in doc.recommendations]
            current = held_items(self.session, [review.id], numbers).get(review.id, {})
        self._review_items(review, doc, current or {}, positions)

    def _existing(self, references: list[str]) -> dict[str, Review]:
        return {
            r.reference: r
            for r in self.session.scalars(
                select(Review)
                .where(Review.reference.in_(references))
                .options(selectinload(Review.themes))
            )
        }

    def _review(self, doc: ReviewDoc, review: Review | None) -> Review:
        """The review ``doc`` names, added or with its details as ``doc`` gives them."""
        added = review is None
        if review is None:
            review = Review(reference=doc.reference, kind=doc.kind, title=doc.title)
            self.session.add(review)
        review.kind, review.title, review.subject = doc.kind, doc.title, doc.subject
        review.anonymised_label = doc.anonymised_label
        review.names_to_redact = "\n".join(doc.names_to_redact)
        review.commissioned_by = (
            self.organisation(doc.commissioned_by, OrganisationKind.PARTNERSHIP)
            if doc.commissioned_by
            else None
        )
        review.incident_on, review.notified_on = doc.incident, doc.notified
        review.commissioned_on, review.published = doc.commissioned, doc.published
        review.summary = doc.summary
        review.themes = self.theme_list(doc.themes)
        self.summary.count("review", added, self.session.is_modified(review))
        if not added and self.session.is_modified(review):
            review.updated_at = utc_now()  # its version moves even if only its themes did
        return review

    def _review_items(
        self,
        review: Review,
        doc: ReviewDoc,
        current: Mapping[str, Held],
        positions: Iterable[int],
    ) -> None:
        """Add ``doc``'s new items and update those that differ from what ``current`` holds,
        each at its position."""
        theme_ids = {key: theme.id for key, theme in self.themes.items()}
        where = f"review '{doc.reference}'"
        new: list[tuple[int, TrackedDoc]] = []
        changed: list[tuple[int, TrackedDoc, Held]] = []
        for position, rec_doc in zip(positions, doc.recommendations, strict=True):
            item = current.get(rec_doc.number)
            if item is None:
                new.append((position, rec_doc))
            elif not item.unchanged(rec_doc, position, theme_ids):
                changed.append((position, rec_doc, item))
            else:  # the rules hold for what is kept, as _tracked checks what changes
                _check_kept(item, doc.reference, where)
        loaded = self._items([item.id for _, _, item in changed])
        for position, rec_doc, item in changed:
            rec = loaded[item.id]
            self.tracked(rec, rec_doc, position, f"{where}, recommendation '{rec_doc.number}'")
        if new:
            add_new_items(self.session, review, new, self.organisation, self.theme_list)
            for _, rec_doc in new:
                self.summary.count(rec_doc.kind.label.lower(), True)

    def _items(self, ids: list[int]) -> dict[int, Recommendation]:
        """The items an import changes, loaded whole (their lists a kind at a time), by id."""
        items = {}
        for start in range(0, len(ids), 500):
            for rec in self.session.scalars(
                select(Recommendation)
                .where(Recommendation.id.in_(ids[start : start + 500]))
                .options(
                    selectinload(Recommendation.agencies).selectinload(
                        RecommendationAgency.organisation
                    ),
                    selectinload(Recommendation.themes),
                    selectinload(Recommendation.updates),
                    selectinload(Recommendation.evidence),
                )
            ):
                items[rec.id] = rec
        return items

    def tracked(self, rec: Recommendation, doc: TrackedDoc, position: int, where: str) -> None:
        # Loading the item's lists must not flush it first, or its changes would not count.
        with self.session.no_autoflush:
            self._tracked(rec, doc, position, where)

    def _tracked(self, rec: Recommendation, doc: TrackedDoc, position: int, where: str) -> None:
        added = rec.id is None
        rec.kind, rec.position = doc.kind, position
        rec.text, rec.actions, rec.owner = doc.text, doc.actions, doc.owner
        rec.target_date = doc.target_date
        rec.status, rec.status_reason = doc.status, doc.status_reason
        rec.assured_by, rec.assured_on, rec.closed_on = (
            doc.assured_by,
            doc.assured_on,
            doc.closed_on,
        )
        rec.themes = self.theme_list(doc.themes)
        wanted = [(name, AgencyRole.LEAD) for name in doc.lead_agencies] + [
            (name, AgencyRole.JOINT) for name in doc.joint_agencies
        ]
        have = [(link.organisation.name, link.role) for link in rec.agencies]
        if wanted != have:
            rec.agencies = [
                RecommendationAgency(organisation=self.organisation(name), role=role, position=n)
                for n, (name, role) in enumerate(wanted, start=1)
            ]
        # The log may hold the same entry twice (the same note on the same day): match them
        # one to one, so re-importing adds nothing and restoring a deleted review loses
        # nothing. A file's withdrawal of an entry is carried to the entry; an import never
        # takes a withdrawal back.
        known_updates: dict[tuple[dt.date, str, Status | None, str], list[ProgressUpdate]] = {}
        for known in rec.updates:
            key = (known.on, known.author, known.status, known.note)
            known_updates.setdefault(key, []).append(known)
        for u in doc.updates:
            same = known_updates.get((u.date, u.author, u.status, u.note))
            if same:
                withdrawn = u.withdrawn_at is not None
                match = next((m for m in same if m.withdrawn == withdrawn), same[0])
                same.remove(match)
                if withdrawn and not match.withdrawn:
                    _withdraw(match, u)
                continue
            update = ProgressUpdate(on=u.date, author=u.author, status=u.status, note=u.note)
            if u.withdrawn_at is not None:
                _withdraw(update, u)
            rec.updates.append(update)
        # Evidence matches on what it is and when it was added; evidence in a file without a
        # time (hand-made files) matches on what it is alone. Failing both, the same evidence
        # (what it is, who added it and its content) added at another time is the same item:
        # two databases loaded with the sample each stamp its seed evidence when loaded, and
        # one's export must not add the other's again. Each held item is matched once, so two
        # alike in one file stay two.
        stamped = {(e.description, e.reference, e.file_name, e.added_at) for e in rec.evidence}
        unstamped = {(e.description, e.reference, e.file_name) for e in rec.evidence}
        incoming = {(d.description, d.reference, d.file_name, d.added_at) for d in doc.evidence}
        unmatched = [
            (x.description, x.reference, x.file_name, x.added_by, x.content)
            for x in rec.evidence
            if (x.description, x.reference, x.file_name, x.added_at) not in incoming
        ]
        for e in doc.evidence:
            what = (e.description, e.reference, e.file_name)
            if (e.added_at is None and what in unstamped) or (*what, e.added_at) in stamped:
                continue
            alike = (*what, e.added_by, e.content)
            if alike in unmatched:
                unmatched.remove(alike)
                continue
            item = Evidence(
                description=e.description,
                reference=e.reference,
                file_name=e.file_name,
                media_type=e.media_type,
                content=e.content,
                added_by=e.added_by,
            )
            if e.added_at is not None:
                item.added_at = e.added_at
            rec.evidence.append(item)
            stamped.add((*what, item.added_at))
            unstamped.add(what)
        try:
            check_state(
                rec,
                status=rec.status,
                reason=rec.status_reason,
                assured_by=rec.assured_by,
                evidence_count=len(rec.evidence),
            )
        except RuleError as exc:
            raise DocumentError(f"{where}: {exc.message}") from exc
        changed = self.session.is_modified(rec, include_collections=True)
        self.summary.count(rec.kind.label.lower(), added, changed)
        if changed and not added:
            # A change to its agencies, themes or log alone is still a change to the item:
            # its row is written, so its version moves and an edit opened before it is refused.
            rec.updated_at = utc_now()

    # -- inspections

    def inspections(self, docs: list[InspectionDoc]) -> None:
        schemes = {s.name: s for s in self.session.scalars(select(GradingScheme))}
        existing = {
            i.reference: i
            for i in self.session.scalars(
                select(Inspection).where(Inspection.reference.in_([d.reference for d in docs]))
            )
        }
        for doc in docs:
            where = f"inspection '{doc.reference}'"
            scheme = schemes.get(doc.scheme)
            if scheme is None:
                raise DocumentError(f"{where}, scheme: there is no grading scheme '{doc.scheme}'")
            inspection = existing.get(doc.reference)
            added = inspection is None
            if inspection is None:
                inspection = Inspection(reference=doc.reference)
                self.session.add(inspection)
            elif inspection.scheme is not scheme and any(a.grade for a in inspection.areas):
                raise DocumentError(
                    f"{where}, scheme: the inspection is graded on '{inspection.scheme.name}' "
                    f"in the database; an import cannot change it to '{doc.scheme}'"
                )
            inspection.inspectorate = self.organisation(
                doc.inspectorate, OrganisationKind.INSPECTORATE
            )
            inspection.organisation = self.organisation(doc.organisation)
            inspection.programme, inspection.title = doc.programme, doc.title
            inspection.scheme = scheme
            inspection.fieldwork_start, inspection.fieldwork_end = (
                doc.fieldwork_start,
                doc.fieldwork_end,
            )
            inspection.published_on, inspection.summary = doc.published, doc.summary
            self.summary.count("inspection", added, self.session.is_modified(inspection))
            grades = {g.name: g for g in scheme.grades}
            areas = {a.name: a for a in inspection.areas}
            for position, area_doc in enumerate(doc.areas, start=1):
                area = areas.get(area_doc.name)
                if area is None:
                    area = GradedArea(name=area_doc.name, position=position)
                    inspection.areas.append(area)
                    areas[area.name] = area
                if area_doc.grade is not None and area_doc.grade not in grades:
                    raise DocumentError(
                        f"{where}, area '{area_doc.name}', grade: '{area_doc.grade}' is not a "
                        f"grade of {scheme.name} ({', '.join(grades)})"
                    )
                area.position = position
                area.grade = grades[area_doc.grade] if area_doc.grade else None
                area.narrative = area_doc.narrative
            noted = {(f.kind, f.number): f for f in inspection.findings}
            tracked = {(r.kind, r.number): r for r in inspection.recommendations}
            for position, finding_doc in enumerate(doc.findings, start=1):
                area = areas[finding_doc.area] if finding_doc.area else None
                if isinstance(finding_doc, NotedFindingDoc):
                    finding = noted.get((finding_doc.kind, finding_doc.number))
                    if finding is None:
                        finding = Finding(
                            kind=finding_doc.kind,
                            number=finding_doc.number,
                            position=position,
                            text=finding_doc.text,
                        )
                        inspection.findings.append(finding)
                        noted[(finding.kind, finding.number)] = finding
                        self.summary.count("finding", True)
                    finding.position, finding.text, finding.area = position, finding_doc.text, area
            for position, finding_doc in enumerate(doc.findings, start=1):
                if isinstance(finding_doc, TrackedDoc):
                    rec = tracked.get((finding_doc.kind, finding_doc.number))
                    if rec is None:
                        rec = Recommendation(
                            kind=finding_doc.kind, number=finding_doc.number, position=position
                        )
                        inspection.recommendations.append(rec)
                    self.tracked(
                        rec,
                        finding_doc,
                        position,
                        f"{where}, {finding_doc.kind.label.lower()} '{finding_doc.number}'",
                    )
                    rec.area = areas[finding_doc.area] if finding_doc.area else None
                    rec.concern = (
                        noted[(FindingKind.CAUSE_OF_CONCERN, finding_doc.concern)]
                        if finding_doc.concern
                        else None
                    )

    # -- initiatives

    def initiatives(self, docs: list[InitiativeDoc]) -> None:
        self.session.flush()
        existing = {i.name: i for i in self.session.scalars(select(Initiative))}
        for doc in docs:
            initiative = existing.get(doc.name)
            added = initiative is None
            if initiative is None:
                initiative = Initiative(name=doc.name)
                self.session.add(initiative)
            initiative.organisation = (
                self.organisation(doc.organisation) if doc.organisation else None
            )
            initiative.started, initiative.description = doc.started, doc.description
            targets = [self.link_target(doc.name, n, link) for n, link in enumerate(doc.links, 1)]
            have = [(link.finding, link.area, link.recommendation) for link in initiative.links]
            if targets != have:
                initiative.links = [
                    InitiativeLink(finding=f, area=a, recommendation=r) for f, a, r in targets
                ]
            self.summary.count("initiative", added, self.session.is_modified(initiative))

    def link_target(
        self, name: str, n: int, link: LinkDoc
    ) -> tuple[Finding | None, GradedArea | None, Recommendation | None]:
        where = f"initiative '{name}', link {n}"
        if link.review:
            rec = self.session.scalar(
                select(Recommendation)
                .join(Review)
                .where(
                    Review.reference == link.review, Recommendation.number == link.recommendation
                )
            )
            if rec is None:
                raise DocumentError(
                    f"{where}: review '{link.review}' has no recommendation '{link.recommendation}'"
                )
            return None, None, rec
        inspection = self.session.scalar(
            select(Inspection).where(Inspection.reference == link.inspection)
        )
        if inspection is None:
            raise DocumentError(f"{where}: there is no inspection '{link.inspection}'")
        if link.area:
            for area in inspection.areas:
                if area.name == link.area:
                    return None, area, None
            raise DocumentError(
                f"{where}: inspection '{link.inspection}' has no area '{link.area}'"
            )
        for finding in inspection.findings:
            if finding.kind == link.kind and finding.number == link.finding:
                return finding, None, None
        for rec in inspection.recommendations:
            if rec.kind == link.kind and rec.number == link.finding:
                return None, None, rec
        kind = link.kind.label.lower() if link.kind else "finding"
        raise DocumentError(
            f"{where}: inspection '{link.inspection}' has no {kind} '{link.finding}'"
        )

    # -- meetings

    def repeats(self, doc: Document) -> None:
        """The verdicts on repeats (confirmed or dismissed) the file's items name, once every
        item is in: one held already, whatever its verdict, is kept as it is; one whose
        earlier item is in neither the file nor the database is refused, by name."""
        self.session.flush()
        sources: list[tuple[str, ReviewDoc | InspectionDoc, list[TrackedDoc]]] = [
            ("review", r, r.recommendations) for r in doc.reviews
        ] + [
            ("inspection", i, [f for f in i.findings if isinstance(f, TrackedDoc)])
            for i in doc.inspections
        ]
        for what, source, items in sources:
            for item in items:
                if not item.repeats:
                    continue
                where = f"{what} '{source.reference}', item '{item.number}'"
                rec = self._item(what, source.reference, item.kind, item.number, where)
                held = {link.earlier_id for link in rec.verdicts}
                for n, repeat in enumerate(item.repeats, start=1):
                    earlier = self._item(
                        "review" if repeat.review else "inspection",
                        repeat.review or repeat.inspection or "",
                        repeat.kind,
                        repeat.number,
                        f"{where}, repeat {n}",
                    )
                    if earlier.id in held or earlier.id == rec.id:
                        continue
                    link = RepeatLink(
                        earlier=earlier,
                        verdict=DISMISSED if repeat.dismissed else REPEATS,
                        decided_by=repeat.decided_by,
                    )
                    if repeat.decided_at is not None:
                        link.decided_at = repeat.decided_at
                    rec.verdicts.append(link)
                    held.add(earlier.id)

    def _item(
        self, what: str, reference: str, kind: TrackedKind, number: str, where: str
    ) -> Recommendation:
        source = Review if what == "review" else Inspection
        link = Recommendation.review_id if what == "review" else Recommendation.inspection_id
        found = self.session.scalar(
            select(Recommendation)
            .join(source, link == source.id)
            .where(source.reference == reference, Recommendation.number == number)
            .where(Recommendation.kind == kind)
        )
        if found is None:
            raise DocumentError(f"{where}: {what} '{reference}' has no item '{number}'")
        return found

    def meetings(self, docs: list[MeetingDoc]) -> None:
        """Add or update meetings (after the items they name); a decision already held is
        kept, one the database lacks is added. The items' own state comes from their records
        in the file: a decision here changes no item."""
        self.session.flush()
        for doc in docs:
            where = f"meeting of {doc.held_on.isoformat()} '{doc.title}'"
            meeting = self.session.scalar(
                select(Meeting).where(Meeting.held_on == doc.held_on, Meeting.title == doc.title)
            )
            added = meeting is None
            if meeting is None:
                meeting = Meeting(held_on=doc.held_on, title=doc.title)
                self.session.add(meeting)
            meeting.chair, meeting.notes = doc.chair, doc.notes
            people = [(p.name, p.agency, True) for p in doc.attendees] + [
                (p.name, p.agency, False) for p in doc.apologies
            ]
            if [(p.name, p.agency, p.present) for p in meeting.people] != people:
                meeting.people.clear()
                self.session.flush()
                meeting.people.extend(
                    MeetingPerson(position=n, name=name, agency=agency, present=present)
                    for n, (name, agency, present) in enumerate(people, start=1)
                )
            agenda = [
                (*self.subject(f"{where}, agenda {n}", a), a.reason)
                for n, a in enumerate(doc.agenda, start=1)
            ]
            have = [(a.recommendation, a.review, a.inspection, a.reason) for a in meeting.agenda]
            if have != agenda:
                meeting.agenda.clear()
                self.session.flush()
                meeting.agenda.extend(
                    AgendaItem(
                        position=n, recommendation=rec, review=review, inspection=insp, reason=why
                    )
                    for n, (rec, review, insp, why) in enumerate(agenda, start=1)
                )
            # A decision held already is the one recorded at the same moment about the same
            # subject; failing that, one saying exactly the same (recorded at another moment,
            # as two copies of one database may have it). An import never changes a recorded
            # decision: one held that the file words differently is refused, by its field.
            held = {
                (d.recommendation, d.review, d.inspection, d.kind, d.recorded_at): d
                for d in meeting.decisions
            }
            unmatched = list(meeting.decisions)
            decided = False
            for n, d in enumerate(doc.decisions, start=1):
                place = f"{where}, decision {n}"
                rec, review, insp = self.subject(place, d)
                if rec is None and (rec, review, insp) not in [a[:3] for a in agenda]:
                    whole = f"inspection '{d.inspection}'" if insp else f"review '{d.review}'"
                    raise DocumentError(
                        f"{place}: the {whole} is not on that meeting's agenda as a whole"
                    )
                said = (d.note, d.until, d.whom, d.decided_by)
                same = (
                    held.get((rec, review, insp, d.decision, d.recorded_at))
                    if d.recorded_at is not None
                    else None
                )
                if same is not None:
                    kept = (same.note, same.until, same.whom, same.decided_by)
                    differs = next(
                        (name for name, a, b in zip(_DECISION_FIELDS, kept, said, strict=True)
                         if a != b),
                        None,
                    )  # fmt: skip
                    if differs is not None:
                        raise DocumentError(
                            f"{place}: its {differs} differs from the decision held, and an "
                            "import never changes a recorded decision"
                        )
                    unmatched.remove(same)
                    continue
                alike = next(
                    (
                        h
                        for h in unmatched
                        if (h.recommendation, h.review, h.inspection, h.kind)
                        == (rec, review, insp, d.decision)
                        and (h.note, h.until, h.whom, h.decided_by) == said
                    ),
                    None,
                )
                if alike is not None:
                    unmatched.remove(alike)
                    continue
                decided = True
                decision = Decision(
                    recommendation=rec,
                    review=review,
                    inspection=insp,
                    kind=d.decision,
                    note=d.note,
                    until=d.until,
                    whom=d.whom,
                    decided_on=d.decided_on,
                    decided_by=d.decided_by,
                )
                if d.recorded_at is not None:
                    decision.recorded_at = d.recorded_at
                meeting.decisions.append(decision)
            self.summary.count(
                "meeting",
                added,
                decided or self.session.is_modified(meeting, include_collections=True),
            )

    def subject(
        self, where: str, doc: AgendaDoc | DecisionDoc
    ) -> tuple[Recommendation | None, Review | None, Inspection | None]:
        """The tracked item, review or inspection an agenda entry or a decision names."""
        if doc.review:
            review = self.session.scalar(select(Review).where(Review.reference == doc.review))
            if review is None:
                raise DocumentError(f"{where}: there is no review '{doc.review}'")
            if not doc.number:
                return None, review, None
            for rec in review.recommendations:
                if rec.number == doc.number:
                    return rec, None, None
            raise DocumentError(
                f"{where}: review '{doc.review}' has no recommendation '{doc.number}'"
            )
        inspection = self.session.scalar(
            select(Inspection).where(Inspection.reference == doc.inspection)
        )
        if inspection is None:
            raise DocumentError(f"{where}: there is no inspection '{doc.inspection}'")
        if not doc.number:
            return None, None, inspection
        for rec in inspection.recommendations:
            if rec.kind == doc.kind and rec.number == doc.number:
                return rec, None, None
        kind = doc.kind.label.lower() if doc.kind else "item"
        raise DocumentError(f"{where}: inspection '{doc.inspection}' has no {kind} '{doc.number}'")


_DECISION_FIELDS = ("note", "until", "whom", "decided_by")


def _check_kept(item: Held, review: str, where: str) -> None:
    """``check_state`` for an item of ``review`` (``where``) the import leaves as it is,
    worded as ``Importer.tracked`` words it."""
    kind, _position, *_, status, reason, assured_by, _assured_on, _closed_on = item.scalars
    try:
        check_values(
            _KEPT,
            status=status,
            reason=reason,
            assured_by=assured_by,
            evidence_count=item.evidence_count,
        )
    except RuleError as exc:  # named only now: naming every item kept cost a tenth of a second
        named = exc.message.replace(_KEPT, f"{kind.label} {item.number} of {review}", 1)
        raise DocumentError(f"{where}, recommendation '{item.number}': {named}") from exc


_KEPT = "\0item\0"  # stands for the item's name in check_values' message until it is needed


@collector_paused()
def apply_document(
    session: Session, doc: Document, *, today: dt.date | None = None, checked: bool = False
) -> ImportSummary:
    """Add and update everything in ``doc``; the caller's transaction makes it all or nothing.

    Every value is first checked against db.core.fields' rules, the same on every backend,
    unless ``checked``: ``doc`` is as ``parse_document`` returned it, which checked it so
    (checking 100,000 items again took a fifth as long as reading them).
    With ``today``, a meeting still to come that holds decisions is refused, as recording
    one is (a decision is dated its meeting's day)."""
    if not checked:
        check_document(doc)
    if today is not None:
        for meeting in doc.meetings:
            if meeting.decisions and meeting.held_on > today:
                raise DocumentError(
                    f"meeting of {meeting.held_on.isoformat()} '{meeting.title}': it is still "
                    "to come, so it cannot hold decisions yet"
                )
    importer = Importer(session)
    importer.organisations(doc.organisations)
    importer.schemes(doc.grading_schemes)
    session.flush()
    importer.reviews(doc.reviews)
    importer.inspections(doc.inspections)
    importer.initiatives(doc.initiatives)
    importer.repeats(doc)
    importer.meetings(doc.meetings)
    session.flush()
    return importer.summary
