"""Edits made in the window: reviews and recommendations created, changed and deleted, and the
corrections that undo progress updates.

Every function runs in the caller's transaction. Records are named by natural keys (a review's
reference; a source, kind and number for an item) rather than ids, because undoing a deletion
restores rows under new ids. Validation returns messages per field, for dialogs to show beside
the field; the same checks raise ``RuleError`` when a service is called with bad input.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db.core import fields as rules
from db.core.dates import format_date, utc_now
from db.core.errors import ConflictError, DocumentError, NotFoundError, RuleError

# Defined beside the first-page reader, which needs no SQLAlchemy; known as editing.ItemKey &c.
from db.core.items import ItemFields as ItemFields  # noqa: PLC0414 (re-exported)
from db.core.items import ItemKey as ItemKey  # noqa: PLC0414 (re-exported)
from db.core.items import ReviewFields as ReviewFields  # noqa: PLC0414 (re-exported)
from db.core.rules import TRANSITIONS
from db.core.vocabulary import AgencyRole, OrganisationKind, Status, TrackedKind
from db.exchange import records
from db.exchange.document import (
    EvidenceDoc,
    InitiativeDoc,
    LinkDoc,
    MeetingDoc,
    ReviewDoc,
    TrackedDoc,
)
from db.exchange.records import Importer, collect_document, evidence_doc
from db.store.lifecycle import check_values, describe, evidence_count
from db.store.models import (
    AuditEntry,
    Evidence,
    Initiative,
    InitiativeLink,
    Inspection,
    Organisation,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    Review,
    Theme,
)


@dataclass(frozen=True)
class StatusState:
    """What a status change touches, so that a correction can put it back."""

    status: Status
    status_reason: str
    assured_by: str | None
    assured_on: dt.date | None
    closed_on: dt.date | None


@dataclass
class Problems:
    """Messages by field name; empty when the input is acceptable."""

    by_field: dict[str, str] = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, message)

    def __bool__(self) -> bool:
        return bool(self.by_field)

    def raise_first(self) -> None:
        if self.by_field:
            raise RuleError(next(iter(self.by_field.values())))


# ----------------------------------------------------------------------------- lookups


def review_by_reference(session: Session, reference: str) -> Review:
    review = session.scalar(select(Review).where(Review.reference == reference))
    if review is None:
        raise NotFoundError(f"There is no review with the reference '{reference}'.")
    return review


def item_by_key(session: Session, key: ItemKey) -> Recommendation:
    """The item ``key`` names: its review's or inspection's, as ``key.inspection`` says (a
    review and an inspection may share a reference: the window edited the review's item when
    the inspection's was chosen), else the review's if it has one."""
    query = select(Recommendation).where(
        Recommendation.number == key.number, Recommendation.kind == key.kind
    )
    found = None
    if not key.inspection:
        found = session.scalar(
            query.join(Review, Review.id == Recommendation.review_id).where(
                Review.reference == key.source
            )
        )
    if found is None and key.inspection is not False:
        found = session.scalar(
            query.join(Inspection, Inspection.id == Recommendation.inspection_id).where(
                Inspection.reference == key.source
            )
        )
    if found is None:
        raise NotFoundError(f"There is no {key.kind.label.lower()} {key.number} of {key.source}.")
    return found


def item_id(session: Session, key: ItemKey) -> int | None:
    """The id of the item ``key`` names, or None when there is none."""
    try:
        return item_by_key(session, key).id
    except NotFoundError:  # the answer asked for, not a failure
        return None


def key_of(rec: Recommendation) -> ItemKey:
    return ItemKey(rec.source_reference, rec.number, rec.kind, rec.inspection_id is not None)


def _organisation(session: Session, name: str, kind: OrganisationKind) -> Organisation:
    org = session.scalar(select(Organisation).where(Organisation.name == name))
    if org is None:
        org = Organisation(name=name, kind=kind)
        session.add(org)
    return org


def _themes(session: Session, names: tuple[str, ...]) -> list[Theme]:
    """The themes named, each once whatever its case; a theme already held is used as it is
    spelt there ("neglect" is filed under an existing "Neglect"). Compared in Python, since
    SQLite's lower() knows only ASCII."""
    if not names:
        return []
    held = {t.name.casefold(): t for t in session.scalars(select(Theme))}
    result = []
    for name in rules.distinct(names):
        theme = held.get(name.casefold())
        if theme is None:
            theme = held[name.casefold()] = Theme(name=name)
        result.append(theme)
    return result


# ----------------------------------------------------------------------------- reviews


def check_review(session: Session, fields: ReviewFields, *, editing: str | None = None) -> Problems:
    problems = Problems()
    if not fields.reference.strip():
        problems.add("reference", "Give the review a reference.")
    elif fields.reference != editing and session.scalar(
        select(Review.id).where(Review.reference == fields.reference)
    ):
        problems.add("reference", f"Another review already has the reference {fields.reference}.")
    if not fields.title.strip():
        problems.add("title", "Give the review a title.")
    _check_fields(
        problems,
        "The review's",
        [
            ("reference", fields.reference, rules.REFERENCE, True),
            ("title", fields.title, rules.TITLE, False),
            ("subject", fields.subject, rules.NAME, False),
            ("commissioned_by", fields.commissioned_by, rules.NAME, True),
            ("summary", fields.summary, rules.TEXT, False),
            *(("themes", theme, rules.THEME, True) for theme in fields.themes),
        ],
    )
    reason = rules.reference_problem(fields.reference) if fields.reference else None
    if reason is not None:
        problems.add("reference", f"The review's reference {reason}.")
    return problems


_LABELS = {
    "commissioned_by": "commissioning body",
    "lead_agencies": "lead agency",
    "joint_agencies": "joint agency",
    "themes": "theme",
}


def _check_fields(
    problems: Problems, whose: str, values: list[tuple[str, str | None, int, bool]]
) -> None:
    """db.core.fields' rules, the same as every import's, as a message beside each field."""
    for name, value, limit, is_name in values:
        if not value:
            continue
        reason = rules.problem(value, limit, name=is_name)
        if reason is not None:
            label = _LABELS.get(name, name.replace("_", " "))
            problems.add(name, f"{whose} {label} {reason}.")


def review_fields(session: Session, reference: str) -> ReviewFields:
    review = review_by_reference(session, reference)
    return ReviewFields(
        reference=review.reference,
        kind=review.kind,
        title=review.title,
        subject=review.subject,
        commissioned_by=review.commissioned_by.name if review.commissioned_by else "",
        published=review.published,
        summary=review.summary,
        themes=tuple(t.name for t in review.themes),
        version=review.version,
    )


def _apply_review(session: Session, review: Review, fields: ReviewFields) -> None:
    review.reference = fields.reference.strip()
    review.kind = fields.kind
    review.title = fields.title.strip()
    review.subject = fields.subject.strip()
    review.commissioned_by = (
        _organisation(session, fields.commissioned_by.strip(), OrganisationKind.PARTNERSHIP)
        if fields.commissioned_by.strip()
        else None
    )
    review.published = fields.published
    review.summary = fields.summary.strip()
    review.themes = _themes(session, fields.themes)


def create_review(session: Session, fields: ReviewFields) -> None:
    check_review(session, fields).raise_first()
    review = Review(reference=fields.reference, kind=fields.kind, title=fields.title)
    session.add(review)
    _apply_review(session, review, fields)
    session.flush()


def update_review(
    session: Session, reference: str, fields: ReviewFields, *, expected: int | None = None
) -> int:
    """Apply ``fields``; with ``expected``, only if the review is still at that version (else
    ``ConflictError``). Returns its new version."""
    review = review_by_reference(session, reference)
    _still_at(session, review, expected, f"Review {reference}")
    check_review(session, fields, editing=reference).raise_first()
    _apply_review(session, review, fields)
    review.updated_at = utc_now()  # an update even when only its themes changed
    session.flush()
    return review.version


def _still_at(
    session: Session, record: Review | Recommendation, expected: int | None, name: str
) -> None:
    """Refuse to overwrite a change someone else made since ``expected`` was read."""
    if expected is None or record.version == expected:
        return
    raise conflict_error(session, record, name)


def conflict_error(
    session: Session,
    record: Review | Recommendation,
    name: str,
    *,
    undoing: str = "",
    redoing: str = "",
) -> ConflictError:
    """The refusal of a change over someone else's: who changed ``record``, and when.
    ``undoing`` names what an undo was refused for ("the decision"), ``redoing`` what a redo
    was ("the deletion"): nothing was being saved then, and the sentence says so (a new user
    read "your change was not saved" over an undo)."""
    own = (AuditEntry.entity == record.__tablename__) & (AuditEntry.entity_id == str(record.id))
    if isinstance(record, Recommendation):
        own |= (AuditEntry.entity == RecommendationAgency.__tablename__) & (
            AuditEntry.entity_id.startswith(f"{record.id},")
        )
        # Its log entries and evidence: added or withdrawn, they change no column of its own.
        for table, rows in ((ProgressUpdate, record.updates), (Evidence, record.evidence)):
            if rows:
                own |= (AuditEntry.entity == table.__tablename__) & AuditEntry.entity_id.in_(
                    [str(row.id) for row in rows]
                )
    latest = session.scalars(
        select(AuditEntry).where(own).order_by(AuditEntry.id.desc()).limit(1)
    ).first()
    when = record.updated_at
    if latest is not None and latest.at > when:  # (a change to its log or evidence alone)
        when = latest.at
    when = when.astimezone()
    by = f" at {when:%H:%M} on {format_date(when.date())}"
    # The newest entry about the record, its agencies, log or evidence names who, if it is
    # that change's.
    if latest is not None and latest.at >= when - dt.timedelta(seconds=2):
        by = f" by {latest.actor}{by}"
    if undoing:
        return ConflictError(
            f"{name} was changed{by} since, so {undoing} was not undone, as that would undo "
            "the other change too; the window now shows the record as it is."
        )
    if redoing:
        return ConflictError(
            f"{name} was changed{by} since, so {redoing} was not redone, as that would lose "
            "the other change; the window now shows the record as it is."
        )
    return ConflictError(
        f"{name} was changed{by} since you opened it, so your change was not saved; the "
        "window now shows the record as it is: make your change again if it is still needed."
    )


def _deletion(session: Session, entity: str, holds: dict[str, str]) -> AuditEntry | None:
    """The audit trail's newest deletion of an ``entity`` row whose columns held ``holds`` (as
    the trail's snapshot writes them), or None; None too when such a row was made again
    since (the deletion undone, say): a code review found an old, undone deletion named as
    the reason an item renumbered since could not be saved."""
    deleted = _newest(session, entity, "delete", holds)
    if deleted is None or _newest(session, entity, "create", holds, after=deleted.id):
        return None
    return deleted


def _newest(
    session: Session, entity: str, action: str, holds: dict[str, str], *, after: int = 0
) -> AuditEntry | None:
    """The newest ``action`` entry (after the entry ``after``) of an ``entity`` row whose
    columns held ``holds`` (its snapshot before a deletion, after a creation)."""
    first, value = next(iter(holds.items()))
    # The snapshot is JSON with sorted keys (db.store.audit): narrowed by its first pair in
    # SQL, each candidate is then read whole.
    pair = json.dumps({first: value}, ensure_ascii=False)[1:-1]
    pattern = pair.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    snapshot = AuditEntry.old if action == "delete" else AuditEntry.new
    candidates = session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.entity == entity,
            AuditEntry.action == action,
            AuditEntry.id > after,
            snapshot.like(f"%{pattern}%", escape="\\"),
        )
        .order_by(AuditEntry.id.desc())
        .limit(100)
    )
    for entry in candidates:
        try:
            held = json.loads((entry.old if action == "delete" else entry.new) or "")
        except ValueError:  # an entry written otherwise: not the one looked for
            continue
        if isinstance(held, dict) and all(held.get(k) == v for k, v in holds.items()):
            return entry
    return None


