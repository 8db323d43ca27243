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
import itertools
import time
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from copy import copy as _copied
from typing import TYPE_CHECKING, Any, BinaryIO

from docx import Document as new_word_document
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Mm, Pt, RGBColor
from lxml import etree

from db.core.dates import format_date
from db.core.vocabulary import Rating
from db.exchange.spreadsheets.writing import (
    PLAN_COLUMNS,
    RATING_FILLS,
    plan_title,
    review_plan_rows,
    stream_plan_title,
)
from db.exchange.streaming import DocumentStream

if TYPE_CHECKING:
    from docx.document import Document as WordDocument
    from docx.section import Section
    from docx.table import Table, _Cell, _Row
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
    rows: Iterable[Sequence[object]],
    *,
    widths: Sequence[float] | None = None,
    size: Pt | None = None,
) -> Table:
    """A real table: a bold, shaded header row that repeats at the top of each page, then a
    row per item; a ``Rating`` is written as its word on its colour, a date as UK text.
    ``widths`` are fractions of the page's text width."""
    table, maker = _begin_table(document, headers, widths=widths, size=size)
    tbl = table._tbl
    for values in rows:
        tbl.append(maker.row(values))
    return table


def _begin_table(
    document: WordDocument,
    headers: Sequence[str],
    *,
    widths: Sequence[float] | None,
    size: Pt | None,
) -> tuple[Table, _RowMaker]:
    """``add_table``'s table with its header row alone, and what makes its other rows.

    python-docx's ``add_row`` and its cells search the whole table each time (10,000 rows
    took a minute, 100,000 did not end), so only the header row and one pattern row are
    made through it: each item's row is a copy of the pattern's XML with its text put in,
    the same XML ``add_row`` and ``_write`` made, added at the table's end."""
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
    pattern = table.add_row()  # type: ignore[no-untyped-call]  # (python-docx leaves it bare)
    pattern._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))  # a row on one page
    if sized:
        # The grid's widths for LibreOffice, which reads them; each cell's for Word.
        table.autofit = False
        for column, width in zip(table.columns, sized, strict=True):
            column.width = Emu(width)
        for row in (header, pattern):
            for cell, width in zip(row.cells, sized, strict=True):
                cell.width = Emu(width)
    maker = _RowMaker(pattern, size)
    table._tbl.remove(pattern._tr)
    return table, maker


class _RowMaker:
    """An item's row as XML: a copy of a pattern row (its cells' widths, a row kept on one
    page), each cell's text in runs copied from ones ``_write`` made, a rating's cell shaded
    as ``shade`` shades it. Copied with ``copy.copy``: lxml copies an element's children
    under it as under ``copy.deepcopy``, whose memo of copies made cost a third of the
    rows' time."""

    def __init__(self, pattern: _Row, size: Pt | None) -> None:
        self._tr = pattern._tr
        cell = pattern.cells[0]
        self._plain = self._run(cell, size, bold=False, ink=None)
        self._ratings = {
            rating: (self._run(cell, size, bold=True, ink=ink), _shading(fill))
            for rating, (fill, ink) in RATING_FILLS.items()
        }
        self._p = OxmlElement("w:p")
        self._t = OxmlElement("w:t")
        self._tab = OxmlElement("w:tab")

    @staticmethod
    def _run(cell: _Cell, size: Pt | None, *, bold: bool, ink: str | None) -> Any:
        """A run's element as ``_write`` formats it, without its text, taken out of ``cell``."""
        run = cell.paragraphs[0].add_run()
        run.bold = bold
        if size is not None:
            run.font.size = size
        if ink is not None:
            run.font.color.rgb = RGBColor.from_string(ink)
        r = run._r
        r.getparent().remove(r)
        return r

    def row(self, values: Sequence[object]) -> Any:
        tr = _copied(self._tr)
        cells = tr[1:]  # after the row's properties
        if len(cells) != len(values):
            raise ValueError(f"a row of {len(values)} values for {len(cells)} columns")
        for tc, value in zip(cells, values, strict=True):
            if isinstance(value, Rating):
                run, shading = self._ratings[value]
                text = value.label
                tc[0].append(_copied(shading))  # after the cell's width, as ``shade`` puts it
            else:
                run, text = self._plain, cell_text(value)
            paragraph = tc[-1]
            for number, line in enumerate(text.splitlines() or [""]):
                if number:
                    paragraph = _copied(self._p)
                    tc.append(paragraph)
                paragraph.append(self._with_text(run, line))
        return tr

    def serialised(self, rows: Iterable[Sequence[object]], batch: int = 500) -> Iterator[bytes]:
        """The rows' XML as it stands in the document's part, ``batch`` rows at a time, each
        batch let go once serialised."""
        rows = iter(rows)
        while True:
            holder = OxmlElement("w:tbl")  # declares the one namespace the rows use
            for values in itertools.islice(rows, batch):
                holder.append(self.row(values))
            if not len(holder):
                return
            xml = etree.tostring(holder, encoding="UTF-8", xml_declaration=False)
            yield xml[xml.index(b">") + 1 : -len(b"</w:tbl>")]

    def _with_text(self, run: Any, line: str) -> Any:
        """A copy of ``run`` holding ``line`` as python-docx's ``Run.text`` writes it: a
        ``w:t`` for each stretch of text (its spaces kept when it starts or ends with one), a
        ``w:tab`` for each tab."""
        r = _copied(run)
        for number, part in enumerate(line.split("\t")):
            if number:
                r.append(_copied(self._tab))
            if part:
                t = _copied(self._t)
                t.text = part
                if len(part.strip()) < len(part):
                    t.set(_PRESERVE, "preserve")
                r.append(t)
        return r


