"""A long change (a bulk change of hundreds of items) is made, undone and redone off the GUI
thread, with a progress dialog; the undo stack moves once when it succeeds and not at all when
it is refused or cancelled; and the window asked to close meanwhile says so and offers a
choice. ``IN_THE_BACKGROUND_FROM`` is lowered so that the sample data's items are "long"."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QApplication, QMessageBox, QProgressDialog
from sqlalchemy import func, select

from db.core.vocabulary import Status
from db.services import editing
from db.services.editing import ItemKey
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import ProgressUpdate, Recommendation
from desktop import commands
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import answer, make_window

LONG_FROM = 5  # items; the sample data has a few dozen


@pytest.fixture
def first(sample_path: Path) -> Iterator[Database]:
    database = open_database(resolve_location(str(sample_path)))
    yield database
    database.close()


@pytest.fixture
def second(sample_path: Path) -> Iterator[Database]:
    """Another writer on the same file."""
    database = open_database(resolve_location(str(sample_path)))
    yield database
    database.close()


@pytest.fixture
def window(
    qtbot, first: Database, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> MainWindow:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(commands, "IN_THE_BACKGROUND_FROM", LONG_FROM)
    # Cancel looked for at every item: one waiting on another writer's lock (the session
    # takes it at its first read, after looking once) sees it as it goes on.
    monkeypatch.setattr(commands, "PROGRESS_EVERY", 1)
    return make_window(qtbot, first, settings)


def statuses(database: Database) -> dict[int, Status]:
    with database.session() as session:
        rows = session.execute(select(Recommendation.id, Recommendation.status))
        return {row[0]: row[1] for row in rows}


def corrections(database: Database, said: str) -> int:
    with database.session() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(ProgressUpdate)
                .where(ProgressUpdate.note.contains(said))
            )
            or 0
        )


def to_implemented(window: MainWindow) -> commands.AddUpdate:
    """A bulk change of status of every item that can move to implemented."""
    context = window.context
    with context.database.session() as session:
        ids = list(session.scalars(select(Recommendation.id)))
        plan = editing.plan_status_change(session, ids, Status.IMPLEMENTED, reason="Done")
    keys = [k for k in plan.keys if k not in plan.reopen]
    assert len(keys) >= LONG_FROM
    return commands.AddUpdate(
        context, keys, on=TODAY, author="Tester", note="Done", status=Status.IMPLEMENTED
    )


def changed(qtbot, window: MainWindow) -> commands.AddUpdate:  # type: ignore[no-untyped-def]
    """The bulk change made (off the GUI thread) and on the stack."""
    command = to_implemented(window)
    assert command.in_the_background
    assert commands.run_in_the_background(command, window) is not None
    qtbot.waitUntil(lambda: window.context.undo_stack.count() == 1, timeout=30_000)
    assert window.context.changing is None
    # Its progress dialog deleted (later, as Qt deletes): the next step's is then the only one.
    qtbot.waitUntil(lambda: not window.findChildren(QProgressDialog), timeout=5_000)
    return command


def ended(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: window.context.changing is None, timeout=30_000)
    pool = QThreadPool.globalInstance()
    qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=30_000)


def test_undo_and_redo_of_a_long_change_run_off_the_gui_thread_and_move_the_stack_once(
    qtbot, window: MainWindow, first: Database
) -> None:
    before = statuses(first)
    command = changed(qtbot, window)
    after = statuses(first)
    moved = {k.number for k in command.keys}
    assert sum(1 for i in after if after[i] != before[i]) >= LONG_FROM
    stack, context = window.context.undo_stack, window.context
    assert stack.index() == 1 and stack.canUndo() and not stack.canRedo()

    window.undo_action.trigger()
    # Under way, not done: the GUI thread is back in its event loop with a progress dialog
    # (labelled as the forward change's is), the stack not moved yet, and no second change
    # can start on top of it: Undo and Redo are off, and a command is refused.
    assert context.changing is not None
    assert stack.index() == 1
    assert not window.undo_action.isEnabled() and not window.redo_action.isEnabled()
    (dialog,) = window.findChildren(QProgressDialog)
    assert dialog.labelText() == (f"Undoing the change of status of {len(command.keys):,} items…")
    window.undo_action.trigger()  # a second Ctrl+Z does nothing
    answer(lambda box: box.accept())
    note = commands.AddUpdate(context, command.keys[:1], on=TODAY, author="T", note="A note")
    assert not commands.run(note, window)
    assert "is still being made" in context.last_explanation
    ended(qtbot, window)
    assert statuses(first) == before  # every item put back
    assert stack.index() == 0 and not stack.canUndo() and stack.canRedo()
    assert window.undo_action.isEnabled() is False and window.redo_action.isEnabled()
    # Undone once: one correction an item, not two (the stack did not undo it again).
    assert corrections(first, "was undone") == len(command.keys)
    qtbot.waitUntil(lambda: not window.findChildren(QProgressDialog), timeout=5_000)

    window.redo_action.trigger()
    assert stack.index() == 0 and context.changing is not None
    ended(qtbot, window)
    assert statuses(first) == after
    assert stack.index() == 1 and stack.canUndo() and not stack.canRedo()
    assert corrections(first, "was redone") == len(command.keys)
    assert moved  # the items the change named


def test_a_refused_undo_changes_nothing_leaves_the_stack_and_explains(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    command = changed(qtbot, window)
    gone = command.keys[len(command.keys) // 2]
    with second.transaction("Second Writer") as session:  # another writer removes one item
        editing.remove_item(session, gone, TODAY)
    left = statuses(first)
    refreshed: list[bool] = []
    window.context.data_changed.connect(lambda: refreshed.append(True))
    answer(lambda box: box.accept())
    window.undo_action.trigger()
    ended(qtbot, window)
    assert statuses(first) == left  # not one item put back: rolled back whole
    stack = window.context.undo_stack
    assert stack.index() == 1 and stack.canUndo() and not stack.canRedo()
    said = window.context.last_explanation
    assert said and "\n" not in said and "Traceback" not in said
    assert refreshed


def test_a_cancelled_undo_changes_nothing_and_leaves_the_stack(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    changed(qtbot, window)
    left = statuses(first)
    # Another writer holds the write lock, so the undo waits to begin until it is cancelled.
    with second.transaction("Second Writer"):
        window.undo_action.trigger()
        (dialog,) = window.findChildren(QProgressDialog)
        dialog.canceled.emit()  # what its Cancel button sends
        qtbot.wait(100)
    ended(qtbot, window)
    qtbot.wait(50)
    assert statuses(first) == left
    stack = window.context.undo_stack
    assert stack.index() == 1 and stack.canUndo() and not stack.canRedo()
    assert window.statusBar().currentMessage() == "Cancelled; nothing was changed."
    assert window.undo_action.isEnabled()


def click(text: str) -> Any:
    def fill(box: QMessageBox) -> None:
        assert "A change to " in box.text() and "is still being made" in box.text()
        (button,) = [b for b in box.buttons() if b.text().replace("&", "") == text]
        button.click()

    return fill


def test_closing_during_a_change_can_wait_for_it_to_finish(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    before = statuses(first)
    command = to_implemented(window)
    with second.transaction("Second Writer"):  # the change waits for the write lock
        commands.run_in_the_background(command, window)
        answer(click("Close when finished"))
        assert not window.close()
        qtbot.waitUntil(lambda: window.close_question is None, timeout=5_000)  # answered
        assert (
            window.close_after == "finish" and window.isVisible()
        )  # still open while the change runs
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    ended(qtbot, window)
    after = statuses(first)
    assert {after[i] for i in after if after[i] != before[i]} == {Status.IMPLEMENTED}
    assert sum(1 for i in after if after[i] != before[i]) == len(command.keys)  # wholly


def test_closing_during_an_undo_can_stop_it_and_close(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    changed(qtbot, window)
    left = statuses(first)
    with second.transaction("Second Writer"):
        window.undo_action.trigger()
        answer(click("Stop it and close"))
        assert not window.close()
        qtbot.waitUntil(lambda: window.close_question is None, timeout=5_000)  # answered
    qtbot.waitUntil(lambda: not window.isVisible(), timeout=30_000)
    ended(qtbot, window)
    assert statuses(first) == left  # wholly unchanged: the undo rolled back


def test_closing_during_a_change_can_be_declined(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    command = to_implemented(window)
    with second.transaction("Second Writer"):
        commands.run_in_the_background(command, window)
        answer(click("Keep the window open"))
        assert not window.close()
        qtbot.waitUntil(lambda: window.close_question is None, timeout=5_000)
    ended(qtbot, window)
    assert window.isVisible() and window.context.undo_stack.count() == 1
    assert window.close()  # nothing running now: closes at once, asking nothing


def test_the_question_about_closing_is_asked_over_the_progress_dialog(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    """Found by a new user: asked over the window in the change's first moment, the question
    was covered by the progress dialog that then came up, which took its clicks."""
    command = to_implemented(window)
    with second.transaction("Second Writer"):
        dialog = commands.run_in_the_background(command, window)
        assert dialog is not None and not dialog.isVisible()  # its moment not come yet
        assert not window.close()
        question = window.close_question
        assert question is not None and question.isVisible()
        assert question.parentWidget() is dialog and dialog.isVisible()
        assert QApplication.activeModalWidget() is question  # in front, taking the clicks
        click("Keep the window open")(question)
        assert window.close_question is None and window.close_after is None
    ended(qtbot, window)
    assert window.isVisible()


def test_a_change_ending_before_the_question_is_answered_withdraws_it(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    """Found by a new user: the question stayed after the change had been made, still saying
    it was being made, and "Stop it and close" then closed over the change it had kept."""
    before = statuses(first)
    command = to_implemented(window)
    with second.transaction("Second Writer"):
        commands.run_in_the_background(command, window)
        assert not window.close()
        question = window.close_question
        assert question is not None
    ended(qtbot, window)  # made, the question unanswered
    assert window.close_question is None
    del question  # gone with the progress dialog (a Python name for a deleted widget)
    assert not [
        w for w in QApplication.topLevelWidgets()
        if w.objectName() == "closing while changing" and w.isVisible()
    ]  # fmt: skip
    assert window.isVisible()
    assert "made before the question about closing was answered" in (
        window.statusBar().currentMessage()
    )
    after = statuses(first)
    assert sum(1 for i in after if after[i] != before[i]) == len(command.keys)
    assert window.close()  # nothing running now: closes at once, asking nothing


def test_stopping_a_change_made_already_keeps_the_window_open_and_says_so(
    qtbot, window: MainWindow, first: Database
) -> None:
    """ "Stop it and close" answered just as the change was made (its end not yet told to the
    window): the change is kept whole, so the window says so and stays open for Undo."""
    before = statuses(first)
    command = to_implemented(window)
    commands.run_in_the_background(command, window)
    assert not window.close()
    question = window.close_question
    assert question is not None
    assert QThreadPool.globalInstance().waitForDone(30_000)  # made; the window not told yet
    click("Stop it and close")(question)
    assert window.close_after == "stop"
    answer(lambda box: box.accept())
    ended(qtbot, window)
    qtbot.wait(50)
    assert window.isVisible()
    assert "had been made before it could be stopped" in window.context.last_explanation
    after = statuses(first)
    assert sum(1 for i in after if after[i] != before[i]) == len(command.keys)
    assert window.context.undo_stack.canUndo()


def test_ctrl_q_in_the_progress_dialog_asks_about_the_change(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    """The progress dialog is window-modal, so the window's own Ctrl+Q cannot reach it while
    it shows: the dialog's Ctrl+Q asks as closing the window does."""
    command = to_implemented(window)
    with second.transaction("Second Writer"):
        dialog = commands.run_in_the_background(command, window)
        assert dialog is not None
        (quitting,) = [
            s for s in dialog.findChildren(QShortcut)
            if s.key().matches(QKeySequence(QKeySequence.StandardKey.Quit))
            == QKeySequence.SequenceMatch.ExactMatch
        ]  # fmt: skip
        quitting.activated.emit()
        assert window.close_question is not None
        click("Keep the window open")(window.close_question)
    ended(qtbot, window)
    assert window.isVisible()


