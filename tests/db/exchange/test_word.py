"""The action plan as a Word document, read back with python-docx beside the workbook it
copies: the same columns, every item, the marking and page numbers on every page."""

from __future__ import annotations

import io
import shutil
import subprocess
import zipfile
from pathlib import Path

import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Pt
from pypdf import PdfReader

from db.core.dates import format_date
from db.core.rules import rating_for
from db.core.vocabulary import Rating
from db.exchange import Document, collect_document
from db.exchange.spreadsheets import write_xlsx
from db.exchange.spreadsheets.writing import (
    PLAN_COLUMNS,
    RATING_FILLS,
    plan_rows,
    plan_title,
    review_plan_rows,
)
from db.exchange.streaming import DocumentStream
from db.exchange.word import (
    HEADER_FILL,
    PLAN_HEADING_LETTER,
    PLAN_NARROWEST,
    ZIP64_FROM,
    _column_widths,
    _narrow_padding,
    _write,
    cell_text,
    docx_bytes,
    shade,
    stream_docx,
    word_document,
    write_docx,
)
from db.services import transfer
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


# ------------------------------------------------------------ a large plan, made in linear time


# Text that python-docx writes in more than one way: lines as paragraphs (a blank one with
# no text), a tab as its own element, spaces at either end kept.
AWKWARD = " Leading space\nsecond line\twith a tab\n\nafter a blank line, & <marks> "


def _generated(database: Database, items: int) -> None:
    from sqlalchemy import select, update

    from db.services.generate import generate
    from db.store.models import Recommendation

    with database.transaction("setup") as session:
        generate(session, reviews=6, recommendations=items, seed=1, today=TODAY)
        first = session.scalars(select(Recommendation.id).order_by(Recommendation.id)).first()
        session.execute(
            update(Recommendation).where(Recommendation.id == first).values(actions=AWKWARD)
        )


def test_a_generated_plan_exported_to_a_word_file_reads_back_cell_for_cell(
    database: Database, tmp_path: Path
) -> None:
    """Every cell of the file ``casereview export --format docx`` writes, read back by
    python-docx, holds the item's value as the workbook's column has it; the rows keep their
    formatting (each on one page, its text 7-point, a rating in bold on its colour) and the
    cells their column's width."""
    _generated(database, 400)
    target = tmp_path / "plan.docx"
    transfer.export_file(database, target, fmt="docx", today=TODAY, actor="Tester")
    with database.session() as session:
        doc = collect_document(session, TODAY, [])
    expected = [
        ["\n".join(cell_text(value).splitlines()) for value in row]
        for review in doc.reviews
        for row in review_plan_rows(review, TODAY)
    ]
    assert len(expected) == 400

    document = open_docx(target)
    assert headings(document) == [plan_title(doc)]
    [plan] = tables(document)
    assert plan == [[title for title, _ in PLAN_COLUMNS], *expected]
    assert any(AWKWARD.strip() in cell for row in plan for cell in row)
    table = document.tables[0]
    assert header_rows_repeat(table)
    assert sections_marked(document, "OFFICIAL-SENSITIVE") == [True]
    widths = [column.width for column in table.columns]
    fills = {rating.label: fill for rating, (fill, _) in RATING_FILLS.items()}
    ratings = set()
    for row in table.rows[1:]:
        assert row._tr.xpath("./w:trPr/w:cantSplit")
        assert [cell.width for cell in row.cells] == widths
        for column, cell in enumerate(row.cells):
            runs = [run for paragraph in cell.paragraphs for run in paragraph.runs]
            assert all(run.font.size == Pt(7) for run in runs)
            if column == RATING:
                ratings.add(cell.text)
                assert cell._tc.xpath("./w:tcPr/w:shd/@w:fill") == [fills[cell.text]]
                assert all(run.bold for run in runs)
            else:
                assert not cell._tc.xpath("./w:tcPr/w:shd")
                assert all(run.bold is False for run in runs)
    assert len(ratings) > 1


RATING = [title for title, _ in PLAN_COLUMNS].index("Rating")