def deleted_error(session: Session, key: ItemKey) -> ConflictError | None:
    """The refusal of an edit of an item someone deleted since it was opened: who deleted it
    (or its review or inspection) and when, from the audit trail; None if the trail has no
    such deletion (then there is simply no such item)."""
    name = f"{key.kind.label} {key.number} of {key.source}"
    found = None
    for model, column in ((Review, "review_id"), (Inspection, "inspection_id")):
        source_id = session.scalar(select(model.id).where(model.reference == key.source))
        if source_id is not None:
            holds = {"number": key.number, "kind": key.kind.value, column: str(source_id)}
            found = found or _deletion(session, Recommendation.__tablename__, holds)
    if found is None:  # its review or inspection deleted, with it
        for model, called in ((Review, "Review"), (Inspection, "Inspection")):
            whole = _deletion(session, model.__tablename__, {"reference": key.source})
            if whole is not None:
                what = f"{key.kind.label.lower()} {key.number}"
                found, name = whole, f"{called} {key.source}, with its {what},"
                break
    if found is None:
        return None
    when = found.at.astimezone()
    return ConflictError(
        f"{name} was deleted by {found.actor} at {when:%H:%M} on {format_date(when.date())} "
        "since you opened it, so your change was not saved."
    )


@dataclass(frozen=True)
class ItemHolding:
    """An item's fields with what it holds beyond them: its log entries (each with whether it
    is withdrawn) and its evidence, by id. Adding either changes no column of the item, so
    its version alone does not show them; a deletion redone would lose them."""

    fields: ItemFields
    updates: tuple[tuple[int, bool], ...]
    evidence: tuple[int, ...]


