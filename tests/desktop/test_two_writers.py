"""Two windows on one database never silently lose an edit: the second writer is told the
record changed, and shown it as it now is."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEvent, QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QMessageBox

from db.core.errors import ConflictError
from db.services import editing
from db.services.editing import ItemKey
from db.store import database as database_module
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.qtutils import keys_guarded
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import CHILD_A, answer, make_window, ok, select_item, show_tracker

KEY = ItemKey(CHILD_A, "5")


@pytest.fixture
def second(sample_path: Path) -> Iterator[Database]:
    database = open_database(resolve_location(str(sample_path)))
    yield database
    database.close()


@pytest.fixture
def first(sample_path: Path) -> Iterator[Database]:
    database = open_database(resolve_location(str(sample_path)))
    yield database
    database.close()


def owner(database: Database) -> str:
    with database.session() as session:
        return editing.item_fields(session, KEY).owner


def test_an_edit_over_someone_elses_change_is_refused(first: Database, second: Database):
    with first.session() as session:
        read = editing.item_fields(session, KEY)  # the first window opens the item
    with second.transaction("Second Writer") as session:  # the second saves a change to it
        editing.update_item(session, KEY, replace(read, owner="Second owner"))
    with (
        pytest.raises(ConflictError, match="changed by Second Writer at") as refused,
        first.transaction("First Writer") as session,
    ):
        editing.update_item(session, KEY, replace(read, owner="First owner"), expected=read.version)
    assert "your change was not saved" in refused.value.message
    assert owner(first) == "Second owner"


def test_the_second_window_is_told_and_shown_the_change(
    qtbot, first: Database, second: Database, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    windows: list[MainWindow] = []
    for n, database in enumerate((first, second)):
        settings = Settings(QSettings(str(tmp_path / f"s{n}.ini"), QSettings.Format.IniFormat))
        windows.append(make_window(qtbot, database, settings))
    mine, theirs = windows
    for window in windows:
        show_tracker(window)
        select_item(window, CHILD_A, "5")

    def typed(text: str):  # type: ignore[no-untyped-def]
        def fill(dialog: Any) -> None:
            dialog.owner.setText(text)
            ok(dialog)

        return fill

    # Both open the edit dialog on the same item; theirs is saved first.
    def mine_after_theirs(dialog: Any) -> None:
        answer(typed("Their owner"))
        theirs.recommendations_tab.edit_item()
        typed("My owner")(dialog)

    answer(mine_after_theirs)
    mine.recommendations_tab.edit_item()

    assert owner(first) == "Their owner"
    explained = mine.context.last_explanation
    assert "was changed by Tester at" in explained and "your change was not saved" in explained
    assert "Their owner" in mine.recommendations_tab.detail.toPlainText()  # shown as it is now
    assert not mine.context.undo_stack.canUndo()
    # Their own edit still undoes: the item is as their command left it.
    theirs.undo_action.trigger()
    assert owner(first) == "Chair of the Schools Alliance"


def test_a_review_edit_over_someone_elses_change_is_refused(first: Database, second: Database):
    with first.session() as session:
        read = editing.review_fields(session, CHILD_A)
    with second.transaction("Second Writer") as session:
        editing.update_review(session, CHILD_A, replace(read, summary="Their summary."))
    with (
        pytest.raises(ConflictError, match=f"Review {CHILD_A} was changed by Second Writer"),
        first.transaction("First Writer") as session,
    ):
        editing.update_review(
            session, CHILD_A, replace(read, summary="Mine."), expected=read.version
        )
    with first.session() as session:
        assert editing.review_fields(session, CHILD_A).summary == "Their summary."


def test_the_windows_own_changes_undo_in_any_number(qtbot, first: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Two edits of one item, and a status change between them, all undo and redo: only
    someone else's change stops an undo, never the window's own."""
    from db.core.vocabulary import Status
    from desktop import commands

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    window = make_window(qtbot, first, settings)
    context = window.context
    for text in ("First owner", "Second owner"):
        with first.session() as session:
            read = editing.item_fields(session, KEY)
        assert commands.run(commands.EditItem(context, KEY, read, replace(read, owner=text)))
        if text == "First owner":
            started = Status.IN_PROGRESS
            update = commands.AddUpdate(
                context, [KEY], on=TODAY, author="Tester", note="Started.", status=started
            )
            assert commands.run(update)
    stack = context.undo_stack
    while stack.canUndo():
        stack.undo()
    assert owner(first) == "Chair of the Schools Alliance"
    while stack.canRedo():
        stack.redo()
    assert owner(first) == "Second owner"
    assert context.last_explanation == ""


