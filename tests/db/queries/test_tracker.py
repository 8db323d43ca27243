"""The tracker query: filters, sorting, paging and full-text search, in SQL, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest

from db.core.rules import rating_for
from db.core.vocabulary import Rating, Status
from db.queries import tracker
from db.queries.rows import RATING_ORDER, SortKey, TrackerFilter
from db.store import lifecycle
from db.store.database import Database
from tests.helpers import TODAY

CHILD_A = "FSCP-CSPR-CHILD-A"
POLICE = "Fenmarsh Constabulary (fictional)"


def _all(database: Database, flt: TrackerFilter, **kwargs):  # type: ignore[no-untyped-def]
    with database.session() as session:
        rows = tracker.page(session, flt, TODAY, limit=1000, **kwargs)
        assert tracker.count(session, flt, TODAY) == len(rows)
        return rows


def test_everything_unfiltered(sample_database: Database) -> None:
    rows = _all(sample_database, TrackerFilter())
    assert len(rows) == 28
    # Reviews first by reference and as published, then inspections.
    assert [r.source for r in rows[:18]] == ["BSCB-SCR-2010"] * 18
    assert [r.number for r in rows[:3]] == ["1", "2", "3"]


def test_sql_rating_matches_the_python_rule(sample_database: Database) -> None:
    for today in (TODAY, TODAY + dt.timedelta(days=60), TODAY - dt.timedelta(days=400)):
        with sample_database.session() as session:
            rows = tracker.page(session, TrackerFilter(), today, limit=1000)
        for row in rows:
            assert row.rating is rating_for(row.status, row.target_date, today), row


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (TrackerFilter(source=CHILD_A), {CHILD_A}),
        (TrackerFilter(agency=POLICE), {CHILD_A, "FICTIONAL-CP-INSPECTION-2"}),
        (TrackerFilter(rating=Rating.RED), {CHILD_A}),
        (TrackerFilter(overdue=True), {CHILD_A}),
        (TrackerFilter(theme="Voice of the child"), {CHILD_A, "FICTIONAL-CP-INSPECTION-2"}),
    ],
)
def test_filters(sample_database: Database, flt: TrackerFilter, expected: set[str]) -> None:
    rows = _all(sample_database, flt)
    assert rows
    assert {r.source for r in rows} == expected


def test_agency_filter_finds_lead_and_joint_agencies(sample_database: Database) -> None:
    rows = _all(sample_database, TrackerFilter(agency=POLICE, source=CHILD_A))
    assert sorted(r.number for r in rows) == ["1", "3", "5"]  # joint, lead, joint
    assert all(POLICE in (*r.lead_agencies, *r.joint_agencies) for r in rows)


def test_overdue_means_open_work_past_its_target(sample_database: Database) -> None:
    rows = _all(sample_database, TrackerFilter(overdue=True))
    assert sorted(r.number for r in rows) == ["3", "6"]
    assert all(r.target_date and r.target_date < TODAY for r in rows)
    assert all(r.status in (Status.NOT_STARTED, Status.IN_PROGRESS) for r in rows)


def test_due_before_a_date(sample_database: Database) -> None:
    rows = _all(sample_database, TrackerFilter(due_before=TODAY + dt.timedelta(days=30)))
    assert all(r.target_date and r.target_date < TODAY + dt.timedelta(days=30) for r in rows)
    assert all(r.status.is_open for r in rows)
    assert {"5", "6"} <= {r.number for r in rows}


def test_status_filter_and_combination(sample_database: Database) -> None:
    flt = TrackerFilter(statuses=frozenset({Status.CLOSED}))
    assert {(r.source, r.number) for r in _all(sample_database, flt)} == {
        ("BSCB-SCR-2010", "1"),
        (CHILD_A, "1"),
    }
    both = TrackerFilter(statuses=frozenset({Status.CLOSED}), source=CHILD_A)
    assert len(_all(sample_database, both)) == 1


@pytest.mark.parametrize(
    ("query", "numbers"),
    [
        ("protocol", {"1"}),  # in the text
        ("PROTOC", {"1"}),  # a prefix, any case
        ("dip-sample", {"3"}),  # in the actions; punctuation ignored
        ("staff shortages", {"3"}),  # in a progress update's note
        ("neglect training", {"4"}),  # every word must match
        ("Principal Social", {"6"}),  # the owner
        ("zebra", set()),
    ],
)
def test_full_text_search(sample_database: Database, query: str, numbers: set[str]) -> None:
    rows = _all(sample_database, TrackerFilter(text=query, source=CHILD_A))
    assert {r.number for r in rows} == numbers


def test_search_follows_new_updates(sample_database: Database) -> None:
    with sample_database.session() as session:
        (row,) = tracker.page(
            session, TrackerFilter(source=CHILD_A, text="neglect training"), TODAY
        )
    with sample_database.transaction("t") as session:
        lifecycle.record_update(session, row.id, on=TODAY, author="A", note="Kingfisher venue")
    assert [r.id for r in _all(sample_database, TrackerFilter(text="kingfisher"))] == [row.id]


def test_search_follows_edits_and_deletions(sample_database: Database) -> None:
    from db.store.models import Recommendation

    with sample_database.session() as session:
        (row,) = tracker.page(session, TrackerFilter(text="written", source=CHILD_A), TODAY)
    with sample_database.transaction("t") as session:
        rec = session.get(Recommendation, row.id)
        assert rec is not None
        rec.text = "Agree a lighthouse arrangement"
    assert _all(sample_database, TrackerFilter(text="written", source=CHILD_A)) == []
    assert len(_all(sample_database, TrackerFilter(text="lighthouse"))) == 1
    with sample_database.transaction("t") as session:
        session.delete(session.get(Recommendation, row.id))
    assert _all(sample_database, TrackerFilter(text="lighthouse")) == []


@pytest.mark.parametrize("sort", list(SortKey))
@pytest.mark.parametrize("descending", [False, True])
def test_every_sort_pages_consistently(
    sample_database: Database, sort: SortKey, descending: bool
) -> None:
    everything = _all(sample_database, TrackerFilter(), sort=sort, descending=descending)
    with sample_database.session() as session:
        pages = [
            tracker.page(
                session,
                TrackerFilter(),
                TODAY,
                sort=sort,
                descending=descending,
                offset=offset,
                limit=5,
            )
            for offset in range(0, 30, 5)
        ]
        flt = TrackerFilter()
        ids = tracker.ids(session, flt, TODAY, sort=sort, descending=descending)
        some = tracker.ids(session, flt, TODAY, sort=sort, descending=descending, offset=7, limit=9)
    assert [r.id for p in pages for r in p] == [r.id for r in everything]
    # The ids a selection stands for come in one query, in the same order as the pages.
    assert ids == [r.id for r in everything] and some == ids[7:16]


@pytest.mark.parametrize("descending", [False, True])
def test_sorting_by_joint_agency_leaves_items_without_one_last(
    sample_database: Database, descending: bool
) -> None:
    rows = _all(sample_database, TrackerFilter(), sort=SortKey.JOINT, descending=descending)
    firsts = [min(r.joint_agencies) if r.joint_agencies else None for r in rows]
    named = [name for name in firsts if name is not None]
    assert named and len(named) < len(rows)
    assert named == sorted(named, reverse=descending)
    assert firsts == named + [None] * (len(rows) - len(named))


def test_identities_name_items_in_the_order_asked(sample_database: Database) -> None:
    rows = _all(sample_database, TrackerFilter())
    chosen = [rows[5].id, rows[0].id, rows[-1].id, 10**9]  # the last was never there
    with sample_database.session() as session:
        found = tracker.identities(session, chosen)
    assert found == [(r.source, r.number, r.kind) for r in (rows[5], rows[0], rows[-1])]


def test_sorting_by_target_date_and_rating_uses_real_values(sample_database: Database) -> None:
    rows = _all(sample_database, TrackerFilter(), sort=SortKey.TARGET_DATE)
    dates = [r.target_date for r in rows if r.target_date]
    assert dates == sorted(dates)
    assert rows[-1].target_date is None
    ratings = [r.rating for r in _all(sample_database, TrackerFilter(), sort=SortKey.RATING)]
    assert ratings == sorted(ratings, key=RATING_ORDER.index)
    assert ratings[0] is Rating.RED


def test_filter_choices(sample_database: Database) -> None:
    with sample_database.session() as session:
        choices = tracker.filter_choices(session)
    assert CHILD_A in choices.sources and "HMICFRS-WMP-CHILD-PROTECTION-2025" in choices.sources
    assert "West Midlands Police" in choices.agencies
    assert "Neglect" in choices.themes


def test_upgrading_a_populated_database_indexes_what_it_holds(sample_database: Database) -> None:
    from sqlalchemy import func, select

    from db.store.database import downgrade_schema, open_database
    from db.store.models import Base

    # Meetings came after 0001 (migration 0007): going down to it drops them, as it must.
    KEPT_APART = {"audit_log", "meetings", "meeting_people", "agenda_items", "decisions"}

    def row_counts(database: Database) -> dict[str, int]:
        with database.session() as session:
            return {
                table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables
                if table.name not in KEPT_APART
            }

    before = row_counts(sample_database)
    downgrade_schema(sample_database.engine, "0001")
    sample_database.close()
    with open_database(sample_database.location) as upgraded:
        assert row_counts(upgraded) == before  # nothing lost on the way down and up
        assert len(_all(upgraded, TrackerFilter(text="staff shortages"))) == 1
        assert len(_all(upgraded, TrackerFilter(text="written protocol"))) == 1


def test_renaming_a_review_keeps_the_default_order(sample_database: Database) -> None:
    from sqlalchemy import select

    from db.store.models import Review

    with sample_database.transaction("t") as session:
        review = session.scalars(select(Review).where(Review.reference == CHILD_A)).one()
        review.reference = "AAA-FIRST"
    rows = _all(sample_database, TrackerFilter())
    assert [r.source for r in rows[:8]] == ["AAA-FIRST"] * 8
    assert [r.number for r in rows[:8]] == [str(n) for n in range(1, 9)]
