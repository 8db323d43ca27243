"""The three-way merge of a checked-out copy and the shared database (issue 24), on the
sample's documents: the three field cases, records appended on both sides, a deletion against
an edit both ways, merging twice, and a property test that no change made on either side is
lost: each is applied, kept or reported as a conflict."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import inspect

from hypothesis import given, settings
from hypothesis import strategies as st

from db.core.vocabulary import DecisionKind, TrackedKind
from db.exchange import document as documents
from db.exchange.document import DecisionDoc, Document, ReviewDoc, TrackedDoc, UpdateDoc
from db.exchange.merging import MERGED_TYPES, RECORD, Applied, three_way
from db.services.sample import sample_document
from tests.helpers import TODAY

REVIEW = "FSCP-CSPR-CHILD-A"
WHERE = f"recommendation 2 of review {REVIEW}"


def _sides() -> tuple[Document, Document, Document]:
    base = sample_document(TODAY)
    return base, copy.deepcopy(base), copy.deepcopy(base)


def _review(doc: Document, reference: str = REVIEW) -> ReviewDoc:
    return next(r for r in doc.reviews if r.reference == reference)


def _item(doc: Document, number: str = "2") -> TrackedDoc:
    return next(t for t in _review(doc).recommendations if t.number == number)


INSPECTION = "FICTIONAL-CP-INSPECTION-2"


def _decide_at_an_empty_meeting(
    doc: Document, by: str, decided: DecisionKind, kinds: tuple[TrackedKind, ...]
) -> None:
    """``by`` records ``decided`` about item 1 of each kind in ``kinds`` of INSPECTION, at
    the first meeting of ``doc`` with no decisions yet (asking evidence of the ICB, or
    escalating to it, when the decision needs someone)."""
    meeting = next(m for m in doc.meetings if not m.decisions)
    for n, kind in enumerate(kinds):
        meeting.decisions.append(
            DecisionDoc(
                decided,
                meeting.held_on,
                by,
                inspection=INSPECTION,
                number="1",
                kind=kind,
                whom="ICB"
                if decided in (DecisionKind.ESCALATED, DecisionKind.EVIDENCE_REQUESTED)
                else "",
                recorded_at=dt.datetime(2026, 12, 5, 10, n, tzinfo=dt.UTC),
            )
        )


def test_the_three_field_cases() -> None:
    base, mine, theirs = _sides()
    _item(mine).owner = "Owner set offline"  # the copy only: applied
    _item(theirs).actions = "Actions set in the office"  # the shared database only: kept
    _item(mine).target_date = dt.date(2027, 3, 31)  # both, differently: a conflict
    _item(theirs).target_date = dt.date(2027, 4, 30)
    _item(mine).status_reason = _item(theirs).status_reason = "Both alike"  # both, alike
    merge = three_way(base, mine, theirs)
    merged = _item(merge.result)
    assert merged.owner == "Owner set offline"
    assert merged.actions == "Actions set in the office"
    assert merged.target_date == dt.date(2027, 4, 30)  # the shared value until a person chooses
    assert merged.status_reason == "Both alike"
    assert merge.applied == [
        Applied(WHERE, "owner", _item(base).owner, "Owner set offline"),
    ]
    ((conflict),) = merge.conflicts
    assert (conflict.where, conflict.field) == (WHERE, "target_date")
    assert (conflict.base, conflict.copy, conflict.shared) == (
        _item(base).target_date,
        dt.date(2027, 3, 31),
        dt.date(2027, 4, 30),
    )


def test_records_appended_on_both_sides_are_all_kept_once() -> None:
    base, mine, theirs = _sides()
    offline = UpdateDoc(TODAY, "Secretary", None, "Recorded in the meeting")
    office = UpdateDoc(TODAY, "Lead", None, "Recorded in the office")
    _item(mine).updates.append(offline)
    _item(theirs).updates.append(office)
    meeting = next(m for m in mine.meetings if m.decisions)
    decided = DecisionDoc(
        DecisionKind.NOTED,
        meeting.held_on,
        "Secretary",
        review=REVIEW,
        number="4",
        recorded_at=dt.datetime(2026, 9, 23, 15, tzinfo=dt.UTC),
    )
    meeting.decisions.append(decided)
    merge = three_way(base, mine, theirs)
    assert _item(merge.result).updates[-2:] == [office, offline]  # the office's first
    held = next(m for m in merge.result.meetings if m.held_on == meeting.held_on)
    assert held.decisions[-1] == decided
    assert [(a.field, a.new) for a in merge.applied] == [(RECORD, offline), (RECORD, decided)]
    assert merge.conflicts == []
    # Merging the same copy again (into the result) changes nothing.
    again = three_way(base, mine, merge.result)
    assert again.applied == [] and again.conflicts == []
    assert again.result == merge.result


def test_a_deletion_against_an_edit_is_a_conflict_both_ways() -> None:
    base, mine, theirs = _sides()
    mine.reviews = [r for r in mine.reviews if r.reference != REVIEW]  # deleted offline
    _item(theirs).owner = "Changed in the office"  # ... and changed in the office
    merge = three_way(base, mine, theirs)
    ((conflict),) = merge.conflicts
    assert (conflict.where, conflict.field, conflict.copy) == (f"review {REVIEW}", RECORD, None)
    assert _item(merge.result).owner == "Changed in the office"  # kept until chosen

    base, mine, theirs = _sides()
    theirs.reviews = [r for r in theirs.reviews if r.reference != REVIEW]  # deleted centrally
    _item(mine).owner = "Changed offline"
    merge = three_way(base, mine, theirs)
    ((conflict),) = merge.conflicts
    assert (conflict.field, conflict.shared) == (RECORD, None)
    assert REVIEW not in [r.reference for r in merge.result.reviews]


def test_a_deletion_on_one_side_alone_is_taken() -> None:
    base, mine, theirs = _sides()
    mine.reviews = [r for r in mine.reviews if r.reference != REVIEW]
    merge = three_way(base, mine, theirs)
    assert REVIEW not in [r.reference for r in merge.result.reviews]
    assert [(a.where, a.field, a.new) for a in merge.applied] == [
        (f"review {REVIEW}", RECORD, None)
    ]
    base, mine, theirs = _sides()
    theirs.reviews = [r for r in theirs.reviews if r.reference != REVIEW]
    merge = three_way(base, mine, theirs)
    assert REVIEW not in [r.reference for r in merge.result.reviews]
    assert merge.applied == [] and merge.conflicts == []


def test_an_update_the_copy_lacks_is_kept_and_a_withdrawal_is_merged() -> None:
    base, mine, theirs = _sides()
    del _item(mine).updates[0]  # a copy lacking an update never deletes it from the shared
    withdrawn = _item(mine).updates[0]  # database; a withdrawal made offline is applied
    withdrawn.withdrawn_at = dt.datetime(2026, 11, 20, 10, tzinfo=dt.UTC)
    withdrawn.withdrawn_by, withdrawn.withdrawn_reason = "Secretary", "Entered in error"
    merge = three_way(base, mine, theirs)
    updates = _item(merge.result).updates
    assert updates[0] == _item(base).updates[0]
    assert updates[1].withdrawn_reason == "Entered in error"
    assert [a.field for a in merge.applied] == ["withdrawn_at", "withdrawn_by", "withdrawn_reason"]


def test_every_record_type_of_a_document_is_merged() -> None:
    """A new record type in document.py must be added to the merge, not skipped unseen."""
    values = {"PersonDoc", "AgendaDoc", "LinkDoc", "RepeatDoc"}  # values inside their records
    found = {
        name
        for name, kind in inspect.getmembers(documents, dataclasses.is_dataclass)
        if kind.__module__ == documents.__name__ and name != "Document" and name not in values
    }
    assert found == {kind.__name__ for kind in MERGED_TYPES}


# ----------------------------------------------------------------------------- property

FIELDS = ("owner", "actions", "status_reason")
edits = st.lists(
    st.tuples(
        st.sampled_from(["1", "2", "3", "4", "5", "6"]),
        st.sampled_from(FIELDS),
        st.sampled_from(["copy", "shared", "both"]),
        st.sampled_from(["A", "B", "C"]),
        st.sampled_from(["A", "B", "C"]),
    ),
    max_size=12,
)


@settings(max_examples=60, deadline=None)
@given(edits)
def test_no_change_on_either_side_is_lost(changes: list[tuple[str, str, str, str, str]]) -> None:
    base, mine, theirs = _sides()
    for number, name, side, one, other in changes:
        if side in ("copy", "both"):
            setattr(_item(mine, number), name, one)
        if side in ("shared", "both"):
            setattr(_item(theirs, number), name, other)
    merge = three_way(base, mine, theirs)
    conflicts = {(c.where, c.field) for c in merge.conflicts}
    applied = {(a.where, a.field) for a in merge.applied}
    for number in ("1", "2", "3", "4", "5", "6"):
        where = f"recommendation {number} of review {REVIEW}"
        for name in FIELDS:
            was, c, s = (getattr(_item(doc, number), name) for doc in (base, mine, theirs))
            now = getattr(_item(merge.result, number), name)
            if c not in (was, s):  # the copy changed it: applied, or put to a person
                assert (now == c and (where, name) in applied) or (where, name) in conflicts
            elif s != was:  # the office changed it: kept
                assert now == s
            else:
                assert now == was


def test_a_sign_off_made_offline_against_evidence_deleted_centrally_is_a_conflict() -> None:
    """Issue 24: not a silent close. The item keeps the shared database's state."""
    from db.core.vocabulary import Status

    base, mine, theirs = _sides()
    item = _item(mine)  # implemented, with one piece of evidence
    assert item.status is Status.IMPLEMENTED and len(item.evidence) == 1
    item.status, item.closed_on, item.assured_by, item.assured_on = (
        Status.CLOSED,
        TODAY,
        "Chair (fictional)",
        TODAY,
    )
    _item(theirs).evidence = []  # deleted in the office meanwhile
    merge = three_way(base, mine, theirs)
    merged = _item(merge.result)
    assert (merged.status, merged.closed_on, merged.assured_by) == (Status.IMPLEMENTED, None, None)
    assert [(c.where, c.field, c.copy, c.shared) for c in merge.conflicts] == [
        (WHERE, "status", Status.CLOSED, Status.IMPLEMENTED)
    ]
    assert not [a for a in merge.applied if a.where == WHERE]


