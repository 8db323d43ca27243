"""A panel meeting through the window, by keyboard: the meeting made, its agenda proposed,
reordered, added to, cut and saved, and meeting mode recording one of each decision, one
refused and one undone; then the items' logs, the audit trail and the meeting's decisions."""

from __future__ import annotations

import datetime as dt
import sqlite3
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QDialog,
    QMessageBox,
    QWidget,
)
from sqlalchemy import event, func, select

from db.core.dates import format_date
from db.core.vocabulary import DecisionKind, Status, TrackedKind
from db.services import editing, meetings
from db.services.editing import ItemKey
from db.services.meetings import MeetingKey
from db.store import database as database_module
from db.store.models import AuditEntry
from desktop.app import refusals_said
from desktop.dialogs.meetings import DecisionDialog, MeetingDialog
from desktop.settings import MARKING
from desktop.tabs.meeting_mode import MeetingMode, type_size
from desktop.tabs.meetings import MeetingsTab
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import (
    CHILD_A,
    answer,
    ok,
    open_mode,
    refused,
    show_meetings,
    typed,
)

COMING = MeetingKey(dt.date(2026, 12, 5), "Case Review Subgroup")
ALT = Qt.KeyboardModifier.AltModifier
CTRL = Qt.KeyboardModifier.ControlModifier
SHIFT = Qt.KeyboardModifier.ShiftModifier


def item(number: str, source: str = CHILD_A) -> ItemKey:
    return ItemKey(source, number, TrackedKind.RECOMMENDATION)


def press(qtbot: Any, top: Any, key: Qt.Key, modifier: Qt.KeyboardModifier = ALT) -> None:
    """A key pressed in the active ``top`` (an access key, a shortcut), where the focus is."""
    top.activateWindow()
    qtbot.waitUntil(top.isActiveWindow)
    qtbot.keyClick(QApplication.focusWidget() or top, key, modifier)
    qtbot.wait(ANIMATED_CLICK_MS)  # a button's access key clicks it after its animation


# A button pressed by its access key shows itself pressed for this long before it acts.
ANIMATED_CLICK_MS = 150


def listed(tab: MeetingsTab) -> list[ItemKey | meetings.SourceKey]:
    return [entry.what for entry, _ in tab.entries()]


def audit_count(window: MainWindow, entity: str) -> int:
    with window.context.database.session() as session:
        return (
            session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.entity == entity))
            or 0
        )


def decision_audits(window: MainWindow, *, since: int) -> list[str]:
    """The audit trail's actions on decisions after the first ``since``, in order."""
    with window.context.database.session() as session:
        return list(
            session.scalars(
                select(AuditEntry.action)
                .where(AuditEntry.entity == "decisions")
                .order_by(AuditEntry.id)
                .offset(since)
            )
        )


def to_item(qtbot: Any, mode: MeetingMode, key: ItemKey) -> None:
    """Page Up to the first item, then Page Down until ``key`` is on show."""
    mode.activateWindow()
    qtbot.waitUntil(mode.isActiveWindow)
    for _ in mode.lines:
        qtbot.keyClick(mode, Qt.Key.Key_PageUp)
    for _ in mode.lines:
        line = mode.current()
        if line is not None and line.item is not None and line.item.key == key:
            return
        qtbot.keyClick(mode, Qt.Key.Key_PageDown)
    raise AssertionError(f"{key} is not on the agenda")


def decide(
    qtbot: Any, mode: MeetingMode, letter: Qt.Key, typed: list[str], *, refusal: bool = False
) -> dict[str, str]:
    """Alt+<letter> opens the decision's dialog; each of ``typed`` goes into the next field
    (Tab between them) and Enter records it."""

    shown: dict[str, str] = {}

    def fill(dialog: DecisionDialog) -> None:
        dialog.activateWindow()
        qtbot.waitUntil(lambda: QApplication.focusWidget() in dialog.findChildren(QWidget))
        for number, text in enumerate(typed):
            if number:
                qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            qtbot.keyClicks(QApplication.focusWidget(), text)
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)
        if refusal:  # said beside the field before the dialog closes: nothing typed is lost
            assert dialog.isVisible() and dialog.note.text() == typed[-1]
            shown.update(refused(dialog))
            dialog.reject()
        assert not dialog.isVisible()

    answer(fill)
    press(qtbot, mode, letter)
    return shown


def log_of(window: MainWindow, key: ItemKey) -> list[str]:
    with window.context.database.session() as session:
        return [u.note for u in editing.item_by_key(session, key).updates]


