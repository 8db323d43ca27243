"""The recommendation lifecycle: statuses, transitions, ratings and the services that apply
them. Widgets and importers call these; none of them sets a status by hand.

Lifecycle: not started -> in progress -> implemented (awaiting assurance) -> closed (signed off
on evidence); side exits superseded and not accepted (with a reason).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.core.dates import format_date
from db.core.errors import NotFoundError, RuleError
from db.core.rules import TRANSITIONS, Closure
from db.core.vocabulary import Status
from db.store.models import Evidence, ProgressUpdate, Recommendation


def describe(rec: Recommendation) -> str:
    """How messages name an item: "Recommendation 7 of SCR-2010-01"."""
    return f"{rec.kind.label} {rec.number} of {rec.source_reference}"


def check_state(
    rec: Recommendation,
    *,
    status: Status,
    reason: str,
    assured_by: str | None,
    evidence_count: int,
) -> None:
    """Raise RuleError when ``rec`` may not be in ``status`` with these facts."""
    check_values(
        describe(rec),
        status=status,
        reason=reason,
        assured_by=assured_by,
        evidence_count=evidence_count,
    )


def check_values(
    item: str,
    *,
    status: Status,
    reason: str,
    assured_by: str | None,
    evidence_count: int,
) -> None:
    """``check_state`` for an item not loaded as an object; ``item`` names it in messages."""
    if status is Status.CLOSED:
        if evidence_count == 0:
            raise RuleError(
                f"{item} cannot be closed: it has no evidence; add at least one evidence "
                "item first."
            )
        if not (assured_by or "").strip():
            raise RuleError(
                f"{item} cannot be closed without the name of the person who gave assurance."
            )
    if status is Status.NOT_ACCEPTED and not reason.strip():
        raise RuleError(f"{item} cannot be marked not accepted without a reason.")


def get_recommendation(session: Session, rec_id: int) -> Recommendation:
    rec = session.get(Recommendation, rec_id)
    if rec is None:
        raise NotFoundError(f"There is no recommendation with id {rec_id}.")
    return rec


def evidence_count(session: Session, rec: Recommendation) -> int:
    return len(
        session.scalars(select(Evidence.id).where(Evidence.recommendation_id == rec.id)).all()
    )


def record_update(
    session: Session,
    rec_id: int,
    *,
    on: dt.date,
    author: str,
    note: str = "",
    status: Status | None = None,
    reason: str = "",
    closure: Closure | None = None,
) -> ProgressUpdate:
    """Append a dated progress update, optionally moving the item to a new status.

    Closing needs at least one evidence item and a ``closure`` naming the assurer; not
    accepted needs a ``reason``. A refused change leaves the item as it was.
    """
    rec = get_recommendation(session, rec_id)
    if not author.strip():
        raise RuleError("An update needs the name of its author.")
    if status is None and not note.strip():
        raise RuleError("An update needs a note or a change of status.")
    if status is not None and status is not rec.status:
        if status not in TRANSITIONS[rec.status]:
            raise RuleError(
                f"{describe(rec)} cannot move from {rec.status.label.lower()} "
                f"to {status.label.lower()}."
            )
        ended = ended_sign_off(rec)
        _apply_status(session, rec, status, on=on, reason=reason or note, closure=closure)
        if ended and rec.assured_by is None:
            note = f"{note.strip()}\n{ended}".strip()
    elif status is rec.status:
        status = None  # Restating the current status is a note, not a change.
    update = ProgressUpdate(on=on, author=author.strip(), note=note.strip(), status=status)
    rec.updates.append(update)
    session.flush()
    return update


def ended_sign_off(rec: Recommendation) -> str:
    """What the log says when reopening ends ``rec``'s sign-off: who had given assurance, and
    when, so that the sign-off stays on record after the item no longer carries it."""
    if rec.status is not Status.CLOSED or not rec.assured_by:
        return ""
    when = f" on {format_date(rec.assured_on)}" if rec.assured_on else ""
    return f"Reopened: it had been signed off by {rec.assured_by}{when}; the sign-off ends."


def _apply_status(
    session: Session,
    rec: Recommendation,
    status: Status,
    *,
    on: dt.date,
    reason: str,
    closure: Closure | None,
) -> None:
    # Check first, change after: a refused change must leave nothing behind to flush.
    assured_by = closure.assured_by.strip() if closure is not None else rec.assured_by
    check_state(
        rec,
        status=status,
        reason=reason,
        assured_by=assured_by,
        evidence_count=evidence_count(session, rec),
    )
    rec.status = status
    keeps_reason = status in (Status.NOT_ACCEPTED, Status.SUPERSEDED)
    rec.status_reason = reason.strip() if keeps_reason else ""
    if status is Status.CLOSED:
        if closure is not None:
            rec.assured_by, rec.assured_on = assured_by, closure.on
        rec.closed_on = on
    else:
        # Reopened work is no longer signed off; the log keeps who had assured it.
        rec.closed_on = rec.assured_by = rec.assured_on = None


def add_evidence(
    session: Session,
    rec_id: int,
    *,
    description: str,
    added_by: str,
    reference: str | None = None,
    file_name: str | None = None,
    content: bytes | None = None,
    media_type: str | None = None,
) -> Evidence:
    """Attach evidence: a file's content, a reference to where it is kept, or both."""
    rec = get_recommendation(session, rec_id)
    if not description.strip():
        raise RuleError("Evidence needs a description.")
    if content is None and not (reference or "").strip():
        raise RuleError("Evidence needs a file or a reference to where it is kept.")
    item = Evidence(
        description=description.strip(),
        reference=(reference or "").strip() or None,
        file_name=file_name,
        content=content,
        media_type=media_type,
        added_by=added_by.strip(),
    )
    rec.evidence.append(item)
    session.flush()
    return item


def sign_off(
    session: Session, rec_id: int, *, assured_by: str, on: dt.date, author: str, note: str = ""
) -> ProgressUpdate:
    """Close an item on evidence, recording who gave assurance and when."""
    if not assured_by.strip():
        raise RuleError("Sign-off needs the name of the person giving assurance.")
    return record_update(
        session,
        rec_id,
        on=on,
        author=author,
        note=note or f"Signed off on evidence; assurance given by {assured_by.strip()}.",
        status=Status.CLOSED,
        closure=Closure(assured_by=assured_by, on=on),
    )
