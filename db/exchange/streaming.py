"""A data set read for export a part at a time, so an export's memory does not grow with it.

``collect_document`` (db.exchange.records) builds the whole ``Document`` at once, which an
import's checks, a checkout and an undo need; an export only walks it once, from top to
bottom, so ``stream_document`` hands the writers the same dataclasses, a batch of reviews at
a time. The reviews, which hold nearly all of a data set, are read with plain selects (one
per kind of row a batch, grouped in Python), not as ORM objects: at 100,000 items the ORM's
objects alone took 20 seconds and a gigabyte. Inspections, initiatives and meetings are read
as objects a batch at a time, their collections loaded per batch, and let go after it.

The reviews' references, titles and number of items are read first, so that a writer can
head its file (an action plan's title, its filter's range) before the rows arrive.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from sqlalchemy import Executable, Select, String, func, select, type_coerce
from sqlalchemy.orm import Session, aliased, selectinload

from db.core.collector import collector_paused
from db.core.rules import rating_for
from db.core.vocabulary import AgencyRole
from db.exchange.document import (
    Document,
    EvidenceDoc,
    InitiativeDoc,
    InspectionDoc,
    MeetingDoc,
    OrganisationDoc,
    RepeatDoc,
    ReviewDoc,
    SchemeDoc,
    TrackedDoc,
    UpdateDoc,
)
from db.exchange.records import (
    DISMISSED,
    initiative_doc,
    inspection_doc,
    meeting_doc,
    reference_data,
)
from db.store.models import (
    Evidence,
    Finding,
    GradedArea,
    Initiative,
    InitiativeLink,
    Inspection,
    Meeting,
    Organisation,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    RepeatLink,
    Review,
    Theme,
    recommendation_themes,
    review_themes,
)

# About this many items a batch: some ten megabytes of dataclasses, and few enough queries
# (at 100,000 items, 2,000 a batch took half a second more of reading, though 62 MB at peak
# rather than 72; 10,000 took no less time than 5,000, and 86 MB).
BATCH_ITEMS = 5000
# Inspections, initiatives and meetings a batch (each loaded whole, as objects).
BATCH_RECORDS = 50
_JOINT = AgencyRole.JOINT.value  # an agency's role as read, as text
T = TypeVar("T")


@dataclass
class DocumentStream:
    """What a writer needs to write a ``Document`` from top to bottom, its records as
    iterables read while the file is written (once only)."""

    organisations: list[OrganisationDoc]
    grading_schemes: list[SchemeDoc]
    reviews: Iterable[ReviewDoc]
    inspections: Iterable[InspectionDoc] = ()
    initiatives: Iterable[InitiativeDoc] = ()
    meetings: Iterable[MeetingDoc] = ()
    # Known before the reviews are read: their references in order, the title of the only
    # one (None unless exactly one), their tracked items, and whether there are meetings.
    references: list[str] = field(default_factory=list)
    only_title: str | None = None
    items: int = 0
    has_meetings: bool = False
    exported_at: dt.datetime | None = None

    @classmethod
    def of(cls, doc: Document) -> DocumentStream:
        """A document already in memory, as a stream."""
        return cls(
            organisations=doc.organisations,
            grading_schemes=doc.grading_schemes,
            reviews=doc.reviews,
            inspections=doc.inspections,
            initiatives=doc.initiatives,
            meetings=doc.meetings,
            references=[r.reference for r in doc.reviews],
            only_title=doc.reviews[0].title if len(doc.reviews) == 1 else None,
            items=sum(len(r.recommendations) for r in doc.reviews),
            has_meetings=bool(doc.meetings),
            exported_at=doc.exported_at,
        )


def stream_document(
    session: Session,
    today: dt.date,
    references: Iterable[str] = (),
    *,
    batch_items: int = BATCH_ITEMS,
    batch_records: int = BATCH_RECORDS,
    plan_only: bool = False,
) -> DocumentStream:
    """What ``collect_document`` collects, the same records in the same order, read a batch
    at a time as the stream is walked; ``session`` must stay open until then. With
    ``references``, only those reviews (and no inspections, initiatives or meetings). The
    batches hold about ``batch_items`` items, or ``batch_records`` other records.

    With ``plan_only``, the reviews' items hold only what an action plan shows of them (the
    CSV export): of their updates only the latest not withdrawn, and no evidence or verdicts
    on repeats, which are most of what there is to read."""
    wanted = set(references)
    head = reference_data(session)  # the small part, read whole
    listed = select(Review.id, Review.reference, Review.title, func.count(Recommendation.id))
    listed = listed.outerjoin(Recommendation, Recommendation.review_id == Review.id)
    if wanted:
        listed = listed.where(Review.reference.in_(wanted))
    found = session.execute(listed.group_by(Review.id).order_by(Review.reference)).all()
    stream = DocumentStream(
        organisations=head.organisations,
        grading_schemes=head.grading_schemes,
        reviews=_reviews(
            session, today, [(row[0], row[3]) for row in found], batch_items, plan_only
        ),
        references=[row[1] for row in found],
        only_title=found[0][2] if len(found) == 1 else None,
        items=sum(row[3] for row in found),
    )
    if not wanted:
        stream.inspections = _objects(
            session,
            select(Inspection.id).order_by(Inspection.reference),
            _inspection_batch,
            lambda inspection: inspection_doc(inspection, today),
            batch_records,
        )
        stream.initiatives = _objects(
            session,
            select(Initiative.id).order_by(Initiative.name),
            _initiative_batch,
            initiative_doc,
            batch_records,
        )
        stream.meetings = _objects(
            session,
            select(Meeting.id).order_by(Meeting.held_on, Meeting.title),
            _meeting_batch,
            meeting_doc,
            batch_records,
        )
        stream.has_meetings = session.scalar(select(func.count(Meeting.id))) != 0
    return stream


# ----------------------------------------------------------------------------- reviews


def _reviews(
    session: Session,
    today: dt.date,
    listed: list[tuple[int, int]],
    batch_items: int,
    plan_only: bool,
) -> Iterator[ReviewDoc]:
    """The reviews (id, items) listed, in that order, read a batch of about ``batch_items``
    items at a time (``plan_only``: see ``stream_document``)."""
    batch: list[int] = []
    items = 0
    for review_id, count in listed:
        batch.append(review_id)
        items += count
        if items >= batch_items:
            yield from _review_batch(session, today, batch, plan_only)
            batch, items = [], 0
    if batch:
        yield from _review_batch(session, today, batch, plan_only)


def _review_batch(
    session: Session, today: dt.date, ids: list[int], plan_only: bool
) -> list[ReviewDoc]:
    """The reviews ``ids``, read with the garbage collector paused: a batch makes a few
    hundred thousand objects and no cycles, and the collector would otherwise walk them
    again and again as they are made (db.core.collector)."""
    with collector_paused():
        return _read_reviews(session, today, ids, plan_only)


def _read_reviews(
    session: Session, today: dt.date, ids: list[int], plan_only: bool
) -> list[ReviewDoc]:
    commissioner = aliased(Organisation)
    reviews = (
        session.connection()
        .execute(
            select(
                Review.id,
                Review.reference,
                Review.kind,
                Review.title,
                Review.subject,
                Review.anonymised_label,
                Review.names_to_redact,
                commissioner.name,
                Review.incident_on,
                Review.notified_on,
                Review.commissioned_on,
                Review.published,
                Review.summary,
            )
            .outerjoin(commissioner, Review.commissioned_by_id == commissioner.id)
            .where(Review.id.in_(ids))
        )
        .all()
    )
    themes: dict[int, list[str]] = _grouped(
        session,
        select(review_themes.c.review_id, Theme.name)
        .join(Theme, Theme.id == review_themes.c.theme_id)
        .where(review_themes.c.review_id.in_(ids))
        .order_by(review_themes.c.review_id, Theme.name),
    )
    items = _tracked_docs(session, today, Recommendation.review_id.in_(ids), plan_only)
    by_id = {
        row[0]: ReviewDoc(
            reference=row[1],
            kind=row[2],
            title=row[3],
            subject=row[4],
            anonymised_label=row[5],
            names_to_redact=[n for n in row[6].splitlines() if n],
            commissioned_by=row[7],
            incident=row[8],
            notified=row[9],
            commissioned=row[10],
            published=row[11],
            summary=row[12],
            themes=themes.get(row[0], []),
            recommendations=items.get(row[0], []),
        )
        for row in reviews
    }
    return [by_id[review_id] for review_id in ids]


def _tracked_docs(
    session: Session, today: dt.date, owned: Any, plan_only: bool
) -> dict[int, list[TrackedDoc]]:
    """The items ``owned`` selects (a condition on ``Recommendation``), by their review's id,
    in their order, each with all that ``records._tracked_doc`` gives it (``plan_only``: see
    ``stream_document``)."""
    concern = aliased(Finding)
    rows = (
        session.connection()
        .execute(
            select(
                Recommendation.id,
                Recommendation.review_id,
                Recommendation.number,
                Recommendation.text,
                Recommendation.kind,
                Recommendation.status,
                Recommendation.status_reason,
                Recommendation.actions,
                Recommendation.owner,
                Recommendation.target_date,
                Recommendation.closed_on,
                Recommendation.assured_by,
                Recommendation.assured_on,
                GradedArea.name,
                concern.number,
            )
            .outerjoin(GradedArea, GradedArea.id == Recommendation.area_id)
            .outerjoin(concern, concern.id == Recommendation.concern_id)
            .where(owned)
            .order_by(Recommendation.review_id, Recommendation.position)
        )
        .all()
    )
    ids = select(Recommendation.id).where(owned)
    agencies = _agencies(
        session,
        select(
            RecommendationAgency.recommendation_id,
            type_coerce(RecommendationAgency.role, String),  # compared as text: 175,000 of them
            Organisation.name,
        )
        .join(Organisation, Organisation.id == RecommendationAgency.organisation_id)
        .where(RecommendationAgency.recommendation_id.in_(ids))
        .order_by(RecommendationAgency.recommendation_id, RecommendationAgency.position),
    )
    themes: dict[int, list[str]] = _grouped(
        session,
        select(recommendation_themes.c.recommendation_id, Theme.name)
        .join(Theme, Theme.id == recommendation_themes.c.theme_id)
        .where(recommendation_themes.c.recommendation_id.in_(ids))
        .order_by(recommendation_themes.c.recommendation_id, Theme.name),
    )
    if plan_only:
        latest = _latest_updates(session, owned)
        return _items(
            rows, today, agencies=agencies, themes=themes, updates=latest, evidence={}, repeats={}
        )
    updates = _made(
        session,
        select(
            ProgressUpdate.recommendation_id,
            ProgressUpdate.on,
            ProgressUpdate.author,
            ProgressUpdate.status,
            ProgressUpdate.note,
            ProgressUpdate.withdrawn_at,
            ProgressUpdate.withdrawn_by,
            ProgressUpdate.withdrawn_reason,
        )
        .where(ProgressUpdate.recommendation_id.in_(ids))
        .order_by(ProgressUpdate.recommendation_id, ProgressUpdate.on, ProgressUpdate.id),
        UpdateDoc,  # the columns in the order of its fields
    )
    evidence = _made(
        session,
        select(
            Evidence.recommendation_id,
            Evidence.description,
            Evidence.added_by,
            Evidence.reference,
            Evidence.file_name,
            Evidence.media_type,
            Evidence.content,
            Evidence.added_at,
        )
        .where(Evidence.recommendation_id.in_(ids))
        .order_by(Evidence.recommendation_id, Evidence.added_at, Evidence.id),
        EvidenceDoc,  # the columns in the order of its fields
    )
    return _items(
        rows,
        today,
        agencies=agencies,
        themes=themes,
        updates=updates,
        evidence=evidence,
        repeats=_repeats(session, ids),
    )


def _items(
    rows: Sequence[Any],
    today: dt.date,
    *,
    agencies: dict[int, tuple[list[str], list[str]]],
    themes: dict[int, list[str]],
    updates: dict[int, list[UpdateDoc]],
    evidence: dict[int, list[EvidenceDoc]],
    repeats: dict[int, list[RepeatDoc]],
) -> dict[int, list[TrackedDoc]]:
    """The items' ``rows`` (of ``_tracked_docs``'s query) and what they hold, by item's id,
    as dataclasses, by their review's id."""
    found: dict[int, list[TrackedDoc]] = defaultdict(list)
    for (
        rec_id,
        review_id,
        number,
        text,
        kind,
        status,
        reason,
        actions,
        owner,
        target,
        closed,
        assured_by,
        assured_on,
        area,
        concern,
    ) in rows:
        lead, joint = agencies.get(rec_id) or ([], [])  # each item's own lists
        found[review_id].append(
            TrackedDoc(  # positional, in the order of its fields: 100,000 of them
                number,
                text,
                kind,
                status,
                reason,
                rating_for(status, target, today),
                lead,
                joint,
                actions,
                owner,
                target,
                closed,
                assured_by,
                assured_on,
                themes.get(rec_id, []),
                updates.get(rec_id, []),
                evidence.get(rec_id, []),
                area,
                concern,
                repeats.get(rec_id, []),
            )
        )
    return found