def test_a_whole_meeting_through_the_window(qtbot: Any, sample_window: MainWindow) -> None:
    window = sample_window
    tab = show_meetings(qtbot, window)
    assert tab.selected_key() == COMING  # the next meeting to come is selected
    assert tab.model.rows[0].key == COMING and tab.model.rows[1].decision_count == 5

    # The agenda: proposed (each line says why), reordered, cut, added to, saved.
    tab.propose_button.click()
    proposed = listed(tab)
    assert len(proposed) == 8 and tab.edited
    assert all(entry.reason for entry, _ in tab.entries())
    assert "Why: Awaiting sign-off" in tab.agenda.item(0).text()
    # A whole inspection's line names its title, not its reference twice (a new user), as
    # the stored agenda's line does.
    with window.context.database.session() as session:
        stored_titles = {line.entry.what: line.title for line in meetings.agenda(session, COMING)}
    (whole,) = [n for n, what in enumerate(proposed) if isinstance(what, meetings.SourceKey)]
    assert tab.agenda.item(whole).text().split("\n")[0] == (
        f"Inspection {proposed[whole].reference} (all of it): {stored_titles[proposed[whole]]}"
    )
    tab.agenda.setFocus()
    tab.agenda.setCurrentRow(7)  # the inspection as a whole: up one, with Ctrl+Up
    qtbot.keyClick(tab.agenda, Qt.Key.Key_Up, CTRL)
    assert listed(tab)[6] == proposed[7] and listed(tab)[7] == proposed[6]
    qtbot.keyClick(tab.agenda, Qt.Key.Key_Down, CTRL)
    assert listed(tab) == proposed
    tab.agenda.setCurrentRow(6)
    qtbot.keyClick(tab.agenda, Qt.Key.Key_Delete)
    assert proposed[6] not in listed(tab)

    def add(dialog: Any) -> None:
        dialog.reference.setEditText(CHILD_A)
        dialog.number.setText("2")  # on the agenda already: refused beside its number
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        assert dialog.messages["number"].text() == (
            f"Recommendation 2 of {CHILD_A} is on the agenda already."
        )
        dialog.number.setText("7")
        ok(dialog)

    answer(add)
    tab.add_button.click()
    assert item("7") in listed(tab)
    press(qtbot, window, Qt.Key.Key_S)  # Save agenda
    assert not tab.edited
    with window.context.database.session() as session:
        stored = [line.entry.what for line in meetings.agenda(session, COMING)]
    assert stored == listed(tab) and len(stored) == 8
    window.context.undo_stack.undo()  # the agenda as it was (the proposal stored by the sample)
    with window.context.database.session() as session:
        assert [line.entry.what for line in meetings.agenda(session, COMING)] == proposed
    window.context.undo_stack.redo()

    # Before the meeting's day, meeting mode is a rehearsal: decisions are dated the
    # meeting's day, so none can be recorded yet, and the heading says so.
    mode = open_mode(qtbot, tab)
    assert "still to come: a rehearsal, decisions are recorded on the day" in mode.heading.text()
    assert not any(button.isEnabled() for button in mode.decision_buttons.values())
    qtbot.keyClick(mode, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: tab.mode is None)

    # Meeting mode on the day, by keyboard.
    window.context.today = lambda: COMING.held_on
    mode = open_mode(qtbot, tab)
    assert "still to come" not in mode.heading.text()
    assert mode.position == 0 and mode.where.text() == "Item 1 of 8"
    qtbot.keyClick(mode, Qt.Key.Key_PageDown)
    qtbot.keyClick(mode, Qt.Key.Key_Right)
    press(qtbot, mode, Qt.Key.Key_N)
    assert mode.position == 3
    press(qtbot, mode, Qt.Key.Key_P)
    qtbot.keyClick(mode, Qt.Key.Key_Left)
    qtbot.keyClick(mode, Qt.Key.Key_PageUp)
    assert mode.position == 0
    audits = audit_count(window, "decisions")

    # Refused in one sentence, nothing changed: item 3 has no evidence to sign off on.
    to_item(qtbot, mode, item("3"))
    shown = decide(qtbot, mode, Qt.Key.Key_S, ["Looks done"], refusal=True)
    qtbot.waitUntil(lambda: bool(shown))
    assert shown == {
        "note": f"Recommendation 3 of {CHILD_A} cannot be closed: it has no evidence; "
        "add at least one evidence item first."
    }
    assert audit_count(window, "decisions") == audits

    to_item(qtbot, mode, item("2"))  # implemented, with evidence
    decide(qtbot, mode, Qt.Key.Key_S, ["Audit seen"])
    assert "Decided at this meeting" in mode.page.toPlainText()
    to_item(qtbot, mode, item("3"))
    decide(qtbot, mode, Qt.Key.Key_T, ["31 March 2027", "Police asked for time"])
    to_item(qtbot, mode, item("6"))
    decide(qtbot, mode, Qt.Key.Key_E, ["Head of Safeguarding", "15/01/2027", "Audit results"])
    # Whom before the date, as the Meetings tab's detail says it (found by a new user).
    said = "Evidence requested from Head of Safeguarding, by 15 January 2027 \u2014 Audit results"
    assert said in " ".join(mode.page.toPlainText().split())
    to_item(qtbot, mode, item("5"))
    decide(qtbot, mode, Qt.Key.Key_A, ["Partnership executive", "No lead named"])
    to_item(qtbot, mode, item("4"))
    decide(qtbot, mode, Qt.Key.Key_O, ["Training booked"])
    to_item(qtbot, mode, item("7"))
    decide(qtbot, mode, Qt.Key.Key_O, ["Taken back"])
    press(qtbot, mode, Qt.Key.Key_Z, CTRL)  # undoes the last: item 7 noted
    # (no longer "Recorded: noted ..."; the item named by its kind, found by a new user)
    assert mode.message.text() == (
        f"Undone: noted for recommendation 7 of {CHILD_A} (meeting of 5 December 2026)."
    )  # the meeting named: the window's one undo stack may hold another meeting's decisions

    with window.context.database.session() as session:
        made = meetings.decisions(session, COMING).decisions
        closed = editing.item_by_key(session, item("2"))
        extended = editing.item_by_key(session, item("3"))
        assert (closed.status, closed.assured_by) == (
            Status.CLOSED,
            "Independent Chair, Fenmarsh partnership (fictional)",
        )
        assert extended.target_date == dt.date(2027, 3, 31)
    assert [(d.number, d.kind) for d in made] == [
        ("2", DecisionKind.SIGNED_OFF),
        ("3", DecisionKind.EXTENDED),
        ("6", DecisionKind.EVIDENCE_REQUESTED),
        ("5", DecisionKind.ESCALATED),
        ("4", DecisionKind.NOTED),
    ]
    assert made[2].whom == "Head of Safeguarding" and made[2].until == dt.date(2027, 1, 15)
    assert made[3].whom == "Partnership executive"
    # Each decision is in its item's log, naming the meeting; the undone one is withdrawn.
    named = "Case Review Subgroup, 5 December 2026: "
    assert any(n.startswith(named + "signed off") for n in log_of(window, item("2")))
    assert any(
        n.startswith(named + "target extended to 31 March 2027") for n in log_of(window, item("3"))
    )
    assert any(
        "evidence requested from Head of Safeguarding" in n for n in log_of(window, item("6"))
    )
    assert any("escalated to Partnership executive" in n for n in log_of(window, item("5")))
    with window.context.database.session() as session:
        undone = editing.item_by_key(session, item("7")).updates[-1]
        assert (undone.on, undone.note, undone.withdrawn_reason) == (
            COMING.held_on,
            f"{named}noted. Taken back",
            "The decision (noted) was undone.",
        )
    # The audit trail: six decisions written, the undone one deleted, in that order.
    assert decision_audits(window, since=audits) == ["create"] * 6 + ["delete"]
    # Esc leaves meeting mode; the tab shows the decisions.
    qtbot.keyClick(mode, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: tab.mode is None)
    assert "Signed off" in tab.detail.toPlainText()
    assert tab.model.rows[0].decision_count == 5