def test_a_short_command_undoes_at_once(qtbot, window: MainWindow, first: Database) -> None:
    command = commands.AddUpdate(
        window.context, [ItemKey(*next(iter(_one_key(first))))], on=TODAY, author="T", note="N"
    )
    assert not command.in_the_background
    assert commands.run(command, window)
    window.undo_action.trigger()
    assert window.context.undo_stack.index() == 0 and window.context.changing is None


def _one_key(database: Database) -> Iterator[tuple[str, str]]:
    with database.session() as session:
        ids = list(session.scalars(select(Recommendation.id)))
        plan = editing.plan_status_change(session, ids, Status.IN_PROGRESS)
    yield from ((k.source, k.number) for k in plan.keys)


def test_meeting_mode_says_when_a_long_undo_under_way_has_been_made(
    qtbot, window: MainWindow, first: Database
) -> None:
    """Found by a new user: meeting mode's "Undoing: …" stayed after the undo was made."""
    before = statuses(first)
    changed(qtbot, window)
    tab = window.meetings_tab
    window.tabs.setCurrentWidget(tab)
    qtbot.waitUntil(lambda: tab.loaded and tab.selected_key() is not None, timeout=10_000)
    tab.meeting_mode()
    mode = tab.mode
    assert mode is not None
    qtbot.waitExposed(mode)
    mode.undo()
    assert mode.message.text().startswith("Undoing: ")
    ended(qtbot, window)
    qtbot.waitUntil(lambda: mode.message.text().startswith("Undone: "), timeout=5_000)
    assert statuses(first) == before
    mode.close()


