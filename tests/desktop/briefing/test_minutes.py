"""Minutes and action logs long enough to run over several pages, as PDF (read back with
pypdf) and as Word (python-docx): every decision, attendee, apology and action is there, the
marking is at the top and foot of every page, and the tables' header rows repeat."""

from __future__ import annotations

import datetime as dt
import io
from dataclasses import replace

from pypdf import PdfReader

from db.core.vocabulary import DecisionKind
from db.services.meetings import (
    ActionLine,
    DecisionKey,
    DecisionLine,
    ItemKey,
    MeetingDecisions,
    MeetingFields,
    MeetingKey,
    Minutes,
    Person,
    SourceKey,
)
from desktop.briefing.minutes import (
    action_rows,
    decision_rows,
    render_minutes,
    render_minutes_docx,
)
from tests.helpers.word import header_rows_repeat, open_docx, sections_marked, tables

HELD_ON = dt.date(2026, 12, 10)
MARKING = "OFFICIAL-SENSITIVE"
LONG_TEXT = "The partnership should make sure that every agency " * 8  # shortened in the list
KINDS = list(DecisionKind)


def _minutes(count: int) -> Minutes:
    """A meeting with ``count`` decisions (each kind in turn), and the actions they set."""
    meeting = MeetingFields(
        HELD_ON,
        "Case Review Subgroup",
        chair="Pat Chair",
        attendees=tuple(Person(f"Attendee {n}", f"Agency {n}") for n in range(1, 9)),
        apologies=(Person("Sam Away", "Schools Alliance"), Person("Lee Absent")),
    )
    key = MeetingKey(HELD_ON, meeting.title)
    lines, actions = [], []
    for n in range(1, count + 1):
        kind = KINDS[n % len(KINDS)]
        item = ItemKey("SCR-1", str(n))
        until = HELD_ON + dt.timedelta(days=n) if kind in _DATED else None
        whom = f"Agency {n}" if kind in _NAMED else ""
        at = dt.datetime(2026, 12, 10, 10, tzinfo=dt.UTC) + dt.timedelta(minutes=n)
        lines.append(
            DecisionLine(
                DecisionKey(key, item, kind, at),
                "SCR-1",
                str(n),
                LONG_TEXT,
                kind,
                kind.label,
                f"Decision note {n}.",
                until,
                whom,
                HELD_ON,
                "Secretariat",
            )
        )
        if kind is not DecisionKind.SIGNED_OFF and kind is not DecisionKind.NOTED:
            actions.append(ActionLine(item, kind, f"Action {n}", f"Lead {n}", until))
    return Minutes(meeting, MeetingDecisions(tuple(lines), tuple(actions)))


_DATED = {DecisionKind.EXTENDED, DecisionKind.EVIDENCE_REQUESTED}
_NAMED = {DecisionKind.EVIDENCE_REQUESTED, DecisionKind.ESCALATED}


def _flat(text: str) -> str:
    return " ".join(text.split())


def test_pdf_minutes_over_several_pages() -> None:
    said = _minutes(40)
    reader = PdfReader(io.BytesIO(render_minutes(said, MARKING)))
    pages = [page.extract_text() for page in reader.pages]
    assert len(pages) > 2
    for number, page in enumerate(pages, start=1):
        assert page.count(MARKING) == 2, number
        assert f"Page {number} of {len(pages)}" in page
    text = _flat("\n".join(pages))
    for person in (*said.meeting.attendees, *said.meeting.apologies):
        assert person.name in text
        assert person.agency in text
    for line in said.decided.decisions:
        assert line.note in text
    for action in said.decided.actions:
        assert action.what in text
        assert action.owner in text
    # The decisions table's header row repeats on the pages it runs over.
    assert sum("Date / whom" in page for page in pages) > 1
    assert LONG_TEXT.strip() not in text  # the item's text is shortened
    assert "Assured by Pat Chair" in text
    assert "From Agency 2, by 12 December 2026" in text


def test_word_minutes_hold_the_same_and_are_marked() -> None:
    said = _minutes(40)
    document = open_docx(render_minutes_docx(said, MARKING))
    assert all(sections_marked(document, MARKING))
    present, apologies, decisions, actions = tables(document)
    assert present[1:] == [[p.name, p.agency] for p in said.meeting.attendees]
    assert apologies[1:] == [[p.name, p.agency] for p in said.meeting.apologies]
    assert [row[4] for row in decisions[1:]] == [line.note for line in said.decided.decisions]
    assert [row[3] for row in decisions[1:]] == [line.kind_label for line in said.decided.decisions]
    assert [row[2] for row in actions[1:]] == [a.what for a in said.decided.actions]
    assert all(header_rows_repeat(table) for table in document.tables)


