"""Re-importing casereview's own .xlsx action plan: the tracker's items are compared with the
items as held (db.exchange.held), so an unchanged file writes nothing and a changed cell
writes that field alone, with its audit entry (issue 26)."""

from __future__ import annotations

import gc
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import event, select

from db.exchange import collect_document
from db.exchange.held import Held
from db.exchange.spreadsheets import TrackerProblemsError, write_xlsx
from db.exchange.spreadsheets.importing import BATCH
from db.exchange.spreadsheets.writing import PLAN_SHEET
from db.store.database import Database
from db.store.models import AuditEntry
from tests.helpers import TODAY
from tests.helpers.exchange import review, run_import, state
from tests.helpers.spreadsheet_files import simple_rows, workbook_of


def _entries_after(database: Database, last: int) -> list[tuple[str, str, str | None]]:
    with database.session() as session:
        return [
            (e.entity, e.action, e.field)
            for e in session.scalars(select(AuditEntry).where(AuditEntry.id > last))
        ]


def _last_entry(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(AuditEntry.id).order_by(AuditEntry.id.desc())) or 0


def test_a_changed_cell_writes_that_field_alone_and_the_rest_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    with sample_database.session() as session:
        original = collect_document(session, TODAY)
    path = tmp_path / "plan.xlsx"
    path.write_bytes(write_xlsx(original, TODAY))
    before = state(sample_database)
    assert run_import(sample_database, path) == "added nothing; updated nothing"
    assert state(sample_database) == before  # not an audit entry more

    book = openpyxl.load_workbook(path)
    sheet = book[PLAN_SHEET]
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "Review")
    columns = {sheet.cell(header, c).value: c for c in range(1, sheet.max_column + 1)}
    row = header + 1
    reference = sheet.cell(row, columns["Review"]).value
    number = str(sheet.cell(row, columns["Number"]).value)
    sheet.cell(row, columns["Owner"]).value = "A new owner"
    book.save(path)
    last = _last_entry(sample_database)
    assert run_import(sample_database, path) == "added nothing; updated 1 recommendation"
    entries = _entries_after(sample_database, last)
    assert [(entity, field) for entity, _, field in entries if field != "updated_at"] == [
        ("recommendations", "owner")
    ]
    changed = next(r for r in original.reviews if r.reference == reference)
    item = next(i for i in changed.recommendations if i.number == number)
    item.owner = "A new owner"
    after = state(sample_database)[0]
    with sample_database.session() as session:
        now = collect_document(session, TODAY)
    assert [r for r in now.reviews if r.reference != reference] == [
        r for r in original.reviews if r.reference != reference
    ]
    assert next(r for r in now.reviews if r.reference == reference) == changed
    assert after != before[0]


def _plan_with_an_item_left_out(database: Database, path: Path) -> tuple[str, str]:
    """``database`` exported as an .xlsx action plan at ``path``, the main sheet's first item
    taken out (its Updates rows kept); that item's review and number."""
    with database.session() as session:
        path.write_bytes(write_xlsx(collect_document(session, TODAY), TODAY))
    book = openpyxl.load_workbook(path)
    sheet = book[PLAN_SHEET]
    header = next(r for r in range(1, 10) if sheet.cell(r, 1).value == "Review")
    columns = {sheet.cell(header, c).value: c for c in range(1, sheet.max_column + 1)}
    reference = str(sheet.cell(header + 1, columns["Review"]).value)
    number = str(sheet.cell(header + 1, columns["Number"]).value)
    sheet.delete_rows(header + 1)
    book.save(path)
    return reference, number


def _add_update(path: Path, reference: str, number: str, note: str) -> int:
    """An Updates row about item ``number`` of ``reference``; its row number."""
    book = openpyxl.load_workbook(path)
    updates = book["Updates"]
    updates.append([reference, number, "2026-11-20", "A. Tester", "In progress", note])
    book.save(path)
    return updates.max_row


