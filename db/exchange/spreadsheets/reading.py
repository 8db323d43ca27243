"""Opening tracker files safely: .xlsx, .xls and .csv as sheets of rows.

Whatever is wrong with a file (not a spreadsheet, truncated, an XML entity bomb, a zip bomb,
a sheet too big to be a tracker), the only error that leaves this module is
``TrackerFileError`` with one plain sentence. XML is parsed by defusedxml (openpyxl uses it
when it is installed, and this module refuses to run without it).
"""

from __future__ import annotations

import csv
import hashlib
import posixpath
import zipfile
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol

from db.core import fields
from db.core.errors import CaseReviewError
from db.exchange.spreadsheets.layout import (
    HEADER_SEARCH_ROWS,
    MAX_COLUMNS,
    Row,
    column_letter,
    find_header,
)
from db.exchange.spreadsheets.values import restore
from db.store.atomic import not_a_file, special_file

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024
MAX_PACKING_RATIO = 200
MAX_ROWS = 250_000
MAX_CELL_CHARS = 32_767  # Excel's own limit for one cell
SUFFIXES = (".xlsx", ".xlsm", ".xls", ".csv")
# Where casereview's exports carry on text longer than a cell holds
# (db/exchange/spreadsheets/writing).
CONTINUED_SHEET = "Continued"
# Each part names the cell it carries on, and a checksum of the whole text: a sheet sorted
# after casereview wrote it moves its cells away from the parts that continue them (a trial's
# sorted Organisations sheet gave one agency's long notes the tail of another's).
CONTINUED_HEADERS = ("Sheet", "Cell", "Part", "Text", "Cell checksum")
UNCHECKED_HEADERS = CONTINUED_HEADERS[:4]  # as casereview wrote it before 7 December 2026


# casereview never leaves a text this long or longer in a cell without carrying it on in the
# "Continued" sheet (writing.py), so a cell of its own workbook this full that no part carries
# on was most likely cut: the sheet deleted, or Excel cutting a longer text pasted in (32,767).
FULL_CELL = MAX_CELL_CHARS - 1


def cell_checksum(text: str) -> str:
    """The checksum of a text too long for its cell, whole, that its parts in the
    "Continued" sheet carry (of the whole: a sort can swap two texts that begin alike, and a
    part can be lost or doubled)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


class TrackerFileError(CaseReviewError):
    """A tracker file cannot be read or imported; nothing was changed."""


class TrackerProblemsError(TrackerFileError):
    """Rows of a tracker to put right before it can be imported. The message is one line
    naming the first; ``problems`` says each, one line apiece, for a full report."""

    def __init__(self, message: str, problems: list[str]) -> None:
        super().__init__(message)
        self.problems = problems


class Workbook(Protocol):
    name: str
    # The cells read so far that may have been cut (an .xlsx's: see ``_counted``).
    full: set[tuple[str, int, int]]

    @property
    def sheet_names(self) -> list[str]: ...

    def rows(self, sheet: str) -> Iterator[Row]: ...

    def merged(self, sheet: str) -> dict[tuple[int, int], int]:
        """For each merged cell, by the row (1-based) and column (0-based) where it starts,
        how many columns it spans."""
        ...

    def unread(self, sheet: str) -> tuple[list[str], int]:
        """What the sheet holds beside its cells' values that no import reads: the cells
        with a comment (by reference, "G5") and how many links it holds."""
        ...

    def hidden(self, sheet: str) -> bool:
        """Whether the sheet is hidden in the program that made the file."""
        ...

    def close(self) -> None: ...


def open_tracker(path: Path) -> Workbook:
    """Open ``path`` for reading, or raise ``TrackerFileError`` saying why not."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise TrackerFileError(
            f"{path.name} is not a file casereview can import: choose an Excel workbook "
            "(.xlsx or .xls), a CSV file or a casereview JSON file."
        )
    try:
        size = path.stat().st_size
    except FileNotFoundError as exc:
        raise TrackerFileError(f"There is no file {path}.") from exc
    except OSError as exc:
        raise TrackerFileError(f"{path} cannot be read ({exc.strerror or exc}).") from exc
    if special_file(path):  # (said to be a folder: a trial's link to /dev/zero)
        raise TrackerFileError(not_a_file(path))
    if not path.is_file():
        raise TrackerFileError(f"{path} is a folder, not a file.")
    if size == 0:
        raise TrackerFileError(f"{path.name} is empty.")
    if size > MAX_FILE_BYTES:
        raise TrackerFileError(
            f"{path.name} is {size // (1024 * 1024)} MB, larger than any tracker casereview "
            f"imports ({MAX_FILE_BYTES // (1024 * 1024)} MB)."
        )
    if suffix == ".csv":
        return CsvFile(path)
    if suffix == ".xls":
        return XlsFile(path)
    return XlsxFile(path)


