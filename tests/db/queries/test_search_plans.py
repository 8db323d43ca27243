"""A search's plans (db.store.search.Plan) give the rows and counts the plain sorted query gave.

On generated data large enough for each plan to be chosen: the rows, in the default order and
its reverse, on the first and a later page, and the count "N items" shows, are checked against
an oracle in Python (every typed word a prefix of a word of the item's search text), on SQLite
and PostgreSQL alike.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from db.core.search_words import choose
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
        # At 2,400 items gathering every match of "s" costs less than 200 questions.
        assert search.plan(session, "s", 200) is search.Plan.WALK
        assert search.plan(session, "s p", 200) is search.Plan.WALK  # two words: probes cost more
        assert search.plan(session, "s", 200_000) is search.Plan.WALK  # the last page
        assert search.plan(session, "zzzq", 200) is search.Plan.SORT  # nothing to walk for


@pytest.mark.parametrize(
    ("typed", "spread", "chosen"),
    [
        # The first 2,000 matches of each, spread over so many ids, at 100,000 items, a page
        # of 100 wanted: as measured in docs/performance.md ("The plan of a short prefix").
        ("s", 2_000, search.Plan.PROBE),  # every item: PROBE 2.4 ms, WALK 15.8
        ("in", 2_640, search.Plan.PROBE),  # 76 %: PROBE 3.3, WALK 12.2
        ("st", 5_700, search.Plan.WALK),  # 35 %: PROBE 7.6, WALK 5.8
        ("sup", 9_700, search.Plan.WALK),  # 21 %: PROBE 17.6, WALK 4.1 (PROBE was chosen)
        ("staff", 9_200, search.Plan.WALK),  # a longer prefix: a question costs far more
    ],
)
def test_a_short_prefix_is_probed_only_where_probing_is_cheaper(
    typed: str, spread: int, chosen: search.Plan
) -> None:
    assert choose([typed], 100, (2_000, 1, spread, 100_000)) is chosen


@pytest.mark.parametrize("descending", [False, True])
def test_the_default_order_of_a_search_is_read_from_its_index_not_sorted(
    sqlite_generated: Database, descending: bool
) -> None:
    """Whichever way a page is read (db.queries.first_page's SQL on the session's connection
    in the default order, SQLAlchemy's statement the other way), only SORT sorts: every
    statement on the connection is seen, as SQLite runs it."""
    seen: list[str] = []
    with sqlite_generated.session() as session:
        raw = session.connection().connection.driver_connection
        raw.set_trace_callback(seen.append)
        for plan in search.Plan:
            seen.clear()
            tracker.page(session, TrackerFilter(text="s"), TODAY, plan=plan, descending=descending)
            statement = next(s for s in seen if "ORDER BY" in s)
            steps = [row[3] for row in raw.execute("EXPLAIN QUERY PLAN " + statement)]
            sorted_matches = any("TEMP B-TREE FOR ORDER BY" in step for step in steps)
            assert sorted_matches is (plan is search.Plan.SORT), (plan, steps)
        raw.set_trace_callback(None)