def _latest_updates(session: Session, owned: Any) -> dict[int, list[UpdateDoc]]:
    """The latest update not withdrawn of each of the items ``owned`` selects, alone: the one
    an action plan shows (``writing.review_plan_rows``), latest as the full list orders them."""
    live = aliased(ProgressUpdate)
    latest = (
        select(live.id)
        .where(live.recommendation_id == Recommendation.id, live.withdrawn_at.is_(None))
        .order_by(live.on.desc(), live.id.desc())
        .limit(1)
        .correlate(Recommendation)
        .scalar_subquery()
    )
    return _made(
        session,
        select(
            Recommendation.id,
            ProgressUpdate.on,
            ProgressUpdate.author,
            ProgressUpdate.status,
            ProgressUpdate.note,
        )
        .join(ProgressUpdate, ProgressUpdate.id == latest)
        .where(owned),
        UpdateDoc,  # the columns in the order of its fields
    )


def _agencies(session: Session, query: Executable) -> dict[int, tuple[list[str], list[str]]]:
    """The lead and the joint agencies' names that ``query`` lists (item's id, role, name),
    by item, each in the query's order."""
    found: dict[int, tuple[list[str], list[str]]] = {}
    for rec_id, role, name in session.connection().execute(query).all():
        roles = found.get(rec_id)
        if roles is None:
            roles = found[rec_id] = ([], [])
        roles[role == _JOINT].append(name)
    return found


