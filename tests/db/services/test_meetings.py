"""Panel meetings (db.services.meetings): the agenda proposed and stored, decisions written to
the item's log, the item and the meeting, their undo and refusals, and meetings in the JSON
format; on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
from dataclasses import replace
from typing import Any

import pytest
from sqlalchemy import event, func, select

from db.core import fields
from db.core.dates import format_date
from db.core.errors import CaseReviewError, ConflictError, NotFoundError, RuleError
from db.core.vocabulary import DecisionKind, Status, TrackedKind
from db.exchange import collect_document, dump_document
from db.exchange.json_format import parse_document
from db.exchange.records import apply_document
from db.services import editing, meetings
from db.services.editing import ItemKey
from db.services.meetings import (
    AgendaEntry,
    DecisionEntry,
    MeetingFields,
    MeetingKey,
    Person,
    SourceKey,
)
from db.store.database import Database, open_database
from db.store.lifecycle import record_update
from db.store.location import resolve_location
from db.store.models import AuditEntry, Decision
from tests.helpers import TODAY

HELD = dt.date(2026, 12, 10)
PREVIOUS = dt.date(2026, 10, 1)
KEY = MeetingKey(HELD, "Case Review Subgroup")
CHAIR = "Independent Chair (fictional)"


def _item(number: str, status: str, target: str | None, **extra: Any) -> dict[str, Any]:
    return {"number": number, "text": f"Item {number}.", "status": status,
            "lead_agencies": ["Agency X"], "target_date": target, **extra}  # fmt: skip


EVIDENCE = [{"description": "Audit", "reference": "Doc 1", "added_by": "t"}]
DATA: dict[str, Any] = {
    "format": "casereview/1",
    "reviews": [
        {
            "reference": "SCR-1",
            "kind": "scr",
            "title": "Child Q (fictional)",
            "recommendations": [
                _item("1", "implemented", "2026-11-01", evidence=EVIDENCE),
                _item("2", "in_progress", "2026-12-01"),
                _item("3", "not_started", "2027-01-15"),
                _item(
                    "4",
                    "in_progress",
                    "2027-06-01",
                    updates=[{"date": "2026-10-15", "author": "Lead", "note": "Training began."}],
                ),
                _item(
                    "5",
                    "in_progress",
                    "2027-06-01",
                    updates=[{"date": "2026-10-01", "author": "Lead", "note": "Started."}],
                ),
                _item("6", "closed", None, evidence=EVIDENCE, assured_by="Chair"),
            ],
        }
    ],
    "grading_schemes": [{"name": "Four grades", "grades": ["Good", "Poor"]}],
    "inspections": [
        {
            "reference": "INSP-1",
            "inspectorate": "Inspectorate (fictional)",
            "programme": "Child protection",
            "title": "An inspection (fictional)",
            "organisation": "Agency X",
            "scheme": "Four grades",
            "published": "2026-11-20",
        },
        {
            "reference": "INSP-OLD",
            "inspectorate": "Inspectorate (fictional)",
            "programme": "Child protection",
            "title": "An old inspection (fictional)",
            "organisation": "Agency X",
            "scheme": "Four grades",
            "published": "2020-01-01",
        },
    ],
}


@pytest.fixture
def panel(database: Database) -> Database:
    """A review, two inspections, the meeting before and this meeting, with a chair."""
    with database.transaction("setup") as session:
        apply_document(session, parse_document(json.loads(json.dumps(DATA))))
        meetings.create_meeting(session, MeetingFields(PREVIOUS, KEY.title, CHAIR))
        meetings.create_meeting(
            session,
            MeetingFields(
                HELD,
                KEY.title,
                CHAIR,
                attendees=(Person(CHAIR, "Partnership"), Person("Lead", "Agency X")),
                apologies=(Person("Nurse", "Health"),),
            ),
        )
    return database


def _rec(number: str) -> ItemKey:
    return ItemKey("SCR-1", number)


def _snapshot(database: Database) -> tuple[str, int]:
    """Everything the JSON holds, and the decision rows."""
    with database.session() as session:
        doc = collect_document(session, TODAY)
        doc.exported_at = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
        return dump_document(doc), session.scalar(select(func.count(Decision.id))) or 0


# ----------------------------------------------------------------------------- the agenda


def test_the_proposed_agenda_gives_each_reason_in_order_without_repeats(panel: Database) -> None:
    with panel.session() as session:
        proposals = meetings.propose_agenda(session, KEY, TODAY)
    assert [p.what for p in proposals] == [
        _rec("1"),
        _rec("2"),
        _rec("3"),
        _rec("4"),
        SourceKey("INSP-1", inspection=True),
    ]
    reasons = [p.reason for p in proposals]
    assert reasons[0] == (
        "Awaiting sign-off: implemented, 1 piece of evidence. "
        "Overdue: the target was 1 November 2026"
    )
    assert reasons[1] == "Overdue: the target was 1 December 2026"
    assert reasons[2] == (
        "Falls due on 15 January 2027, before 4 February 2027 "
        "(no next meeting is booked: eight weeks after this one)"
    )
    assert reasons[3] == "Changed since the last meeting on 1 October 2026: 1 progress update"
    assert reasons[4].startswith("Deadline before 4 February 2027")
    assert "Action plan to the inspectorate" in reasons[4] and "1 January 2027" in reasons[4]
    assert "(56 days) due 15 January 2027" in reasons[4]


def test_the_next_meeting_booked_bounds_what_falls_due(panel: Database) -> None:
    with panel.transaction("t") as session:
        meetings.create_meeting(session, MeetingFields(dt.date(2027, 1, 7), KEY.title))
    with panel.session() as session:
        proposals = meetings.propose_agenda(session, KEY, TODAY)
    assert _rec("3") not in [p.what for p in proposals]  # due after the next meeting
    assert proposals[-1].reason == (
        "Deadline before the next meeting on 7 January 2027: Action plan to the inspectorate "
        "(6 weeks after the report) due 1 January 2027"
    )


def test_the_agenda_is_stored_as_the_chair_edits_it(panel: Database) -> None:
    entries = [
        AgendaEntry(_rec("4"), "Moved up"),
        AgendaEntry(SourceKey("SCR-1"), "The whole review"),
        AgendaEntry(_rec("6"), "Added by the chair"),
    ]
    with panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, entries)
    with panel.session() as session:
        lines = meetings.agenda(session, KEY)
        rows = meetings.meeting_rows(session, TODAY)
    assert [line.entry for line in lines] == entries
    item = lines[0].item
    assert item is not None and lines[1].item is None and lines[1].title == "Child Q (fictional)"
    assert (item.text, item.lead_agencies, item.target_date) == (
        "Item 4.",
        ("Agency X",),
        dt.date(2027, 6, 1),
    )
    assert item.status is Status.IN_PROGRESS and item.updates[0].note == "Training began."
    assert lines[2].item is not None and lines[2].item.evidence_count == 1
    assert [(r.key, r.agenda_count, r.coming) for r in rows] == [
        (KEY, 3, True),
        (MeetingKey(PREVIOUS, KEY.title), 0, False),
    ]
    with panel.transaction("t") as session, pytest.raises(RuleError, match="twice"):
        meetings.set_agenda(session, KEY, [entries[0], entries[0]])


def _marked(on: str, status: str = "implemented") -> dict[str, Any]:
    return {"date": on, "author": "Lead", "note": f"Now {status}.", "status": status}


def _evidence(added: str) -> list[dict[str, Any]]:
    return [{**EVIDENCE[0], "added_at": f"{added}T10:00:00+00:00"}]


# Two reviews whose most pressing items are in the second (by reference), and two inspections
# whose deadlines come in the reverse of the order they are listed in.
PRESSING: dict[str, Any] = {
    "format": "casereview/1",
    "reviews": [
        {
            "reference": "SCR-A",
            "kind": "scr",
            "title": "Child A (fictional)",
            "recommendations": [
                _item("1", "in_progress", "2026-11-20"),  # overdue 20 days
                _item("2", "in_progress", "2026-06-01"),  # overdue, tied with SCR-B 1
                _item("3", "not_started", "2027-01-20"),  # falls due
                _item(  # waiting since it was marked implemented, after its evidence
                    "4",
                    "implemented",
                    "2027-06-01",
                    evidence=_evidence("2026-11-01"),
                    updates=[_marked("2026-11-05")],
                ),
                _item(  # changed, still open, due in June
                    "5",
                    "in_progress",
                    "2027-06-01",
                    updates=[{"date": "2026-10-15", "author": "Lead", "note": "Began."}],
                ),
                _item(  # changed, closed since (only to be noted)
                    "6",
                    "closed",
                    "2026-01-01",
                    evidence=EVIDENCE,
                    assured_by="Chair",
                    updates=[{"date": "2026-11-01", "author": "Lead", "note": "Done."}],
                ),
                _item(  # waiting since its evidence came, after it was marked implemented
                    "7",
                    "implemented",
                    "2027-06-01",
                    evidence=_evidence("2026-10-20"),
                    updates=[_marked("2026-08-01")],
                ),
            ],
        },
        {
            "reference": "SCR-B",
            "kind": "scr",
            "title": "Child B (fictional)",
            "recommendations": [
                _item("1", "in_progress", "2026-06-01"),
                _item("2", "in_progress", "2026-03-01"),  # the longest overdue of all
                _item("3", "not_started", "2026-12-20"),  # the soonest due
                _item(  # implemented (no log entry says when): its evidence since September
                    "4", "implemented", "2027-06-01", evidence=_evidence("2026-09-01")
                ),
                _item(  # changed, open, with no target
                    "5",
                    "in_progress",
                    None,
                    updates=[{"date": "2026-11-01", "author": "Lead", "note": "Began."}],
                ),
                _item(  # changed, open, due in March: sooner than SCR-A 5
                    "6",
                    "in_progress",
                    "2027-03-01",
                    updates=[{"date": "2026-11-02", "author": "Lead", "note": "Began."}],
                ),
            ],
        },
    ],
    "grading_schemes": DATA["grading_schemes"],
    "inspections": [
        {**DATA["inspections"][0], "reference": "INSP-LATE", "published": "2026-11-25"},
        {**DATA["inspections"][0], "reference": "INSP-SOON", "published": "2026-11-10"},
    ],
}


@pytest.fixture
def pressing(database: Database) -> Database:
    """PRESSING, the meeting before and this meeting (no next one is booked)."""
    with database.transaction("setup") as session:
        apply_document(session, parse_document(json.loads(json.dumps(PRESSING))))
        meetings.create_meeting(session, MeetingFields(PREVIOUS, KEY.title, CHAIR))
        meetings.create_meeting(session, MeetingFields(HELD, KEY.title, CHAIR))
    return database


def test_each_reason_puts_its_most_pressing_first_across_all_reviews(pressing: Database) -> None:
    """Found by a new user: the 200 entries an agenda holds were all from the first six
    reviews by reference, in item order, and the other 294 reviews never reached it. Within
    each reason the most pressing now come first across the tracker; ties go by review and
    number."""
    with pressing.session() as session:
        proposed = meetings.propose_agenda(session, KEY, TODAY)
    a, b = (lambda n: ItemKey("SCR-A", n)), (lambda n: ItemKey("SCR-B", n))
    assert [p.what for p in proposed] == [
        # awaiting sign-off, the longest waiting first: since 1 September (its evidence; no
        # log entry says when it was implemented), 20 October (its evidence came after it was
        # marked implemented on 1 August), 5 November (marked implemented after its evidence)
        b("4"),
        a("7"),
        a("4"),
        # overdue, the longest first: March, June (SCR-A before SCR-B), 20 November
        b("2"),
        a("2"),
        b("1"),
        a("1"),
        # falling due, the soonest first
        b("3"),
        a("3"),
        # changed, still open and due soonest first, then open with no target, then closed
        b("6"),
        a("5"),
        b("5"),
        a("6"),
        # inspections' deadlines, the soonest first (INSP-SOON's first is 22 December)
        SourceKey("INSP-SOON", inspection=True),
        SourceKey("INSP-LATE", inspection=True),
    ]
    with pressing.session() as session:
        proposal = meetings.agenda_proposal(session, KEY, TODAY)
    G = meetings.Ground
    assert proposal.grounds == (
        *[G.SIGN_OFF] * 3,
        *[G.OVERDUE] * 4,
        *[G.FALLING_DUE] * 2,
        *[G.CHANGED] * 4,
        *[G.DEADLINE] * 2,
    )
    reasons = {p.what: p.reason for p in proposed}
    assert reasons[a("4")] == (
        "Awaiting sign-off: implemented, 1 piece of evidence. Changed since the last meeting on "
        "1 October 2026: 1 progress update"
    )
    assert reasons[b("2")] == "Overdue: the target was 1 March 2026"
    assert list(proposal.entries) == proposed


def test_a_withdrawn_update_does_not_say_when_an_item_was_implemented(
    pressing: Database,
) -> None:
    """SCR-A 4's entry marking it implemented on 5 November withdrawn, nothing in its log
    says when it was implemented: it waits from its evidence of 1 November, so before SCR-A 7,
    whose evidence is moved to 3 November (after its entry of 1 August)."""
    with pressing.transaction("t") as session:
        which = editing.UpdateKey(
            dt.date(2026, 11, 5), "Lead", Status.IMPLEMENTED, "Now implemented."
        )
        editing.withdraw_update(
            session, ItemKey("SCR-A", "4"), which, by="Lead", reason="Entered in error."
        )
        rec = editing.item_by_key(session, ItemKey("SCR-A", "7"))
        rec.evidence[0].added_at = dt.datetime(2026, 11, 3, 9, tzinfo=dt.UTC)
    with pressing.session() as session:
        entries = meetings.propose_agenda(session, KEY, TODAY)
    assert [p.what for p in entries[:3]] == [
        ItemKey("SCR-B", "4"),
        ItemKey("SCR-A", "4"),  # since its evidence, 1 November
        ItemKey("SCR-A", "7"),  # since its evidence, 3 November
    ]


def test_what_the_agenda_limit_leaves_out_is_said_in_one_sentence(pressing: Database) -> None:
    with pressing.session() as session:
        proposal = meetings.agenda_proposal(session, KEY, TODAY)
    assert len(proposal.entries) == 15
    # The inspections' two deadlines (statutory dates, last in the order) are always kept.
    assert proposal.kept(5) == [*proposal.entries[:3], *proposal.entries[13:]]
    assert proposal.left_out(5) == (
        "An agenda holds at most 5 entries, so 10 of the 15 proposed are left out: 4 overdue, "
        "2 falling due and 4 changed since the last meeting."
    )
    assert proposal.kept(2) == list(proposal.entries[13:])
    assert proposal.left_out(2) == (
        "An agenda holds at most 2 entries, so 13 of the 15 proposed are left out: 3 awaiting "
        "sign-off, 4 overdue, 2 falling due and 4 changed since the last meeting."
    )
    assert proposal.left_out(1) == (
        "An agenda holds at most 1 entry, so 14 of the 15 proposed are left out: 3 awaiting "
        "sign-off, 4 overdue, 2 falling due, 4 changed since the last meeting and 1 "
        "inspection with a deadline."
    )
    assert proposal.left_out(14) == (
        "An agenda holds at most 14 entries, so 1 of the 15 proposed is left out: 1 changed "
        "since the last meeting."
    )
    assert proposal.left_out(8) == (
        "An agenda holds at most 8 entries, so 7 of the 15 proposed are left out: 1 overdue, "
        "2 falling due and 4 changed since the last meeting."
    )
    # Three places kept for what the meeting has decided about (``keeping_decided``): the
    # proposal has the rest, and the sentence says so rather than "at most 5".
    assert proposal.left_out(5, decided=3) == (
        "An agenda holds at most 8 entries, 3 of them for what the meeting has decided about, "
        "so 10 of the 15 proposed are left out: 4 overdue, 2 falling due and 4 changed since "
        "the last meeting."
    )
    assert proposal.left_out(15) is None and proposal.kept(15) == list(proposal.entries)
    assert proposal.left_out() is None and len(proposal.kept()) == 15  # the real limit, 200
    assert meetings.AgendaProposal().left_out() is None


def test_the_limit_keeps_the_most_overdue_across_many_reviews(database: Database) -> None:
    """As the new user's generated tracker: more overdue items than an agenda holds, spread
    over reviews whose first by reference hold the least overdue. The agenda keeps the most
    overdue, from every review, and says how many it leaves out."""
    limit = meetings.AGENDA_LIMIT
    start = dt.date(2024, 1, 1)
    per_review = 30
    reviews = []
    for r in range(1, limit // per_review + 3):  # more items than an agenda holds
        items = [
            # the later the review's reference, the earlier its targets
            _item(str(n), "in_progress", (start + dt.timedelta(days=1000 - 7 * r - n)).isoformat())
            for n in range(1, per_review + 1)
        ]
        reviews.append(
            {
                "reference": f"SCR-{r:03}",
                "kind": "scr",
                "title": f"Review {r} (fictional)",
                "recommendations": items,
            }
        )
    with database.transaction("setup") as session:
        apply_document(session, parse_document({"format": "casereview/1", "reviews": reviews}))
        meetings.create_meeting(session, MeetingFields(HELD, KEY.title, CHAIR))
    with database.session() as session:
        proposal = meetings.agenda_proposal(session, KEY, TODAY)
        kept = proposal.kept()
        targets = {
            key: editing.item_by_key(session, key).target_date
            for key in (p.what for p in proposal.entries)
            if isinstance(key, ItemKey)
        }
    total = len(reviews) * per_review
    assert len(proposal.entries) == total and len(kept) == limit
    dates = [targets[p.what] for p in kept if isinstance(p.what, ItemKey)]
    assert dates == sorted(dates)
    assert max(dates) <= min(targets[p.what] for p in proposal.entries[limit:])  # type: ignore[index]
    assert kept[0].what == ItemKey(reviews[-1]["reference"], str(per_review))
    assert {p.what.source for p in kept if isinstance(p.what, ItemKey)} != {"SCR-001"}
    assert proposal.left_out() == (
        f"An agenda holds at most {limit} entries, so {total - limit} of the {total} proposed "
        f"are left out: {total - limit} overdue."
    )


def _long_review(database: Database) -> list[AgendaEntry]:
    """A review of one item more than an agenda holds, with each of its items as an entry."""
    count = meetings.AGENDA_LIMIT + 1
    items = [_item(str(n), "in_progress", "2026-11-01") for n in range(1, count + 1)]
    review = {"reference": "SCR-LONG", "kind": "scr", "title": "Long (fictional)"}
    data = {"format": "casereview/1", "reviews": [{**review, "recommendations": items}]}
    with database.transaction("setup") as session:
        apply_document(session, parse_document(data))
    return [AgendaEntry(ItemKey("SCR-LONG", str(n)), "Overdue") for n in range(1, count + 1)]


def test_an_agenda_longer_than_the_limit_is_refused_changing_nothing(panel: Database) -> None:
    """Found by a new user: nothing stopped an agenda of 41,557 entries, which froze meeting
    mode. As many entries as an agenda holds are stored; one more is refused."""
    entries = _long_review(panel)
    with panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, entries[:-1])
    with panel.session() as session:
        assert len(meetings.agenda(session, KEY)) == meetings.AGENDA_LIMIT
    before = _snapshot(panel)
    with pytest.raises(RuleError) as caught, panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, entries)
    assert caught.value.message == (
        f"An agenda holds at most {meetings.AGENDA_LIMIT} entries and this one has "
        f"{meetings.AGENDA_LIMIT + 1}: take some off before saving it."
    )
    assert _snapshot(panel) == before


def test_a_file_with_a_meeting_agenda_longer_than_the_limit_is_refused_changing_nothing(
    panel: Database,
) -> None:
    entries = _long_review(panel)
    with panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, entries[:-1])
    exported, _ = _snapshot(panel)
    data = json.loads(exported)
    assert data["meetings"][1]["title"] == KEY.title
    data["meetings"][1]["agenda"].append({"review": "SCR-LONG", "number": str(len(entries))})
    before = _snapshot(panel)
    with pytest.raises(CaseReviewError) as caught, panel.transaction("t") as session:
        apply_document(session, parse_document(data))
    assert caught.value.message == (
        "meeting '2026-12-10', agenda: the meeting 'Case Review Subgroup' has "
        f"{meetings.AGENDA_LIMIT + 1} entries on its agenda, and an agenda holds at most "
        f"{meetings.AGENDA_LIMIT}"
    )
    assert _snapshot(panel) == before


def test_the_agenda_is_read_in_as_many_queries_whatever_its_length(panel: Database) -> None:
    """Each line's item, agencies, updates and evidence were read one by one (an agenda of
    41,557 entries took a minute to show); now a few queries read them all."""
    entries = _long_review(panel)
    counted: list[int] = []

    def queries_for(agenda: list[AgendaEntry]) -> int:
        with panel.transaction("t") as session:
            meetings.set_agenda(session, KEY, agenda)
        statements: list[str] = []

        def note(*args: Any) -> None:
            statements.append(args[2])

        event.listen(panel.engine, "before_cursor_execute", note)
        try:
            with panel.session() as session:
                lines = meetings.agenda(session, KEY)
        finally:
            event.remove(panel.engine, "before_cursor_execute", note)
        counted.append(len(lines))
        return len(statements)

    assert queries_for(entries[:2]) == queries_for(entries[:-1])
    assert counted == [2, meetings.AGENDA_LIMIT]


# ----------------------------------------------------------------------------- decisions


DECISIONS = {
    DecisionKind.SIGNED_OFF: (
        "1",
        DecisionEntry(DecisionKind.SIGNED_OFF, "Audit seen."),
        "Case Review Subgroup, 10 December 2026: signed off on the evidence; assurance given "
        f"by {CHAIR}. Audit seen.",
    ),
    DecisionKind.EXTENDED: (
        "2",
        DecisionEntry(DecisionKind.EXTENDED, "Staff shortages.", dt.date(2027, 3, 31)),
        "Case Review Subgroup, 10 December 2026: target extended to 31 March 2027. "
        "Staff shortages.",
    ),
    DecisionKind.EVIDENCE_REQUESTED: (
        "2",
        DecisionEntry(DecisionKind.EVIDENCE_REQUESTED, "", dt.date(2027, 1, 31), "Agency X"),
        "Case Review Subgroup, 10 December 2026: evidence requested from Agency X by "
        "31 January 2027.",
    ),
    DecisionKind.ESCALATED: (
        "3",
        DecisionEntry(DecisionKind.ESCALATED, "No progress.", whom="the executive"),
        "Case Review Subgroup, 10 December 2026: escalated to the executive. No progress.",
    ),
    DecisionKind.NOTED: (
        "4",
        DecisionEntry(DecisionKind.NOTED),
        "Case Review Subgroup, 10 December 2026: noted.",
    ),
}


def _on_agenda(database: Database) -> None:
    with database.transaction("t") as session:
        meetings.set_agenda(session, KEY, meetings.propose_agenda(session, KEY, TODAY))


@pytest.mark.parametrize("kind", list(DecisionKind))
def test_a_decision_is_written_at_once_and_undone(panel: Database, kind: DecisionKind) -> None:
    number, entry, logged = DECISIONS[kind]
    _on_agenda(panel)
    with panel.session() as session:
        before = editing.item_fields(session, _rec(number))
        status_before = editing.status_state(session, _rec(number))
    with panel.transaction("Secretary") as session:
        key = meetings.decide(session, KEY, _rec(number), entry, on=HELD, actor="Secretary")
    with panel.session() as session:
        rec = editing.item_by_key(session, _rec(number))
        last = rec.updates[-1]
        assert (last.on, last.author, last.note) == (HELD, "Secretary", logged)
        if kind is DecisionKind.SIGNED_OFF:
            assert (rec.status, rec.assured_by, rec.assured_on) == (Status.CLOSED, CHAIR, HELD)
            assert last.status is Status.CLOSED
        else:
            assert rec.status is status_before.status and last.status is None
        expected_target = entry.until if kind is DecisionKind.EXTENDED else before.target_date
        assert rec.target_date == expected_target
        found = meetings.decisions(session, KEY)
        (line,) = found.decisions
        assert (line.key, line.kind_label, line.note, line.until, line.whom) == (
            key,
            kind.label,
            entry.note,
            entry.until,
            entry.whom,
        )
        assert (line.decided_on, line.decided_by, line.text) == (HELD, "Secretary", rec.text)
        has_action = kind in (
            DecisionKind.EXTENDED,
            DecisionKind.EVIDENCE_REQUESTED,
            DecisionKind.ESCALATED,
        )
        assert [(a.owner, a.due) for a in found.actions] == (
            [("Agency X", entry.until)] if has_action else []
        )
        audit = session.scalars(
            select(AuditEntry).where(
                AuditEntry.entity == "decisions", AuditEntry.action == "create"
            )
        ).all()
        assert len(audit) == 1 and audit[0].actor == "Secretary"
        assert kind.value in (audit[0].new or "")
    with panel.transaction("Secretary") as session:
        meetings.undo_decision(session, key, author="Secretary")
    with panel.session() as session:
        rec = editing.item_by_key(session, _rec(number))
        assert editing.status_state(session, _rec(number)) == status_before
        assert rec.target_date == before.target_date
        # The log is append-only: the decision's entry stays, withdrawn with the reason, and
        # nothing is dated another day (found by a new user: a correction dated today made
        # the undone decision a change in the next pack).
        last = rec.updates[-1]
        assert (last.on, last.note, last.withdrawn_by) == (HELD, logged, "Secretary")
        assert last.withdrawn_reason == f"The decision ({kind.label.lower()}) was undone."
        assert [u.on for u in rec.updates if u.on > PREVIOUS and u.note == logged] == [HELD]
        assert meetings.decisions(session, KEY).decisions == ()


def test_the_minutes_list_decisions_in_the_agendas_order(panel: Database) -> None:
    """A chair who took a later entry first had minutes listing it first, against the agenda
    the panel held (found by a trial); the decisions themselves stay in the order made."""
    _on_agenda(panel)
    with panel.session() as session:
        entries = meetings.stored_entries(session, KEY)
    items = [e.what for e in entries if isinstance(e.what, ItemKey)]
    assert len(items) >= 3
    first, second, third = items[:3]
    noted = DecisionEntry(DecisionKind.NOTED)
    for item, note in ((third, "Third, taken first."), (first, "First."), (third, "Third again.")):
        with panel.transaction("t") as session:
            meetings.decide(session, KEY, item, replace(noted, note=note), on=HELD, actor="t")
    with panel.transaction("t") as session:
        extended = DecisionEntry(DecisionKind.EXTENDED, until=HELD + dt.timedelta(days=90))
        meetings.decide(session, KEY, second, extended, on=HELD, actor="t")
    with panel.session() as session:
        made = meetings.decisions(session, KEY).decisions
        said = meetings.minutes(session, KEY).decided
    assert [line.key.item for line in made] == [third, first, third, second]
    assert [(line.key.item, line.note) for line in said.decisions] == [
        (first, "First."),
        (second, ""),
        (third, "Third, taken first."),
        (third, "Third again."),
    ]
    assert [action.item for action in said.actions] == [second]


def test_a_meetings_own_decision_is_not_a_change_since_the_last_meeting(
    panel: Database,
) -> None:
    """Proposed again once held (``meeting agenda --accept``), an item the meeting only noted
    was "changed since the last meeting: 1 progress update", its own decision's log entry
    (found by a trial); a progress update dated the meeting's day still counts."""
    _on_agenda(panel)
    changed = "Changed since the last meeting"
    with panel.session() as session:
        before = {e.what: e.reason for e in meetings.propose_agenda(session, KEY, TODAY)}
    quiet = [w for w, why in before.items() if isinstance(w, ItemKey) and changed not in why]
    assert len(quiet) >= 2
    noted, updated = quiet[:2]
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, noted, DecisionEntry(DecisionKind.NOTED), on=HELD, actor="t")
        meetings.decide(
            session, KEY, updated, DecisionEntry(DecisionKind.NOTED, note="Again."), on=HELD,
            actor="t",
        )  # fmt: skip
        rec = editing.item_by_key(session, updated)
        record_update(session, rec.id, on=HELD, author="t", note="Audit completed.")
    with panel.session() as session:
        after = {e.what: e.reason for e in meetings.propose_agenda(session, KEY, TODAY)}
    assert changed not in after.get(noted, "")
    assert f"{changed} on " in after[updated] and after[updated].endswith("1 progress update")


