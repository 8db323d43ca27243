"""The pack's Repeated learning section (issue 25), read back from the PDF (pypdf) and the
.docx (python-docx): confirmed repeats, an earlier item closed and come again first; a pack
with none has no such section."""

from __future__ import annotations

import io
from pathlib import Path

from docx import Document as WordFile
from pypdf import PdfReader

from db.core.dates import PartialDate
from db.core.vocabulary import ReviewKind, Status
from db.exchange.document import Document, EvidenceDoc, RepeatDoc, ReviewDoc, TrackedDoc
from db.exchange.records import apply_document
from db.queries.briefing_content import Pack, PackOptions, gather
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.briefing import render_pack
from desktop.briefing.word import render_pack_docx
from tests.helpers import TODAY

OPTIONS = PackOptions(today=TODAY, title="Panel briefing", marking="", prepared_by="Secretariat")


def _pack(tmp_path: Path, repeats: list[RepeatDoc], *, closed: bool = False) -> Pack:
    database: Database = open_database(resolve_location(str(tmp_path / "p.sqlite3")), create=True)
    doc = Document(
        reviews=[
            ReviewDoc("SCR-2019", ReviewKind.SCR, "Earlier (fictional)", recommendations=[
                TrackedDoc("4", "Give safe sleep advice at every visit.", status=Status.CLOSED,
                           assured_by="Chair", evidence=[EvidenceDoc("Audit", "Chair",
                                                                     reference="A-1")])
                if closed else
                TrackedDoc("4", "Give safe sleep advice at every visit.", status=Status.SUPERSEDED,
                           status_reason="Replaced by the pathway"),
            ]),
            ReviewDoc("CSPR-2026", ReviewKind.CSPR_LOCAL, "New (fictional)", recommendations=[
                TrackedDoc("1", "Discuss safe sleep before discharge.", repeats=repeats),
            ]),
        ]
    )  # fmt: skip
    with database, database.transaction("t") as session:
        apply_document(session, doc)
        session.flush()
    with open_database(database.location) as again, again.session() as session:
        return gather(session, OPTIONS)


def test_the_pack_lists_confirmed_repeats_in_pdf_and_word(tmp_path: Path) -> None:
    pack = _pack(tmp_path, [RepeatDoc("4", review="SCR-2019", decided_by="Chair (fictional)")])
    assert [(r.source, r.number, r.earlier_source) for r in pack.repeats] == [
        ("CSPR-2026", "1", "SCR-2019")
    ]
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pack(pack))).pages)
    flat = " ".join(text.split())
    assert "Repeated learning" in flat
    assert "1 confirmed repeat of earlier learning." in flat
    assert "CSPR-2026 1" in flat and "SCR-2019 4" in flat
    assert "Superseded (confirmed by Chair (fictional))" in flat
    word = WordFile(io.BytesIO(render_pack_docx(pack)))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert "Repeated learning" in headings
    cells = [c.text for t in word.tables for row in t.rows for c in row.cells]
    assert "SCR-2019 4" in cells


def test_a_pack_with_no_repeats_has_no_such_section(tmp_path: Path) -> None:
    pack = _pack(tmp_path, [])
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pack(pack))).pages)
    assert "Repeated learning" not in text


def test_an_earlier_item_closed_whose_learning_came_again_is_said_so(tmp_path: Path) -> None:
    pack = _pack(tmp_path, [RepeatDoc("4", review="SCR-2019", decided_by="Chair")], closed=True)
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pack(pack))).pages)
    flat = " ".join(text.split())
    assert (
        "1 confirmed repeat of earlier learning; 1 of the earlier items had been closed, and "
        "the learning has come again." in flat
    )
    assert "Closed, and the learning has come again (confirmed by Chair)" in flat


def test_the_pack_prints_learning_themes_by_year(tmp_path: Path) -> None:
    database = open_database(resolve_location(str(tmp_path / "t.sqlite3")), create=True)
    doc = Document(
        reviews=[
            ReviewDoc("SCR-2019", ReviewKind.SCR, "Earlier (fictional)",
                      published=PartialDate(2019),
                      recommendations=[TrackedDoc("1", "A.", themes=["Neglect"])]),
            ReviewDoc("SCR-2024", ReviewKind.SCR, "Later (fictional)",
                      published=PartialDate(2024),
                      recommendations=[TrackedDoc("1", "B.", themes=["Neglect"]),
                                       TrackedDoc("2", "C.", themes=["Safe sleep"])]),
        ]
    )  # fmt: skip
    with database, database.transaction("t") as session:
        apply_document(session, doc)
    with open_database(database.location) as again, again.session() as session:
        pack = gather(session, OPTIONS)
    flat = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(render_pack(pack))).pages).split()
    )
    assert "Learning themes by year Theme 2019 2024 Neglect 1 1 Safe sleep 1" in flat
    word = WordFile(io.BytesIO(render_pack_docx(pack)))
    assert "Learning themes by year" in [p.text for p in word.paragraphs]