def test_an_import_that_changes_only_agencies_still_moves_the_version(
    first: Database, second: Database
):
    from db.exchange import apply_document, collect_document

    with first.session() as session:
        read = editing.item_fields(session, KEY)
    with second.transaction("Importer") as session:
        doc = collect_document(session, TODAY, [CHILD_A])
        (item,) = [r for r in doc.reviews[0].recommendations if r.number == "5"]
        item.lead_agencies = ["Fenmarsh Youth Service (fictional)"]
        apply_document(session, doc)
    with (
        pytest.raises(ConflictError, match="was changed by Importer at"),
        first.transaction("First Writer") as session,
    ):
        editing.update_item(session, KEY, replace(read, owner="Mine"), expected=read.version)


def test_undo_and_redo_across_a_record_made_again(qtbot, first: Database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """A deleted review restored by undo, and an item made again by redo, are new rows: the
    window's own edits of them still undo and redo."""
    from desktop import commands

    settings = Settings(QSettings(str(tmp_path / "s.ini"), QSettings.Format.IniFormat))
    context = make_window(qtbot, first, settings).context
    stack = context.undo_stack
    with first.session() as session:
        read = editing.item_fields(session, KEY)
    assert commands.run(commands.EditItem(context, KEY, read, replace(read, owner="Edited")))
    assert commands.run(commands.DeleteReview(context, CHILD_A))
    stack.undo()  # the review, and its items, made again
    stack.undo()  # the edit
    assert owner(first) == "Chair of the Schools Alliance"
    stack.redo()
    assert owner(first) == "Edited"

    made = editing.ItemFields(number="99", text="Made by the test.")
    assert commands.run(commands.CreateItem(context, CHILD_A, made))
    key = ItemKey(CHILD_A, "99")
    with first.session() as session:
        read = editing.item_fields(session, key)
    assert commands.run(commands.EditItem(context, key, read, replace(read, owner="Owner 99")))
    stack.undo()
    stack.undo()
    stack.redo()  # made again: a new row
    stack.redo()
    with first.session() as session:
        assert editing.item_fields(session, key).owner == "Owner 99"
    assert context.last_explanation == ""


@pytest.mark.parametrize(("tab", "key"), [("recommendations", "escape"), ("reviews", "return")])
def test_an_edit_the_database_cannot_take_yet_keeps_what_was_typed(
    qtbot: Any, sample_window: MainWindow, monkeypatch: pytest.MonkeyPatch, tab: str, key: str
) -> None:
    """Another program holds the write lock past the wait (an import of a large tracker, say):
    the window had said so and dropped the edit with its dialog, and a user lost what they had
    typed. The dialog now comes back as they left it, with the refusal in front of it and the
    keyboard in the refusal: Escape or Enter, as anyone closes a warning, closes it alone
    (a new user's Escape had reached the dialog beneath and cancelled it; an Enter had
    pressed OK again). OK once the other program has finished saves the change."""
    window = sample_window
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 1)
    window.context.reopen()  # its connections wait a second, not ten
    path = window.context.database.location.path
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # as another program writing would
    seen: dict[str, Any] = {}
    typed = "Typed while another program wrote"
    pressed = Qt.Key.Key_Escape if key == "escape" else Qt.Key.Key_Return

    def field(dialog: Any) -> Any:
        return dialog.owner if tab == "recommendations" else dialog.title_edit

    def type_and_press_ok(dialog: Any) -> None:
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        field(dialog).setFocus(Qt.FocusReason.MouseFocusReason)  # clicked into, then typed
        field(dialog).setText(typed)
        answer(back_with_the_refusal_over_it)
        ok(dialog)  # refused after the wait; the dialog comes back with the refusal over it

    def back_with_the_refusal_over_it(dialog: Any) -> None:
        qtbot.waitUntil(lambda: _refusal_over(dialog) is not None)
        box = _refusal_over(dialog)
        seen["said"] = box.text()
        qtbot.waitUntil(box.isActiveWindow)  # in front, by itself
        focus = QApplication.focusWidget()
        seen["focus in the refusal"] = focus is not None and box.isAncestorOf(focus)
        # Once the user can have read it: keys pressed as it shows do nothing (guard_keys).
        qtbot.waitUntil(lambda: not keys_guarded(box), timeout=3000)
        qtbot.keyClick(focus or box, pressed)  # meant for the message alone
        qtbot.waitUntil(lambda: not box.isVisible())
        seen["kept"] = dialog.isVisible() and field(dialog).text() == typed
        seen["saved meanwhile"] = saved() == typed
        # The keyboard is back where the user was, nothing selected: their next words go on
        # from there (shown again, the dialog had put it in its first field, text selected,
        # and a new user's next words replaced the review's reference).
        dialog.activateWindow()  # as the window manager does when the message closes
        qtbot.waitUntil(dialog.isActiveWindow)
        seen["back in the field"] = QApplication.focusWidget() is field(dialog)
        seen["selected"] = field(dialog).hasSelectedText()
        field(dialog).end(False)
        qtbot.keyClicks(QApplication.focusWidget() or dialog, " again")
        holder.execute("ROLLBACK")  # the other program has finished
        ok(dialog)

    def saved() -> str:
        with window.context.database.session() as session:
            if tab == "recommendations":
                return editing.item_fields(session, KEY).owner
            return editing.review_fields(session, CHILD_A).title

    answer(type_and_press_ok)
    try:
        if tab == "recommendations":
            show_tracker(window)
            select_item(window, CHILD_A, "5")
            window.recommendations_tab.edit_item()
        else:
            window.reviews_tab.select(CHILD_A)
            window.reviews_tab.edit_review()
    finally:
        holder.close()
    assert seen["said"].startswith("The database is busy: another program")
    assert seen["focus in the refusal"]
    assert seen["kept"]  # the dialog is still there, as the user left it
    assert not seen["saved meanwhile"]  # Enter did not press the dialog's OK again
    assert seen["back in the field"] and not seen["selected"]
    assert saved() == f"{typed} again"  # OK once the lock had gone
    assert window.context.undo_stack.canUndo()
    assert QApplication.overrideCursor() is None  # the busy cursor went with the wait


