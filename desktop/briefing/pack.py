"""Render a ``db.queries.briefing_content.Pack`` to PDF bytes.

A4, the protective marking at the top and bottom of every page, "Page X of Y", an embedded
TrueType font (no base-14 fonts), ratings always as words (with a shade that survives
greyscale printing), repeated table headers, and headings kept with what follows. The
recommendation tables are ``Grid`` flowables (``desktop.briefing.grid``), which split between
rows by arithmetic and draw a page's text in one text object, so cost grows linearly with the
number of recommendations.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Iterable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import escape

from reportlab.graphics.shapes import Drawing, Rect, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

import resources
from db.core.dates import format_date
from db.core.vocabulary import Rating
from db.queries.briefing_content import Pack, PackInspection, PackItem, PackReview
from desktop import __version__
from desktop.briefing.facts import (
    ITEM_HEADERS,
    NOTHING_TO_REPORT,
    RATING_ORDER,
    THEME_YEARS,
    change_number,
    cover_lines,
    due_sentences,
    inspection_facts,
    item_number,
    lead_agency_tallies,
    provenance,
    repeat_outcome,
    review_facts,
    review_tallies,
    status_word,
)
from desktop.briefing.grid import Grid, Look, Row
from desktop.briefing.scripts import visual
from resources.palette import RATINGS

if TYPE_CHECKING:
    from reportlab.lib.colors import Color

    from db.queries.details import GradeMatrix

DEFAULT_MARKING = "OFFICIAL-SENSITIVE"
FONT, BOLD, ITALIC = "CaseReviewSans", "CaseReviewSans-Bold", "CaseReviewSans-Oblique"
MARGIN = 18 * mm
CELL_SIZE = 7.6
TABLE_TEXT_LIMIT = 220
INK = colors.HexColor("#1a1a1a")
RULE = colors.HexColor("#9a9a9a")
HEADER_FILL = colors.HexColor("#e6e6e6")
DOTS = colors.HexColor("#888888")  # the contents' leaders
FOOTER_INK = colors.HexColor("#444444")
BODY_HEIGHT = A4[1] - 2 * (MARGIN + 6 * mm) - 12  # the page's frame, less its own padding
GRID_LOOK = Look(FONT, BOLD, CELL_SIZE, CELL_SIZE * 1.24, INK, RULE, HEADER_FILL)
# The window's own rating colours (resources.palette): the word, dark on a light tint; the
# word is always printed, so the rating reads in greyscale too.
RATING_STYLE = {
    rating: (
        colors.HexColor(RATINGS[rating.value].tint),
        colors.HexColor(RATINGS[rating.value].ink),
    )
    for rating in Rating
}


def register_fonts() -> None:
    if FONT in pdfmetrics.getRegisteredFontNames():
        return
    pdfmetrics.registerFont(TTFont(FONT, str(resources.path("fonts", "DejaVuSans.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(resources.path("fonts", "DejaVuSans-Bold.ttf"))))
    pdfmetrics.registerFont(TTFont(ITALIC, str(resources.path("fonts", "DejaVuSans-Oblique.ttf"))))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=ITALIC, boldItalic=BOLD)


# The paragraph styles: built once, as none depends on the pack (ParagraphStyle holds only a
# font's name, so they need no registered font).
_BASE = ParagraphStyle("body", fontName=FONT, fontSize=9.5, leading=12.5, textColor=INK)


def _heading_style(
    name: str, size: float, leading: float, *, space_before: float, space_after: float
) -> ParagraphStyle:
    """A bold heading, kept with what follows it."""
    return ParagraphStyle(
        name,
        parent=_BASE,
        fontName=BOLD,
        fontSize=size,
        leading=leading,
        spaceBefore=space_before,
        spaceAfter=space_after,
        keepWithNext=1,
    )


STYLES: dict[str, ParagraphStyle] = {
    "body": _BASE,
    "small": ParagraphStyle("small", parent=_BASE, fontSize=8, leading=10),
    "cell": ParagraphStyle("cell", parent=_BASE, fontSize=7.6, leading=9.4),
    "cellbold": ParagraphStyle("cellbold", parent=_BASE, fontName=BOLD, fontSize=7.6, leading=9.4),
    "title": ParagraphStyle(
        "title", parent=_BASE, fontName=BOLD, fontSize=24, leading=30, spaceAfter=8 * mm
    ),
    "cover": ParagraphStyle("cover", parent=_BASE, fontSize=12, leading=18),
    "h1": _heading_style("h1", 15, 19, space_before=6, space_after=6),
    "h2": _heading_style("h2", 11.5, 15, space_before=8, space_after=4),
    "h3": _heading_style("h3", 10, 13, space_before=6, space_after=3),
}


def para(text: str, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(visual(text)), style)


CELL_PADDING = 3  # points each side of a cell's text (TABLE_STYLE)


def reference_para(text: str, style: ParagraphStyle, column: float) -> Paragraph:
    """A reference ("FICTIONAL-CP-INSPECTION-2") in a table column ``column`` points wide,
    its lines broken after its hyphens. ReportLab breaks a line only at a space (a zero-width
    space too only in text holding a no-break space) and cut "FICTIONAL-CP-INSPECT / ION-2"
    mid-word (found by a new user), so the lines are made here; a part longer than a line
    is still cut by ReportLab."""
    room = column - 2 * CELL_PADDING
    lines: list[str] = []
    for part in visual(text).replace("-", "-\n").split("\n"):
        joined = (lines[-1] if lines else "") + part
        if lines and pdfmetrics.stringWidth(joined, style.fontName, style.fontSize) <= room:
            lines[-1] = joined
        elif part:
            lines.append(part)
    return Paragraph("<br/>".join(escape(line) for line in lines), style)


class _Heading(Paragraph):
    """A heading that goes into the contents and the PDF outline."""

    def __init__(self, text: str, style: ParagraphStyle, level: int, key: str) -> None:
        super().__init__(escape(visual(text)), style)
        # The contents page is drawn by the canvas (visual order); a PDF viewer lays out the
        # outline's bookmarks itself, so they keep the text as written.
        self.toc_text, self.toc_level, self.toc_key = visual(text), level, key
        self.outline_text = text


class _Document(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, pack: Pack) -> None:
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + 6 * mm,
            bottomMargin=MARGIN + 6 * mm,
            title=pack.title,
            subject=f"Briefing pack, data as of {format_date(pack.as_of)}",
            author=pack.prepared_by,
            creator=f"casereview {__version__}",
            producer=f"casereview {__version__}",
            keywords=[pack.marking],
        )
        frame = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body")
        self.addPageTemplates([PageTemplate(id="page", frames=[frame])])
        self.entries: list[tuple[int, str, int, str]] = []
        self.contents_pages = 0  # set by render_pack, which leaves that many pages blank

    def afterFlowable(self, flowable: Flowable) -> None:
        if isinstance(flowable, _Heading):
            self.canv.bookmarkPage(flowable.toc_key)
            self.canv.addOutlineEntry(flowable.outline_text, flowable.toc_key, flowable.toc_level)
            self.entries.append(
                (flowable.toc_level, flowable.toc_text, self.page, flowable.toc_key)
            )


CONTENTS_FIRST_PAGE = 2
CONTENTS_LINES_PER_PAGE = 46  # from the top of the frame to its foot, above the footer rule
CONTENTS_TITLE_LINES = 2  # "Contents" and the space below it, on the first contents page
CONTENTS_LEADING = 15


def _contents_pages(entries: int) -> int:
    return max(1, -(-(entries + CONTENTS_TITLE_LINES) // CONTENTS_LINES_PER_PAGE))


def _contents_slice(index: int) -> slice:
    """The entries on the contents page ``index`` (0 for the first): the first page holds
    fewer, as its title takes lines of its own."""
    start = index * CONTENTS_LINES_PER_PAGE - CONTENTS_TITLE_LINES
    return slice(max(start, 0), start + CONTENTS_LINES_PER_PAGE)


# The canvas keeps each page's state until the number of pages is known (see NumberedCanvas).
# These attributes belong to the whole document, not to a page: restoring a page's copy would
# wind them back. ReportLab names every link annotation "NUMBER<n>" from _annotationCount, so a
# count wound back names a second link as an earlier one ("redefining named object").
_DOCUMENT_STATE = frozenset(
    {"_annotationCount", "_doc", "_destinations", "_outlines", "_namedCB", "_codeStack", "_pages"}
)


ContentsEntry = tuple[int, str, int, str]  # level, text as drawn, page, bookmark key


class NumberedCanvas(Canvas):
    """Draws the contents, the marking and "Page X of Y" once the number of pages is known.

    As in ReportLab's "page X of Y" recipe (pretix's ``NumberedCanvas`` is one), each page's
    state is kept until ``save``. ReportLab makes the canvas itself, passing only the file and
    the page settings, so what the canvas needs from the pack is bound as keywords with
    ``functools.partial`` (``_canvas_maker``)."""

    def __init__(
        self,
        *args: Any,
        marking: str,
        title: str,
        entries: Sequence[ContentsEntry] = (),
        contents_pages: int = 0,
        **kwargs: Any,
    ) -> None:
        # Without this the canvas starts every page in Helvetica, a base-14 font.
        kwargs["initialFontName"] = FONT
        super().__init__(*args, **kwargs)
        self._marking = marking
        self._footer_title = visual(title[:90])
        # The document's list, filled as it lays out the pack: read only in save.
        self._entries = entries
        self._contents_pages = contents_pages
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:
        page = {k: v for k, v in self.__dict__.items() if k not in _DOCUMENT_STATE}
        self._pages.append(page)
        self._startPage()  # type: ignore[attr-defined]  # as ReportLab's own page reset

    def save(self) -> None:
        # The contents pages were left blank: only now, after one pass over the whole
        # pack, are the headings' page numbers known. Writing them here saves the second
        # layout pass a TableOfContents flowable would need.
        total = len(self._pages)
        for state in self._pages:
            self.__dict__.update(state)
            self._contents()
            self._decorate(total)
            super().showPage()
        super().save()

    def _contents(self) -> None:
        """This page's share of the contents, if it is one of the pages left for them."""
        entries = self._entries
        if not entries:
            return
        first = CONTENTS_FIRST_PAGE
        # The pages left blank for the contents must be the pages the contents fill.
        assert _contents_pages(len(entries)) == self._contents_pages, len(entries)
        last = first + self._contents_pages - 1
        this_page = self.getPageNumber()
        if not first <= this_page <= last:
            return
        top = A4[1] - MARGIN - 6 * mm - 20
        self.saveState()
        self.setFillColor(INK)
        if this_page == first:
            self.setFont(BOLD, 15)
            self.drawString(MARGIN, top, "Contents")
            top -= 2 * CONTENTS_LEADING
        for entry in entries[_contents_slice(this_page - first)]:
            self._contents_line(entry, top)
            top -= CONTENTS_LEADING
        self.restoreState()

    def _contents_line(self, entry: ContentsEntry, top: float) -> None:
        """A heading's line: its text (shortened to fit), dots, its page, and a link to it."""
        level, text, page, key = entry
        right = A4[0] - MARGIN
        indent = MARGIN + 12 * level
        size = 10.5 if level == 0 else 9
        font = BOLD if level == 0 else FONT
        number = str(page)
        number_width = pdfmetrics.stringWidth(number, FONT, size)
        shown = _fitted(text, font, size, right - indent - number_width - 16)
        self.setFont(font, size)
        self.drawString(indent, top, shown)
        end = indent + pdfmetrics.stringWidth(shown, font, size) + 4
        self.setFont(FONT, size)
        self.drawRightString(right, top, number)
        dots = right - number_width - 4
        self.setFillColor(DOTS)
        dot_width = pdfmetrics.stringWidth(" .", FONT, size)
        count = max(0, int((dots - end) / dot_width))
        self.drawRightString(dots, top, " ." * count)
        self.setFillColor(INK)
        self.linkRect("", key, (indent, top - 3, right, top + size), relative=0)

    def _decorate(self, total: int) -> None:
        """The marking at the top and foot, the pack's title and "Page X of Y" over a rule."""
        width, height = A4
        self.saveState()
        if self._marking:
            self.setFont(BOLD, 9)
            self.drawCentredString(width / 2, height - 11 * mm, self._marking)
            self.drawCentredString(width / 2, 8 * mm, self._marking)
        self.setFont(FONT, 8)
        self.setFillColor(FOOTER_INK)
        self.drawString(MARGIN, 14 * mm, self._footer_title)
        self.drawRightString(width - MARGIN, 14 * mm, f"Page {self.getPageNumber()} of {total}")
        self.setStrokeColor(RULE)
        self.setLineWidth(0.4)
        self.line(MARGIN, 17.5 * mm, width - MARGIN, 17.5 * mm)
        self.restoreState()


