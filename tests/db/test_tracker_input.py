"""What trackers really hold: damaged CSV, dates as panels write them, and statuses and
agencies that would break the lifecycle, through the real import path on real databases."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from db.engine import Database
from db.spreadsheets import TrackerFileError, read_tracker
from tests.db.test_spreadsheets import review, run_import, state

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
