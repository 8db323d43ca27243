"""Action plans out: an .xlsx workbook a secretariat would circulate, or a CSV file.

The workbook's first sheet is the action plan (frozen header, filters, wrapped text, a status
drop-down, the rating as a word on its colour); beside it are the updates log, the evidence
list, the reviews' details and the organisations they name (kind, parent, notes), so
importing it again, into this database or a new one, restores every field. Evidence files
themselves travel only in casereview JSON: the workbook names them. Nothing written is ever
a formula: text starting with =, +, - or @ is stored as text and marked so (Excel's leading
apostrophe) in .xlsx, and given a leading apostrophe in CSV.
"""

from __future__ import annotations

import csv
import datetime as dt
import errno
import io
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path
from typing import Any, BinaryIO

from db.core.dates import format_date
from db.core.errors import TemporaryFolderFull
from db.core.rules import rating_for
from db.core.vocabulary import Rating, Status
from db.exchange.document import Document, OrganisationDoc, ReviewDoc

# Text longer than a cell holds goes on in the "Continued" sheet, a part per row, and comes
# back whole on import: an export never cuts a user's text.
from db.exchange.spreadsheets.reading import (
    CONTINUED_HEADERS,
    CONTINUED_SHEET,
    FULL_CELL,
    cell_checksum,
)
from db.exchange.spreadsheets.tracker_file import (
    EVIDENCE_HEADERS,
    ORGANISATION_HEADERS,
    PLAN_HEADERS,
    REVIEW_HEADERS,
    UPDATE_HEADERS,
)
from db.exchange.spreadsheets.values import FORMULA_STARTS, neutralise
from db.exchange.streaming import DocumentStream

FULL_ENOUGH = 64 * 1024  # bytes free below which a failed write is the disk's being full
PLAN_SHEET = "Action plan"
# (header, width in characters); the headers read back as the same fields on import.
PLAN_COLUMNS = list(
    zip(
        PLAN_HEADERS,
        (16, 9, 60, 24, 24, 40, 22, 17, 14, 9, 24, 18, 17, 17, 22, 40),
        strict=True,
    )
)
RATING_FILLS = {
    Rating.BLUE: ("1F5FA8", "FFFFFF"),
    Rating.GREEN: ("2E7D32", "FFFFFF"),
    Rating.AMBER: ("F2B01E", "000000"),
    Rating.RED: ("C62828", "FFFFFF"),
}
# Worked out once, not once a row (a label is a property that builds its text).
_STATUS_LABELS = {status: status.label for status in Status}
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_DATE_FORMAT = "d mmmm yyyy"


def plan_rows(doc: Document, today: dt.date) -> Iterator[list[Any]]:
    """One row per recommendation, in the order of ``PLAN_COLUMNS``."""
    for review in doc.reviews:
        yield from review_plan_rows(review, today)


def review_plan_rows(review: ReviewDoc, today: dt.date) -> Iterator[list[Any]]:
    """The action plan's rows of one review's recommendations."""
    for rec in review.recommendations:
        live = [u for u in rec.updates if u.withdrawn_at is None]
        latest = live[-1].note if live else ""
        yield [
            review.reference,
            rec.number,
            rec.text or "",
            "; ".join(rec.lead_agencies),
            "; ".join(rec.joint_agencies),
            rec.actions,
            rec.owner,
            rec.target_date,
            _STATUS_LABELS[rec.status],
            rating_for(rec.status, rec.target_date, today),
            rec.status_reason,
            rec.assured_by or "",
            rec.assured_on,
            rec.closed_on,
            "; ".join(rec.themes),
            latest,
        ]


def plan_title(doc: Document) -> str:
    """The action plan's title: the review's, or every review's."""
    only = doc.reviews[0] if len(doc.reviews) == 1 else None
    return _plan_title(only.reference if only else None, only.title if only else None)


def stream_plan_title(stream: DocumentStream) -> str:
    """The action plan's title, of a stream: the only review's, or every review's."""
    only = stream.references[0] if stream.only_title is not None else None
    return _plan_title(only, stream.only_title)


def _plan_title(reference: str | None, title: str | None) -> str:
    if reference is not None:
        return f"Action plan: {title} ({reference})"
    return "Action plan: recommendations of every review"