def _refusal_over(dialog: Any) -> QMessageBox | None:
    box = dialog.findChild(QMessageBox, "explanation")
    return box if box is not None and box.isVisible() else None


def test_the_refusal_is_said_though_the_field_last_typed_in_has_gone(
    qtbot: Any, sample_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dialog remembers the field the keyboard was last in, to return to it after a
    refusal; a field gone since (the idle lock's passphrase field, put in the dialog while
    it was locked and removed on unlocking) had made the refusal itself fail unsaid, with a
    traceback, and the dialog came back with no word of why."""
    window = sample_window
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", 1)
    window.context.reopen()
    path = window.context.database.location.path
    assert path is not None
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    said: list[str] = []

    def type_in_a_field_that_then_goes(dialog: Any) -> None:
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        passing = QLineEdit(dialog)  # as the lock's passphrase field is
        passing.show()
        passing.setFocus(Qt.FocusReason.MouseFocusReason)
        dialog.owner.setText("Kept through the refusal")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).setFocus()
        passing.deleteLater()
        QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)  # gone, now
        answer(back)
        ok(dialog)

    def back(dialog: Any) -> None:
        qtbot.waitUntil(lambda: _refusal_over(dialog) is not None)
        box = _refusal_over(dialog)
        said.append(box.text())
        box.button(QMessageBox.StandardButton.Ok).click()
        holder.execute("ROLLBACK")
        ok(dialog)

    answer(type_in_a_field_that_then_goes)
    try:
        show_tracker(window)
        select_item(window, CHILD_A, "5")
        window.recommendations_tab.edit_item()
    finally:
        holder.close()
    assert said and said[0].startswith("The database is busy")
    assert owner(window.context.database) == "Kept through the refusal"


def _window_of(qtbot: Any, database: Database, tmp_path: Path, actor: str) -> MainWindow:
    """A window of ``actor``'s own, on the tracker."""
    from desktop.context import AppContext

    settings = Settings(QSettings(str(tmp_path / f"{actor}.ini"), QSettings.Format.IniFormat))
    window = MainWindow(AppContext(database, settings, today=lambda: TODAY, actor=actor))
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    show_tracker(window)
    return window


def _delete_selected(qtbot: Any, window: MainWindow) -> None:
    """The Delete key on the selected item, and Yes to its question."""

    def yes() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, yes)
            return
        box.button(QMessageBox.StandardButton.Yes).click()

    QTimer.singleShot(0, yes)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    tab = window.recommendations_tab
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)