def test_the_copy_s_answer_to_that_sign_off_takes_its_evidence_too() -> None:
    """Found by a new user: taking the copy's sign-off closed an item with no evidence, which
    the lifecycle refused. The copy's answer is the sign-off with the evidence it rested on."""
    from db.core.vocabulary import Status

    base, mine, theirs = _sides()
    item = _item(mine)
    item.status, item.closed_on, item.assured_by, item.assured_on = (
        Status.CLOSED, TODAY, "Chair (fictional)", TODAY,
    )  # fmt: skip
    _item(theirs).evidence = []
    merge = three_way(base, mine, theirs)
    (conflict,) = merge.conflicts
    assert conflict.base is Status.IMPLEMENTED  # as it was when taken (it said "(none)")
    merge.resolve(conflict, "copy")
    merged = _item(merge.result)
    assert (merged.status, merged.assured_by) == (Status.CLOSED, "Chair (fictional)")
    assert merged.evidence == item.evidence


def test_an_update_withdrawn_on_both_sides_is_no_conflict_and_the_copy_s_is_said() -> None:
    import datetime as dt

    base, mine, theirs = _sides()
    for doc, who in ((mine, "Chloe Chair"), (theirs, "Olly Office")):
        update = _item(doc).updates[0]
        update.withdrawn_at = dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)
        update.withdrawn_by, update.withdrawn_reason = who, f"{who}'s reason"
    merge = three_way(base, mine, theirs)
    assert merge.conflicts == [] and merge.applied == []
    (note,) = merge.notes
    assert "withdrawn in both" in note and "Chloe Chair's reason" in note
    assert _item(merge.result).updates[0].withdrawn_by == "Olly Office"


