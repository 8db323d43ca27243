"""A briefing pack made for a meeting (``PackOptions.meeting_title``), on both backends: in
the order of the meeting's agenda, holding what it names, with the changes since the meeting
before, and naming the meeting. A pack made for a date alone is as before."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from db.core.dates import format_date
from db.core.errors import NotFoundError
from db.core.vocabulary import DecisionKind
from db.queries.briefing_content import WHOLE, Change, PackOptions, gather
from db.services.meetings import (
    AgendaEntry,
    DecisionEntry,
    ItemKey,
    MeetingFields,
    SourceKey,
    agenda,
    create_meeting,
    decide,
    meeting_by_date,
    set_agenda,
)
from db.store.database import Database
from db.store.models import Meeting
from tests.helpers import TODAY

REVIEW = "FSCP-CSPR-CHILD-A"
INSPECTION = "FICTIONAL-CP-INSPECTION-2"


def _options(**chosen: object) -> PackOptions:
    return PackOptions(
        today=TODAY, title="Pack", marking="OFFICIAL", prepared_by="tester", **chosen
    )  # type: ignore[arg-type]


def test_a_meeting_pack_follows_the_agenda(sample_database: Database) -> None:
    held_on = TODAY.replace(year=TODAY.year + 1)  # after the sample's meetings
    with sample_database.transaction("tester") as session:
        previous = session.scalar(select(Meeting.held_on).order_by(Meeting.held_on.desc()))
        key = create_meeting(session, MeetingFields(held_on, "Case Review Subgroup"))
        set_agenda(
            session,
            key,
            [
                AgendaEntry(SourceKey(INSPECTION, inspection=True), "Its deadlines"),
                AgendaEntry(ItemKey(REVIEW, "5"), "Overdue"),
                AgendaEntry(ItemKey(REVIEW, "2"), "Awaiting sign-off"),
            ],
        )
    with sample_database.session() as session:
        pack = gather(session, _options(meeting_date=held_on, meeting_title="Case Review Subgroup"))
        plain = gather(session, _options(meeting_date=held_on))
    assert pack.meeting_title == "Case Review Subgroup"
    assert pack.since == previous  # the meeting before, as no --since was given
    # What the agenda names, in its order: the inspection first, then the review with its
    # agenda items first and the rest in their own order after.
    assert [i.reference for i in pack.inspections] == [INSPECTION]
    assert [r.reference for r in pack.reviews] == [REVIEW]
    numbers = [item.number for item in pack.reviews[0].items]
    own = [item.number for item in next(r for r in plain.reviews if r.reference == REVIEW).items]
    assert numbers[:2] == ["5", "2"]
    assert numbers[2:] == [n for n in own if n not in {"5", "2"}]
    # A pack made for the date alone holds everything in its own order, and no changes.
    assert plain.meeting_title == ""
    assert plain.since is None
    assert len(plain.reviews) > 1


def test_an_explicit_since_wins_and_an_unknown_meeting_is_refused(
    sample_database: Database,
) -> None:
    with sample_database.session() as session:
        held_on = session.scalar(select(Meeting.held_on).order_by(Meeting.held_on.desc()))
        assert held_on is not None
        pack = gather(
            session,
            _options(meeting_date=held_on, meeting_title="Case Review Subgroup", since=TODAY),
        )
        assert pack.since == TODAY
        with pytest.raises(NotFoundError, match="There is no meeting called Nobody"):
            gather(session, _options(meeting_date=held_on, meeting_title="Nobody"))


def test_an_undone_sign_off_is_no_change_in_the_next_pack(sample_database: Database) -> None:
    """Found by a new user: a sign-off recorded at a meeting and undone (then redone and undone
    again) was listed in the next pack's changes as the audit trail's status changes, though
    the item ended as it began."""
    from db.core.vocabulary import DecisionKind
    from db.services.meetings import DecisionEntry, decide, propose_agenda, undo_decision

    held_on = TODAY
    item = ItemKey(REVIEW, "2")  # implemented, with evidence
    with sample_database.transaction("tester") as session:
        key = create_meeting(session, MeetingFields(held_on, "Extra", chair="Chair (fictional)"))
        set_agenda(session, key, propose_agenda(session, key, TODAY))
    entry = DecisionEntry(DecisionKind.SIGNED_OFF, "Audit seen.")
    for _ in range(2):  # decided, undone; decided again (redo), undone again
        with sample_database.transaction("tester") as session:
            made = decide(session, key, item, entry, on=held_on, actor="tester")
        with sample_database.transaction("tester") as session:
            undo_decision(session, made, author="tester")
    with sample_database.session() as session:
        pack = gather(session, _options(since=held_on))
    assert not [c for c in pack.changes if (c.source, c.number) == (REVIEW, "2")], pack.changes


def test_a_decision_about_a_whole_inspection_is_in_the_next_pack_s_changes(
    sample_database: Database,
) -> None:
    """Found by a new user: a decision about an item reaches the next pack through the item's
    log, but one about a whole inspection (which has no log) never did. It is a change of the
    inspection, naming the meeting, with the note; a pack since a later day leaves it out."""
    with sample_database.transaction("tester") as session:
        coming = session.scalar(select(Meeting.held_on).order_by(Meeting.held_on.desc()))
        assert coming is not None
        made = meeting_by_date(session, coming)
        whole = SourceKey(INSPECTION, inspection=True)
        assert whole in [line.entry.what for line in agenda(session, made)]
        escalated = DecisionEntry(
            DecisionKind.ESCALATED, "Plan late.", whom="Partnership executive (fictional)"
        )
        decide(session, made, whole, escalated, on=coming, actor="tester")
        held_on = coming.replace(year=coming.year + 1)
        key = create_meeting(session, MeetingFields(held_on, "Case Review Subgroup"))
        set_agenda(session, key, [AgendaEntry(whole, "Its deadlines")])
    with sample_database.session() as session:
        pack = gather(session, _options(meeting_date=held_on, meeting_title=key.title))
        later = _options(meeting_date=held_on, meeting_title=key.title, since=held_on)
        assert [c for c in gather(session, later).changes if c.number == WHOLE] == []
    assert pack.since == coming
    said = (
        f"{made.title}, {format_date(coming)}: escalated to Partnership executive (fictional). "
        "Plan late."
    )
    assert [c for c in pack.changes if c.number == WHOLE] == [
        Change(coming, INSPECTION, WHOLE, said)
    ]