def test_an_items_decisions_are_listed_together() -> None:
    said = _minutes(3)
    again = replace(said.decided.decisions[0], note="Decided again.", kind_label="Noted")
    decided = replace(said.decided, decisions=(*said.decided.decisions, again))
    rows = decision_rows(replace(said, decided=decided))
    assert [(row[1], row[4]) for row in rows] == [
        ("1", "Decision note 1."),
        ("1", "Decided again."),
        ("2", "Decision note 2."),
        ("3", "Decision note 3."),
    ]


def test_minutes_without_decisions_or_marking_say_so() -> None:
    said = _minutes(0)
    text = _flat(PdfReader(io.BytesIO(render_minutes(said, ""))).pages[0].extract_text())
    assert "No decisions were recorded at this meeting." in text
    assert "The meeting set no actions." in text
    assert MARKING not in text
    document = open_docx(render_minutes_docx(said, ""))
    assert all(sections_marked(document, "No protective marking"))


def _with_a_whole_inspection(said: Minutes) -> Minutes:
    """``said`` with an inspection's action plan noted and its evidence requested, as a
    whole (db.services.meetings.decisions names such a line with no number)."""
    key = MeetingKey(HELD_ON, said.meeting.title)
    whole = SourceKey("INSP-7", inspection=True)
    at = dt.datetime(2026, 12, 10, 12, tzinfo=dt.UTC)
    due = dt.date(2027, 1, 20)
    lines = [
        DecisionLine(
            DecisionKey(key, whole, kind, at + dt.timedelta(minutes=n)),
            "INSP-7",
            "",
            "Joint targeted area inspection (fictional)",
            kind,
            kind.label,
            note,
            until,
            whom,
            HELD_ON,
            "Secretariat",
            whole="Whole inspection",
        )
        for n, (kind, note, until, whom) in enumerate(
            [
                (DecisionKind.NOTED, "Action plan seen.", None, ""),
                (DecisionKind.EVIDENCE_REQUESTED, "Show the audit.", due, "Borough Council"),
            ]
        )
    ]
    action = ActionLine(
        whole,
        DecisionKind.EVIDENCE_REQUESTED,
        "Evidence to be provided to the panel by Borough Council",
        "Borough Council (fictional)",
        due,
    )
    decided = MeetingDecisions((*said.decided.decisions, *lines), (*said.decided.actions, action))
    return replace(said, decided=decided)


def test_a_whole_inspections_decisions_and_action_are_in_both_minutes() -> None:
    """Found by a new user: a decision about a whole inspection on the agenda never reached
    the minutes. It is listed with no number, as the whole inspection, in the decision list
    and the action log, in the PDF and in the .docx."""
    said = _with_a_whole_inspection(_minutes(2))
    text = _flat(
        "\n".join(
            p.extract_text() for p in PdfReader(io.BytesIO(render_minutes(said, MARKING))).pages
        )
    )
    assert "Whole inspection: Joint targeted area inspection (fictional)" in text
    assert "Action plan seen." in text and "From Borough Council, by 20 January 2027" in text
    assert "Whole inspection: Evidence to be provided to the panel by Borough Council" in text
    assert "Borough Council (fictional)" in text
    document = open_docx(render_minutes_docx(said, MARKING))
    _, _, decisions, actions = tables(document)
    assert [row[:4] for row in decisions[-2:]] == [
        ["INSP-7", "", "Whole inspection: Joint targeted area inspection (fictional)", "Noted"],
        [
            "INSP-7",
            "",
            "Whole inspection: Joint targeted area inspection (fictional)",
            "Evidence requested",
        ],
    ]
    assert actions[-1] == [
        "INSP-7",
        "",
        "Whole inspection: Evidence to be provided to the panel by Borough Council",
        "Borough Council (fictional)",
        "20 January 2027",
    ]


def test_an_escalation_is_not_logged_as_an_action_with_a_date_forgotten() -> None:
    """An older fault: the action log gave an escalation "No date set" as its due date, as if
    someone had forgotten it; an escalation takes no date. An action that takes one and has
    none still says "No date set"."""
    said = _minutes(len(KINDS) * 2)
    rows = {row[2]: row[4] for row in action_rows(said)}
    kinds = {a.what: (a.kind, a.due) for a in said.decided.actions}
    escalated = [what for what, (kind, _) in kinds.items() if kind is DecisionKind.ESCALATED]
    assert escalated
    assert all(rows[what] == "None: escalated at the meeting" for what in escalated)
    undated = replace(
        said,
        decided=replace(
            said.decided,
            actions=(ActionLine(ItemKey("SCR-1", "9"), DecisionKind.EXTENDED, "Extend", "", None),),
        ),
    )
    assert action_rows(undated)[0][4] == "No date set"
    pages = PdfReader(io.BytesIO(render_minutes(said, MARKING))).pages
    assert "None: escalated at the meeting" in _flat(" ".join(p.extract_text() for p in pages))