def _repeats(session: Session, ids: Any) -> dict[int, list[RepeatDoc]]:
    """The verdicts on suggested repeats of the items ``ids``, as ``records.repeat_doc``."""
    earlier = aliased(Recommendation)
    return _made(
        session,
        select(
            RepeatLink.item_id,
            earlier.number,
            Review.reference,
            Inspection.reference,
            earlier.kind,
            RepeatLink.decided_by,
            RepeatLink.decided_at,
            RepeatLink.verdict,
        )
        .join(earlier, earlier.id == RepeatLink.earlier_id)
        .outerjoin(Review, Review.id == earlier.review_id)
        .outerjoin(Inspection, Inspection.id == earlier.inspection_id)
        .where(RepeatLink.item_id.in_(ids))
        .order_by(RepeatLink.item_id, RepeatLink.id),
        lambda number, review, inspection, kind, by, at, verdict: RepeatDoc(
            number=number,
            review=review,
            inspection=inspection,
            kind=kind,
            decided_by=by,
            decided_at=at,
            dismissed=verdict == DISMISSED,
        ),
    )


def _grouped(session: Session, query: Executable) -> dict[int, list[Any]]:
    """The second column of the rows of ``query`` (of two), listed by their first, in the
    query's order."""
    found: dict[int, list[Any]] = defaultdict(list)
    for key, value in session.connection().execute(query).all():
        found[key].append(value)
    return found