def _old_plan(doc: Document) -> bytes:
    """The action plan as it was made before its rows were written as XML: each through
    python-docx's ``add_row`` and cells (quadratic, but the XML to match)."""
    document = word_document("OFFICIAL-SENSITIVE", landscape=True)
    document.add_heading(plan_title(doc), level=1)
    document.add_paragraph(
        f"Exported from casereview on {format_date(TODAY)}. Ratings are as of that day."
    ).runs[0].italic = True
    shares = [
        max(width, PLAN_NARROWEST, PLAN_HEADING_LETTER * max(len(w) for w in title.split()))
        for title, width in PLAN_COLUMNS
    ]
    table = document.add_table(rows=1, cols=len(PLAN_COLUMNS))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _narrow_padding(table)
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    table.rows[0]._tr.get_or_add_trPr().append(repeat)
    sized = _column_widths(document, [share / sum(shares) for share in shares])
    for cell, (title, _) in zip(table.rows[0].cells, PLAN_COLUMNS, strict=True):
        _write(cell, title, Pt(7), bold=True)
        shade(cell, HEADER_FILL)
    cells = list(table.rows[0].cells)
    for values in plan_rows(doc, TODAY):
        row = table.add_row()  # type: ignore[no-untyped-call]
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
        cells += row.cells
        for cell, value in zip(row.cells, values, strict=True):
            if isinstance(value, Rating):
                fill, ink = RATING_FILLS[value]
                _write(cell, value.label, Pt(7), bold=True, ink=ink)
                shade(cell, fill)
            else:
                _write(cell, cell_text(value), Pt(7))
    table.autofit = False
    for column, width in zip(table.columns, sized, strict=True):
        column.width = Emu(width)
    for number, cell in enumerate(cells):
        cell.width = Emu(sized[number % len(sized)])
    return docx_bytes(document)


def _parts(docx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(docx)) as package:
        return {name: package.read(name) for name in package.namelist()}


@pytest.mark.parametrize("data", ["sample", "generated"])
def test_the_word_plan_is_the_document_python_docx_made_row_by_row(
    database: Database, data: str
) -> None:
    """Its rows are written as XML, not through python-docx's ``add_row`` and cells (which
    search the whole table each time): every part of the file, the body's XML byte for
    byte, is what python-docx made, in the same order."""
    if data == "sample":
        from db.services.dataset import load_sample

        with database.transaction("tester") as session:
            load_sample(session, TODAY)
    else:
        _generated(database, 300)
    with database.session() as session:
        doc = collect_document(session, TODAY, [])
    new, old = _parts(write_docx(doc, TODAY)), _parts(_old_plan(doc))
    assert list(new) == list(old)
    assert new["word/document.xml"].count(b"<w:tr>") > 20
    assert new == old


def test_a_plan_of_many_rows_is_made_without_searching_its_table(
    database: Database, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a new user: the Word export of 100,000 items ran for 11 minutes, reaching
    3.9 GB, and wrote nothing: python-docx's ``add_row`` searches the whole table at each
    call, so a row a time grows with the square of the rows (4,000 took some 15 seconds).
    Now the rows are copies of one row python-docx made, however many items there are
    (timings are in benchmarks/export.py, not here)."""
    import docx.table

    added: list[int] = []
    add_row = docx.table.Table.add_row

    def counted(table: docx.table.Table) -> docx.table._Row:
        added.append(1)
        return add_row(table)

    monkeypatch.setattr(docx.table.Table, "add_row", counted)
    _generated(database, 4000)
    transfer.export_file(database, tmp_path / "plan.docx", fmt="docx", today=TODAY, actor="T")
    assert len(open_docx(tmp_path / "plan.docx").tables[0].rows) == 4001
    assert len(added) <= 2, len(added)


def test_a_plan_of_very_many_items_is_written_with_the_zips_64_bit_sizes(
    sample_database: Database, tmp_path: Path
) -> None:
    """Its body would pass the 2 GiB a part may hold without them (at some 740,000 items),
    which zipfile finds only once it is written: so from ``ZIP64_FROM`` items the body is
    written with them, and the file still reads back the same."""
    with sample_database.session() as session:
        doc = collect_document(session, TODAY, [])
    stream = DocumentStream.of(doc)
    stream.items = ZIP64_FROM
    target = tmp_path / "plan.docx"
    with target.open("wb") as out:
        stream_docx(stream, TODAY, out, title=plan_title(doc))
    with zipfile.ZipFile(target) as package:
        body = package.getinfo("word/document.xml")
        header = target.read_bytes()[body.header_offset :][: 30 + len(body.filename) + 4]
        assert header[:4] == b"PK\x03\x04"  # the body's own (local) header
        assert header[-4:-2] == b"\x01\x00"  # its extra field: the zip64 sizes
        assert (
            package.read("word/document.xml") == _parts(write_docx(doc, TODAY))["word/document.xml"]
        )
    assert tables(open_docx(target)) == tables(open_docx(write_docx(doc, TODAY)))