def item_holding(session: Session, key: ItemKey) -> ItemHolding:
    rec = item_by_key(session, key)
    return ItemHolding(
        item_fields(session, key),
        tuple((u.id, u.withdrawn) for u in rec.updates),
        tuple(sorted(e.id for e in rec.evidence)),
    )


def item_still_holds(session: Session, key: ItemKey, holding: ItemHolding, *, redoing: str) -> None:
    """``item_still`` over its log and evidence too: a redone deletion would take them."""
    if item_holding(session, key) != holding:
        name = f"{key.kind.label} {key.number} of {key.source}"
        raise conflict_error(session, item_by_key(session, key), name, redoing=redoing)


def item_still(session: Session, key: ItemKey, fields: ItemFields) -> None:
    """Refuse, with ``ConflictError``, unless the item still holds ``fields`` (as a command
    left it): undo and redo never overwrite a change made since by someone else."""
    if item_fields(session, key) != fields:
        name = f"{key.kind.label} {key.number} of {key.source}"
        raise conflict_error(session, item_by_key(session, key), name)


def review_still(session: Session, reference: str, fields: ReviewFields) -> None:
    """``item_still`` for a review."""
    if review_fields(session, reference) != fields:
        raise conflict_error(
            session, review_by_reference(session, reference), f"Review {reference}"
        )


