"""Writing a merge (db.services.merge.merge_copy) on SQLite and PostgreSQL: the three field
cases, records appended on both sides, a deletion against an edit, conflicts answered each
way, a refusal writing nothing, the audit trail whole and marked as recorded offline, an
encrypted copy, and a second merge refused, changing nothing."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import select

from db.core.dates import format_date
from db.core.errors import MergedCopyError, RuleError
from db.core.vocabulary import DecisionKind, Status, TrackedKind
from db.exchange.document import EvidenceDoc
from db.exchange.spreadsheets import import_tracker, read_tracker
from db.queries.briefing_content import PackOptions, make_pack
from db.services import editing, meetings
from db.services.checkout import Scope, check_out
from db.services.integrity import check_database
from db.services.merge import Answer, merge_copy, plan_merge, show_value
from db.services.transfer import export_file
from db.store.cipher import Passphrase
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import AuditEntry, Checkout, CheckoutOrigin
from tests.helpers import TODAY
from tests.helpers.laptop import MEETING, REVIEW, WHERE
from tests.helpers.laptop import item as _item
from tests.helpers.laptop import set_fields as _set
from tests.helpers.laptop import snapshot as _snapshot

OTHER = f"recommendation 5 of review {REVIEW}"
NEXT_DAY = MEETING.held_on + dt.timedelta(days=1)  # merged the morning after the meeting


def _copy(shared: Database, tmp_path: Path, scope: Scope, key: Passphrase | None = None) -> Path:
    target = tmp_path / "laptop.sqlite3"
    check_out(shared, target, scope=scope, actor="Sam", today=TODAY, passphrase=key)
    return target


def _open(path: Path, key: Passphrase | None = None) -> Database:
    return open_database(resolve_location(str(path)).with_passphrase(key))


def _fields(database: Database, number: str) -> editing.ItemFields:
    with database.session() as session:
        return editing.item_fields(session, _item(number))


def _decide(database: Database, number: str, note: str) -> None:
    with database.transaction("Sam") as session:
        meetings.decide(
            session,
            MEETING,
            _item(number),
            meetings.DecisionEntry(DecisionKind.NOTED, note),
            on=MEETING.held_on,
            actor="Sam",
        )


def _notes(database: Database, number: str) -> list[str]:
    with database.session() as session:
        return [u.note for u in editing.item_by_key(session, _item(number)).updates]


@pytest.mark.parametrize("scope", [Scope(), Scope(meeting=MEETING)], ids=["whole", "meeting"])
def test_the_three_field_cases_and_both_sides_appends(
    sample_database: Database, tmp_path: Path, scope: Scope
) -> None:
    with _open(_copy(sample_database, tmp_path, scope)) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")  # the copy only
        _set(sample_database, "3", actions="Actions set in the office")  # the office only
        _decide(laptop, "4", "Seen in the meeting")  # appended offline
        _decide(sample_database, "4", "Seen by the chair in the office")  # and in the office
        summary = merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        assert summary.copy_marked is None
        with laptop.session() as session:
            origin = session.scalar(select(CheckoutOrigin))
            assert origin is not None and origin.merged_by == "Kim"
    merged = _fields(sample_database, "3")
    assert merged.owner == "Owner set in the meeting"
    assert merged.actions == "Actions set in the office"
    notes = _notes(sample_database, "4")
    assert sum("Seen in the meeting" in n for n in notes) == 1
    assert sum("Seen by the chair in the office" in n for n in notes) == 1
    with sample_database.session() as session:
        decisions = meetings.meeting_by_key(session, MEETING).decisions
        about_4 = [d.note for d in decisions if d.recommendation and d.recommendation.number == "4"]
        assert sorted(about_4)[-2:] == ["Seen by the chair in the office", "Seen in the meeting"]
        note = session.get(Checkout, summary.copy_id)
        assert note is not None and note.merged_by == "Kim"
    assert "change" in summary.describe()


def test_a_conflict_unanswered_writes_nothing_and_is_named(
    sample_database: Database, tmp_path: Path
) -> None:
    with _open(_copy(sample_database, tmp_path, Scope())) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        _set(laptop, "5", owner="Offline owner")
        _set(sample_database, "5", owner="Office owner")
        before = _snapshot(sample_database)
        with pytest.raises(RuleError) as caught:
            merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        assert caught.value.message == (
            f"1 conflict has no answer yet (the first: {OTHER}, owner), so nothing was merged."
        )
        assert _snapshot(sample_database) == before
        # Not marked merged: answered, it merges.
        merge_copy(
            laptop,
            sample_database,
            actor="Kim",
            today=NEXT_DAY,
            answers={(OTHER, "owner"): Answer("copy")},
        )
    assert _fields(sample_database, "5").owner == "Offline owner"
    assert _fields(sample_database, "3").owner == "Owner set in the meeting"


@pytest.mark.parametrize(
    ("answer", "owner"),
    [
        (Answer("copy"), "Offline owner"),
        (Answer("shared"), "Office owner"),
        (Answer(None, "Owner agreed on the phone"), "Owner agreed on the phone"),
    ],
    ids=["copy", "shared", "typed"],
)
def test_a_conflict_answered_each_way(
    sample_database: Database, tmp_path: Path, answer: Answer, owner: str
) -> None:
    with _open(_copy(sample_database, tmp_path, Scope(meeting=MEETING))) as laptop:
        _set(laptop, "5", owner="Offline owner")
        _set(sample_database, "5", owner="Office owner")
        merge_copy(
            laptop, sample_database, actor="Kim", today=NEXT_DAY, answers={(OTHER, "owner"): answer}
        )
    assert _fields(sample_database, "5").owner == owner
    assert not check_database(sample_database.location).problems


def test_a_deletion_against_an_edit_is_a_conflict_answered_each_way(
    sample_database: Database, tmp_path: Path
) -> None:
    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:
        with laptop.transaction("Sam") as session:
            editing.delete_item(session, _item("6"))  # deleted offline
            editing.delete_item(session, _item("7"))  # deleted offline, edited in the office
        _set(sample_database, "7", owner="Office owner")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        (conflict,) = plan.merge.conflicts
        assert conflict.key == (f"recommendation 7 of review {REVIEW}", "(the record)")
        merge_copy(
            laptop,
            sample_database,
            actor="Kim",
            today=NEXT_DAY,
            answers={conflict.key: Answer("copy")},
        )
    with sample_database.session() as session:
        assert editing.item_id(session, _item("6")) is None
        assert editing.item_id(session, _item("7")) is None  # the copy's answer: deleted
    assert not check_database(sample_database.location).problems


def test_an_edit_offline_of_what_the_office_deleted_keeps_it_deleted_or_restores_it(
    sample_database: Database, tmp_path: Path
) -> None:
    for take, there in (("shared", False), ("copy", True)):
        target = tmp_path / take
        target.mkdir()
        with _open(_copy(sample_database, target, Scope())) as laptop:
            _set(laptop, "3", owner=f"Offline owner ({take})")
            with sample_database.transaction("Kim") as session:
                snapshot = editing.remove_item(session, _item("3"), TODAY)
            merge_copy(
                laptop,
                sample_database,
                actor="Kim",
                today=NEXT_DAY,
                answers={(WHERE, "(the record)"): Answer(take)},
            )
        with sample_database.session() as session:
            assert (editing.item_id(session, _item("3")) is not None) is there
        if there:
            assert _fields(sample_database, "3").owner == "Offline owner (copy)"
        else:
            with sample_database.transaction("Kim") as session:
                editing.restore_item(session, snapshot, TODAY)


def test_the_audit_trail_says_what_was_done_offline_by_whom_and_when(
    sample_database: Database, tmp_path: Path
) -> None:
    with _open(_copy(sample_database, tmp_path, Scope(meeting=MEETING))) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        with laptop.session() as session:
            offline_at = session.scalar(
                select(AuditEntry.at).where(AuditEntry.field == "owner").order_by(AuditEntry.id)
            )
        summary = merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    mark = summary.copy_id[:8]
    with sample_database.session() as session:
        entry = session.scalars(
            select(AuditEntry).where(
                AuditEntry.field == "owner", AuditEntry.new == "Owner set in the meeting"
            )
        ).one()
        assert entry.actor == f"tester (recorded offline in copy {mark})"
        assert entry.at == offline_at
        merged = session.scalars(select(AuditEntry).where(AuditEntry.entity == "merges")).one()
        assert merged.actor == "Kim" and merged.entity_id == summary.copy_id
    assert not check_database(sample_database.location).problems


def test_merging_the_same_copy_twice_is_refused_and_changes_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    with _open(_copy(sample_database, tmp_path, Scope(meeting=MEETING))) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        before = _snapshot(sample_database)
        with pytest.raises(RuleError) as caught:
            merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        assert "merged back on" in caught.value.message
        assert "by Kim, so it cannot be merged again: take a new copy" in caught.value.message
        assert _snapshot(sample_database) == before


def test_a_merged_copy_takes_no_change_and_says_so(
    sample_database: Database, tmp_path: Path
) -> None:
    """Found by a new user: a decision recorded in a copy already merged back was accepted,
    and no merge could ever bring it. Every change is refused; what only reads or notes the
    data (an export, minutes) and the copy's own record still work."""
    path = _copy(sample_database, tmp_path, Scope(meeting=MEETING))
    with _open(path) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        before = _snapshot(laptop)
        with pytest.raises(MergedCopyError) as caught:
            _set(laptop, "4", owner="Set after the merge")
        said = caught.value.message
        assert said.startswith("This copy was merged back on ")
        assert "by Kim, so a change made to it now could never reach" in said
        assert said.endswith("nothing was changed.")
        tracker = tmp_path / "late.csv"
        tracker.write_text("Number,Recommendation\n1,Added after the merge\n", "utf-8")
        with pytest.raises(MergedCopyError), laptop.transaction("Sam") as session:
            import_tracker(session, read_tracker(tracker), today=NEXT_DAY, actor="Sam",
                           review="LATE")  # fmt: skip
        assert _snapshot(laptop) == before
        export_file(laptop, tmp_path / "after.json", fmt="json", today=NEXT_DAY, actor="Sam")
        assert (tmp_path / "after.json").stat().st_size > 0
        # A briefing pack from it (a trial found it refused as a change)
        options = PackOptions(today=NEXT_DAY, title="Pack", marking="OFFICIAL", prepared_by="Sam")
        assert make_pack(laptop, "Sam", purpose="file", options=options).reviews
        with pytest.raises(MergedCopyError):
            again = tmp_path / "again.sqlite3"
            check_out(laptop, again, scope=Scope(meeting=MEETING), actor="Sam", today=NEXT_DAY)
    assert not (tmp_path / "again.sqlite3").exists()


