"""Edits in the window as a user makes them: bulk status changes by the lifecycle's rules,
checks made before a dialog closes, deletions with confirmation and undo, and new
recommendations from the tab where the review is chosen. Real dialogs over a real file."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QMessageBox

from db.core.vocabulary import Status
from db.services import editing
from db.services.editing import ItemKey
from db.store.database import Database
from desktop.dialogs.forms import FormDialog
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import CHILD_A, answer, ok, select_item, show_tracker


def answer_box(button: QMessageBox.StandardButton, seen: list[str]) -> None:
    """When the next question box opens, note its text and press ``button``."""

    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, act)
            return
        seen.append(box.text())
        box.button(button).click()

    QTimer.singleShot(0, act)


def state(database: Database, number: str) -> tuple[Any, ...]:
    with database.session() as session:
        rec = editing.item_by_key(session, ItemKey(CHILD_A, number))
        return (
            rec.status,
            rec.status_reason,
            rec.assured_by,
            rec.assured_on,
            rec.closed_on,
            [u.note for u in rec.updates],
        )


def select_rows(qtbot: Any, window: MainWindow, numbers: list[str]) -> None:
    """Click the first row, Ctrl+click the others, as a user picks rows."""
    tab = window.recommendations_tab
    tab.filters.source.setCurrentIndex(tab.filters.source.findData(CHILD_A))
    for n, number in enumerate(numbers):
        row = next(r for r, shown in enumerate(tab.model.rows) if shown.number == number)
        rect = tab.view.visualRect(tab.model.index(row, 1))
        modifier = Qt.KeyboardModifier.ControlModifier if n else Qt.KeyboardModifier.NoModifier
        qtbot.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    assert len(tab.selected_ids()) == len(numbers)


def fill_bulk(  # type: ignore[no-untyped-def]
    qtbot: Any, status: Status, note: str, seen: dict[str, str], then: Callable[[], None]
):
    def fill(dialog: Any) -> None:
        dialog.status.setCurrentIndex(dialog.status.findData(status.value))
        qtbot.keyClicks(dialog.note, note)
        seen["summary"] = dialog.summary.text()
        then()
        ok(dialog)

    return fill


def test_a_bulk_change_keeps_the_lifecycle_and_asks_before_reopening(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    numbers = ["1", "3", "5", "7"]
    before = {n: state(db_file, n) for n in numbers}
    assert before["1"][0] is Status.CLOSED and before["1"][2]  # signed off
    select_rows(qtbot, sample_window, numbers)
    seen: dict[str, str] = {}
    questions: list[str] = []
    answer(
        fill_bulk(
            qtbot,
            Status.IN_PROGRESS,
            "Restarted after the audit",
            seen,
            lambda: answer_box(QMessageBox.StandardButton.Yes, questions),
        )
    )
    qtbot.mouseClick(tab.bulk_button, Qt.MouseButton.LeftButton)
    assert seen["summary"].startswith("Will change 3 items to in progress.")
    assert "Will reopen 2 items that were finished (1 signed off" in seen["summary"]
    assert (
        f"Will skip 1 item: Recommendation 3 of {CHILD_A} is already in progress."
        in (seen["summary"])
    )
    assert questions and questions[0].endswith("Reopen 2 finished items?")
    after = {n: state(db_file, n) for n in numbers}
    assert after["3"] == before["3"]  # skipped: untouched, no note
    for n in ("1", "5", "7"):
        assert after[n][0] is Status.IN_PROGRESS
        assert after[n][5][-1].startswith("Restarted after the audit")
    assert "it had been signed off by Independent Chair" in after["1"][5][-1]
    select_item(sample_window, CHILD_A, "1")  # the ended sign-off is a line of its own
    assert "Restarted after the audit\nReopened: it had been signed off" in (
        tab.detail.toPlainText()
    )
    sample_window.undo_action.trigger()  # one command: every item exactly as it was
    for n in numbers:
        assert state(db_file, n)[:5] == before[n][:5]


def test_a_bulk_change_that_would_reopen_does_nothing_when_refused(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    before = {n: state(db_file, n) for n in ("1", "5")}
    select_rows(qtbot, sample_window, ["1", "5"])
    questions: list[str] = []
    answer(
        fill_bulk(
            qtbot,
            Status.IN_PROGRESS,
            "Restarted",
            {},
            lambda: answer_box(QMessageBox.StandardButton.No, questions),
        )
    )
    qtbot.mouseClick(sample_window.recommendations_tab.bulk_button, Qt.MouseButton.LeftButton)
    assert questions
    assert {n: state(db_file, n) for n in ("1", "5")} == before
    assert not sample_window.isWindowModified()


def test_a_bulk_change_needs_a_note(qtbot: Any, sample_window: MainWindow) -> None:
    show_tracker(sample_window)
    select_rows(qtbot, sample_window, ["4", "5"])
    seen: dict[str, str] = {}

    def fill(dialog: FormDialog) -> None:
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen["note"] = dialog.messages["note"].text()
        seen["visible"] = str(dialog.isVisible())
        dialog.reject()

    answer(fill)
    qtbot.mouseClick(sample_window.recommendations_tab.bulk_button, Qt.MouseButton.LeftButton)
    assert seen == {
        "note": "Write a note; it goes into each item's progress log.",
        "visible": "True",
    }


# ----------------------------------------------------------------------------- item 6


def test_sign_off_without_evidence_is_refused_inside_the_dialog(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "4")
    seen: dict[str, Any] = {}

    def fill(dialog: Any) -> None:
        qtbot.keyClicks(dialog.assured_by, "Independent Chair")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen["open"] = dialog.isVisible()
        seen["message"] = dialog.messages["status"].text()
        seen["kept"] = dialog.assured_by.text()
        dialog.status.setCurrentIndex(0)  # fixing the field clears its message
        seen["after"] = dialog.messages["status"].text()
        dialog.reject()

    answer(fill)
    qtbot.mouseClick(sample_window.recommendations_tab.sign_off_button, Qt.MouseButton.LeftButton)
    assert seen["open"] and seen["kept"] == "Independent Chair"
    assert "cannot be closed: it has no evidence" in seen["message"]
    assert seen["after"] == ""
    assert state(db_file, "4")[0] is Status.IN_PROGRESS


def test_initiative_links_are_checked_before_the_dialog_closes(
    qtbot: Any, sample_window: MainWindow
) -> None:
    sample_window.tabs.setCurrentWidget(sample_window.initiatives_tab)
    seen: dict[str, Any] = {}

    def fill(dialog: Any) -> None:
        qtbot.keyClicks(dialog.name, "Nowhere (fictional)")
        qtbot.keyClicks(dialog.recommendation, "SCR7")
        dialog._add_recommendation()
        seen["one word"] = dialog.messages["links"].text()
        seen["kept"] = dialog.recommendation.text()
        qtbot.keyClicks(dialog.recommendation, " 99")  # editing the field clears its message
        seen["cleared"] = dialog.messages["links"].text()
        dialog.recommendation.setText(f"{CHILD_A} 99")
        dialog._add_recommendation()
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen["open"] = dialog.isVisible()
        seen["missing"] = dialog.messages["links"].text()
        dialog.reject()

    answer(fill)
    sample_window.initiatives_tab.new_initiative()
    assert seen["one word"].startswith("'SCR7' does not name a recommendation")
    assert seen["kept"] == "SCR7" and seen["cleared"] == ""
    assert seen["open"] and seen["missing"] == f"Review '{CHILD_A}' has no recommendation '99'."
    assert "Nowhere (fictional)" not in {r.name for r in sample_window.initiatives_tab.model.rows}


# ----------------------------------------------------------------------------- item 10


def test_delete_a_recommendation_with_the_delete_key_and_undo(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    select_rows(qtbot, sample_window, ["3"])
    before = state(db_file, "3")
    questions: list[str] = []
    answer_box(QMessageBox.StandardButton.Yes, questions)
    tab.view.setFocus()
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    assert questions and questions[0].startswith(f"Delete recommendation 3 of {CHILD_A}")
    assert "3" not in {r.number for r in tab.model.rows}
    sample_window.undo_action.trigger()
    assert state(db_file, "3") == before
    assert "3" in {r.number for r in tab.model.rows}
    # Put back, it is the one selected and shown (nothing was; found by a new user).
    chosen = tab.selected_rows()
    assert [(r.source, r.number) for r in chosen] == [(CHILD_A, "3")]
    assert "Recommendation 3" in tab.detail.toPlainText()


def test_remove_evidence_from_the_detail_pane_and_undo(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "2")
    tab = sample_window.recommendations_tab
    html = tab.detail.toHtml()
    evidence_id = html.split("remove:")[1].split('"')[0]
    questions: list[str] = []
    answer_box(QMessageBox.StandardButton.Yes, questions)
    tab.detail.anchorClicked.emit(QUrl(f"remove:{evidence_id}"))
    assert questions and "Remove the evidence" in questions[0]

    def evidence() -> int:
        with db_file.session() as session:
            return len(editing.item_by_key(session, ItemKey(CHILD_A, "2")).evidence)

    assert evidence() == 0
    sample_window.undo_action.trigger()
    assert evidence() == 1


def test_remove_an_initiative_link_and_undo(sample_window: MainWindow) -> None:
    sample_window.tabs.setCurrentWidget(sample_window.initiatives_tab)
    tab = sample_window.initiatives_tab
    rows = tab.model.rows
    row = next(n for n, r in enumerate(rows) if r.name == "Project Lantern (fictional)")
    tab.view.selectRow(row)
    assert tab.remove_link_action in tab.view.actions()

    def answers() -> list[str]:
        return {r.name: r.answers for r in tab.model.rows}["Project Lantern (fictional)"]

    before = answers()
    chosen = f"{CHILD_A}: recommendation 3"

    def pick(dialog: Any) -> None:
        dialog.setTextValue(chosen)
        dialog.accept()

    answer(pick)
    tab.remove_link_action.trigger()
    assert len(answers()) == len(before) - 1
    sample_window.undo_action.trigger()
    assert answers() == before


# ----------------------------------------------------------------------------- item 11


def test_new_recommendation_from_the_reviews_tab_uses_the_selected_review(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    tab = sample_window.reviews_tab
    tab.select(CHILD_A)
    assert tab.new_item_action in tab.view.actions()
    seen: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        seen["title"] = dialog.windowTitle()
        qtbot.keyClicks(dialog.number, "9")
        dialog.text.setPlainText("Review the protocol.")
        ok(dialog)

    answer(fill)
    qtbot.mouseClick(tab.new_item_button, Qt.MouseButton.LeftButton)
    assert seen["title"] == f"New recommendation for {CHILD_A}"
    with db_file.session() as session:
        made = editing.item_fields(session, ItemKey(CHILD_A, "9"))
    assert made.target_date is None  # no target date until one is given


def test_new_recommendation_from_the_recommendations_tab_uses_the_selected_item(
    qtbot: Any, sample_window: MainWindow
) -> None:
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    select_item(sample_window, CHILD_A, "2")  # no source chosen in the filter bar
    assert tab.new_action in tab.view.actions()
    seen: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        seen["title"] = dialog.windowTitle()
        dialog.reject()

    answer(fill)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert seen["title"] == f"New recommendation for {CHILD_A}"


def test_edit_menu_new_recommendation_on_the_reviews_tab(sample_window: MainWindow) -> None:
    sample_window.tabs.setCurrentWidget(sample_window.reviews_tab)
    sample_window.reviews_tab.select(CHILD_A)
    seen: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        seen["title"] = dialog.windowTitle()
        dialog.reject()

    answer(fill)
    sample_window._new_item()
    assert seen == {"title": f"New recommendation for {CHILD_A}"}
    assert sample_window.context.last_explanation == ""


def test_one_item_is_said_as_one(qtbot: Any, sample_window: MainWindow) -> None:
    """ "Change the status of 1 items", "1 item that were finished" (found by a new user)."""
    from desktop.dialogs.forms import ChooseStatusDialog, describe_plan

    one = editing.ItemKey(CHILD_A, "1")
    dialog = ChooseStatusDialog(1, TODAY, "Tester", sample_window)
    qtbot.addWidget(dialog)
    assert dialog.windowTitle() == "Change the status of 1 item"
    plan = editing.StatusPlan(Status.IN_PROGRESS, reopen=(one,), signed_off=(one,))
    assert describe_plan(plan).startswith(
        "Will change 1 item to in progress. Will reopen 1 item that was finished (1 signed off"
    )


def test_the_only_evidence_of_a_closed_item_is_refused_before_asking(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    """It asked "Remove …?" and refused only after Yes (found by a new user)."""
    with db_file.transaction("setup") as session:
        closed = editing.item_by_key(session, ItemKey(CHILD_A, "1"))
        assert closed.status is Status.CLOSED and len(closed.evidence) == 2
        session.delete(closed.evidence[1])
    sample_window.refresh()
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "1")
    tab = sample_window.recommendations_tab
    evidence_id = tab.detail.toHtml().split("remove:")[1].split('"')[0]
    asked: list[str] = []

    def no_to_any_question() -> None:
        box = QApplication.activeModalWidget()
        if isinstance(box, QMessageBox) and box.button(QMessageBox.StandardButton.No):
            asked.append(box.text())
            box.button(QMessageBox.StandardButton.No).click()
        elif not isinstance(box, QMessageBox):
            QTimer.singleShot(10, no_to_any_question)

    QTimer.singleShot(0, no_to_any_question)
    tab.detail.anchorClicked.emit(QUrl(f"remove:{evidence_id}"))
    assert asked == []  # told at once, never asked first
    assert sample_window.context.last_explanation == (
        "This is the only evidence of a closed item; reopen the item before removing it."
    )
    with db_file.session() as session:
        assert len(editing.item_by_key(session, ItemKey(CHILD_A, "1")).evidence) == 1