def test_sign_off_without_a_chair_is_refused_in_one_sentence(
    qtbot: Any, sample_window: MainWindow
) -> None:
    window = sample_window
    tab = show_meetings(qtbot, window)

    def fill(dialog: Any) -> None:
        dialog.held_on.edit.setText("10/12/2026")
        dialog.attendees.item(0, 0).setText("Designated Nurse")
        dialog.attendees.item(0, 1).setText("Fenmarsh Integrated Care Board (fictional)")
        ok(dialog)

    answer(fill)
    press(qtbot, window, Qt.Key.Key_N)
    key = MeetingKey(dt.date(2026, 12, 10), "Case Review Subgroup")
    assert tab.selected_key() == key
    with window.context.database.session() as session:
        fields = meetings.meeting_fields(session, key)
    assert fields.chair == "" and fields.attendees == (
        meetings.Person("Designated Nurse", "Fenmarsh Integrated Care Board (fictional)"),
    )
    tab.propose_button.click()
    tab.save_button.click()
    window.context.today = lambda: key.held_on  # the meeting's day
    mode = open_mode(qtbot, tab)
    to_item(qtbot, mode, item("2"))
    before = log_of(window, item("2"))
    shown = decide(qtbot, mode, Qt.Key.Key_S, [""], refusal=True)
    qtbot.waitUntil(lambda: bool(shown))
    assert shown == {
        "note": f"The meeting {key} has no chair: name the chair before signing off, as the "
        "chair gives the assurance."
    }
    assert log_of(window, item("2")) == before
    mode.close()


def test_the_meeting_dialog_refuses_a_meeting_already_held_that_day(
    qtbot: Any, sample_window: MainWindow
) -> None:
    tab = show_meetings(qtbot, sample_window)
    shown: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        dialog.held_on.edit.setText("5 December 2026")
        shown.update(refused(dialog))

    answer(fill)
    tab.new_meeting()
    assert shown == {
        "title": "There is already a meeting called Case Review Subgroup on 5 December 2026."
    }


def test_new_edit_and_delete_meeting_are_undone(qtbot: Any, sample_window: MainWindow) -> None:
    window = sample_window
    tab = show_meetings(qtbot, window)
    stack = window.context.undo_stack

    def rows() -> list[MeetingKey]:
        return [r.key for r in tab.model.rows]

    tab.select(COMING)

    def retitle(dialog: Any) -> None:
        dialog.title_edit.setText("Extraordinary meeting")
        dialog.chair.setText("Vice Chair")
        ok(dialog)

    answer(retitle)
    tab.edit_meeting()
    renamed = MeetingKey(COMING.held_on, "Extraordinary meeting")
    assert renamed in rows() and COMING not in rows()
    stack.undo()
    assert COMING in rows() and renamed not in rows()
    tab.select(COMING)
    answer(lambda box: box.button(box.StandardButton.Yes).click())
    tab.delete_meeting()
    assert COMING not in rows()
    stack.undo()
    assert COMING in rows()
    with window.context.database.session() as session:
        assert len(meetings.agenda(session, COMING)) == 8  # its agenda came back with it


def test_meeting_mode_type_scales_with_the_screen() -> None:
    assert type_size(768) == 26 and type_size(1080) == 36
    assert type_size(400) == 16 and type_size(2160) == 44


def test_the_minutes_of_a_meeting_are_saved_from_the_tab_as_pdf_and_word(
    qtbot: Any, sample_window: MainWindow, tmp_path: Path
) -> None:
    """Minutes (Alt+U) for the sample's past meeting: every decision and the marking on every
    page, in the PDF and in the Word copy, each recorded in the audit trail; a file that
    cannot be written is said in one sentence and records nothing."""
    from pypdf import PdfReader

    from tests.helpers.word import all_text, open_docx, sections_marked

    tab = show_meetings(qtbot, sample_window)
    with sample_window.context.database.session() as session:
        past = next(row.key for row in meetings.meeting_rows(session, TODAY) if not row.coming)
        said = meetings.decisions(session, past)
    assert said.decisions  # the sample's past meeting decided something
    tab.select(past)
    marking = sample_window.context.settings.get(MARKING)
    for name in ("minutes.pdf", "minutes.docx"):
        target = tmp_path / name
        tab.save_minutes_to(past, target)
        qtbot.waitUntil(lambda target=target: tab.minutes_saved == target, timeout=30_000)
        if name.endswith(".pdf"):
            pages = [page.extract_text() for page in PdfReader(target).pages]
            text = " ".join(" ".join(pages).split())
            assert all(marking in page for page in pages)
        else:
            document = open_docx(target)
            text = " ".join(all_text(document).split())
            assert all(sections_marked(document, marking))
        for line in said.decisions:
            assert line.kind_label in text and line.number in text, (name, line)
    assert audit_count(sample_window, "minutes") == 2
    sample_window.context.last_explanation = ""
    tab.save_minutes_to(past, Path("/proc/casereview-minutes.pdf"))
    qtbot.waitUntil(lambda: bool(sample_window.context.last_explanation), timeout=10_000)
    assert "\n" not in sample_window.context.last_explanation
    assert audit_count(sample_window, "minutes") == 2


def test_a_proposal_longer_than_an_agenda_holds_is_cut_and_said(
    qtbot: Any, sample_window: MainWindow, monkeypatch: Any
) -> None:
    """Found by new users: 44,757 proposals (100,000 generated items, mostly overdue) closed
    the window; then the agenda kept the first reviews' by reference, and what was left out
    went unsaid. The agenda takes the first ``AGENDA_LIMIT`` (the most pressing of each
    reason first) and says in one sentence how many it leaves out and for which reasons, until
    the agenda is saved or put back (here the sample's 8 against a limit of 5)."""
    monkeypatch.setattr(meetings, "AGENDA_LIMIT", 5)
    tab = show_meetings(qtbot, sample_window)
    with sample_window.context.database.session() as session:
        proposal = meetings.agenda_proposal(session, COMING, sample_window.context.today())
    everything, grounds = proposal.entries, proposal.grounds
    tab.propose_button.click()
    # The most pressing items, and the inspection's deadline whatever its place (statutory).
    assert grounds[-1] is meetings.Ground.DEADLINE
    assert listed(tab) == [entry.what for entry in (*everything[:4], everything[-1])]
    left_out = (
        "An agenda holds at most 5 entries, so 3 of the 8 proposed are left out: 1 falling due "
        "and 2 changed since the last meeting."
    )
    assert tab.agenda_state.text() == f"5 items, not saved: Save agenda keeps it. {left_out}"
    tab.agenda.setCurrentRow(4)
    tab.remove_button.click()  # still said while the proposal is edited
    assert tab.agenda_state.text() == f"4 items, not saved: Save agenda keeps it. {left_out}"
    tab.undo_edits_button.click()  # the agenda as saved: nothing of the proposal is said
    assert tab.agenda_state.text() == "8 items, as saved."
    tab.propose_button.click()
    tab.save_button.click()
    assert tab.agenda_state.text() == "5 items, as saved."