def test_a_merged_copy_changed_all_the_same_says_what_was_not_merged(
    sample_database: Database, tmp_path: Path
) -> None:
    """A copy changed after its merge (by an earlier casereview, which took such changes) is
    refused again, and the refusal says how many of its records changed since: they were
    not merged (it had said "merging it again would change nothing")."""
    with _open(_copy(sample_database, tmp_path, Scope(meeting=MEETING))) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        with laptop.transaction("Sam") as session:  # as an earlier casereview would allow
            origin = session.scalar(select(CheckoutOrigin))
            assert origin is not None
            merged = (origin.merged_at, origin.merged_by)
            origin.merged_at = origin.merged_by = None
        _set(laptop, "4", owner="Set after the merge")
        with laptop.transaction("Sam") as session:
            origin = session.scalar(select(CheckoutOrigin))
            assert origin is not None
            origin.merged_at, origin.merged_by = merged
        before = _snapshot(sample_database)
        with pytest.raises(RuleError) as caught:
            merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        assert (
            "so it cannot be merged again; the changes made to 1 of its records after "
            "that were not merged and cannot be" in caught.value.message
        )
        assert _snapshot(sample_database) == before


def test_a_copy_not_marked_merged_is_still_refused_by_the_shared_database(
    sample_database: Database, tmp_path: Path
) -> None:
    """The shared database's note is what refuses: a copy whose own mark could not be written
    (its disk full, say) is refused all the same."""
    with _open(_copy(sample_database, tmp_path, Scope(meeting=MEETING))) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        with laptop.transaction("Sam") as session:
            origin = session.scalar(select(CheckoutOrigin))
            assert origin is not None
            origin.merged_at = origin.merged_by = None
        with pytest.raises(RuleError) as caught:
            merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
        assert "so it cannot be merged again: take a new copy" in caught.value.message


