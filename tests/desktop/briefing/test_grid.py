"""The briefing pack's grid of wrapped cells: split between rows with the header repeated,
every row drawn once and in order, and no line wider than its column."""

from __future__ import annotations

import io
from collections.abc import Callable

import pytest
from pypdf import PdfReader
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas
from reportlab.pdfgen.textobject import PDFTextObject
from reportlab.platypus import SimpleDocTemplate, Spacer

from desktop.briefing.grid import Grid, Row, _Lines
from desktop.briefing.pack import (
    CELL_SIZE,
    FONT,
    GRID_LOOK,
    STYLES,
    _heading_over,
    _split,
    _wrap,
    para,
    register_fonts,
)

HEADER = [["No."], ["Text"], ["Rating"]]
WIDTHS = [40.0, 300.0, 80.0]


@pytest.fixture(autouse=True)
def fonts() -> None:
    register_fonts()


def _rows(count: int) -> list[Row]:
    rows = []
    for n in range(1, count + 1):
        lines = _wrap(f"Item {n} says something " * (1 + n % 4), WIDTHS[1])
        rows.append(Row([[f"{n:04d}"], lines, ["Red"]], {2: (None, GRID_LOOK.ink, True)}))
    return rows


def _pdf_pages(grid: Grid) -> list[str]:
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build([grid])
    return [page.extract_text() for page in PdfReader(io.BytesIO(buffer.getvalue())).pages]


def test_a_long_grid_runs_over_pages_with_its_header_and_every_row_once() -> None:
    pages = _pdf_pages(Grid(HEADER, _rows(150), WIDTHS, GRID_LOOK))
    assert len(pages) > 3
    numbers = []
    for text in pages:
        assert text.split()[:3] == ["No.", "Text", "Rating"]  # the header heads every page
        numbers += [word for word in text.split() if len(word) == 4 and word.isdigit()]
    assert numbers == [f"{n:04d}" for n in range(1, 151)]


def test_split_keeps_rows_whole_and_within_the_room() -> None:
    grid = Grid(HEADER, _rows(40), WIDTHS, GRID_LOOK)
    room = grid.height / 3
    first, rest = grid.split(grid.width, room)
    assert first.height <= room < first.height + rest.heights[0]
    assert len(first.rows) + len(rest.rows) == 40
    assert rest.rows[0] is grid.rows[len(first.rows)]
    assert first.header_height == rest.header_height == grid.header_height
    assert grid.split(grid.width, grid.header_height + grid.heights[0] - 1) == []


def test_wrapped_lines_fit_their_column_even_for_one_very_long_word() -> None:
    room = WIDTHS[1] - 6
    text = "See https://example.org/" + "a-very-long-address-without-spaces" * 6 + " for the plan."
    lines = _wrap(text, WIDTHS[1])
    assert len(lines) > 3
    assert all(pdfmetrics.stringWidth(line, FONT, CELL_SIZE) <= room for line in lines)
    assert "".join(line.replace(" ", "") for line in lines) == text.replace(" ", "")


def _pages_of(story: list) -> list[str]:  # type: ignore[type-arg]
    buffer = io.BytesIO()
    SimpleDocTemplate(buffer, pagesize=A4).build(story)
    return [page.extract_text() for page in PdfReader(io.BytesIO(buffer.getvalue())).pages]


