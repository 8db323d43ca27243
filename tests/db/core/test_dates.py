import datetime as dt

import pytest

from db.core.dates import PartialDate, format_date, parse_iso_date


def test_format_date_is_uk_long_form() -> None:
    assert format_date(dt.date(2025, 11, 21)) == "21 November 2025"
    assert format_date(dt.date(2026, 1, 2)) == "2 January 2026"
    assert format_date(None, "not set") == "not set"


@pytest.mark.parametrize("text", ["2010", "2010-03", "2010-03-25"])
def test_partial_date_round_trips_iso(text: str) -> None:
    assert PartialDate.parse(text).isoformat() == text


def test_partial_date_displays_only_what_is_known() -> None:
    assert PartialDate.parse("2010").display() == "2010"
    assert PartialDate.parse("2010-03").display() == "March 2010"
    assert PartialDate.parse("2010-03-25").display() == "25 March 2010"


@pytest.mark.parametrize("text", ["10", "2010-3", "2010-02-30", "2010-13", "21/11/2025", ""])
def test_partial_date_refuses_bad_text(text: str) -> None:
    with pytest.raises(ValueError, match="date"):
        PartialDate.parse(text)


def test_partial_dates_sort_by_earliest_day() -> None:
    values = [PartialDate.parse(t) for t in ["2011", "2010-06-01", "2010", "2010-05"]]
    assert [v.isoformat() for v in sorted(values)] == ["2010", "2010-05", "2010-06-01", "2011"]


@pytest.mark.parametrize(
    ("text", "reason"),
    [("2024-02-30", "not a real date"), ("30/01/2024", "YYYY-MM-DD"), ("2024-1-5", "YYYY-MM-DD")],
)
def test_parse_iso_date_is_strict(text: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        parse_iso_date(text)


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("2010", "2010"),
        ("March 2010", "2010-03"),
        ("25 March 2010", "2010-03-25"),
        ("25 Mar 2010", "2010-03-25"),
        ("1st October 2011", "2011-10-01"),
        ("05/04/2024", "2024-04-05"),  # 5 April: day first, never US order
        ("15.11.26", "2026-11-15"),  # two-digit years as the tracker importer reads them
        ("15-11-95", "1995-11-15"),
        ("03/2010", "2010-03"),
        ("2025-11-21", "2025-11-21"),
    ],
)
def test_dates_as_people_type_them(text: str, iso: str) -> None:
    from db.core.dates import parse_user_partial_date

    assert parse_user_partial_date(text).isoformat() == iso


@pytest.mark.parametrize(
    "text", ["", "31/02/2024", "13/13/2024", "Smarch 2010", "soon", "11/26", "31.02.26"]
)
def test_impossible_typed_dates_are_refused(text: str) -> None:
    from db.core.dates import parse_user_partial_date

    with pytest.raises(ValueError):
        parse_user_partial_date(text)


def test_a_whole_date_needs_a_day() -> None:
    from db.core.dates import parse_user_date

    assert parse_user_date("21 November 2025") == dt.date(2025, 11, 21)
    with pytest.raises(ValueError, match="needs a day"):
        parse_user_date("November 2025")