def _limit_row(
    row: Row,
    where: Callable[[], str],
    limit: int = MAX_CELL_CHARS,
    carried: Collection[int] = (),
    full: list[int] | None = None,
) -> Row:
    """The row as read, cut to the columns casereview reads, refused when a cell holds more
    than ``limit``. With ``full`` (an .xlsx sheet's), the columns (from 0) of the cells at
    least ``FULL_CELL`` long that the "Continued" sheet does not carry on (``carried``) are
    added to it: casereview's own workbook refuses them (``TrackerFile.problems``)."""
    row = row[:MAX_COLUMNS]
    for column, value in enumerate(row):
        if not isinstance(value, str):
            continue
        if full is not None and len(value) >= FULL_CELL and column not in carried:
            full.append(column)
        if len(value) > limit:
            can = (
                "a spreadsheet cell can hold"
                if limit == MAX_CELL_CHARS
                else f"casereview takes in one cell ({limit:,} characters)"
            )
            raise TrackerFileError(
                f"{where()} holds a cell of {len(value):,} characters, more than {can}; the "
                "file is not a tracker casereview can import."
            )
    # Trailing blank cells carry nothing and make every row look different in width.
    end = len(row)
    while end and (row[end - 1] is None or row[end - 1] == ""):
        end -= 1
    return row[:end]


def _counted(
    rows: Iterator[Row],
    name: str,
    sheet: str,
    limit: int = MAX_CELL_CHARS,
    *,
    carried: Collection[tuple[int, int]] = (),
    full: set[tuple[str, int, int]] | None = None,
) -> Iterator[Row]:
    """For an .xlsx sheet, ``full`` gathers (sheet, row, column from 0) of each cell at
    least ``FULL_CELL`` long that ``carried``, the cells the "Continued" sheet carries on,
    does not hold; see ``_limit_row``."""
    columns: dict[int, set[int]] = {}
    for at, column in carried:
        columns.setdefault(at, set()).add(column)
    cut: list[int] = []  # (one list for every row: this runs for each row of a sheet)
    number = 0

    def where() -> str:
        return f"Sheet '{sheet}' of {name}, row {number},"

    for number, row in enumerate(rows, start=1):  # (``where`` reads ``number``)
        if number > MAX_ROWS:
            raise TrackerFileError(
                f"Sheet '{sheet}' of {name} has more than {MAX_ROWS:,} rows, more than "
                "casereview imports at once."
            )
        if full is None:
            yield _limit_row(row, where, limit)
            continue
        limited = _limit_row(row, where, limit, columns.get(number, ()), cut)
        if cut:  # (gathered before the row is given: a reader may stop at any row)
            full.update((sheet, number, column) for column in cut)
            cut.clear()
        yield limited


# A cell's rest, as the "Continued" sheet gives it: the text, and the whole text's checksum
# (None in a workbook written before the checksum was).
_Rest = tuple[str, str | None]


def _continuations(
    rows: Iterator[Row], name: str, *, checked: bool
) -> dict[str, dict[tuple[int, int], _Rest]]:
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

    found: dict[str, dict[tuple[int, int], list[tuple[int, str, str | None]]]] = {}
    for number, row in enumerate(rows, start=2):
        try:
            sheet, where, part, text, checksum = (row + (None,) * 5)[:5]
            letters, row_number = coordinate_from_string(str(where))
            key = (int(row_number), column_index_from_string(letters) - 1)
            if not isinstance(sheet, str) or not isinstance(text, str):
                raise ValueError
            if checked and checksum is None:
                raise ValueError  # (cleared, it would let a sorted sheet through)
            said = None if checksum is None else str(checksum)
            found.setdefault(sheet, {}).setdefault(key, []).append((int(part), text, said))
        except (ValueError, TypeError) as exc:
            raise TrackerFileError(
                f"Sheet '{CONTINUED_SHEET}' of {name}, row {number}, does not say which cell "
                "its text continues, or its checksum; the file was changed after casereview "
                "wrote it."
            ) from exc
    return {
        sheet: {
            key: ("".join(text for _, text, _ in sorted(parts)), parts[0][2])
            for key, parts in cells.items()
        }
        for sheet, cells in found.items()
    }