@dataclass(frozen=True)
class ReviewSnapshot:
    """A deleted review with all it held, and the initiatives that linked to its items."""

    review: ReviewDoc
    initiatives: tuple[InitiativeDoc, ...]
    # The meetings whose agenda or decisions named it or its items, as they were.
    meetings: tuple[MeetingDoc, ...] = ()


def review_snapshot(session: Session, reference: str, today: dt.date) -> ReviewSnapshot:
    """A review with everything under it, and what links to it, as its deletion keeps it."""
    found = collect_document(session, today, [reference]).reviews
    if not found:
        raise NotFoundError(f"There is no review with the reference '{reference}'.")
    review = review_by_reference(session, reference)
    linked = session.scalars(
        select(Initiative)
        .join(InitiativeLink, InitiativeLink.initiative_id == Initiative.id)
        .join(Recommendation, Recommendation.id == InitiativeLink.recommendation_id)
        .where(Recommendation.review_id == review.id)
        .distinct()
    ).all()
    return ReviewSnapshot(
        found[0],
        tuple(records.initiative_doc(i) for i in linked),
        records.meetings_about(session, review_id=review.id),
    )


def still_as_put_back(now: object, put_back: object, name: str) -> None:
    """Refuse the redo of a deletion, with ``ConflictError``, unless what is to be deleted is
    as its undo put it back (``put_back``, a snapshot of it then; ``now``, one made now): a
    change someone made since (an item's update, a decision, a new piece of evidence) would
    be deleted with it, unseen (found for items by a new user; the same for the rest)."""
    if now != put_back:
        raise ConflictError(
            f"{name} was changed since its deletion was undone, so the deletion was not "
            "redone, as that would lose the other change; the window now shows it as it is."
        )


def delete_review(session: Session, reference: str, today: dt.date) -> ReviewSnapshot:
    """Delete a review with everything under it; return what restores it."""
    snapshot = review_snapshot(session, reference, today)
    review = review_by_reference(session, reference)
    session.delete(review)
    session.flush()
    return snapshot


def restore_review(session: Session, snapshot: ReviewSnapshot) -> None:
    """Put back a deleted review, its items, their updates and evidence, and the links that
    initiatives had to its items."""
    importer = Importer(session)
    importer.reviews([snapshot.review])
    session.flush()
    importer.initiatives(list(snapshot.initiatives))
    importer.meetings(list(snapshot.meetings))
    session.flush()


# ----------------------------------------------------------------------------- items


def check_item(
    session: Session,
    source: str,
    fields: ItemFields,
    *,
    editing: str | None = None,
    kind: TrackedKind = TrackedKind.RECOMMENDATION,
) -> Problems:
    """Problems with an item of a review, or of an inspection (numbered per kind)."""
    problems = Problems()
    number = fields.number
    if not number.strip():
        problems.add("number", "Give the number as published, for example 7 or 3.2.")
    elif number != editing:
        in_review = (
            select(Recommendation.id)
            .join(Review, Review.id == Recommendation.review_id)
            .where(Review.reference == source, Recommendation.number == number)
        )
        in_inspection = (
            select(Recommendation.id)
            .join(Inspection, Inspection.id == Recommendation.inspection_id)
            .where(
                Inspection.reference == source,
                Recommendation.kind == kind,
                Recommendation.number == number,
            )
        )
        if session.scalar(in_review) or session.scalar(in_inspection):
            problems.add("number", f"{source} already has a {kind.label.lower()} {number}.")
    if fields.text is not None and not fields.text.strip():
        problems.add("text", "Enter the recommendation's text.")
    _check_fields(
        problems,
        "The item's",
        [
            ("number", number, rules.NUMBER, True),
            ("text", fields.text, rules.TEXT, False),
            ("actions", fields.actions, rules.TEXT, False),
            ("owner", fields.owner, rules.NAME, False),
            *(("lead_agencies", name, rules.NAME, True) for name in fields.lead_agencies),
            *(("joint_agencies", name, rules.NAME, True) for name in fields.joint_agencies),
            *(("themes", theme, rules.THEME, True) for theme in fields.themes),
        ],
    )
    both = set(fields.lead_agencies) & set(fields.joint_agencies)
    if both:
        problems.add("joint_agencies", f"{sorted(both)[0]} is already a lead agency.")
    return problems


def item_fields(session: Session, key: ItemKey) -> ItemFields:
    """What an edit of the item can change, and its version.

    Apart from the detail pane's read model (db.queries.details.item_detail) on purpose: it is
    what an edit writes and what undo compares (``item_still``), so it holds the editable
    fields alone; a pane's status, log or history would make every log entry look like an
    edit made by someone else."""
    rec = item_by_key(session, key)
    return ItemFields(
        number=rec.number,
        text=rec.text,
        lead_agencies=rec.agency_names(AgencyRole.LEAD),
        joint_agencies=rec.agency_names(AgencyRole.JOINT),
        actions=rec.actions,
        owner=rec.owner,
        target_date=rec.target_date,
        themes=tuple(t.name for t in rec.themes),
        version=rec.version,
    )


