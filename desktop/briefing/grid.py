"""A table of text cells, already wrapped to their columns, drawn straight onto the canvas.

The briefing pack's recommendation tables hold thousands of rows of several lines each.
ReportLab's ``Table`` draws every line of every cell as a separate text object (its own
``BT ... ET`` block, font and position), styles each cell through a list of commands, and
splits by laying the whole table out again; for the pack that was most of the time spent. A
``Grid`` knows its row heights once, splits between rows by arithmetic, and draws a page's text
in one text object, a cell's lines one after another. It looks as the ``Table`` did: a shaded
header repeated on every page, a hairline grid, text at the top left of each cell.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from reportlab.lib.colors import Color
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import Flowable


@dataclass(frozen=True)
class Look:
    """How the grid and its text look."""

    font: str
    bold: str
    size: float
    leading: float
    ink: Color
    rule: Color
    header_fill: Color
    padding: tuple[float, float, float, float] = (2.5, 3, 2.5, 3)  # top, right, bottom, left
    rule_width: float = 0.3


@dataclass(frozen=True)
class Row:
    """A row: each cell's lines, and cells drawn differently (column: fill, ink, bold)."""

    cells: Sequence[Sequence[str]]
    marked: dict[int, tuple[Color | None, Color, bool]] | None = None