def _joined(
    rows: Iterator[Row], rest: dict[tuple[int, int], _Rest], name: str, sheet: str
) -> Iterator[Row]:
    """Rows with the text each cell continues in the "Continued" sheet put back on its end,
    once the cell is shown to hold the text the continuation was written for."""
    by_row: dict[int, dict[int, _Rest]] = {}
    for (at, column), carried in rest.items():
        by_row.setdefault(at, {})[column] = carried
    for number, row in enumerate(rows, start=1):
        more = by_row.get(number)
        if not more:
            yield row
            continue
        cells = list(row) + [None] * (max(more) + 1 - len(row))
        for column, (rest_of_it, checksum) in more.items():
            whole = f"{cells[column] or ''}{rest_of_it}"
            if checksum is not None and cell_checksum(whole) != checksum:
                raise TrackerFileError(
                    f"Sheet '{CONTINUED_SHEET}' of {name} carries on the text of cell "
                    f"{column_letter(column)}{number} of sheet '{sheet}', but the two "
                    "no longer make the text casereview wrote (the sheet was sorted, or the "
                    "cell or its parts changed, since); import the workbook as exported."
                )
            cells[column] = whole
        yield tuple(cells)


@dataclass
class XlsxFile:
    path: Path

    def __post_init__(self) -> None:
        import openpyxl
        from openpyxl.xml import DEFUSEDXML

        if not DEFUSEDXML:  # pragma: no cover - defusedxml is a dependency
            raise TrackerFileError("Excel files cannot be read safely: defusedxml is missing.")
        self.name = self.path.name
        self.full: set[tuple[str, int, int]] = set()  # see ``_counted``
        self._rest: dict[str, dict[tuple[int, int], _Rest]] | None = None
        self._check_zip()
        try:
            self._book = openpyxl.load_workbook(
                self.path, read_only=True, data_only=True, keep_links=False
            )
        except Exception as exc:  # openpyxl, zipfile and XML parsers raise many kinds
            raise self._damaged_error(exc) from exc

    def _damaged_error(self, exc: BaseException) -> TrackerFileError:
        chain: list[BaseException] = []
        cause: BaseException | None = exc
        while cause is not None and cause not in chain:
            chain.append(cause)
            cause = cause.__cause__ or cause.__context__
        kinds = " ".join(type(e).__name__ for e in chain)
        if "Entities" in kinds or "DTD" in kinds or "External" in kinds:
            return TrackerFileError(
                f"{self.name} contains XML entity declarations, which a real workbook never "
                "holds; it was not read."
            )
        return TrackerFileError(
            f"{self.name} is not an Excel workbook casereview can read, or it is damaged."
        )

    def _check_zip(self) -> None:
        try:
            with zipfile.ZipFile(self.path) as archive:
                members = archive.infolist()
        # A damaged header can also claim a zip version or compression zipfile does not know.
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise TrackerFileError(
                f"{self.name} is not an Excel workbook (.xlsx), or it is damaged or truncated."
            ) from exc
        unpacked = sum(m.file_size for m in members)
        packed = sum(m.compress_size for m in members) or 1
        if unpacked > MAX_UNPACKED_BYTES or (
            unpacked > 10 * 1024 * 1024 and unpacked / packed > MAX_PACKING_RATIO
        ):
            raise TrackerFileError(
                f"{self.name} would unpack to {unpacked // (1024 * 1024):,} MB from "
                f"{packed // 1024:,} KB, which no tracker does; it was not read."
            )

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheetnames)

    def rows(self, sheet: str) -> Iterator[Row]:
        try:
            worksheet = self._book[sheet]
            rest = self._continued().get(sheet)
            values = worksheet.iter_rows(values_only=True)
            rows = _counted(values, self.name, sheet, carried=rest or {}, full=self.full)
            if rest is None:
                yield from rows
            else:
                yield from _joined(rows, rest, self.name, sheet)
        except TrackerFileError:
            raise
        except Exception as exc:
            raise self._damaged_error(exc) from exc

    def _continued(self) -> dict[str, dict[tuple[int, int], _Rest]]:
        """Text casereview's export carried on in its "Continued" sheet because a cell holds
        at most 32,767 characters: by sheet, the rest of each cell (row, column from 0)."""
        if self._rest is None:
            self._rest = {}
            if CONTINUED_SHEET in self._book.sheetnames:
                rows = _counted(
                    self._book[CONTINUED_SHEET].iter_rows(values_only=True),
                    self.name,
                    CONTINUED_SHEET,
                )
                header = tuple(next(rows, ()))
                if header in (CONTINUED_HEADERS, UNCHECKED_HEADERS):
                    checked = header == CONTINUED_HEADERS
                    self._rest = _continuations(rows, self.name, checked=checked)
        return self._rest

    def merged(self, sheet: str) -> dict[tuple[int, int], int]:
        # Read-only worksheets do not say which cells are merged: the <mergeCells> element
        # follows the rows in the sheet's XML, so it is read in a pass of its own.
        from openpyxl.utils import range_boundaries
        from openpyxl.xml.functions import iterparse

        tag = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}mergeCell"
        spans: dict[tuple[int, int], int] = {}
        try:
            with self._book[sheet]._get_source() as source:
                for _, element in iterparse(source):
                    if element.tag == tag:
                        left, top, right, _ = range_boundaries(element.get("ref", ""))
                        # A merged cell's value is in its top row; the rows below are blank.
                        start = (top or 1, (left or 1) - 1)
                        spans[start] = (right or left or 1) - (left or 1) + 1
                    element.clear()
        except Exception as exc:
            raise self._damaged_error(exc) from exc
        return spans

    def unread(self, sheet: str) -> tuple[list[str], int]:
        """Read from the sheet's relationships (its links, and its comments part), not from
        its rows: a trial's comments ("Chair: not assured, ask for a dip sample") and a link
        to the evidence went without a word. A part that cannot be read is passed over."""
        from openpyxl.xml.functions import fromstring  # defusedxml's, as for the rows

        relations = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
        comment = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}comment"
        try:
            path = str(self._book[sheet]._worksheet_path)
            folder, name = posixpath.split(path)
            cells: list[str] = []
            links = 0
            with zipfile.ZipFile(self.path) as archive:
                rels = f"{folder}/_rels/{name}.rels"
                if rels not in archive.namelist():
                    return [], 0
                for relation in fromstring(archive.read(rels)).iter(relations):
                    kind = relation.get("Type", "").rsplit("/", 1)[-1]
                    target = relation.get("Target", "")
                    if kind == "hyperlink":
                        links += 1
                    elif kind == "comments" and target:
                        part = (
                            target.lstrip("/")
                            if target.startswith("/")
                            else posixpath.normpath(posixpath.join(folder, target))
                        )
                        found = fromstring(archive.read(part)).iter(comment)
                        cells += [c.get("ref", "") for c in found if c.get("ref")]
        except Exception:  # (a workbook's extras: never a reason to refuse its rows)
            return [], 0
        return cells, links

    def hidden(self, sheet: str) -> bool:
        return bool(self._book[sheet].sheet_state != "visible")

    def close(self) -> None:
        self._book.close()