def _apply_item(session: Session, rec: Recommendation, fields: ItemFields) -> None:
    rec.number = fields.number.strip()
    rec.text = fields.text.strip() if fields.text is not None else None
    rec.actions, rec.owner = fields.actions.strip(), fields.owner.strip()
    rec.target_date = fields.target_date
    rec.themes = _themes(session, fields.themes)
    wanted = [(n, AgencyRole.LEAD) for n in fields.lead_agencies] + [
        (n, AgencyRole.JOINT) for n in fields.joint_agencies
    ]
    if [(a.organisation.name, a.role) for a in rec.agencies] != wanted:
        rec.agencies.clear()
        session.flush()
        rec.agencies.extend(
            RecommendationAgency(
                organisation=_organisation(session, name, OrganisationKind.OTHER),
                role=role,
                position=n,
            )
            for n, (name, role) in enumerate(wanted, start=1)
        )


def create_item(session: Session, source: str, fields: ItemFields) -> ItemKey:
    """Add a recommendation to a review, after its last one."""
    check_item(session, source, fields).raise_first()
    review = review_by_reference(session, source)
    position = max((r.position for r in review.recommendations), default=0) + 1
    rec = Recommendation(number=fields.number.strip(), position=position)
    review.recommendations.append(rec)
    _apply_item(session, rec, fields)
    session.flush()
    return key_of(rec)


def update_item(
    session: Session, key: ItemKey, fields: ItemFields, *, expected: int | None = None
) -> ItemKey:
    """Apply ``fields``; with ``expected``, only if the item is still at that version (else
    ``ConflictError``, nothing changed; and if it was deleted since, ``ConflictError``
    naming who deleted it and when)."""
    try:
        rec = item_by_key(session, key)
    except NotFoundError:
        deleted = deleted_error(session, key) if expected is not None else None
        if deleted is None:
            raise
        raise deleted from None
    _still_at(session, rec, expected, f"{key.kind.label} {key.number} of {key.source}")
    check_item(session, key.source, fields, editing=key.number, kind=key.kind).raise_first()
    _apply_item(session, rec, fields)
    rec.updated_at = utc_now()  # an update even when only its agencies or themes changed
    session.flush()
    return key_of(rec)


def delete_item(session: Session, key: ItemKey) -> None:
    session.delete(item_by_key(session, key))
    session.flush()


@dataclass(frozen=True)
class ItemSnapshot:
    """A deleted recommendation with its log and evidence, its place in its review, and the
    initiatives that linked to it (as they were)."""

    source: str
    place: int
    item: TrackedDoc
    initiatives: tuple[InitiativeDoc, ...]
    # The meetings whose agenda or decisions named it, as they were.
    meetings: tuple[MeetingDoc, ...] = ()


def remove_item(session: Session, key: ItemKey, today: dt.date) -> ItemSnapshot:
    """Delete a review's recommendation with everything under it; return what restores it."""
    rec = item_by_key(session, key)
    if rec.review is None:
        raise RuleError(
            f"{describe(rec)} belongs to an inspection; it is deleted with the inspection."
        )
    review = collect_document(session, today, [key.source]).reviews[0]
    place = next(n for n, doc in enumerate(review.recommendations) if doc.number == key.number)
    linked = session.scalars(
        select(Initiative)
        .join(InitiativeLink, InitiativeLink.initiative_id == Initiative.id)
        .where(InitiativeLink.recommendation_id == rec.id)
        .distinct()
    ).all()
    snapshot = ItemSnapshot(
        key.source,
        place,
        review.recommendations[place],
        tuple(records.initiative_doc(i) for i in linked),
        records.meetings_about(session, item_id=rec.id),
    )
    session.delete(rec)
    session.flush()
    return snapshot


def restore_item(session: Session, snapshot: ItemSnapshot, today: dt.date) -> None:
    """Put a deleted recommendation back in its place, with its log, evidence and links."""
    found = collect_document(session, today, [snapshot.source]).reviews
    if not found:
        raise NotFoundError(f"There is no review with the reference '{snapshot.source}'.")
    review = found[0]
    if any(doc.number == snapshot.item.number for doc in review.recommendations):
        raise ConflictError(
            f"{snapshot.source} has a recommendation {snapshot.item.number} again, so the "
            "deleted one was not put back."
        )
    review.recommendations.insert(snapshot.place, snapshot.item)
    importer = Importer(session)
    importer.reviews([review])
    session.flush()
    importer.initiatives(list(snapshot.initiatives))
    importer.meetings(list(snapshot.meetings))
    session.flush()


# ----------------------------------------------------------------------------- status of many


@dataclass(frozen=True)
class StatusPlan:
    """What moving items to ``status`` would do to each, worked out before anything changes:
    the same rules as one item's change (``db.store.lifecycle``), item by item."""

    status: Status
    change: tuple[ItemKey, ...] = ()
    reopen: tuple[ItemKey, ...] = ()  # finished (closed, superseded, not accepted): reopened
    signed_off: tuple[ItemKey, ...] = ()  # of those reopened, the ones signed off
    skip: tuple[tuple[ItemKey, str], ...] = ()  # each with its reason, in one sentence

    @property
    def keys(self) -> tuple[ItemKey, ...]:
        """Every item that would change."""
        return self.change + self.reopen


