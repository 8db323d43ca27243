"""A meeting's decisions when a copy is merged back (db.services.merge, issue 26), on SQLite
and PostgreSQL: two different decisions about one item at one meeting, one made offline and one
in the office, are a conflict answered each way; the same decision on both sides is none; a
decision whose field is in conflict follows that conflict's answer, so the minutes, the pack
and the item agree."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import select

from db.core.dates import format_date
from db.core.errors import RuleError
from db.core.vocabulary import DecisionKind, Status
from db.exchange.merging import DECISION
from db.services import editing, meetings
from db.services.checkout import Scope, check_out
from db.services.integrity import check_database
from db.services.merge import Answer, describe_conflict, merge_copy, plan_merge, seen
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import AuditEntry
from tests.helpers import TODAY
from tests.helpers.laptop import MEETING, REVIEW, snapshot
from tests.helpers.laptop import item as _item
from tests.helpers.laptop import set_fields as _set

NEXT_DAY = MEETING.held_on + dt.timedelta(days=1)
AT_THE_MEETING = f"of the meeting of {format_date(MEETING.held_on)} '{MEETING.title}'"


def _laptop(shared: Database, tmp_path: Path) -> Database:
    target = tmp_path / "laptop.sqlite3"
    check_out(shared, target, scope=Scope(meeting=MEETING), actor="Sam", today=TODAY)
    return open_database(resolve_location(str(target)))


def _decide(database: Database, number: str, entry: meetings.DecisionEntry, actor: str) -> None:
    with database.transaction(actor) as session:
        meetings.decide(session, MEETING, _item(number), entry, on=MEETING.held_on, actor=actor)


def _ready_to_sign_off(database: Database) -> str:
    """An item of the sample's review with its evidence, not closed (the trial's item 2)."""
    with database.session() as session:
        return next(
            r.number
            for r in editing.review_by_reference(session, REVIEW).recommendations
            if r.evidence and r.status is not Status.CLOSED
        )


SIGN_OFF = meetings.DecisionEntry(DecisionKind.SIGNED_OFF, "LAPTOP: done")
ASK_ICB = meetings.DecisionEntry(
    DecisionKind.EVIDENCE_REQUESTED,
    "OFFICE: want the audit first",
    until=dt.date(2027, 1, 15),
    whom="ICB",
)


def _decided(database: Database, number: str) -> list[DecisionKind]:
    with database.session() as session:
        return [
            d.kind
            for d in meetings.meeting_by_key(session, MEETING).decisions
            if d.recommendation is not None and d.recommendation.number == number
        ]


@pytest.mark.parametrize("take", ["copy", "shared"])
def test_contradicting_decisions_are_a_conflict_answered_each_way(
    sample_database: Database, tmp_path: Path, take: str
) -> None:
    number = _ready_to_sign_off(sample_database)
    with _laptop(sample_database, tmp_path) as laptop:
        _decide(laptop, number, SIGN_OFF, "Sam")
        _decide(sample_database, number, ASK_ICB, "Kim")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        key = (
            f"the decisions about recommendation {number} of review {REVIEW} {AT_THE_MEETING}",
            DECISION,
        )
        [conflict] = [c for c in plan.merge.conflicts if c.key == key]
        assert seen(conflict) == (
            "Signed off, recorded by Sam: LAPTOP: done",
            "Evidence requested from ICB by 15 January 2027, recorded by Kim: "
            "OFFICE: want the audit first",
        )
        offline, office = plan.changed(conflict)
        assert offline.startswith("Sam, ") and office.startswith("Kim, ")
        assert "different decisions" in describe_conflict(conflict)
        # Until answered, the sign-off is no change the merge would write.
        assert not [a for a in plan.merge.applied if f"{number} of review" in a.where]
        answers = {c.key: Answer(take) for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=answers)
    with sample_database.session() as session:
        rec = editing.item_by_key(session, _item(number))
        status = rec.status
        office_entry = next(u for u in rec.updates if "OFFICE" in u.note)
        withdrawn = (office_entry.withdrawn_by, office_entry.withdrawn_reason)
        signed_entries = [u for u in rec.updates if "LAPTOP" in u.note]
        actions = meetings.decisions(session, MEETING).actions
        asked = [a for a in actions if a.kind is DecisionKind.EVIDENCE_REQUESTED]
        deleted = session.scalars(
            select(AuditEntry.actor).where(
                AuditEntry.entity == "decisions", AuditEntry.action == "delete"
            )
        ).all()
    if take == "shared":  # the sign-off is not written: not its row, its entry, its close
        assert _decided(sample_database, number) == [DecisionKind.EVIDENCE_REQUESTED]
        assert status is not Status.CLOSED
        assert not signed_entries
        assert withdrawn == (None, None)
        assert len(asked) == 1
        assert not deleted
    else:  # the office's request is undone as an undo does: row gone, entry withdrawn
        assert _decided(sample_database, number) == [DecisionKind.SIGNED_OFF]
        assert status is Status.CLOSED
        assert len(signed_entries) == 1
        assert withdrawn[0] == "Lee"
        assert withdrawn[1] is not None and "set aside when merging a copy" in withdrawn[1]
        assert not asked  # no action asks for evidence on a closed item
        assert [who.startswith("Lee (merging copy ") for who in deleted] == [True]
    assert not check_database(sample_database.location).problems


def test_the_same_decision_on_both_sides_is_no_conflict(
    sample_database: Database, tmp_path: Path
) -> None:
    number = _ready_to_sign_off(sample_database)
    with _laptop(sample_database, tmp_path) as laptop:
        _decide(laptop, number, ASK_ICB, "Sam")
        _decide(sample_database, number, ASK_ICB, "Kim")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        assert not plan.merge.conflicts
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY)
    # One decision, not two (a trial's escalation recorded on both sides was written twice,
    # and the minutes listed it and its action twice).
    assert _decided(sample_database, number) == [DecisionKind.EVIDENCE_REQUESTED]
    with sample_database.session() as session:
        actions = meetings.decisions(session, MEETING).actions
    assert len([a for a in actions if a.kind is DecisionKind.EVIDENCE_REQUESTED]) == 1


def test_the_same_decision_in_other_words_on_both_sides_keeps_both(
    sample_database: Database, tmp_path: Path
) -> None:
    """The same decision with another note on each side: both people's words are kept."""
    number = _ready_to_sign_off(sample_database)
    other_words = meetings.DecisionEntry(
        DecisionKind.EVIDENCE_REQUESTED, "LAPTOP: the audit, please", until=ASK_ICB.until,
        whom=ASK_ICB.whom,
    )  # fmt: skip
    with _laptop(sample_database, tmp_path) as laptop:
        _decide(laptop, number, other_words, "Sam")
        _decide(sample_database, number, ASK_ICB, "Kim")
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY)
    assert _decided(sample_database, number) == [DecisionKind.EVIDENCE_REQUESTED] * 2