def test_an_update_about_an_item_the_main_sheet_leaves_out_is_still_added(
    sample_database: Database, tmp_path: Path
) -> None:
    """The Updates sheet's rows about a held item the main sheet leaves out are merged into
    that item as the import ends (``_Run.finish``, which reads such items when it wants them)."""
    path = tmp_path / "plan.xlsx"
    reference, number = _plan_with_an_item_left_out(sample_database, path)
    before = state(sample_database)
    assert run_import(sample_database, path) == "added nothing; updated nothing"
    assert state(sample_database) == before

    _add_update(path, reference, number, "Audit of twenty cases finished.")
    assert run_import(sample_database, path) == "added nothing; updated 1 recommendation"
    item = next(i for i in review(sample_database, reference).recommendations if i.number == number)
    assert item.updates[-1].note == "Audit of twenty cases finished."


def test_an_update_about_no_item_is_refused_by_its_row(
    sample_database: Database, tmp_path: Path
) -> None:
    path = tmp_path / "plan.xlsx"
    reference, _ = _plan_with_an_item_left_out(sample_database, path)
    row = _add_update(path, reference, "99.9", "About nothing held.")
    before = state(sample_database)
    with pytest.raises(TrackerProblemsError) as refused:
        run_import(sample_database, path)
    assert f"Sheet 'Updates', row {row}: no recommendation has this number" in refused.value.message
    assert state(sample_database) == before


def test_rows_about_no_review_or_no_number_say_which_and_come_in_the_files_order(
    sample_database: Database, tmp_path: Path
) -> None:
    """A trial's rows naming a review held nowhere, or no number, were each said to be about
    "no recommendation"; and the problems came as each step found them, not row by row."""
    path = tmp_path / "plan.xlsx"
    reference, number = _plan_with_an_item_left_out(sample_database, path)
    nowhere = _add_update(path, "NO-SUCH-REVIEW", "1", "About a review held nowhere.")
    no_number = _add_update(path, reference, "", "About no item.")
    no_review = _add_update(path, "", number, "About no review.")
    book = openpyxl.load_workbook(path)
    sheet = book[PLAN_SHEET]
    last = sheet.max_row
    status = next(c for c in range(1, 20) if sheet.cell(3, c).value == "Status")
    sheet.cell(last, status).value = "Sort of done"  # on the main sheet's last row
    book.save(path)
    before = state(sample_database)
    with pytest.raises(TrackerProblemsError) as refused:
        run_import(sample_database, path)
    first, *rest = refused.value.problems
    assert first.startswith(f"Sheet '{PLAN_SHEET}', row {last}, column I (Status): 'Sort of")
    assert rest == [
        f"Sheet 'Updates', row {nowhere}: no review has this reference.",
        f"Sheet 'Updates', row {no_number}: its Number is empty.",
        f"Sheet 'Updates', row {no_review}: its Review is empty.",
    ]
    assert state(sample_database) == before


def test_a_review_held_whole_is_read_a_batch_at_a_time(database: Database, tmp_path: Path) -> None:
    """Re-importing a tracker into the review it made: its items as held are read as each
    batch names them and let go once it is merged, never all at once (read whole, a review of
    100,000 items re-imported took 327 MB)."""
    rows: list[list[object]] = [simple_rows()[0]]
    rows += [[str(n), f"Item {n}", "Police", "31/03/2027", "Green", ""] for n in range(1, 3001)]
    path = workbook_of(rows, tmp_path / "big.xlsx")
    assert run_import(database, path, review="BIG").startswith("added 1 review")
    before = state(database)
    alive: list[int] = []

    def count(*_args: object) -> None:
        gc.collect()
        alive.append(sum(1 for o in gc.get_objects() if type(o) is Held))

    event.listen(database.engine, "before_cursor_execute", count)
    try:
        assert run_import(database, path, review="BIG") == "added nothing; updated nothing"
    finally:
        event.remove(database.engine, "before_cursor_execute", count)
    assert state(database) == before
    assert alive and max(alive) <= BATCH < 3000