def refusal(
    name: str,
    current: Status,
    status: Status,
    *,
    reason: str,
    assured_by: str | None,
    evidence: int,
) -> str | None:
    """Why an item named ``name`` may not move from ``current`` to ``status``, or None."""
    if status is current:
        return f"{name} is already {status.label.lower()}."
    if status not in TRANSITIONS[current]:
        return f"{name} cannot move from {current.label.lower()} to {status.label.lower()}."
    try:
        check_values(
            name, status=status, reason=reason, assured_by=assured_by, evidence_count=evidence
        )
    except RuleError as exc:  # the caller shows it beside the field: no log
        return exc.message
    return None


def plan_status_change(
    session: Session,
    ids: list[int],
    status: Status,
    *,
    reason: str = "",
    assured_by: str | None = None,
) -> StatusPlan:
    """Which of the items ``ids`` would change, which be reopened, and which be skipped (and
    why), if moved to ``status`` with this reason and (for closing) this assurer."""
    evidence = (
        select(func.count(Evidence.id))
        .where(Evidence.recommendation_id == Recommendation.id)
        .scalar_subquery()
    )
    found: dict[int, tuple[ItemKey, Status, str | None, int]] = {}
    query = (
        select(
            Recommendation.id,
            Recommendation.kind,
            Recommendation.number,
            Recommendation.status,
            Recommendation.assured_by,
            func.coalesce(Review.reference, Inspection.reference),
            evidence,
            Recommendation.inspection_id,
        )
        .outerjoin(Review, Review.id == Recommendation.review_id)
        .outerjoin(Inspection, Inspection.id == Recommendation.inspection_id)
    )
    # Many items (Ctrl+A over 100,000) are read in one pass over the table, kept if chosen:
    # two hundred queries of 500 ids took 2.5 s; a few are looked up by id.
    wanted = set(ids)
    batches = (
        [query]
        if len(ids) > 5000
        else [
            query.where(Recommendation.id.in_(ids[start : start + 500]))
            for start in range(0, len(ids), 500)
        ]
    )
    for batch in batches:
        for rec_id, kind, number, current, assured, source, count, of in session.execute(batch):
            if rec_id in wanted:
                key = ItemKey(source, number, kind, of is not None)
                found[rec_id] = (key, current, assured, count)
    change: list[ItemKey] = []
    reopen: list[ItemKey] = []
    signed_off: list[ItemKey] = []
    skip: list[tuple[ItemKey, str]] = []
    for rec_id in ids:
        if rec_id not in found:
            continue  # deleted since it was shown: nothing to change
        key, current, assured, count = found[rec_id]
        name = f"{key.kind.label} {key.number} of {key.source}"
        why = refusal(name, current, status, reason=reason, assured_by=assured_by, evidence=count)
        if why is not None:
            skip.append((key, why))
        elif not current.is_open and status.is_open:
            reopen.append(key)
            if current is Status.CLOSED and assured:
                signed_off.append(key)
        else:
            change.append(key)
    return StatusPlan(status, tuple(change), tuple(reopen), tuple(signed_off), tuple(skip))


def check_status_change(
    session: Session,
    key: ItemKey,
    status: Status | None,
    *,
    reason: str = "",
    assured_by: str | None = None,
) -> Problems:
    """One item's change of status checked before its dialog closes: the problem is shown
    beside the status (closing without evidence, a move the lifecycle does not allow)."""
    problems = Problems()
    rec = item_by_key(session, key)
    if status is None or status is rec.status:
        return problems
    why = refusal(
        describe(rec),
        rec.status,
        status,
        reason=reason,
        assured_by=assured_by,
        evidence=evidence_count(session, rec),
    )
    if why is not None:
        problems.add("status", why)
    return problems


# ----------------------------------------------------------------------------- corrections


def status_state(session: Session, key: ItemKey) -> StatusState:
    rec = item_by_key(session, key)
    return StatusState(rec.status, rec.status_reason, rec.assured_by, rec.assured_on, rec.closed_on)


def correct_status(
    session: Session, key: ItemKey, previous: StatusState, *, on: dt.date, author: str, note: str
) -> None:
    """Put an item's status back as it was, as a correction logged in its progress log.

    The log is append-only: undoing a status change adds an entry saying so rather than
    erasing the entry that made the change.
    """
    rec = item_by_key(session, key)
    changed = rec.status is not previous.status
    put_status_back(rec, previous)
    rec.updates.append(
        ProgressUpdate(on=on, author=author, status=previous.status if changed else None, note=note)
    )
    session.flush()


