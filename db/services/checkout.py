"""Check-out: a copy of a shared database (or of part of it) in a new SQLite file, to take to
a meeting with no network and merge back afterwards.

Why it works this way: docs/architecture.md, "The meeting laptop". In short: the scope is read
in one snapshot of the shared database as a JSON ``Document`` (the base a merge compares
against), applied to a new file made beside the target, checked by exporting it again, and
renamed into place once the shared database has noted the check-out, so a check-out refused or
interrupted leaves no file behind.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import insert, select, text
from sqlalchemy.orm import Session

from db.core.dates import utc_now
from db.core.errors import CaseReviewError, NotFoundError
from db.exchange import Document, apply_document, collect_document, dump_document
from db.exchange.document import TrackedDoc
from db.exchange.records import collect_part
from db.queries.copies import BASE_DIGEST, base_digest, identity
from db.queries.meetings import neighbours
from db.services.meetings import MeetingKey, meeting_by_key
from db.store import audit_anchor
from db.store.atomic import replacing, unfit_target
from db.store.audit import record, refuse_if_merged
from db.store.cipher import Passphrase
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import (
    AgendaItem,
    AuditEntry,
    Checkout,
    CheckoutOrigin,
    Decision,
    Inspection,
    Meeting,
    Review,
)
from db.store.paths import backups_folder

NOT_THE_SAME = (
    "The copy did not come out the same as the database it was taken from, so it was not "
    "kept; nothing was changed."
)


@dataclass(frozen=True)
class Scope:
    """What to take: the whole database (nothing named), or the reviews and inspections named
    and, with ``meeting``, what that meeting needs."""

    reviews: tuple[str, ...] = ()
    inspections: tuple[str, ...] = ()
    meeting: MeetingKey | None = None

    @property
    def whole(self) -> bool:
        return not (self.reviews or self.inspections or self.meeting)

    def describe(self) -> str:
        """The scope in words, for the notice and the command's line."""
        if self.whole:
            return "the whole database"
        parts = [f"the agenda of {self.meeting}"] if self.meeting else []
        for one, several, refs in (
            ("review", "reviews", self.reviews),
            ("inspection", "inspections", self.inspections),
        ):
            if refs:
                named = ", ".join(refs[:-1]) + f" and {refs[-1]}" if len(refs) > 1 else refs[0]
                parts.append(f"{several if len(refs) > 1 else one} {named}")
        return " and ".join(parts)


@dataclass(frozen=True)
class CheckoutSummary:
    """What a check-out took, and where."""

    target: Path
    copy_id: str
    origin_id: str
    scope: str  # in words
    reviews: int
    inspections: int
    items: int
    meetings: int
    encrypted: bool

    def describe(self) -> str:
        counts = ", ".join(
            f"{n:,} {word if n == 1 else word + 's'}"
            for n, word in (
                (self.reviews, "review"),
                (self.inspections, "inspection"),
                (self.items, "item"),
                (self.meetings, "meeting"),
            )
        )
        sealed = ", encrypted" if self.encrypted else ""
        return f"Took a copy of {self.scope} ({counts}) to {self.target}{sealed}."


@dataclass(frozen=True)
class _Taken:
    """What was read from the shared database in one snapshot."""

    base: Document
    scope: dict[str, object]  # as the origin row records it
    origin_id: str
    schema: str
    audit_head: tuple[int, str | None] | None


