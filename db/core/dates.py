"""Dates as users write and read them.

Files hold ISO dates; the interface shows "21 November 2025". Some facts are only known to the
year or month (a review "published 2010"), so those fields hold a ``PartialDate`` rather than
inventing a day.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import total_ordering

# English month names whatever the computer's locale: the interface is in UK English.
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


def format_date(value: dt.date | None, empty: str = "") -> str:
    """A date as UK readers expect it: "21 November 2025"."""
    if value is None:
        return empty
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def parse_iso_date(text: str) -> dt.date:
    """Parse ``YYYY-MM-DD`` strictly; raise ValueError with a readable reason otherwise."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        raise ValueError(f"'{text}' is not a date in the form YYYY-MM-DD")
    try:
        return dt.date.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"'{text}' is not a real date") from exc


# A two-digit year means the year ending in those digits from 79 years before this one to
# 20 after it: in 2026, "95" is 1995 and "46" is 2046, so no date lands in the 2090s.
YEARS_AHEAD = 20


def two_digit_year(digits: int, today: dt.date | None = None) -> int:
    """The year "25" or "95" means, as of ``today`` (the computer's date by default)."""
    this = (today or dt.date.today()).year
    year = this - this % 100 + digits % 100
    if year > this + YEARS_AHEAD:
        year -= 100
    elif year <= this + YEARS_AHEAD - 100:
        year += 100
    return year


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@total_ordering
@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day; ISO 8601 reduced precision in files."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.day is not None and self.month is None:
            raise ValueError("a day needs a month")
        # Validate through the standard library so 2025-02-30 is refused.
        dt.date(self.year, self.month or 1, self.day or 1)

    @classmethod
    def parse(cls, text: str) -> PartialDate:
        """Parse "2010", "2010-03" or "2010-03-25"."""
        match = _PARTIAL.match(text)
        if not match:
            raise ValueError(f"'{text}' is not a date in the form YYYY, YYYY-MM or YYYY-MM-DD")
        year, month, day = (int(g) if g else None for g in match.groups())
        assert year is not None
        try:
            return cls(year, month, day)
        except ValueError as exc:
            raise ValueError(f"'{text}' is not a real date") from exc

    @classmethod
    def from_date(cls, value: dt.date) -> PartialDate:
        return cls(value.year, value.month, value.day)

    def isoformat(self) -> str:
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    def earliest(self) -> dt.date:
        """The first day the value could mean, for sorting and comparisons."""
        return dt.date(self.year, self.month or 1, self.day or 1)

    def display(self) -> str:
        if self.month is None:
            return str(self.year)
        if self.day is None:
            return f"{MONTHS[self.month - 1]} {self.year}"
        return format_date(self.earliest())

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, PartialDate):
            return NotImplemented
        return (self.earliest(), self.isoformat()) < (other.earliest(), other.isoformat())

    def __str__(self) -> str:
        return self.isoformat()


_MONTH_NUMBERS = {name.lower(): n for n, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBERS |= {name[:3].lower(): n for n, name in enumerate(MONTHS, start=1)}
_MONTH_NUMBERS["sept"] = 9


def parse_user_partial_date(text: str) -> PartialDate:
    """A date as a person in the UK types it, to the precision they know.

    Accepts "2010", "March 2010", "25 March 2010", "25 Mar 2010", "25/03/2010" (day first,
    never US order), "25.03.10" (see two_digit_year), "03/2010" and ISO forms. Raises
    ValueError with a plain reason.
    """
    value = " ".join(text.replace(",", " ").split())
    if not value:
        raise ValueError("Enter a date, for example 21 November 2025.")
    if re.fullmatch(r"\d{4}(-\d{2}){0,2}", value):
        return PartialDate.parse(value)
    numeric = re.fullmatch(r"(?:(\d{1,2})[/.-])?(\d{1,2})[/.-](\d{4})", value)
    # "15.11.26": a two-digit year only with a day, so "11/26" is never read as a month.
    short = re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{2})", value)
    words = re.fullmatch(r"(?:(\d{1,2})(?:st|nd|rd|th)?\s+)?([A-Za-z]+)\s+(\d{4})", value)
    try:
        if numeric:
            day, month, year = numeric.groups()
            return PartialDate(int(year), int(month), int(day) if day else None)
        if short:
            day, month, year = short.groups()
            return PartialDate(two_digit_year(int(year)), int(month), int(day))
        if words:
            day, month_name, year = words.groups()
            month = _MONTH_NUMBERS.get(month_name.lower())
            if month is not None:
                return PartialDate(int(year), month, int(day) if day else None)
    except ValueError as exc:
        raise ValueError(f"'{text.strip()}' is not a real date.") from exc
    raise ValueError(f"'{text.strip()}' is not a date; write it like 21 November 2025.")


def parse_user_date(text: str) -> dt.date:
    """A whole date as typed ("21 November 2025", "21/11/2025", "2025-11-21")."""
    partial = parse_user_partial_date(text)
    if partial.day is None:
        raise ValueError(f"'{text.strip()}' needs a day as well, like 21 November 2025.")
    return partial.earliest()
