"""Finding the tracker in a sheet: the header row, what each column holds, and the items.

Real trackers put title rows above the header, section rows ("SECTION B - JOINT
RECOMMENDATIONS") and blank rows between items, and continue one recommendation's actions
on the rows below it. The header words vary from panel to panel; ``HEADER_WORDS`` lists the
ones casereview recognises, and a mapping file or the import wizard can name the rest.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from db.exchange.spreadsheets.values import text_of

# A sheet's row as every reader gives it (db/exchange/spreadsheets/reading.py): its cells'
# values, at most MAX_COLUMNS of them. Defined here, with the header search that reads such
# rows, so that reading a CSV file can use the header search to guess its separator.
Row = tuple[Any, ...]
MAX_COLUMNS = 64
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
    NOTE = "note"  # kept in each item's log as a note naming the column
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
    Field.NOTE: "Kept as a note in the item's log",
    Field.IGNORE: "(left out: not imported)",
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
            "date due",
            "due by",
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
    (
        Field.CLOSED_ON,
        ["closed on", "date closed", "date completed", "completed on", "actual completion date"],
        [],
    ),
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
            "update on progress",
            "current position",
        ],
        ["comments", "commentary", "notes"],
    ),
    (
        Field.EVIDENCE,
        ["evidence", "evidence of completion", "evidence of impact", "evidence provided"],
        [],
    ),
    (Field.RATING, ["rating"], []),
]:
    HEADER_WORDS |= dict.fromkeys(_strong, (_field, 2)) | dict.fromkeys(_weak, (_field, 1))

_PUNCTUATION = re.compile(r"[^a-z0-9# ]+")
# "Action(s)", "Action/s", "Agency(ies)", "Agency/ies": the word may be one or several.
_PLURAL_MARK = re.compile(r"\s?[(/](?:s|es|ies)\)?(?![a-z])")


def normalise(header: object) -> str:
    """'Action(s)' and 'Action/s' -> 'action', 'Lead Agency(s)' -> 'lead agency',
    'Rec No.' -> 'rec no', 'Lead  Agency:' -> 'lead agency'."""
    text = _PLURAL_MARK.sub("", text_of(header).lower()).replace("&", " and ")
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
    # Columns the user chose to leave out; every other column not in ``columns`` is kept,
    # its values as notes in each item's log.
    left_out: frozenset[int] = frozenset()

    @functools.cached_property
    def fields(self) -> frozenset[Field]:
        return frozenset(self.columns)

    @functools.cached_property
    def mapped(self) -> frozenset[int]:
        return frozenset(self.columns.values())

    def kept(self, column: int) -> bool:
        """Whether a column no field reads is kept as notes (not left out on purpose)."""
        return column not in self.mapped and column not in self.left_out

    def name(self, column: int) -> str:
        """How a column is named in a note: by its heading, or its letter if it has none."""
        title = " ".join(self.titles[column].split()) if column < len(self.titles) else ""
        return f"column '{title}'" if title else f"column {column_letter(column)}"

    def why_kept(self, column: int) -> str:
        """Why a column's values go to the log: a heading not recognised, or a second column
        for a field another column already fills."""
        title = self.titles[column] if column < len(self.titles) else ""
        known = HEADER_WORDS.get(normalise(title))
        if known is not None and known[0] in self.columns and known[0] is not Field.RATING:
            other = self.where(self.columns[known[0]])
            return f"a second {known[0].label} column beside {other}"
        return "a heading casereview does not recognise" if title else "no heading"

    def where(self, column: int) -> str:
        # A heading typed over two lines in its cell (Alt+Enter) on one line: a message is one
        # line (a trial's dry run printed the line break).
        title = " ".join(self.titles[column].split()) if column < len(self.titles) else ""
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


# Which line above a tracker's header is its title, by what the line says (ties go to the
# first line; when no line scores, the first line): trials titled trackers "Monitored by the
# Case Review Subgroup", "Last reviewed 01/02/2026" and "Chair: ... (SAR panel)" when the
# first line mentioning "review" was taken.
INITIALS = r"(?<![A-Za-z])(?:L?CSPR|SCR|SAR|DHR|DARDR|CPR|APR)(?![A-Za-z])"
_NAMES_A_KIND = re.compile(
    INITIALS + r"|(?:case|practice|adults?|homicide|death|rapid|learning) review",
    re.IGNORECASE,
)
_NAMES_A_PLAN = re.compile(r"action plan", re.IGNORECASE)
_SAYS_REVIEW = re.compile(r"review", re.IGNORECASE)
_NOT_A_TITLE = re.compile(
    r"sub-?group|panel|chair|monitored|reviewed|review date|status key|last updated|"
    r"\bkey\b|agreed by|updated by",
    re.IGNORECASE,
)


def _title_score(line: str) -> int:
    score = 2 if _NAMES_A_KIND.search(line) else 1 if _SAYS_REVIEW.search(line) else 0
    score += 2 if _NAMES_A_PLAN.search(line) else 0
    return score - 3 if _NOT_A_TITLE.search(line) else score


def title_of(rows: Iterable[Row]) -> str:
    """The tracker's own title, from the rows above its header: the line naming its review
    or action plan, not the body that monitors it or the date it was last reviewed."""
    lines = [text_of(c) for row in rows for c in row if text_of(c)]
    if not lines:
        return ""
    scores = [_title_score(line) for line in lines]
    best = max(range(len(lines)), key=lambda n: (scores[n], -n))
    title = lines[best] if scores[best] > 0 else lines[0]
    title = re.sub(r"\s*[-\u2013\u2014:]?\s*action plan\s*$", "", title, flags=re.IGNORECASE)
    return title.strip(" -:\u2013\u2014") or lines[0]


@dataclass
class SheetRow:
    """One item's row, and any continuation rows below it, as the cells of each field.

    ``extra`` holds, for every row of the item, the filled cells of columns no field reads
    (and that were not left out), by column: they are kept as notes in the item's log.
    """

    row: int
    cells: dict[Field, Any]
    continuations: list[tuple[int, dict[Field, Any]]] = field(default_factory=list)
    extra: list[tuple[int, dict[int, Any]]] = field(default_factory=list)


def item_rows(
    rows: Iterator[Row],
    header: Header,
    start: int,
    merged: Callable[[int, int], int] = lambda _row, _column: 1,
) -> Iterator[SheetRow | int]:
    """The items below the header; section and blank rows are skipped.

    Yields a ``SheetRow`` per item; a continuation row (no number, but more recommendation
    text, actions, owners or updates) is added to the item above it. A row number on its own
    means a row that continues nothing: the caller reports it. ``merged(row, column)`` is how
    many columns a merged cell starting at that cell spans (1 when none does).
    """
    current: SheetRow | None = None
    used = [(f, c) for f, c in header.columns.items() if f not in (Field.IGNORE, Field.NOTE)]
    # A heading merged across at least half the table is a section row, whatever its case.
    across = max(2, (len(header.titles) + 1) // 2)
    kept = [column for column in range(MAX_COLUMNS) if header.kept(column)]
    for number, cells in enumerate(rows, start=start):
        width = len(cells)
        values: dict[Field, Any] = {}
        for fld, column in used:
            if column < width and _filled(cells[column]):
                values[fld] = cells[column]
        extra = {
            column: cells[column]
            for column in itertools.takewhile(width.__gt__, kept)
            if _filled(cells[column])
        }
        if not values and not extra:
            continue  # a blank row, or one whose only text is in columns left out
        # A section heading fills one cell, so a row filling two columns is no heading. A
        # cell merged across the table is one; otherwise its words must say so, in a tracker
        # column (one cell of a kept column, "N/A" say, is a note). Without a number column,
        # a row holding only a recommendation is a recommendation, unless merged across.
        numbered_or_not_text = Field.NUMBER in header.columns or Field.TEXT not in values
        if len(values) + len(extra) == 1 and (
            merged(number, _only(values, extra, header)) >= across
            or (not extra and numbered_or_not_text and _is_section(cells))
        ):
            if current is not None:
                yield current
                current = None
            continue
        # In a numbered tracker only a number starts an item: a recommendation's text that
        # runs on to the row below, with no number of its own, continues the item above.
        starts = Field.NUMBER in values or (
            Field.TEXT in values and (Field.NUMBER not in header.columns or current is None)
        )
        if starts:
            if current is not None:
                yield current
            current = SheetRow(number, values)
        elif current is not None:
            if values:
                current.continuations.append((number, values))
        else:
            yield number
            continue
        if extra:
            current.extra.append((number, extra))
    if current is not None:
        yield current


def _only(values: dict[Field, Any], extra: dict[int, Any], header: Header) -> int:
    """The column of a row's one filled cell: a merged cell spanning the table starts there
    when the row is a section heading (a cell merged beside it says nothing of the row)."""
    columns: list[int] = list(extra) or [header.columns[fld] for fld in values]
    return columns[0]


def _filled(value: object) -> bool:
    """Whether a cell holds anything (text of spaces only does not count)."""
    if value is None:
        return False
    if type(value) is str:
        return bool(value.strip())
    return text_of(value) != ""


def _is_section(cells: Row) -> bool:
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