def check_out(
    shared: Database,
    target: Path,
    *,
    scope: Scope,
    actor: str,
    today: dt.date,
    passphrase: Passphrase | None = None,
    check: Callable[[], None] = lambda: None,
) -> CheckoutSummary:
    """Copy ``scope`` of ``shared`` into a new SQLite file at ``target`` and note the
    check-out in ``shared``; raises ``CaseReviewError`` (no file written, nothing noted) for a
    target that exists or cannot be written, or a review, inspection or meeting not there.

    The copy is encrypted with ``passphrase``, else, when ``shared`` is an encrypted file,
    with its passphrase; otherwise it is plain. ``check`` is called between the steps, before
    anything is noted: raising there (a cancel) leaves no file and nothing noted."""
    _refuse_target(target)
    taken_at = utc_now().replace(microsecond=0)
    taken = _read(shared, scope, today, taken_at)
    check()
    key = passphrase if passphrase is not None else shared.location.key
    origin = {
        "origin_id": taken.origin_id,
        "origin_location": shared.location.display(),
        "taken_at": taken_at,
        "taken_by": actor,
        "origin_schema": taken.schema,
        "origin_audit_id": taken.audit_head[0] if taken.audit_head else None,
        "origin_audit_hash": taken.audit_head[1] if taken.audit_head else None,
        "scope": json.dumps(taken.scope, ensure_ascii=False, sort_keys=True),
        "base": dump_document(taken.base),
    }
    try:
        copy_id = _write(
            shared,
            target,
            taken,
            key=key,
            origin=origin,
            actor=actor,
            today=today,
            check=check,
            scope=scope,
            taken_at=taken_at,
        )
    except OSError as exc:  # the file or its folder, not the databases (their errors are said)
        raise CaseReviewError(
            f"Cannot write {target}: {exc.strerror or 'the system refused'}; nothing was changed."
        ) from exc
    return CheckoutSummary(
        target=target,
        copy_id=copy_id,
        origin_id=taken.origin_id,
        scope=scope.describe(),
        reviews=len(taken.base.reviews),
        inspections=len(taken.base.inspections),
        items=sum(len(r.recommendations) for r in taken.base.reviews)
        + sum(isinstance(f, TrackedDoc) for i in taken.base.inspections for f in i.findings),
        meetings=len(taken.base.meetings),
        encrypted=key is not None,
    )


def _write(
    shared: Database,
    target: Path,
    taken: _Taken,
    *,
    key: Passphrase | None,
    origin: dict[str, object],
    actor: str,
    today: dt.date,
    check: Callable[[], None],
    scope: Scope,
    taken_at: dt.datetime,
) -> str:
    """Make the copy beside ``target``, note it in the shared database, and rename it in:
    the copy's identity."""
    with replacing(target) as temp:
        copy_id = _build(temp, key=key, base=taken.base, origin=origin, actor=actor, today=today)
        check()
        _refuse_target(target)  # again: one may have been made meanwhile
        # A note beside the target's name was left by an earlier file of that name.
        audit_anchor.set_aside(target)
        with shared.transaction(actor) as session:
            session.add(
                Checkout(
                    copy_id=copy_id,
                    taken_at=taken_at,
                    taken_by=actor,
                    target=str(target),
                    scope=scope.describe(),
                    holds=json.dumps(
                        {
                            "whole": bool(taken.scope.get("whole")),
                            "reviews": sorted(r.reference for r in taken.base.reviews),
                            "inspections": sorted(i.reference for i in taken.base.inspections),
                        },
                        ensure_ascii=False,
                    ),
                )
            )
    return copy_id


def _refuse_target(target: Path) -> None:
    """A copy is only ever a new file: one there already is refused, as is a target that
    cannot be written (``db.store.atomic.unfit_target``)."""
    if os.path.lexists(target):
        raise CaseReviewError(
            f"{target} exists already, and a copy is only ever written as a new file: give "
            "another name; nothing was changed."
        )
    unfit = unfit_target(target)
    if unfit is not None:
        raise CaseReviewError(unfit)


def _read(shared: Database, scope: Scope, today: dt.date, taken_at: dt.datetime) -> _Taken:
    """The scope's document, the shared database's identity, schema and audit head, all in
    one snapshot (SQLite's transaction; PostgreSQL's repeatable read)."""
    with shared.snapshot() as session:
        # A copy merged back takes no change, nor would a copy of it ever reach the database
        # it came from: said before any copy is made (a new user took one without a word).
        refuse_if_merged(session.connection())
        if scope.whole:
            base = collect_document(session, today)
            recorded: dict[str, object] = {"whole": True}
        else:
            reviews, inspections, meetings = _resolve(session, scope)
            base = collect_part(
                session, today, reviews=reviews, inspections=inspections, meetings=meetings
            )
            recorded = {
                "whole": False,
                "meeting": (
                    {"held_on": scope.meeting.held_on.isoformat(), "title": scope.meeting.title}
                    if scope.meeting
                    else None
                ),
                "chosen_reviews": list(scope.reviews),
                "chosen_inspections": list(scope.inspections),
                "reviews": sorted(reviews),
                "inspections": sorted(inspections),
                "meetings": [
                    {"held_on": m.held_on.isoformat(), "title": m.title} for m in base.meetings
                ],
            }
        schema = str(session.scalar(text("SELECT version_num FROM alembic_version")))
        head = session.execute(
            select(AuditEntry.id, AuditEntry.hash).order_by(AuditEntry.id.desc()).limit(1)
        ).first()
        return _Taken(
            base=replace(base, exported_at=taken_at),
            scope=recorded,
            origin_id=identity(session),
            schema=schema,
            audit_head=None if head is None else (int(head[0]), head[1]),
        )


