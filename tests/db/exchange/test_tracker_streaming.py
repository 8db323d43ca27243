"""A large tracker is imported a batch at a time (issue 26): what is written before a
problem in its last rows is rolled back, and the items are never all held at once."""

from __future__ import annotations

import gc
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from db.exchange.spreadsheets import (
    TrackerFileError,
    TrackerProblemsError,
    import_tracker,
    read_tracker,
)
from db.exchange.spreadsheets.importing import BATCH
from db.exchange.spreadsheets.tracker_file import TrackerItem
from db.store.database import Database, open_database
from db.store.location import resolve_location
from tests.helpers import TODAY
from tests.helpers.exchange import review, state
from tests.helpers.spreadsheet_files import (
    LOGGED,
    own_export,
    own_workbook_with_a_long_log,
    simple_rows,
    workbook_of,
)

ROWS = 3000  # more than one batch, so some are written before the last rows are read


def large_tracker(path: Path, last: list[object] | None = None) -> Path:
    """``ROWS`` items below simple_rows' header; ``last`` replaces the final row."""
    rows: list[list[object]] = [simple_rows()[0]]
    rows += [[str(n), f"Item {n}", "Police", "31/03/2027", "Green", ""] for n in range(1, ROWS + 1)]
    if last is not None:
        rows[-1] = last
    return workbook_of(rows, path)


def test_a_problem_in_the_last_rows_leaves_the_database_as_it_was(
    database: Database, tmp_path: Path
):
    path = large_tracker(tmp_path / "big.xlsx", [str(ROWS), "x", "Police", "99/99/2027", "", ""])
    before = state(database)
    file = database.location.path
    digest = None
    if file is not None:  # SQLite: the file itself, byte for byte
        database.close()
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
    tracker = read_tracker(path)
    refused = pytest.raises(TrackerFileError, match=f"row {ROWS + 1}")
    with refused, database.transaction("tester") as session:
        import_tracker(session, tracker, today=TODAY, actor="tester")
    if file is not None:
        database.close()
        assert hashlib.sha256(file.read_bytes()).hexdigest() == digest
    assert state(database) == before


def test_the_items_are_not_all_held_at_once(database: Database, tmp_path: Path):
    path = large_tracker(tmp_path / "big.xlsx")
    held: list[tuple[int, int]] = []  # at each flush: items alive, objects the session holds

    def alive() -> int:
        gc.collect()  # the items still held, not garbage waiting (the collector may be off)
        return sum(1 for o in gc.get_objects() if type(o) is TrackerItem)

    before = alive()  # any an earlier test's objects still hold, in a whole suite's run

    def count(session: Session, _context: object) -> None:
        held.append((alive() - before, len(session.identity_map)))

    tracker = read_tracker(path)
    with database.transaction("tester") as session:
        event.listen(session, "after_flush", count)
        import_tracker(session, tracker, today=TODAY, actor="tester")
        event.remove(session, "after_flush", count)
    assert len(review(database, "BIG").recommendations) == ROWS
    assert len(held) > ROWS // BATCH
    assert max(items for items, _ in held) <= BATCH
    assert max(objects for _, objects in held) < 50


def test_a_csv_tracker_is_read_a_line_at_a_time(tmp_path: Path) -> None:
    """A CSV tracker's text is read as its rows are wanted, never held whole (a trial's
    100,000-row CSV peaked at 588 MB as the whole text was kept): reading every item of a
    20 MB file never holds a quarter of it (it held the text whole, several times over).
    A Windows-1252 line still reads as Windows-1252 among UTF-8 ones."""
    import tracemalloc

    from tests.helpers.spreadsheet_files import csv_of

    rows: list[list[object]] = [simple_rows()[0]]
    rows += [
        [str(n), f"Item {n}: {'a fairly long recommendation text ' * 60}", "Police",
         "31/03/2027", "Green", ""]
        for n in range(1, 10_001)
    ]  # fmt: skip
    path = csv_of(rows, tmp_path / "big.csv", "utf-8", ",")
    with path.open("ab") as file:
        file.write("10001,Caf\u00e9 in Windows-1252,Police,31/03/2027,Green,\r\n".encode("cp1252"))
    size = path.stat().st_size
    assert size > 20_000_000
    tracker = read_tracker(path)
    tracemalloc.start()
    try:
        items = 0
        last = None
        for item in tracker.items():
            items += 1
            last = item
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert items == 10_001 and last is not None and last.text == "Café in Windows-1252"
    assert peak < size / 4, (peak, size)


def _updates(database: Database) -> int:
    from sqlalchemy import func, select

    from db.store.models import ProgressUpdate

    with database.session() as session:
        return session.scalar(select(func.count()).select_from(ProgressUpdate)) or 0