def put_status_back(rec: Recommendation, previous: StatusState) -> None:
    """Set ``rec``'s status and sign-off as ``previous`` held them, writing no log entry: for
    a caller whose log already says why (correct_status's correction, or an undone meeting
    decision whose entry is withdrawn)."""
    rec.status, rec.status_reason = previous.status, previous.status_reason
    rec.assured_by, rec.assured_on, rec.closed_on = (
        previous.assured_by,
        previous.assured_on,
        previous.closed_on,
    )


@dataclass(frozen=True)
class EvidenceKey:
    """Evidence named by what it is and when it was added: ids change when a deleted review
    is restored, so undo must not rely on them."""

    description: str
    reference: str | None
    file_name: str | None
    added_at: dt.datetime


def evidence_key(item: Evidence) -> EvidenceKey:
    return EvidenceKey(item.description, item.reference, item.file_name, item.added_at)


def evidence_key_by_id(session: Session, evidence_id: int) -> EvidenceKey | None:
    """The key of the evidence item a window shows by its id (None if it is gone)."""
    item = session.get(Evidence, evidence_id)
    return evidence_key(item) if item is not None else None


def evidence_removal_refusal(session: Session, key: ItemKey, which: EvidenceKey) -> str | None:
    """Why this evidence item may not be removed (asked before the window asks the user to
    confirm), or None."""
    rec = item_by_key(session, key)
    if not any(evidence_key(e) == which for e in rec.evidence):
        return "That evidence item is no longer there."
    if rec.status is Status.CLOSED and len(rec.evidence) == 1:
        return "This is the only evidence of a closed item; reopen the item before removing it."
    return None


def remove_evidence(session: Session, key: ItemKey, which: EvidenceKey) -> None:
    rec = item_by_key(session, key)
    item = next((e for e in rec.evidence if evidence_key(e) == which), None)
    if item is None:
        raise NotFoundError("That evidence item is no longer there.")
    why = evidence_removal_refusal(session, key, which)
    if why is not None:
        raise RuleError(why)
    session.delete(item)
    session.flush()


def delete_evidence(session: Session, key: ItemKey, which: EvidenceKey) -> EvidenceDoc:
    """Remove an evidence item (never the only evidence of a closed item); return all of it,
    file included, so that undo puts back the same item, added by the same person then."""
    rec = item_by_key(session, key)
    item = next((e for e in rec.evidence if evidence_key(e) == which), None)
    if item is None:
        raise NotFoundError("That evidence item is no longer there.")
    snapshot = evidence_doc(item)
    remove_evidence(session, key, which)
    return snapshot


def restore_evidence(session: Session, key: ItemKey, doc: EvidenceDoc) -> None:
    rec = item_by_key(session, key)
    rec.evidence.append(
        Evidence(
            description=doc.description,
            reference=doc.reference,
            file_name=doc.file_name,
            media_type=doc.media_type,
            content=doc.content,
            added_by=doc.added_by,
            added_at=doc.added_at,
        )
    )
    session.flush()


# ----------------------------------------------------------------------------- withdrawals


@dataclass(frozen=True)
class UpdateKey:
    """A progress update named by what it says and which of the same entries it is (the log
    may say the same thing twice on one day): ids change when a deleted item is restored, so
    undo must not rely on them."""

    on: dt.date
    author: str
    status: Status | None
    note: str
    occurrence: int = 0


@dataclass(frozen=True)
class Withdrawal:
    """Who withdrew an update, when and why."""

    at: dt.datetime
    by: str
    reason: str


def _what(update: ProgressUpdate) -> tuple[dt.date, str, Status | None, str]:
    return (update.on, update.author, update.status, update.note)


def update_key_by_id(session: Session, update_id: int) -> tuple[ItemKey, UpdateKey] | None:
    """The item and key of the update a window shows by its id (None if it is gone)."""
    update = session.get(ProgressUpdate, update_id)
    if update is None:
        return None
    rec = update.recommendation
    earlier = rec.updates[: rec.updates.index(update)]
    occurrence = sum(1 for u in earlier if _what(u) == _what(update))
    return key_of(rec), UpdateKey(*_what(update), occurrence)


def _update_by_key(session: Session, key: ItemKey, which: UpdateKey) -> ProgressUpdate:
    rec = item_by_key(session, key)
    wanted = (which.on, which.author, which.status, which.note)
    same = [u for u in rec.updates if _what(u) == wanted]
    if which.occurrence >= len(same):
        raise NotFoundError(f"That update of {describe(rec)} is no longer in its log.")
    return same[which.occurrence]


def check_withdrawal(reason: str) -> Problems:
    """The reason a withdrawal needs, checked beside its field before the dialog closes."""
    problems = Problems()
    if not reason.strip():
        problems.add("reason", "Say why the update is withdrawn.")
    else:
        _check_fields(problems, "The", [("reason", reason.strip(), rules.TEXT, False)])
    return problems