def test_the_same_decision_twice_is_refused(panel: Database) -> None:
    """A trial ran `meeting decide` twice: the escalation was recorded twice and the minutes
    and action log listed it twice. The very same decision (kind, note, date, person) is
    refused the second time, changing nothing; another note, or another kind, is not."""
    _on_agenda(panel)
    with panel.session() as session:
        item = next(
            e.what for e in meetings.stored_entries(session, KEY) if isinstance(e.what, ItemKey)
        )
    escalated = DecisionEntry(DecisionKind.ESCALATED, note="No progress.", whom="the executive")
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, item, escalated, on=HELD, actor="t")
    before = _snapshot(panel)
    with panel.transaction("t") as session, pytest.raises(RuleError) as caught:
        meetings.decide(session, KEY, item, escalated, on=HELD, actor="someone else")
    assert caught.value.message.endswith(
        "has that decision from the meeting Case Review Subgroup, 10 December 2026 already; "
        "nothing was changed."
    )
    assert _snapshot(panel) == before
    with panel.transaction("t") as session:
        meetings.decide(
            session, KEY, item, replace(escalated, note="Still none."), on=HELD, actor="t"
        )
        meetings.decide(session, KEY, item, DecisionEntry(DecisionKind.NOTED), on=HELD, actor="t")
    with panel.session() as session:
        assert len(meetings.decisions(session, KEY).decisions) == 3