def test_an_own_workbooks_log_is_set_aside_not_held(database: Database, tmp_path: Path) -> None:
    """casereview's own export brings its log in an Updates sheet, read before the items it
    is about (150,000 rows at 100,000 items: a trial's import reached 266 MB). The rows are
    set aside on disk as they are read, encrypted (no plaintext of casereview's reaches a
    temporary file), and taken back a batch of items at a time: reading 6 MB of log holds
    less than a tenth of it in Python, and SQLite keeps 2 MB of its file in memory. The same
    file read once imports whole into one database and then another (a trial run and the
    import after it); closed, what was set aside is gone, and it imports no more."""
    import tracemalloc

    path = own_workbook_with_a_long_log(database, tmp_path / "own.xlsx")
    tracemalloc.start()
    try:
        tracker = read_tracker(path)
        gc.collect()  # what is held, not garbage waiting (an earlier test may pause the collector)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    log = tracker.companions.updates
    assert len(log) >= LOGGED
    assert held < LOGGED * 1000 / 10, held
    assert log.folder is not None
    (aside,) = log.folder.iterdir()
    assert aside.stat().st_size > LOGGED * 1000 / 2  # on disk, not in memory
    assert b"audit of the practice" not in aside.read_bytes()  # and not as plaintext
    assert log._db.execute("PRAGMA cache_size").fetchone()[0] == -2048
    for name in ("trial", "import"):
        with open_database(
            resolve_location(str(tmp_path / f"{name}.sqlite3")), create=True
        ) as into:
            with into.transaction("tester") as session:
                import_tracker(session, tracker, today=TODAY, actor="tester")
            assert _updates(into) == _updates(database) + LOGGED
    folder = log.folder
    tracker.close()
    assert not folder.exists()
    with pytest.raises(RuntimeError, match="were removed"):  # (not taken as no rows)
        log.take("anything", ["1"])
    with (
        pytest.raises(RuntimeError, match="were removed"),
        open_database(resolve_location(str(tmp_path / "after.sqlite3")), create=True) as into,
        into.transaction("tester") as session,
    ):
        import_tracker(session, tracker, today=TODAY, actor="tester")


def _counts(database: Database) -> tuple[int, int]:
    from sqlalchemy import func, select

    from db.store.models import Evidence

    with database.session() as session:
        evidence = session.scalar(select(func.count()).select_from(Evidence)) or 0
    return _updates(database), evidence


def test_a_copy_of_a_log_sheet_is_named_not_read_twice(database: Database, tmp_path: Path) -> None:
    """A trial copied the Updates sheet of casereview's own workbook beside it ("Updates
    Copy"), and every update was imported twice, without a word. The first sheet of each log
    is read; a second of the same layout is named as not read."""
    import openpyxl

    path = own_export(database, tmp_path / "own.xlsx")
    book = openpyxl.load_workbook(path)
    book.copy_worksheet(book["Updates"]).title = "Updates Copy"
    book.save(path)
    _imports_once_naming_the_copy(database, path, "Updates Copy", tmp_path)


def _imports_once_naming_the_copy(database: Database, path: Path, copy: str, into: Path) -> None:
    """The workbook at ``path`` names sheet ``copy`` as not read, as a copy of "Updates", and
    imports into a new database (in folder ``into``) as many log rows as ``database`` holds."""
    tracker = read_tracker(path)
    assert any(
        f"sheet '{copy}' is not read: it has the layout of sheet 'Updates'" in line
        for line in tracker.kept_lines()
    ), tracker.kept_lines()
    with open_database(resolve_location(str(into / "into.sqlite3")), create=True) as fresh:
        with fresh.transaction("tester") as session:
            import_tracker(session, tracker, today=TODAY, actor="tester")
        assert _counts(fresh) == _counts(database)
    tracker.close()


def test_the_sheet_of_casereviews_own_name_is_read_before_a_copy_ahead_of_it(
    database: Database, tmp_path: Path
) -> None:
    """Excel's "Move or Copy" puts the copy before the sheet it copies: the copy was the one
    read, and the problems of its rows were said to be on "Updates". casereview's own sheet is
    read, and a problem is said on the sheet it is on."""
    import openpyxl

    path = own_export(database, tmp_path / "own.xlsx")
    book = openpyxl.load_workbook(path)
    copy = book.copy_worksheet(book["Updates"])
    copy.title = "Updates (2)"
    book.move_sheet(copy, offset=book.sheetnames.index("Updates") - book.index(copy))
    assert book.sheetnames.index("Updates (2)") < book.sheetnames.index("Updates")
    copy["C2"] = "not a date"  # in the copy only: never read
    book.save(path)
    _imports_once_naming_the_copy(database, path, "Updates (2)", tmp_path)

    # The log alone, renamed: read, and its problems said on it.
    book = openpyxl.load_workbook(path)
    del book["Updates (2)"]
    book["Updates"].title = "Log"
    book["Log"]["C2"] = "not a date"
    book.save(path)
    tracker = read_tracker(path)
    with pytest.raises(TrackerProblemsError) as refused, database.transaction("t") as session:
        import_tracker(session, tracker, today=TODAY, actor="tester")
    assert refused.value.problems == ["Sheet 'Log', row 2: 'not a date' is not a date."]
    tracker.close()


def test_two_evidence_rows_alike_are_two_entries(database: Database, tmp_path: Path) -> None:
    """A trial's two identical rows of the Evidence sheet became one entry without a word;
    two updates alike are two entries, and so are two evidence rows alike. Imported again,
    they add nothing."""
    import openpyxl

    path = own_export(database, tmp_path / "own.xlsx")
    book = openpyxl.load_workbook(path)
    evidence = book["Evidence"]
    evidence.append([cell.value for cell in evidence[2]])
    book.save(path)
    target = resolve_location(str(tmp_path / "into.sqlite3"))
    for _ in range(2):
        tracker = read_tracker(path)
        with open_database(target, create=True) as into:
            with into.transaction("tester") as session:
                import_tracker(session, tracker, today=TODAY, actor="tester")
            updates, entries = _counts(database)
            assert _counts(into) == (updates, entries + 1)
        tracker.close()
