"""A progress update entered in error is withdrawn, never erased: kept in the log with who
withdrew it, when and why; audited; left out of "latest progress"; carried by the JSON export.
On SQLite and on PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from db.core.errors import ConflictError, DocumentError, RuleError
from db.core.vocabulary import Status
from db.exchange import apply_document, collect_document, dump_document, parse_document
from db.exchange.spreadsheets.writing import plan_rows, write_csv
from db.queries import briefing_content as briefing
from db.services import editing
from db.services.editing import ItemKey, UpdateKey
from db.store import lifecycle
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import AuditEntry, ProgressUpdate
from tests.helpers import TODAY

CHILD_A = "FSCP-CSPR-CHILD-A"
ITEM = ItemKey(CHILD_A, "3")
AT = dt.datetime(2026, 11, 22, 14, 5, tzinfo=dt.UTC)


def _add(database: Database, note: str, status: Status | None = None) -> UpdateKey:
    """A new update on ``ITEM`` (the newest in its log), as the window adds one."""
    with database.transaction("Manager") as session:
        rec = editing.item_by_key(session, ITEM)
        update = lifecycle.record_update(
            session, rec.id, on=TODAY, author="Manager", note=note, status=status
        )
        found = editing.update_key_by_id(session, update.id)
    assert found is not None and found[0] == ITEM
    return found[1]


def _log(database: Database) -> list[tuple[str, Any, Any, Any]]:
    with database.session() as session:
        rec = editing.item_by_key(session, ITEM)
        return [(u.note, u.withdrawn_at, u.withdrawn_by, u.withdrawn_reason) for u in rec.updates]


def test_a_withdrawn_update_is_kept_marked_and_audited(sample_database: Database) -> None:
    which = _add(sample_database, "Training done for the wrong team.")
    before = _log(sample_database)
    with sample_database.transaction("Chair") as session:
        done = editing.withdraw_update(
            session, ITEM, which, by="Chair", reason="Entered on the wrong item.", at=AT
        )
    assert done == editing.Withdrawal(AT, "Chair", "Entered on the wrong item.")
    after = _log(sample_database)
    assert len(after) == len(before)  # never erased
    assert after[-1] == ("Training done for the wrong team.", AT, "Chair", done.reason)
    with sample_database.session() as session:
        update_id = session.scalars(
            select(ProgressUpdate.id).where(ProgressUpdate.withdrawn_at.is_not(None))
        ).one()
        entries = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "progress_updates", AuditEntry.entity_id == str(update_id)
            )
        ).all()
    changed = {e.field: (e.old, e.new, e.actor) for e in entries if e.action == "update"}
    assert changed == {
        "withdrawn_at": (None, AT.isoformat(), "Chair"),
        "withdrawn_by": (None, "Chair", "Chair"),
        "withdrawn_reason": (None, "Entered on the wrong item.", "Chair"),
    }

    with sample_database.transaction("Chair") as session:
        editing.undo_withdrawal(session, ITEM, which, done)
    assert _log(sample_database) == before  # undo restores it exactly
    with sample_database.session() as session:
        undone = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "progress_updates",
                AuditEntry.entity_id == str(update_id),
                AuditEntry.field == "withdrawn_reason",
            )
        ).all()
    assert [(e.old, e.new) for e in undone][-1] == ("Entered on the wrong item.", None)


def test_withdrawing_a_status_change_leaves_the_status(sample_database: Database) -> None:
    which = _add(sample_database, "Wrong item.", Status.IMPLEMENTED)
    with sample_database.transaction("Chair") as session:
        editing.withdraw_update(session, ITEM, which, by="Chair", reason="Wrong item.")
    with sample_database.session() as session:
        rec = editing.item_by_key(session, ITEM)
        assert rec.status is Status.IMPLEMENTED
        assert rec.updates[-1].withdrawn and rec.updates[-1].status is Status.IMPLEMENTED


def test_a_withdrawal_needs_a_reason_and_happens_once(sample_database: Database) -> None:
    which = _add(sample_database, "A note.")
    before = _log(sample_database)
    with sample_database.transaction("Chair") as session, pytest.raises(RuleError) as caught:
        editing.withdraw_update(session, ITEM, which, by="Chair", reason="  ")
    assert caught.value.message == "Say why the update is withdrawn."
    assert _log(sample_database) == before
    assert (
        editing.check_withdrawal("x" * 100_001)
        .by_field["reason"]
        .startswith("The reason is longer than the 100,000 characters")
    )
    with sample_database.transaction("Chair") as session:
        editing.withdraw_update(session, ITEM, which, by="Chair", reason="Twice.", at=AT)
    with sample_database.transaction("Other") as session, pytest.raises(ConflictError):
        editing.withdraw_update(session, ITEM, which, by="Other", reason="Again.")
    assert _log(sample_database)[-1] == ("A note.", AT, "Chair", "Twice.")


def test_the_same_note_twice_withdraws_the_one_chosen(sample_database: Database) -> None:
    first = _add(sample_database, "Same words.")
    second = _add(sample_database, "Same words.")
    assert (first.occurrence, second.occurrence) == (0, 1)
    with sample_database.transaction("Chair") as session:
        editing.withdraw_update(session, ITEM, second, by="Chair", reason="Typed twice.", at=AT)
    assert [w[1] for w in _log(sample_database)[-2:]] == [None, AT]


def test_withdrawn_updates_are_not_the_latest_progress(sample_database: Database) -> None:
    _add(sample_database, "Real progress.")
    which = _add(sample_database, "Entered in error.", Status.IMPLEMENTED)
    with sample_database.transaction("Chair") as session:
        editing.withdraw_update(session, ITEM, which, by="Chair", reason="Error.", at=AT)
    with sample_database.session() as session:
        pack = briefing.gather(
            session,
            briefing.PackOptions(
                today=TODAY,
                title="Panel",
                marking="OFFICIAL-SENSITIVE",
                prepared_by="Chair",
                since=TODAY,
                reviews=[CHILD_A],
            ),
        )
        doc = collect_document(session, TODAY, [CHILD_A])
    item = next(i for i in pack.items if i.number == ITEM.number)
    assert item.latest_update.endswith("Real progress.")
    assert not any("Entered in error." in c.what for c in pack.changes)
    row = next(r for r in plan_rows(doc, TODAY) if r[1] == ITEM.number)
    assert row[-1] == "Real progress."
    assert "Entered in error." not in write_csv(doc, TODAY).decode("utf-8-sig")
    # The JSON export keeps it, marked.
    exported = json.loads(dump_document(doc))
    rec = next(r for r in exported["reviews"][0]["recommendations"] if r["number"] == "3")
    assert rec["updates"][-1] == {
        "date": TODAY.isoformat(),
        "author": "Manager",
        "status": "implemented",
        "note": "Entered in error.",
        "withdrawn_at": AT.isoformat(),
        "withdrawn_by": "Chair",
        "withdrawn_reason": "Error.",
    }


def _export(database: Database) -> dict[str, Any]:
    with database.session() as session:
        data: dict[str, Any] = json.loads(dump_document(collect_document(session, TODAY)))
    data.pop("exported_at")
    return data


def test_a_withdrawal_round_trips_through_json(sample_database: Database, tmp_path: Path) -> None:
    which = _add(sample_database, "Entered in error.")
    with sample_database.transaction("Chair") as session:
        editing.withdraw_update(session, ITEM, which, by="Chair", reason="Error.", at=AT)
    exported = _export(sample_database)
    with open_database(resolve_location(str(tmp_path / "copy.sqlite3")), create=True) as target:
        with target.transaction("importer") as session:
            apply_document(session, parse_document(copy.deepcopy(exported)))
        assert _export(target) == exported
        with target.session() as session:
            rec = editing.item_by_key(session, ITEM)
            assert (rec.updates[-1].withdrawn_at, rec.updates[-1].withdrawn_by) == (AT, "Chair")


def test_importing_a_withdrawal_marks_the_live_entry(sample_database: Database) -> None:
    """The same update, withdrawn in the file and live here: withdrawn, not added again."""
    _add(sample_database, "Entered in error.")
    exported = _export(sample_database)
    before = len(_log(sample_database))
    review = next(r for r in exported["reviews"] if r["reference"] == CHILD_A)
    update = next(r for r in review["recommendations"] if r["number"] == "3")["updates"][-1]
    update |= {"withdrawn_at": AT.isoformat(), "withdrawn_by": "Chair", "withdrawn_reason": "X."}
    for _ in range(2):  # and again: nothing more changes
        with sample_database.transaction("importer") as session:
            apply_document(session, parse_document(copy.deepcopy(exported)))
        assert len(_log(sample_database)) == before
        assert _log(sample_database)[-1] == ("Entered in error.", AT, "Chair", "X.")


def test_a_file_with_half_a_withdrawal_is_refused() -> None:
    data = {
        "format": "casereview/1",
        "organisations": [],
        "reviews": [
            {
                "reference": "R-1",
                "kind": "cspr_local",
                "title": "A review",
                "recommendations": [
                    {
                        "number": "1",
                        "text": "Do it",
                        "status": "not_started",
                        "updates": [
                            {
                                "date": "2026-11-20",
                                "author": "A",
                                "note": "n",
                                "withdrawn_by": "B",
                            }
                        ],
                    }
                ],
            }
        ],
        "inspections": [],
        "initiatives": [],
    }
    with pytest.raises(DocumentError, match="a withdrawn update needs withdrawn_at"):
        parse_document(copy.deepcopy(data))
    # Without the fields (a file from before withdrawals) it imports as a live update.
    del data["reviews"][0]["recommendations"][0]["updates"][0]["withdrawn_by"]
    update = parse_document(data).reviews[0].recommendations[0].updates[0]
    assert (update.note, update.withdrawn_at, update.withdrawn_reason) == ("n", None, None)


def test_deleting_and_restoring_an_item_keeps_its_withdrawals(sample_database: Database) -> None:
    which = _add(sample_database, "Entered in error.")
    with sample_database.transaction("Chair") as session:
        editing.withdraw_update(session, ITEM, which, by="Chair", reason="Error.", at=AT)
    before = _log(sample_database)
    with sample_database.transaction("Chair") as session:
        snapshot = editing.remove_item(session, ITEM, TODAY)
    with sample_database.transaction("Chair") as session:
        editing.restore_item(session, snapshot, TODAY)
    assert _log(sample_database) == before