def test_decisions_about_items_of_two_kinds_with_one_number_are_two_questions() -> None:
    """An inspection's recommendation 1 and its area for improvement 1, each decided
    differently on the two sides at one meeting: two decision conflicts, each named by its
    item's kind, not one folding the other in (answered together by mistake)."""
    from db.exchange.merging import DECISION

    base, mine, theirs = _sides()
    both = (TrackedKind.RECOMMENDATION, TrackedKind.AREA_FOR_IMPROVEMENT)
    _decide_at_an_empty_meeting(mine, "Sam", DecisionKind.NOTED, both)
    _decide_at_an_empty_meeting(theirs, "Kim", DecisionKind.ESCALATED, both)
    merge = three_way(base, mine, theirs)
    asked = sorted(c.where for c in merge.conflicts if c.field == DECISION)
    assert len(asked) == 2, asked
    assert "area for improvement 1" in asked[0] and "recommendation 1" in asked[1]


def test_meetings_and_updates_are_named_with_their_dates_in_words() -> None:
    """A meeting or an update, in a conflict or in what was applied, is named with its date
    as the window shows dates ("23 September 2026"), not as a file keeps them."""
    base, mine, theirs = _sides()
    meeting = next(m for m in base.meetings if m.decisions)
    mine.meetings = [m for m in mine.meetings if m.held_on != meeting.held_on]
    next(m for m in theirs.meetings if m.held_on == meeting.held_on).chair = "Changed in the office"
    update = _item(base).updates[0]
    _item(mine).updates[0].withdrawn_at = dt.datetime(2026, 12, 5, 9, tzinfo=dt.UTC)
    merge = three_way(base, mine, theirs)
    named = {c.where for c in merge.conflicts} | {a.where for a in merge.applied}
    day = f"{meeting.held_on.day} {meeting.held_on:%B %Y}"
    assert f"the meeting of {day} '{meeting.title}'" in named, named
    assert f"the update of {update.date.day} {update.date:%B %Y} by {update.author} of {WHERE}" in (
        named
    ), named
    assert not any(meeting.held_on.isoformat() in n or update.date.isoformat() in n for n in named)


def test_a_decision_set_aside_is_named_with_its_item_s_kind_and_words() -> None:
    """The shared database's decision set aside by the copy's answer is named as a person
    reads it: "the decision (escalated) about area for improvement 1 of inspection ...", not
    by its stored value and a bare number."""
    from db.exchange.merging import DECISION

    base, mine, theirs = _sides()
    area = (TrackedKind.AREA_FOR_IMPROVEMENT,)
    _decide_at_an_empty_meeting(mine, "Sam", DecisionKind.NOTED, area)
    _decide_at_an_empty_meeting(theirs, "Kim", DecisionKind.EVIDENCE_REQUESTED, area)
    merge = three_way(base, mine, theirs)
    (conflict,) = [c for c in merge.conflicts if c.field == DECISION]
    merge.resolve(conflict, "copy", by="Sam")
    set_aside = [a.where for a in merge.applied if a.field == RECORD and a.new is None]
    assert set_aside and set_aside[0].startswith(
        "the decision (evidence requested) about area for improvement 1 of inspection "
        f"{INSPECTION} of the meeting of "
    ), set_aside