def test_undo_refuses_when_the_item_changed_since(panel: Database) -> None:
    _on_agenda(panel)
    number, entry, _ = DECISIONS[DecisionKind.EXTENDED]
    with panel.transaction("t") as session:
        key = meetings.decide(session, KEY, _rec(number), entry, on=HELD, actor="t")
    with panel.transaction("t") as session:
        fields = editing.item_fields(session, _rec(number))
        editing.update_item(
            session, _rec(number), editing.ItemFields(**{**fields.__dict__, "target_date": None})
        )
    with panel.transaction("t") as session, pytest.raises(ConflictError):
        meetings.undo_decision(session, key, author="t")


REFUSALS: list[tuple[MeetingKey, ItemKey, DecisionEntry, type[CaseReviewError], str]] = [
    (  # found by a new user: a request due in 2020 went into the action log
        KEY,
        _rec("3"),
        DecisionEntry(
            DecisionKind.EVIDENCE_REQUESTED, until=dt.date(2020, 1, 1), whom="Police (fictional)"
        ),
        RuleError,
        "The evidence cannot be due before the meeting that asks for it, 10 December 2026.",
    ),
    (  # found by a trial: a target "extended" to a date already past, overdue as recorded
        KEY,
        _rec("2"),  # its target 1 December 2026: 5 December is after it, before the meeting
        DecisionEntry(DecisionKind.EXTENDED, until=dt.date(2026, 12, 5)),
        RuleError,
        "The new target date cannot be before the meeting that extends it, 10 December 2026.",
    ),
    (
        MeetingKey(HELD, "Other"),
        _rec("1"),
        DecisionEntry(DecisionKind.NOTED),
        NotFoundError,
        "There is no meeting called Other on 10 December 2026.",
    ),
    (
        KEY,
        _rec("5"),
        DecisionEntry(DecisionKind.NOTED),
        RuleError,
        "Recommendation 5 of SCR-1 is not on the agenda of Case Review Subgroup, "
        "10 December 2026: add it to the agenda first.",
    ),
    (
        KEY,
        _rec("2"),
        DecisionEntry(DecisionKind.SIGNED_OFF),
        RuleError,
        "Recommendation 2 of SCR-1 cannot be closed: it has no evidence; "
        "add at least one evidence item first.",
    ),
    (
        KEY,
        _rec("6"),
        DecisionEntry(DecisionKind.SIGNED_OFF),
        RuleError,
        "Recommendation 6 of SCR-1 is already signed off.",
    ),
    (
        KEY,
        _rec("2"),
        DecisionEntry(DecisionKind.EXTENDED, until=dt.date(2026, 11, 30)),
        RuleError,
        "The new target date must be after the current one, 1 December 2026.",
    ),
    (
        KEY,
        _rec("2"),
        DecisionEntry(DecisionKind.EXTENDED),
        RuleError,
        "Give the new target date.",
    ),
    (
        KEY,
        _rec("2"),
        DecisionEntry(DecisionKind.EVIDENCE_REQUESTED, whom="Agency X"),
        RuleError,
        "Say whom the evidence is requested from, and by when.",
    ),
    (
        KEY,
        _rec("2"),
        DecisionEntry(DecisionKind.EVIDENCE_REQUESTED, until=dt.date(2027, 1, 1)),
        RuleError,
        "Say whom the evidence is requested from, and by when.",
    ),
    (
        KEY,
        _rec("3"),
        DecisionEntry(DecisionKind.ESCALATED, "why"),
        RuleError,
        "Say to whom the item is escalated.",
    ),
]


