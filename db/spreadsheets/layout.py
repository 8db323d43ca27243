"""Finding the tracker in a sheet: the header row, what each column holds, and the items.

Real trackers put title rows above the header, section rows ("SECTION B - JOINT
RECOMMENDATIONS") and blank rows between items, and continue one recommendation's actions
on the rows below it. The header words vary from panel to panel; ``HEADER_WORDS`` lists the
ones casereview recognises, and a mapping file or the import wizard can name the rest.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from db.spreadsheets.reading import Row
from db.spreadsheets.values import text_of

HEADER_SEARCH_ROWS = 30


class Field(StrEnum):
    SOURCE = "source"
    NUMBER = "number"
    TEXT = "text"
    LEAD = "lead"
    JOINT = "joint"
    ACTIONS = "actions"
    OWNER = "owner"
    TARGET = "target"
    STATUS = "status"
    REASON = "reason"
    ASSURED_BY = "assured_by"
    ASSURED_ON = "assured_on"
    CLOSED_ON = "closed_on"
    THEMES = "themes"
    PROGRESS = "progress"
    EVIDENCE = "evidence"
    RATING = "rating"  # derived by casereview: recognised so it is not taken for a status
    IGNORE = "ignore"

    @property
    def label(self) -> str:
        return FIELD_LABELS[self]


FIELD_LABELS = {
    Field.SOURCE: "Review reference",
    Field.NUMBER: "Number",
    Field.TEXT: "Recommendation",
    Field.LEAD: "Lead agency",
    Field.JOINT: "Joint agencies",
    Field.ACTIONS: "Actions",
    Field.OWNER: "Owner",
    Field.TARGET: "Target date",
    Field.STATUS: "Status",
    Field.REASON: "Status reason",
    Field.ASSURED_BY: "Assured by",
    Field.ASSURED_ON: "Assured on",
    Field.CLOSED_ON: "Closed on",
    Field.THEMES: "Themes",
    Field.PROGRESS: "Progress update",
    Field.EVIDENCE: "Evidence",
    Field.RATING: "Rating (worked out by casereview; not imported)",
    Field.IGNORE: "(not imported)",
}

# Header words as trackers write them (compared after ``normalise``), with how sure each is:
# 2 for the usual name, 1 for a word that could mean something else ("RAG" beside "Status").
HEADER_WORDS: dict[str, tuple[Field, int]] = {}
for _field, _strong, _weak in [
    (Field.SOURCE, ["review", "review reference", "source"], []),
    (
        Field.NUMBER,
        [
            "rec no",
            "recommendation no",
            "recommendation number",
            "no",
            "number",
            "ref",
            "ref no",
            "reference",
            "rec",
            "rec ref",
            "recommendation ref",
            "item no",
            "#",
        ],
        ["item", "para", "paragraph"],
    ),
    (
        Field.TEXT,
        [
            "recommendation",
            "recommendations",
            "recommendation text",
            "finding",
            "area for improvement",
            "learning",
            "learning point",
        ],
        ["description", "issue", "detail"],
    ),
    (
        Field.LEAD,
        [
            "lead agency",
            "lead agencies",
            "responsible agency",
            "responsible agencies",
            "lead organisation",
            "responsible organisation",
            "agency",
            "agencies",
        ],
        ["organisation", "lead"],
    ),
    (
        Field.JOINT,
        ["joint agencies", "jointly with", "partner agencies", "supporting agencies"],
        [],
    ),
    (
        Field.ACTIONS,
        [
            "action",
            "actions",
            "actions agreed",
            "agreed actions",
            "action required",
            "actions required",
            "action to be taken",
            "actions to be taken",
            "action plan",
        ],
        ["how", "what"],
    ),
    (
        Field.OWNER,
        [
            "owner",
            "lead officer",
            "responsible officer",
            "action owner",
            "named lead",
            "lead person",
            "responsible person",
            "officer",
        ],
        ["who", "by whom"],
    ),
    (
        Field.TARGET,
        [
            "target date",
            "timescale",
            "timescales",
            "deadline",
            "due date",
            "target",
            "completion date",
            "target completion date",
            "by when",
        ],
        ["due", "date"],
    ),
    (
        Field.STATUS,
        ["status", "current status", "progress status"],
        ["rag", "rag status", "brag", "rag rating"],
    ),
    (Field.REASON, ["status reason", "reason"], []),
    (Field.ASSURED_BY, ["assured by", "signed off by"], []),
    (Field.ASSURED_ON, ["assured on", "signed off on", "date signed off"], []),
    (Field.CLOSED_ON, ["closed on", "date closed"], []),
    (Field.THEMES, ["themes", "theme"], []),
    (
        Field.PROGRESS,
        [
            "progress update",
            "progress updates",
            "progress",
            "update",
            "updates",
            "progress to date",
            "latest update",
        ],
        ["comments", "commentary", "notes"],
    ),
    (Field.EVIDENCE, ["evidence", "evidence of completion", "evidence of impact"], []),
    (Field.RATING, ["rating"], []),
]:
    HEADER_WORDS |= dict.fromkeys(_strong, (_field, 2)) | dict.fromkeys(_weak, (_field, 1))

_PUNCTUATION = re.compile(r"[^a-z0-9# ]+")


def normalise(header: object) -> str:
    """'Action(s)' -> 'actions', 'Rec No.' -> 'rec no', 'Lead  Agency:' -> 'lead agency'."""
    text = text_of(header).lower().replace("&", " and ").replace("(s)", "s")
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


@dataclass
class Header:
    """Where the header row is and which column holds which field."""

    row: int  # 1-based, as the spreadsheet numbers rows
    titles: list[str]  # the header cells as written
    columns: dict[Field, int]  # field -> 0-based column

    @functools.cached_property
    def fields(self) -> frozenset[Field]:
        return frozenset(self.columns)

    def where(self, column: int) -> str:
        title = self.titles[column] if column < len(self.titles) else ""
        letter = column_letter(column)
        return f"column {letter} ({title})" if title else f"column {letter}"


def guess_columns(cells: Row) -> dict[Field, int]:
    """What each header cell names; when two name the same field the surer one wins."""
    best: dict[Field, tuple[int, int]] = {}
    for column, cell in enumerate(cells):
        found = HEADER_WORDS.get(normalise(cell))
        if found is None:
            continue
        fld, strength = found
        if fld not in best or strength > best[fld][0]:
            best[fld] = (strength, column)
    return {fld: column for fld, (_, column) in best.items()}


def _score(columns: dict[Field, int]) -> int:
    if Field.NUMBER not in columns and Field.TEXT not in columns:
        return 0
    useful = [f for f in columns if f not in (Field.RATING, Field.IGNORE)]
    return len(useful) if len(useful) >= 2 else 0


def find_header(rows: list[Row]) -> Header | None:
    """The row among the first ones that names the most tracker columns, if any does."""
    best: Header | None = None
    best_score = 0
    for number, cells in enumerate(rows[:HEADER_SEARCH_ROWS], start=1):
        columns = guess_columns(cells)
        score = _score(columns)
        if score > best_score:
            best_score = score
            best = Header(number, [text_of(c) for c in cells], columns)
    return best


def header_at(rows: list[Row], number: int, columns: dict[Field, int] | None = None) -> Header:
    cells = rows[number - 1] if 0 < number <= len(rows) else ()
    return Header(number, [text_of(c) for c in cells], columns or guess_columns(cells))


def title_of(rows: Iterable[Row]) -> str:
    """The tracker's own title, from the rows above its header: the line naming a review."""
    lines = [text_of(c) for row in rows for c in row if text_of(c)]
    if not lines:
        return ""
    named = [line for line in lines if "review" in line.lower()]
    title = (named or lines)[0]
    title = re.sub(r"\s*[-\u2013\u2014:]?\s*action plan\s*$", "", title, flags=re.IGNORECASE)
    return title.strip(" -:\u2013\u2014") or lines[0]