def _fitted(text: str, font: str, size: float, room: float) -> str:
    """``text`` shortened, with an ellipsis, to fit in ``room`` points."""
    shown = text
    while pdfmetrics.stringWidth(shown, font, size) > room and len(shown) > 4:
        shown = shown[:-2]
    if shown != text:
        shown = shown.rstrip() + "…"
    return shown


def _canvas_maker(pack: Pack, document: _Document | None = None) -> partial[NumberedCanvas]:
    """The ``canvasmaker`` for ``document.build``: a ``NumberedCanvas`` for this pack, with
    the contents of ``document`` (none for a pack with nothing to report)."""
    if document is None:
        return partial(NumberedCanvas, marking=pack.marking, title=pack.title)
    return partial(
        NumberedCanvas,
        marking=pack.marking,
        title=pack.title,
        entries=document.entries,
        contents_pages=document.contents_pages,
    )


# Every table's look; only their columns and rows differ.
TABLE_STYLE = TableStyle(
    [
        ("FONT", (0, 0), (-1, -1), FONT, CELL_SIZE),
        ("LEADING", (0, 0), (-1, -1), CELL_SIZE * 1.24),
        ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
        ("GRID", (0, 0), (-1, -1), 0.3, RULE),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PADDING),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PADDING),
    ]
)


