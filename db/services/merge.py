"""Planning the merge of a copy taken to a meeting back into the database it was taken from
(issue 24, point 3): which copy, against which database, and what the three-way comparison
(db.exchange.merging) finds. Reading only: nothing is written to either database.

Applying the plan (one transaction, the audit trail's entries marked as recorded offline),
the ``merge`` command and the conflict dialog are still to be built; docs/architecture.md,
"The meeting laptop".
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from db.core.errors import RuleError
from db.exchange.document import Document
from db.exchange.json_format import parse_document
from db.exchange.merging import Merge, three_way
from db.exchange.records import collect_document, collect_part
from db.queries.copies import identity
from db.store.database import Database
from db.store.models import CheckoutOrigin, Meeting


@dataclass(frozen=True)
class MergePlan:
    """What merging the copy would do, and what it was compared against."""

    origin_location: str
    taken_at: dt.datetime
    taken_by: str
    merge: Merge


def plan_merge(copy: Database, shared: Database, *, today: dt.date) -> MergePlan:
    """Compare ``copy`` with ``shared`` against the base the copy stored when it was taken.

    Refused in one sentence, naming what differs: a database that is no copy, a copy taken
    from another database, or a copy whose schema is not the shared database's."""
    with copy.session() as session:
        origin = session.scalar(select(CheckoutOrigin))
        if origin is None:
            raise RuleError("That database is no copy taken offline, so it has nothing to merge.")
        copy_schema = _schema(session)
        mine = collect_document(session, today)
    base = parse_document(json.loads(origin.base))
    scope = json.loads(origin.scope)
    with shared.session() as session:
        here = identity(session)
        if here != origin.origin_id:
            raise RuleError(
                f"The copy was taken from another database ({origin.origin_location}, "
                f"identity {origin.origin_id[:8]}), not from this one (identity {here[:8]})."
            )
        schema = _schema(session)
        if {schema, copy_schema} != {origin.origin_schema}:
            raise RuleError(
                f"The copy was taken at schema {origin.origin_schema} and this database is at "
                f"{schema} now, so they cannot be compared: merge it with the casereview that "
                "took it."
            )
        theirs = _shared_part(session, scope, mine, today)
    return MergePlan(
        origin.origin_location,
        origin.taken_at,
        origin.taken_by,
        three_way(base, mine, theirs),
    )


def _schema(session: Session) -> str:
    return str(session.scalar(text("SELECT version_num FROM alembic_version")))


def _shared_part(
    session: Session, scope: dict[str, object], mine: Document, today: dt.date
) -> Document:
    """The shared database's data as the copy holds it: the whole, or the same reviews,
    inspections and meetings (with any meeting made offline whose day and title the shared
    database now holds too, so that the two are compared, not both added)."""
    if scope.get("whole"):
        return collect_document(session, today)
    reviews = _strings(scope.get("reviews"))
    inspections = _strings(scope.get("inspections"))
    wanted = {(m.held_on, m.title) for m in mine.meetings}
    recorded = scope.get("meetings")
    if isinstance(recorded, list):
        wanted |= {
            (dt.date.fromisoformat(str(m["held_on"])), str(m["title"]))
            for m in recorded
            if isinstance(m, dict)
        }
    meetings = [m for m in session.scalars(select(Meeting)) if (m.held_on, m.title) in wanted]
    return collect_part(session, today, reviews=reviews, inspections=inspections, meetings=meetings)


def _strings(value: object) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []


__all__ = ["MergePlan", "plan_merge"]