def test_an_encrypted_copy_merges(sample_database: Database, tmp_path: Path) -> None:
    key = Passphrase("laptop passphrase 42")
    path = _copy(sample_database, tmp_path, Scope(meeting=MEETING), key)
    with _open(path, key) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert _fields(sample_database, "3").owner == "Owner set in the meeting"


def test_a_sign_off_against_evidence_deleted_in_the_office_is_a_conflict(
    sample_database: Database, tmp_path: Path
) -> None:
    """Not a silent close: the item stays as the office left it until answered; the copy's
    answer takes the sign-off with the evidence it rested on (the copy still holds it), so it
    can be written (a new user found it refused whatever was answered)."""
    with sample_database.session() as session:
        rec = next(
            r
            for r in editing.review_by_reference(session, REVIEW).recommendations
            if len(r.evidence) == 1 and r.status is not Status.CLOSED
        )
        number, which = rec.number, editing.evidence_key(rec.evidence[0])
    where = f"recommendation {number} of review {REVIEW}"
    with _open(_copy(sample_database, tmp_path, Scope())) as laptop:
        with laptop.transaction("Sam") as session:
            meetings.decide(
                session,
                MEETING,
                _item(number),
                meetings.DecisionEntry(DecisionKind.SIGNED_OFF, "Assured", whom="Chair"),
                on=MEETING.held_on,
                actor="Sam",
            )
        with sample_database.transaction("Kim") as session:
            editing.remove_evidence(session, _item(number), which)
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        assert (where, "status") in [c.key for c in plan.merge.conflicts]
        answers = {c.key: Answer("copy") for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY, answers=answers)
    with sample_database.session() as session:
        merged = editing.item_by_key(session, _item(number))
        assert merged.status is Status.CLOSED
        assert [editing.evidence_key(e).description for e in merged.evidence] == [which.description]
        restored = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "evidence", AuditEntry.action == "create")
            .order_by(AuditEntry.id.desc())
        ).first()
        # Brought back by the answer of the person merging, now: not the copy's doing.
        assert restored is not None and restored.actor.startswith("Kim (merging copy ")
    assert not check_database(sample_database.location).problems


def test_changes_made_offline_after_check_out_keep_their_dates(
    sample_database: Database, tmp_path: Path
) -> None:
    """The shared trail's entries of a merge are dated when the copy made them, so the
    item's history reads in the order things happened."""
    with _open(_copy(sample_database, tmp_path, Scope(meeting=MEETING))) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        summary = merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    with sample_database.session() as session:
        merged = session.scalars(select(AuditEntry).where(AuditEntry.entity == "merges")).one()
        changed = session.scalars(
            select(AuditEntry).where(AuditEntry.actor.like("%recorded offline%"))
        ).all()
    assert changed and all(e.at <= merged.at for e in changed)
    assert summary.applied
    assert all(isinstance(e.at, dt.datetime) for e in changed)


def test_a_conflict_says_who_changed_each_side_and_when(
    sample_database: Database, tmp_path: Path
) -> None:
    with _open(_copy(sample_database, tmp_path, Scope(meeting=MEETING))) as laptop:
        _set(laptop, "5", owner="Offline owner")
        _set(sample_database, "5", owner="Office owner")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
    (conflict,) = plan.merge.conflicts
    offline, office = plan.changed(conflict)
    day = format_date(dt.datetime.now().date())
    assert offline.startswith(f"tester, {day} ") and office.startswith(f"tester, {day} ")
    assert (show_value(conflict.copy), show_value(conflict.shared)) == (
        "Offline owner",
        "Office owner",
    )


def test_items_of_several_sources_and_a_review_s_own_field_are_all_written(
    sample_database: Database, tmp_path: Path
) -> None:
    """Items changed alone are written item by item; a review whose own field changed is
    written whole; an inspection's area for improvement as much as a review's item."""
    afi = editing.ItemKey("FICTIONAL-CP-INSPECTION-2", "1", TrackedKind.AREA_FOR_IMPROVEMENT)
    with _open(_copy(sample_database, tmp_path, Scope())) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")
        with laptop.transaction("Sam") as session:
            fields = editing.item_fields(session, afi)
            editing.update_item(session, afi, replace(fields, owner="Inspection lead, offline"))
            review = editing.review_fields(session, "BSCB-SCR-2010")
            editing.update_review(session, "BSCB-SCR-2010", replace(review, title="Renamed"))
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert _fields(sample_database, "3").owner == "Owner set in the meeting"
    with sample_database.session() as session:
        assert editing.item_fields(session, afi).owner == "Inspection lead, offline"
        assert editing.review_fields(session, "BSCB-SCR-2010").title == "Renamed"
    assert not check_database(sample_database.location).problems