@pytest.mark.parametrize(
    ("take", "target", "extended"),
    [("copy", dt.date(2027, 3, 31), True), ("shared", dt.date(2027, 2, 28), False)],
)
def test_an_extension_follows_the_answer_to_the_target_date(
    sample_database: Database, tmp_path: Path, take: str, target: dt.date, extended: bool
) -> None:
    number = "3"
    where = f"recommendation {number} of review {REVIEW}"
    with _laptop(sample_database, tmp_path) as laptop:
        extend = meetings.DecisionEntry(DecisionKind.EXTENDED, until=dt.date(2027, 3, 31))
        _decide(laptop, number, extend, "Sam")
        _set(sample_database, number, target_date=dt.date(2027, 2, 28))
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        [conflict] = [c for c in plan.merge.conflicts if c.key == (where, "target_date")]
        assert seen(conflict) == ("31 March 2027", "28 February 2027")
        assert describe_conflict(conflict) == (
            f"{where}, target date (the copy's value comes from a decision {AT_THE_MEETING}, "
            "'Target extended to 31 March 2027, recorded by Sam', which is merged only if the "
            "copy's value is taken)"
        )
        answers = {c.key: Answer(take) for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=answers)
    with sample_database.session() as session:
        rec = editing.item_by_key(session, _item(number))
        assert rec.target_date == target
        logged = [u.note for u in rec.updates if "target extended" in u.note]
        lines = meetings.decisions(session, MEETING).decisions
        said = [(line.kind, line.until) for line in lines if line.number == number]
    # Minutes (the meeting's decisions) and the log (the pack's changes) agree with the item.
    assert said == ([(DecisionKind.EXTENDED, target)] if extended else [])
    assert len(logged) == (1 if extended else 0)
    assert not check_database(sample_database.location).problems