def _review_row(review: ReviewDoc) -> list[Any]:
    return [
        review.reference,
        review.kind.label,
        review.title,
        review.subject,
        review.anonymised_label,
        "\n".join(review.names_to_redact),
        review.commissioned_by or "",
        review.incident,
        review.notified,
        review.commissioned,
        review.published.isoformat() if review.published else "",
        review.summary,
        "; ".join(review.themes),
    ]


def _named(review: ReviewDoc) -> Iterator[str]:
    """The organisations a review's row and its items' rows name."""
    if review.commissioned_by:
        yield review.commissioned_by
    for rec in review.recommendations:
        yield from rec.lead_agencies
        yield from rec.joint_agencies


def _organisation_rows(named: set[str], known: list[OrganisationDoc]) -> Iterator[list[Any]]:
    """A row for each organisation named, and each it is part of, by name: their kind, parent
    and notes come back on import into a database that does not know them yet."""
    by_name = {org.name: org for org in known}
    wanted: set[str] = set()
    for each in named:
        name: str | None = each
        while name in by_name and name not in wanted:
            wanted.add(name)
            name = by_name[name].parent
    for name in sorted(wanted, key=str.casefold):
        org = by_name[name]
        yield [org.name, org.kind.label, org.parent or "", org.notes]


def _log_rows(review: ReviewDoc) -> Iterator[tuple[str, list[Any]]]:
    """The rows of the updates log and the evidence list of one review's recommendations."""
    for rec in review.recommendations:
        # A withdrawn update was entered in error: the sheet has no column to say so, and
        # read back it would count again (the JSON export keeps it, marked).
        for u in (u for u in rec.updates if u.withdrawn_at is None):
            yield (
                "updates",
                [
                    review.reference,
                    rec.number,
                    u.date,
                    u.author,
                    u.status.label if u.status else "",
                    u.note,
                ],
            )
        for e in rec.evidence:
            yield (
                "evidence",
                [
                    review.reference,
                    rec.number,
                    e.description,
                    e.reference or "",
                    e.file_name or "",
                    e.added_by,
                    e.added_at.isoformat() if e.added_at else "",  # ISO text keeps microseconds
                ],
            )


def write_xlsx(doc: Document, today: dt.date) -> bytes:
    """The action plan workbook, as bytes to write atomically."""
    buffer = io.BytesIO()
    stream_xlsx(DocumentStream.of(doc), today, buffer)
    return buffer.getvalue()