def test_the_window_follows_the_stack_through_a_refused_undo_and_a_clear(
    qtbot, window: MainWindow, first: Database, second: Database
) -> None:
    """The window's own list of the stack's commands (``AppContext.commands``, read rather
    than ``QUndoStack.command``, which crashed the window after a refused undo) stays the
    stack's: a refused short undo leaves the long change before it to be undone off the GUI
    thread, and a cleared stack is followed."""
    context, stack = window.context, window.context.undo_stack
    long = changed(qtbot, window)
    key = next(k for k in (ItemKey(*pair) for pair in _one_key(first)) if k not in long.keys)
    short = commands.AddUpdate(context, [key], on=TODAY, author="T", note="A note")
    assert commands.run(short, window)
    assert context.commands == [long, short] and stack.count() == 2
    with second.transaction("Second Writer") as session:  # the short one's item goes
        editing.remove_item(session, key, TODAY)
    answer(lambda box: box.accept())
    window.undo_action.trigger()  # refused: made obsolete, and the stack deletes it
    assert context.last_explanation
    assert context.commands == [long] and stack.count() == 1 and stack.index() == 1
    window.undo_action.trigger()  # the long change's undo: off the GUI thread, as it is long
    assert context.changing is not None
    ended(qtbot, window)
    assert stack.index() == 0 and context.commands == [long]
    stack.clear()  # as an import clears it, without telling the list
    assert commands._on_stack(context, 0) is None and context.commands == []