@dataclass
class SheetRow:
    """One item's row, and any continuation rows below it, as the cells of each field."""

    row: int
    cells: dict[Field, Any]
    continuations: list[tuple[int, dict[Field, Any]]] = field(default_factory=list)


def item_rows(rows: Iterator[Row], header: Header, start: int) -> Iterator[SheetRow | int]:
    """The items below the header; section and blank rows are skipped.

    Yields a ``SheetRow`` per item; a continuation row (no number and no recommendation, but
    more actions, owners or updates) is added to the item above it. A row number on its own
    means a row that continues nothing: the caller reports it.
    """
    current: SheetRow | None = None
    used = [(f, c) for f, c in header.columns.items() if f is not Field.IGNORE]
    for number, cells in enumerate(rows, start=start):
        width = len(cells)
        values: dict[Field, Any] = {}
        for fld, column in used:
            if column < width and _filled(cells[column]):
                values[fld] = cells[column]
        if not values:
            continue  # a blank row, or one with text only outside the tracker's columns
        # A section heading fills one cell, so a row filling two tracker columns is no heading.
        # Without a number column, a row holding only a recommendation is a recommendation.
        heading_possible = Field.NUMBER in header.columns or Field.TEXT not in values
        if len(values) == 1 and heading_possible and _is_section(cells, values):
            if current is not None:
                yield current
                current = None
            continue
        if Field.NUMBER in values or Field.TEXT in values:
            if current is not None:
                yield current
            current = SheetRow(number, values)
        elif current is not None:
            current.continuations.append((number, values))
        else:
            yield number
    if current is not None:
        yield current


def _filled(value: object) -> bool:
    """Whether a cell holds anything (text of spaces only does not count)."""
    if value is None:
        return False
    if type(value) is str:
        return bool(value.strip())
    return text_of(value) != ""


def _is_section(cells: Row, values: dict[Field, Any]) -> bool:
    """A heading across the table: one filled cell, words only, not a number."""
    filled = [c for c in cells if c is not None and text_of(c) != ""]
    if len(filled) != 1 or not isinstance(filled[0], str):
        return False
    text = filled[0].strip()
    if any(ch.isdigit() for ch in text[:3]):
        return False
    letters = [ch for ch in text if ch.isalpha()]
    shouting = bool(letters) and sum(ch.isupper() for ch in letters) >= 0.8 * len(letters)
    return shouting or text.lower().startswith(("section", "part ", "theme"))