def _resolve(session: Session, scope: Scope) -> tuple[set[str], set[str], list[Meeting]]:
    """The references of the reviews and inspections to take, and the meetings: those named,
    and, for a meeting, those its agenda and decisions name, with the meeting before it."""
    reviews, inspections = set(scope.reviews), set(scope.inspections)
    for model, refs, what in ((Review, reviews, "review"), (Inspection, inspections, "inspection")):
        found = set(session.scalars(select(model.reference).where(model.reference.in_(refs))))
        missing = sorted(refs - found)
        if missing:
            raise NotFoundError(f"There is no {what} with the reference '{missing[0]}'.")
    meetings: list[Meeting] = []
    if scope.meeting is not None:
        meeting = meeting_by_key(session, scope.meeting)
        entries: list[AgendaItem | Decision] = [*meeting.agenda, *meeting.decisions]
        if not entries and not reviews and not inspections:
            # A new user's copy for such a meeting held nothing, and said only "0 items".
            raise CaseReviewError(
                f"The meeting {scope.meeting} has no agenda yet, so a copy for it would hold "
                "no item to decide: save its agenda first (the Meetings tab, or casereview "
                "meeting agenda --accept); nothing was copied."
            )
        for entry in entries:
            _add_subject(entry, reviews, inspections)
        before = neighbours(session, meeting.held_on)[0]
        if before is not None:
            meetings += session.scalars(select(Meeting).where(Meeting.held_on == before))
        meetings.append(meeting)
    return reviews, inspections, meetings


def _add_subject(entry: AgendaItem | Decision, reviews: set[str], inspections: set[str]) -> None:
    """Add the review or inspection an agenda entry or a decision is about (for an item, the
    one it belongs to)."""
    rec = entry.recommendation
    review = rec.review if rec is not None else entry.review
    inspection = rec.inspection if rec is not None else entry.inspection
    if review is not None:
        reviews.add(review.reference)
    elif inspection is not None:
        inspections.add(inspection.reference)


def _build(
    temp: Path,
    *,
    key: Passphrase | None,
    base: Document,
    origin: dict[str, object],
    actor: str,
    today: dt.date,
) -> str:
    """Make the copy in ``temp`` (empty, beside the target): the current schema, ``base``
    applied, the origin row; then check that it exports as ``base`` does. Returns the
    copy's identity. Closing the copy's last connection folds its write-ahead log into the
    file (and removes it); the audit note its commits left beside ``temp`` is removed too, as
    the file will have another name."""
    location = resolve_location(str(temp)).with_passphrase(key)
    try:
        with open_database(location, create=True) as copy:
            with copy.transaction(actor) as session:
                apply_document(session, base)
                copy_id = identity(session)
                session.execute(insert(CheckoutOrigin).values(copy_id=copy_id, **origin))
                summary = {k: v for k, v in origin.items() if k not in ("base", "taken_at")}
                # The base by its digest, in the copy's own trail: a base altered afterwards,
                # which a merge compares both sides against, is told (db.services.merge).
                summary[BASE_DIGEST] = base_digest(str(origin["base"]))
                record(session, entity="checkout_origin", entity_id=copy_id, new=summary)
            with copy.session() as session:
                held = collect_document(session, today)
                if replace(held, exported_at=base.exported_at) != base:
                    raise CaseReviewError(NOT_THE_SAME)
    finally:
        shutil.rmtree(backups_folder(temp), ignore_errors=True)
    return copy_id