def stream_xlsx(stream: DocumentStream, today: dt.date, out: BinaryIO) -> None:
    """Write the action plan workbook to ``out``, a review at a time: every sheet is open at
    once (openpyxl's write-only sheets keep their rows in temporary files until saved), so
    each review's rows, log entries and details go out as it is read.

    When writing fails (a full disk), every sheet and the archive are closed before the
    error goes on, and the sheets' temporary files, which hold the records' text, removed:
    left half-open, they would complain at garbage collection and stay on the disk until
    the program ends."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    try:
        _fill_sheets(book, stream, today)
        _save(book, out)
    except BaseException as exc:
        full = _full_temporary_folder(exc)  # asked before the sheets' files are removed
        _discard(book)
        if full is not None:
            raise full from exc
        raise


def _full_temporary_folder(exc: BaseException) -> TemporaryFolderFull | None:
    """The temporary folder's disk filled as openpyxl wrote a sheet there: lxml says so only
    as a ``SerialisationError``, which would read as a fault of casereview's own; it is told
    as the full disk it is (the folder's name, never the records')."""
    etree = sys.modules.get("lxml.etree")
    if etree is None or not isinstance(exc, etree.SerialisationError):
        return None
    folder = tempfile.gettempdir()
    try:
        free = shutil.disk_usage(folder).free
    except OSError:
        return None
    if free > FULL_ENOUGH:
        return None
    return TemporaryFolderFull(errno.ENOSPC, os.strerror(errno.ENOSPC), folder)


def _fill_sheets(book: Any, stream: DocumentStream, today: dt.date) -> None:
    """The workbook's sheets, a review at a time, into openpyxl's temporary files."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    sheet = book.create_sheet(PLAN_SHEET)
    logs = {"updates": book.create_sheet("Updates"), "evidence": book.create_sheet("Evidence")}
    reviews = book.create_sheet("Reviews")
    bold = Font(bold=True)
    wrap = Alignment(wrap_text=True, vertical="top")
    header_fill = PatternFill("solid", fgColor="DDE3EA")
    fills = {
        rating: (PatternFill("solid", fgColor=bg), Font(color=fg, bold=True))
        for rating, (bg, fg) in RATING_FILLS.items()
    }

    rows_written: dict[str, int] = {}
    # By id() of a cell: the parts after its first, and the whole text's checksum.
    overflow: dict[int, tuple[list[str], str]] = {}
    # By sheet, in the sheets' order, so the parts are listed as a sheet after a sheet.
    continued: dict[str, list[tuple[str, str, int, str, str]]] = {
        ws.title: [] for ws in (sheet, *logs.values(), reviews)
    }

    def append(ws: Any, values: list[Any]) -> None:
        """A row; the rest of text too long for its cell goes on in the "Continued" sheet."""
        rows_written[ws.title] = row = rows_written.get(ws.title, 0) + 1
        if overflow:
            for column, item in enumerate(values, start=1):
                parts, checksum = overflow.pop(id(item), ([], ""))
                if parts:
                    where = f"{get_column_letter(column)}{row}"
                    continued[ws.title].extend(
                        (ws.title, where, n, part, checksum) for n, part in enumerate(parts, 2)
                    )
        ws.append(values)

    def cell(ws: Any, value: Any, **style: Any) -> Any:
        rest: list[str] = []
        if isinstance(value, str):
            value = _ILLEGAL.sub(" ", value)
            # Longer than a cell holds, openpyxl would cut it silently. A cell of casereview's
            # own workbook at least FULL_CELL long that does not go on is taken for cut on
            # import (``TrackerFile.problems``: a lost "Continued" sheet is noticed), so any
            # text that long goes on; the parts go to the "Continued" sheet through this same
            # function, each shorter than FULL_CELL, so that none is split again.
            if len(value) >= FULL_CELL:
                whole, start, step = value, FULL_CELL, FULL_CELL - 1
                rest = [value[i : i + step] for i in range(start, len(value), step)]
                value = value[:start]
        item = WriteOnlyCell(ws, value=value)
        if rest:
            overflow[id(item)] = (rest, cell_checksum(whole))
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            item.data_type = "s"  # text, never a formula
            item.quotePrefix = True
        if isinstance(value, dt.date):
            item.number_format = _DATE_FORMAT
        for name, setting in style.items():
            setattr(item, name, setting)
        return item

    for column, (_, width) in enumerate(PLAN_COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    sheet.freeze_panes = "C4"
    last_row = 3 + max(stream.items, 1)
    last_column = get_column_letter(len(PLAN_COLUMNS))
    sheet.auto_filter.ref = f"A3:{last_column}{last_row}"
    statuses = ",".join(s.label for s in Status)
    choice = DataValidation(
        type="list",
        formula1=f'"{statuses}"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Status",
        error="Choose one of the statuses in the list.",
    )
    choice.add(f"I4:I{last_row}")
    sheet.data_validations.append(choice)
    title = stream_plan_title(stream)
    append(sheet, [cell(sheet, title, font=Font(bold=True, size=14))])
    append(
        sheet,
        [
            cell(
                sheet,
                f"Exported from casereview on {format_date(today)}. OFFICIAL-SENSITIVE. "
                "Ratings are as of that day.",
                font=Font(italic=True),
            )
        ],
    )
    append(
        sheet,
        [
            cell(sheet, title, font=bold, fill=header_fill, alignment=wrap)
            for title, _ in PLAN_COLUMNS
        ],
    )
    for name, headers in (("updates", UPDATE_HEADERS), ("evidence", EVIDENCE_HEADERS)):
        logs[name].freeze_panes = "A2"
        append(logs[name], [cell(logs[name], h, font=bold, fill=header_fill) for h in headers])
    reviews.freeze_panes = "B2"
    append(reviews, [cell(reviews, h, font=bold, fill=header_fill) for h in REVIEW_HEADERS])
    named: set[str] = set()
    for review in stream.reviews:
        named.update(_named(review))
        for values in review_plan_rows(review, today):
            row = []
            for column, value in enumerate(values):
                if isinstance(value, Rating):
                    fill, font = fills[value]
                    row.append(cell(sheet, value.label, fill=fill, font=font, alignment=wrap))
                else:
                    row.append(
                        cell(sheet, value, alignment=wrap) if column != 1 else cell(sheet, value)
                    )
            append(sheet, row)
        for name, values in _log_rows(review):
            append(logs[name], [cell(logs[name], v) for v in values])
        append(reviews, [cell(reviews, v) for v in _review_row(review)])
    # Last, as the reviews' rows name them; few (a partnership's agencies).
    organisations = book.create_sheet("Organisations")
    organisations.freeze_panes = "A2"
    for letter, width in zip("ABCD", (40, 18, 40, 60), strict=True):
        organisations.column_dimensions[letter].width = width
    continued[organisations.title] = []
    append(
        organisations,
        [cell(organisations, h, font=bold, fill=header_fill) for h in ORGANISATION_HEADERS],
    )
    for values in _organisation_rows(named, stream.organisations):
        append(organisations, [cell(organisations, v) for v in values])
    parts = [part for listed in continued.values() for part in listed]
    if parts:
        rest = book.create_sheet(CONTINUED_SHEET)
        rest.freeze_panes = "A2"
        rest.append([cell(rest, h, font=bold, fill=header_fill) for h in CONTINUED_HEADERS])
        for part in parts:
            rest.append([cell(rest, v) for v in part])


def _save(book: Any, out: BinaryIO) -> None:
    """``book.save(out)``, but with the archive in hand: openpyxl leaves it open when a write
    fails, to be closed at garbage collection, after ``out`` is closed."""
    from zipfile import ZIP_DEFLATED, ZipFile

    from openpyxl.writer.excel import ExcelWriter

    book.properties.modified = dt.datetime.now(tz=dt.UTC).replace(tzinfo=None)
    archive = ZipFile(out, "w", ZIP_DEFLATED, allowZip64=True)
    try:
        ExcelWriter(book, archive).save()  # closes the archive
    except BaseException:
        # Its directory may not fit either; the archive lets go of ``out`` all the same.
        with suppress(OSError, ValueError):
            archive.close()
        raise


def _discard(book: Any) -> None:
    """Close the sheets of a workbook that could not be written and remove their temporary
    files. openpyxl keeps no public way to abandon a write-only sheet, so its two generators
    are closed here, the rows' before the file's (the order their XML elements nest in)."""
    for sheet in book.worksheets:
        writer = sheet._writer
        if writer is None:  # never written to: no file
            continue
        for generator in (sheet._rows, writer.xf):
            if generator is not None:
                # Closing may write the last tags to a disk that is full, or to a file
                # already failed: the file is removed next, and the first error goes on.
                with suppress(Exception):
                    generator.close()
        with suppress(FileNotFoundError):  # a sheet saved into the archive removed its own
            writer.cleanup()


def write_csv(doc: Document, today: dt.date) -> bytes:
    """The action plan as CSV: UTF-8 with a byte order mark, so Excel reads it right."""
    buffer = io.BytesIO()
    stream_csv(DocumentStream.of(doc), today, buffer)
    return buffer.getvalue()


def stream_csv(stream: DocumentStream, today: dt.date, out: BinaryIO) -> None:
    """Write the action plan to ``out`` as CSV, a row at a time: UTF-8 with a byte order mark,
    so Excel reads it right."""
    out.write(b"\xef\xbb\xbf")
    text = io.TextIOWrapper(out, encoding="utf-8", newline="", write_through=False)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([title for title, _ in PLAN_COLUMNS])
        for review in stream.reviews:
            for values in review_plan_rows(review, today):
                # Most cells are text needing nothing: passed over without a call.
                writer.writerow(
                    [v if type(v) is str and v[:1] not in _MARKED else _csv_text(v) for v in values]
                )
        text.flush()
    finally:
        text.detach()  # ``out`` stays the caller's to close


# The first characters ``neutralise`` marks text for.
_MARKED = frozenset((*FORMULA_STARTS, "'", "\t", "\r"))


def _csv_text(value: Any) -> str:
    if type(value) is str:  # most cells: asked first
        return neutralise(value)
    if value is None:
        return ""
    if isinstance(value, Rating):
        return value.label
    if isinstance(value, dt.date):
        return value.isoformat()
    return neutralise(str(value))


def suffix_format(path: Path) -> str | None:
    return {".xlsx": "xlsx", ".csv": "csv", ".json": "json"}.get(path.suffix.lower())