@dataclass
class XlsFile:
    """The older binary Excel format, through xlrd."""

    path: Path

    def __post_init__(self) -> None:
        import xlrd

        self.name = self.path.name
        self.full: set[tuple[str, int, int]] = set()  # (an .xlsx's alone)
        try:
            self._book = xlrd.open_workbook(str(self.path), on_demand=True)
        except Exception as exc:
            raise TrackerFileError(
                f"{self.name} is not an Excel 97-2003 workbook (.xls), or it is damaged."
            ) from exc

    @property
    def sheet_names(self) -> list[str]:
        return list(self._book.sheet_names())

    def rows(self, sheet: str) -> Iterator[Row]:
        import xlrd

        try:
            worksheet = self._book.sheet_by_name(sheet)
            mode = self._book.datemode
            EMPTY, BLANK, ERROR = xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR

            def values() -> Iterator[Row]:
                for number in range(worksheet.nrows):
                    cells = []
                    for cell in worksheet.row(number)[:MAX_COLUMNS]:
                        if cell.ctype == xlrd.XL_CELL_DATE:
                            cells.append(xlrd.xldate_as_datetime(cell.value, mode))
                        elif cell.ctype in (EMPTY, BLANK, ERROR):
                            cells.append(None)
                        else:
                            cells.append(cell.value)
                    yield tuple(cells)

            yield from _counted(values(), self.name, sheet)
        except TrackerFileError:
            raise
        except Exception as exc:
            raise TrackerFileError(
                f"{self.name} is damaged: sheet '{sheet}' cannot be read."
            ) from exc

    def merged(self, sheet: str) -> dict[tuple[int, int], int]:
        return {}  # xlrd says which cells are merged only when it reads every format too

    def unread(self, sheet: str) -> tuple[list[str], int]:
        return [], 0  # (comments and links an import would miss: none that xlrd gives)

    def hidden(self, sheet: str) -> bool:
        return bool(self._book.sheet_by_name(sheet).visibility)

    def close(self) -> None:
        self._book.release_resources()