def test_a_change_reads_the_selected_meetings_agenda_once(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """The tab read the selected meeting's agenda twice at each change (selecting the meeting
    again read it, then load read it once more): twice the wait at each decision."""
    tab = show_meetings(qtbot, sample_window)
    assert tab.selected_key() == COMING and tab.agenda.count() > 0
    engine = sample_window.context.database.engine
    statements: list[str] = []

    def note(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", note)
    try:
        sample_window.context.data_changed.emit()
    finally:
        event.remove(engine, "before_cursor_execute", note)
    agenda_reads = [s for s in statements if "ORDER BY agenda_items.position" in s]
    assert len(agenda_reads) == 1, agenda_reads


def test_the_keys_work_straight_after_ctrl_6_and_propose(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Found by a new user: Ctrl+Shift+M did nothing until Tab had moved the focus into the
    tab, and after Propose agenda the focus stayed on the button, so Ctrl+Down did nothing."""
    tab = show_meetings(qtbot, sample_window)
    press(qtbot, sample_window, Qt.Key.Key_P)  # Alt+P: Propose agenda
    assert QApplication.focusWidget() is tab.agenda
    first = listed(tab)[0]
    qtbot.keyClick(tab.agenda, Qt.Key.Key_Down, CTRL)
    assert listed(tab)[1] == first
    tab.save_agenda()
    qtbot.keyClick(
        sample_window.tabs.tabBar(), Qt.Key.Key_M, CTRL | Qt.KeyboardModifier.ShiftModifier
    )
    assert isinstance(tab.mode, MeetingMode)
    tab.mode.close()


def test_the_detail_says_whom_evidence_is_requested_from_and_by_when(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """The tab's detail named whom but left out the date the evidence is due (a new user)."""
    tab = show_meetings(qtbot, sample_window)
    with sample_window.context.database.session() as session:
        past = next(row.key for row in meetings.meeting_rows(session, TODAY) if not row.coming)
        made = meetings.decisions(session, past).decisions
    tab.select(past)
    shown = " ".join(tab.detail.toPlainText().split())
    asked = [d for d in made if d.kind is DecisionKind.EVIDENCE_REQUESTED]
    assert asked  # the sample's past meeting asked for evidence
    for decision in asked:
        assert decision.until is not None
        assert f"from {decision.whom}, by {format_date(decision.until)}" in shown
    for decision in made:  # a date shown wherever a decision has one
        if decision.until is not None:
            assert format_date(decision.until) in shown


@pytest.mark.parametrize(
    ("letter", "field", "called"),
    [
        (Qt.Key.Key_O, "note", "The decision's note"),
        (Qt.Key.Key_E, "whom", "The name the evidence is requested from"),
    ],
)
def test_a_right_to_left_override_in_a_decision_is_refused_beside_its_field(
    qtbot: Any, sample_window: MainWindow, letter: Qt.Key, field: str, called: str
) -> None:
    """U+202E shows "Paid \u202eexe.pdf" as "Paid fdp.exe": refused before the dialog closes,
    beside the field it was typed in (a new user saw "From whom"'s under "By when"), in one
    sentence naming the character and the field as the chair sees it; nothing written."""
    sample_window.context.today = lambda: COMING.held_on  # the meeting's day
    mode = open_mode(qtbot, show_meetings(qtbot, sample_window))
    to_item(qtbot, mode, item("4"))
    audits = audit_count(sample_window, "decisions")
    shown: dict[str, str] = {}

    def fill(dialog: DecisionDialog) -> None:
        if dialog.until is not None:
            qtbot.keyClicks(dialog.until.edit, "15/01/2027")
        for name in ("whom", "note"):
            edit = getattr(dialog, name)
            if edit is not None:
                qtbot.keyClicks(edit, "Paid ")
                if name == field:
                    edit.insert("\u202e")  # pasted (QTest types Latin-1 only)
                qtbot.keyClicks(edit, "exe.pdf")
        typed = getattr(dialog, field)
        qtbot.keyClick(typed, Qt.Key.Key_Return)
        assert dialog.isVisible() and typed.text() == "Paid \u202eexe.pdf"
        shown.update(refused(dialog))

    answer(fill)
    press(qtbot, mode, letter)
    qtbot.waitUntil(lambda: bool(shown))
    assert shown == {
        field: f"{called} holds the character U+202E, which makes text show "
        "differently from what is stored."
    }
    assert audit_count(sample_window, "decisions") == audits
    assert not any("\u202e" in note for note in log_of(sample_window, item("4")))


def to_source(qtbot: Any, mode: MeetingMode) -> meetings.SourceKey:
    """Page Up to the first line, then Page Down to the first whole review or inspection."""
    mode.activateWindow()
    qtbot.waitUntil(mode.isActiveWindow)
    for _ in mode.lines:
        qtbot.keyClick(mode, Qt.Key.Key_PageUp)
    for _ in mode.lines:
        line = mode.current()
        if line is not None and isinstance(line.entry.what, meetings.SourceKey):
            return line.entry.what
        qtbot.keyClick(mode, Qt.Key.Key_PageDown)
    raise AssertionError("no review or inspection is on the agenda as a whole")


def test_a_whole_inspection_on_the_agenda_is_decided_and_undone_in_meeting_mode(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Found by a new user: an inspection's line took no decision, not even "noted". Now it
    shows its title, reason and deadlines, takes noted, evidence requested and escalated by
    their access keys (signed off and target extended stay off, saying why), lists what was
    decided, and Ctrl+Z undoes it."""
    window = sample_window
    window.context.today = lambda: COMING.held_on  # the meeting's day
    tab = show_meetings(qtbot, window)
    mode = open_mode(qtbot, tab)
    whole = to_source(qtbot, mode)
    assert whole.inspection
    line = mode.current()
    assert line is not None and line.deadlines
    page = mode.page.toPlainText()
    assert line.title in page and f"On the agenda: {line.entry.reason}" in page
    assert "Action plan to the inspectorate" in page
    assert "Decided at this meeting" not in page
    for kind, button in mode.decision_buttons.items():
        off = kind in (DecisionKind.SIGNED_OFF, DecisionKind.EXTENDED)
        assert button.isEnabled() is not off, kind
        assert button.toolTip() == (meetings.source_refusal(whole, kind) or ""), kind
    assert mode.decision_buttons[DecisionKind.SIGNED_OFF].toolTip() == (
        "An inspection is signed off item by item: record the sign-off on each of its items."
    )
    audits = audit_count(window, "decisions")

    decide(qtbot, mode, Qt.Key.Key_O, ["Action plan seen"])
    qtbot.waitUntil(lambda: "Decided at this meeting" in mode.page.toPlainText())
    decide(qtbot, mode, Qt.Key.Key_E, ["Head of Safeguarding", "15/01/2027", "Show the audit"])
    decide(qtbot, mode, Qt.Key.Key_A, ["Partnership executive", "Slow progress"])
    page = mode.page.toPlainText()
    assert "Show the audit" in page and "Partnership executive" in page
    press(qtbot, mode, Qt.Key.Key_Z, CTRL)  # undoes the last: the escalation
    assert mode.message.text() == (
        f"Undone: escalated for the whole inspection {whole.reference} "
        "(meeting of 5 December 2026)."
    )
    assert "Partnership executive" not in mode.page.toPlainText()
    # Redone by each of redo's keys (Ctrl+Y had been bound twice, so did nothing, and the
    # platform's Ctrl+Shift+Z not at all: found by a helper's test), then undone again.
    for key, modifiers in ((Qt.Key.Key_Y, CTRL), (Qt.Key.Key_Z, CTRL | SHIFT)):
        press(qtbot, mode, key, modifiers)
        qtbot.waitUntil(lambda: "Partnership executive" in mode.page.toPlainText())
        assert mode.message.text().startswith("Redone: escalated"), mode.message.text()
        press(qtbot, mode, Qt.Key.Key_Z, CTRL)
        qtbot.waitUntil(lambda: "Partnership executive" not in mode.page.toPlainText())

    with window.context.database.session() as session:
        found = meetings.decisions(session, COMING)
    mine = [d for d in found.decisions if d.key.item == whole]
    assert [(d.kind, d.number, d.whole, d.note) for d in mine] == [
        (DecisionKind.NOTED, "", "Whole inspection", "Action plan seen"),
        (DecisionKind.EVIDENCE_REQUESTED, "", "Whole inspection", "Show the audit"),
    ]
    assert [(a.item, a.due) for a in found.actions if a.item == whole] == [
        (whole, dt.date(2027, 1, 15))
    ]
    assert (
        decision_audits(window, since=audits)
        == ["create"] * 3
        + ["delete"]
        + [
            "create",
            "delete",
        ]
        * 2
    )


def test_an_undo_refused_after_another_change_is_said_not_reported_done(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Found by a new user: after another casereview extended the same item's target again,
    Ctrl+Z in meeting mode was refused (the undo would overwrite that change), but no message
    showed (the box had no window to hold it and was deleted unseen) and meeting mode said
    "Undone". Now the sentence shows, in a box and on the page, and the extension stays."""
    from db.store.database import open_database

    window = sample_window
    window.context.today = lambda: COMING.held_on  # the meeting's day
    mode = open_mode(qtbot, show_meetings(qtbot, window))
    press(qtbot, mode, Qt.Key.Key_Z, CTRL)  # nothing done yet: said, not silence
    assert mode.message.text() == "Nothing to undo."
    to_item(qtbot, mode, item("3"))
    decide(qtbot, mode, Qt.Key.Key_T, ["31 March 2027", "Police asked for time"])
    theirs = open_database(window.context.database.location)  # another casereview
    with theirs, theirs.transaction("Someone else") as session:
        fields = editing.item_fields(session, item("3"))
        later = editing.ItemFields(**{**fields.__dict__, "target_date": dt.date(2027, 6, 30)})
        editing.update_item(session, item("3"), later)
    press(qtbot, mode, Qt.Key.Key_Z, CTRL)
    said = mode.message.text()
    assert "was changed by Someone else" in said and not said.startswith("Undone")
    assert "so the decision was not undone" in said and "your change" not in said
    qtbot.waitUntil(_explanation_shown)
    with window.context.database.session() as session:
        assert editing.item_by_key(session, item("3")).target_date == dt.date(2027, 6, 30)
        (made,) = meetings.decisions(session, COMING).decisions
        assert made.kind is DecisionKind.EXTENDED  # not taken back
    for top in QApplication.topLevelWidgets():
        for box in [top, *top.findChildren(QWidget)]:
            if box.objectName() == "explanation":
                box.close()
    mode.close()


def _explanation_shown() -> bool:
    return any(
        w.objectName() == "explanation" and w.isVisible()
        for top in QApplication.topLevelWidgets()
        for w in [top, *top.findChildren(QWidget)]
    )


def test_a_full_agenda_says_so_before_an_item_is_chosen(
    qtbot: Any, sample_window: MainWindow, monkeypatch: Any
) -> None:
    """Add item… on an agenda at its limit says so at once, in one sentence, and opens no
    dialog (saving would be refused by the service anyway). The limit is lowered to the
    sample's eight entries here; the service's own limit is tested in tests/db."""
    tab = show_meetings(qtbot, sample_window)
    assert len(tab.entries()) == 8
    monkeypatch.setattr(meetings, "AGENDA_LIMIT", 8)
    sample_window.context.last_explanation = ""
    tab.add_button.click()
    assert sample_window.context.last_explanation == (
        "An agenda holds at most 8 entries: remove one before adding another."
    )
    assert QApplication.activeModalWidget() is None or (
        QApplication.activeModalWidget().objectName() == "explanation"
    )
    assert len(tab.entries()) == 8 and not tab.edited


@pytest.mark.qt_no_exception_capture  # the window's own hook says a refusal, as it runs
def test_cancelling_after_a_busy_refusal_leaves_nothing_said_on_the_page(
    qtbot: Any, sample_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Found by a new user: with another program writing, a decision's dialog could not check
    it (the check tries it in a transaction it rolls back) and said so over the dialog, which
    stayed as they had left it; they cancelled it, and meeting mode then said, large and red
    on the page, that the database was busy, over a decision they had chosen not to make.
    Cancelled, nothing more is said; nothing is recorded."""
    window = sample_window
    monkeypatch.setattr(sys, "excepthook", refusals_said(sys.excepthook, window.context.explain))
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 1)  # a second's wait, not ten
    window.context.reopen()
    window.context.today = lambda: COMING.held_on  # the meeting's day
    mode = open_mode(qtbot, show_meetings(qtbot, window))
    to_item(qtbot, mode, item("3"))
    before = (mode.message.text(), log_of(window, item("3")))
    path = window.context.database.location.path
    assert path is not None
    seen: list[str] = []

    with closing(sqlite3.connect(path, isolation_level=None)) as other:

        def fill(dialog: DecisionDialog) -> None:
            dialog.activateWindow()
            qtbot.waitUntil(lambda: QApplication.focusWidget() in dialog.findChildren(QWidget))
            qtbot.keyClicks(QApplication.focusWidget(), "31 March 2027")
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
            qtbot.keyClicks(QApplication.focusWidget(), "Police asked for time")
            other.execute("BEGIN IMMEDIATE")  # another program writing, from now
            qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Return)

        def after_the_refusal() -> None:
            """Close the refusal's box once it shows, then cancel the dialog once back."""
            boxes = [
                w
                for top in QApplication.topLevelWidgets()
                for w in [top, *top.findChildren(QWidget)]
                if w.objectName() == "explanation" and w.isVisible()
            ]
            if boxes and not seen:
                seen.append(boxes[0].text())
                boxes[0].close()
                return
            dialog = QApplication.activeModalWidget()
            if seen and isinstance(dialog, DecisionDialog) and dialog.isVisible():
                seen.append("cancelled")
                timer.stop()
                dialog.reject()

        timer = QTimer()
        timer.timeout.connect(after_the_refusal)
        timer.start(20)
        answer(fill)
        press(qtbot, mode, Qt.Key.Key_T)
        qtbot.waitUntil(lambda: "cancelled" in seen, timeout=10000)
        other.execute("ROLLBACK")
    assert "busy" in seen[0] or "another" in seen[0], seen  # refused for now, and said
    assert (mode.message.text(), log_of(window, item("3"))) == before
    mode.close()


def test_the_minutes_file_offered_is_named_for_its_meeting() -> None:
    """A new user was offered "minutes-2026-12-06.pdf" for both meetings held that day."""
    import datetime as dt

    from db.services.meetings import MeetingKey
    from desktop.tabs.meetings import minutes_name

    day = dt.date(2026, 12, 6)
    usual = MeetingKey(day, "Case Review Subgroup")
    extra = MeetingKey(day, "Case Review Subgroup (extra): R&D / Ops")
    later = MeetingKey(dt.date(2027, 1, 10), "Case Review Subgroup")
    assert minutes_name(later, [usual, extra, later]) == "minutes-2027-01-10.pdf"
    assert minutes_name(usual, [usual, extra, later]) == (
        "minutes-2026-12-06-case-review-subgroup.pdf"
    )
    assert minutes_name(extra, [usual, extra, later]) == (
        "minutes-2026-12-06-case-review-subgroup-extra-r-d-ops.pdf"
    )
    assert minutes_name(
        MeetingKey(day, "Panel, Straße"), [usual, MeetingKey(day, "Panel, Straße")]
    ) == ("minutes-2026-12-06-panel-strasse.pdf")


def _close_explanations() -> None:
    for top in QApplication.topLevelWidgets():
        for box in [top, *top.findChildren(QWidget)]:
            if box.objectName() == "explanation":
                box.close()


def test_a_decision_over_another_users_newer_decision_is_refused(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Found in a two-user trial: meeting mode on item 2 while another user recorded evidence
    requested about it; Alt+S, a note, Enter said "Recorded: signed off" and the item held
    both decisions. Now the sign-off is refused in one sentence naming who and when, nothing
    is written, the screen shows the newer decision, and deciding again then records it."""
    from db.store.database import open_database

    window = sample_window
    window.context.today = lambda: COMING.held_on  # the meeting's day
    mode = open_mode(qtbot, show_meetings(qtbot, window))
    to_item(qtbot, mode, item("2"))
    assert "Evidence requested" not in mode.page.toPlainText()
    theirs = open_database(window.context.database.location)  # bob's casereview
    requested = meetings.DecisionEntry(
        DecisionKind.EVIDENCE_REQUESTED, until=dt.date(2027, 1, 31), whom="ICB"
    )
    with theirs, theirs.transaction("bob") as session:
        meetings.decide(session, COMING, item("2"), requested, on=COMING.held_on, actor="bob")
    decide(qtbot, mode, Qt.Key.Key_S, ["Audit seen"])
    said = mode.message.text()
    assert said.startswith(
        f"bob recorded a decision (evidence requested) about recommendation 2 of {CHILD_A} at "
    ), said
    assert "so your decision was not recorded" in said
    qtbot.waitUntil(_explanation_shown)
    _close_explanations()
    with window.context.database.session() as session:
        kinds = [d.kind for d in meetings.decisions(session, COMING).decisions]
        assert kinds == [DecisionKind.EVIDENCE_REQUESTED]  # nothing of the sign-off written
        assert editing.item_by_key(session, item("2")).status is Status.IMPLEMENTED
    assert "Evidence requested" in mode.page.toPlainText()  # the newer state, on show
    # Now seen, the chair signs off knowingly: recorded.
    decide(qtbot, mode, Qt.Key.Key_S, ["Audit seen"])
    assert mode.message.text() == f"Recorded: signed off for recommendation 2 of {CHILD_A}."
    with window.context.database.session() as session:
        kinds = [d.kind for d in meetings.decisions(session, COMING).decisions]
        assert sorted(kinds) == sorted([DecisionKind.EVIDENCE_REQUESTED, DecisionKind.SIGNED_OFF])
    # Undone here, then another user's change: the redo is refused, naming them.
    press(qtbot, mode, Qt.Key.Key_Z, CTRL)
    assert mode.message.text().startswith("Undone")
    with theirs, theirs.transaction("carol") as session:
        meetings.decide(
            session,
            COMING,
            item("2"),
            meetings.DecisionEntry(DecisionKind.NOTED, "Seen"),
            on=COMING.held_on,
            actor="carol",
        )
    # (Called, not pressed: meeting mode's Ctrl+Y is bound twice, so Qt takes it as
    # ambiguous and does nothing; the keyboard's own fix is another change's.)
    mode.redo()
    said = mode.message.text()
    assert said.startswith("carol recorded a decision (noted) about recommendation 2"), said
    qtbot.waitUntil(_explanation_shown)
    _close_explanations()
    with window.context.database.session() as session:
        assert editing.item_by_key(session, item("2")).status is Status.IMPLEMENTED
    mode.close()


def test_an_agenda_changed_elsewhere_is_not_replaced_unawares(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Found by a new user: an agenda edited in the window and saved replaced, without a
    word, the one a command had stored meanwhile. Now the save is refused in one sentence,
    the edited agenda stays on screen, and saving it again replaces the one stored."""
    tab = show_meetings(qtbot, sample_window)
    key = tab.selected_key()
    assert key is not None
    shown = listed(tab)
    tab.agenda.setCurrentRow(0)
    tab.remove_item()
    database = sample_window.context.database
    with database.transaction("Elsewhere") as session:  # as `meeting agenda --accept` would
        stored = tuple(line.entry for line in meetings.agenda(session, key))
        meetings.set_agenda(session, key, stored[::-1])
    sample_window.context.last_explanation = ""
    tab.save_agenda()
    assert sample_window.context.last_explanation == (
        f"The agenda of {key} was changed elsewhere since it was shown here, so this one was "
        "not saved: it is still on screen, and saving it again replaces the one stored."
    )
    _close_explanations()
    assert tab.edited and listed(tab) == shown[1:]
    with database.session() as session:
        assert [line.entry for line in meetings.agenda(session, key)] == list(stored[::-1])
    tab.save_agenda()
    assert not tab.edited
    with database.session() as session:
        assert [line.entry.what for line in meetings.agenda(session, key)] == shown[1:]


def test_the_agenda_buttons_answer_their_access_keys_on_the_meetings_tab(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """A new user's Alt+R (for Remove) showed the Reviews tab and Alt+I (for Edit…) the
    Initiatives tab; Move up and Move down had no keys."""
    window = sample_window
    tab = show_meetings(qtbot, window)
    press(qtbot, window, Qt.Key.Key_P)  # Propose agenda: the focus in the agenda
    qtbot.waitUntil(lambda: QApplication.focusWidget() is tab.agenda)
    proposed = listed(tab)
    tab.agenda.setCurrentRow(0)
    press(qtbot, window, Qt.Key.Key_O)  # Move down
    qtbot.waitUntil(lambda: listed(tab)[1] == proposed[0])
    assert tab.agenda.currentRow() == 1
    press(qtbot, window, Qt.Key.Key_U)  # Move up
    qtbot.waitUntil(lambda: listed(tab) == proposed)
    press(qtbot, window, Qt.Key.Key_R)  # Remove
    qtbot.waitUntil(lambda: listed(tab) == proposed[1:])
    seen: list[str] = []

    def look(dialog: Any) -> None:
        seen.append(dialog.windowTitle())
        dialog.reject()

    answer(look)
    press(qtbot, window, Qt.Key.Key_I)  # Edit…
    qtbot.waitUntil(lambda: seen == ["Edit meeting"])
    assert window.tabs.currentWidget() is tab


def test_tab_leaves_the_attendees_table_from_a_cell_being_typed_in(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Once a new user had typed in the Attendees table, Tab and Ctrl+Tab went from cell to
    cell and never out, and Alt+O typed an "o" into the cell. Tab from a name goes on to its
    agency (a trial's agency went into Apologies), and from the agency out of the table."""
    dialog = MeetingDialog(lambda _: editing.Problems(), TODAY, None, sample_window.meetings_tab)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.attendees.setFocus()
    dialog.attendees.setCurrentCell(0, 0)
    typed(qtbot, "Ann Smith", every_ms=0)
    assert dialog.attendees.state() == QAbstractItemView.State.EditingState
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert dialog.attendees.hasFocus() and dialog.attendees.currentColumn() == 1
    typed(qtbot, "Fenmarsh Police", every_ms=0)
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    assert QApplication.focusWidget() is dialog.apologies
    assert dialog.attendees.people() == (meetings.Person("Ann Smith", "Fenmarsh Police"),)
    typed(qtbot, "Bo Lee", every_ms=0)  # into the apologies' first cell; Shift+Tab: back
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Backtab, SHIFT)
    assert QApplication.focusWidget() is dialog.attendees
    assert dialog.apologies.people() == (meetings.Person("Bo Lee", ""),)
    qtbot.keyClick(dialog.attendees, Qt.Key.Key_Tab, CTRL)  # not typing: Ctrl+Tab leaves too
    assert QApplication.focusWidget() is dialog.apologies
    qtbot.keyClick(dialog.apologies, Qt.Key.Key_Tab, CTRL | SHIFT)
    assert QApplication.focusWidget() is dialog.attendees
    # Alt+O in a cell being typed in is OK, with what was typed in it.
    dialog.attendees.setCurrentCell(0, 1)
    typed(qtbot, "Police", every_ms=0)
    assert dialog.attendees.state() == QAbstractItemView.State.EditingState
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_O, ALT)
    qtbot.waitUntil(lambda: not dialog.isVisible())
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.result_fields is not None
    assert dialog.result_fields.attendees == (meetings.Person("Ann Smith", "Police"),)
    assert dialog.result_fields.apologies == (meetings.Person("Bo Lee", ""),)


def test_home_and_end_go_to_the_first_and_last_item_in_meeting_mode(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Item 200 of 200 took a new user 199 presses of Next; the keys are said on the page."""
    mode = open_mode(qtbot, show_meetings(qtbot, sample_window))
    # Over the window, where it is (left to the window system it was put below and to the
    # right of it, and at 150 % on a 1366x768 screen ran off its right and bottom edges).
    assert mode.pos() == sample_window.pos()
    last = len(mode.lines) - 1
    assert last > 1
    for key, modifier, position in (
        (Qt.Key.Key_End, Qt.KeyboardModifier.NoModifier, last),
        (Qt.Key.Key_Home, Qt.KeyboardModifier.NoModifier, 0),
        (Qt.Key.Key_End, CTRL, last),
        (Qt.Key.Key_Home, CTRL, 0),
    ):
        qtbot.keyClick(QApplication.focusWidget() or mode, key, modifier)
        assert mode.position == position, (key, modifier)
        assert mode.where.text() == f"Item {position + 1} of {last + 1}"
    assert not mode.previous_button.isEnabled() and mode.next_button.isEnabled()
    assert "Home first" in mode.hint.text() and "End last" in mode.hint.text()
    mode.close()


def test_meeting_mode_does_not_open_when_the_save_it_asked_for_is_refused(
    qtbot: Any, sample_window: MainWindow, monkeypatch: Any
) -> None:
    """Found by a new user: meeting mode asked to save the agenda on screen first; the save
    was refused, and meeting mode opened all the same, over the agenda stored."""
    tab = show_meetings(qtbot, sample_window)
    key = tab.selected_key()
    assert key is not None
    tab.agenda.setCurrentRow(0)
    tab.remove_item()
    with sample_window.context.database.transaction("Elsewhere") as session:
        stored = tuple(line.entry for line in meetings.agenda(session, key))
        meetings.set_agenda(session, key, stored[::-1])
    save = QMessageBox.StandardButton.Save
    monkeypatch.setattr(QMessageBox, "question", lambda *_args: save)  # the user's answer
    tab.meeting_mode()
    _close_explanations()
    assert tab.mode is None and tab.edited


def test_the_detail_tells_an_inspection_s_recommendation_from_its_area_for_improvement(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Both were listed as "1 of <inspection>"; the area for improvement is "AFI 1", as in
    the tracker, the pack and the minutes."""
    inspection = "FICTIONAL-CP-INSPECTION-2"  # on the sample's coming agenda, with both
    with sample_window.context.database.transaction("tester") as session:
        for kind, note in (
            (TrackedKind.RECOMMENDATION, "Recommendation heard."),
            (TrackedKind.AREA_FOR_IMPROVEMENT, "AFI heard."),
        ):
            meetings.decide(
                session,
                COMING,
                ItemKey(inspection, "1", kind),
                meetings.DecisionEntry(DecisionKind.NOTED, note),
                on=COMING.held_on,
                actor="tester",
            )
    tab = show_meetings(qtbot, sample_window)
    tab.select(COMING)
    shown = " ".join(tab.detail.toPlainText().split())
    assert f"1 of {inspection}: Noted \u2014 Recommendation heard." in shown
    assert f"AFI 1 of {inspection}: Noted \u2014 AFI heard." in shown


def test_a_proposal_keeps_first_what_the_meeting_has_decided_about_and_saves(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """A trial's find: an item added by hand and decided about at the meeting was left out of
    the window's proposal (the command line kept it), and saving it was then refused as
    taking a decided item off the agenda. It stays, first, with its stored reason."""
    other = ItemKey("BSCB-SCR-2010", "1", TrackedKind.RECOMMENDATION)
    with sample_window.context.database.transaction("tester") as session:
        entries = [line.entry for line in meetings.agenda(session, COMING)]
        meetings.set_agenda(session, COMING, [*entries, meetings.AgendaEntry(other, "By hand")])
        meetings.decide(session, COMING, other, meetings.DecisionEntry(DecisionKind.NOTED),
                        on=COMING.held_on, actor="tester")  # fmt: skip
    tab = show_meetings(qtbot, sample_window)
    tab.select(COMING)
    tab.propose_button.click()
    shown = listed(tab)
    assert shown[0] == other and shown.count(other) == 1
    tab.save_button.click()
    assert tab.agenda_state.text() == f"{len(shown)} items, as saved."
    with sample_window.context.database.session() as session:
        assert [line.entry.what for line in meetings.agenda(session, COMING)] == shown


def test_enter_in_the_reference_box_adds_the_item_or_says_what_is_missing(qtbot: Any) -> None:
    """A trial's Enter in "Add an item to the agenda"'s Reference box did nothing at all: the
    editable list kept it. Enter there is OK, as in any field: checked, then accepted."""
    from desktop.dialogs.meetings import AgendaItemDialog

    dialog = AgendaItemDialog([CHILD_A, "BSCB-SCR-2010"], lambda key: None)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.reference.setFocus()
    qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
    assert dialog.isVisible()  # no number yet: said beside the field
    assert dialog.messages["number"].text() == "Give the item's number, as its review numbers it."
    dialog.number.setText("4")
    dialog.reference.setFocus()
    qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
    assert not dialog.isVisible() and dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.key() == item("4")


def test_an_inspection_s_item_is_added_not_the_review_s_of_the_same_reference(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """A review may share an inspection's reference, each with a recommendation 1: "Add an
    item to the agenda" given that reference took the review's item, whichever was meant, and
    refused the review's as "on the agenda already" when the inspection's was. The reference
    is offered twice, "(review)" and "(inspection)"; typed alone it is asked about; each
    choice names its own item, and both can be on one agenda."""
    from db.exchange.json_format import parse_document
    from db.exchange.records import apply_document

    shared = "FICTIONAL-CP-INSPECTION-2"  # its recommendation 1 is on the sample's agenda
    own = [{"number": "1", "text": "The review's own item one."}]
    review = {"reference": shared, "kind": "scr", "title": "Same", "recommendations": own}
    with sample_window.context.database.transaction("setup") as session:
        apply_document(session, parse_document({"format": "casereview/1", "reviews": [review]}))
    sample_window.context.data_changed.emit()
    tab = show_meetings(qtbot, sample_window)
    offered: list[str] = []

    def fill(dialog: Any) -> None:
        offered[:] = [dialog.reference.itemText(n) for n in range(dialog.reference.count())]
        dialog.reference.setEditText(shared)
        dialog.number.setText("1")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        assert dialog.isVisible()
        assert dialog.messages["reference"].text() == (
            f"A review and an inspection both have the reference {shared}: choose "
            f"'{shared} (review)' or '{shared} (inspection)' from the list."
        )
        dialog.reference.setCurrentIndex(dialog.reference.findText(f"{shared} (inspection)"))
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        assert dialog.isVisible()
        assert dialog.messages["number"].text() == (
            f"Recommendation 1 of {shared} is on the agenda already."
        )
        dialog.reference.setCurrentIndex(dialog.reference.findText(f"{shared} (review)"))
        ok(dialog)

    answer(fill)
    tab.add_button.click()
    assert f"{shared} (review)" in offered and f"{shared} (inspection)" in offered
    assert shared not in offered
    tab.save_button.click()
    with sample_window.context.database.session() as session:
        texts = [
            editing.item_by_key(session, line.entry.what).text
            for line in meetings.agenda(session, COMING)
            if isinstance(line.entry.what, ItemKey) and line.entry.what == ItemKey(shared, "1")
        ]
        inspections = editing.item_by_key(session, ItemKey(shared, "1", inspection=True)).text
    assert sorted(texts) == sorted(["The review's own item one.", inspections])


def test_delete_empties_a_cell_of_the_attendees_and_takes_out_an_empty_person(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """A trial's Delete on an attendee's cell did nothing, and Backspace began typing in it:
    a person typed by mistake could only be taken out by typing over their name."""
    fields = meetings.MeetingFields(
        held_on=TODAY,
        title="Case Review Subgroup",
        chair="",
        notes="",
        attendees=(
            meetings.Person("Ann Smith", "Fenmarsh Police"),
            meetings.Person("Bo Lee", "Fenmarsh Council"),
            meetings.Person("Cy Ray", "Health"),
        ),
        apologies=(),
    )
    dialog = MeetingDialog(lambda _: editing.Problems(), TODAY, fields, sample_window.meetings_tab)
    qtbot.addWidget(dialog)
    dialog.show()
    table = dialog.attendees
    table.setFocus()
    table.setCurrentCell(1, 1)
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert table.state() != QAbstractItemView.State.EditingState
    assert table.people()[1] == meetings.Person("Bo Lee", "")
    table.setCurrentCell(1, 0)
    qtbot.keyClick(table, Qt.Key.Key_Backspace)  # both cells empty: Bo Lee is no one now
    assert table.people() == (
        meetings.Person("Ann Smith", "Fenmarsh Police"),
        meetings.Person("Cy Ray", "Health"),
    )
    assert table.rowCount() == 3 and (table.currentRow(), table.currentColumn()) == (1, 0)
    table.setCurrentCell(1, 1)
    qtbot.keyClick(table, Qt.Key.Key_A, CTRL)  # all of both people, from an agency
    qtbot.keyClick(table, Qt.Key.Key_Delete)
    assert table.people() == () and table.rowCount() == 1
    assert (table.currentRow(), table.currentColumn()) == (0, 0)  # typing gives a name