def test_each_refusal_is_one_sentence_and_changes_nothing(panel: Database) -> None:
    with panel.transaction("t") as session:
        proposed = meetings.propose_agenda(session, KEY, TODAY)
        meetings.set_agenda(session, KEY, [*proposed, AgendaEntry(_rec("6"), "Closed")])
    before = _snapshot(panel)
    for meeting, item, entry, error, message in REFUSALS:
        with pytest.raises(error) as caught, panel.transaction("t") as session:
            meetings.decide(session, meeting, item, entry, on=HELD, actor="t")
        assert caught.value.message == message
        assert _snapshot(panel) == before


def test_sign_off_needs_a_chair(panel: Database) -> None:
    _on_agenda(panel)
    with panel.transaction("t") as session:
        fields = meetings.meeting_fields(session, KEY)
        meetings.update_meeting(session, KEY, MeetingFields(**{**fields.__dict__, "chair": ""}))
    before = _snapshot(panel)
    entry = DecisionEntry(DecisionKind.SIGNED_OFF)
    with (
        pytest.raises(RuleError, match="has no chair") as caught,
        panel.transaction("t") as session,
    ):
        meetings.decide(session, KEY, _rec("1"), entry, on=HELD, actor="t")
    assert caught.value.message.count(". ") == 0
    assert _snapshot(panel) == before


def test_every_refusal_a_decision_can_get_is_one_sentence(panel: Database) -> None:
    """What meeting mode shows beside the field before its dialog closes (decision_refusal):
    the lifecycle's "no evidence" refusal was two sentences (found by a new user)."""
    with panel.transaction("t") as session:
        proposed = meetings.propose_agenda(session, KEY, TODAY)
        meetings.set_agenda(session, KEY, [*proposed, AgendaEntry(_rec("6"), "Closed")])
    noted = DecisionKind.NOTED
    asked = [(meeting, item, entry) for meeting, item, entry, _, _ in REFUSALS] + [
        (KEY, _rec("3"), DecisionEntry(noted, "x" * (fields.TEXT + 1))),
        (KEY, _rec("3"), DecisionEntry(noted, "Paid \u202eexe.pdf")),
        (KEY, _rec("3"), DecisionEntry(DecisionKind.ESCALATED, whom="x" * (fields.NAME + 1))),
        (KEY, _rec("99"), DecisionEntry(noted)),
    ]
    said = [meetings.decision_refusal(panel, *case, on=TODAY) for case in asked]
    with panel.transaction("t") as session:
        chaired = meetings.meeting_fields(session, KEY)
        meetings.update_meeting(session, KEY, MeetingFields(**{**chaired.__dict__, "chair": ""}))
    said.append(
        meetings.decision_refusal(
            panel, KEY, _rec("1"), DecisionEntry(DecisionKind.SIGNED_OFF), on=TODAY
        )
    )
    for case, message in zip([*asked, "no chair"], said, strict=True):
        assert message is not None, case
        # One sentence: it ends in a full stop and none inside is followed by a capital.
        assert message.endswith(".") and not re.search(r"[.!?] [A-Z]", message), message


def test_an_item_of_a_source_on_the_agenda_may_be_decided(panel: Database) -> None:
    with panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, [AgendaEntry(SourceKey("SCR-1"), "")])
        meetings.decide(
            session, KEY, _rec("5"), DecisionEntry(DecisionKind.NOTED), on=HELD, actor="t"
        )


# ----------------------------------------------------------------------------- meetings


def test_a_meeting_is_named_by_its_date(panel: Database) -> None:
    with panel.session() as session:
        assert meetings.meeting_by_date(session, HELD) == KEY
        with pytest.raises(NotFoundError) as missing:
            meetings.meeting_by_date(session, HELD + dt.timedelta(days=1))
        # The refusal leads to the meeting meant: the nearest one's day.
        assert missing.value.message == (
            "There is no meeting on 11 December 2026; the nearest is on 10 December 2026."
        )
    with panel.transaction("t") as session:
        meetings.create_meeting(session, MeetingFields(HELD, "Executive"))
    with panel.session() as session:
        with pytest.raises(RuleError) as caught:
            meetings.meeting_by_date(session, HELD)
        assert caught.value.message == (
            "There are 2 meetings on 10 December 2026 (Case Review Subgroup and Executive): "
            "give the title too."
        )
        assert meetings.meeting_by_date(session, HELD, "Executive").title == "Executive"