EIGHT = ItemKey(CHILD_A, "8")


def test_redoing_a_delete_over_someone_elses_change_is_refused(
    qtbot: Any, first: Database, second: Database, tmp_path: Path
) -> None:
    """Found in a two-user trial: bob deleted item 8 and undid it; alice changed its owner;
    bob's redo deleted it again with no message, dropping alice's change. Now the redo is
    refused, naming alice's change, and nothing is written."""
    bob = _window_of(qtbot, first, tmp_path, "bob")
    alice = _window_of(qtbot, second, tmp_path, "alice")
    select_item(bob, CHILD_A, "8")
    _delete_selected(qtbot, bob)
    with first.session() as session:
        assert editing.item_id(session, EIGHT) is None
    bob.undo_action.trigger()  # put back
    alice.refresh()
    select_item(alice, CHILD_A, "8")

    def typed(dialog: Any) -> None:
        dialog.owner.setText("ALICE owner of 8")
        ok(dialog)

    answer(typed)
    alice.recommendations_tab.edit_item()
    assert alice.context.last_explanation == ""
    bob.context.last_explanation = ""
    bob.redo_action.trigger()
    said = bob.context.last_explanation
    assert said.startswith(f"Recommendation 8 of {CHILD_A} was changed by alice at "), said
    assert "so the deletion was not redone" in said and "your change" not in said
    with first.session() as session:
        assert editing.item_fields(session, EIGHT).owner == "ALICE owner of 8"
    assert not bob.context.undo_stack.canRedo()


def test_saving_an_item_someone_deleted_meanwhile_says_who_and_when(
    qtbot: Any, first: Database, second: Database, tmp_path: Path
) -> None:
    """Found in a two-user trial: alice had item 8's edit dialog open while bob deleted it;
    OK said only "There is no recommendation 8 of …". Now it says who deleted it and when,
    and that the change was not saved."""
    alice = _window_of(qtbot, first, tmp_path, "alice")
    bob = _window_of(qtbot, second, tmp_path, "bob")
    select_item(alice, CHILD_A, "8")
    select_item(bob, CHILD_A, "8")

    def deleted_meanwhile(dialog: Any) -> None:
        _delete_selected(qtbot, bob)
        dialog.owner.setText("ALICE owner of 8")
        ok(dialog)

    answer(deleted_meanwhile)
    alice.context.last_explanation = ""
    alice.recommendations_tab.edit_item()
    said = alice.context.last_explanation
    assert said.startswith(f"Recommendation 8 of {CHILD_A} was deleted by bob at "), said
    assert said.endswith(" since you opened it, so your change was not saved."), said
    with first.session() as session:
        assert editing.item_id(session, EIGHT) is None  # nothing written


