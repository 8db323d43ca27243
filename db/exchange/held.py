"""What the reviews' items hold now, as plain values, so an import can pass over each item a
file leaves as it is without loading it as an object.

Re-importing a file that changes nothing is the common case (a tracker sent round again, an
export brought back). Loading and assigning every item through the ORM to find that out cost
four queries and some thirty attribute writes per item (105 s at 100,000 items). Here each
kind of row is read once per batch of reviews, by column, and an item the file leaves as it
is (``Held.unchanged``) is passed over: nothing is loaded, assigned, flushed or audited for
it. An item that differs in any way goes through the importer's full path as before
(``db.exchange.records.Importer.tracked``), which writes only what changed.

``unchanged`` must never say yes when that path would change something: each comparison is
that path's own rule for the field, or stricter (a log in another order is "changed", and the
full path then finds it the same).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping, Sequence, Set
from itertools import islice
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, select
from sqlalchemy.orm import Session

from db.core.vocabulary import AgencyRole, Status, TrackedKind
from db.exchange.document import EvidenceDoc, TrackedDoc, UpdateDoc
from db.store.models import (
    Evidence,
    Organisation,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    recommendation_themes,
)

# Reviews read per query: keeps each statement's list of ids well within every backend's limit.
_REVIEWS_PER_QUERY = 500
_Scalars = tuple[
    TrackedKind,
    int,
    str | None,
    str,
    str,
    dt.date | None,
    Status,
    str,
    str | None,
    dt.date | None,
    dt.date | None,
]
_Update = tuple[dt.date, str, Status | None, str, bool]


# What an item without themes, agencies, log or evidence holds: shared, so never changed in
# place (``_add_lists`` gives each item that has any its own).
_NO_IDS: frozenset[int] = frozenset()
_NO_ROWS: list[Any] = []
_NO_EVIDENCE: set[Any] = set()
_NO_WITHDRAWALS: dict[int, Any] = {}


class Held:
    """One item of a review as the database holds it, in the terms a file gives it."""

    __slots__ = (
        "agencies",
        "evidence",
        "evidence_count",
        "id",
        "number",
        "position",
        "scalars",
        "stamped",
        "theme_ids",
        "unstamped",
        "updates",
        "withdrawals",
    )  # fmt: skip

    def __init__(self, rec_id: int, number: str, position: int, scalars: _Scalars) -> None:
        self.id, self.number, self.position, self.scalars = rec_id, number, position, scalars
        self.theme_ids: Set[int] = _NO_IDS
        self.agencies: list[tuple[str, AgencyRole]] = _NO_ROWS
        self.updates: list[_Update] = _NO_ROWS
        # Evidence by what it is and when it was added, and by what it is alone.
        self.stamped: set[tuple[str, str | None, str | None, dt.datetime]] = _NO_EVIDENCE
        self.unstamped: set[tuple[str, str | None, str | None]] = _NO_EVIDENCE
        self.evidence_count = 0
        # Only when read ``whole`` (for ``doc``): each withdrawal by its entry's place in
        # ``updates`` (who and why), and the evidence as a file holds it, without its file.
        self.withdrawals: dict[int, tuple[dt.datetime, str | None, str | None]] = _NO_WITHDRAWALS
        self.evidence: list[EvidenceDoc] = _NO_ROWS

    def doc(self, theme_names: Mapping[int, str]) -> TrackedDoc:
        """The item as a file would give it (``records._tracked_doc``), from the values read
        ``whole``: what a tracker's columns are merged into (db.exchange.spreadsheets), which
        ``unchanged`` then finds unchanged unless a column changed it. Its evidence has no file
        (never read here): every piece matches what is held by what it is and when it was
        added, so the full path never adds one from it."""
        (kind, _position, text, actions, owner, target_date, status, reason,
         assured_by, assured_on, closed_on) = self.scalars  # fmt: skip
        updates = []
        for n, (on, author, update_status, note, withdrawn) in enumerate(self.updates):
            update = UpdateDoc(on, author, update_status, note)
            if withdrawn:
                update.withdrawn_at, update.withdrawn_by, update.withdrawn_reason = (
                    self.withdrawals[n]
                )
            updates.append(update)
        return TrackedDoc(
            number=self.number,
            text=text,
            kind=kind,
            status=status,
            status_reason=reason,
            lead_agencies=[name for name, role in self.agencies if role is AgencyRole.LEAD],
            joint_agencies=[name for name, role in self.agencies if role is AgencyRole.JOINT],
            actions=actions,
            owner=owner,
            target_date=target_date,
            closed_on=closed_on,
            assured_by=assured_by,
            assured_on=assured_on,
            themes=sorted(theme_names[n] for n in self.theme_ids),
            updates=updates,
            evidence=list(self.evidence),
        )

    def unchanged(self, doc: TrackedDoc, position: int, theme_ids: dict[str, int]) -> bool:
        """Whether importing ``doc`` at ``position`` would leave this item exactly as it is."""
        if self.scalars != (
            doc.kind,
            position,
            doc.text,
            doc.actions,
            doc.owner,
            doc.target_date,
            doc.status,
            doc.status_reason,
            doc.assured_by,
            doc.assured_on,
            doc.closed_on,
        ):
            return False
        # Themes match by name ignoring case (db.core.fields.distinct); one not yet in the
        # database would be added, so it is a change. Each list is built only when either
        # side has any (most items have no log), and compared once its length agrees.
        if doc.themes or self.theme_ids:
            wanted = {theme_ids.get(name.casefold(), -1) for name in doc.themes}
            if wanted != self.theme_ids:
                return False
        held = self.agencies
        if len(held) != len(doc.lead_agencies) + len(doc.joint_agencies):
            return False
        if held:
            agencies = [(name, AgencyRole.LEAD) for name in doc.lead_agencies]
            agencies += [(name, AgencyRole.JOINT) for name in doc.joint_agencies]
            if agencies != held:
                return False
        if len(self.updates) != len(doc.updates):
            return False
        if doc.updates and self.updates != [
            (u.date, u.author, u.status, u.note, u.withdrawn_at is not None) for u in doc.updates
        ]:
            return False
        for e in doc.evidence:  # the full path adds what matches neither way
            what = (e.description, e.reference, e.file_name)
            if (*what, e.added_at) not in self.stamped and not (
                e.added_at is None and what in self.unstamped
            ):
                return False
        return True


def held_items(
    session: Session,
    review_ids: Sequence[int],
    numbers: Sequence[str] | None = None,
    *,
    whole: bool = False,
) -> dict[int, dict[str, Held]]:
    """Every item of the reviews given (only those ``numbers``, when given), by review id and
    then by number; ``whole``, with what ``Held.doc`` needs besides (a tracker's merge base).

    Read through the session's connection with the tables' columns, not the mapped classes':
    the rows are plain values, and the ORM's loading machinery (half the time) is skipped.
    The session has flushed already (the importer's query for the reviews). A plain tuple
    of the driver's rows was tried: SQLAlchemy's own rows cost no more (measured)."""
    connection = session.connection()
    items = Recommendation.__table__.c
    found: dict[int, dict[str, Held]] = {review_id: {} for review_id in review_ids}
    for batch in _batches(review_ids):
        by_id: dict[int, Held] = {}
        wanted: ColumnElement[bool] = items.review_id.in_(batch)
        if numbers is not None:
            wanted = and_(wanted, items.number.in_(numbers))
        for row in _rows(
            connection,
            select(
                items.id,
                items.review_id,
                items.number,
                items.kind,
                items.position,
                items.text,
                items.actions,
                items.owner,
                items.target_date,
                items.status,
                items.status_reason,
                items.assured_by,
                items.assured_on,
                items.closed_on,
            ).where(wanted),
        ):
            rec_id, review_id, number, _kind, position = row[:5]
            assert review_id is not None  # the query asks for a review's items
            item = Held(rec_id, number, position, tuple(row[3:]))
            by_id[rec_id] = item
            found[review_id][number] = item
        _add_lists(connection, select(items.id).where(wanted), by_id, whole)
    return found


def _add_lists(
    connection: Connection, ids: Select[Any], by_id: dict[int, Held], whole: bool
) -> None:
    """Fill in the themes, agencies, log and evidence of the items ``ids`` selects, a kind
    of row at a time."""
    link = recommendation_themes.c
    themes: dict[int, set[int]] = {}
    for rec_id, theme_id in _rows(
        connection,
        select(link.recommendation_id, link.theme_id).where(link.recommendation_id.in_(ids)),
    ):
        themes.setdefault(rec_id, set()).add(theme_id)
    for rec_id, theme_ids in themes.items():
        by_id[rec_id].theme_ids = theme_ids
    agency, org = RecommendationAgency.__table__.c, Organisation.__table__.c
    agencies: dict[int, list[tuple[str, AgencyRole]]] = {}
    for rec_id, name, role in _rows(
        connection,
        select(agency.recommendation_id, org.name, agency.role)
        .join_from(RecommendationAgency.__table__, Organisation.__table__)
        .where(agency.recommendation_id.in_(ids))
        .order_by(agency.recommendation_id, agency.position),
    ):
        agencies.setdefault(rec_id, []).append((name, role))
    for rec_id, listed in agencies.items():
        by_id[rec_id].agencies = listed
    _add_updates(connection, ids, by_id, whole)
    _add_evidence(connection, ids, by_id, whole)


def _add_updates(
    connection: Connection, ids: Select[Any], by_id: dict[int, Held], whole: bool
) -> None:
    """Each item's log, in the order the item's own list has it (Recommendation.updates);
    ``whole``, with who withdrew an entry and why."""
    update = ProgressUpdate.__table__.c
    columns = [update.recommendation_id, update.dated, update.author, update.status]
    columns += [update.note, update.withdrawn_at]
    if whole:
        columns += [update.withdrawn_by, update.withdrawn_reason]
    updates: dict[int, list[_Update]] = {}
    for row in _rows(
        connection,
        select(*columns)
        .where(update.recommendation_id.in_(ids))
        .order_by(update.recommendation_id, update.dated, update.id),
    ):
        rec_id, on, author, status, note, withdrawn_at = row[:6]
        log = updates.setdefault(rec_id, [])
        if whole and withdrawn_at is not None:
            item = by_id[rec_id]
            if not item.withdrawals:
                item.withdrawals = {}
            item.withdrawals[len(log)] = (withdrawn_at, *row[6:])
        log.append((on, author, status, note, withdrawn_at is not None))
    for rec_id, log in updates.items():
        by_id[rec_id].updates = log


def _add_evidence(
    connection: Connection, ids: Select[Any], by_id: dict[int, Held], whole: bool
) -> None:
    """Each item's evidence, without its file; ``whole``, also as a file holds it, in the
    item's own order (Recommendation.evidence)."""
    evidence = Evidence.__table__.c
    columns = [evidence.recommendation_id, evidence.description, evidence.reference]
    columns += [evidence.file_name, evidence.added_at]
    statement = select(*columns).where(evidence.recommendation_id.in_(ids))
    if whole:
        statement = statement.add_columns(evidence.added_by, evidence.media_type).order_by(
            evidence.recommendation_id, evidence.added_at, evidence.id
        )
    for row in _rows(connection, statement):
        rec_id, description, reference, file_name, added_at = row[:5]
        item = by_id[rec_id]
        if not item.evidence_count:
            item.stamped, item.unstamped = set(), set()
            if whole:
                item.evidence = []
        item.stamped.add((description, reference, file_name, added_at))
        item.unstamped.add((description, reference, file_name))
        item.evidence_count += 1
        if whole:
            added_by, media_type = row[5:]
            item.evidence.append(
                EvidenceDoc(description, added_by, reference, file_name, media_type, None, added_at)
            )


def _rows(connection: Connection, statement: Select[Any]) -> Sequence[Any]:
    """All of ``statement``'s rows at once: one fetch from the driver, not one per row."""
    return connection.execute(statement).all()


def _batches(ids: Iterable[int]) -> Iterator[list[int]]:
    it = iter(ids)
    while batch := list(islice(it, _REVIEWS_PER_QUERY)):
        yield batch
