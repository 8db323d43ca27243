"""Re-importing casereview's own .xlsx action plan: the tracker's items are compared with the
items as held (db.exchange.held), so an unchanged file writes nothing and a changed cell
writes that field alone, with its audit entry (issue 26)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from sqlalchemy import select

from db.exchange import collect_document
from db.exchange.spreadsheets import write_xlsx
from db.exchange.spreadsheets.writing import PLAN_SHEET
from db.store.database import Database
from db.store.models import AuditEntry
from tests.helpers import TODAY
from tests.helpers.exchange import run_import, state


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
