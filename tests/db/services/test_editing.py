"""The services behind the window's edits and their undo, on both databases."""

from __future__ import annotations

import json
import re

import pytest

from db.core.dates import PartialDate
from db.core.errors import RuleError
from db.core.vocabulary import ReviewKind, Status
from db.exchange import collect_document, dump_document
from db.services import editing
from db.services.editing import ItemFields, ItemKey, ReviewFields
from db.store import lifecycle
from db.store.database import Database
from tests.helpers import TODAY

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


def test_themes_are_one_whatever_their_case_in_editing_and_import(database: Database) -> None:
    """ "Neglect; neglect" is one theme, and "NEGLECT" later is filed under it, whether typed
    in the window (the editing services) or imported."""
    from sqlalchemy import func, select

    from db.exchange import apply_document
    from db.exchange.document import Document, ReviewDoc, TrackedDoc
    from db.store.models import Theme

    review = ReviewFields("SAR-9", ReviewKind.SAR, "Adult B", themes=("Neglect", "neglect"))
    with database.transaction("t") as session:
        editing.create_review(session, review)
        editing.create_item(
            session, "SAR-9", ItemFields("1", "Act", themes=("NEGLECT", "Self-neglect"))
        )
    doc = ReviewDoc(
        "SAR-10",
        ReviewKind.SAR,
        "Adult C",
        themes=["self-NEGLECT", "Self-neglect", "Hoarding", "hoarding"],
        recommendations=[TrackedDoc("1", "Act", themes=["neglect", "Neglect", "HOARDING"])],
    )
    with database.transaction("t") as session:
        apply_document(session, Document(reviews=[doc]))
    with database.session() as session:
        themes = {
            "SAR-9": editing.review_fields(session, "SAR-9").themes,
            "SAR-9 1": editing.item_fields(session, ItemKey("SAR-9", "1")).themes,
            "SAR-10": editing.review_fields(session, "SAR-10").themes,
            "SAR-10 1": editing.item_fields(session, ItemKey("SAR-10", "1")).themes,
        }
        assert {key: sorted(names) for key, names in themes.items()} == {
            "SAR-9": ["Neglect"],
            "SAR-9 1": ["Neglect", "Self-neglect"],
            "SAR-10": ["Hoarding", "Self-neglect"],
            "SAR-10 1": ["Hoarding", "Neglect"],
        }
        assert session.scalar(select(func.count()).select_from(Theme)) == 3


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


def test_restoring_a_review_restores_initiative_links(sample_database: Database) -> None:
    from db.store.models import InitiativeLink

    def links() -> int:
        with sample_database.session() as session:
            return session.query(InitiativeLink).count()

    before = links()
    with sample_database.transaction("t") as session:
        snapshot = editing.delete_review(session, CHILD_A, TODAY)
    assert links() == before - 1  # Project Lantern answered recommendation 3
    with sample_database.transaction("t") as session:
        editing.restore_review(session, snapshot)
    assert links() == before


def test_identical_log_entries_survive_delete_and_restore(sample_database: Database) -> None:
    key = ItemKey(CHILD_A, "4")
    with sample_database.transaction("t") as session:
        rec_id = editing.item_by_key(session, key).id
        for _ in range(2):
            lifecycle.record_update(session, rec_id, on=TODAY, author="A", note="Chased owner")
    with sample_database.transaction("t") as session:
        snapshot = editing.delete_review(session, CHILD_A, TODAY)
    with sample_database.transaction("t") as session:
        editing.restore_review(session, snapshot)
    with sample_database.session() as session:
        notes = [u.note for u in editing.item_by_key(session, key).updates]
    assert notes.count("Chased owner") == 2


