"""Bulk status changes by the lifecycle's rules, checks made before a dialog closes, and the
deletions the window undoes: on SQLite and on PostgreSQL."""

from __future__ import annotations

import pytest

from db.core.errors import RuleError
from db.core.vocabulary import Status
from db.exchange import collect_document
from db.exchange.document import InitiativeDoc, LinkDoc
from db.services import editing
from db.services.editing import ItemKey
from db.store import lifecycle
from db.store.database import Database
from tests.helpers import TODAY

CHILD_A = "FSCP-CSPR-CHILD-A"


def _ids(database: Database, *numbers: str) -> list[int]:
    with database.session() as session:
        return [editing.item_by_key(session, ItemKey(CHILD_A, n)).id for n in numbers]


def test_a_bulk_plan_changes_reopens_and_skips_by_the_lifecycle(sample_database: Database):
    ids = _ids(sample_database, "1", "3", "5", "7")
    with sample_database.session() as session:
        plan = editing.plan_status_change(session, ids, Status.IN_PROGRESS, reason="Restarted")
    assert plan.change == (ItemKey(CHILD_A, "5"),)
    # The closed (signed-off) and the superseded item would be reopened: asked first.
    assert plan.reopen == (ItemKey(CHILD_A, "1"), ItemKey(CHILD_A, "7"))
    assert plan.signed_off == (ItemKey(CHILD_A, "1"),)
    assert plan.skip == (
        (ItemKey(CHILD_A, "3"), f"Recommendation 3 of {CHILD_A} is already in progress."),
    )


def test_a_bulk_plan_to_close_skips_items_without_evidence(sample_database: Database):
    ids = _ids(sample_database, "2", "3", "5")
    with sample_database.session() as session:
        plan = editing.plan_status_change(session, ids, Status.CLOSED, assured_by="Chair")
    assert plan.change == (ItemKey(CHILD_A, "2"),)
    reasons = dict(plan.skip)
    assert "it has no evidence" in reasons[ItemKey(CHILD_A, "3")]
    assert "cannot move from not started to closed" not in reasons[ItemKey(CHILD_A, "5")]
    assert "it has no evidence" in reasons[ItemKey(CHILD_A, "5")]


def test_reopening_a_signed_off_item_keeps_the_sign_off_in_its_log(sample_database: Database):
    (rec_id,) = _ids(sample_database, "1")
    with sample_database.transaction("t") as session:
        lifecycle.record_update(
            session, rec_id, on=TODAY, author="A", note="Audit failed", status=Status.IN_PROGRESS
        )
    with sample_database.session() as session:
        rec = editing.item_by_key(session, ItemKey(CHILD_A, "1"))
        assert rec.assured_by is None
        assert rec.updates[-1].note == (
            "Audit failed\nReopened: it had been signed off by Independent Chair, Fenmarsh "
            "partnership (fictional) on 23 September 2026; the sign-off ends."
        )


def test_a_status_change_is_checked_before_it_is_made(sample_database: Database):
    key = ItemKey(CHILD_A, "4")
    with sample_database.session() as session:
        problems = editing.check_status_change(session, key, Status.CLOSED, assured_by="Chair")
        assert "it has no evidence" in problems.by_field["status"]
        assert not editing.check_status_change(session, key, Status.IMPLEMENTED)
        assert not editing.check_status_change(session, key, None)


def test_an_initiative_link_to_nothing_is_a_problem_beside_the_links(sample_database: Database):
    doc = InitiativeDoc(name="X", links=[LinkDoc(review=CHILD_A, recommendation="99")])
    with sample_database.session() as session:
        problems = editing.check_initiative(session, doc, editing=None)
    assert problems.by_field["links"] == f"Review '{CHILD_A}' has no recommendation '99'."


def test_deleting_a_recommendation_is_undone_whole(sample_database: Database):
    key = ItemKey(CHILD_A, "3")

    def review() -> object:
        with sample_database.session() as session:
            doc = collect_document(session, TODAY)
        return (
            next(r for r in doc.reviews if r.reference == CHILD_A),
            {i.name: i.links for i in doc.initiatives},
        )

    before = review()
    with sample_database.transaction("t") as session:
        snapshot = editing.remove_item(session, key, TODAY)
    with sample_database.session() as session:
        assert [
            r.number for r in editing.review_by_reference(session, CHILD_A).recommendations
        ] == ["1", "2", "4", "5", "6", "7", "8"]
    with sample_database.transaction("t") as session:
        editing.restore_item(session, snapshot, TODAY)
    assert review() == before  # its place, log, evidence and the initiative's link


def test_removing_evidence_is_undone_with_the_same_item(sample_database: Database):
    key = ItemKey(CHILD_A, "2")
    with sample_database.session() as session:
        rec = editing.item_by_key(session, key)
        (item,) = rec.evidence
        which = editing.evidence_key(item)
        assert editing.evidence_key_by_id(session, item.id) == which
    with sample_database.transaction("t") as session:
        snapshot = editing.delete_evidence(session, key, which)
    with sample_database.session() as session:
        assert editing.item_by_key(session, key).evidence == []
    with sample_database.transaction("t") as session:
        editing.restore_evidence(session, key, snapshot)
    with sample_database.session() as session:
        (back,) = editing.item_by_key(session, key).evidence
        assert editing.evidence_key(back) == which and back.added_by == item.added_by


def test_the_only_evidence_of_a_closed_item_stays(sample_database: Database):
    key = ItemKey(CHILD_A, "1")
    with sample_database.session() as session:
        first, second = (
            editing.evidence_key(e) for e in editing.item_by_key(session, key).evidence
        )
    with sample_database.transaction("t") as session:
        editing.delete_evidence(session, key, first)
    with (
        pytest.raises(RuleError, match="only evidence of a closed item"),
        sample_database.transaction("t") as session,
    ):
        editing.delete_evidence(session, key, second)


def test_a_plan_for_many_items_is_the_plan_item_by_item(database: Database) -> None:
    """Over 5,000 items the plan reads the table in one pass (Ctrl+A at 100,000 took 2.5 s a
    plan in batches of 500): it must come to exactly what batches of fewer give."""
    from sqlalchemy import select

    from db.services.generate import generate
    from db.store.models import Recommendation

    with database.transaction("setup") as session:
        generate(session, reviews=3, recommendations=6000, seed=3, today=TODAY)
    with database.session() as session:
        ids = list(session.scalars(select(Recommendation.id).order_by(Recommendation.id)))
        ids = ids[::2] + ids[1::2][:2600]  # 5,600 chosen, not all, and not in order
        whole = editing.plan_status_change(session, ids, Status.IN_PROGRESS)
        parts = [
            editing.plan_status_change(session, ids[at : at + 2000], Status.IN_PROGRESS)
            for at in range(0, len(ids), 2000)
        ]
    assert len(ids) > 5000 and whole.keys
    assert whole.change == tuple(k for p in parts for k in p.change)
    assert whole.reopen == tuple(k for p in parts for k in p.reopen)
    assert whole.signed_off == tuple(k for p in parts for k in p.signed_off)
    assert whole.skip == tuple(s for p in parts for s in p.skip)
