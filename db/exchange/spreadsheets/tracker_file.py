"""A tracker file read and checked: its items, their values, and every problem found.

Reading does not touch the database. Each cell is parsed here, so a wrong date or an unknown
status is reported with its sheet, row and column before anything is written.
"""

from __future__ import annotations

import datetime as dt
import json
import pickle
import re
import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from db.core import fields
from db.core.collector import collector_paused
from db.core.dates import format_date, parse_iso_date
from db.core.vocabulary import Status
from db.exchange.spreadsheets.layout import (
    HEADER_SEARCH_ROWS,
    Field,
    Header,
    Row,
    SheetRow,
    column_letter,
    find_header,
    guess_columns,
    header_at,
    item_rows,
    title_of,
)
from db.exchange.spreadsheets.reading import (
    CONTINUED_SHEET,
    FULL_CELL,
    TrackerFileError,
    Workbook,
    open_tracker,
)
from db.exchange.spreadsheets.values import (
    UnknownStatusError,
    agencies_of,
    date_and_remark,
    date_of,
    number_of,
    status_of,
    status_word,
    text_of,
)
from db.store.atomic import not_a_file, special_file
from db.store.cipher import errors, scratch
from db.store.database import ROOM_TO_WORK, first_line

# A date at the start of a progress line, in the forms the date columns read: "12/01/2026",
# "12 January 2026", "12-Jan-26", "2026-01-12" (a month by its name, so that "12 officers
# 2026" is no date, and a trial's "12-Jan-2026 - ..." and "31 Feb 26 - ..." are).
_MONTH_WORD = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
# A two-digit year after a month's name only before a dash or colon ("31 Feb 26 - ..."):
# "14 March 12 staff attended" is a sentence, not 14 March 2012 (a review's find).
_DATE_FORMS = (
    rf"(\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{2,4}}"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?(?:\s+|-){_MONTH_WORD}\.?(?:\s+|-)"
    rf"(?:\d{{4}}|\d{{2}}(?=\s*[:\u2013\u2014-]))"
    rf"|\d{{4}}-\d{{2}}-\d{{2}})(?!\d)"
)
_LEADING_DATE = re.compile(
    rf"^\s*{_DATE_FORMS}\s*[:\u2013\u2014-]?\s*(.*)$", re.DOTALL | re.IGNORECASE
)
# A line of a progress cell that begins an entry of its own: a date, then a dash or colon (a
# sentence carried on to a line starting "31/03/2026 to 30/06/2026" is not one: a trial's).
_ENTRY_LINE = re.compile(rf"^\s*{_DATE_FORMS}\s*[:\u2013\u2014-]\s*\S", re.IGNORECASE)
_STARTS_WITH_DATE = re.compile(rf"\s*{_DATE_FORMS}", re.IGNORECASE)
_PARAGRAPH = re.compile(r"\d{1,2}\.\d{1,2}\.\d{1,2}")  # a paragraph's number, not a date
# Each line of a cell that starts as such an entry does, for dates that are not real ones.
_ENTRY_LINES = re.compile(
    rf"^\s*{_DATE_FORMS}\s*[:\u2013\u2014-]\s*\S", re.MULTILINE | re.IGNORECASE
)
# The action plan's columns as casereview writes them (db/exchange/spreadsheets/writing.py).
PLAN_HEADERS = (
    "Review",
    "Number",
    "Recommendation",
    "Lead agency",
    "Joint agencies",
    "Actions",
    "Owner",
    "Target date",
    "Status",
    "Rating",
    "Status reason",
    "Assured by",
    "Assured on",
    "Closed on",
    "Themes",
    "Latest update",
)
# Longest values the database holds (db/core/fields.py), named here with their cell.
LIMITS = {
    Field.SOURCE: fields.REFERENCE,
    Field.NUMBER: fields.NUMBER,
    Field.OWNER: fields.NAME,
    Field.ASSURED_BY: fields.NAME,
    Field.LEAD: fields.NAME,
    Field.JOINT: fields.NAME,
    Field.THEMES: fields.THEME,
}
# Least advanced first: where rows of one item disagree, the item is as far as its laggard.
_PROGRESS_ORDER = [
    Status.NOT_STARTED,
    Status.IN_PROGRESS,
    Status.IMPLEMENTED,
    Status.CLOSED,
    Status.SUPERSEDED,
    Status.NOT_ACCEPTED,
]
# The sheets casereview adds to its own action plans, found by their exact headers.
UPDATE_HEADERS = ("Review", "Number", "Date", "Author", "Status", "Note")
EVIDENCE_HEADERS = (
    "Review",
    "Number",
    "Description",
    "Reference",
    "File name",
    "Added by",
    "Added at",
)
REVIEW_HEADERS = (
    "Reference",
    "Kind",
    "Title",
    "Subject",
    "Anonymised label",
    "Names to redact",
    "Commissioned by",
    "Incident",
    "Notified",
    "Commissioned",
    "Published",
    "Summary",
    "Themes",
)
# The organisations an action plan names (and those they are part of): a kind, a parent and
# notes, which a new database would otherwise not know (an agency would come back "Other").
ORGANISATION_HEADERS = ("Organisation", "Kind", "Part of", "Notes")
# The names casereview gives the sheets of these layouts.
OWN_SHEETS = {
    UPDATE_HEADERS: "Updates",
    EVIDENCE_HEADERS: "Evidence",
    REVIEW_HEADERS: "Reviews",
    ORGANISATION_HEADERS: "Organisations",
}
_SORTED_LAYOUTS = {tuple(sorted(layout)): layout for layout in OWN_SHEETS}
_NAMED_LAYOUTS = {name: layout for layout, name in OWN_SHEETS.items()}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file, said where it is."""

    sheet: str
    row: int | None
    column: str | None
    message: str
    status_word: str | None = None  # an unknown status word (see TrackerFile.unknown_statuses)

    def describe(self) -> str:
        where = f"Sheet '{self.sheet}'"
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", {self.column}"
        return f"{where}: {self.message}."


@dataclass
class Mapping:
    """What the user says about a file: which sheet, which row is the header, what columns
    and status words mean. Empty means "work it out"."""

    sheet: str | None = None
    header_row: int | None = None
    columns: dict[str, Field] = field(default_factory=dict)  # header text or letter
    statuses: dict[str, Status] = field(default_factory=dict)
    # Columns (header text or letter) whose values the user leaves out on purpose: every
    # other column no field reads is kept as notes in each item's log.
    leave_out: list[str] = field(default_factory=list)
    # Each column key as the mapping file wrote it, for saying it back (keys are compared
    # in lower case: a trial's "Nonexistent Column" was refused as 'nonexistent column').
    written: dict[str, str] = field(default_factory=dict, compare=False)

    @classmethod
    def read(cls, path: Path) -> Mapping:
        """A mapping file (documented in docs/spreadsheets.md), checked completely."""
        if special_file(path):
            raise TrackerFileError(not_a_file(path))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise TrackerFileError(f"There is no mapping file {path}.") from exc
        except IsADirectoryError as exc:
            raise TrackerFileError(f"The mapping file {path} is a folder, not a file.") from exc
        except (OSError, ValueError, RecursionError) as exc:
            # (ValueError: not UTF-8, not JSON, or a number of thousands of digits;
            # RecursionError: nested thousands deep; both found by a trial)
            raise TrackerFileError(f"The mapping file {path.name} is not JSON.") from exc
        if not isinstance(data, dict):
            raise TrackerFileError(f"The mapping file {path.name} must hold a JSON object.")
        unknown = sorted(set(data) - {"sheet", "header_row", "columns", "statuses"})
        if unknown:
            raise TrackerFileError(
                f"The mapping file {path.name} has '{unknown[0]}', which is not one of sheet, "
                "header_row, columns and statuses."
            )
        sheet, row = data.get("sheet"), data.get("header_row")
        if sheet is not None and not isinstance(sheet, str):
            raise TrackerFileError(f"In {path.name}, sheet must be the name of a sheet.")
        if row is not None and (not isinstance(row, int) or isinstance(row, bool) or row < 1):
            raise TrackerFileError(f"In {path.name}, header_row must be a row number from 1.")
        columns: dict[str, Field] = {}
        written: dict[str, str] = {}
        for key, value in _object(data, "columns", path).items():
            if key.strip().lower() in written:  # headings are compared in any case
                raise TrackerFileError(
                    f"In {path.name}, columns '{written[key.strip().lower()]}' and '{key}' "
                    "name the same column; keep one of them."
                )
            written[key.strip().lower()] = key
            try:
                columns[key.strip().lower()] = Field(value)
            except ValueError as exc:
                names = ", ".join(f.value for f in Field)
                raise TrackerFileError(
                    f"In {path.name}, column '{key}' is mapped to '{value}', which is not one "
                    f"of {names}."
                ) from exc
        statuses: dict[str, Status] = {}
        said: dict[str, str] = {}
        for key, value in _object(data, "statuses", path).items():
            if not status_word(key):  # (a trial's {"": "closed"} was taken without a word)
                raise TrackerFileError(f"In {path.name}, a status word is empty.")
            if status_word(key) in said:  # (a trial's "Wibble" and "WIBBLE": the last won)
                raise TrackerFileError(
                    f"In {path.name}, status words '{said[status_word(key)]}' and '{key}' are "
                    "the same word; keep one of them."
                )
            said[status_word(key)] = key
            try:
                statuses[status_word(key)] = Status(value)
            except ValueError as exc:
                names = ", ".join(s.value for s in Status)
                raise TrackerFileError(
                    f"In {path.name}, status word '{key}' is mapped to '{value}', which is not "
                    f"one of {names}."
                ) from exc
        return cls(sheet, row, columns, statuses, written=written)

    def apply(self, header: Header) -> Header:
        if not self.columns:
            return header
        columns = dict(header.columns)
        left_out = set(header.left_out)
        for column, title in enumerate(header.titles):
            for key in (title.strip().lower(), column_letter(column).lower()):
                if key in self.columns:
                    wanted = self.columns[key]
                    columns = {f: c for f, c in columns.items() if c != column}
                    left_out.discard(column)
                    if wanted is Field.IGNORE:
                        left_out.add(column)
                    elif wanted is not Field.NOTE:
                        columns[wanted] = column
        return Header(header.row, header.titles, columns, frozenset(left_out))

    def check_columns(self, header: Header, where: str) -> None:
        """Refuse a mapping that names a column the sheet has not, as ``--leave-out`` is: a
        trial's mapping of "ZZ" and of "Nonexistent heading" was taken without a word, the
        columns it meant read as casereview guessed."""
        titles = {title.strip().lower() for title in header.titles}
        letters = {column_letter(n).lower() for n in range(len(header.titles))}
        for column, title in enumerate(header.titles):
            letter = column_letter(column).lower()
            if title.strip() and title.strip().lower() in self.columns and letter in self.columns:
                raise TrackerFileError(
                    f"{where}: the mapping names column {letter.upper()} twice, as "
                    f"'{self.written.get(letter, letter)}' and as "
                    f"'{self.written.get(title.strip().lower(), title)}'; keep one of them."
                )
        for key in self.columns:
            if key not in titles and key not in letters:
                raise TrackerFileError(
                    f"{where} has no column '{self.written.get(key, key)}' for the mapping to "
                    "read; give a column's "
                    "heading as written or its letter."
                )

    def leave_columns_out(self, header: Header, where: str) -> Header:
        """``header`` without the columns named in ``leave_out``; one not there is refused."""
        if not self.leave_out:
            return header
        columns = dict(header.columns)
        left_out = set(header.left_out)
        for name in self.leave_out:
            column = self.column_named(header, name)
            if column is None:
                raise TrackerFileError(
                    f"{where} has no column '{name}' to leave out; give a column's heading as "
                    "written or its letter."
                )
            columns = {f: c for f, c in columns.items() if c != column}
            left_out.add(column)
        return Header(header.row, header.titles, columns, frozenset(left_out))

    @staticmethod
    def column_named(header: Header, name: str) -> int | None:
        """The column with this heading (any case) or this letter, if there is one."""
        key = " ".join(name.split()).lower()
        for column, title in enumerate(header.titles):
            if " ".join(title.split()).lower() == key:
                return column
        letters = [column_letter(n).lower() for n in range(max(len(header.titles), 64))]
        return letters.index(key) if key in letters else None


def _object(data: dict[str, Any], key: str, path: Path) -> dict[str, str]:
    value = data.get(key, {})
    if not isinstance(value, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        raise TrackerFileError(f"In {path.name}, {key} must map names to names.")
    return value


@dataclass(slots=True)
class Progress:
    on: dt.date | None  # None: the day of the import
    note: str
    # Of an entry split from a cell holding several dated lines: the note an import before
    # cells were split kept for the whole cell, so that importing again adds nothing.
    whole: str | None = None


@dataclass(slots=True)
class TrackerItem:
    """One recommendation as the file gives it: only the fields the file has columns for."""

    row: int
    source: str | None
    number: str
    text: str | None = None
    lead: list[str] | None = None
    joint: list[str] | None = None
    actions: str | None = None
    owner: str | None = None
    target: dt.date | None = None
    target_word: str | None = None  # "Ongoing": no date, kept in the log
    status: Status | None = None
    status_word: str = ""
    reason: str | None = None
    assured_by: str | None = None
    assured_on: dt.date | None = None
    closed_on: dt.date | None = None
    themes: list[str] | None = None
    progress: list[Progress] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)
    # Cells of columns no field reads, as (the column's name, the value): kept in the log.
    notes: list[tuple[str, str]] = field(default_factory=list)
    has: frozenset[Field] = frozenset()


CompanionRow = tuple[int, dict[str, Any]]  # a companion sheet's row: its number, its cells


class CompanionRows:
    """The rows of one of the log sheets casereview writes beside its own action plans
    ("Updates", "Evidence"), each with its cells by title, found by the review and the
    number they name as the items they are about are imported, a batch at a time.

    They are set aside on disk as they are read, in a database of their own in a new folder
    of the temporary folder, encrypted with a key kept only in memory (``cipher.scratch``):
    casereview's own export of 100,000 items holds some 150,000 rows of log, which held in
    memory took its import to 270 MB (issue 26: 150 MB whatever the file's size); SQLite keeps
    2 MB of it in memory. ``close`` removes it (and so does the collector, or the process's
    end, for a file no one closed). Each import marks the rows it has taken, so that each is
    merged once and those about no item are found; ``begin`` starts an import afresh (a
    trial run and the import that follows it read the same file)."""

    CHUNK = 5000  # rows set aside at a time
    ASKED = 500  # numbers asked for at a time (SQLite's limit on parameters is far above)

    def __init__(self, titles: tuple[str, ...], sheet: str) -> None:
        self.titles, self.sheet = titles, sheet
        self.count = 0
        self.closed = False
        self.folder: Path | None = None  # where the rows are set aside, once some are
        self._db: Any = None
        self._put_away: weakref.finalize[Any, Any] | None = None
        self._lock = threading.Lock()  # (the Import wizard reads and imports in its workers)

    def __len__(self) -> int:
        return self.count

    def add(self, rows: Iterable[CompanionRow]) -> None:
        """Set ``rows`` aside: (the row's number, its cells by title)."""
        db = self._open()
        rows = iter(rows)
        try:
            # One transaction: a statement's own (executemany's rows each committed alone)
            # took 7 s, not 0.8, for 150,000 rows encrypted.
            db.execute("BEGIN")
            while chunk := list(islice(rows, self.CHUNK)):
                db.executemany(
                    "INSERT INTO rows (review, number, row, cells) VALUES (?, ?, ?, ?)",
                    [
                        (
                            text_of(cells.get("Review")),
                            text_of(cells.get("Number")),
                            row,
                            pickle.dumps(tuple(cells.values()), pickle.HIGHEST_PROTOCOL),
                        )
                        for row, cells in chunk
                    ],
                )
                self.count += len(chunk)
            db.execute("COMMIT")
            db.execute("CREATE INDEX IF NOT EXISTS by_item ON rows (review, number)")
        except errors() as exc:
            raise self._failed(exc) from exc

    def close(self) -> None:
        """Remove the rows set aside: the tracker is done with (to import it again, it is
        read again)."""
        with self._lock:
            if self._put_away is not None:
                self._put_away()
            self._db = self._put_away = self.folder = None
            self.closed = True

    def begin(self) -> None:
        """A new import: every row is to be taken again."""
        with self._lock:
            self._still_here()
            if self._db is not None:
                self._run("UPDATE rows SET taken = 0 WHERE taken")

    def references(self) -> set[str]:
        """The reviews the rows name."""
        return {r for (r,) in self._rows("SELECT DISTINCT review FROM rows")}

    def numbers(self, review: str) -> set[str]:
        """The numbers of ``review`` with rows not taken yet."""
        query = "SELECT DISTINCT number FROM rows WHERE review = ? AND NOT taken"
        return {n for (n,) in self._rows(query, review)}

    def left(self, review: str) -> list[tuple[int, str]]:
        """The rows about ``review`` not taken, about no item it holds: each row's number in
        the sheet, and the item's number it gives."""
        query = "SELECT row, number FROM rows WHERE review = ? AND NOT taken ORDER BY row"
        return [(row, number) for row, number in self._rows(query, review)]

    def take(self, review: str, numbers: Sequence[str]) -> list[CompanionRow]:
        """The rows about these numbers of ``review`` not taken yet, in the sheet's order,
        taken now (so that each is merged once)."""
        found: list[tuple[int, int, bytes]] = []
        with self._lock:
            self._still_here()
            if self._db is None or not numbers:
                return []
            for start in range(0, len(numbers), self.ASKED):
                asked = list(numbers[start : start + self.ASKED])
                marks = ", ".join("?" * len(asked))
                where = f"review = ? AND number IN ({marks}) AND NOT taken"
                found += self._run(f"SELECT rowid, row, cells FROM rows WHERE {where}",
                                   review, *asked)  # fmt: skip
                self._run(f"UPDATE rows SET taken = 1 WHERE {where}", review, *asked)
        found.sort(key=lambda each: each[1])
        return [(row, dict(zip(self.titles, pickle.loads(cells), strict=False)))
                for _, row, cells in found]  # fmt: skip

    def _open(self) -> Any:
        if self._db is None:
            folder = Path(tempfile.mkdtemp(prefix="casereview-import-"))  # (this user's alone)
            held: list[Any] = []
            self._put_away = weakref.finalize(self, _put_away, held, folder)
            try:
                db = scratch(folder / f"{self.sheet.lower()}.db")
                held.append(db)
                db.execute("PRAGMA journal_mode = OFF")  # (nothing to roll back: a scratch)
                db.execute("PRAGMA synchronous = OFF")
                db.execute("PRAGMA cache_size = -2048")  # 2 MB
                db.execute(
                    "CREATE TABLE rows (review TEXT, number TEXT, row INTEGER, cells BLOB, "
                    "taken INTEGER NOT NULL DEFAULT 0)"
                )
            except errors() as exc:
                self._put_away()
                raise self._failed(exc) from exc
            self._db, self.folder = db, folder
        return self._db

    def _still_here(self) -> None:
        """Never an import without the log the file was read with: rows removed (``close``)
        are refused, not taken as none (a wizard closed while it imported, say)."""
        if self.closed and self.count:
            raise RuntimeError(f"the {self.sheet} rows of this tracker were removed")

    def _rows(self, query: str, *values: object) -> list[Any]:
        with self._lock:  # (``close`` takes it too: never "no rows" for rows removed meanwhile)
            self._still_here()
            if self._db is None:
                return []
            return self._run(query, *values)

    def _run(self, query: str, *values: object) -> list[Any]:
        assert self._db is not None
        try:
            return list(self._db.execute(query, values).fetchall())
        except errors() as exc:
            raise self._failed(exc) from exc

    def _failed(self, exc: Exception) -> TrackerFileError:
        """What stops the import when the rows cannot be set aside or read back: a full
        temporary folder, most likely; else SQLite's own words (never the rows')."""
        folder = tempfile.gettempdir()
        try:
            full = shutil.disk_usage(folder).free < ROOM_TO_WORK
        except OSError:
            full = False
        if full or "full" in str(exc).lower():
            return TrackerFileError(
                f"The temporary folder {folder}, where casereview sets the {self.sheet} sheet "
                "aside as it imports, is full; nothing was imported. Free some space there "
                "and try again."
            )
        return TrackerFileError(
            f"The {self.sheet} sheet could not be set aside in the temporary folder {folder} "
            f"({first_line(exc)}); nothing was imported."
        )


def _put_away(held: list[Any], folder: Path) -> None:
    """Close the rows' database and remove its folder (``CompanionRows``)."""
    for db in held:
        with suppress(Exception):
            db.close()
    shutil.rmtree(folder, ignore_errors=True)


@dataclass
class Companions:
    """The log, evidence and review details casereview writes beside its own action plans."""

    updates: CompanionRows = field(default_factory=lambda: CompanionRows(UPDATE_HEADERS, "Updates"))
    evidence: CompanionRows = field(
        default_factory=lambda: CompanionRows(EVIDENCE_HEADERS, "Evidence")
    )
    reviews: list[CompanionRow] = field(default_factory=list)  # a row a review: few
    organisations: list[CompanionRow] = field(default_factory=list)  # a row an agency: few
    sheets: list[str] = field(default_factory=list)  # the sheets they were read from
    layouts: dict[tuple[str, ...], str] = field(default_factory=dict)  # headers: sheet read
    copies: dict[str, str] = field(default_factory=dict)  # a sheet not read: the one read
    # A sheet not read whose headings are a layout's in another order, or that has the name
    # of one of casereview's own sheets and other headings: that layout.
    unlike: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def present(self) -> bool:
        return bool(self.updates or self.evidence or self.reviews or self.organisations)

    def close(self) -> None:
        """Remove the log sheets' rows set aside (``CompanionRows``)."""
        self.updates.close()
        self.evidence.close()


@dataclass
class _Found:
    """What one whole pass over a tracker's items found, keeping no item: the problems, the
    columns kept as notes, the rows joined to the item above, and each number's first row
    (numbers repeated are found with these keys alone)."""

    kept: dict[int, str]
    problems: list[Problem] = field(default_factory=list)
    joined: list[tuple[int, int]] = field(default_factory=list)
    # Lines of progress cells that start with a date that is not a real one: (row, date,
    # whether it is written month first).
    not_dates: list[tuple[int, str, bool]] = field(default_factory=list)
    first_seen: dict[tuple[str | None, str], int] = field(default_factory=dict)
    items: int = 0


@dataclass
class TrackerFile:
    """One file's tracker, ready to plan an import from: its sheet, header and companion
    sheets as read; its items are read from the file again each time they are wanted
    (``items``), one at a time, so that no import holds a whole tracker in memory (issue 26).

    ``problems``, ``kept`` and ``joined`` are what a whole pass over the items found: asking
    for one reads the file through once (``check``) unless a pass has been made already."""

    path: Path
    sheet: str
    sheets: list[str]
    header: Header
    title: str
    preview: list[Row]  # the sheet's first rows, as searched for the header
    numbered: bool  # False when the file has no number column and items were counted
    mapping: Mapping = field(default_factory=Mapping)
    companions: Companions = field(default_factory=Companions)
    own: bool = False  # written by casereview: lists split on semicolons, the log is its own
    status_words: dict[str, Status] = field(default_factory=dict)
    # Other sheets holding the same tracker layout, whether or not this sheet was named.
    # Without a choice, importing is refused until the user makes one (``--sheet``); with
    # one, an item another sheet already gave different agencies or actions is refused, not
    # overwritten (one sheet per agency often repeats a joint recommendation's number).
    other_sheets: list[str] = field(default_factory=list)
    chosen: bool = False  # the sheet was named (--sheet, a mapping, the wizard)
    # The cells with a comment, and how many links the sheet holds: not imported, said.
    unread: tuple[tuple[str, ...], int] = ((), 0)
    # Rows above the header holding text besides the title taken from them, and the sheets
    # holding anything that no import reads (each with whether it is hidden): said, by name.
    above: tuple[int, ...] = ()
    sheets_unread: tuple[tuple[str, bool], ...] = ()
    _found: _Found | None = None  # what the last whole pass over the items found
    # The workbook as opened to read the head, kept for the first pass over the items: an
    # .xlsx opened again pays openpyxl's reading of its size once more (9 s at 100,000 rows).
    _book: Workbook | None = field(default=None, repr=False, compare=False)
    # Cells read that may have been cut (sheet, row, column from 0): see ``reading._counted``.
    full_cells: set[tuple[str, int, int]] = field(default_factory=set, repr=False, compare=False)

    @property
    def problems(self) -> list[Problem]:
        return self.check().problems + self._cut_short()

    def _cut_short(self) -> list[Problem]:
        """In casereview's own workbook, each cell the import reads that is as full as
        casereview never leaves one without carrying it on (``reading.FULL_CELL``) and that
        no part carries on: its text was most likely cut (a second trial deleted the
        "Continued" sheet, and three long texts came back cut without a word). A partnership's
        tracker is read as it is."""
        if not self.own:
            return []
        read = {self.sheet, *self.companions.sheets}
        return [
            Problem(
                sheet,
                row,
                f"column {column_letter(column)}",
                f"holds {FULL_CELL:,} characters or more, and no part of the "
                f"'{CONTINUED_SHEET}' sheet carries it on, so its text was most likely cut; "
                "import the workbook as casereview exported it",
            )
            for sheet, row, column in sorted(self.full_cells)
            if sheet in read
        ]

    @property
    def kept(self) -> dict[int, str]:
        """Columns kept as notes in each item's log, with why (a heading casereview does not
        recognise, or a second column for one field)."""
        return self.check().kept

    @property
    def joined(self) -> list[tuple[int, int]]:
        """Rows with recommendation text and no number, joined to the item above: (row, its
        row)."""
        return self.check().joined

    @property
    def checked(self) -> bool:
        """Whether a whole pass over the items has been made (their problems are known)."""
        return self._found is not None

    def check(self) -> _Found:
        """Read the items through once, keeping only what they say about the file (problems,
        columns kept, rows joined), unless a pass has been made already."""
        if self._found is None:
            for _ in self.items():
                pass
        assert self._found is not None
        return self._found

    @collector_paused()
    def items(self) -> Iterator[TrackerItem]:
        """Each item in the sheet's order, read from the file as it is wanted, checked as it
        comes: problems go to ``problems`` (an item with a problem of its number is not
        given). Once the pass ends, ``problems``, ``kept`` and ``joined`` are its findings."""
        found = _Found(kept=_kept_columns(self.header))
        book, self._book = self._book, None
        if book is None:
            book = open_tracker(self.path)
        try:
            yield from _item_pass(book, self, found)
        finally:
            self.full_cells |= book.full
            book.close()
        self._found = found
        if not found.items and not found.problems and not self.own:
            # casereview's own export of a review with no recommendations imports as it is.
            raise TrackerFileError(
                f"Sheet '{self.sheet}' of {self.path.name} has a header on row "
                f"{self.header.row} but no recommendations below it."
            )

    def unknown_statuses(self) -> list[str]:
        """The status words casereview does not know, each once, as a mapping names them."""
        words = (p.status_word for p in self.problems if p.status_word)
        return list(dict.fromkeys(words))

    def kept_lines(self) -> list[str]:
        """What the import keeps beyond the recognised columns, what it leaves out, and the
        rows whose recommendation text it joins to the item above (a guess the user sees)."""
        lines = [
            f"{self.header.where(column)}, {why}, is kept as a note in each item's log."
            for column, why in sorted(self.kept.items())
        ]
        lines += [
            f"{self.header.where(column)} is left out, as asked."
            for column in sorted(self.header.left_out)
        ]
        lines += self._not_read()
        lines += [
            f"Row {row} has no number: its recommendation text is joined to row {above}'s."
            for row, above in self.joined
        ]
        lines += self._not_dates()
        return [line[0].upper() + line[1:] for line in lines]

    def _not_dates(self) -> list[str]:
        """The progress lines starting with a date that is not a real one ("31/02/2026 -
        ..."): kept as written, in the entry they are part of, and named, not dated the day
        of the import without a word (a trial's find)."""
        found = self.check().not_dates
        if not found:
            return []
        shown = [f"{date} on row {row}" for row, date, _ in found[:NAMED_CELLS]]
        more = len(found) - len(shown)
        named = f"{', '.join(shown)} and {more:,} more" if more else _listed(shown)
        one = len(found) == 1
        month_first = {first for _, _, first in found}
        what = {
            frozenset({False}): "a date that is not a real one",
            frozenset({True}): "a date written month first",
        }.get(frozenset(month_first), "a date that is not a real one, or written month first")
        why = "casereview reads dates day first (dd/mm/yyyy), so " if True in month_first else ""
        return [
            f"{'A line' if one else 'Lines'} of progress {'starts' if one else 'start'} with "
            f"{what} ({named}): {why}{'it is' if one else 'they are'} kept as written, not "
            f"dated by {'it' if one else 'them'}."
        ]

    def _not_read(self) -> list[str]:
        """The columns a file gives that the import reads nothing from, each named with why,
        so that what they hold is never thought imported (a trial's CSV round trip lost
        80,306 items' log without a word)."""
        columns, lines = self.header.columns, []
        if Field.RATING in columns:
            lines.append(
                f"{self.header.where(columns[Field.RATING])} is not read: casereview works "
                "each item's rating out from its status and target date."
            )
        if self.own and not self.companions.present and Field.PROGRESS in columns:
            lines.append(
                f"{self.header.where(columns[Field.PROGRESS])} is not read: casereview reads "
                "its own log from the Updates sheet of its .xlsx export, which this file has "
                "not, so no log entry is imported; to move the log, export .xlsx or JSON."
            )
        lines += self._not_read_around()
        commented, links = self.unread
        if commented:
            shown = list(commented[:NAMED_CELLS])
            more = len(commented) - len(shown)
            named = ", ".join(shown[:-1]) + f" and {shown[-1]}" if len(shown) > 1 else shown[0]
            named += f" and {more:,} more" if more > 0 else ""
            lines.append(
                f"The comment{'s' if len(commented) > 1 else ''} on {named} "
                f"{'are' if len(commented) > 1 else 'is'} not read: casereview imports what "
                "cells hold, not the comments on them; copy them into a column to import them."
            )
        if links:
            lines.append(
                f"{links:,} link{'s' if links > 1 else ''} in the sheet "
                f"{'are' if links > 1 else 'is'} not read: casereview imports a cell's text, "
                "not the address it links to; copy the address into the cell to keep it."
            )
        return lines

    def _not_read_around(self) -> list[str]:
        """The rows above the header and the other sheets that hold anything the import does
        not read (a trial's tracker lost its "agreed by" line and a hidden sheet unsaid)."""
        lines = []
        if self.above:
            rows = _listed([str(row) for row in self.above])
            plural = len(self.above) > 1
            title = f"the review's title from row {self._title_row()} alone" if self.title else ""
            lines.append(
                f"Row{'s' if plural else ''} {rows}, above the header, {'are' if plural else 'is'} "
                f"not read: casereview takes {title or 'nothing from above the header'}; copy "
                "what matters into the review's summary to keep it."
            )
        columns = self.header.columns
        if (
            any(name in self.other_sheets for name, _ in self.sheets_unread)
            and Field.LEAD not in columns
            and Field.JOINT not in columns
        ):  # a sheet an agency: a trial's imported with no agency and no word said
            lines.append(
                f"Sheet '{self.sheet}' has no column of agencies, so its items are given none: "
                "casereview does not take a sheet's name for an agency; to give them one, add "
                f"a '{Field.LEAD.label}' column before importing, or set it on each item."
            )
        for name, hidden in self.sheets_unread:
            which = f"hidden sheet '{name}'" if hidden else f"sheet '{name}'"
            if name in self.other_sheets:
                lines.append(
                    f"The {which}, a tracker of the same layout, is not imported with this "
                    "one; import it on its own, choosing it as this one was."
                )
            elif self.own and name in self.companions.unlike:
                layout = self.companions.unlike[name]
                lines.append(
                    f"The {which} is not read: its headings are not those of casereview's "
                    f"'{OWN_SHEETS[layout]}' sheet ({', '.join(layout)}, in that order); put "
                    "them back as exported to import it."
                )
            elif name in self.companions.copies:
                lines.append(
                    f"The {which} is not read: it has the layout of sheet "
                    f"'{self.companions.copies[name]}', whose rows are imported, and reading "
                    "both would add each of its rows twice."
                )
            else:
                lines.append(
                    f"The {which} is not read: casereview imports the tracker on sheet "
                    f"'{self.sheet}' alone."
                )
        return lines

    def _title_row(self) -> int:
        for number, row in enumerate(self.preview[: self.header.row - 1], start=1):
            if any(self.title in text_of(cell) for cell in row):
                return number
        return 1

    def close(self) -> None:
        """Let go of what the file's reading set aside on disk (``CompanionRows``), and of the
        file itself if its items were not read to the end: once it is done with. It is not
        imported after."""
        self.companions.close()
        book, self._book = self._book, None
        if book is not None:
            book.close()

    def check_one_sheet(self) -> None:
        """Refuse a workbook holding the same tracker on several sheets, naming them, unless
        this one was chosen."""
        if not self.other_sheets or self.chosen:
            return
        names = [self.sheet, *self.other_sheets]
        listed = ", ".join(f"'{n}'" for n in names[:-1]) + f" and '{names[-1]}'"
        raise TrackerFileError(
            f"{self.path.name} holds a tracker of the same layout on {len(names)} sheets, "
            f"{listed}; import them one at a time, choosing each with --sheet NAME (or the "
            "sheet in the Import wizard), so that no sheet is left out unseen."
        )


@collector_paused()
def read_tracker(path: Path, mapping: Mapping | None = None) -> TrackerFile:
    """Read a tracker's sheet, header and companion sheets; raises ``TrackerFileError`` when
    it is not one. Its rows are read as far as the first item here, and whole when the items
    or their problems are wanted (``TrackerFile.items``, ``check``)."""
    mapping = mapping or Mapping()
    book = open_tracker(path)
    try:
        tracker = _read(book, path, mapping)
    except BaseException:
        book.close()
        raise
    if tracker.checked:
        book.close()
    else:
        tracker._book = book  # for the first pass over the items, which closes it
    return tracker


def sheet_preview(path: Path, sheet: str, rows: int = HEADER_SEARCH_ROWS) -> list[Row]:
    """The first rows of one sheet, for the import wizard's preview."""
    book = open_tracker(path)
    try:
        if sheet not in book.sheet_names:
            raise TrackerFileError(f"{path.name} has no sheet named '{sheet}'.")
        return list(islice(book.rows(sheet), rows))
    finally:
        book.close()


def _choose_sheet(
    book: Workbook, path: Path, mapping: Mapping
) -> tuple[str, list[Row], Header, list[str]]:
    """The sheet holding the tracker, its first rows, its header, and the other sheets that
    hold a tracker of the same layout (only when the sheet was not named)."""
    names = book.sheet_names
    if mapping.sheet is not None:
        if mapping.sheet not in names:
            listed = ", ".join(f"'{n}'" for n in names)
            raise TrackerFileError(
                f"{path.name} has no sheet named '{mapping.sheet}'; its sheets are {listed}."
            )
        names = [mapping.sheet]
    best: tuple[int, str, list[Row], Header] | None = None
    layouts: list[tuple[str, frozenset[Field]]] = []
    for name in names:
        head = list(islice(book.rows(name), HEADER_SEARCH_ROWS))
        if mapping.header_row is not None:
            if mapping.header_row > len(head):
                raise TrackerFileError(
                    f"Sheet '{name}' of {path.name} has no row {mapping.header_row} to take "
                    "as its header."
                )
            header: Header | None = header_at(head, mapping.header_row)
        else:
            header = find_header(head)
        if header is None:
            continue
        header = mapping.apply(header)
        layouts.append((name, header.fields))
        score = len(header.columns)
        if best is None or score > best[0]:
            best = (score, name, head, header)
    if best is None or not (Field.NUMBER in best[3].columns or Field.TEXT in best[3].columns):
        checked = ", ".join(f"'{n}'" for n in names)
        raise TrackerFileError(
            f"{path.name} does not look like a tracker: no sheet ({checked}) has a header row "
            "naming a recommendation or number column and at least one other, such as lead "
            "agency, target date or status."
        )
    _, sheet, head, header = best
    if mapping.sheet is not None:  # chosen: still look for the same tracker on other sheets
        for name in book.sheet_names:
            if name != sheet:
                found = find_header(list(islice(book.rows(name), HEADER_SEARCH_ROWS)))
                if found is not None:
                    layouts.append((name, mapping.apply(found).fields))
    others = [name for name, fields in layouts if name != sheet and fields == header.fields]
    mapping.check_columns(header, f"Sheet '{sheet}' of {path.name}")
    header = mapping.leave_columns_out(header, f"Sheet '{sheet}' of {path.name}")
    return sheet, head, header, others


@contextmanager
def _closed_if_it_fails(companions: Companions) -> Iterator[None]:
    """What the reading set aside is removed at once if the reading fails, not left for the
    collector."""
    try:
        yield
    except BaseException:
        companions.close()
        raise


def _read(book: Workbook, path: Path, mapping: Mapping) -> TrackerFile:
    sheet, head, header, others = _choose_sheet(book, path, mapping)
    # casereview's own files: lists split on semicolons only, the log is not re-read.
    companions = _companions(book, sheet)
    with _closed_if_it_fails(companions):
        own = companions.present or tuple(header.titles[: len(PLAN_HEADERS)]) == PLAN_HEADERS
        tracker = TrackerFile(
            path=path,
            sheet=sheet,
            sheets=book.sheet_names,
            header=header,
            title=title_of(head[: header.row - 1]),
            preview=head,
            numbered=Field.NUMBER in header.columns,
            mapping=mapping,
            companions=companions,
            own=own,
            status_words=dict(mapping.statuses),
            other_sheets=others,
            chosen=mapping.sheet is not None,
        )
        commented, links = book.unread(sheet)
        tracker.unread = (tuple(commented), links)
        # (casereview's own lines above its header: its title and "Exported from casereview")
        tracker.above = () if own else _rows_above(head[: header.row - 1], tracker.title)
        read = {sheet, CONTINUED_SHEET, *companions.sheets}  # the sheets the import reads
        tracker.sheets_unread = tuple(
            (name, book.hidden(name))
            for name in book.sheet_names
            if name not in read and _holds_text(book, name)
        )
        # The rows are read when the items are wanted; only as far as the first item (or
        # problem) here, so that a sheet with a header and nothing below it is refused now.
        found = _Found(kept=_kept_columns(header))
        for _ in _item_pass(book, tracker, found):
            break
        else:
            if not found.problems and not own:
                raise TrackerFileError(
                    f"Sheet '{sheet}' of {path.name} has a header on row {header.row} but no "
                    "recommendations below it."
                )
            tracker._found = found  # the whole sheet was read: its findings are complete
        return tracker


NAMED_CELLS = 5  # cells with a comment named by reference; the rest counted


def _rows_above(rows: list[Row], title: str) -> tuple[int, ...]:
    """The rows above the header holding text besides the title line taken from them."""
    return tuple(
        number
        for number, row in enumerate(rows, start=1)
        if (texts := [text_of(cell) for cell in row if text_of(cell)])
        and not (title and len(texts) == 1 and title in texts[0])
    )


def _holds_text(book: Workbook, sheet: str) -> bool:
    """Whether any of the sheet's cells holds a value, read until one does (a sheet of lists
    for drop-downs holds them too, and is named: casereview cannot tell it from notes). A
    sheet too large to read is named too: what it holds is not known to be nothing."""
    try:
        return any(text_of(c) for row in book.rows(sheet) for c in row)
    except TrackerFileError:
        return True


def _listed(names: list[str]) -> str:
    return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]


def _kept_columns(header: Header) -> dict[int, str]:
    return {
        column: header.why_kept(column)
        for column, title in enumerate(header.titles)
        if title and header.kept(column)
    }


def _item_pass(book: Workbook, tracker: TrackerFile, found: _Found) -> Iterator[TrackerItem]:
    """The sheet's items one at a time, each checked; what the pass finds goes to ``found``.
    An item whose number is missing or used again is reported, not given."""
    sheet, header, problems = tracker.sheet, tracker.header, found.problems
    rows: Iterator[Row] = islice(book.rows(sheet), header.row, None)
    spans: dict[tuple[int, int], int] | None = None

    def merged(row: int, column: int) -> int:
        nonlocal spans
        if spans is None:  # read only when a row could be a heading
            spans = book.merged(sheet)
        return spans.get((row, column), 1)

    for row in item_rows(rows, header, header.row + 1, merged):
        if isinstance(row, int):
            problems.append(Problem(sheet, row, None, "this row has no number or recommendation"))
            continue
        for _, extra in row.extra:
            for column in extra:
                found.kept.setdefault(column, header.why_kept(column))
        item = _item(
            row,
            header,
            sheet=sheet,
            problems=problems,
            mapping=tracker.mapping,
            numbered=tracker.numbered,
            count=found.items + 1,
            own=tracker.own,
        )
        if item is None:
            continue
        found.joined += [(at, row.row) for at, values in row.continuations if Field.TEXT in values]
        found.not_dates += _progress_not_dated(row)
        key = (item.source, item.number)
        if key in found.first_seen:
            problems.append(
                Problem(
                    sheet,
                    item.row,
                    header.where(header.columns.get(Field.NUMBER, 0)),
                    f"number {item.number} is used again (first on row {found.first_seen[key]})",
                )
            )
            continue
        found.first_seen[key] = item.row
        found.items += 1
        yield item


@dataclass(frozen=True, slots=True)
class _Report:
    """Where one item's problems go, each said with its sheet, the item's row and the column
    of the field it is about."""

    sheet: str
    row: int
    header: Header
    problems: list[Problem]

    def __call__(self, fld: Field, message: str, word: str | None = None) -> None:
        where = self.header.where(self.header.columns[fld])
        self.problems.append(Problem(self.sheet, self.row, where, message, word))


def _item(
    found: SheetRow,
    header: Header,
    *,
    sheet: str,
    problems: list[Problem],
    mapping: Mapping,
    numbered: bool,
    count: int,
    own: bool,
) -> TrackerItem | None:
    """One item from its rows, or None when it has no number in a numbered tracker.

    The steps run in the order a row's problems are reported: number, target date, the other
    dates, status, lengths, then each continuation row's status and target date.
    """
    report = _Report(sheet, found.row, header, problems)
    item = _identity(found, header, report, numbered=numbered, count=count)
    if item is None:
        return None
    cells = found.cells
    listed = _lists(item, cells, header, own=own)
    _texts(item, cells, header)
    _target(item, cells, header, report)
    _dates(item, cells, report)
    _status(item, cells, mapping, report)
    _lengths(cells, listed, report)
    _controls(cells, report)
    for row, values in found.continuations:
        _continued(
            item, row, values, sheet=sheet, header=header, problems=problems, mapping=mapping
        )
    _joined_continuations(item, found, own=own)
    _updates_and_evidence(item, found)
    _each_rows_status_and_target(item, found)
    _notes(item, found, header)
    return item


def _identity(
    found: SheetRow, header: Header, report: _Report, *, numbered: bool, count: int
) -> TrackerItem | None:
    """The item's review and number; an unnumbered tracker numbers its items by count."""
    cells = found.cells
    number = number_of(cells[Field.NUMBER]) if Field.NUMBER in cells else ""
    if not number:
        if numbered:
            report(Field.NUMBER, "the recommendation has no number")
            return None
        number = str(count)
    source = text_of(cells[Field.SOURCE]) if Field.SOURCE in cells else None
    item = TrackerItem(row=found.row, source=source, number=number)
    item.has = header.fields  # one set for the whole sheet, shared by every item
    return item


def _lists(
    item: TrackerItem, cells: dict[Field, Any], header: Header, *, own: bool
) -> dict[Field, list[str]]:
    """Lead and joint agencies and themes; returns the lists the row's cells hold, whose parts
    are checked for length one by one."""
    listed: dict[Field, list[str]] = {
        fld: agencies_of(cells.get(fld), strict=own)
        for fld in (Field.LEAD, Field.JOINT, Field.THEMES)
        if fld in cells
    }
    if Field.LEAD in header.columns:
        item.lead = listed.get(Field.LEAD, [])
    if Field.JOINT in header.columns:
        item.joint = listed.get(Field.JOINT, [])
    if Field.THEMES in header.columns:
        item.themes = listed.get(Field.THEMES, [])
    return listed


def _texts(item: TrackerItem, cells: dict[Field, Any], header: Header) -> None:
    """The text fields, for each column the sheet has (an empty cell clears the field)."""
    if Field.TEXT in header.columns:
        item.text = text_of(cells.get(Field.TEXT)) or None
    for fld, attr in (
        (Field.ACTIONS, "actions"),
        (Field.OWNER, "owner"),
        (Field.REASON, "reason"),
        (Field.ASSURED_BY, "assured_by"),
    ):
        if fld in header.columns:
            setattr(item, attr, text_of(cells.get(fld)))


def _target(item: TrackerItem, cells: dict[Field, Any], header: Header, report: _Report) -> None:
    """The target date; a word ("Ongoing") or a remark beside the date is kept as written."""
    if Field.TARGET in header.columns and Field.TARGET in cells:
        try:
            item.target, remark = date_and_remark(cells[Field.TARGET])
        except ValueError as exc:
            report(Field.TARGET, str(exc))
        else:
            if item.target is None or remark:  # "Ongoing", "31/3/2026 (revised)": kept
                item.target_word = text_of(cells[Field.TARGET])


def _dates(item: TrackerItem, cells: dict[Field, Any], report: _Report) -> None:
    """The dates assurance was given and the item closed: a date or nothing, never a word."""
    for fld, attr in ((Field.ASSURED_ON, "assured_on"), (Field.CLOSED_ON, "closed_on")):
        if fld in cells:
            try:
                value = date_of(cells[fld])
                if value is None:
                    raise ValueError(f"'{text_of(cells[fld])}' is not a date")
                setattr(item, attr, value)
            except ValueError as exc:
                report(fld, str(exc))


def _status(item: TrackerItem, cells: dict[Field, Any], mapping: Mapping, report: _Report) -> None:
    """The status, with the word the row used; an unknown word is reported with that word."""
    if Field.STATUS in cells:
        try:
            item.status = status_of(cells[Field.STATUS], mapping.statuses)
            item.status_word = text_of(cells[Field.STATUS])
        except ValueError as exc:
            word = exc.word if isinstance(exc, UnknownStatusError) else None
            report(Field.STATUS, str(exc), word=word)


def _lengths(cells: dict[Field, Any], listed: dict[Field, list[str]], report: _Report) -> None:
    """A cell (or one name of a list) longer than the database keeps is reported."""
    for fld, limit in LIMITS.items():
        cell = cells.get(fld)
        if cell is None:
            continue
        parts = listed[fld] if fld in listed else [text_of(cell)]
        if any(len(part) > limit for part in parts):
            report(fld, f"this is longer than the {limit} characters casereview keeps")


def _controls(cells: dict[Field, Any], report: _Report) -> None:
    """A cell holding a bidirectional override or embedding (U+202A to U+202E) is reported by
    its row and column, as the field rules refuse it (db.core.fields.bidi_problem)."""
    for fld, cell in cells.items():
        reason = fields.bidi_problem(cell) if isinstance(cell, str) else None
        if reason is not None:
            report(fld, f"this {reason}")


def _joined_continuations(item: TrackerItem, found: SheetRow, *, own: bool) -> None:
    """Continuation rows add their recommendation text, actions, owners and agencies to the
    item's own (text a tracker ran on to the next row stays, on a line of its own)."""
    for _, values in found.continuations:
        if Field.TEXT in values:
            rest = text_of(values[Field.TEXT])
            item.text = f"{item.text}\n{rest}" if item.text else rest
        if Field.ACTIONS in values:
            more = text_of(values[Field.ACTIONS])
            item.actions = f"{item.actions}\n{more}" if item.actions else more
        if Field.OWNER in values:
            owner = text_of(values[Field.OWNER])
            if item.owner and owner not in item.owner.split("; "):
                item.owner = f"{item.owner}; {owner}"
            elif not item.owner:
                item.owner = owner
        for fld, names in ((Field.LEAD, "lead"), (Field.JOINT, "joint")):
            if fld in values:
                current = getattr(item, names) or []
                extra = [n for n in agencies_of(values[fld], strict=own) if n not in current]
                setattr(item, names, current + extra)


def _each_rows_status_and_target(item: TrackerItem, found: SheetRow) -> None:
    """An item over several rows, each with its own status or target ("Complete" by
    31/01/2026, "Not started" by 30/06/2026), takes the least advanced status and the latest
    target (``_continued``); the others were dropped without a word (a trial's find). Each
    row's, as the tracker gives them, goes in the item's log, before the rows' progress."""
    if not any(Field.STATUS in v or Field.TARGET in v for _, v in found.continuations):
        return
    said = []
    for row, values in [(found.row, found.cells), *found.continuations]:
        parts = [
            f"'{_noted(values[fld])}'" if fld is Field.STATUS else _noted(values[fld])
            for fld in (Field.STATUS, Field.TARGET)
            if fld in values and _noted(values[fld])
        ]
        if parts:
            said.append(f"row {row}: {', '.join(parts)}")
    if said:
        note = f"Each row's status and target in the imported tracker: {'; '.join(said)}."
        item.progress.insert(0, Progress(None, note))


def _updates_and_evidence(item: TrackerItem, found: SheetRow) -> None:
    """Each row's progress update and evidence, in row order."""
    for _, values in [(found.row, found.cells), *found.continuations]:
        if Field.PROGRESS in values:
            item.progress.extend(_progress_log(text_of(values[Field.PROGRESS])))
        if Field.EVIDENCE in values:
            item.evidence.append(text_of(values[Field.EVIDENCE]))


def _notes(item: TrackerItem, found: SheetRow, header: Header) -> None:
    """Cells of columns no field reads, kept as notes naming their column."""
    for _, cells_kept in found.extra:
        for column, value in cells_kept.items():
            item.notes.append((header.name(column), _noted(value)))


def _noted(value: object) -> str:
    """A cell kept as a note: its text, a date as people write it ("21 November 2025")."""
    if isinstance(value, dt.datetime) and value.time() == dt.time():
        value = value.date()
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return format_date(value)
    return text_of(value)


def _continued(
    item: TrackerItem,
    row: int,
    values: dict[Field, Any],
    *,
    sheet: str,
    header: Header,
    problems: list[Problem],
    mapping: Mapping,
) -> None:
    """A continuation row's own status or target date: the item takes the least advanced
    status and the latest target of its rows, as a plan with one status per action means."""
    if Field.STATUS in values:
        try:
            status = status_of(values[Field.STATUS], mapping.statuses)
        except ValueError as exc:
            where = header.where(header.columns[Field.STATUS])
            word = exc.word if isinstance(exc, UnknownStatusError) else None
            problems.append(Problem(sheet, row, where, str(exc), word))
        else:
            if status is not None and (
                item.status is None
                or _PROGRESS_ORDER.index(status) < _PROGRESS_ORDER.index(item.status)
            ):
                item.status, item.status_word = status, text_of(values[Field.STATUS])
    if Field.TARGET in values:
        try:
            target, remark = date_and_remark(values[Field.TARGET])
        except ValueError as exc:
            problems.append(
                Problem(sheet, row, header.where(header.columns[Field.TARGET]), str(exc))
            )
        else:
            if remark:  # kept in the log whether or not this row's date is the item's
                written = text_of(values[Field.TARGET])
                note = f"Target date given in the imported tracker as '{written}'."
                item.progress.append(Progress(None, note))
            if target is not None and (item.target is None or target > item.target):
                # The item's own row's word ("Ongoing") stays in the log as what it said.
                item.target = target


def _progress_log(text: str) -> list[Progress]:
    """A progress cell as the dated log it holds: trackers add a dated line to the cell at
    each update ("12/01/2026 - Briefings planned", then "03/03/2026 - Briefings delivered"),
    and each such line (a date, then a dash or colon) begins an entry of its own, dated, with
    the lines below it (text above the first goes with it). A cell with fewer than two such
    lines is one entry."""
    if "\n" not in text:
        return [_progress(text)]
    lines = text.split("\n")
    starts = [n for n, line in enumerate(lines) if _begins_entry(line)]
    if len(starts) < 2:
        return [_progress(text)]
    whole = _progress(text).note
    starts[0] = 0
    ends = [*starts[1:], len(lines)]
    entries = []
    for start, end in zip(starts, ends, strict=True):
        part = "\n".join(lines[start:end]).strip()
        dated = _progress(part) if start else _first_dated(lines[:end])
        entries.append(Progress(dated.on, dated.note, whole))
    return entries


def _progress_not_dated(found: SheetRow) -> list[tuple[int, str, bool]]:
    """The lines of an item's progress cells that start as a dated entry does with a date
    that is not a real one ("31/02/2026 - ...", or at the cell's start "31/02/2026 Briefings
    planned", as a real date there dates it), each with its row and whether it would be one
    read month first ("12/31/2026")."""
    bad = []
    for row, values in [(found.row, found.cells), *found.continuations]:
        if Field.PROGRESS not in values:
            continue
        text = text_of(values[Field.PROGRESS])
        starts = [m.group(1) for m in _ENTRY_LINES.finditer(text)]
        first = _LEADING_DATE.match(text)
        if first and first.group(2).strip() and not _ENTRY_LINE.match(text):
            starts.insert(0, first.group(1))
        for date in starts:
            try:
                date_of(date)
            except ValueError as exc:
                if _PARAGRAPH.fullmatch(date) is None:  # "4.13.20 - see ..." names no date
                    bad.append((row, date, "day first" in str(exc)))
    return bad


def _begins_entry(line: str) -> bool:
    """Whether a line of a progress cell begins an entry: a date, a dash or colon, and words,
    not a second date ("31/03/2026 - 30/06/2026 as agreed" carries on a sentence: a trial's)."""
    if _ENTRY_LINE.match(line) is None:
        return False
    entry = _progress(line)
    return entry.on is not None and _STARTS_WITH_DATE.match(entry.note) is None


def _first_dated(lines: list[str]) -> Progress:
    """The first entry of a cell: its first dated line and what follows, with any text
    above that line before it."""
    at = next(n for n, line in enumerate(lines) if _begins_entry(line))
    dated = _progress("\n".join(lines[at:]).strip())
    above = "\n".join(lines[:at]).strip()
    return Progress(dated.on, f"{above}\n{dated.note}" if above else dated.note)


def _progress(text: str) -> Progress:
    """A progress cell; a date at its start ("12/03/2012 - Training delivered") dates it."""
    match = _LEADING_DATE.match(text)
    if match and match.group(2).strip():
        try:
            on = date_of(match.group(1))
        except ValueError:  # not a date after all: the whole text is the progress (no log)
            on = None
        if on is not None:
            return Progress(on, match.group(2).strip())
    return Progress(None, text)


def _companions(book: Workbook, main: str) -> Companions:
    found = Companions()
    try:
        _read_companions(book, main, found)
    except BaseException:
        found.close()
        raise
    return found


def _read_companions(book: Workbook, main: str, found: Companions) -> None:
    targets: dict[tuple[str, ...], CompanionRows | list[CompanionRow]] = {
        UPDATE_HEADERS: found.updates,
        EVIDENCE_HEADERS: found.evidence,
        REVIEW_HEADERS: found.reviews,
        ORGANISATION_HEADERS: found.organisations,
    }
    alike: dict[tuple[str, ...], list[str]] = {}  # each layout's sheets, in the book's order
    for name in book.sheet_names:
        if name != main:
            titles = tuple(text_of(c) for c in next(book.rows(name), ()))
            if titles in targets:
                alike.setdefault(titles, []).append(name)
            elif (layout := _SORTED_LAYOUTS.get(tuple(sorted(titles)))) is not None:
                found.unlike[name] = layout
            elif (layout := _NAMED_LAYOUTS.get(name)) is not None:
                found.unlike[name] = layout  # a column added, taken out or renamed
    # A second sheet of the same layout (a copy of "Updates" kept beside it) would add each
    # row again (a trial's doubled every update): one is read, the one of casereview's own
    # name if it is there (Excel puts a copy before the sheet it copies), and the others are
    # named as not read.
    read: dict[str, tuple[str, ...]] = {}
    for titles, names in alike.items():
        chosen = OWN_SHEETS[titles] if OWN_SHEETS[titles] in names else names[0]
        read[chosen] = titles
        found.copies.update((name, chosen) for name in names if name != chosen)
    for name in (name for name in book.sheet_names if name in read):
        titles = read[name]
        found.layouts[titles] = name
        found.sheets.append(name)
        rows = book.rows(name)
        next(rows, ())
        held = (
            (number, dict(zip(titles, cells, strict=False)))
            for number, cells in enumerate(rows, start=2)
            if any(text_of(c) for c in cells)
        )
        target = targets[titles]
        if isinstance(target, CompanionRows):
            target.sheet = name  # its problems name the sheet read
            target.add(held)
        else:
            target.extend(held)


def parse_stamp(value: object) -> dt.datetime | None:
    """An "Added at" cell: an Excel date-time or ISO text, in UTC."""
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        stamp = value
    else:
        try:
            stamp = dt.datetime.fromisoformat(text_of(value))
        except ValueError:  # no time of day: a day alone, or the refusal parse_iso_date gives
            day = parse_iso_date(text_of(value))
            stamp = dt.datetime(day.year, day.month, day.day)
    # Workbooks hold no time zone; casereview writes its times in UTC.
    return stamp.replace(tzinfo=dt.UTC) if stamp.tzinfo is None else stamp.astimezone(dt.UTC)


__all__ = ["Mapping", "Problem", "TrackerFile", "TrackerItem", "guess_columns", "read_tracker"]