def test_evidence_is_removed_by_what_it_is_not_by_id(sample_database: Database) -> None:
    key = ItemKey(CHILD_A, "4")
    with sample_database.transaction("t") as session:
        rec_id = editing.item_by_key(session, key).id
        added = editing.evidence_key(
            lifecycle.add_evidence(
                session, rec_id, description="Minutes", reference="M1", added_by="A"
            )
        )
    with sample_database.transaction("t") as session:  # ids change on restore
        editing.restore_review(session, editing.delete_review(session, CHILD_A, TODAY))
    with sample_database.transaction("t") as session:
        editing.remove_evidence(session, key, added)
    with sample_database.session() as session:
        assert [e.description for e in editing.item_by_key(session, key).evidence] == []
        other = editing.item_by_key(session, ItemKey(CHILD_A, "1"))
        assert len(other.evidence) == 2  # nothing else was touched


def test_inspection_items_are_checked_too(sample_database: Database) -> None:
    from db.core.vocabulary import TrackedKind

    key = ItemKey("FICTIONAL-CP-INSPECTION-2", "1", TrackedKind.AREA_FOR_IMPROVEMENT)
    with sample_database.session() as session:
        fields = editing.item_fields(session, key)
    clash = ItemFields("1", fields.text, ("Police",), ("Police",))
    with (
        pytest.raises(RuleError, match="already a lead agency"),
        sample_database.transaction("t") as session,
    ):
        editing.update_item(session, key, clash)
    # Numbers are per kind: AFI 1 may share its number with recommendation 1, but not with
    # another area for improvement.
    with sample_database.session() as session:
        ok = editing.check_item(session, key.source, fields, editing="1", kind=key.kind)
        assert not ok
        empty = editing.check_item(session, key.source, ItemFields(" ", "t"), kind=key.kind)
        assert "number" in empty.by_field


def test_reopening_clears_the_sign_off(sample_database: Database) -> None:
    key = ItemKey(CHILD_A, "1")
    with sample_database.transaction("t") as session:
        rec_id = editing.item_by_key(session, key).id
        lifecycle.record_update(
            session, rec_id, on=TODAY, author="A", note="Audit failed", status=Status.IN_PROGRESS
        )
    with sample_database.session() as session:
        rec = editing.item_by_key(session, key)
        assert (rec.assured_by, rec.assured_on, rec.closed_on) == (None, None, None)
    with (
        pytest.raises(RuleError, match="who gave assurance"),
        sample_database.transaction("t") as session,
    ):
        lifecycle.record_update(session, rec_id, on=TODAY, author="A", status=Status.CLOSED)


def test_initiative_doc_reads_only_the_initiative(sample_database: Database) -> None:
    with sample_database.session() as session:
        doc = editing.initiative_doc(session, "Project Lantern (fictional)")
    assert len(doc.links) == 4 and doc.links[0].review == CHILD_A


def test_a_redo_over_someone_elses_change_says_so(sample_database: Database) -> None:
    """``item_still_holds`` refusing a redo (a deletion redone after the undo put it back)
    names who changed the item, and says the deletion was not redone, not that a change of
    the user's was not saved (they made none)."""
    from dataclasses import replace

    from db.core.errors import ConflictError

    key = ItemKey(CHILD_A, "8")
    with sample_database.transaction("bob") as session:
        snapshot = editing.remove_item(session, key, TODAY)
    with sample_database.transaction("bob") as session:
        editing.restore_item(session, snapshot, TODAY)
        left = editing.item_holding(session, key)
    with sample_database.transaction("alice") as session:
        editing.update_item(session, key, replace(left.fields, owner="ALICE owner of 8"))
    with (
        pytest.raises(ConflictError) as refused,
        sample_database.transaction("bob") as session,
    ):
        editing.item_still_holds(session, key, left, redoing="the deletion")
    said = refused.value.message
    assert said.startswith(f"Recommendation 8 of {CHILD_A} was changed by alice at "), said
    assert said.endswith(
        "since, so the deletion was not redone, as that would lose the other change; the "
        "window now shows the record as it is."
    ), said