def plain_table(rows: list[list[Any]], widths: list[float]) -> Table:
    # A row taller than a page (a long note) splits across pages rather than stopping the
    # document (ReportLab raises LayoutError for a row it cannot place).
    table = Table(rows, colWidths=widths, repeatRows=1, hAlign="LEFT", splitInRow=1)
    table.setStyle(TABLE_STYLE)
    return table


def _chunks(rows: list[Any], size: int) -> Iterable[list[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


# The table's style without its heading row's fill: for rows that go on below a heading.
_BODY_STYLE = TableStyle([c for c in TABLE_STYLE.getCommands() if c[0] != "BACKGROUND"])

CHUNK_ROWS = 30  # ReportLab splits a long table in time growing with the square of its rows


def long_table(header: list[Any], rows: list[Any], widths: list[float]) -> list[Flowable]:
    """One table of any length, made of tables of ``CHUNK_ROWS`` rows each so that its time
    stays linear (one table of 3,000 rows took 85 s, against 2 s in chunks), yet read as one:
    its heading row at its start and at the top of each page it runs on to, and nowhere
    else (a trial's pack repeated the heading part-way down a page at every chunk)."""
    return [
        _Rows(header, chunk, widths, first=n == 0)
        for n, chunk in enumerate(_chunks(rows, CHUNK_ROWS))
    ]


class _Rows(Flowable):
    """Rows of a ``long_table``: headed when they begin it or the top of a page, and each
    part of them carried over to a new page headed there."""

    def __init__(self, header: list[Any], rows: list[Any], widths: list[float], first: bool):
        super().__init__()
        self.header, self.rows, self.widths, self.first = header, rows, widths, first
        self.hAlign = "LEFT"
        self._made: tuple[bool, Table] | None = None

    def _table(self) -> Table:
        headed = self.first or bool(getattr(getattr(self, "_frame", None), "_atTop", True))
        if self._made is None or self._made[0] != headed:
            if headed:
                table = plain_table([self.header, *self.rows], self.widths)
            else:
                table = Table(self.rows, colWidths=self.widths, hAlign="LEFT", splitInRow=1)
                table.setStyle(_BODY_STYLE)
            self._made = (headed, table)
        return self._made[1]

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        self.width, self.height = self._table().wrap(availWidth, availHeight)
        return self.width, self.height

    def split(self, availWidth: float, availHeight: float) -> list[Flowable]:
        table = self._table()
        parts: list[Flowable] = table.split(availWidth, availHeight)
        if len(parts) < 2:
            return parts
        # The rows carried on are headed where they land at the top of a page, and only there
        # (a row split in two may go on in the space left on this one).
        skip = 1 if self._made is not None and self._made[0] else 0  # the heading repeated
        carried = [row for part in parts[1:] for row in part._cellvalues[skip:]]  # type: ignore[attr-defined]
        return [parts[0], _Rows(self.header, carried, self.widths, first=False)]

    def draw(self) -> None:
        self._table().drawOn(self.canv, 0, 0)


def _short(text: str | None, limit: int = TABLE_TEXT_LIMIT) -> tuple[str, bool]:
    if text is None:
        return "(text not yet entered)", False
    if len(text) <= limit:
        return text, False
    return text[: limit - 1].rsplit(" ", 1)[0] + "… (full text in the appendix)", True


def _items_grid(items: list[PackItem], width: float, text_heading: str = "Recommendation") -> Grid:
    """The table of recommendations (or findings): one row each."""
    header = [ITEM_HEADERS[0], text_heading, *ITEM_HEADERS[1:]]
    # The target column is wide enough for "September" on a line of its own.
    fractions = [0.05, 0.23, 0.125, 0.125, 0.105, 0.12, 0.08, 0.165]
    widths = [width * f for f in fractions]
    # Agencies, dates, statuses and ratings repeat from row to row: each is wrapped once.
    # (The free text, the number and the latest update are each wrapped where they stand.)
    repeating = {2, 3, 4, 5, 6}
    wrapped: dict[tuple[str, int], list[str]] = {}

    def wrap(cell: str, column: int) -> list[str]:
        if column not in repeating:
            return _wrap(cell, widths[column])
        key = (cell, column)
        if key not in wrapped:
            wrapped[key] = _wrap(cell, widths[column])
        return wrapped[key]

    rows = []
    for item in items:
        text, _ = _short(item.text)
        cells = [
            item_number(item),
            text,
            item.lead,
            item.joint,
            format_date(item.target_date),
            status_word(item),
            item.rating.label if item.rating else "Noted",
            item.latest_update,
        ]
        marked: dict[int, tuple[Color | None, Color, bool]] | None = None
        if item.rating is not None:
            fill, ink = RATING_STYLE[item.rating]
            marked = {6: (fill, ink, True)}
        rows.append(Row([wrap(cell, column) for column, cell in enumerate(cells)], marked))
    return Grid([[visual(h)] for h in header], rows, widths, GRID_LOOK, page_height=BODY_HEIGHT)


def _heading_over(heading: Paragraph, grid: Grid, width: float) -> list[Any]:
    """A heading kept with the first rows of the grid below it. (Kept with the whole grid, as
    ``keepWithNext`` would, a grid longer than the room left would take it to a new page.)"""
    heading.keepWithNext = 0
    _, height = heading.wrap(width, A4[1])
    room = (
        heading.getSpaceBefore()
        + height
        + heading.getSpaceAfter()
        + grid.header_height
        + sum(grid.heights[:2])
    )
    return [CondPageBreak(room), heading]


def _wrap(text: str, width: float) -> list[str]:
    """A cell's text broken into lines that fit its column (no hyphenation, like Excel)."""
    if not text:
        return []
    room = width - 6  # the cell's left and right padding
    lines: list[str] = []
    for paragraph in text.splitlines() or [""]:
        lines += _split(paragraph, room) or [""]
    # A single word wider than the column is broken by letters rather than overflowing it.
    # (simpleSplit puts words together on a line only when they fit: only a line of one
    # word can be too wide.)
    fitted: list[str] = []
    for line in lines:
        if " " in line:
            fitted.append(line)
            continue
        rest = line
        while _word_width(rest) > room and len(rest) > 1:
            cut = len(rest) - 1
            while cut > 1 and pdfmetrics.stringWidth(rest[:cut], FONT, CELL_SIZE) > room:
                cut -= 1
            fitted.append(rest[:cut])
            rest = rest[cut:]
        fitted.append(rest)
    return [visual(line) for line in fitted]


@functools.lru_cache(maxsize=1 << 16)
def _word_width(word: str) -> float:
    """A word's width in a cell. Words repeat across a pack's cells far more than the texts
    do, so each is measured once (a cache of 65,536 words, far more than a pack's)."""
    return pdfmetrics.stringWidth(word, FONT, CELL_SIZE)


def _split(text: str, room: float) -> list[str]:
    """ReportLab's ``simpleSplit`` of one paragraph, line for line, measuring each word once
    (``_word_width``) rather than each time it is met: the words of a line are put together
    while they fit, and a word that fits on no line has one of its own."""
    space = _word_width(" ")
    lines: list[str] = []
    words: list[str] = []
    used = -space
    for word in text.split():
        size = _word_width(word)
        if used + space + size <= room or not words:
            words.append(word)
            used = used + space + size
        else:
            lines.append(" ".join(words))
            words = [word]
            used = size
    if words:
        lines.append(" ".join(words))
    return lines


def _summary(pack: Pack, width: float) -> list[Any]:
    """Counts by rating per review and per lead agency, then what is overdue or falls due."""
    widths = [width * 0.46, *[width * 0.09] * 5]
    widths.append(width - sum(widths))
    return [
        _Heading("Summary", STYLES["h1"], 0, "summary"),
        *_by_review(pack, widths),
        *_by_lead_agency(pack, widths),
        *_due(pack),
    ]


def _tally_header(first: str) -> list[Any]:
    return [para(h, STYLES["cellbold"]) for h in (first, *[r.label for r in RATING_ORDER], "Total")]


def _tally_row(name: str, tally: dict[Rating, int]) -> list[Any]:
    return [
        para(name, STYLES["cell"]),
        *[str(tally[r]) for r in RATING_ORDER],
        str(sum(tally.values())),
    ]


def _by_review(pack: Pack, widths: list[float]) -> list[Any]:
    if not pack.reviews:
        return []
    rows = [_tally_header("Review")]
    rows += [_tally_row(reference, tally) for reference, tally in review_tallies(pack)]
    return [
        para("Recommendations by rating, per review", STYLES["h3"]),
        plain_table(rows, widths),
        Spacer(0, 4 * mm),
    ]


def _by_lead_agency(pack: Pack, widths: list[float]) -> list[Any]:
    """See ``lead_agency_tallies``."""
    ranked = lead_agency_tallies(pack)
    if not ranked:
        return []
    rows = [_tally_row(name, tally) for name, tally in ranked]
    return [
        para("Recommendations by rating, per lead agency", STYLES["h3"]),
        *long_table(_tally_header("Lead agency"), rows, widths),
        Spacer(0, 4 * mm),
    ]


def _due(pack: Pack) -> list[Any]:
    """See ``due_sentences``."""
    return [para(sentence, STYLES["body"]) for sentence in due_sentences(pack)]


def _review_section(review: PackReview, width: float) -> list[Any]:
    story: list[Any] = [
        _Heading(
            f"{review.reference}: {review.title}", STYLES["h1"], 1, f"review-{review.reference}"
        ),
        para(review_facts(review), STYLES["small"]),
        Spacer(0, 2 * mm),
    ]
    if review.summary:
        story += [para(review.summary, STYLES["body"]), Spacer(0, 3 * mm)]
    if review.items:
        story += [_items_grid(review.items, width), Spacer(0, 3 * mm)]
    else:
        story.append(para("No recommendations recorded.", STYLES["body"]))
    return story


def _inspection_section(inspection: PackInspection, width: float) -> list[Any]:
    """An inspection: its heading and facts, graded areas, grades over time, findings and
    initiatives, each when it has any."""
    story: list[Any] = [
        _Heading(
            f"{inspection.reference}: {inspection.title}",
            STYLES["h1"],
            1,
            f"inspection-{inspection.reference}",
        ),
        para(inspection_facts(inspection), STYLES["small"]),
        Spacer(0, 2 * mm),
    ]
    if inspection.areas:
        # The inspection's heading, its chart and grades table are short: they stay on one
        # page together, so a heading is never left alone at the foot of a page.
        story = [KeepTogether([*story, *_graded_areas(inspection, width)]), Spacer(0, 3 * mm)]
    story += _grades_over_time(inspection.matrix, width)
    story += _findings(inspection, width)
    story += _initiatives(inspection)
    return story


def _graded_areas(inspection: PackInspection, width: float) -> list[Any]:
    """The chart of grades, and the table of them."""
    rows: list[list[Any]] = [
        [para("Graded area", STYLES["cellbold"]), para("Grade", STYLES["cellbold"])]
    ]
    for area in inspection.areas:
        rows.append(
            [
                para(area.name, STYLES["cell"]),
                Paragraph(f"<b>{escape(area.grade or 'Not graded')}</b>", STYLES["cell"]),
            ]
        )
    return [
        para("Graded areas", STYLES["h2"]),
        _grade_chart(inspection, width),
        Spacer(0, 2 * mm),
        plain_table(rows, [width * 0.7, width * 0.3]),
    ]


def _grades_over_time(matrix: GradeMatrix, width: float) -> list[Any]:
    """The organisation's grades area by area, one column per inspection, when there is
    more than one inspection to compare."""
    if len(matrix.inspections) <= 1:
        return []
    header = [para("Area", STYLES["cellbold"])] + [
        para(format_date(i.published_on, i.reference), STYLES["cellbold"])
        for i in matrix.inspections
    ]
    rows = [header]
    for area_name in matrix.areas:
        cells = [matrix.cells.get((area_name, i.id)) for i in matrix.inspections]
        rows.append(
            [para(area_name, STYLES["cell"])]
            + [para(c[0] if c else "—", STYLES["cell"]) for c in cells]
        )
    first = width * 0.4
    rest = (width - first) / len(matrix.inspections)
    return [
        para(f"Grades over time: {matrix.organisation}", STYLES["h2"]),
        plain_table(rows, [first] + [rest] * len(matrix.inspections)),
        Spacer(0, 3 * mm),
    ]


def _findings(inspection: PackInspection, width: float) -> list[Any]:
    if not inspection.findings:
        return []
    grid = _items_grid(inspection.findings, width, "Finding")
    return [*_heading_over(para("Findings", STYLES["h2"]), grid, width), grid, Spacer(0, 3 * mm)]


def _initiatives(inspection: PackInspection) -> list[Any]:
    if not inspection.initiatives:
        return []
    story: list[Any] = [para("Initiatives noted", STYLES["h2"])]
    for name, description in inspection.initiatives:
        story.append(Paragraph(f"<b>{escape(name)}</b>: {escape(description)}", STYLES["body"]))
    return story


GRADE_SHADES = ("#3d3d3d", "#6e6e6e", "#a0a0a0", "#cfcfcf")  # best to worst, greyscale-safe


def _grade_chart(inspection: PackInspection, width: float) -> Drawing:
    """A bar per graded area: the better the grade, the longer and darker the bar; the grade
    is always written beside it, so the chart reads in black and white."""
    row, label_width = 15, width * 0.42
    bars = [a for a in inspection.areas if a.grade is not None and a.grade_position is not None]
    # The renderer otherwise starts in Helvetica, a base-14 font.
    drawing = Drawing(width, row * max(len(bars), 1) + 4, initialFontName=FONT, initialFontSize=7.4)
    room = width - label_width - 110
    for n, area in enumerate(bars):
        y = drawing.height - (n + 1) * row
        count = max(area.grade_count, 1)
        assert area.grade_position is not None
        share = (count - area.grade_position + 1) / count
        tier = min(3, int((area.grade_position - 1) / max(count - 1, 1) * 3.999))
        name = area.name
        while pdfmetrics.stringWidth(name, FONT, 7.4) > label_width - 8 and len(name) > 4:
            name = name[:-2].rstrip() + "…"
        drawing.add(String(0, y + 3, visual(name), fontName=FONT, fontSize=7.4, fillColor=INK))
        drawing.add(
            Rect(
                label_width,
                y + 1,
                max(room * share, 2),
                row - 5,
                # The stubs type Rect's keywords as one argument (a typeshed slip).
                fillColor=colors.HexColor(GRADE_SHADES[tier]),  # type: ignore[arg-type]
                strokeColor=None,  # type: ignore[arg-type]
            )
        )
        drawing.add(
            String(
                label_width + room * share + 4,
                y + 3,
                area.grade or "",
                fontName=BOLD,
                fontSize=7.4,
                fillColor=INK,
            )
        )
    return drawing


def render_pack(pack: Pack) -> bytes:
    """The pack as PDF bytes."""
    register_fonts()
    buffer = io.BytesIO()
    document = _Document(buffer, pack)
    story = _cover(pack)
    if pack.is_empty:
        story += [*_nothing_to_report(), *_provenance(pack)]
        document.build(story, canvasmaker=_canvas_maker(pack))
        return buffer.getvalue()
    long_texts = _long_texts(pack)
    # Blank pages for the contents, filled in by the canvas once page numbers are known.
    document.contents_pages = _contents_pages(_heading_count(pack, long_texts))
    for _ in range(document.contents_pages):
        story += [Spacer(0, 1), PageBreak()]
    width = document.width
    story += _summary(pack, width)
    story += _changes(pack, width)
    story += _repeated(pack, width)
    story += _themes(pack, width)
    story += _part("Reviews", "reviews", [_review_section(r, width) for r in pack.reviews])
    story += _part(
        "Inspections", "inspections", [_inspection_section(i, width) for i in pack.inspections]
    )
    story += _appendix(long_texts)
    story += _provenance(pack)
    document.build(story, canvasmaker=_canvas_maker(pack, document))
    return buffer.getvalue()


def _cover(pack: Pack) -> list[Any]:
    """The first page: the title, the meeting, the data's date, who prepared it, the marking."""
    return [
        Spacer(0, 40 * mm),
        para(pack.title, STYLES["title"]),
        *[para(line, STYLES["cover"]) for line in cover_lines(pack)],
        Spacer(0, 10 * mm),
        para(pack.marking or "No protective marking", STYLES["cover"]),
        PageBreak(),
    ]


def _nothing_to_report() -> list[Any]:
    return [
        _Heading("Nothing to report", STYLES["h1"], 0, "empty"),
        para(NOTHING_TO_REPORT, STYLES["body"]),
    ]


def _long_texts(pack: Pack) -> list[tuple[str, PackItem]]:
    """The recommendations and findings too long for their table, with their source's
    reference: the appendix prints them in full."""
    long_texts = [(r.reference, i) for r in pack.reviews for i in r.items if _short(i.text)[1]]
    long_texts += [
        (ins.reference, f) for ins in pack.inspections for f in ins.findings if _short(f.text)[1]
    ]
    return long_texts


def _heading_count(pack: Pack, long_texts: list[tuple[str, PackItem]]) -> int:
    """The contents' entries: one for each _Heading in the story (the summary, the changes,
    reviews and inspections with a heading over each kind, the appendix)."""
    headings = 1 + int(pack.since is not None) + int(bool(long_texts)) + int(bool(pack.repeats))
    headings += int(pack.themes is not None and not pack.themes.is_empty)
    headings += len(pack.reviews) + int(bool(pack.reviews))
    headings += len(pack.inspections) + int(bool(pack.inspections))
    return headings


def _changes(pack: Pack, width: float) -> list[Any]:
    """The updates recorded since ``pack.since``, when the pack asks for them."""
    if pack.since is None:
        return []
    story: list[Any] = [
        _Heading(f"Changes since {format_date(pack.since)}", STYLES["h1"], 0, "changes")
    ]
    if not pack.changes:
        story.append(para("No updates were recorded in this period.", STYLES["body"]))
        return story
    header = [para(h, STYLES["cellbold"]) for h in ("Date", "Source", "No.", "Change")]
    widths = [width * 0.16, width * 0.22, width * 0.07, width * 0.55]
    rows = [
        [
            para(format_date(c.on), STYLES["cell"]),
            reference_para(c.source, STYLES["cell"], widths[1]),
            para(change_number(c), STYLES["cell"]),
            para(c.what, STYLES["cell"]),
        ]
        for c in pack.changes
    ]
    story += long_table(header, rows, widths)
    return story


def _repeated(pack: Pack, width: float) -> list[Any]:
    """Repeated learning (issue 25): the items a person confirmed repeat earlier learning,
    earlier items closed whose learning has come again first; none, no section."""
    if not pack.repeats:
        return []
    recurred = sum(r.recurred for r in pack.repeats)
    said = (
        f"{len(pack.repeats)} confirmed repeat{'s' if len(pack.repeats) != 1 else ''} of "
        "earlier learning"
        + (f"; {recurred} of the earlier items had been closed, and the learning has come "
           "again" if recurred else "")
        + "."
    )  # fmt: skip
    story: list[Any] = [
        _Heading("Repeated learning", STYLES["h1"], 0, "repeats"),
        para(said, STYLES["body"]),
    ]
    header = [para(h, STYLES["cellbold"]) for h in ("Item", "Repeats", "What became of it")]
    widths = [width * 0.3, width * 0.3, width * 0.4]
    rows = [
        [
            para(f"{r.source} {r.number}", STYLES["cell"]),
            para(f"{r.earlier_source} {r.earlier_number}", STYLES["cell"]),
            para(repeat_outcome(r), STYLES["cell"]),
        ]
        for r in pack.repeats
    ]
    story += long_table(header, rows, widths)
    return story


def _themes(pack: Pack, width: float) -> list[Any]:
    """Learning themes by year published (issue 25): the pack's items under each theme, the
    themes with most first; none themed, no section."""
    themes = pack.themes
    if themes is None or themes.is_empty:
        return []
    years = themes.years[-THEME_YEARS:]
    undated = any(u for _, _, u in themes.rows)
    heads = ["Theme", *(str(y) for y in years), *(["Not yet published"] if undated else [])]
    header = [para(h, STYLES["cellbold"]) for h in heads]
    first = width * 0.34
    rest = (width - first) / max(len(heads) - 1, 1)
    rows = [
        [
            para(name, STYLES["cell"]),
            *(para(str(by_year.get(y, 0) or ""), STYLES["cell"]) for y in years),
            *([para(str(not_yet or ""), STYLES["cell"])] if undated else []),
        ]
        for name, by_year, not_yet in themes.rows
    ]
    story: list[Any] = [_Heading("Learning themes by year", STYLES["h1"], 0, "themes")]
    story += long_table(header, rows, [first] + [rest] * (len(heads) - 1))
    return story


def _part(title: str, key: str, sections: list[list[Any]]) -> list[Any]:
    """A part of the pack (the reviews, the inspections) on a new page under its heading,
    when it has any sections."""
    if not sections:
        return []
    story: list[Any] = [PageBreak(), _Heading(title, STYLES["h1"], 0, key)]
    for section in sections:
        story += section
    return story


def _appendix(long_texts: list[tuple[str, PackItem]]) -> list[Any]:
    if not long_texts:
        return []
    story: list[Any] = [
        PageBreak(),
        _Heading("Appendix: full text of recommendations", STYLES["h1"], 0, "appendix"),
    ]
    for reference, item in long_texts:
        story += [
            para(f"{reference}, {item.kind.lower()} {item.number}", STYLES["h3"]),
            para(item.text or "", STYLES["body"]),
        ]
    return story


def _provenance(pack: Pack) -> list[Any]:
    """The last lines of the pack: the audit trail's head when it was made, so a reader can
    have the database checked against the printed pack."""
    if not pack.audit_head:
        return []
    return [
        Spacer(0, 8 * mm),
        para("About this pack", STYLES["h3"]),
        para(provenance(pack), STYLES["small"]),
    ]