_PRESERVE = qn("xml:space")


def _shading(fill: str) -> Any:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    return shading


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
    cell._tc.get_or_add_tcPr().append(_shading(fill))


def docx_bytes(document: WordDocument) -> bytes:
    """The document as bytes, to write atomically."""
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(doc: Document, today: dt.date) -> bytes:
    """The action plan as Word: the workbook's first sheet (its title, its note and every
    column) as a table on landscape pages, marked OFFICIAL-SENSITIVE like the workbook."""
    buffer = io.BytesIO()
    stream_docx(DocumentStream.of(doc), today, buffer, title=plan_title(doc))
    return buffer.getvalue()


def stream_docx(
    stream: DocumentStream, today: dt.date, out: BinaryIO, *, title: str | None = None
) -> None:
    """Write the action plan as Word to ``out``, its rows read from the stream a review at a
    time and written into the file as they are made, so its memory does not grow with the
    items. ``title`` is the plan's, by default worked out from the stream as the workbook's
    is.

    python-docx builds a document whole in memory before it saves it (some 40 kB of XML
    nodes a row of the plan: 520 MB at 10,000 items, about 4 GB at 100,000). So the
    document is laid out with its table's header row alone and a mark where the rows go,
    saved, and its parts copied into ``out`` with the rows' XML written, a batch at a time,
    in the mark's place: the same parts, and the same XML, as the rows added in memory
    give."""
    document = word_document("OFFICIAL-SENSITIVE", landscape=True)
    document.add_heading(title or stream_plan_title(stream), level=1)
    document.add_paragraph(
        f"Exported from casereview on {format_date(today)}. Ratings are as of that day."
    ).runs[0].italic = True
    rows = (row for review in stream.reviews for row in review_plan_rows(review, today))
    first = next(rows, None)
    if first is None:
        document.add_paragraph("No recommendations recorded.")
        document.save(out)
        return
    # The workbook's widths, but none so narrow that its heading breaks inside a word.
    widths = [
        max(width, PLAN_NARROWEST, PLAN_HEADING_LETTER * max(len(w) for w in heading.split()))
        for heading, width in PLAN_COLUMNS
    ]
    table, maker = _begin_table(
        document,
        [heading for heading, _ in PLAN_COLUMNS],
        widths=[width / sum(widths) for width in widths],
        size=Pt(7),
    )
    table._tbl.append(etree.Comment(_ROWS_GO_HERE))
    laid_out = io.BytesIO()
    document.save(laid_out)
    with (
        zipfile.ZipFile(laid_out) as parts,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package,
    ):
        for name in parts.namelist():  # in python-docx's order, compressed as it does
            if name != _BODY:
                package.writestr(name, parts.read(name))
                continue
            before, after = parts.read(name).split(_ROWS_MARK)
            part = zipfile.ZipInfo(name, date_time=time.localtime(time.time())[:6])
            part.compress_type, part.external_attr = zipfile.ZIP_DEFLATED, 0o600 << 16  # as
            large = stream.items >= ZIP64_FROM
            with package.open(part, "w", force_zip64=large) as body:  # ``writestr`` makes them
                body.write(before)
                for xml in maker.serialised(itertools.chain([first], rows)):
                    body.write(xml)
                body.write(after)


_BODY = "word/document.xml"
# Items from which the body is written with the zip's 64-bit sizes, which zipfile must be
# told of before it writes a part: without them a part stops at 2 GiB, which the body, some
# 2.9 kB of XML an item, reaches at about 740,000 (python-docx, Word and LibreOffice read
# either; smaller plans keep the 32-bit sizes every reader knows).
ZIP64_FROM = 400_000
# A comment cannot come from the text: a "<" in any text is written as "&lt;".
_ROWS_GO_HERE = " casereview: the table's rows "
_ROWS_MARK = f"<!--{_ROWS_GO_HERE}-->".encode()