def test_meeting_problems_edits_and_deletion_with_undo(panel: Database) -> None:
    with panel.session() as session:
        problems = meetings.check_meeting(
            session,
            MeetingFields(
                HELD, KEY.title, "A; B", attendees=(Person("X"),), apologies=(Person("X"),)
            ),
        )
        fields = meetings.meeting_fields(session, KEY)
    assert set(problems.by_field) == {"title", "chair", "apologies"}
    assert fields.attendees[1] == Person("Lead", "Agency X") and fields.apologies == (
        Person("Nurse", "Health"),
    )
    _on_agenda(panel)
    with panel.transaction("t") as session:
        meetings.decide(
            session, KEY, _rec("4"), DecisionEntry(DecisionKind.NOTED), on=HELD, actor="t"
        )
    before = _snapshot(panel)
    with panel.transaction("t") as session:
        snapshot = meetings.delete_meeting(session, KEY)
    assert _snapshot(panel) != before
    with panel.transaction("t") as session:
        assert meetings.restore_meeting(session, snapshot) == KEY
    assert _snapshot(panel) == before
    with panel.transaction("t") as session:
        version = meetings.meeting_fields(session, KEY).version
        renamed = meetings.update_meeting(
            session,
            KEY,
            MeetingFields(**{**fields.__dict__, "title": "Subgroup"}),
            expected=version,
        )
    assert renamed == MeetingKey(HELD, "Subgroup")
    with panel.transaction("t") as session, pytest.raises(ConflictError):
        meetings.update_meeting(session, renamed, fields, expected=version)


def test_a_meeting_with_decisions_keeps_its_date(panel: Database) -> None:
    """Found by a new user: a meeting moved to a later day after its decisions kept them
    dated the day it was held (and its items' logs said so), its minutes said the new day,
    and its next decision was refused as "still to come". Its date now stays; its title may
    change, and a meeting with no decision may still move."""
    with panel.transaction("t") as session:
        fields = meetings.meeting_fields(session, KEY)
        moved = MeetingFields(**{**fields.__dict__, "held_on": HELD + dt.timedelta(days=14)})
        assert "held_on" not in meetings.check_meeting(session, moved, editing=KEY).by_field
    _on_agenda(panel)
    with panel.transaction("t") as session:
        meetings.decide(
            session, KEY, _rec("4"), DecisionEntry(DecisionKind.NOTED), on=HELD, actor="t"
        )
    before = _snapshot(panel)
    with pytest.raises(RuleError) as caught, panel.transaction("t") as session:
        meetings.update_meeting(session, KEY, moved)
    assert caught.value.message == (
        f"The meeting's 1 decision is recorded as taken on {format_date(HELD)}, as its items' "
        "logs say, so its date cannot change; its title, people and notes can."
    )
    assert _snapshot(panel) == before
    with panel.transaction("t") as session:
        retitled = MeetingFields(**{**fields.__dict__, "title": "Panel, renamed"})
        assert meetings.update_meeting(session, KEY, retitled) == MeetingKey(HELD, "Panel, renamed")


def test_an_item_decided_at_the_meeting_stays_on_its_agenda(panel: Database) -> None:
    """Found by a new user: an item decided at the meeting could be taken off its agenda;
    the decision stayed in the minutes and the next one about it was refused as "not on the
    agenda"."""
    _on_agenda(panel)
    with panel.transaction("t") as session:
        meetings.decide(
            session, KEY, _rec("4"), DecisionEntry(DecisionKind.NOTED), on=HELD, actor="t"
        )
        stored = [line.entry for line in meetings.agenda(session, KEY)]
    before = _snapshot(panel)
    rest = [entry for entry in stored if entry.what != _rec("4")]
    with pytest.raises(RuleError) as caught, panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, rest)
    assert caught.value.message == (
        "The meeting decided about recommendation 4 of SCR-1, so it stays on the agenda; "
        "undo that decision first to take it off."
    )
    assert _snapshot(panel) == before
    with panel.transaction("t") as session:  # another order keeps it: stored
        meetings.set_agenda(session, KEY, stored[::-1])


def test_an_agenda_replaced_keeps_first_what_the_meeting_decided_about(panel: Database) -> None:
    """``keeping_decided``: what ``meeting agenda --accept`` stores once the meeting has begun
    deciding (it was refused outright). Kept first, in the stored order and with the stored
    reasons, every entry the meeting decided about, whether or not the new agenda holds it
    (a trial found a held meeting's decided items reordered and given today's reasons); the
    new agenda's own entry for the same thing gives way."""
    stored = [
        AgendaEntry(_rec("6"), "Added by the chair"),
        AgendaEntry(_rec("5"), "Not decided"),
        AgendaEntry(SourceKey("SCR-1"), "The whole review"),
        AgendaEntry(_rec("4"), "Overdue"),
        AgendaEntry(SourceKey("INSP-1", inspection=True), "Deadline"),
    ]
    with panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, stored)
        noted = DecisionEntry(DecisionKind.NOTED)
        for what in (_rec("4"), _rec("6"), SourceKey("SCR-1")):
            meetings.decide(session, KEY, what, noted, on=HELD, actor="t")
    proposed = [AgendaEntry(_rec("4"), "Proposed today"), AgendaEntry(_rec("5"), "Proposed")]
    kept = [stored[0], stored[2], stored[3]]  # 6, the whole review, 4: as stored
    with panel.session() as session:
        assert meetings.keeping_decided(session, KEY, proposed) == [*kept, proposed[1]]
        assert meetings.keeping_decided(session, KEY, []) == kept
    with panel.transaction("t") as session:  # and what it gives is stored
        meetings.set_agenda(session, KEY, meetings.keeping_decided(session, KEY, proposed))


def test_an_item_decided_on_its_whole_review_s_entry_keeps_that_entry(panel: Database) -> None:
    """An item decided about while on the agenda only with its whole review keeps the
    review's entry (the item has none of its own to keep)."""
    with panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, [AgendaEntry(SourceKey("SCR-1"), "The whole review")])
        meetings.decide(
            session, KEY, _rec("4"), DecisionEntry(DecisionKind.NOTED), on=HELD, actor="t"
        )
    with panel.session() as session:
        assert meetings.keeping_decided(session, KEY, [AgendaEntry(_rec("4"), "Proposed")]) == [
            AgendaEntry(SourceKey("SCR-1"), "The whole review"),
            AgendaEntry(_rec("4"), "Proposed"),
        ]


def test_an_agenda_stored_meanwhile_is_not_replaced_unawares(panel: Database) -> None:
    _on_agenda(panel)
    with panel.session() as session:
        shown = [line.entry for line in meetings.agenda(session, KEY)]
    with panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, shown[::-1])
    before = _snapshot(panel)
    with pytest.raises(ConflictError, match="changed elsewhere"), panel.transaction("t") as s:
        meetings.set_agenda(s, KEY, shown[1:], expected=shown)
    assert _snapshot(panel) == before
    with panel.transaction("t") as session:
        meetings.set_agenda(session, KEY, shown[1:], expected=shown[::-1])


def test_deleting_and_restoring_an_item_keeps_its_meetings(panel: Database) -> None:
    _on_agenda(panel)
    with panel.transaction("t") as session:
        meetings.decide(
            session, KEY, _rec("4"), DecisionEntry(DecisionKind.NOTED), on=HELD, actor="t"
        )
    before = _snapshot(panel)
    with panel.transaction("t") as session:
        snapshot = editing.remove_item(session, _rec("4"), TODAY)
    with panel.transaction("t") as session:
        editing.restore_item(session, snapshot, TODAY)
    assert _snapshot(panel) == before


# ----------------------------------------------------------------------------- JSON and sample


def test_meetings_round_trip_exactly(panel: Database, tmp_path: Any) -> None:
    _on_agenda(panel)
    with panel.transaction("t") as session:
        for kind in (DecisionKind.SIGNED_OFF, DecisionKind.EVIDENCE_REQUESTED):
            number, entry, _ = DECISIONS[kind]
            meetings.decide(session, KEY, _rec(number), entry, on=HELD, actor="t")
    exported, _ = _snapshot(panel)
    data = json.loads(exported)
    assert [m["held_on"] for m in data["meetings"]] == ["2026-10-01", "2026-12-10"]
    assert data["meetings"][1]["apologies"] == [{"name": "Nurse", "agency": "Health"}]
    assert data["meetings"][1]["agenda"][-1] == {
        "inspection": "INSP-1",
        "reason": data["meetings"][1]["agenda"][-1]["reason"],
    }
    empty = open_database(resolve_location(str(tmp_path / "copy.sqlite3")), create=True)
    with empty:
        with empty.transaction("t") as session:
            apply_document(session, parse_document(json.loads(exported)))
        assert _snapshot(empty)[0] == exported
        with empty.transaction("t") as session:  # importing again adds nothing
            apply_document(session, parse_document(json.loads(exported)))
        assert _snapshot(empty) == _snapshot(panel)


def test_a_file_without_meetings_reads_and_is_written_without_them(database: Database) -> None:
    doc = parse_document({"format": "casereview/1"})
    assert doc.meetings == []
    assert "meetings" not in json.loads(dump_document(doc))