def test_a_plan_is_taken_again_only_while_both_sides_are_as_it_saw_them(
    sample_database: Database, tmp_path: Path
) -> None:
    """A change in the shared database after planning is compared: its new conflict needs
    an answer. A plan a refused merge used is not taken again (its answers are in it)."""
    with _open(_copy(sample_database, tmp_path, Scope())) as laptop:
        _set(laptop, "5", owner="Offline owner")
        _set(sample_database, "5", owner="Office owner")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        answers = {c.key: Answer("copy") for c in plan.merge.conflicts}
        _set(laptop, "3", owner="Owner set in the meeting")  # the copy moved on: planned again
        _set(sample_database, "3", owner="Office owner of 3")  # and a new conflict
        before = _snapshot(sample_database)
        with pytest.raises(RuleError) as caught:
            merge_copy(
                laptop, sample_database, actor="Kim", today=NEXT_DAY, answers=answers, plan=plan
            )
        assert caught.value.message.startswith(f"1 conflict has no answer yet (the first: {WHERE}")
        assert _snapshot(sample_database) == before
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        answers = {c.key: Answer("shared") for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY, answers=answers, plan=plan)
    assert _fields(sample_database, "5").owner == "Office owner"
    assert _fields(sample_database, "3").owner == "Office owner of 3"


def test_a_plan_a_refused_merge_used_is_not_taken_again(
    sample_database: Database, tmp_path: Path
) -> None:
    with _open(_copy(sample_database, tmp_path, Scope())) as laptop:
        _set(laptop, "5", owner="Offline owner")
        _set(sample_database, "5", owner="Office owner")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        typed = {c.key: Answer(None, "Owner \u202a set") for c in plan.merge.conflicts}
        with pytest.raises(RuleError) as caught:  # a direction mark: refused by the rules
            merge_copy(
                laptop, sample_database, actor="Kim", today=NEXT_DAY, answers=typed, plan=plan
            )
        assert caught.value.message.startswith("The merge was refused, so nothing was written")
        keeping = {c.key: Answer("shared") for c in plan.merge.conflicts}
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY, answers=keeping, plan=plan)
    assert _fields(sample_database, "5").owner == "Office owner"


def test_each_row_made_offline_is_entered_as_its_own_author_s(
    sample_database: Database, tmp_path: Path
) -> None:
    """Found by a new user: an update was entered as the author of a later decision on the
    same item, and three decisions all at the last one's time."""
    from db.store.lifecycle import record_update

    with _open(_copy(sample_database, tmp_path, Scope())) as laptop:
        with laptop.transaction("Chloe") as session:
            rec = editing.item_by_key(session, _item("4"))
            record_update(session, rec.id, on=MEETING.held_on, author="Chloe", note="Chloe's note")
        _decide(laptop, "4", "Seen in the meeting")  # by Sam, after
        summary = merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    mark = summary.copy_id[:8]
    with sample_database.session() as session:
        created = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.entity == "progress_updates", AuditEntry.action == "create")
            .order_by(AuditEntry.id.desc())
            .limit(2)
        ).all()
    by_note = {("Chloe's note" in (e.new or "")): e.actor for e in created}
    assert by_note[True] == f"Chloe (recorded offline in copy {mark})"
    assert by_note[False] == f"Sam (recorded offline in copy {mark})"


def test_an_answer_to_values_that_changed_since_is_refused(
    sample_database: Database, tmp_path: Path
) -> None:
    """Found by a new user: an answer given to the office's value was applied over a later
    change nobody saw. An answer records the values it was given to."""
    from db.services.merge import seen

    with _open(_copy(sample_database, tmp_path, Scope())) as laptop:
        _set(laptop, "5", owner="Offline owner")
        _set(sample_database, "5", owner="Office owner")
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        answers = {c.key: Answer("copy", seen=seen(c)) for c in plan.merge.conflicts}
        _set(sample_database, "5", owner="Changed after the answer")
        before = _snapshot(sample_database)
        with pytest.raises(RuleError) as caught:
            merge_copy(
                laptop, sample_database, actor="Kim", today=NEXT_DAY, answers=answers, plan=plan
            )
        assert caught.value.message == (
            f"{OTHER}, owner changed after it was answered, so nothing was merged: answer it "
            "again as it stands now."
        )
        assert _snapshot(sample_database) == before


# -- a copy the merge cannot trust (found by a new user)