def _made(session: Session, query: Executable, make: Callable[..., T]) -> dict[int, list[T]]:
    """The rows of ``query`` made into values by ``make``, given the columns after the first
    (in the order of a dataclass's fields, say), listed by their first column, in the query's
    order."""
    found: dict[int, list[T]] = defaultdict(list)
    for key, *values in session.connection().execute(query).all():
        found[key].append(make(*values))
    return found


# ----------------------------------------------------------------------------- the rest


def _objects(
    session: Session,
    ids: Select[int],
    load: Callable[[Session, Sequence[int]], Iterable[T]],
    make: Callable[[T], Any],
    batch: int,
) -> Iterator[Any]:
    """Each record ``ids`` lists, in its order, loaded ``batch`` at a time by
    ``load`` and made into its dataclass by ``make``; the objects are let go after each
    batch."""
    listed = session.scalars(ids).all()
    for start in range(0, len(listed), batch):
        part = listed[start : start + batch]
        by_id = {obj.id: obj for obj in load(session, part)}  # type: ignore[attr-defined]
        docs = [make(by_id[record_id]) for record_id in part]
        session.expunge_all()
        yield from docs


def _inspection_batch(session: Session, ids: Sequence[int]) -> Iterable[Inspection]:
    items = selectinload(Inspection.recommendations)
    return session.scalars(
        select(Inspection)
        .where(Inspection.id.in_(ids))
        .options(
            selectinload(Inspection.inspectorate),
            selectinload(Inspection.organisation),
            selectinload(Inspection.scheme),
            selectinload(Inspection.areas).selectinload(GradedArea.grade),
            selectinload(Inspection.findings).selectinload(Finding.area),
            items.selectinload(Recommendation.agencies).selectinload(
                RecommendationAgency.organisation
            ),
            items.selectinload(Recommendation.themes),
            items.selectinload(Recommendation.updates),
            items.selectinload(Recommendation.evidence).undefer(Evidence.content),
            items.selectinload(Recommendation.verdicts),
            items.selectinload(Recommendation.area),
            items.selectinload(Recommendation.concern),
        )
    )


def _initiative_batch(session: Session, ids: Sequence[int]) -> Iterable[Initiative]:
    return session.scalars(
        select(Initiative)
        .where(Initiative.id.in_(ids))
        .options(
            selectinload(Initiative.organisation),
            selectinload(Initiative.links).selectinload(InitiativeLink.recommendation),
            selectinload(Initiative.links).selectinload(InitiativeLink.finding),
            selectinload(Initiative.links).selectinload(InitiativeLink.area),
        )
    )


def _meeting_batch(session: Session, ids: Sequence[int]) -> Iterable[Meeting]:
    return session.scalars(
        select(Meeting)
        .where(Meeting.id.in_(ids))
        .options(
            selectinload(Meeting.people),
            selectinload(Meeting.agenda),
            selectinload(Meeting.decisions),
        )
    )
