"""Which database this is, and, for a copy taken to a meeting, what it is a copy of.

Read by the window (its title and status bar say a copy is one; Take a copy offline lists what
may be taken) and by check-out (db.services.checkout); docs/architecture.md, "The meeting
laptop".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db.core.dates import format_date
from db.store.models import CheckoutOrigin, DatabaseIdentity, Inspection, Review


@dataclass(frozen=True)
class CopyOrigin:
    """Where a copy came from, when and by whom (the origin row without its base)."""

    origin_id: str
    location: str
    taken_at: dt.datetime
    taken_by: str

    def describe(self) -> str:
        """ "Copy of <origin> taken <date> by <who>", the day as it was where it was taken."""
        day = format_date(self.taken_at.astimezone().date())
        return f"Copy of {self.location} taken {day} by {self.taken_by}"


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
        )
    ).first()
    return None if row is None else CopyOrigin(*row)


def sources(session: Session) -> tuple[list[str], list[str]]:
    """The references of every review and of every inspection, in order: what a copy may be
    chosen to hold (the window's Take a copy offline)."""
    reviews = session.scalars(select(Review.reference).order_by(Review.reference))
    inspections = session.scalars(select(Inspection.reference).order_by(Inspection.reference))
    return list(reviews), list(inspections)
