"""The first-paint reads (sqlite3 alone) give exactly what the SQLAlchemy queries give."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.core.items import ItemKey
from db.core.vocabulary import TrackedKind
from db.queries import details as queries
from db.queries import first_page as quick
from db.queries import tracker
from db.queries.rows import TrackerFilter
from db.services import editing
from db.services.generate import generate
from db.store import search
from db.store.database import Database, downgrade_schema, open_database
from db.store.location import resolve_location
from db.store.models import Recommendation, Review
from db.store.paths import ENV_VAR, default_database_path, sqlite_file
from tests.helpers import TODAY


@pytest.fixture
def generated_file(tmp_path: Path) -> Path:
    path = tmp_path / "generated.sqlite3"
    database = open_database(resolve_location(str(path)), create=True)
    with database, database.transaction("tester") as session:
        generate(session, reviews=7, recommendations=900, seed=3, today=TODAY)
    return path


def _same_as_sqlalchemy(path: Path, today: dt.date, limit: int) -> None:
    with open_database(resolve_location(str(path))) as database:
        _compare(database, path, today, limit)


def _compare(database: Database, path: Path, today: dt.date, limit: int) -> None:
    with database.session() as session:
        expected_page = tracker.page(session, TrackerFilter(), today, limit=limit)
        expected_total = tracker.count(session, TrackerFilter(), today)
        expected_reviews = queries.review_rows(session, today)
    assert quick.tracker_page(path, today, limit) == (expected_page, expected_total)
    assert quick.review_rows(path, today) == expected_reviews


@pytest.mark.parametrize("days", [0, 30, 400, -400])
def test_sample_first_page_and_reviews_match_the_queries(sample_path: Path, days: int) -> None:
    _same_as_sqlalchemy(sample_path, TODAY + dt.timedelta(days=days), 200)


@pytest.mark.parametrize("limit", [1, 200, 2000])
def test_generated_first_page_and_reviews_match_the_queries(
    generated_file: Path, limit: int
) -> None:
    _same_as_sqlalchemy(generated_file, TODAY, limit)


def test_an_empty_database_reads_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    open_database(resolve_location(str(path)), create=True).close()
    assert quick.is_current(path)
    assert quick.tracker_page(path, TODAY, 200) == ([], 0)
    assert quick.review_rows(path, TODAY) == []


def test_only_a_casereview_database_at_this_schema_is_current(
    tmp_path: Path, sample_path: Path
) -> None:
    assert quick.is_current(sample_path)
    missing, text, other = tmp_path / "missing", tmp_path / "notes.txt", tmp_path / "other.db"
    text.write_text("not a database")
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE t (x)")
    for path in (missing, text, other, tmp_path):
        assert not quick.is_current(path)
    older = tmp_path / "older.sqlite3"
    with open_database(resolve_location(str(older)), create=True) as database:
        downgrade_schema(database.engine, "0002")
    assert not quick.is_current(older)


def test_reading_changes_nothing(sample_path: Path) -> None:
    def files() -> dict[Path, bytes]:
        return {p: p.read_bytes() for p in sample_path.parent.rglob("*") if p.is_file()}

    before = files()
    quick.is_current(sample_path)
    quick.tracker_page(sample_path, TODAY, 200)
    quick.review_rows(sample_path, TODAY)
    assert files() == before


def test_a_damaged_file_gives_none_not_an_error(tmp_path: Path, sample_path: Path) -> None:
    damaged = tmp_path / "damaged.sqlite3"
    data = sample_path.read_bytes()
    damaged.write_bytes(data[: len(data) // 3])
    quick.tracker_page(damaged, TODAY, 200)  # no exception, whatever it can still read
    quick.review_rows(damaged, TODAY)
    with sqlite3.connect(sample_path) as conn:
        conn.execute("PRAGMA ignore_check_constraints = ON")
        conn.execute("UPDATE recommendations SET status = 'lost' WHERE id = 1")
        conn.execute("UPDATE reviews SET kind = 'lost'")
    assert quick.tracker_page(sample_path, TODAY, 200) is None
    assert quick.review_rows(sample_path, TODAY) is None


def test_the_file_is_found_as_resolve_location_finds_it(tmp_path: Path) -> None:
    named = tmp_path / "panel.sqlite3"
    assert sqlite_file(str(named), {}) == resolve_location(str(named), {}).path
    assert sqlite_file(None, {ENV_VAR: str(named)}) == named
    assert sqlite_file(None, {}) == default_database_path()
    assert sqlite_file("postgresql://panel@localhost/casereview", {}) is None


def test_a_read_ahead_hands_over_the_read_started_for_it(generated_file: Path) -> None:
    reads = quick.ReadAhead(generated_file)
    reads.start(quick.tracker_page, TODAY, 50)
    reads.start(quick.review_rows, TODAY)
    assert reads.waiting == 2
    assert reads.take(quick.review_rows, TODAY) == quick.review_rows(generated_file, TODAY)
    assert reads.take(quick.tracker_page, TODAY, 50) == quick.tracker_page(
        generated_file, TODAY, 50
    )
    assert reads.waiting == 0


def test_a_read_ahead_never_answers_another_read(generated_file: Path) -> None:
    reads = quick.ReadAhead(generated_file)
    reads.start(quick.tracker_page, TODAY, 50)
    # Another limit or day is read there and then; the started read stays for its own caller.
    assert len(reads.take(quick.tracker_page, TODAY, 20)[0]) == 20  # type: ignore[index]
    later = TODAY + dt.timedelta(days=400)
    assert reads.take(quick.tracker_page, later, 50) == quick.tracker_page(
        generated_file, later, 50
    )
    assert reads.waiting == 1
    # Taken once: asking again reads afresh, and sees what changed since.
    assert reads.take(quick.tracker_page, TODAY, 50)[1] == 900  # type: ignore[index]
    with sqlite3.connect(generated_file) as conn:
        conn.execute("DELETE FROM recommendation_agencies")
        conn.execute("DELETE FROM recommendation_themes")
        conn.execute(
            "DELETE FROM recommendations WHERE id IN (SELECT id FROM recommendations LIMIT 5)"
        )
    assert reads.take(quick.tracker_page, TODAY, 50)[1] == 895  # type: ignore[index]


def test_a_read_ahead_that_fails_answers_none(tmp_path: Path) -> None:
    def broken(path: Path, today: dt.date) -> list[object] | None:
        raise RuntimeError("surprise")

    reads = quick.ReadAhead(tmp_path / "missing.sqlite3")
    reads.start(broken, TODAY)
    reads.start(quick.review_rows, TODAY)
    assert reads.take(broken, TODAY) is None
    assert reads.take(quick.review_rows, TODAY) is None


# A search typed while the database layer loads (``tracker_search``) and an edit started then
# (``item_fields``) are answered from the file with sqlite3 alone: the same as the database's.

SEARCHES = ["s", "s p", "st", "staff", "supervision", "staff s", "return interviews",
            "zzzq", "protoc", "", "!!!", "Staff, SUPERVISION."]  # fmt: skip


@pytest.fixture(scope="module")
def searchable_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Enough items (2,400) for a common word to pass ``SAMPLE`` matches and a rare one
    ``FEW``, so that each of the three plans is chosen for one of ``SEARCHES`` (PROBE for a
    page of one row)."""
    path = tmp_path_factory.mktemp("search") / "generated.sqlite3"
    database = open_database(resolve_location(str(path)), create=True)
    with database, database.transaction("tester") as session:
        generate(session, reviews=12, recommendations=2_400, seed=3, today=TODAY)
    return path


