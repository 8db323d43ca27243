"""The Overview's figures at scale: coming deadlines are chosen by SQL, not from a first page."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.queries.overview import ITEM_LOOKAHEAD, overview
from db.queries.rows import OPEN_STATUSES
from db.services.generate import generate
from db.store.database import Database
from db.store.models import Recommendation
from tests.helpers import TODAY


def test_coming_deadlines_are_found_behind_thousands_overdue(database: Database) -> None:
    # Targets spread a year either side of today: well over 200 open items are overdue, so a
    # first page by date holds only the past.
    with database.transaction("t") as session:
        generate(session, reviews=20, recommendations=5_000, seed=11, today=TODAY)
    with database.session() as session:
        items = session.execute(
            select(Recommendation.target_date, Recommendation.status, Recommendation.number)
        ).all()
        figures = overview(session, TODAY)
        capped = overview(session, TODAY, deadline_limit=50)
    open_items = [(d, n) for d, s, n in items if s in OPEN_STATUSES and d is not None]
    assert sum(1 for d, _ in open_items if d < TODAY) > 1_000
    coming = sorted(d for d, _ in open_items if TODAY <= d < TODAY + ITEM_LOOKAHEAD)
    assert len(coming) > 100

    # No inspections in a generated set: every deadline is an item's.
    assert [d.due for d in figures.deadlines] == coming
    assert all(d.what.startswith("Recommendation ") for d in figures.deadlines)
    assert figures.deadlines_total == len(coming)
    # A capped list has the soonest, and counts the rest.
    assert [d.due for d in capped.deadlines] == coming[:50]
    assert capped.deadlines_total == len(coming)
    assert figures.deadlines == sorted(figures.deadlines, key=lambda d: (d.due, d.source, d.what))


def test_no_coming_deadlines_counts_none(database: Database) -> None:
    with database.transaction("t") as session:
        generate(session, reviews=1, recommendations=0, seed=1, today=TODAY)
    with database.session() as session:
        figures = overview(session, TODAY + dt.timedelta(days=1))
    assert figures.deadlines == [] and figures.deadlines_total == 0