def _edit_outside(path: Path, statement: str) -> None:
    """A change made to the copy's file with another program: no audit entry."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(statement)


def _trail(database: Database) -> list[tuple[str, str, str | None]]:
    with database.session() as session:
        return list(session.execute(select(AuditEntry.entity, AuditEntry.actor, AuditEntry.new)))


def test_what_a_copy_holds_unaccounted_for_is_named_in_words(
    sample_database: Database, tmp_path: Path
) -> None:
    """A new user read "the name of a person at the meeting of the meeting of 7 October
    2026" and "the assured by of …": a meeting's people are at it, and a field whose column
    name does not read as words is named in words."""
    path = _copy(sample_database, tmp_path, Scope())
    mine = f"(SELECT id FROM reviews WHERE reference = '{REVIEW}')"
    _edit_outside(
        path,
        f"UPDATE recommendations SET assured_by = 'Someone' WHERE number = '7' "
        f"AND review_id = {mine}",
    )
    _edit_outside(
        path, "UPDATE meeting_people SET name = 'Renamed' WHERE id = (SELECT MIN(id) FROM "
        "meeting_people)"
    )  # fmt: skip
    with _open(path) as laptop, pytest.raises(RuleError) as caught:
        plan_merge(laptop, sample_database, today=NEXT_DAY)
    said = caught.value.message
    assert f"the assurer of {REVIEW} 7" in said, said
    assert re.search(r"the name of a person at the meeting of \d{1,2} \w+ \d{4} '", said), said
    assert "meeting of the meeting" not in said and "assured by" not in said


def test_a_copy_edited_outside_casereview_is_refused_writing_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:  # a real offline change beside the outside ones
        _set(laptop, "3", actor="Sam", owner="Owner set in the meeting")
    mine = f"(SELECT id FROM reviews WHERE reference = '{REVIEW}')"
    _edit_outside(
        path,
        f"UPDATE recommendations SET owner = 'SQLITE-EDIT owner' WHERE number = '7' "
        f"AND review_id = {mine}",
    )
    before, trail = _snapshot(sample_database), _trail(sample_database)
    with _open(path) as laptop:
        for attempt in (plan_merge, merge_copy):
            with pytest.raises(RuleError) as caught:
                if attempt is plan_merge:
                    plan_merge(laptop, sample_database, today=NEXT_DAY)
                else:
                    merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
            assert caught.value.message == (
                f"The copy holds changes its own record does not account for (the owner of "
                f"{REVIEW} 7): it may have been edited outside casereview, so it is not merged."
            )
    assert _snapshot(sample_database) == before
    assert _trail(sample_database) == trail
    with _open(path) as laptop, laptop.session() as session:
        origin = session.scalar(select(CheckoutOrigin))
        assert origin is not None and origin.merged_at is None


def test_rows_added_removed_and_many_changed_outside_are_named_at_most_three(
    sample_database: Database, tmp_path: Path
) -> None:
    path = _copy(sample_database, tmp_path, Scope())
    mine = f"(SELECT id FROM reviews WHERE reference = '{REVIEW}')"
    _edit_outside(path, "UPDATE recommendations SET actions = 'Edited' WHERE number IN ('1', "
                        f"'2') AND review_id = {mine}")  # fmt: skip
    _edit_outside(path, "DELETE FROM progress_updates WHERE id = (SELECT min(id) FROM "
                        "progress_updates)")  # fmt: skip
    _edit_outside(path, f"UPDATE reviews SET title = 'Retitled' WHERE id = {mine}")
    before = _snapshot(sample_database)
    with _open(path) as laptop, pytest.raises(RuleError) as caught:
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    said = caught.value.message
    assert said.startswith("The copy holds changes its own record does not account for (")
    assert "; and 1 more): it may have been edited outside casereview" in said
    assert _snapshot(sample_database) == before


def test_deletions_and_edits_made_in_casereview_offline_merge(
    sample_database: Database, tmp_path: Path
) -> None:
    """What the database itself deletes with an item (its agenda entries, its decisions)
    writes no entries of its own, and is no change made outside casereview."""
    path = _copy(sample_database, tmp_path, Scope(meeting=MEETING))
    with _open(path) as laptop:
        with laptop.transaction("Sam") as session:
            editing.delete_item(session, _item("6"))
        _decide(laptop, "4", "Seen in the meeting")
        _set(laptop, "3", actor="Sam", owner="Owner set in the meeting")
        summary = merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert summary.copy_marked is None
    assert _fields(sample_database, "3").owner == "Owner set in the meeting"


def test_a_copy_given_another_copys_identity_is_refused_writing_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    """Given the identity of another copy really checked out (and not yet merged), the copy
    found a record of itself; that record says who took it and when, which this copy's do
    not match."""
    other = tmp_path / "other.sqlite3"
    check_out(sample_database, other, scope=Scope(), actor="Pat", today=TODAY)
    with _open(other) as taken, taken.session() as session:
        other_id = session.scalars(select(CheckoutOrigin.copy_id)).one()
    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:
        _set(laptop, "3", actor="Sam", owner="Owner set in the meeting")
    _edit_outside(path, f"UPDATE checkout_origin SET copy_id = '{other_id}'")
    before, trail = _snapshot(sample_database), _trail(sample_database)
    with _open(path) as laptop, pytest.raises(RuleError) as caught:
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert caught.value.message.startswith(
        f"The copy (identity {other_id[:8]}) does not match this database's record of that "
        "copy (taken by Pat on "
    )
    assert caught.value.message.endswith("it may have been altered, so it was not merged.")
    assert _snapshot(sample_database) == before
    assert _trail(sample_database) == trail
    with _open(other) as taken:  # the other copy, as taken, still merges
        merge_copy(taken, sample_database, actor="Kim", today=NEXT_DAY)


def test_a_copy_whose_identity_was_changed_is_refused_writing_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:
        _set(laptop, "3", actor="Sam", owner="Owner set in the meeting")
    _edit_outside(
        path, "UPDATE checkout_origin SET copy_id = '11111111-1111-1111-1111-111111111111'"
    )
    before, trail = _snapshot(sample_database), _trail(sample_database)
    with _open(path) as laptop, pytest.raises(RuleError) as caught:
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert caught.value.message == (
        "The copy (identity 11111111) was not checked out from this database as it is: it has "
        "no record of that copy (the copy was altered, or this database was put back from a "
        "backup older than the copy), so it was not merged."
    )
    assert _snapshot(sample_database) == before
    assert _trail(sample_database) == trail


def _head_hash(path: Path) -> str:
    with closing(sqlite3.connect(path)) as conn:
        return str(
            conn.execute("SELECT hash FROM audit_log ORDER BY id DESC LIMIT 1").fetchone()[0]
        )


def test_a_change_with_an_entry_added_to_the_copy_s_trail_is_refused_writing_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    """The append-only trail takes new entries: one added with sqlite3 beside the change it
    claims to account for would have the merge write the change as Sam's, recorded offline.
    Its hash cannot be made without casereview's chain, so the chain says so."""
    path = _copy(sample_database, tmp_path, Scope())
    mine = f"(SELECT id FROM reviews WHERE reference = '{REVIEW}')"
    item7 = f"(SELECT id FROM recommendations WHERE number = '7' AND review_id = {mine})"
    _edit_outside(path, f"UPDATE recommendations SET owner = 'FORGED' WHERE id = {item7}")
    _edit_outside(
        path,
        "INSERT INTO audit_log (at, actor, action, entity, entity_id, field, old, new, "
        f"prev_hash, hash) VALUES ('2026-12-05 10:00:00.000000', 'Sam', 'update', "
        f"'recommendations', CAST({item7} AS TEXT), 'owner', '', 'FORGED', "
        f"'{_head_hash(path)}', '{'ab' * 32}')",
    )
    before, trail = _snapshot(sample_database), _trail(sample_database)
    with _open(path) as laptop:
        for attempt in (plan_merge, merge_copy):
            with pytest.raises(RuleError) as caught:
                if attempt is plan_merge:
                    plan_merge(laptop, sample_database, today=NEXT_DAY)
                else:
                    merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
            said = caught.value.message
            assert said.startswith("The copy's record of changes has been altered (audit entry ")
            assert said.endswith(
                "was altered after it was written): it may have been edited outside "
                "casereview, so it is not merged."
            )
    assert _snapshot(sample_database) == before
    assert _trail(sample_database) == trail


