"""Which database this is, and, for a copy taken to a meeting, what it is a copy of.

Read by the window (its title and status bar say a copy is one; Take a copy offline lists what
may be taken) and by check-out (db.services.checkout); docs/architecture.md, "The meeting
laptop".
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import PureWindowsPath
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.core.dates import format_date
from db.store.models import Checkout, CheckoutOrigin, DatabaseIdentity, Inspection, Review


@dataclass(frozen=True)
class CopyOrigin:
    """Where a copy came from, when and by whom (the origin row without its base)."""

    origin_id: str
    location: str
    taken_at: dt.datetime
    taken_by: str
    merged_at: dt.datetime | None = None

    def describe(self) -> str:
        """ "Copy of <origin> taken <date> by <who>", the day as it was where it was taken;
        a copy merged back says so first, and that it takes no more changes
        (``db.store.audit.refuse_if_merged``): where the notice is cut (a laptop's status bar,
        a title bar), its end goes first."""
        day = format_date(self.taken_at.astimezone().date())
        copy = f"copy of {self.location} taken {day} by {self.taken_by}"
        if self.merged_at is None:
            return "C" + copy[1:]
        merged = format_date(self.merged_at.astimezone().date())
        return f"Merged back {merged} and can no longer be changed: {copy}"


def identity(session: Session) -> str:
    """The database's own id (made once by migration 0009)."""
    found = session.scalar(select(DatabaseIdentity.id).order_by(DatabaseIdentity.created_at))
    assert found is not None, "every database at schema 0009 or later has an identity"
    return found


def copy_origin(session: Session) -> CopyOrigin | None:
    """What this database is a copy of, or None when it is no copy."""
    row = session.execute(
        select(
            CheckoutOrigin.origin_id,
            CheckoutOrigin.origin_location,
            CheckoutOrigin.taken_at,
            CheckoutOrigin.taken_by,
            CheckoutOrigin.merged_at,
        )
    ).first()
    return None if row is None else CopyOrigin(*row)


def checked_out(session: Session, *, review: str | None, inspection: str | None) -> list[str]:
    """The check-outs not yet merged back that hold this review or inspection, each as a
    sentence for the window's notice on its items (a notice, not a lock)."""
    notes = session.scalars(
        select(Checkout).where(Checkout.merged_at.is_(None)).order_by(Checkout.taken_at)
    )
    said = []
    for note in notes:
        holds: dict[str, Any] = json.loads(note.holds) if note.holds else {"whole": True}
        if not (
            holds.get("whole")
            or (review is not None and review in holds.get("reviews", ()))
            or (inspection is not None and inspection in holds.get("inspections", ()))
        ):
            continue
        day = format_date(note.taken_at.astimezone().date())
        # Its file's name alone, written on Windows or not (PureWindowsPath takes both "/" and
        # "\\"): the whole path may be long, and another person's folders are not for all.
        name = PureWindowsPath(note.target).name
        said.append(
            f"Checked out to a copy ({name}) by {note.taken_by} on {day}: "
            "changes made here meanwhile may become conflicts when it is merged back."
        )
    return said


def sources(session: Session) -> tuple[list[str], list[str]]:
    """The references of every review and of every inspection, in order: what a copy may be
    chosen to hold (the window's Take a copy offline)."""
    reviews = session.scalars(select(Review.reference).order_by(Review.reference))
    inspections = session.scalars(select(Inspection.reference).order_by(Inspection.reference))
    return list(reviews), list(inspections)


BASE_DIGEST = "base_sha256"  # the base's digest, in a copy's trail entry for its origin row


def base_digest(base: str) -> str:
    """The digest of a copy's base (``CheckoutOrigin.base``) its trail keeps, so that a base
    altered afterwards is told (db.services.merge)."""
    return hashlib.sha256(base.encode("utf-8")).hexdigest()