def test_the_sample_holds_a_past_meeting_with_logged_decisions_and_a_coming_one(
    sample_database: Database,
) -> None:
    with sample_database.session() as session:
        past, coming = sorted(meetings.meeting_rows(session, TODAY), key=lambda r: r.key.held_on)
        assert (past.coming, coming.coming) == (False, True)
        found = meetings.decisions(session, past.key)
        assert {d.kind for d in found.decisions} == set(DecisionKind)
        chair = meetings.meeting_fields(session, past.key).chair
        for line in found.decisions:
            item = ItemKey(line.source, line.number, TrackedKind.RECOMMENDATION)
            entry = DecisionEntry(line.kind, line.note, line.until, line.whom)
            logged = [(u.on, u.note) for u in editing.item_by_key(session, item).updates]
            said = meetings.decision_log_text(past.key, chair, entry)
            assert (past.key.held_on, said) in logged
        proposed = meetings.propose_agenda(session, coming.key, TODAY)
        assert [line.entry for line in meetings.agenda(session, coming.key)] == proposed
        assert proposed and all(p.reason for p in proposed)


def test_a_decision_is_asked_about_without_being_recorded(panel: Database) -> None:
    """What meeting mode's dialog asks before it closes: the refusal ``decide`` would give,
    or None, and in either case nothing written (not even to the audit trail)."""
    _on_agenda(panel)
    before = _snapshot(panel)
    with panel.session() as session:
        audits = session.scalar(select(func.count(AuditEntry.id)))
    wrong = DecisionEntry(DecisionKind.EXTENDED, until=dt.date(2020, 1, 1))
    refused = meetings.decision_refusal(panel, KEY, _rec("3"), wrong, on=HELD)
    assert refused is not None and refused.startswith("The new target date must be after")
    noted = DecisionEntry(DecisionKind.NOTED, note="Seen")
    assert meetings.decision_refusal(panel, KEY, _rec("3"), noted, on=HELD) is None
    assert _snapshot(panel) == before
    with panel.session() as session:
        assert session.scalar(select(func.count(AuditEntry.id))) == audits


def test_a_meeting_still_to_come_takes_no_decision(panel: Database) -> None:
    """One date rule: a decision is dated its meeting's day, so it cannot be recorded before
    that day (found by a new user: an item closed on a day still to come)."""
    _on_agenda(panel)
    before = _snapshot(panel)
    entry = DecisionEntry(DecisionKind.NOTED)
    day_before = HELD - dt.timedelta(days=1)
    with pytest.raises(RuleError) as caught, panel.transaction("t") as session:
        meetings.decide(session, KEY, _rec("1"), entry, on=day_before, actor="t")
    assert caught.value.message == (
        "The meeting Case Review Subgroup, 10 December 2026 is still to come: its decisions "
        "can be recorded from 10 December 2026."
    )
    assert _snapshot(panel) == before
    assert meetings.decision_refusal(panel, KEY, _rec("1"), entry, on=day_before) is not None


def test_a_decision_typed_in_days_later_is_dated_the_meeting_day(panel: Database) -> None:
    _on_agenda(panel)
    number, entry, _ = DECISIONS[DecisionKind.SIGNED_OFF]
    later = HELD + dt.timedelta(days=9)
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, _rec(number), entry, on=later, actor="t")
    with panel.session() as session:
        rec = editing.item_by_key(session, _rec(number))
        (line,) = meetings.decisions(session, KEY).decisions
        assert (line.decided_on, rec.updates[-1].on, rec.closed_on, rec.assured_on) == (
            HELD,
            HELD,
            HELD,
            HELD,
        )


def test_undo_then_redo_leaves_one_live_entry_and_no_change_from_the_undone_one(
    panel: Database,
) -> None:
    """Undo withdraws the decision's entry; deciding again (redo) writes one live entry; the
    next pack's changes since the meeting list the item once, from the live entry only."""
    _on_agenda(panel)
    number, entry, logged = DECISIONS[DecisionKind.NOTED]
    with panel.transaction("t") as session:
        key = meetings.decide(session, KEY, _rec(number), entry, on=HELD, actor="t")
    with panel.transaction("t") as session:
        meetings.undo_decision(session, key, author="t")
    with panel.session() as session:
        live = [u for u in editing.item_by_key(session, _rec(number)).updates if not u.withdrawn]
        assert all(u.on <= PREVIOUS or u.note != logged for u in live)
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, _rec(number), entry, on=HELD, actor="t")
    with panel.session() as session:
        rec = editing.item_by_key(session, _rec(number))
        assert [(u.note, u.withdrawn) for u in rec.updates if u.on == HELD] == [
            (logged, True),
            (logged, False),
        ]
        assert len(meetings.decisions(session, KEY).decisions) == 1


def test_an_action_ended_by_a_later_decision_of_the_meeting_is_not_in_the_action_log(
    panel: Database,
) -> None:
    """Found by a new user: an item escalated, then signed off at the same meeting, still had
    its escalation in the action log. Both decisions stay in the decision list."""
    _on_agenda(panel)
    number, signed, _ = DECISIONS[DecisionKind.SIGNED_OFF]
    other, extended, _ = DECISIONS[DecisionKind.EXTENDED]
    escalated = DecisionEntry(DecisionKind.ESCALATED, whom="Executive (fictional)")
    further = DecisionEntry(DecisionKind.EXTENDED, until=dt.date(2027, 6, 30))
    with panel.transaction("t") as session:
        for item, entry in (
            (number, escalated),
            (number, signed),
            (other, extended),
            (other, further),
        ):
            meetings.decide(session, KEY, _rec(item), entry, on=HELD, actor="t")
    with panel.session() as session:
        found = meetings.decisions(session, KEY)
    assert [d.kind for d in found.decisions] == [
        DecisionKind.ESCALATED,
        DecisionKind.SIGNED_OFF,
        DecisionKind.EXTENDED,
        DecisionKind.EXTENDED,
    ]
    assert [(a.item, a.kind, a.due) for a in found.actions] == [
        (_rec(other), DecisionKind.EXTENDED, dt.date(2027, 6, 30))
    ]


# ----------------------------------------------------------------------------- whole sources

INSPECTION = SourceKey("INSP-1", inspection=True)
REVIEW = SourceKey("SCR-1")
WHOLE: dict[DecisionKind, DecisionEntry] = {
    DecisionKind.NOTED: DecisionEntry(DecisionKind.NOTED, "Action plan seen."),
    DecisionKind.EVIDENCE_REQUESTED: DecisionEntry(
        DecisionKind.EVIDENCE_REQUESTED, until=dt.date(2027, 1, 20), whom="Agency X"
    ),
    DecisionKind.ESCALATED: DecisionEntry(DecisionKind.ESCALATED, whom="Executive (fictional)"),
}


def _sources_on_agenda(database: Database) -> None:
    with database.transaction("t") as session:
        meetings.set_agenda(
            session,
            KEY,
            [AgendaEntry(INSPECTION, "Action plan due"), AgendaEntry(REVIEW, "Whole review")],
        )


def _logs(database: Database) -> list[tuple[str, dt.date, str]]:
    with database.session() as session:
        return [
            (number, u.on, u.note)
            for number in ("1", "2", "3", "4", "5", "6")
            for u in editing.item_by_key(session, _rec(number)).updates
        ]


@pytest.mark.parametrize("kind", list(WHOLE))
def test_a_whole_inspection_on_the_agenda_takes_a_decision_and_its_undo(
    panel: Database, kind: DecisionKind
) -> None:
    """Found by a new user: a panel minutes an inspection's action plan as a whole. The
    decision is the meeting's row and the audit trail's entry only (no item's log), listed
    with no number, its owner the inspected organisation; undo deletes it."""
    _sources_on_agenda(panel)
    logs = _logs(panel)
    entry = WHOLE[kind]
    with panel.transaction("Secretary") as session:
        key = meetings.decide(session, KEY, INSPECTION, entry, on=HELD, actor="Secretary")
    assert key.item == INSPECTION and key.before is None and key.entry is None
    assert _logs(panel) == logs
    with panel.session() as session:
        found = meetings.decisions(session, KEY)
        (line,) = found.decisions
        assert (line.key, line.source, line.number, line.text, line.whole) == (
            key,
            "INSP-1",
            "",
            "An inspection (fictional)",
            "Whole inspection",
        )
        assert (line.note, line.until, line.whom, line.decided_on) == (
            entry.note,
            entry.until,
            entry.whom,
            HELD,
        )
        expected = [] if kind is DecisionKind.NOTED else [(INSPECTION, "Agency X", entry.until)]
        assert [(a.item, a.owner, a.due) for a in found.actions] == expected
        assert all((a.source, a.number, a.whole) == ("INSP-1", "", "Whole inspection")
                   for a in found.actions)  # fmt: skip
        audit = session.scalars(
            select(AuditEntry).where(AuditEntry.entity == "decisions").order_by(AuditEntry.id)
        ).all()
        assert [(a.action, a.actor) for a in audit] == [("create", "Secretary")]
    with panel.transaction("Secretary") as session:
        meetings.undo_decision(session, key, author="Secretary")
    with panel.session() as session:
        assert meetings.decisions(session, KEY).decisions == ()
        assert session.scalar(select(func.count(Decision.id))) == 0
        deleted = select(func.count(AuditEntry.id)).where(
            AuditEntry.entity == "decisions", AuditEntry.action == "delete"
        )
        assert (session.scalar(deleted) or 0) > 0
    assert _logs(panel) == logs


