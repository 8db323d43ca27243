"""A search's plans (db.store.search.Plan) give the rows and counts the plain sorted query gave.

On generated data large enough for each plan to be chosen: the rows, in the default order and
its reverse, on the first and a later page, and the count "N items" shows, are checked against
an oracle in Python (every typed word a prefix of a word of the item's search text), on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select

from db.queries import tracker
from db.queries.rows import SortKey, TrackerFilter
from db.services.generate import generate
from db.store import search
from db.store.database import Database
from db.store.models import Recommendation
from tests.helpers import TODAY

ITEMS = 2_400  # enough for a common word to pass SAMPLE matches, and a rare one FEW
# A letter nearly every item holds a word starting with, common and rare words, two words,
# a word no item holds, and a word cut short (as typed).
QUERIES = ["s", "st", "staff", "supervision", "staff s", "return interviews", "zzzq", "protoc"]


def _generate(database: Database) -> Database:
    with database.transaction("tester") as session:
        generate(session, reviews=12, recommendations=ITEMS, seed=3, today=TODAY)
    return database


@pytest.fixture
def generated(database: Database) -> Database:
    return _generate(database)


def _expected(database: Database, query: str, descending: bool) -> list[int]:
    """The ids holding every word of ``query`` as a prefix, in the default order, in Python."""
    terms = search.words(query)
    with database.session() as session:
        found = session.execute(
            select(Recommendation.id, Recommendation.search_text).order_by(
                Recommendation.source_key, Recommendation.position, Recommendation.id
            )
        ).all()
    ids = [
        rec_id
        for rec_id, search_text in found
        if all(any(w.startswith(t) for w in search.words(search_text)) for t in terms)
    ]
    return ids[::-1] if descending else ids


def _page_ids(database: Database, flt: TrackerFilter, **kwargs: Any) -> list[int]:
    with database.session() as session:
        return [row.id for row in tracker.page(session, flt, TODAY, **kwargs)]


@pytest.mark.parametrize("descending", [False, True])
def test_every_plan_gives_the_sorted_rows_and_count(generated: Database, descending: bool) -> None:
    plans = list(search.Plan) if generated.location.is_sqlite else [None]
    for query in QUERIES:
        flt = TrackerFilter(text=query)
        expected = _expected(generated, query, descending)
        with generated.session() as session:
            assert tracker.count(session, flt, TODAY) == len(expected), query
        for plan in [None, *plans]:  # None: the plan page() chooses
            for offset in (0, 400):
                found = _page_ids(generated, flt, descending=descending, offset=offset, plan=plan)
                assert found == expected[offset : offset + 200], (query, plan, offset)
        by_number = _page_ids(generated, flt, sort=SortKey.NUMBER, descending=descending)
        assert by_number == expected[:200], query


def test_the_count_of_a_search_with_other_filters_goes_through_them(
    generated: Database,
) -> None:
    flt = TrackerFilter(text="s", overdue=True)
    with generated.session() as session:
        counted = tracker.count(session, flt, TODAY)
        everything = tracker.count(session, TrackerFilter(text="s"), TODAY)
        rows = tracker.page(session, flt, TODAY, limit=ITEMS)
    assert counted == len(rows) < everything
    assert all(row.target_date is not None and row.target_date < TODAY for row in rows)


@pytest.fixture
def sqlite_generated(database: Database) -> Database:
    if not database.location.is_sqlite:
        pytest.skip("the plans are SQLite's; PostgreSQL searches through its GIN index")
    return _generate(database)


def test_each_plan_is_chosen_where_it_is_cheapest(sqlite_generated: Database) -> None:
    with sqlite_generated.session() as session:
        assert search.plan(session, "s", 200) is search.Plan.PROBE  # nearly every item
        assert search.plan(session, "s p", 200) is search.Plan.WALK  # two words: probes cost more
        assert search.plan(session, "s", 200_000) is search.Plan.WALK  # the last page
        assert search.plan(session, "zzzq", 200) is search.Plan.SORT  # nothing to walk for


def test_the_default_order_of_a_search_is_read_from_its_index_not_sorted(
    sqlite_generated: Database,
) -> None:
    seen: list[tuple[str, Any]] = []
    with sqlite_generated.session() as session:
        connection = session.connection()

        def record(_c: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
            seen.append((statement, parameters))

        event.listen(connection, "before_cursor_execute", record)
        for plan in search.Plan:
            seen.clear()
            tracker.page(session, TrackerFilter(text="s"), TODAY, plan=plan)
            statement, parameters = next(s for s in seen if "ORDER BY" in s[0])
            steps = [
                row[3]
                for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)
            ]
            sorted_matches = any("TEMP B-TREE FOR ORDER BY" in step for step in steps)
            assert sorted_matches is (plan is search.Plan.SORT), (plan, steps)
        event.remove(connection, "before_cursor_execute", record)
