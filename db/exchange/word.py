"""Word (.docx) copies of what goes out, with python-docx: the parts every one shares, and the
action plan.

Every copy is A4, carries its protective marking in the header and the footer of every
section (a section added later gets its own, not a link that Word may drop), and numbers its
pages "Page X of Y" with Word's own PAGE and NUMPAGES fields, so the numbers stay right when a
reader edits the text. Tables are real Word tables whose header row repeats on each page;
ratings are always written as words, on their colour, so they read in greyscale too. The
briefing pack's copy (``desktop.briefing.word``) and the meeting papers build on these parts.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from docx import Document as new_word_document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor

from db.core.dates import format_date
from db.core.vocabulary import Rating
from db.exchange.spreadsheets.writing import PLAN_COLUMNS, RATING_FILLS, plan_rows, plan_title

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.section import Section
    from docx.table import Table, _Cell
    from docx.text.paragraph import Paragraph

    from db.exchange.document import Document

A4_SHORT, A4_LONG = Mm(210), Mm(297)
MARGIN = Mm(18)
BODY_SIZE = Pt(10)
HEADER_FILL = "DDE3EA"  # the workbook's header fill
NO_MARKING = "No protective marking"
PLAN_NARROWEST = 18  # characters, of the workbook's column widths
# Of the same widths, for each letter of a heading's longest word: its bold 7-point letters
# and the cell's padding, so that no heading breaks inside a word ("Assure / d by").
PLAN_HEADING_LETTER = 3


def word_document(marking: str, *, landscape: bool = False) -> WordDocument:
    """An empty A4 document: its text in a plain sans-serif, ``marking`` in the header and
    the footer, and "Page X of Y" in the footer."""
    document = new_word_document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = BODY_SIZE
    _shape(document.sections[0], landscape)
    mark_section(document.sections[0], marking)
    return document


def new_section(document: WordDocument, marking: str, *, landscape: bool = False) -> Section:
    """A section starting on a new page (turned to ``landscape`` or not), marked as the
    first is."""
    section: Section = document.add_section(WD_SECTION.NEW_PAGE)
    _shape(section, landscape)
    mark_section(section, marking)
    return section


def _shape(section: Section, landscape: bool) -> None:
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (
        (A4_LONG, A4_SHORT) if landscape else (A4_SHORT, A4_LONG)
    )
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, MARGIN)


def mark_section(section: Section, marking: str) -> None:
    """The marking, centred, at the top and bottom of every page of ``section``, and its
    page numbers in the footer."""
    text = marking or NO_MARKING
    section.header.is_linked_to_previous = False
    section.footer.is_linked_to_previous = False
    top = section.header.paragraphs[0]
    top.text = ""
    top.alignment = WD_ALIGN_PARAGRAPH.CENTER
    top.add_run(text).bold = True
    bottom = section.footer.paragraphs[0]
    bottom.text = ""
    bottom.alignment = WD_ALIGN_PARAGRAPH.CENTER
    bottom.add_run(text).bold = True
    numbers = section.footer.add_paragraph()
    numbers.alignment = WD_ALIGN_PARAGRAPH.CENTER
    numbers.add_run("Page ")
    add_field(numbers, "PAGE", "1")
    numbers.add_run(" of ")
    add_field(numbers, "NUMPAGES", "1")


def add_field(paragraph: Paragraph, instruction: str, shown: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) in ``paragraph``: Word and LibreOffice work out
    its value when the page is laid out; ``shown`` stands until they do."""
    for kind, text in (("begin", None), ("instr", instruction), ("separate", None)):
        run = paragraph.add_run()
        if kind == "instr":
            code = OxmlElement("w:instrText")
            code.set(qn("xml:space"), "preserve")
            code.text = f" {text} "
            run._r.append(code)
        else:
            run._r.append(_field_char(kind))
    paragraph.add_run(shown)
    paragraph.add_run()._r.append(_field_char("end"))


def _field_char(kind: str) -> Any:
    char = OxmlElement("w:fldChar")
    char.set(qn("w:fldCharType"), kind)
    return char


