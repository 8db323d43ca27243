"""Learning themes over time (db.queries.themes, issue 25) on SQLite and PostgreSQL: items by
theme and year of publication, themes with most first, items of a source not yet published
apart, and only the sources asked for."""

from __future__ import annotations

from db.core.dates import PartialDate
from db.core.vocabulary import ReviewKind
from db.exchange.document import Document, ReviewDoc, TrackedDoc
from db.exchange.records import apply_document
from db.queries.themes import themes_by_year
from db.store.database import Database


def _review(reference: str, year: int | None, themes: list[list[str]]) -> ReviewDoc:
    return ReviewDoc(
        reference, ReviewKind.SCR, f"{reference} (fictional)",
        published=PartialDate(year) if year else None,
        recommendations=[TrackedDoc(str(n), f"Item {n}.", themes=t)
                         for n, t in enumerate(themes, 1)],
    )  # fmt: skip


def test_items_are_counted_by_theme_and_year(database: Database) -> None:
    doc = Document(
        reviews=[
            _review("SCR-2019", 2019, [["Neglect"], ["Neglect", "Voice of the child"]]),
            _review("SCR-2024", 2024, [["Neglect"], ["Safe sleep"]]),
            _review("LR-NEW", None, [["Safe sleep"]]),
        ]
    )
    with database.transaction("t") as session:
        apply_document(session, doc)
    with database.session() as session:
        every = themes_by_year(session)
        chosen = themes_by_year(session, sources={"SCR-2024"})
    assert every.years == [2019, 2024]
    assert every.rows == [
        ("Neglect", {2019: 2, 2024: 1}, 0),
        ("Safe sleep", {2024: 1}, 1),
        ("Voice of the child", {2019: 1}, 0),
    ]
    assert chosen.rows == [("Neglect", {2024: 1}, 0), ("Safe sleep", {2024: 1}, 0)]
    assert not every.is_empty