_DELIMITERS = ",;\t"
_UTF8_BOM = b"\xef\xbb\xbf"


def decoded_lines(lines: Iterable[bytes], name: str) -> Iterator[str]:
    """A CSV file's lines, decoded: UTF-8 (with or without a byte order mark) or
    Windows-1252, one line at a time, so that a large file is never held whole.

    A line that is UTF-8 is read as UTF-8, and one with no UTF-8 in it as Windows-1252 (what
    Excel on Windows writes as plain "CSV"): a file that is UTF-8 throughout is read as UTF-8,
    and a UTF-8 file with some lines from a Windows program (a row pasted in, a stray byte)
    is read each line in the encoding it was written in, so one stray byte never turns the
    whole file into mojibake ("\u00e2\u20ac\u02dc"). A line mixing both, or holding a byte
    neither can read, is refused by its number. ``lines`` may be split at line feeds only
    (a file's lines): a carriage return alone ends a line too, as CSV readers take it.
    """
    number = 0
    for n, chunk in enumerate(lines):
        text = chunk[len(_UTF8_BOM) :] if n == 0 and chunk.startswith(_UTF8_BOM) else chunk
        for line in text.splitlines(keepends=True) if b"\r" in text else (text,):
            number += 1
            yield _decoded(line, number, name)


def _decoded(line: bytes, number: int, name: str) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = line[exc.start]
    if _holds_utf8(line):
        raise TrackerFileError(
            f"{name} is UTF-8 text, but line {number} also holds a byte (0x{bad:02X}) that "
            "is not; put that line right, or save the file from Excel as 'CSV UTF-8', and "
            "import it again."
        )
    try:
        return line.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise TrackerFileError(
            f"{name} is neither UTF-8 nor Windows-1252 text: line {number} holds a byte "
            f"(0x{line[exc.start]:02X}) that neither can read; save it from Excel as 'CSV "
            "UTF-8' and import it again."
        ) from exc


def _holds_utf8(line: bytes) -> bool:
    """Whether ``line`` holds a character written in UTF-8 beyond plain ASCII."""
    text = line.decode("utf-8", "surrogateescape")  # bytes that are not UTF-8 become U+DCxx
    return any(ord(ch) > 0x7F and not 0xDC80 <= ord(ch) <= 0xDCFF for ch in text)