def add_table(
    document: WordDocument,
    headers: Sequence[str],
    rows: Sequence[Sequence[object]],
    *,
    widths: Sequence[float] | None = None,
    size: Pt | None = None,
) -> Table:
    """A real table: a bold, shaded header row that repeats at the top of each page, then a
    row per item; a ``Rating`` is written as its word on its colour, a date as UK text.
    ``widths`` are fractions of the page's text width."""
    table: Table = document.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _narrow_padding(table)
    header = table.rows[0]
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    header._tr.get_or_add_trPr().append(repeat)
    sized = _column_widths(document, widths)
    for cell, title in zip(header.cells, headers, strict=True):
        _write(cell, title, size, bold=True)
        shade(cell, HEADER_FILL)
    cells: list[_Cell] = list(header.cells)
    for values in rows:
        row = table.add_row()  # type: ignore[no-untyped-call]  # (python-docx leaves it bare)
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row on one page
        row_cells: list[_Cell] = list(row.cells)
        cells += row_cells
        for cell, value in zip(row_cells, values, strict=True):
            if isinstance(value, Rating):
                fill, ink = RATING_FILLS[value]
                _write(cell, value.label, size, bold=True, ink=ink)
                shade(cell, fill)
            else:
                _write(cell, cell_text(value), size)
    if sized:
        # The grid's widths for LibreOffice, which reads them; each cell's for Word.
        table.autofit = False
        for column, width in zip(table.columns, sized, strict=True):
            column.width = Emu(width)
        for number, cell in enumerate(cells):
            cell.width = Emu(sized[number % len(sized)])
    return table


def _narrow_padding(table: Table) -> None:
    """A millimetre each side of a cell's text (Word's default is nearly two), so narrow
    columns keep their words whole."""
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), "57")  # twentieths of a point
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    table._tbl.tblPr.append(margins)


def _column_widths(document: WordDocument, shares: Sequence[float] | None) -> list[int]:
    """Each column's width in EMU, from its share of the last section's text width."""
    if shares is None:
        return []
    section = document.sections[-1]
    room = int(section.page_width or 0) - int(section.left_margin or 0)
    room -= int(section.right_margin or 0)
    return [int(room * share) for share in shares]


def cell_text(value: object) -> str:
    """A value as a table cell shows it: dates in UK form, nothing for none."""
    if value is None:
        return ""
    if isinstance(value, Rating):
        return value.label
    if isinstance(value, dt.date):
        return format_date(value)
    return str(value)


def _write(
    cell: _Cell, text: str, size: Pt | None, *, bold: bool = False, ink: str | None = None
) -> None:
    """``text`` in ``cell``, a paragraph per line."""
    lines = text.splitlines() or [""]
    paragraph = cell.paragraphs[0]
    for number, line in enumerate(lines):
        if number:
            paragraph = cell.add_paragraph()
        run = paragraph.add_run(line)
        run.bold = bold
        if size is not None:
            run.font.size = size
        if ink is not None:
            run.font.color.rgb = RGBColor.from_string(ink)


def shade(cell: _Cell, fill: str) -> None:
    """Fill ``cell`` with the colour ``fill`` (hex, as "DDE3EA")."""
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def docx_bytes(document: WordDocument) -> bytes:
    """The document as bytes, to write atomically."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(doc: Document, today: dt.date) -> bytes:
    """The action plan as Word: the workbook's first sheet (its title, its note and every
    column) as a table on landscape pages, marked OFFICIAL-SENSITIVE like the workbook."""
    document = word_document("OFFICIAL-SENSITIVE", landscape=True)
    document.add_heading(plan_title(doc), level=1)
    document.add_paragraph(
        f"Exported from casereview on {format_date(today)}. Ratings are as of that day."
    ).runs[0].italic = True
    rows = list(plan_rows(doc, today))
    if not rows:
        document.add_paragraph("No recommendations recorded.")
        return docx_bytes(document)
    # The workbook's widths, but none so narrow that its heading breaks inside a word.
    widths = [
        max(width, PLAN_NARROWEST, PLAN_HEADING_LETTER * max(len(w) for w in title.split()))
        for title, width in PLAN_COLUMNS
    ]
    add_table(
        document,
        [title for title, _ in PLAN_COLUMNS],
        rows,
        widths=[width / sum(widths) for width in widths],
        size=Pt(7),
    )
    return docx_bytes(document)