def test_the_decisions_log_entry_is_told_from_another_of_that_day_by_its_author(
    sample_database: Database, tmp_path: Path
) -> None:
    """The copy's decision is held back with its own log entry, found by its day, its author
    and the meeting it names: a progress update the same person added to the same item that
    day is merged whatever the answer (matched by day and author alone, it could have been
    held back, and lost with the answer "shared")."""
    from db.store.lifecycle import record_update

    number = _ready_to_sign_off(sample_database)
    with _laptop(sample_database, tmp_path) as laptop:
        with laptop.transaction("Sam") as session:
            rec = editing.item_by_key(session, _item(number))
            record_update(
                session, rec.id, on=MEETING.held_on, author="Sam", note="LAPTOP: a plain update"
            )
        _decide(laptop, number, SIGN_OFF, "Sam")
        _decide(sample_database, number, ASK_ICB, "Kim")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        answers = {c.key: Answer("shared") for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=answers)
    with sample_database.session() as session:
        notes = [u.note for u in editing.item_by_key(session, _item(number)).updates]
    assert "LAPTOP: a plain update" in notes
    assert not [n for n in notes if "LAPTOP: done" in n]
    assert _decided(sample_database, number) == [DecisionKind.EVIDENCE_REQUESTED]


def test_the_conflicts_over_one_decisions_fields_are_answered_alike(
    sample_database: Database, tmp_path: Path
) -> None:
    """The meeting signed the item off on the laptop; in the office someone closed it with
    another assurer that day. Each field the sign-off set is a conflict naming the decision,
    and answers that split them (a sign-off written over some of another's fields) are
    refused, writing nothing; answered alike, the merge goes ahead."""
    from db.store.lifecycle import sign_off

    number = _ready_to_sign_off(sample_database)
    with _laptop(sample_database, tmp_path) as laptop:
        _decide(laptop, number, SIGN_OFF, "Sam")
        with sample_database.transaction("Kim") as session:
            rec = editing.item_by_key(session, _item(number))
            sign_off(session, rec.id, assured_by="Office Head", on=NEXT_DAY, author="Kim")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        related = [c for c in plan.merge.conflicts if c.decided is not None]
        assert len(related) >= 2, [c.key for c in plan.merge.conflicts]
        split = {c.key: Answer("shared") for c in plan.merge.conflicts}
        split[related[0].key] = Answer("copy")
        before = snapshot(sample_database)
        with pytest.raises(RuleError, match="answer them alike"):
            merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=split)
        assert snapshot(sample_database) == before
        alike = {c.key: Answer("copy") for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=alike)
    assert _decided(sample_database, number) == [DecisionKind.SIGNED_OFF]
    with sample_database.session() as session:
        assert editing.item_by_key(session, _item(number)).assured_by != "Office Head"
    assert not check_database(sample_database.location).problems


def _kim_and_sam(database: Database, number: str) -> list[tuple[str, DecisionKind, dt.date | None]]:
    """The meeting's decisions about the item: who, what, until."""
    with database.session() as session:
        return sorted(
            (d.decided_by, d.kind, d.until)
            for d in meetings.meeting_by_key(session, MEETING).decisions
            if d.recommendation is not None and d.recommendation.number == number
        )


EXTEND_MARCH = meetings.DecisionEntry(DecisionKind.EXTENDED, until=dt.date(2027, 3, 31))
EXTEND_FEBRUARY = meetings.DecisionEntry(DecisionKind.EXTENDED, until=dt.date(2027, 2, 28))


def test_two_decisions_on_each_side_merge_with_the_copys_answer(
    sample_database: Database, tmp_path: Path
) -> None:
    """Sam noted item 3 and extended it on the laptop; Kim escalated it and extended it in the
    office, all that day. Each of Kim's decisions has its own log entry (same author, same
    day, same meeting): taking the copy's withdraws both, not one twice (which crashed)."""
    number = "3"
    with _laptop(sample_database, tmp_path) as laptop:
        _decide(laptop, number, meetings.DecisionEntry(DecisionKind.NOTED, "LAPTOP noted"), "Sam")
        _decide(laptop, number, EXTEND_MARCH, "Sam")
        escalate = meetings.DecisionEntry(DecisionKind.ESCALATED, "OFFICE up", whom="ICB")
        _decide(sample_database, number, escalate, "Kim")
        _decide(sample_database, number, EXTEND_FEBRUARY, "Kim")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        answers = {c.key: Answer("copy") for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=answers)
    assert _kim_and_sam(sample_database, number) == [
        ("Sam", DecisionKind.EXTENDED, dt.date(2027, 3, 31)),
        ("Sam", DecisionKind.NOTED, None),
    ]
    with sample_database.session() as session:
        rec = editing.item_by_key(session, _item(number))
        assert rec.target_date == dt.date(2027, 3, 31)
        kims = [u for u in rec.updates if u.author == "Kim"]
        assert len(kims) == 2
        assert all(u.withdrawn_by == "Lee" for u in kims)
    assert not check_database(sample_database.location).problems


