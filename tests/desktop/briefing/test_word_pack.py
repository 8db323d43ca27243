"""The briefing pack as an editable Word copy, read back with python-docx: what a reader of
the .docx would check against the PDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from db.queries.briefing_content import Pack, PackOptions, gather
from db.services.dataset import load_sample
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import Review
from desktop.briefing import DEFAULT_MARKING
from desktop.briefing.word import render_pack_docx
from tests.helpers import TODAY
from tests.helpers.word import (
    all_text,
    header_rows_repeat,
    headings,
    open_docx,
    sections_marked,
    tables,
)


@pytest.fixture
def sample_file(tmp_path: Path) -> Iterator[Database]:
    database = open_database(resolve_location(str(tmp_path / "pack.sqlite3")), create=True)
    with database.transaction("t") as session:
        load_sample(session, TODAY)
    yield database
    database.close()


def _pack(database: Database, **chosen: object) -> Pack:
    options = {
        "today": TODAY,
        "title": "Panel briefing",
        "marking": DEFAULT_MARKING,
        "prepared_by": "Panel secretariat",
        "meeting_date": TODAY,
        "since": TODAY.replace(month=1, day=1),
    } | chosen
    with database.session() as session:
        return gather(session, PackOptions(**options))  # type: ignore[arg-type]


def test_the_word_pack_holds_every_heading_item_and_marking(sample_file: Database) -> None:
    pack = _pack(sample_file)
    document = open_docx(render_pack_docx(pack))
    shown = headings(document)
    expected = ["Panel briefing", "Summary", "Changes since 1 January 2026", "Reviews"]
    expected += [f"{r.reference}: {r.title}" for r in pack.reviews]
    expected += ["Inspections"] + [f"{i.reference}: {i.title}" for i in pack.inspections]
    for heading in expected:
        assert heading in shown, heading
    # Each review's table: every item's number, status word and rating word, in order.
    item_tables = [t for t in tables(document) if t[0][:2] == ["No.", "Recommendation"]]
    assert len(item_tables) == len(pack.reviews)
    for review, table in zip(pack.reviews, item_tables, strict=True):
        assert [row[0] for row in table[1:]] == [item.number for item in review.items]
        assert [row[5] for row in table[1:]] == [item.status.label for item in review.items]
        assert [row[6] for row in table[1:]] == [
            item.rating.label if item.rating else "Noted" for item in review.items
        ]
    assert all(header_rows_repeat(t) for t in document.tables)
    # The marking on every page of every section, top and bottom, and "Page X of Y" fields.
    assert len(document.sections) >= 3
    assert all(sections_marked(document, DEFAULT_MARKING))
    footer = "\n".join(p.text for p in document.sections[0].footer.paragraphs)
    assert "Page 1 of 1" in footer  # what stands until the word processor counts the pages


def test_a_redacted_word_pack_names_no_one(sample_file: Database) -> None:
    with sample_file.session() as session:
        names = [
            name
            for review in session.scalars(select(Review))
            for name in review.names_to_redact.splitlines()
            if name.strip()
        ]
    assert names
    plain = all_text(open_docx(render_pack_docx(_pack(sample_file))))
    assert any(name in plain for name in names)  # the pack names them unless asked not to
    redacted = all_text(
        open_docx(render_pack_docx(_pack(sample_file, redact=True, title=f"On {names[0]}")))
    )
    for name in names:
        assert name.lower() not in redacted.lower(), name
    assert "Child A" in redacted


def test_an_empty_word_pack_says_so_and_is_marked(tmp_path: Path) -> None:
    database = open_database(resolve_location(str(tmp_path / "empty.sqlite3")), create=True)
    with database:
        document = open_docx(render_pack_docx(_pack(database, marking="OFFICIAL")))
    assert "Nothing to report" in headings(document)
    assert sections_marked(document, "OFFICIAL") == [True]