def withdraw_update(
    session: Session,
    key: ItemKey,
    which: UpdateKey,
    *,
    by: str,
    reason: str,
    at: dt.datetime | None = None,
) -> Withdrawal:
    """Mark an update entered in error as withdrawn, keeping it in the log.

    The item's status is left as it is even when this update changed it: a status moves only
    by the lifecycle's rules (sign-off, reopening), with its own entry in the log.
    """
    check_withdrawal(reason).raise_first()
    if not by.strip():
        raise RuleError("A withdrawal needs the name of the person withdrawing the update.")
    update = _update_by_key(session, key, which)
    if update.withdrawn:
        raise ConflictError(
            f"That update of {describe(update.recommendation)} has already been withdrawn."
        )
    done = Withdrawal(at or utc_now(), by.strip(), reason.strip())
    update.withdrawn_at, update.withdrawn_by, update.withdrawn_reason = (
        done.at,
        done.by,
        done.reason,
    )
    session.flush()
    return done


def undo_withdrawal(session: Session, key: ItemKey, which: UpdateKey, done: Withdrawal) -> None:
    """Put a withdrawn update back as it was before ``done`` withdrew it."""
    update = _update_by_key(session, key, which)
    if (update.withdrawn_at, update.withdrawn_by, update.withdrawn_reason) != (
        done.at,
        done.by,
        done.reason,
    ):
        raise ConflictError(
            f"That update of {describe(update.recommendation)} has changed since it was "
            "withdrawn, so the withdrawal was not undone."
        )
    update.withdrawn_at = update.withdrawn_by = update.withdrawn_reason = None
    session.flush()


# ----------------------------------------------------------------------------- initiatives


def initiative_doc(session: Session, name: str) -> InitiativeDoc:
    initiative = session.scalar(select(Initiative).where(Initiative.name == name))
    if initiative is None:
        raise NotFoundError(f"There is no initiative called {name}.")
    return records.initiative_doc(initiative)


def check_initiative(session: Session, doc: InitiativeDoc, *, editing: str | None) -> Problems:
    problems = Problems()
    if not doc.name.strip():
        problems.add("name", "Give the initiative a name.")
    elif doc.name != editing and session.scalar(
        select(Initiative.id).where(Initiative.name == doc.name)
    ):
        problems.add("name", f"There is already an initiative called {doc.name}.")
    _check_fields(
        problems,
        "The initiative's",
        [
            ("name", doc.name, rules.NAME, True),
            ("organisation", doc.organisation, rules.NAME, True),
            ("description", doc.description, rules.TEXT, False),
        ],
    )
    importer = Importer(session)
    for number, link in enumerate(doc.links, start=1):
        try:
            importer.link_target(doc.name, number, link)
        except DocumentError as exc:
            problems.add("links", _sentence(exc.message.split(": ", 1)[-1]))
            break
    return problems


def _sentence(text: str) -> str:
    """A clause from a document error as a sentence (capitalised, its quoted names kept)."""
    return text[:1].upper() + text[1:] + "."


def save_initiative(session: Session, doc: InitiativeDoc, *, old_name: str | None) -> None:
    """Create an initiative, or change one (renaming it if the name changed)."""
    check_initiative(session, doc, editing=old_name).raise_first()
    if old_name is not None and old_name != doc.name:
        existing = session.scalar(select(Initiative).where(Initiative.name == old_name))
        if existing is None:
            raise NotFoundError(f"There is no initiative called {old_name}.")
        existing.name = doc.name
        session.flush()
    try:
        Importer(session).initiatives([doc])
    except DocumentError as exc:
        raise RuleError(_sentence(exc.message.split(": ", 1)[-1])) from exc
    session.flush()


def delete_initiative(session: Session, name: str) -> InitiativeDoc:
    snapshot = initiative_doc(session, name)
    existing = session.scalar(select(Initiative).where(Initiative.name == name))
    session.delete(existing)
    session.flush()
    return snapshot


@dataclass(frozen=True)
class LinkChoice:
    label: str
    link: LinkDoc


def link_choices(session: Session) -> list[LinkChoice]:
    """Inspections' areas and findings an initiative can answer. (Review recommendations are
    too many to list at scale; they are named by reference and number.)"""
    choices: list[LinkChoice] = []
    for inspection in session.scalars(select(Inspection).order_by(Inspection.reference)):
        ref = inspection.reference
        for area in inspection.areas:
            choices.append(
                LinkChoice(f"{ref}: area — {area.name}", LinkDoc(inspection=ref, area=area.name))
            )
        for finding in inspection.findings:
            choices.append(
                LinkChoice(
                    f"{ref}: {finding.kind.label.lower()} {finding.number}",
                    LinkDoc(inspection=ref, finding=finding.number, kind=finding.kind),
                )
            )
        for rec in inspection.recommendations:
            choices.append(
                LinkChoice(
                    f"{ref}: {rec.kind.label.lower()} {rec.number}",
                    LinkDoc(inspection=ref, finding=rec.number, kind=rec.kind),
                )
            )
    return choices


def describe_link(link: LinkDoc) -> str:
    if link.review:
        return f"{link.review}: recommendation {link.recommendation}"
    if link.area:
        return f"{link.inspection}: area — {link.area}"
    kind = link.kind.label.lower() if link.kind else "finding"
    return f"{link.inspection}: {kind} {link.finding}"