def test_a_deletion_undone_is_not_named_as_why_an_edit_failed(sample_database: Database) -> None:
    """Found in a code review: Alex deleted item 3 and undid it; Kim then renumbered it
    "3a"; Sam, saving item 3 as read before, was told Alex had deleted it. A deletion whose
    row was made again since is no reason; the item simply is not there as numbered."""
    from dataclasses import replace

    from db.core.errors import CaseReviewError

    key = ItemKey(CHILD_A, "3")
    with sample_database.session() as session:
        read = editing.item_fields(session, key)
    with sample_database.transaction("alex") as session:
        kept = editing.remove_item(session, key, TODAY)
    with sample_database.transaction("alex") as session:
        editing.restore_item(session, kept, TODAY)
    with sample_database.session() as session:
        now = editing.item_fields(session, key)
    with sample_database.transaction("kim") as session:
        editing.update_item(session, key, replace(now, number="3a"), expected=now.version)
    with pytest.raises(CaseReviewError) as refused, sample_database.transaction("sam") as s:
        editing.update_item(s, key, replace(read, owner="Mine"), expected=read.version)
    assert "alex" not in refused.value.message, refused.value.message
    assert refused.value.message.startswith(f"There is no recommendation 3 of {CHILD_A}")


def test_an_edit_of_an_item_deleted_since_says_who_deleted_it(sample_database: Database) -> None:
    """``update_item`` with the version read, after someone deleted the item (or its whole
    review): who, and when, from the audit trail; without ``expected`` (the command line),
    simply that there is no such item."""
    from dataclasses import replace

    from db.core.errors import ConflictError, NotFoundError

    key = ItemKey(CHILD_A, "8")
    with sample_database.session() as session:
        read = editing.item_fields(session, key)
    with sample_database.transaction("bob") as session:
        editing.remove_item(session, key, TODAY)
    mine = replace(read, owner="Mine")
    with pytest.raises(ConflictError) as refused, sample_database.transaction("a") as session:
        editing.update_item(session, key, mine, expected=read.version)
    assert re.fullmatch(
        rf"Recommendation 8 of {CHILD_A} was deleted by bob at \d\d:\d\d on \d{{1,2}} \w+ "
        r"\d{4} since you opened it, so your change was not saved\.",
        refused.value.message,
    ), refused.value.message
    with (
        pytest.raises(NotFoundError, match=f"^There is no recommendation 8 of {CHILD_A}"),
        sample_database.transaction("a") as session,
    ):
        editing.update_item(session, key, mine)
    two = ItemKey(CHILD_A, "2")
    with sample_database.session() as session:
        read = editing.item_fields(session, two)
    with sample_database.transaction("carol") as session:
        editing.delete_review(session, CHILD_A, TODAY)
    with pytest.raises(ConflictError) as refused, sample_database.transaction("a") as session:
        editing.update_item(session, two, replace(read, owner="Mine"), expected=read.version)
    said = refused.value.message
    assert said.startswith(
        f"Review {CHILD_A}, with its recommendation 2, was deleted by carol at "
    ), said


@pytest.mark.parametrize("what", ["evidence", "update"])
def test_a_redone_deletion_over_evidence_or_a_log_entry_added_since_is_refused(
    sample_database: Database, what: str
) -> None:
    """Evidence or a log entry added after the undo put the item back changes no column of
    the item (its version stays): the redone deletion, which would lose it, is refused all
    the same, naming who added it."""
    from db.core.errors import ConflictError

    key = ItemKey(CHILD_A, "8")
    with sample_database.transaction("bob") as session:
        snapshot = editing.remove_item(session, key, TODAY)
    with sample_database.transaction("bob") as session:
        editing.restore_item(session, snapshot, TODAY)
        left = editing.item_holding(session, key)
    with sample_database.transaction("alice") as session:
        rec = editing.item_by_key(session, key)
        if what == "evidence":
            lifecycle.add_evidence(
                session, rec.id, description="Audit", reference="Doc 9", added_by="alice"
            )
        else:
            lifecycle.record_update(session, rec.id, on=TODAY, author="alice", note="Seen.")
    with (
        pytest.raises(ConflictError, match=f"^Recommendation 8 of {CHILD_A} was changed by alice"),
        sample_database.transaction("bob") as session,
    ):
        editing.item_still_holds(session, key, left, redoing="the deletion")
