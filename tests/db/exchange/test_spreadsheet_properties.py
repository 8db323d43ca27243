"""Property-based tests: a mutated tracker either imports cleanly or is refused with the
importer's own error, and a refused import leaves the database exactly as it was."""

from __future__ import annotations

import datetime as dt
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.exchange.spreadsheets import TrackerFileError, import_tracker, read_tracker
from db.exchange.spreadsheets.values import neutralise
from db.store.database import Database, open_database
from db.store.location import resolve_location
from tests.helpers import TODAY
from tests.helpers.exchange import state
from tests.helpers.spreadsheet_files import clean_tracker_bytes, csv_of, simple_rows, workbook_of

pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")  # openpyxl on damaged files


@pytest.fixture(scope="module")
def database() -> Iterator[Database]:
    with tempfile.TemporaryDirectory() as folder:
        db = open_database(resolve_location(str(Path(folder) / "p.sqlite3")), create=True)
        yield db
        db.close()


cells = st.one_of(
    st.none(),
    st.integers(-10, 100_000),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
    st.dates(dt.date(1900, 3, 1), dt.date(2100, 1, 1)),
    st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=30),
    st.sampled_from(["=1+1", "+44", "-3", "@SUM(A1)", "Purple", "31/02/2027", "5.1", ""]),
)


@st.composite
def mutated_rows(draw: st.DrawFn) -> list[list[object]]:
    rows = [list(r) for r in simple_rows()]
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["swap", "duplicate", "formula", "drop", "extra"]))
        row = draw(st.integers(1, len(rows) - 1))
        column = draw(st.integers(0, len(rows[0]) - 1))
        if kind == "swap":
            rows[row][column] = draw(cells)
        elif kind == "duplicate":
            rows[row][0] = rows[1][0]
        elif kind == "formula":
            rows[row][column] = draw(st.sampled_from(['=HYPERLINK("x")', "@cmd", "+1", "-1"]))
        elif kind == "drop" and len(rows) > 2:
            del rows[row]
        else:
            rows.append([draw(cells) for _ in rows[0]])
    return rows


def attempt(database: Database, path: Path) -> None:
    before = state(database)
    try:
        tracker = read_tracker(path)
        with database.transaction("tester") as session:
            import_tracker(session, tracker, today=TODAY, actor="tester", review="PROP")
    except TrackerFileError as exc:
        assert exc.message.strip()
        assert "Traceback" not in exc.message
        assert state(database) == before
        return
    # A clean import; importing it again changes nothing.
    after = state(database)
    tracker = read_tracker(path)
    with database.transaction("tester") as session:
        summary = import_tracker(session, tracker, today=TODAY, actor="tester", review="PROP")
    assert summary.describe() == "added nothing; updated nothing"
    assert state(database)[0] == after[0]


COMMON = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@COMMON
@given(rows=mutated_rows(), as_csv=st.booleans())
def test_mutated_cells_import_cleanly_or_change_nothing(
    database: Database, rows: list[list[object]], as_csv: bool
):
    with tempfile.TemporaryDirectory() as folder:
        if as_csv:
            text_rows = [["" if c is None else neutralise(str(c)) for c in r] for r in rows]
            path = csv_of(text_rows, Path(folder) / "t.csv", "utf-8")
        else:
            path = workbook_of(rows, Path(folder) / "t.xlsx")
        attempt(database, path)


@COMMON
@given(data=st.data(), suffix=st.sampled_from([".xlsx", ".csv"]))
def test_damaged_bytes_import_cleanly_or_change_nothing(
    database: Database, data: st.DataObject, suffix: str
):
    with tempfile.TemporaryDirectory() as folder:
        raw = bytearray(clean_tracker_bytes(suffix))
        how = data.draw(st.sampled_from(["truncate", "flip"]))
        if how == "truncate":
            raw = raw[: data.draw(st.integers(0, len(raw) - 1))]
        else:
            for _ in range(data.draw(st.integers(1, 20))):
                at = data.draw(st.integers(0, len(raw) - 1))
                raw[at] = data.draw(st.integers(0, 255))
        damaged = Path(folder) / f"damaged{suffix}"
        damaged.write_bytes(bytes(raw))
        attempt(database, damaged)


def test_a_workbook_claiming_an_unknown_zip_version_is_refused_cleanly(database: Database):
    """Found by the test above: zipfile raises NotImplementedError, not BadZipFile, for an
    entry that says it needs a newer zip version."""
    raw = bytearray(clean_tracker_bytes(".xlsx"))
    entry = raw.index(b"PK\x01\x02")  # the central directory's first entry
    raw[entry + 6] = 64  # "version needed to extract": 6.4
    with tempfile.TemporaryDirectory() as folder:
        damaged = Path(folder) / "damaged.xlsx"
        damaged.write_bytes(bytes(raw))
        attempt(database, damaged)