def _searched(database: Database, query: str, limit: int) -> tuple[list[Any], int]:
    flt = TrackerFilter(text=query)
    with database.session() as session:
        return tracker.page(session, flt, TODAY, limit=limit), tracker.count(session, flt, TODAY)


@pytest.mark.parametrize("limit", [1, 200, 3000])
def test_a_search_from_the_file_matches_the_database(searchable_file: Path, limit: int) -> None:
    chosen = set()
    with open_database(resolve_location(str(searchable_file))) as database:
        for query in SEARCHES:
            expected = _searched(database, query, limit)
            assert quick.tracker_search(searchable_file, query, TODAY, limit) == expected, query
            with database.session() as session:
                if search.words(query):
                    chosen.add(search.plan(session, query, limit))
    if limit == 1:  # a page so short that, at 2,400 items, "s" is cheapest probed
        assert chosen == set(search.Plan)  # each plan's statement was read by one search


@pytest.mark.parametrize("plan", list(search.Plan))
def test_each_plan_reads_the_same_rows_from_the_file(
    searchable_file: Path, plan: search.Plan, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(quick, "choose", lambda *_: plan)
    with open_database(resolve_location(str(searchable_file))) as database:
        for query in SEARCHES:
            expected = _searched(database, query, 200)
            assert quick.tracker_search(searchable_file, query, TODAY, 200) == expected, query


def test_a_search_from_a_damaged_file_gives_none(tmp_path: Path) -> None:
    path = tmp_path / "not-a-database.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    assert quick.tracker_search(path, "staff", TODAY, 200) is None
    assert quick.item_fields(path, ItemKey("SCR-1", "1")) is None


def _keys(database: Database) -> list[ItemKey]:
    with database.session() as session:
        return [
            editing.key_of(rec)
            for rec in session.scalars(select(Recommendation).order_by(Recommendation.id))
        ]


@pytest.mark.parametrize("which", ["sample", "generated"])
def test_an_edit_from_the_file_starts_from_the_database_fields(
    which: str, sample_path: Path, generated_file: Path
) -> None:
    path = sample_path if which == "sample" else generated_file
    with open_database(resolve_location(str(path))) as database:
        keys = _keys(database)
        assert (
            any(key.kind is TrackedKind.AREA_FOR_IMPROVEMENT for key in keys) or which != "sample"
        )
        for key in keys:
            with database.session() as session:
                expected = editing.item_fields(session, key)
            early = quick.item_fields(path, key)
            assert early == expected, key
            assert early is not None and early.version == expected.version  # compare=False
        with database.session() as session:
            themed = sum(1 for key in keys if editing.item_fields(session, key).themes)
            shared = sum(1 for key in keys if editing.item_fields(session, key).joint_agencies)
    assert (themed and shared) or which != "sample"  # themes and joint agencies were compared


def test_an_edit_of_an_item_that_is_not_there_gives_none(sample_path: Path) -> None:
    with open_database(resolve_location(str(sample_path))) as database:
        key = _keys(database)[0]
    for missing in (
        ItemKey(key.source, "999"),
        ItemKey("NO-SUCH-REVIEW", key.number),
        ItemKey(key.source, key.number, TrackedKind.AREA_FOR_IMPROVEMENT),
    ):
        assert quick.item_fields(sample_path, missing) is None


@pytest.mark.parametrize("which", ["sample", "generated"])
def test_a_review_from_the_file_is_the_database_review(
    which: str, sample_path: Path, generated_file: Path
) -> None:
    path = sample_path if which == "sample" else generated_file
    with open_database(resolve_location(str(path))) as database, database.session() as session:
        references = list(session.scalars(select(Review.reference)))
        expected = {ref: editing.review_fields(session, ref) for ref in references}
        names = queries.organisation_names(session)
    assert references
    for reference, fields in expected.items():
        early = quick.review_fields(path, reference)
        assert early == fields, reference
        assert early is not None and early.version == fields.version  # compare=False
    if which == "sample":  # themes, a commissioner and a publication date were compared
        assert any(f.themes for f in expected.values())
        assert any(f.commissioned_by for f in expected.values())
        assert any(f.published for f in expected.values())
    assert quick.review_fields(path, "NO-SUCH-REVIEW") is None
    assert quick.organisation_names(path) == names