def test_a_whole_review_escalated_has_no_owner_and_is_listed_as_the_whole_review(
    panel: Database,
) -> None:
    """A review has no lead agencies of its own (its items have): its action's owner is
    empty, and the minutes name it "Whole review"."""
    _sources_on_agenda(panel)
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, REVIEW, WHOLE[DecisionKind.ESCALATED], on=HELD, actor="t")
        meetings.decide(session, KEY, INSPECTION, WHOLE[DecisionKind.NOTED], on=HELD, actor="t")
    with panel.session() as session:
        found = meetings.decisions(session, KEY)
    assert [(d.source, d.whole, d.kind) for d in found.decisions] == [
        ("SCR-1", "Whole review", DecisionKind.ESCALATED),
        ("INSP-1", "Whole inspection", DecisionKind.NOTED),
    ]
    assert [(a.item, a.owner, a.what) for a in found.actions] == [
        (REVIEW, "", "Escalated to Executive (fictional)")
    ]


SOURCE_REFUSALS: list[tuple[SourceKey, DecisionEntry, dt.date, str]] = [
    (
        INSPECTION,
        DecisionEntry(DecisionKind.SIGNED_OFF),
        HELD,
        "An inspection is signed off item by item: record the sign-off on each of its items.",
    ),
    (
        REVIEW,
        DecisionEntry(DecisionKind.EXTENDED, until=dt.date(2027, 6, 1)),
        HELD,
        "A review is given a new target item by item: record the new target on each of its "
        "recommendations.",
    ),
    (
        SourceKey("INSP-OLD", inspection=True),
        DecisionEntry(DecisionKind.NOTED),
        HELD,
        "Inspection INSP-OLD is not on the agenda of Case Review Subgroup, 10 December 2026 "
        "as a whole: add it to the agenda first.",
    ),
    (
        SourceKey("NONE", inspection=True),
        DecisionEntry(DecisionKind.NOTED),
        HELD,
        "There is no inspection with the reference 'NONE'.",
    ),
    (
        INSPECTION,
        DecisionEntry(DecisionKind.ESCALATED),
        HELD,
        "Say to whom the inspection is escalated.",
    ),
    (
        INSPECTION,
        DecisionEntry(DecisionKind.EVIDENCE_REQUESTED, whom="Agency X"),
        HELD,
        "Say whom the evidence is requested from, and by when.",
    ),
    (
        INSPECTION,
        DecisionEntry(DecisionKind.NOTED),
        HELD - dt.timedelta(days=1),
        "The meeting Case Review Subgroup, 10 December 2026 is still to come: its decisions "
        "can be recorded from 10 December 2026.",
    ),
]


def test_each_refusal_about_a_whole_source_is_one_sentence_and_changes_nothing(
    panel: Database,
) -> None:
    _sources_on_agenda(panel)
    before = _snapshot(panel)
    for what, entry, on, message in SOURCE_REFUSALS:
        with pytest.raises(CaseReviewError) as caught, panel.transaction("t") as session:
            meetings.decide(session, KEY, what, entry, on=on, actor="t")
        assert caught.value.message == message
        assert meetings.decision_refusal(panel, KEY, what, entry, on=on) == message
        assert _snapshot(panel) == before
    noted = WHOLE[DecisionKind.NOTED]
    assert meetings.decision_refusal(panel, KEY, INSPECTION, noted, on=HELD) is None
    assert _snapshot(panel) == before


def test_a_decision_about_a_whole_source_round_trips_exactly(
    panel: Database, tmp_path: Any
) -> None:
    _sources_on_agenda(panel)
    with panel.transaction("t") as session:
        for what, kind in (
            (INSPECTION, DecisionKind.EVIDENCE_REQUESTED),
            (REVIEW, DecisionKind.NOTED),
        ):
            meetings.decide(session, KEY, what, WHOLE[kind], on=HELD, actor="t")
    exported, count = _snapshot(panel)
    assert count == 2
    decided = json.loads(exported)["meetings"][1]["decisions"]
    assert [{k: d.get(k) for k in ("review", "inspection", "number", "kind")} for d in decided] == [
        {"review": None, "inspection": "INSP-1", "number": None, "kind": None},
        {"review": "SCR-1", "inspection": None, "number": None, "kind": None},
    ]
    empty = open_database(resolve_location(str(tmp_path / "copy.sqlite3")), create=True)
    with empty:
        with empty.transaction("t") as session:
            apply_document(session, parse_document(json.loads(exported)))
        assert _snapshot(empty) == (exported, 2)
        with empty.transaction("t") as session:  # importing again adds nothing
            apply_document(session, parse_document(json.loads(exported)))
        assert _snapshot(empty) == (exported, 2)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"inspection": "INSP-OLD"},
            "meeting of 2026-12-10 'Case Review Subgroup', decision 1: the inspection "
            "'INSP-OLD' is not on that meeting's agenda as a whole",
        ),
        (
            {"decision": "signed-off"},
            "meeting '2026-12-10', decision 1, decision: a whole review or inspection is "
            "noted, has evidence requested or is escalated: sign off or extend each of its items",
        ),
    ],
    ids=["not-on-the-agenda", "signed-off"],
)
def test_a_file_with_a_bad_decision_about_a_whole_source_is_refused_changing_nothing(
    panel: Database, change: dict[str, str], message: str
) -> None:
    _sources_on_agenda(panel)
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, INSPECTION, WHOLE[DecisionKind.NOTED], on=HELD, actor="t")
    exported, _ = _snapshot(panel)
    with panel.transaction("t") as session:
        meetings.undo_decision(
            session, meetings.decisions(session, KEY).decisions[0].key, author="t"
        )
    before = _snapshot(panel)
    data = json.loads(exported)
    data["meetings"][1]["decisions"][0].update(change)
    with pytest.raises(CaseReviewError) as caught, panel.transaction("t") as session:
        apply_document(session, parse_document(data))
    assert caught.value.message == message
    assert _snapshot(panel) == before


def test_deleting_and_restoring_a_source_keeps_the_decisions_about_it_as_a_whole(
    panel: Database,
) -> None:
    """Deleting a review or an inspection removes the decisions about it (the database's
    cascade); undoing the deletion puts them back with the meeting's agenda."""
    from db.services import inspecting

    _sources_on_agenda(panel)
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, INSPECTION, WHOLE[DecisionKind.NOTED], on=HELD, actor="t")
        meetings.decide(session, KEY, REVIEW, WHOLE[DecisionKind.ESCALATED], on=HELD, actor="t")
    before = _snapshot(panel)
    with panel.transaction("t") as session:
        inspection = inspecting.delete_inspection(session, "INSP-1")
        review = editing.delete_review(session, "SCR-1", TODAY)
    with panel.session() as session:
        assert meetings.decisions(session, KEY).decisions == ()
    with panel.transaction("t") as session:
        editing.restore_review(session, review)
        inspecting.restore_inspection(session, inspection)
    assert _snapshot(panel) == before


def test_a_file_breaking_the_date_rule_is_refused_and_changes_nothing(
    panel: Database, tmp_path: Any
) -> None:
    """Found by a new user: JSON import took a decision dated after its meeting, and decisions
    for a meeting still to come, which the window and the CLI refuse."""
    from db.core.errors import DocumentError
    from db.services import transfer

    _on_agenda(panel)
    number, entry, _ = DECISIONS[DecisionKind.NOTED]
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, _rec(number), entry, on=HELD, actor="t")
    exported, _ = _snapshot(panel)
    data = json.loads(exported)
    (decision,) = data["meetings"][1]["decisions"]
    late = copy.deepcopy(data)
    late["meetings"][1]["decisions"][0]["decided_on"] = "2026-12-20"
    with pytest.raises(DocumentError) as caught:
        parse_document(late)
    assert caught.value.message == (
        "meeting '2026-12-10', decision 1, decided_on: 2026-12-20 is not the meeting's day, "
        "2026-12-10, and a decision is dated its meeting's day"
    )
    other = open_database(resolve_location(str(tmp_path / "other.sqlite3")), create=True)
    with other:
        before = _snapshot(other)
        with pytest.raises(DocumentError) as caught:
            transfer.apply_import(
                other, parse_document(data), actor="t", today=HELD - dt.timedelta(days=1)
            )
        assert caught.value.message == (
            "meeting of 2026-12-10 'Case Review Subgroup': it is still to come, so it cannot "
            "hold decisions yet"
        )
        assert _snapshot(other) == before
        transfer.apply_import(other, parse_document(data), actor="t", today=HELD, keep_copy=False)
        assert _snapshot(other)[0] == exported
    assert decision["decided_on"] == "2026-12-10"