_FILE = b"%PDF-1.4 minutes of the meeting"


def _add_evidence(laptop: Database, number: str) -> None:
    with laptop.transaction("Sam") as session:
        editing.restore_evidence(  # as the window adds a file
            session,
            _item(number),
            EvidenceDoc("Minutes", "Sam", file_name="minutes.pdf", content=_FILE),
        )


def test_evidence_whose_file_was_replaced_outside_casereview_is_refused_writing_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:
        _add_evidence(laptop, "3")
    _edit_outside(
        path, "UPDATE evidence SET content = X'DEADBEEF' WHERE id = (SELECT max(id) FROM evidence)"
    )
    before, trail = _snapshot(sample_database), _trail(sample_database)
    with _open(path) as laptop, pytest.raises(RuleError) as caught:
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert caught.value.message == (
        "The copy holds changes its own record does not account for (the content of a piece "
        f"of evidence of {REVIEW} 3): it may have been edited outside casereview, so it is not "
        "merged."
    )
    report = check_database(resolve_location(str(path)))  # and `casereview check` says so
    assert any("does not account for" in problem for problem in report.problems)
    assert _snapshot(sample_database) == before
    assert _trail(sample_database) == trail


def test_a_copy_changed_only_in_casereview_merges_after_its_chain_and_files_are_checked(
    sample_database: Database, tmp_path: Path
) -> None:
    """Evidence added, an item deleted and put back, a decision, a changed field: all written
    by casereview, so the copy's chain verifies and its files are as their entries say."""
    path = _copy(sample_database, tmp_path, Scope(meeting=MEETING))
    with _open(path) as laptop:
        _add_evidence(laptop, "3")
        with laptop.transaction("Sam") as session:
            snapshot = editing.delete_review(session, REVIEW, TODAY)
        with laptop.transaction("Sam") as session:
            editing.restore_review(session, snapshot)
        _decide(laptop, "4", "Seen in the meeting")
        _set(laptop, "5", actor="Sam", owner="Owner set in the meeting")
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert _fields(sample_database, "5").owner == "Owner set in the meeting"
    with sample_database.session() as session:
        held = editing.item_by_key(session, _item("3")).evidence
        assert [e.content for e in held if e.file_name == "minutes.pdf"] == [_FILE]


def test_a_theme_linked_outside_casereview_is_refused_writing_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    """A theme list's link rows write no entries of their own: the list is checked against
    the copy's base and the trail's "themes" entries."""
    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:  # a real theme change beside the outside one
        _set(laptop, "3", actor="Sam", themes=("Neglect", "Housing"))
    mine = f"(SELECT id FROM reviews WHERE reference = '{REVIEW}')"
    item7 = f"(SELECT id FROM recommendations WHERE number = '7' AND review_id = {mine})"
    _edit_outside(  # a theme the copy holds already, so only the link is new
        path,
        f"INSERT INTO recommendation_themes (recommendation_id, theme_id) VALUES ({item7}, "
        "(SELECT min(id) FROM themes WHERE id NOT IN (SELECT theme_id FROM "
        f"recommendation_themes WHERE recommendation_id = {item7})))",
    )
    before, trail = _snapshot(sample_database), _trail(sample_database)
    with _open(path) as laptop, pytest.raises(RuleError) as caught:
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert caught.value.message == (
        f"The copy holds changes its own record does not account for (the themes of {REVIEW} "
        "7): it may have been edited outside casereview, so it is not merged."
    )
    report = check_database(resolve_location(str(path)))  # and `casereview check` says so
    assert any("does not account for" in problem for problem in report.problems)
    assert _snapshot(sample_database) == before
    assert _trail(sample_database) == trail


def test_a_copy_whose_themes_were_renamed_and_merged_in_casereview_merges(
    sample_database: Database, tmp_path: Path
) -> None:
    """A trial renamed a theme on the copy (`casereview themes --rename`) and the copy was
    refused as edited outside casereview (a rename writes the theme's entry, none of each
    item's); a rename then a merge into another theme, too."""
    from db.services.integrity import check_database
    from db.services.themes import merge_themes, rename_theme

    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:
        with laptop.transaction("Sam") as session:
            rename_theme(session, "Neglect", "Neglect and harm")
        with laptop.transaction("Sam") as session:
            rename_theme(session, "Neglect and harm", "Neglect (all forms)")
        with laptop.transaction("Sam") as session:
            merge_themes(session, "Domestic abuse", "Neglect (all forms)")
        _set(laptop, "3", actor="Sam", owner="Owner set in the meeting")
    assert not check_database(resolve_location(str(path))).problems
    with _open(path) as laptop:
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert _fields(sample_database, "3").owner == "Owner set in the meeting"


