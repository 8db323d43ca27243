"""Gathering a briefing pack reads each table once, however many reviews and items it holds
(issue 26: an 8,000-item pack took longer to gather, object by object, than to draw)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from db.queries.briefing_content import PackOptions, gather
from db.services.generate import generate
from db.store.database import Database
from tests.helpers import TODAY


def _statements(database: Database, reviews: list[str] | None) -> tuple[int, int]:
    """(SQL statements run, items gathered) for a pack of ``reviews`` (None: all)."""
    run: list[str] = []

    def count(*args: Any) -> None:
        run.append(args[2])

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        with database.session() as session:
            pack = gather(
                session,
                PackOptions(
                    today=TODAY, title="Pack", marking="", prepared_by="t", reviews=reviews
                ),
            )
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    return len(run), len(pack.items)


def test_a_pack_of_thirty_reviews_runs_the_statements_of_a_pack_of_one(
    database: Database,
) -> None:
    with database.transaction("t") as session:
        generate(session, reviews=30, recommendations=600, seed=1, today=TODAY)
    one, one_items = _statements(database, ["GEN-1-00001"])
    thirty, thirty_items = _statements(database, [f"GEN-1-{n:05d}" for n in range(1, 31)])
    every, every_items = _statements(database, None)
    assert 0 < one_items < thirty_items == every_items == 600
    assert one == thirty == every


def test_the_changes_of_a_day_are_listed_in_the_order_items_are_counted(
    database: Database,
) -> None:
    """A trial's pack listed one review's changes of a day as 1, 10, 11, 12, 3, 6 (the numbers
    sorted as text): now 1, 2, ..., 10, 11, 12, and "1.2" before "1.10"."""
    import datetime as dt

    from db.core.vocabulary import ReviewKind
    from db.exchange import apply_document
    from db.exchange.document import Document, ReviewDoc, TrackedDoc, UpdateDoc

    day = TODAY - dt.timedelta(days=3)
    numbers = ["10", "1.10", "3", "12", "1", "1.2", "11", "2"]
    doc = Document(
        reviews=[
            ReviewDoc(
                reference="ORDER-1",
                kind=ReviewKind.SAR,
                title="Adult O (fictional)",
                recommendations=[
                    TrackedDoc(n, f"Item {n}.", updates=[UpdateDoc(day, "tester", note="Done.")])
                    for n in numbers
                ],
            )
        ]
    )
    with database.transaction("tester") as session:
        apply_document(session, doc)
    options = PackOptions(
        today=TODAY, title="Pack", marking="OFFICIAL", prepared_by="tester", since=day
    )
    with database.session() as session:
        listed = [c.number for c in gather(session, options).changes if c.source == "ORDER-1"]
    assert listed == ["1", "1.2", "1.10", "2", "3", "10", "11", "12"]