@dataclass
class CsvFile:
    """A CSV file in UTF-8 (with or without a byte order mark) or Windows-1252."""

    path: Path

    def __post_init__(self) -> None:
        self.full: set[tuple[str, int, int]] = set()  # (an .xlsx's alone)
        self.name = self.path.name
        try:
            with self.path.open("rb") as file:
                start = file.read(65536)
        except OSError as exc:
            raise TrackerFileError(f"{self.name} cannot be read ({exc.strerror}).") from exc
        if start.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode Text" (a trial's)
            raise TrackerFileError(
                f"{self.name} is saved as Unicode text (UTF-16), which casereview does not "
                "read as CSV: save it from Excel as 'CSV UTF-8 (Comma delimited)' and import that."
            )
        if b"\0" in start:
            raise TrackerFileError(f"{self.name} is not a text file, so it is not a CSV file.")
        # Only the separator is guessed; quoting is always Excel's ("), since a guessed quote
        # character can swallow rows whole.
        self._dialect = self._dialect_for(self._delimiter())

    def _lines(self) -> Iterator[str]:
        """The file's lines, decoded, read as they are wanted (a 100,000-row tracker was held
        whole as text: 586 MB at its peak in a trial's import)."""
        try:
            with self.path.open("rb") as file:
                yield from decoded_lines(file, self.name)
        except OSError as exc:
            raise TrackerFileError(f"{self.name} cannot be read ({exc.strerror}).") from exc

    @staticmethod
    def _dialect_for(delimiter: str) -> Any:
        # strict: a quote that never closes where a cell ends is an error, not a cell that
        # swallows every row below it.
        return type("TrackerDialect", (csv.excel,), {"delimiter": delimiter, "strict": True})

    def _delimiter(self) -> str:
        """The separator the header row uses, not a title line above it: the one under which
        the header names the most tracker columns; else the one the first line holds most of."""
        best, best_score = "", 0
        for delimiter in _DELIMITERS:
            dialect = self._dialect_for(delimiter)
            dialect.strict = False  # a guess: what a wrong separator makes of quotes is no error
            reader = csv.reader(self._lines(), dialect)
            head: list[Row] = []
            try:
                for cells in islice(reader, HEADER_SEARCH_ROWS):
                    head.append(tuple(restore(c) for c in cells[:MAX_COLUMNS]))
            except csv.Error:  # the header is sought in what was read; reading names the fault
                pass
            header = find_header(head)
            score = len(header.columns) if header is not None else 0
            if score > best_score:
                best, best_score = delimiter, score
        if best:
            return best
        first = next(self._lines(), "")
        return max(_DELIMITERS, key=first.count) if any(d in first for d in _DELIMITERS) else ","

    @property
    def sheet_names(self) -> list[str]:
        return [self.path.stem]

    def rows(self, sheet: str) -> Iterator[Row]:
        # A CSV cell has no spreadsheet's limit: casereview's own CSV export writes a text as
        # long as an item takes, and refusing it made that export impossible to import (a
        # trial's 99,995-character recommendation); the longest text a field takes is read.
        yield from _counted(self._records(), self.name, sheet, fields.TEXT)

    def _records(self) -> Iterator[Row]:
        reader = csv.reader(self._lines(), self._dialect)
        row = 0
        while True:
            line = reader.line_num + 1  # where the next row starts in the file
            try:
                cells = next(reader)
            except StopIteration:  # the end of the file
                return
            except csv.Error as exc:
                raise self._malformed_error(exc, row + 1, line, reader.line_num) from exc
            row += 1
            # Cells casereview neutralised against formulas ('=...) read back as written.
            yield tuple(restore(cell) for cell in cells)

    def _malformed_error(
        self, exc: csv.Error, row: int, line: int, reached: int
    ) -> TrackerFileError:
        reason = str(exc)
        where = f"row {row}" if row == line else f"row {row} (line {line} of the file)"
        if "NUL" in reason:
            return TrackerFileError(f"{self.name} is not a text file, so it is not a CSV file.")
        if "expected after" in reason or "end of data" in reason or reached > line:
            return TrackerFileError(
                f'{self.name} has a quote (") opening a cell on {where} that is not closed '
                "where the cell ends, so the rows below would run into that cell; put the quote "
                "right and import it again."
            )
        if "field limit" in reason:
            return TrackerFileError(
                f"Sheet '{self.path.stem}' of {self.name}, {where}, holds a cell longer than a "
                "spreadsheet cell can hold; the file is not a tracker casereview can import."
            )
        return TrackerFileError(f"{self.name} is not a well-formed CSV file ({reason}).")

    def merged(self, sheet: str) -> dict[tuple[int, int], int]:
        return {}

    def unread(self, sheet: str) -> tuple[list[str], int]:
        return [], 0  # a CSV file holds values alone

    def hidden(self, sheet: str) -> bool:
        return False

    def close(self) -> None:
        pass
