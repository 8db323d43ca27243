"""The action plan as a Word document, read back with python-docx beside the workbook it
copies: the same columns, every item, the marking and page numbers on every page."""

from __future__ import annotations

import io
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from pypdf import PdfReader

from db.core.rules import rating_for
from db.exchange import collect_document
from db.exchange.spreadsheets import write_xlsx
from db.exchange.spreadsheets.writing import PLAN_COLUMNS
from db.exchange.word import write_docx
from db.store.database import Database
from tests.helpers import TODAY
from tests.helpers.word import header_rows_repeat, headings, open_docx, sections_marked, tables


def test_the_word_action_plan_holds_the_workbooks_columns_and_every_item(
    sample_database: Database,
) -> None:
    with sample_database.session() as session:
        doc = collect_document(session, TODAY, [])
    sheet = openpyxl.load_workbook(io.BytesIO(write_xlsx(doc, TODAY))).worksheets[0]
    workbook_columns = [cell.value for cell in sheet[3]]

    document = open_docx(write_docx(doc, TODAY))
    assert headings(document) == [sheet["A1"].value]
    [plan] = tables(document)
    assert plan[0] == workbook_columns
    items = [(r.reference, rec) for r in doc.reviews for rec in r.recommendations]
    assert len(items) > 20
    assert [(row[0], row[1]) for row in plan[1:]] == [(ref, rec.number) for ref, rec in items]
    for row, (_, rec) in zip(plan[1:], items, strict=True):
        assert row[2] == (rec.text or "")
        assert row[8] == rec.status.label
        assert row[9] == rating_for(rec.status, rec.target_date, TODAY).label  # as a word
    assert header_rows_repeat(document.tables[0])
    assert sections_marked(document, "OFFICIAL-SENSITIVE") == [True]


def test_an_empty_action_plan_says_so(database: Database) -> None:
    with database.session() as session:
        doc = collect_document(session, TODAY, [])
    document = open_docx(write_docx(doc, TODAY))
    assert not document.tables
    assert "No recommendations recorded." in [p.text for p in document.paragraphs]


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_the_word_action_plan_is_landscape_and_no_heading_breaks_inside_a_word(
    sample_database: Database, tmp_path: Path
) -> None:
    """Found by a new user: the plan's headings broke inside words ("Assure d by", "Close d
    on") in its narrow columns. Read back by python-docx (a landscape page) and by
    LibreOffice (converted to PDF, each heading's words whole in the page's text)."""
    with sample_database.session() as session:
        doc = collect_document(session, TODAY, [])
    target = tmp_path / "plan.docx"
    target.write_bytes(write_docx(doc, TODAY))
    (section,) = open_docx(target).sections
    assert section.orientation is WD_ORIENT.LANDSCAPE
    assert int(section.page_width or 0) > int(section.page_height or 0)
    profile = (tmp_path / "profile").as_uri()
    subprocess.run(
        ["soffice", "--headless", f"-env:UserInstallation={profile}", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(target)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    first = PdfReader(tmp_path / "plan.pdf").pages[0]
    assert first.mediabox.width > first.mediabox.height
    words = (first.extract_text() or "").split()
    for title, _ in PLAN_COLUMNS:
        for word in title.split():
            assert word in words, title
