"""What trackers really hold: damaged CSV, dates as panels write them, and statuses and
agencies that would break the lifecycle, through the real import path on real databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pytest

from db.core.dates import two_digit_year
from db.core.vocabulary import Status
from db.exchange.spreadsheets import TrackerFileError, read_tracker
from db.exchange.spreadsheets.values import date_and_remark
from db.store.database import Database
from tests.helpers import TODAY
from tests.helpers.exchange import review, run_import, state
from tests.helpers.spreadsheet_files import workbook_of

HEADER = b"Number,Recommendation,Lead agency\n"


def _refused(database: Database, path: Path, message: str) -> None:
    """The import is refused with one sentence holding ``message``, and changes nothing."""
    before = state(database)
    with pytest.raises(TrackerFileError) as caught:
        run_import(database, path, review="CSV")
    assert message in caught.value.message
    assert "\n" not in caught.value.message
    assert state(database) == before


# -- 3. bad CSV never swallows rows


def test_an_unbalanced_quote_is_refused_naming_the_row_it_opens_on(
    sample_database: Database, tmp_path: Path
):
    path = tmp_path / "quote.csv"
    path.write_bytes(HEADER + b'1,First,Police\n2,"Second,Council\n3,Third,Health\n4,Four,Police\n')
    _refused(sample_database, path, 'quote.csv has a quote (") opening a cell on row 3 that')


def test_a_quote_closed_mid_cell_is_refused_naming_its_row(
    sample_database: Database, tmp_path: Path
):
    # Its closing quote falls inside a later row, so rows 3 to 5 would become one cell.
    path = tmp_path / "quote.csv"
    path.write_bytes(HEADER + b'1,First,Police\n2,"Second,Council\n3,Third,Health\n4,"Four",x\n')
    _refused(sample_database, path, "opening a cell on row 3 that is not closed")


def test_the_row_of_a_quote_counts_cells_that_span_lines(database: Database, tmp_path: Path):
    path = tmp_path / "quote.csv"
    path.write_bytes(HEADER + b'1,"First line\nsecond line",Police\n2,"Two,Council\n3,x,y\n')
    _refused(database, path, "opening a cell on row 3 (line 4 of the file)")


def test_an_unbalanced_quote_in_a_long_file_is_named_not_reported_as_a_huge_cell(
    database: Database, tmp_path: Path
):
    rows = b"".join(
        b"%d,Recommendation number %d in a long plan,Police\n" % (n, n) for n in range(3, 5000)
    )
    path = tmp_path / "long.csv"
    path.write_bytes(HEADER + b'1,First,Police\n2,"Second,Council\n' + rows)
    _refused(database, path, "opening a cell on row 3 that is not closed")


def test_quotes_inside_an_unquoted_cell_and_cells_over_lines_still_import(
    database: Database, tmp_path: Path
):
    path = tmp_path / "fine.csv"
    path.write_bytes(HEADER + b'1,Staff said "no" twice,Police\n2,"Over\ntwo lines",Council\n')
    run_import(database, path, review="CSV")
    texts = [r.text for r in review(database, "CSV").recommendations]
    assert texts == ['Staff said "no" twice', "Over\ntwo lines"]


def test_one_windows_line_in_a_utf8_file_does_not_garble_the_rest(
    database: Database, tmp_path: Path
):
    path = tmp_path / "mixed.csv"
    utf8 = "1,Spend £500 on training – by the autumn,Police\n".encode()
    windows = "2,The school’s own audit,Council\n".encode("cp1252")  # quote: 0x92
    path.write_bytes(HEADER + utf8 + windows)
    run_import(database, path, review="CSV")
    texts = [r.text for r in review(database, "CSV").recommendations]
    assert texts == ["Spend £500 on training – by the autumn", "The school’s own audit"]


def test_a_line_mixing_utf8_with_a_stray_byte_is_named(database: Database, tmp_path: Path):
    path = tmp_path / "mixed.csv"
    line = "2,Spend £500 – the school’s audit,Council\n".encode().replace("’".encode(), b"\x92")
    path.write_bytes(HEADER + "1,Café visits,Police\n".encode() + line)
    _refused(database, path, "mixed.csv is UTF-8 text, but line 3 also holds a byte (0x92)")


def test_a_byte_no_encoding_reads_is_named_by_its_line(database: Database, tmp_path: Path):
    path = tmp_path / "odd.csv"
    path.write_bytes(HEADER + b"1,First,Police\n2,Sec\x81ond,Council\n")
    _refused(database, path, "line 3 holds a byte (0x81) that neither can read")


@pytest.mark.parametrize("separator", [b";", b"\t"])
def test_the_separator_comes_from_the_header_row_not_a_title_above_it(
    database: Database, tmp_path: Path, separator: bytes
):
    path = tmp_path / "titled.csv"
    lines = [
        b"Serious Case Review: Child A, action plan, version 2, for the panel",
        b"",
        separator.join([b"Number", b"Recommendation", b"Lead agency", b"Target date"]),
        separator.join(
            [b"1", b"Share information, promptly, with schools", b"Police", b"1/5/2027"]
        ),
    ]
    path.write_bytes(b"\n".join(lines) + b"\n")
    tracker = read_tracker(path)
    assert tracker.header.row == 3 and tracker.title.startswith("Serious Case Review: Child A")
    run_import(database, path, review="CSV")
    (rec,) = review(database, "CSV").recommendations
    assert (rec.text, rec.lead_agencies, rec.target_date) == (
        "Share information, promptly, with schools",
        ["Police"],
        dt.date(2027, 5, 1),
    )


# -- 5. the lifecycle holds on import as in the window


SIGNED_OFF = [
    ["Number", "Recommendation", "Status", "Assured by", "Evidence"],
    ["1", "Train staff.", "Closed", "A Assurer", "Audit of 50 records"],
]


def _signed_off(database: Database, tmp_path: Path) -> None:
    run_import(database, workbook_of(SIGNED_OFF, tmp_path / "signed.xlsx"), review="LIFE")
    (rec,) = review(database, "LIFE").recommendations
    assert (rec.status, rec.assured_by, rec.closed_on) == (Status.CLOSED, "A Assurer", TODAY)


def _status_only(status: str, tmp_path: Path) -> Path:
    rows = [["Number", "Recommendation", "Status"], ["1", "Train staff.", status]]
    return workbook_of(rows, tmp_path / "later.xlsx")


def test_an_import_cannot_move_a_closed_item_back_to_not_started(
    database: Database, tmp_path: Path
):
    _signed_off(database, tmp_path)
    before = state(database)
    with pytest.raises(TrackerFileError) as caught:
        run_import(database, _status_only("Not started", tmp_path), review="LIFE")
    assert (
        "Sheet 'Tracker', row 2, column C (Status): 'Not started' would move recommendation 1 "
        "from closed to not started, which casereview does not allow (from closed it can go to "
        "in progress)."
    ) in caught.value.message
    assert state(database) == before


def test_an_import_reopening_a_closed_item_ends_its_sign_off_and_logs_it(
    database: Database, tmp_path: Path
):
    _signed_off(database, tmp_path)
    assert run_import(database, _status_only("In progress", tmp_path), review="LIFE") == (
        "added nothing; updated 1 recommendation"
    )
    (rec,) = review(database, "LIFE").recommendations
    assert rec.status is Status.IN_PROGRESS
    assert (rec.assured_by, rec.assured_on, rec.closed_on) == (None, None, None)
    last = rec.updates[-1]
    assert (last.status, last.note) == (
        Status.IN_PROGRESS,
        "Reopened: status given in the imported tracker as 'In progress'; the sign-off ends.",
    )
    # The closing entry stays in the log: it still says who had given assurance.
    assert any(u.status is Status.CLOSED for u in rec.updates)


def test_a_tracker_saying_done_leaves_a_signed_off_item_closed(database: Database, tmp_path: Path):
    _signed_off(database, tmp_path)
    before = state(database)
    assert run_import(database, _status_only("Complete", tmp_path), review="LIFE") == (
        "added nothing; updated nothing"
    )
    assert state(database)[0] == before[0]


# -- 6. one agency as both lead and joint


def test_one_agency_as_lead_and_joint_is_refused_like_the_json_import(
    sample_database: Database, tmp_path: Path
):
    rows = [
        ["Number", "Recommendation", "Lead agency", "Joint agencies"],
        ["1", "Share information.", "Police", "Health; Police"],
    ]
    path = workbook_of(rows, tmp_path / "both.xlsx")
    before = state(sample_database)
    with pytest.raises(TrackerFileError) as caught:
        run_import(sample_database, path, review="BOTH")
    assert (
        "Sheet 'Tracker', row 2, column D (Joint agencies): 'Police' is also a lead agency."
    ) in caught.value.message
    assert state(sample_database) == before


def test_a_joint_agency_that_already_leads_the_item_is_refused(database: Database, tmp_path: Path):
    lead = [["Number", "Recommendation", "Lead agency"], ["1", "Share information.", "Police"]]
    run_import(database, workbook_of(lead, tmp_path / "lead.xlsx"), review="BOTH")
    before = state(database)
    joint = [["Number", "Joint agencies"], ["1", "Police"]]
    with pytest.raises(TrackerFileError, match="column B \\(Joint agencies\\): 'Police' is also"):
        run_import(database, workbook_of(joint, tmp_path / "joint.xlsx"), review="BOTH")
    assert state(database) == before


def test_a_lead_agency_that_already_shares_the_item_is_named_as_joint(
    database: Database, tmp_path: Path
):
    """Found by a new user: the refusal called the held joint agency a lead agency."""
    joint = [["Number", "Recommendation", "Joint agencies"], ["1", "Share information.", "Council"]]
    run_import(database, workbook_of(joint, tmp_path / "joint.xlsx"), review="BOTH")
    before = state(database)
    lead = [["Number", "Lead agency"], ["1", "Council"]]
    with pytest.raises(
        TrackerFileError, match="column B \\(Lead agency\\): 'Council' is also a joint"
    ):
        run_import(database, workbook_of(lead, tmp_path / "lead.xlsx"), review="BOTH")
    assert state(database) == before


# -- 7. dates as trackers write them


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("21/11/2025 00:00", (dt.date(2025, 11, 21), "")),
        ("21/11/2025 00:00:00", (dt.date(2025, 11, 21), "")),
        ("31/3/2026 (revised)", (dt.date(2026, 3, 31), "revised")),
        (
            "By 31/03/2026 - Revised at the May panel",
            (dt.date(2026, 3, 31), "Revised at the May panel"),
        ),
        ("21 November 2025 (moved)", (dt.date(2025, 11, 21), "moved")),
        ("w/c 12/01/2026", (dt.date(2026, 1, 18), "")),
        ("W/C 12/01/2026 (tbc)", (dt.date(2026, 1, 18), "tbc")),
        ("week commencing 12 January 2026", (dt.date(2026, 1, 18), "")),
        ("Q1 2026/27", (dt.date(2026, 6, 30), "")),
        ("Q4 2026/27", (dt.date(2027, 3, 31), "")),
        ("Q2 26/27", (dt.date(2026, 9, 30), "")),
        ("2026-27 Q3", (dt.date(2026, 12, 31), "")),
        ("Q3 2026", (dt.date(2026, 9, 30), "")),
        ("Quarter 3 2026", (dt.date(2026, 9, 30), "")),
        ("1/1/99", (dt.date(1999, 1, 1), "")),
        ("21 Nov 46", (dt.date(2046, 11, 21), "")),
        ("21 Nov 47", (dt.date(1947, 11, 21), "")),
        ("Nov-99", (dt.date(1999, 11, 30), "")),
        ("Ongoing", (None, "")),
    ],
)
def test_dates_as_trackers_write_them(written: str, expected: tuple[dt.date | None, str]):
    assert date_and_remark(written, today=TODAY) == expected


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("Q1 2026/28", "names no financial year"),
        ("21/11/2025 25:00", "is not a real date and time"),
        ("31/02/2026 (revised)", "is not a real date"),
        ("10/25/2026 (revised)", "reads as month 25"),
        ("Q3", "is not a date casereview can read"),
        ("Q5 2026", "is not a date casereview can read"),
        ("w/c TBC", "names no week"),
    ],
)
def test_dates_that_cannot_be_read_for_certain_are_refused(written: str, message: str):
    with pytest.raises(ValueError, match=message):
        date_and_remark(written, today=TODAY)


def test_a_two_digit_year_stays_within_a_window_around_today():
    assert [two_digit_year(n, dt.date(2026, 11, 22)) for n in (0, 25, 46, 47, 99)] == [
        2000,
        2025,
        2046,
        1947,
        1999,
    ]
    assert two_digit_year(5, dt.date(2090, 1, 1)) == 2105
    assert two_digit_year(99, dt.date(2090, 1, 1)) == 2099


def test_target_dates_with_remarks_times_weeks_and_quarters_import(
    database: Database, tmp_path: Path
):
    rows = [
        ["Number", "Recommendation", "Action(s)", "Target date", "Closed on"],
        ["1", "First.", "Brief staff", "21/11/2026 00:00", None],
        ["2", "Second.", "Audit", "31/3/2027 (revised)", None],
        [None, None, "Re-audit", "28/2/2027 (brought forward)", None],
        ["3", "Third.", "Train", "w/c 11/01/2027", None],
        ["4", "Fourth.", "Report", "Q1 2027/28", "1/1/26"],
    ]
    path = workbook_of(rows, tmp_path / "dates.xlsx")
    assert run_import(database, path, review="DATES") == (
        "added 1 review, 4 recommendations; updated nothing"
    )
    recs = {r.number: r for r in review(database, "DATES").recommendations}
    assert [recs[n].target_date for n in "1234"] == [
        dt.date(2026, 11, 21),
        dt.date(2027, 3, 31),
        dt.date(2027, 1, 17),
        dt.date(2027, 6, 30),
    ]
    assert recs["4"].closed_on == dt.date(2026, 1, 1)
    notes = [u.note for u in recs["2"].updates]
    assert "Target date given in the imported tracker as '31/3/2027 (revised)'." in notes
    assert "Target date given in the imported tracker as '28/2/2027 (brought forward)'." in notes
    assert [u.note for u in recs["1"].updates] == []
    # Importing it again keeps the remarks once.
    assert run_import(database, path, review="DATES") == "added nothing; updated nothing"


@pytest.mark.parametrize(
    ("cell", "value", "message"),
    [
        ("D2", "Q1 2026/28", "column D (Target date): 'Q1 2026/28' names no financial year"),
        ("E2", "1/1/2026 (late)", "column E (Closed on): '1/1/2026 (late)' has more than a date"),
    ],
)
def test_a_date_that_cannot_be_read_is_refused_naming_the_cell(
    sample_database: Database, tmp_path: Path, cell: str, value: str, message: str
):
    rows = [
        ["Number", "Recommendation", "Action(s)", "Target date", "Closed on"],
        ["1", "First.", "Brief staff", "21/11/2026", None],
    ]
    path = workbook_of(rows, tmp_path / "dates.xlsx")
    book = openpyxl.load_workbook(path)
    book["Tracker"][cell] = value
    book.save(path)
    before = state(sample_database)
    with pytest.raises(TrackerFileError) as caught:
        run_import(sample_database, path, review="DATES")
    assert f"Sheet 'Tracker', row 2, {message}" in caught.value.message
    assert state(sample_database) == before