def test_answers_splitting_a_folded_decision_conflict_are_refused(
    sample_database: Database, tmp_path: Path
) -> None:
    """The one decision conflict over item 3 carries both of Sam's decisions (the Noted and
    the extension): answering it "shared" and the target date "copy" would leave the target
    31 March with only Kim's extension to 28 February in the minutes, so it is refused."""
    number = "3"
    with _laptop(sample_database, tmp_path) as laptop:
        _decide(laptop, number, meetings.DecisionEntry(DecisionKind.NOTED, "LAPTOP noted"), "Sam")
        _decide(laptop, number, EXTEND_MARCH, "Sam")
        escalate = meetings.DecisionEntry(DecisionKind.ESCALATED, "OFFICE up", whom="ICB")
        _decide(sample_database, number, escalate, "Kim")
        _decide(sample_database, number, EXTEND_FEBRUARY, "Kim")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        [folded] = [n for n in plan.merge.notes if "also answers" in n]
        assert "copy's decision (target extended to 31 March 2027) by Sam" in folded
        assert "shared database's decision (target extended to 28 February 2027) by Kim" in folded
        split = {
            c.key: Answer("copy" if c.field == "target_date" else "shared")
            for c in plan.merge.conflicts
        }
        assert "copy" in {a.take for a in split.values()}
        before = snapshot(sample_database)
        with pytest.raises(RuleError, match="answer them alike"):
            merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=split)
        assert snapshot(sample_database) == before


def test_the_copys_extension_sets_aside_the_offices_extension_not_its_noted(
    sample_database: Database, tmp_path: Path
) -> None:
    """Sam extended item 3 on the laptop; Kim noted it, then extended it, in the office. The
    extension contradicts the extension: taking the copy's sets Kim's extension aside and
    keeps Kim's Noted (two extensions in the minutes otherwise)."""
    number = "3"
    with _laptop(sample_database, tmp_path) as laptop:
        _decide(laptop, number, EXTEND_MARCH, "Sam")
        noted = meetings.DecisionEntry(DecisionKind.NOTED, "OFFICE noted")
        _decide(sample_database, number, noted, "Kim")
        _decide(sample_database, number, EXTEND_FEBRUARY, "Kim")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        [asked] = [c for c in plan.merge.conflicts if c.field == DECISION]
        assert seen(asked)[1].startswith("Target extended to 28 February 2027")
        answers = {c.key: Answer("copy") for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=answers)
    assert _kim_and_sam(sample_database, number) == [
        ("Kim", DecisionKind.NOTED, None),
        ("Sam", DecisionKind.EXTENDED, dt.date(2027, 3, 31)),
    ]
    with sample_database.session() as session:
        rec = editing.item_by_key(session, _item(number))
        noted_entry = next(u for u in rec.updates if "OFFICE noted" in u.note)
        assert noted_entry.withdrawn_at is None
        assert rec.target_date == dt.date(2027, 3, 31)
    assert not check_database(sample_database.location).problems


def test_a_later_office_edit_is_kept_when_its_decision_is_set_aside(
    sample_database: Database, tmp_path: Path
) -> None:
    """Kim extended item 3 to 28 February at the meeting, then set the target to 15 March by
    hand; Sam noted it on the laptop. Taking the copy's Noted sets Kim's extension aside, but
    the later hand edit stays (as undo refuses to overwrite it), and the plan says so."""
    number = "3"
    with _laptop(sample_database, tmp_path) as laptop:
        _decide(laptop, number, meetings.DecisionEntry(DecisionKind.NOTED, "LAPTOP noted"), "Sam")
        _decide(sample_database, number, EXTEND_FEBRUARY, "Kim")
        _set(sample_database, number, actor="Kim", target_date=dt.date(2027, 3, 15))
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        assert [n for n in plan.merge.notes if "15 March 2027" in n], plan.merge.notes
        answers = {c.key: Answer("copy") for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Lee", today=NEXT_DAY, answers=answers)
    assert _kim_and_sam(sample_database, number) == [("Sam", DecisionKind.NOTED, None)]
    with sample_database.session() as session:
        assert editing.item_by_key(session, _item(number)).target_date == dt.date(2027, 3, 15)
    assert not check_database(sample_database.location).problems