class Grid(Flowable):
    """``rows`` under ``header`` (bold, shaded, repeated after every page break), in columns
    of ``widths`` points; each cell is a list of lines that already fit its column."""

    def __init__(
        self,
        header: Sequence[Sequence[str]],
        rows: Sequence[Row],
        widths: Sequence[float],
        look: Look,
        *,
        heights: Sequence[float] | None = None,
        page_height: float | None = None,
    ) -> None:
        super().__init__()
        self.page_height = page_height  # the frame's height: a taller row is broken across pages
        self.header = Row(
            header, dict.fromkeys(range(len(header)), (look.header_fill, look.ink, True))
        )
        self.rows = rows
        self.widths = list(widths)
        self.look = look
        self.header_height = self._height(self.header)
        self.heights = list(heights) if heights is not None else [self._height(r) for r in rows]
        self.bottoms = list(accumulate(self.heights))  # each row's bottom, from the header's
        self.width = sum(self.widths)
        self.height = self.header_height + sum(self.heights)

    def _height(self, row: Row) -> float:
        top, _, bottom, _ = self.look.padding
        return max(len(cell) for cell in row.cells) * self.look.leading + top + bottom

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.width, self.height

    def split(self, available_width: float, available_height: float) -> list[Flowable]:
        """The rows that fit in ``available_height`` under the header, and the rest (with the
        header again); nothing when not even one row fits (the frame then moves on)."""
        room = available_height - self.header_height
        fit = bisect_right(self.bottoms, room)  # rows whose bottom is within the room
        if fit == 0 and self._never_fits(self.heights[0]):
            return self._break_first_row(room)
        if fit == 0 or fit == len(self.rows):
            return []
        return [self._part(self.rows[:fit], self.heights[:fit]), self._part(self.rows[fit:])]

    def _part(self, rows: Sequence[Row], heights: Sequence[float] | None = None) -> Grid:
        return Grid(
            self.header.cells,
            rows,
            self.widths,
            self.look,
            heights=heights,
            page_height=self.page_height,
        )

    def _never_fits(self, height: float) -> bool:
        return self.page_height is not None and self.header_height + height > self.page_height

    def _break_first_row(self, room: float) -> list[Flowable]:
        """A row taller than a page (a very long update, say) is broken between its lines:
        as many as fit here, the rest at the top of the next page."""
        top, _, bottom, _ = self.look.padding
        lines = int((room - top - bottom) // self.look.leading)
        if lines < 1:
            return []
        row = self.rows[0]
        head = Row([cell[:lines] for cell in row.cells], row.marked)
        tail = Row([cell[lines:] for cell in row.cells], row.marked)
        return [self._part([head]), self._part([tail, *self.rows[1:]])]

    def draw(self) -> None:
        canvas: Any = self.canv
        lefts = [0.0, *accumulate(self.widths)]
        rows = [self.header, *self.rows]
        tops = [self.height - h for h in accumulate([0.0, self.header_height, *self.heights])]
        # Shading first, so the grid and the text sit on it.
        self._draw_shading(canvas, rows, tops, lefts)
        canvas.setStrokeColor(self.look.rule)
        canvas.setLineWidth(self.look.rule_width)
        canvas.lines(
            [(0, y, self.width, y) for y in tops] + [(x, 0, x, self.height) for x in lefts]
        )
        self._draw_text(canvas, rows, tops, lefts)

    def _draw_shading(
        self, canvas: Any, rows: Sequence[Row], tops: Sequence[float], lefts: Sequence[float]
    ) -> None:
        """The fill of every marked cell (the header's, a rating's tint)."""
        for row, top, bottom in zip(rows, tops, tops[1:], strict=False):
            for column, (fill, _, _) in (row.marked or {}).items():
                if fill is not None:
                    canvas.setFillColor(fill)
                    canvas.rect(
                        lefts[column], bottom, self.widths[column], top - bottom, stroke=0, fill=1
                    )

    def _draw_text(
        self, canvas: Any, rows: Sequence[Row], tops: Sequence[float], lefts: Sequence[float]
    ) -> None:
        """Every cell's lines, in one text object: the font and ink change only where a
        cell's differ from the one before."""
        look = self.look
        top_pad, _, _, left_pad = look.padding
        text = canvas.beginText()
        font, ink = (look.font, look.ink)
        text.setFont(font, look.size, look.leading)
        text.setFillColor(ink)
        lines_out = _Lines(text)
        for row, top in zip(rows, tops, strict=False):
            marked = row.marked or {}
            for column, lines in enumerate(row.cells):
                if not lines:
                    continue
                _, cell_ink, bold = marked.get(column, (None, look.ink, False))
                cell_font = look.bold if bold else look.font
                if cell_font != font:
                    font = cell_font
                    text.setFont(font, look.size, look.leading)
                if cell_ink != ink:
                    ink = cell_ink
                    text.setFillColor(ink)
                text.setTextOrigin(lefts[column] + left_pad, top - top_pad - look.size)
                lines_out.write(lines)
        canvas.drawText(text)


class _Lines:
    """Writes lines into a text object exactly as its ``textLine`` would, without its cost.

    For an embedded TrueType font, ReportLab's ``textLine`` maps every character of every line
    to its code in one of the font's 256-character subsets in a Python loop
    (``TTFont.splitString``), which was the largest single cost of a large pack (a quarter of
    the time at 8,000 items). Once the font has codes for all of a line's characters, in one
    subset, the line's bytes come from one ``str.translate`` instead, and the same
    ``(...) Tj T*`` is written, after the same change of subset (``... Tf ... TL``) when the
    text object was using another. Any other line (a character seen for the first time, one
    without a glyph, characters from two subsets, an empty line, a font that is not TrueType)
    goes through ``textLine`` itself.
    """

    def __init__(self, text: PDFTextObject) -> None:
        self.text = text
        self.fonts: dict[str, _Codes | None] = {}

    def write(self, lines: Sequence[str]) -> None:
        text: Any = self.text
        name = text._fontname
        if name not in self.fonts:
            self.fonts[name] = _Codes.of(name, text._canvas._doc)
        codes = self.fonts[name]
        if codes is None:
            for line in lines:
                text.textLine(line)
            return
        code = text._code
        leading = text._leading if text._canvas.bottomup else -text._leading
        for line in lines:
            subset = codes.subset_of(line, text._curSubset)
            if subset is None:
                text.textLine(line)
                codes.refresh()
                continue
            switch = ""
            if subset != text._curSubset:
                size, lead = fp_str(text._fontsize), fp_str(text._leading)
                switch = f"{codes.name(subset)} {size} Tf {lead} TL "
                text._curSubset = subset
            data = line.translate(codes.tables[subset]).encode("latin-1")
            code.append(f"{switch}({escapePDF(data)}) Tj T*")
            text._x = text._x0
            text._y -= leading
            text._y0 = text._y


class _Codes:
    """The codes a TrueType font has given characters so far in one document, subset by
    subset, read again whenever it has given more."""

    def __init__(self, font: Any, doc: Any) -> None:
        self.font, self.doc = font, doc
        self.given = -1
        self.tables: list[dict[int, int]] = []  # per subset: character to byte
        self.known: list[frozenset[str]] = []  # per subset: its characters
        self.refresh()

    @classmethod
    def of(cls, name: str, doc: Any) -> _Codes | None:
        font: Any = pdfmetrics.getFont(name)
        return cls(font, doc) if font._dynamicFont else None

    def refresh(self) -> None:
        state = self.font.state.get(self.doc)
        assignments: dict[int, int] = state.assignments if state is not None else {}
        if len(assignments) == self.given:
            return
        self.given = len(assignments)
        count = max((n >> 8 for n in assignments.values()), default=-1) + 1
        self.tables = [{} for _ in range(count)]
        for char, n in assignments.items():
            self.tables[n >> 8][char] = n & 0xFF
        self.known = [frozenset(map(chr, table)) for table in self.tables]

    def subset_of(self, line: str, current: int) -> int | None:
        """The one subset holding codes for all of ``line``'s characters (the one in use
        first), or None."""
        if not line:
            return None
        if 0 <= current < len(self.known) and self.known[current].issuperset(line):
            return current
        for subset, known in enumerate(self.known):
            if known.issuperset(line):
                return subset
        return None

    def name(self, subset: int) -> str:
        return str(self.font.getSubsetInternalName(subset, self.doc))
