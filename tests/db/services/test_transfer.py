"""Export, one workflow for the command line and the window: what is written is what the
audit trail records, and a file that cannot be written leaves no entry."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from db.services import transfer
from db.store.database import Database
from db.store.models import AuditEntry
from tests.helpers import TODAY


def exports(database: Database) -> int:
    with database.session() as session:
        return int(
            session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.entity == "exports")
            )
            or 0
        )


def test_an_export_is_written_and_recorded(sample_database: Database) -> None:
    doc = transfer.collect(sample_database, TODAY)
    data = transfer.render(doc, "json", TODAY)
    written: list[bytes] = []
    transfer.write_export(
        sample_database,
        doc,
        data,
        fmt="json",
        name="plan.json",
        actor="Tester",
        write=written.append,
    )
    assert written == [data]
    assert {r["reference"] for r in json.loads(data)["reviews"]} == {
        r.reference for r in doc.reviews
    }
    assert exports(sample_database) == 1
    for fmt in ("xlsx", "csv"):
        assert transfer.render(doc, fmt, TODAY)


def test_a_file_that_cannot_be_written_leaves_no_entry(sample_database: Database) -> None:
    doc = transfer.collect(sample_database, TODAY)

    def full_disk(_: bytes) -> None:
        raise OSError(28, "No space left on device")

    with pytest.raises(OSError):
        transfer.write_export(
            sample_database,
            doc,
            b"{}",
            fmt="json",
            name="plan.json",
            actor="Tester",
            write=full_disk,
        )
    assert exports(sample_database) == 0