def test_an_import_never_adds_a_decision_twice_nor_changes_one_unsaid(panel: Database) -> None:
    """Found by a new user: a file whose decision differed from the one held only in the
    moment it was recorded added it a second time under "added nothing; updated nothing", and
    one differing in its note was kept as held with nothing said."""
    from db.core.errors import DocumentError

    _on_agenda(panel)
    number = DECISIONS[DecisionKind.NOTED][0]
    with panel.transaction("t") as session:
        meetings.decide(
            session,
            KEY,
            _rec(number),
            DecisionEntry(DecisionKind.NOTED, "Seen."),
            on=HELD,
            actor="t",
        )
    exported, _ = _snapshot(panel)
    data = json.loads(exported)

    moved = copy.deepcopy(data)  # the same decision, recorded at another moment
    moved["meetings"][1]["decisions"][0]["recorded_at"] = "2026-12-10T09:00:00+00:00"
    with panel.transaction("t") as session:
        summary = apply_document(session, parse_document(moved))
    assert _snapshot(panel)[0] == exported and summary.describe() == (
        "added nothing; updated nothing"
    )

    reworded = copy.deepcopy(data)  # the one held, worded otherwise
    reworded["meetings"][1]["decisions"][0]["note"] = "Not seen."
    with pytest.raises(DocumentError) as caught, panel.transaction("t") as session:
        apply_document(session, parse_document(reworded))
    assert caught.value.message == (
        "meeting of 2026-12-10 'Case Review Subgroup', decision 1: its note differs from the "
        "decision held, and an import never changes a recorded decision"
    )
    assert _snapshot(panel)[0] == exported

    another = copy.deepcopy(data)  # a decision the database lacks: added, and said
    another["meetings"][1]["decisions"].append(
        {**data["meetings"][1]["decisions"][0], "note": "Again.", "recorded_at": None}
    )
    with panel.transaction("t") as session:
        summary = apply_document(session, parse_document(another))
    assert summary.describe() == "added nothing; updated 1 meeting"
    with panel.session() as session:
        assert [d.note for d in meetings.decisions(session, KEY).decisions] == ["Seen.", "Again."]


def test_a_whole_source_decided_on_stays_on_the_agenda(panel: Database) -> None:
    """Found by a new user: taking the whole inspection off the agenda after the meeting
    decided about it left a copy whose merge the import then refused; refused here, in one
    sentence, changing nothing."""
    _sources_on_agenda(panel)
    with panel.transaction("t") as session:
        meetings.decide(session, KEY, INSPECTION, WHOLE[DecisionKind.NOTED], on=HELD, actor="t")
    with panel.transaction("t") as session, pytest.raises(RuleError) as caught:
        meetings.set_agenda(session, KEY, [AgendaEntry(REVIEW, "Whole review")])
    assert caught.value.message == (
        "The meeting decided about the whole inspection INSP-1, so it stays on the agenda; "
        "undo that decision first to take it off."
    )
    with panel.session() as session:
        assert len(meetings.meeting_by_key(session, KEY).agenda) == 2


def test_a_zero_width_space_is_refused_in_a_meetings_title_and_its_chairs_name(
    panel: Database,
) -> None:
    """A new user's "Case\u200bReview" was taken and shown as "CaseReview", and the Edit
    meeting dialog took the chair "Ann\u200bSmith": each is refused, the character named."""
    with panel.session() as session:
        problems = meetings.check_meeting(
            session, MeetingFields(HELD, "Case\u200bReview", "Ann\u200bSmith"), editing=KEY
        )
    assert problems.by_field == {
        "title": "The meeting's title holds the character U+200B (a zero-width space), which "
        "does not show, so two titles that look the same would differ.",
        "chair": "The meeting's chair holds the character U+200B (a zero-width space), which "
        "does not show, so two names that look the same would differ.",
    }


def test_a_non_breaking_space_is_refused_in_a_meetings_title_as_in_its_chairs_name(
    panel: Database,
) -> None:
    """Found by a new user: a meeting's title kept a non-breaking space (pasted from Word) that
    its chair's name refused, and "Case Review\\u00a0Subgroup" was taken as a second meeting
    that day, shown as the first, that no typed title found. Both are refused, named alike;
    a semicolon stays allowed in a title (no list holds titles)."""
    pasted = KEY.title.replace(" ", "\u00a0", 1)
    with panel.session() as session:
        problems = meetings.check_meeting(session, MeetingFields(HELD, pasted, "Jo\u00a0Bloggs"))
    assert problems.by_field == {
        "title": "The meeting's title holds the character U+00A0 (a non-breaking space); "
        "a title's words are separated by single ordinary spaces.",
        "chair": "The meeting's chair holds the character U+00A0 (a non-breaking space); "
        "a name's words are separated by single ordinary spaces.",
    }
    before = _snapshot(panel)
    with panel.transaction("t") as session, pytest.raises(RuleError):
        meetings.create_meeting(session, MeetingFields(HELD, pasted))
    assert _snapshot(panel) == before
    with panel.session() as session:
        for spaced in ("Case  Review", "Case\nReview", "Case\u2003Review"):
            assert "title" in meetings.check_meeting(session, MeetingFields(HELD, spaced)).by_field
        assert not meetings.check_meeting(session, MeetingFields(HELD, "Panel; extra"))
    # The import holds a file to the same rule.
    from db.core.errors import DocumentError

    data = json.loads(before[0])
    data["meetings"][1]["title"] = pasted
    with pytest.raises(DocumentError) as caught:
        parse_document(data)
    assert caught.value.message == (
        "meeting of 2026-12-10 2, title: holds the character U+00A0 (a non-breaking space); "
        "a title's words are separated by single ordinary spaces"
    )


def _seen_on_screen(database: Database, what: ItemKey | SourceKey) -> meetings.Seen:
    """What meeting mode's agenda line for ``what`` holds."""
    with database.session() as session:
        (line,) = [x for x in meetings.agenda(session, KEY) if x.entry.what == what]
        assert line.seen is not None
        assert line.seen == meetings.seen_now(session, KEY, what)
        return line.seen


def _alice_decides(
    database: Database, what: ItemKey | SourceKey, entry: DecisionEntry, seen: meetings.Seen
) -> None:
    with database.transaction("alice") as session:
        meetings.decide(session, KEY, what, entry, on=HELD, actor="alice", seen=seen)


def test_a_decision_over_a_newer_one_by_someone_else_is_refused(panel: Database) -> None:
    """Found in a two-user trial: a sign-off recorded on top of another user's newer decision,
    with no warning. Given what the screen showed (``seen``), it is refused in one sentence
    naming who and when, and nothing is written; over what is there now it is recorded."""
    _on_agenda(panel)
    seen = _seen_on_screen(panel, _rec("1"))
    requested = DecisionEntry(
        DecisionKind.EVIDENCE_REQUESTED, until=dt.date(2027, 1, 31), whom="ICB"
    )
    with panel.transaction("bob") as session:
        meetings.decide(session, KEY, _rec("1"), requested, on=HELD, actor="bob")
    before = _snapshot(panel)
    sign_off = DecisionEntry(DecisionKind.SIGNED_OFF, "Audit seen.")
    with (
        pytest.raises(ConflictError) as refused,
        panel.transaction("alice") as session,
    ):
        meetings.decide(session, KEY, _rec("1"), sign_off, on=HELD, actor="alice", seen=seen)
    said = refused.value.message
    assert re.fullmatch(
        r"bob recorded a decision \(evidence requested\) about recommendation 1 of SCR-1 at "
        r"\d\d:\d\d on \d{1,2} \w+ \d{4} since the screen showed it, so your decision was not "
        r"recorded; meeting mode now shows it as it is: decide again if it is still needed\.",
        said,
    ), said
    assert _snapshot(panel) == before  # nothing written
    again = _seen_on_screen(panel, _rec("1"))
    with panel.transaction("alice") as session:
        meetings.decide(session, KEY, _rec("1"), sign_off, on=HELD, actor="alice", seen=again)
    with panel.session() as session:
        kinds = [d.kind for d in meetings.decisions(session, KEY).decisions]
        assert sorted(kinds) == sorted([DecisionKind.EVIDENCE_REQUESTED, DecisionKind.SIGNED_OFF])


def test_a_decision_over_the_items_own_change_or_an_undone_decision_is_refused(
    panel: Database,
) -> None:
    """The item changed since (its target, by an edit), or a decision taken back since, is
    another user's change too: refused, naming who."""
    _on_agenda(panel)
    noted = DecisionEntry(DecisionKind.NOTED)
    seen = _seen_on_screen(panel, _rec("2"))
    with panel.transaction("carol") as session:
        fields = editing.item_fields(session, _rec("2"))
        later = editing.ItemFields(**{**fields.__dict__, "target_date": dt.date(2027, 6, 30)})
        editing.update_item(session, _rec("2"), later)
    with pytest.raises(ConflictError, match=r"^Recommendation 2 of SCR-1 was changed by carol "):
        _alice_decides(panel, _rec("2"), noted, seen)
    with panel.transaction("dan") as session:
        made = meetings.decide(session, KEY, _rec("2"), noted, on=HELD, actor="dan")
    seen = _seen_on_screen(panel, _rec("2"))
    with panel.transaction("dan") as session:
        meetings.undo_decision(session, made, author="dan")
    with pytest.raises(ConflictError, match=r"^dan took back a decision \(noted\) about rec"):
        _alice_decides(panel, _rec("2"), noted, seen)


def test_a_decision_about_a_whole_inspection_over_a_newer_one_is_refused(
    panel: Database,
) -> None:
    _sources_on_agenda(panel)
    seen = _seen_on_screen(panel, INSPECTION)
    assert seen == meetings.Seen(None, ())
    with panel.transaction("bob") as session:
        meetings.decide(
            session, KEY, INSPECTION, WHOLE[DecisionKind.ESCALATED], on=HELD, actor="bob"
        )
    with pytest.raises(ConflictError, match=r"^bob recorded a decision \(escalated\) about insp"):
        _alice_decides(panel, INSPECTION, WHOLE[DecisionKind.NOTED], seen)
    with panel.session() as session:
        assert len(meetings.decisions(session, KEY).decisions) == 1