@pytest.mark.parametrize("rows_with_room", [1, 6])
def test_a_heading_stays_with_the_first_rows_of_its_grid(rows_with_room: int) -> None:
    """With too little room for two rows the heading goes over to the next page with the
    grid; with room for several it stays, and the grid starts under it (no gap)."""
    grid = Grid(HEADER, _rows(60), WIDTHS, GRID_LOOK)
    doc = SimpleDocTemplate(io.BytesIO(), pagesize=A4)
    heading = para("Findings", STYLES["h2"])
    _, heading_height = heading.wrap(doc.width, doc.height)
    # The frame pads 6 points above and below; 4 more points to spare.
    room = heading_height + grid.header_height + sum(grid.heights[:rows_with_room]) + 12 + 4
    story = [Spacer(0, doc.height - room), *_heading_over(heading, grid, doc.width), grid]
    pages = _pages_of(story)
    assert "Findings" not in pages[0 if rows_with_room == 1 else 1]
    with_heading = next(text for text in pages if "Findings" in text)
    assert "0001" in with_heading  # the heading is over the grid's first row
    if rows_with_room > 1:
        assert "Findings" in pages[0] and "0002" in pages[0]


def test_a_row_taller_than_a_page_is_broken_between_its_lines() -> None:
    doc = SimpleDocTemplate(io.BytesIO(), pagesize=A4)
    frame_height = doc.height - 12  # the frame's own padding
    long_update = [f"line {n:03d} of a long update" for n in range(1, 181)]
    rows = [*_rows(3), Row([["0004"], ["A long one"], long_update]), *_rows(2)]
    grid = Grid(HEADER, rows, WIDTHS, GRID_LOOK, page_height=frame_height)
    assert grid.heights[3] > frame_height
    pages = _pages_of([grid])
    assert len(pages) >= 3
    text = " ".join(pages)
    found = [int(word) for word in text.split() if len(word) == 3 and word.isdigit()]
    assert found == list(range(1, 181))  # every line, once, in order
    assert all(page.split()[:3] == ["No.", "Text", "Rating"] for page in pages)


def _text_code(write: Callable[[PDFTextObject, list[str]], None], cells: list[list[str]]) -> str:
    """The content a text object holds after ``write`` has put each cell's lines into it, a
    cell at a time as the grid does, switching font for every third cell."""
    canvas = Canvas(io.BytesIO(), pagesize=A4)
    text = canvas.beginText()
    for n, lines in enumerate(cells):
        text.setFont(GRID_LOOK.bold if n % 3 == 2 else FONT, CELL_SIZE, GRID_LOOK.leading)
        text.setTextOrigin(10, 800 - n)
        write(text, lines)
    return text.getCode()


def test_lines_are_written_exactly_as_text_line_writes_them() -> None:
    # Over 256 different characters (the font's subsets change), some seen for the first
    # time in the middle of a cell, empty lines, brackets to escape, and a character the
    # font has no glyph for.
    alphabet = [chr(c) for c in range(0x21, 0x7F)] + [chr(c) for c in range(0x391, 0x3C9)]
    alphabet += [chr(c) for c in range(0x410, 0x44F)] + [chr(c) for c in range(0x100, 0x180)]
    alphabet += ["\u2019", "\U0001f600"]
    cells = [
        [f"({n}) " + "".join(alphabet[(n * 7 + k) % len(alphabet)] for k in range(30)), "", "x"]
        for n in range(60)
    ]
    cells += cells  # the same lines again, now with every character's code known

    def by_text_line(text: PDFTextObject, lines: list[str]) -> None:
        for line in lines:
            text.textLine(line)

    lines: dict[int, _Lines] = {}

    def by_lines(text: PDFTextObject, cell: list[str]) -> None:
        lines.setdefault(id(text), _Lines(text)).write(cell)

    assert _text_code(by_lines, cells) == _text_code(by_text_line, cells)


def test_wrapping_breaks_lines_where_reportlab_simple_split_does() -> None:
    text = (
        "The  partnership should\tassure itself that escalation\u00a0policies are used; "
        "see https://example.org/guidance for the multi-agency  plan. Ωmega çà ǅ "
    ) * 3
    for room in (n / 4 for n in range(40, 1200)):  # every column width, a quarter point apart
        assert _split(text, room) == simpleSplit(text, FONT, CELL_SIZE, room), room
    assert _split("   ", 100) == simpleSplit("   ", FONT, CELL_SIZE, 100) == []