def _themes(database: Database) -> dict[str, int]:
    from db.services.themes import theme_counts

    with database.session() as session:
        return {t.name: t.items + t.reviews for t in theme_counts(session)}


def test_a_theme_renamed_in_a_copy_leaves_no_empty_theme_behind(
    sample_database: Database, tmp_path: Path
) -> None:
    """A trial renamed a theme in a copy and merged it: every item took the new name and the
    shared database kept the old one, carried by nothing, in its list of themes. A theme the
    copy renamed or merged away goes once nothing in the shared database carries it; one the
    office gave to another item meanwhile stays, with that item."""
    from db.services.themes import merge_themes, rename_theme

    before = _themes(sample_database)
    assert before["Neglect"] and before["Domestic abuse"] and before["Information sharing"]
    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:
        with laptop.transaction("Sam") as session:
            rename_theme(session, "Neglect", "Neglect and harm")
        with laptop.transaction("Sam") as session:
            merge_themes(session, "Domestic abuse", "Neglect and harm")
        with laptop.transaction("Sam") as session:
            rename_theme(session, "Information sharing", "Sharing information")
    # Meanwhile the office gives "Information sharing" to an item the copy left as it was.
    with sample_database.session() as session:
        themes = editing.item_fields(session, _item("6")).themes
    assert themes == ("Multi-agency working",)
    _set(sample_database, "6", themes=(*themes, "Information sharing"))
    with _open(path) as laptop:
        # The dry run names them too (it said nothing of them: a trial's find).
        tried = merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY, dry_run=True)
        assert _themes(sample_database)["Neglect"] == before["Neglect"]
        done = merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    taken = (
        "the themes “Domestic abuse” and “Neglect” off the list: the copy renamed or merged "
        "them away, and nothing carries them now."
    )
    assert tried.describe(rehearsed=True).endswith(f" It would take {taken}")
    assert done.describe().endswith(f" Took {taken}")
    after = _themes(sample_database)
    assert "Neglect" not in after and "Domestic abuse" not in after
    assert after["Neglect and harm"] > 0
    assert after["Information sharing"] == 1  # the office's item keeps it
    assert after["Sharing information"] == before["Information sharing"]
    with sample_database.session() as session:
        gone = session.execute(
            select(AuditEntry.actor, AuditEntry.old).where(
                AuditEntry.entity == "themes", AuditEntry.action == "delete"
            )
        ).all()
    names = sorted(json.loads(str(old))["name"] for _, old in gone)
    assert names == ["Domestic abuse", "Neglect"]
    assert all(actor.startswith("Kim (merging copy ") for actor, _ in gone)


def test_a_theme_renamed_on_both_sides_leaves_no_empty_theme_once_the_copys_is_taken(
    sample_database: Database, tmp_path: Path
) -> None:
    """A trial's: the copy renamed "Neglect" to "Child neglect", the office to "Neglect and
    deprivation"; taking the copy's theme lists left the office's name carried by nothing.
    Taking the shared database's lists instead keeps the office's name, with its items."""
    from db.services.themes import rename_theme

    before = _themes(sample_database)
    for take, kept, empty in (
        ("copy", "Child neglect", "Neglect and deprivation"),
        ("shared", "Neglect and deprivation", "Child neglect"),
    ):
        folder = tmp_path / take
        folder.mkdir()
        path = _copy(sample_database, folder, Scope())
        with _open(path) as laptop, laptop.transaction("Sam") as session:
            rename_theme(session, "Neglect", "Child neglect")
        with sample_database.transaction("Office") as session:
            rename_theme(session, "Neglect", "Neglect and deprivation")
        with _open(path) as laptop:
            plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
            answers = {c.key: Answer(take) for c in plan.merge.conflicts}
            assert answers
            merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY, answers=answers)
        after = _themes(sample_database)
        assert after[kept] == before["Neglect"], take
        assert empty not in after and "Neglect" not in after, take
        with sample_database.transaction("Office") as session:  # as it was, for the next
            rename_theme(session, kept, "Neglect")


def test_a_theme_spelled_anew_in_a_copy_is_spelled_so_after_the_merge(
    sample_database: Database, tmp_path: Path
) -> None:
    """A trial renamed "Neglect" to "NEGLECT" in a copy: the merge said it wrote the items'
    changes, and the shared database still said "Neglect" (items find a theme whatever its
    case). The shared theme takes the copy's spelling; one the office spelled anew meanwhile
    keeps the office's."""
    from db.services.themes import rename_theme

    before = _themes(sample_database)
    path = _copy(sample_database, tmp_path, Scope())
    with _open(path) as laptop:
        with laptop.transaction("Sam") as session:
            rename_theme(session, "Neglect", "NEGLECT")
        with laptop.transaction("Sam") as session:
            rename_theme(session, "Voice of the child", "Voice of the Child")
    with sample_database.transaction("Office") as session:
        rename_theme(session, "Voice of the child", "Voice Of The Child")
    with _open(path) as laptop:
        plan = plan_merge(laptop, sample_database, today=NEXT_DAY)
        # Both spelled it anew: its items' lists conflict; the copy's taken, as it is one theme.
        assert {c.field for c in plan.merge.conflicts} == {"themes"}
        answers = {c.key: Answer("copy") for c in plan.merge.conflicts}
        done = merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY, answers=answers)
    assert "Spelt the theme “Neglect” as “NEGLECT”, as the copy does." in done.describe()
    after = _themes(sample_database)
    assert "Neglect" not in after and after["NEGLECT"] == before["Neglect"]
    assert after["Voice Of The Child"] == before["Voice of the child"]  # the office's
    assert "Voice of the Child" not in after
    with sample_database.session() as session:
        respelled = session.execute(
            select(AuditEntry.actor, AuditEntry.old, AuditEntry.new).where(
                AuditEntry.entity == "themes", AuditEntry.new == "NEGLECT"
            )
        ).all()
    assert [(old, new) for _, old, new in respelled] == [("Neglect", "NEGLECT")]
    assert respelled[0][0].startswith("Kim (merging copy ")


