"""Reading the values people type into trackers: numbers, dates, statuses and agencies.

Every reader returns the value or raises ``ValueError`` with a plain reason; the caller adds
where the value was (sheet, row and column).
"""

from __future__ import annotations

import datetime as dt
import re
from calendar import monthrange

from db.core.dates import MONTHS, two_digit_year
from db.core.vocabulary import Status

# What trackers write in their status (or RAG) column, and the status it means. A spreadsheet
# cannot sign an item off, so words meaning "done" give "implemented"; "closed" closes only
# when the row also names who gave assurance and the item has evidence (see docs).
STATUS_WORDS: dict[str, Status] = {
    "not started": Status.NOT_STARTED,
    "not yet started": Status.NOT_STARTED,
    "not commenced": Status.NOT_STARTED,
    "to start": Status.NOT_STARTED,
    "pending": Status.NOT_STARTED,
    "in progress": Status.IN_PROGRESS,
    "ongoing": Status.IN_PROGRESS,
    "on going": Status.IN_PROGRESS,
    "on track": Status.IN_PROGRESS,
    "started": Status.IN_PROGRESS,
    "underway": Status.IN_PROGRESS,
    "under way": Status.IN_PROGRESS,
    "partially complete": Status.IN_PROGRESS,
    "partially completed": Status.IN_PROGRESS,
    "partly complete": Status.IN_PROGRESS,
    "at risk": Status.IN_PROGRESS,
    "delayed": Status.IN_PROGRESS,
    "behind": Status.IN_PROGRESS,
    "off track": Status.IN_PROGRESS,
    "overdue": Status.IN_PROGRESS,
    "green": Status.IN_PROGRESS,
    "amber": Status.IN_PROGRESS,
    "red": Status.IN_PROGRESS,
    "implemented": Status.IMPLEMENTED,
    "complete": Status.IMPLEMENTED,
    "completed": Status.IMPLEMENTED,
    "done": Status.IMPLEMENTED,
    "achieved": Status.IMPLEMENTED,
    "finished": Status.IMPLEMENTED,
    "fully implemented": Status.IMPLEMENTED,
    "closed": Status.CLOSED,
    "blue": Status.CLOSED,
    "signed off": Status.CLOSED,
    "fully addressed": Status.CLOSED,
    "superseded": Status.SUPERSEDED,
    "no longer applicable": Status.SUPERSEDED,
    "not accepted": Status.NOT_ACCEPTED,
    "rejected": Status.NOT_ACCEPTED,
    "declined": Status.NOT_ACCEPTED,
}
# casereview's own labels ("Not accepted", "In progress"...) always read back as themselves.
STATUS_WORDS |= {status.label.lower(): status for status in Status}