def test_the_history_pane_of_an_item_put_back_shows_all_of_it(
    qtbot: Any, first: Database, tmp_path: Path
) -> None:
    """Found in a two-user trial: after bob's undo of a deletion, item 8's History showed only
    "bob: created it". Now its first creation shows, with the deletion and the restoring."""
    bob = _window_of(qtbot, first, tmp_path, "bob")
    select_item(bob, CHILD_A, "8")
    _delete_selected(qtbot, bob)
    bob.undo_action.trigger()  # put back, and selected again
    pane = bob.recommendations_tab.detail.toPlainText()
    history = pane[pane.index("History") :]
    assert "setup: created it" in history, history
    assert "bob: deleted it" in history and "bob: restored it (undoing its deletion)" in history
    assert "bob: created it" not in history


def test_redoing_a_delete_over_evidence_added_since_is_refused(
    qtbot: Any, first: Database, second: Database, tmp_path: Path
) -> None:
    """Evidence another user added after the undo changes no field of the item: the redone
    deletion, which would take the evidence with it, is refused all the same."""
    from db.store import lifecycle

    bob = _window_of(qtbot, first, tmp_path, "bob")
    select_item(bob, CHILD_A, "8")
    _delete_selected(qtbot, bob)
    bob.undo_action.trigger()
    with second.transaction("alice") as session:
        rec = editing.item_by_key(session, EIGHT)
        lifecycle.add_evidence(
            session, rec.id, description="Audit", reference="Doc 9", added_by="alice"
        )
    bob.context.last_explanation = ""
    bob.redo_action.trigger()
    said = bob.context.last_explanation
    assert said.startswith(f"Recommendation 8 of {CHILD_A} was changed by alice at "), said
    with first.session() as session:
        assert [e.reference for e in editing.item_by_key(session, EIGHT).evidence] == ["Doc 9"]


def test_redoing_a_whole_deletion_over_someone_elses_change_is_refused(
    qtbot: Any, first: Database, second: Database, tmp_path: Path
) -> None:
    """The redo of an item's deletion was refused over another user's change; a review's,
    an inspection's and a meeting's were not: bob's redo deleted alice's progress update (or
    her new agenda item) with them, unseen. Now each is refused, and nothing is written."""
    from sqlalchemy import select

    from db.services import inspecting, meetings
    from db.store.lifecycle import record_update
    from db.store.models import Inspection
    from desktop import commands
    from tests.helpers.laptop import snapshot

    bob = _window_of(qtbot, first, tmp_path, "bob")
    with first.session() as session:
        inspection = session.scalars(select(Inspection.reference)).first()
        assert inspection is not None
        meeting = meetings.meeting_rows(session, TODAY)[-1].key

    def alice_adds_an_update() -> None:
        with second.transaction("alice") as session:
            rec = editing.item_by_key(session, EIGHT)
            record_update(session, rec.id, on=TODAY, author="alice", note="Alice's update")

    def alice_changes_the_meeting() -> None:
        with second.transaction("alice") as session:
            fields = meetings.meeting_fields(session, meeting)
            changed = replace(fields, notes="Alice's notes", version=None)
            meetings.update_meeting(session, meeting, changed)

    def alice_changes_the_inspection() -> None:
        with second.transaction("alice") as session:
            found = inspecting.inspection_by_reference(session, inspection)
            found.summary = "Alice's summary"

    for command, name, change in (
        (commands.DeleteReview(bob.context, CHILD_A), f"Review {CHILD_A}", alice_adds_an_update),
        (
            commands.DeleteInspection(bob.context, inspection),
            f"Inspection {inspection}",
            alice_changes_the_inspection,
        ),
        (
            commands.DeleteMeeting(bob.context, meeting),
            f"The meeting {meeting}",
            alice_changes_the_meeting,
        ),
    ):
        assert commands.run(command, bob)
        bob.undo_action.trigger()  # put back
        change()
        before = snapshot(first)
        bob.context.last_explanation = ""
        bob.redo_action.trigger()
        said = bob.context.last_explanation
        assert said == (
            f"{name} was changed since its deletion was undone, so the deletion was not "
            "redone, as that would lose the other change; the window now shows it as it is."
        ), said
        assert snapshot(first) == before  # nothing written: alice's change kept
        assert not bob.context.undo_stack.canRedo()
