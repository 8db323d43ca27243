"""The services behind the window's edits and their undo, on both databases."""

from __future__ import annotations

import json

import pytest

from db import editing, lifecycle
from db.dates import PartialDate
from db.editing import ItemFields, ItemKey, ReviewFields
from db.engine import Database
from db.errors import RuleError
from db.exchange import collect_document, dump_document
from db.vocabulary import ReviewKind, Status
from tests.conftest import TODAY

CHILD_A = "FSCP-CSPR-CHILD-A"


def _review_json(database: Database, reference: str) -> dict:  # type: ignore[type-arg]
    with database.session() as session:
        data = json.loads(dump_document(collect_document(session, TODAY, [reference])))
    return data["reviews"][0]


def test_create_and_edit_a_review(database: Database) -> None:
    fields = ReviewFields(
        "SAR-9",
        ReviewKind.SAR,
        "Adult B",
        "Adult B",
        "Board X",
        PartialDate(2024, 5),
        "Summary",
        ("Neglect",),
    )
    with database.transaction("t") as session:
        editing.create_review(session, fields)
    with database.transaction("t") as session:
        editing.update_review(session, "SAR-9", ReviewFields("SAR-10", ReviewKind.SAR, "Adult B"))
    with database.session() as session:
        assert editing.review_fields(session, "SAR-10").title == "Adult B"


def test_review_problems_are_reported_by_field(sample_database: Database) -> None:
    with sample_database.session() as session:
        problems = editing.check_review(session, ReviewFields(CHILD_A, ReviewKind.SAR, " "))
    assert set(problems.by_field) == {"reference", "title"}
    assert "already has the reference" in problems.by_field["reference"]


def test_deleting_and_restoring_a_review_loses_nothing(sample_database: Database) -> None:
    before = _review_json(sample_database, CHILD_A)
    with sample_database.transaction("t") as session:
        snapshot = editing.delete_review(session, CHILD_A, TODAY)
    with sample_database.session() as session, pytest.raises(Exception, match="no review"):
        editing.review_by_reference(session, CHILD_A)
    with sample_database.transaction("t") as session:
        editing.restore_review(session, snapshot)
    assert _review_json(sample_database, CHILD_A) == before


def test_create_and_edit_an_item(sample_database: Database) -> None:
    fields = ItemFields(
        "9",
        "Share minutes",
        ("Fenmarsh Constabulary (fictional)",),
        ("New agency",),
        "Act",
        "Owner",
        TODAY,
        ("Neglect",),
    )
    with sample_database.transaction("t") as session:
        key = editing.create_item(session, CHILD_A, fields)
    assert key == ItemKey(CHILD_A, "9")
    with sample_database.transaction("t") as session:
        editing.update_item(session, key, ItemFields("9", "Share the minutes", ("New agency",)))
    with sample_database.session() as session:
        stored = editing.item_fields(session, key)
    assert (stored.text, stored.lead_agencies, stored.joint_agencies) == (
        "Share the minutes",
        ("New agency",),
        (),
    )


def test_item_problems(sample_database: Database) -> None:
    with sample_database.session() as session:
        problems = editing.check_item(session, CHILD_A, ItemFields("1", " ", ("A",), ("A",)))
    assert set(problems.by_field) == {"number", "text", "joint_agencies"}
    with pytest.raises(RuleError), sample_database.transaction("t") as session:
        editing.create_item(session, CHILD_A, ItemFields("1", "dup"))


def test_a_status_change_is_corrected_not_erased(sample_database: Database) -> None:
    key = ItemKey(CHILD_A, "4")
    with sample_database.session() as session:
        before = editing.status_state(session, key)
        rec_id = editing.item_by_key(session, key).id
    with sample_database.transaction("t") as session:
        lifecycle.record_update(session, rec_id, on=TODAY, author="A", status=Status.IMPLEMENTED)
    with sample_database.transaction("t") as session:
        editing.correct_status(session, key, before, on=TODAY, author="A", note="Undone")
    with sample_database.session() as session:
        rec = editing.item_by_key(session, key)
        assert editing.status_state(session, key) == before
        assert [u.status for u in rec.updates[-2:]] == [Status.IMPLEMENTED, Status.IN_PROGRESS]
        assert rec.updates[-1].note == "Undone"