FORMULA_STARTS = ("=", "+", "-", "@")
_EXCEL_EPOCH = dt.date(1899, 12, 30)
_MONTH_NUMBERS = {name.lower(): n for n, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBERS |= {name[:3].lower(): n for n, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBERS["sept"] = 9
_NUMERIC = re.compile(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2}|\d{4})")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[tT ].*)?")  # "t": read lower-cased
_WORDS = re.compile(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([a-z]+)\.?,?\s+(\d{4})")
_QUARTER = re.compile(r"(?:q|quarter\s*)([1-4])\s*(\d{4})")
# Financial years run April to March: "Q1 2026/27", "Q1 FY26/27", "2026-27 Q1".
_FINANCIAL_QUARTER = re.compile(
    r"(?:q|quarter\s*)(?P<quarter>[1-4])\s*(?:fy\s*)?(?P<first>\d{4}|\d{2})\s*[/-]\s*"
    r"(?P<second>\d{4}|\d{2})"
)
_FINANCIAL_QUARTER_AFTER = re.compile(
    r"(?:fy\s*)?(?P<first>\d{4}|\d{2})\s*[/-]\s*(?P<second>\d{4}|\d{2})\s*"
    r"(?:q|quarter\s*)(?P<quarter>[1-4])"
)
_TIME = re.compile(r"\s+(?:at\s+)?(\d{1,2}):(\d{2})(?::\d{2}(?:\.\d+)?)?$")
_WEEK = re.compile(r"(?:w/?c|w/?b|week (?:commencing|beginning|starting))\.?\s+", re.IGNORECASE)
# A whole date as written, an optional time, then a remark about it.
_REMARK = re.compile(
    r"(?P<date>\d{1,2}[/.-]\d{1,2}[/.-](?:\d{4}|\d{2})|\d{4}-\d{1,2}-\d{1,2}"
    r"|(?:\d{1,2}(?:st|nd|rd|th)?\s+)?[a-z]+\.?,?\s+\d{4})"
    r"(?:\s+(?:at\s+)?(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::\d{2})?)?"
    r"(?P<remark>[\s(\[,;:\u2013\u2014-].*)",
    re.IGNORECASE | re.DOTALL,
)
_REMARK_MARKS = " ()[],;:-\u2013\u2014"
_AGENCY_SPLIT = re.compile(r"\s*(?:;|\n|/|,)\s*")
_LIST_SPLIT = re.compile(r"\s*(?:;|\n)\s*")
_LEAD_WORDS = re.compile(r"^(?:by|before|end of|by the end of|no later than)\s+", re.IGNORECASE)
_WORD_YEAR = re.compile(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([a-z]+)\.?\s+(\d{2})")
EARLIEST_SERIAL = 20_000  # Excel's day number for 1954: a smaller number is no target date


def text_of(value: object) -> str:
    """A cell as text: numbers without a needless ".0", dates in ISO form, blanks empty, line
    breaks as line feeds (a carriage return is refused in what casereview keeps)."""
    if type(value) is str:  # most cells
        if "\r" in value:  # a line break written on Windows (or an old Mac) inside a cell:
            value = value.replace("\r\n", "\n").replace("\r", "\n")  # kept as a line feed
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def neutralise(text: str) -> str:
    """Text for a CSV cell that a spreadsheet will never run as a formula.

    A leading ``'`` marks the cell as text in Excel; ``restore`` takes it off again, so
    text that itself began with ``'`` gains a second one and survives the round trip.
    """
    if text.startswith((*FORMULA_STARTS, "'", "\t", "\r")):
        return "'" + text
    return text


def restore(text: str) -> str:
    """Undo ``neutralise``: the inverse for every text casereview writes."""
    if len(text) > 1 and text[0] == "'" and text[1] in "=+-@'\t\r":
        return text[1:]
    return text


def number_of(value: object) -> str:
    """A recommendation number as written: 5, 5.0 and "5" are "5"; 5.1 is "5.1"; text such
    as "Rec 5" stays as it is, so it matches the same item when imported again."""
    return text_of(value)


def agencies_of(value: object, *, strict: bool = False) -> list[str]:
    """Several agencies in one cell: "Police; Council", one per line, or split by / or ,.

    ``strict`` splits on semicolons and line breaks only, as casereview writes lists, so a
    name with a comma in it survives the round trip.
    """
    names = []
    splitter = _LIST_SPLIT if strict else _AGENCY_SPLIT
    for part in splitter.split(text_of(value)):
        name = " ".join(part.split())
        if name and name not in names:
            names.append(name)
    return names


def date_of(value: object, *, today: dt.date | None = None) -> dt.date | None:
    """A date as trackers hold it; None when the cell says no date ("Ongoing").

    Every form ``date_and_remark`` reads, but a remark after the date is an error: for the
    fields that cannot keep one.
    """
    day, remark = date_and_remark(value, today=today)
    if remark:
        raise ValueError(f"'{text_of(value)}' has more than a date in it")
    return day


def date_and_remark(value: object, *, today: dt.date | None = None) -> tuple[dt.date | None, str]:
    """A date cell as trackers write it, and any remark written after the date.

    Excel dates and serial numbers; "21/11/2025" (day first, never US order), with or without
    a time ("21/11/2025 00:00"); "21 November 2025", "November 2025", "Q3 2025" (the last day
    of the month or calendar quarter), "Q1 2026/27" (the last day of that quarter of the
    financial year, April to March), "w/c 12/01/2026" (the last day of the week it begins);
    ISO dates. A two-digit year is the one from 79 years before ``today``'s year to 20 after
    it (``db.core.dates.two_digit_year``). A remark after a whole date ("31/3/2026 (revised)")
    comes back as the second value, so the caller can keep it. Returns (None, "") for a cell
    that says no date ("Ongoing", "TBC"); raises ValueError for what looks like a date but
    is not a real one, or is not one casereview can read for certain.
    """
    if value is None or value == "":
        return None, ""
    if isinstance(value, dt.datetime):
        return value.date(), ""
    if isinstance(value, dt.date):
        return value, ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if EARLIEST_SERIAL <= value < 2958466:  # Excel's serial day numbers, 1954 to 9999
            return _EXCEL_EPOCH + dt.timedelta(days=int(value)), ""
        raise ValueError(f"{text_of(value)} is a number, not a date")
    written = " ".join(str(value).split())
    rest = _LEAD_WORDS.sub("", written)
    week = _WEEK.match(rest)
    if week:
        rest = rest[week.end() :]
    try:
        day, remark = _read_date(rest.lower(), written, today), ""
    except ValueError as exc:
        # "31/3/2026 (revised)": a whole date, then words about it.
        leading = _REMARK.fullmatch(rest)
        remark = leading.group("remark").strip(_REMARK_MARKS) if leading else ""
        if leading is None or not remark or "date and time" in str(exc):
            raise
        day = _read_date(leading.group("date").lower(), written, today)
        if leading.group("hour") is not None:
            _check_time(leading.group("hour"), leading.group("minute"), written)
    if week is not None:
        if day is None:
            raise ValueError(f"'{written}' names no week casereview can read")
        day += dt.timedelta(days=6)
    return day, remark


def _read_date(text: str, value: str, today: dt.date | None) -> dt.date | None:
    """``text`` (lower case, single spaces, lead words gone) as a date; ``value`` as written,
    for messages."""
    text = text.replace(",", " ").strip()
    text = " ".join(text.split())
    if match := _TIME.search(text):
        _check_time(match.group(1), match.group(2), value)
        text = text[: match.start()]
    try:
        if match := _ISO.fullmatch(text):
            year, month, day = (int(g) for g in match.groups())
            return dt.date(year, month, day)
        if match := _NUMERIC.fullmatch(text):
            day, month, year = (int(g) for g in match.groups())
            if len(match.group(3)) == 2:
                year = two_digit_year(year, today)
            if month > 12 and day <= 12:
                raise ValueError(
                    f"'{value}' reads as month {month}: dates are day first (dd/mm/yyyy)"
                )
            return dt.date(year, month, day)
        # "21-Nov-2025" and "Nov-25" read as "21 Nov 2025" and "Nov 25".
        worded = re.sub(r"(?<=[a-z])-|-(?=[a-z])", " ", text)
        if match := _WORDS.fullmatch(worded) or _WORD_YEAR.fullmatch(worded):
            day_text, month_name, year_text = match.groups()
            named = _MONTH_NUMBERS.get(month_name)
            if named is not None:
                year = int(year_text)
                if len(year_text) == 2:
                    year = two_digit_year(year, today)
                day = int(day_text) if day_text else monthrange(year, named)[1]
                return dt.date(year, named, day)
        if match := _QUARTER.fullmatch(text):
            quarter, year = int(match.group(1)), int(match.group(2))
            month = quarter * 3
            return dt.date(year, month, monthrange(year, month)[1])
        if match := _FINANCIAL_QUARTER.fullmatch(text) or _FINANCIAL_QUARTER_AFTER.fullmatch(text):
            quarter = int(match.group("quarter"))
            first = int(match.group("first"))
            if len(match.group("first")) == 2:
                first = two_digit_year(first, today)
            second = int(match.group("second"))
            if second % 100 != (first + 1) % 100 or (second > 100 and second != first + 1):
                raise ValueError(
                    f"'{value}' names no financial year: it runs April to March, as in "
                    f"Q1 {first}/{(first + 1) % 100:02d}"
                )
            # Quarter 1 is April to June; quarter 4 is January to March of the next year.
            year, month = (first, quarter * 3 + 3) if quarter < 4 else (first + 1, 3)
            return dt.date(year, month, monthrange(year, month)[1])
    except ValueError as exc:
        if "dd/mm/yyyy" in str(exc) or "financial year" in str(exc):
            raise
        raise ValueError(f"'{value}' is not a real date") from exc
    if re.search(r"\d[/.-]\d", text):
        raise ValueError(f"'{value}' is not a date in day/month/year order")
    if any(ch.isdigit() for ch in text):
        raise ValueError(f"'{value}' is not a date casereview can read; write it like 21/11/2025")
    return None  # words such as "Ongoing", "TBC" or "Complete": no target date


def _check_time(hour: str, minute: str, value: str) -> None:
    # A time of day says nothing a target or sign-off date keeps, but it must be one.
    if int(hour) > 23 or int(minute) > 59:
        raise ValueError(f"'{value}' is not a real date and time")


class UnknownStatusError(ValueError):
    """A status word casereview does not know; ``word`` is how a mapping's ``statuses`` name
    it (``status_word``), so the user can say what it means."""

    def __init__(self, message: str, word: str) -> None:
        super().__init__(message)
        self.word = word


def status_word(value: object) -> str:
    """A status cell as the status words are looked up: lower case, single spaces."""
    return " ".join(text_of(value).lower().replace("_", " ").split()).rstrip(".")


def status_of(value: object, extra: dict[str, Status] | None = None) -> Status | None:
    """The status a tracker's word means, or None for a blank cell.

    Raises UnknownStatusError naming the word when it is not one casereview knows.
    """
    word = status_word(value)
    if not word:
        return None
    for table in (extra or {}, STATUS_WORDS):
        if word in table:
            return table[word]
    raise UnknownStatusError(
        f"'{text_of(value)}' is not a status casereview knows (for example Not started, "
        "In progress, Complete, Closed, or a RAG colour)",
        word,
    )