def test_a_copy_whose_base_was_altered_is_refused_writing_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    """A trial altered the base a merge compares both sides against (an item's target, in
    the copy's origin row, with sqlite3): check called the copy sound, and the merge wrote
    the old target over the office's decided one. The copy's trail keeps the base's digest."""
    import json

    from db.services.integrity import check_database

    path = _copy(sample_database, tmp_path, Scope())
    with closing(sqlite3.connect(path)) as conn, conn:
        (base,) = conn.execute("SELECT base FROM checkout_origin").fetchone()
        document = json.loads(base)
        document["reviews"][0]["recommendations"][0]["target_date"] = "2030-01-01"
        conn.execute("UPDATE checkout_origin SET base = ?", (json.dumps(document),))
    problems = check_database(resolve_location(str(path))).problems
    assert any("the record of what the copy was taken with" in p for p in problems), problems
    before, trail = _snapshot(sample_database), _trail(sample_database)
    with _open(path) as laptop, pytest.raises(RuleError) as caught:
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert "(the record of what the copy was taken with" in caught.value.message
    assert _snapshot(sample_database) == before
    assert _trail(sample_database) == trail


def test_theme_changes_made_in_casereview_offline_merge(
    sample_database: Database, tmp_path: Path
) -> None:
    path = _copy(sample_database, tmp_path, Scope(meeting=MEETING))
    with _open(path) as laptop:
        _set(laptop, "3", actor="Sam", themes=("Neglect", "Housing"))
        _set(laptop, "4", actor="Sam", themes=())
        with laptop.transaction("Sam") as session:
            fields = editing.review_fields(session, REVIEW)
            editing.update_review(session, REVIEW, replace(fields, themes=("Transport",)))
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    assert _fields(sample_database, "3").themes == ("Housing", "Neglect")
    assert _fields(sample_database, "4").themes == ()
    with sample_database.session() as session:
        assert editing.review_fields(session, REVIEW).themes == ("Transport",)


def test_a_dry_run_of_conflicts_alone_says_it_would_write_their_answers() -> None:
    """A new user read "would write 0 changes from the copy, 2 conflicts answered"."""
    from db.services.merge import MergeSummary

    only = MergeSummary(copy_id="c", applied=[], conflicts=2, copy_marked=None)
    assert only.describe(rehearsed=True) == (
        "Tried with every rule, the merge would write only the answers to 2 conflicts."
    )
    assert only.describe() == (
        "Merged the copy: it held no change the shared database lacked, 2 conflicts answered."
    )
    one = MergeSummary(copy_id="c", applied=[], conflicts=1, copy_marked=None)
    assert one.describe(rehearsed=True).endswith("only the answers to 1 conflict.")


def test_a_merge_names_at_most_five_themes_it_takes_off_and_counts_the_rest() -> None:
    from db.services.merge import MergeSummary

    many = MergeSummary(
        copy_id="c",
        applied=[],
        conflicts=0,
        copy_marked=None,
        themes_dropped=tuple(f"Theme {n}" for n in range(1, 8)),
    )
    assert many.describe().endswith(
        " Took the themes “Theme 1”, “Theme 2”, “Theme 3”, “Theme 4”, “Theme 5” and 2 more "
        "off the list: the copy renamed or merged them away, and nothing carries them now."
    )
    one = MergeSummary(copy_id="c", applied=[], conflicts=0, copy_marked=None,
                       themes_dropped=("Neglect",))  # fmt: skip
    assert one.describe(rehearsed=True).endswith(
        " It would take the theme “Neglect” off the list: the copy renamed or merged it away, "
        "and nothing carries it now."
    )


def test_a_meeting_s_agenda_entries_outside_the_copy_are_kept_at_the_merge(
    sample_database: Database, tmp_path: Path
) -> None:
    """A trial's find: a copy of one meeting's agenda holds only that meeting's entries about
    its own reviews and inspections; a decision recorded in the copy wrote the meeting whole,
    and the shared database's entries about anything else went from its agenda without a
    word (a decision about one stayed, off its agenda). They stay, in their places."""
    other = editing.ItemKey("BSCB-SCR-2010", "1")  # the sample's other review: not in the copy
    path = _copy(sample_database, tmp_path, Scope(meeting=MEETING))
    with sample_database.transaction("Office") as session:  # the office adds it meanwhile
        entries = [line.entry for line in meetings.agenda(session, MEETING)]
        assert all(getattr(e.what, "source", "") != other.source for e in entries)
        added = meetings.AgendaEntry(other, "Added by the chair")
        meetings.set_agenda(session, MEETING, [*entries[:2], added, *entries[2:]])
        meetings.decide(session, MEETING, other,
                        meetings.DecisionEntry(DecisionKind.NOTED, "Heard in the office."),
                        on=MEETING.held_on, actor="Office")  # fmt: skip
    with _open(path) as laptop:
        _decide(laptop, "3", "Heard on the laptop.")
        merge_copy(laptop, sample_database, actor="Kim", today=NEXT_DAY)
    with sample_database.session() as session:
        after = [line.entry for line in meetings.agenda(session, MEETING)]
        notes = [d.note for d in meetings.decisions(session, MEETING).decisions]
    assert [e.what for e in after] == [e.what for e in [*entries[:2], added, *entries[2:]]]
    assert "Heard in the office." in notes and "Heard on the laptop." in notes
    assert not check_database(sample_database.location).problems
