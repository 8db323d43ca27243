"""Withdrawing a progress update entered in error, as a user does it: the detail pane's
"Withdraw…" link, the dialog that asks why, undo and redo. Real widgets over a real file."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QTextCursor
from PySide6.QtWidgets import QDialogButtonBox, QTextBrowser

from db.core.dates import format_date
from db.core.vocabulary import Status
from db.services import editing
from db.services.editing import ItemKey
from db.store import lifecycle
from db.store.database import Database
from desktop.dialogs.forms import WithdrawUpdateDialog
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import CHILD_A, answer, ok, select_item, show_tracker

ITEM = ItemKey(CHILD_A, "3")  # in progress in the sample data


def add_update(database: Database, note: str, status: Status | None = None) -> int:
    with database.transaction("Manager") as session:
        rec = editing.item_by_key(session, ITEM)
        return lifecycle.record_update(
            session, rec.id, on=TODAY, author="Manager", note=note, status=status
        ).id


def newest(database: Database) -> tuple[Any, ...]:
    with database.session() as session:
        rec = editing.item_by_key(session, ITEM)
        last = rec.updates[-1]
        return (
            rec.status,
            len(rec.updates),
            last.note,
            last.withdrawn_at,
            last.withdrawn_by,
            last.withdrawn_reason,
        )


def click_link(qtbot: Any, browser: QTextBrowser, href: str) -> None:
    """Click the link to ``href`` where it is drawn, as a user does with the mouse."""
    document = browser.document()
    found = document.find("Withdraw…")
    while not found.isNull() and found.charFormat().anchorHref() != href:
        found = document.find("Withdraw…", found)
    assert not found.isNull(), f"no link to {href}"
    middle = QTextCursor(document)
    middle.setPosition((found.selectionStart() + found.selectionEnd()) // 2)
    browser.setTextCursor(middle)
    browser.ensureCursorVisible()
    point = browser.cursorRect(middle).center() + QPoint(1, 0)
    assert browser.anchorAt(point) == href
    qtbot.mouseClick(browser.viewport(), Qt.MouseButton.LeftButton, pos=point)


def test_withdraw_an_update_from_the_detail_pane_then_undo_and_redo(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    update_id = add_update(db_file, "Training done for the wrong team.", Status.IMPLEMENTED)
    before = newest(db_file)
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "3")
    tab = sample_window.recommendations_tab
    seen: dict[str, str] = {}

    def fill(dialog: WithdrawUpdateDialog) -> None:
        seen["about"] = dialog.about.text()
        assert dialog.focusWidget() is dialog.reason
        # No reason: refused beside the field, the dialog stays open.
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert dialog.isVisible()
        seen["refused"] = dialog.messages["reason"].text()
        qtbot.keyClicks(dialog.reason, "Entered on the wrong item.")
        ok(dialog)

    answer(fill)
    click_link(qtbot, tab.detail, f"withdraw:{update_id}")

    assert "does not change the status, which stays implemented" in seen["about"]
    assert seen["refused"] == "Say why the update is withdrawn."
    status, count, note, at, by, reason = newest(db_file)
    assert (status, count, note, by, reason) == (
        Status.IMPLEMENTED,
        before[1],
        "Training done for the wrong team.",
        "Tester",
        "Entered on the wrong item.",
    )
    assert at is not None
    html = tab.detail.toPlainText()
    label = f"Withdrawn by Tester on {format_date(at.astimezone().date())}: Entered on the wrong"
    assert label in html
    assert f"withdraw:{update_id}" not in tab.detail.toHtml()
    assert "text-decoration: line-through" in tab.detail.toHtml()

    sample_window.undo_action.trigger()
    assert newest(db_file) == before  # exactly as it was
    assert f"withdraw:{update_id}" in tab.detail.toHtml()

    sample_window.redo_action.trigger()
    assert newest(db_file) == (*before[:3], at, "Tester", "Entered on the wrong item.")


def test_cancelling_the_withdrawal_changes_nothing(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    update_id = add_update(db_file, "A note.")
    before = newest(db_file)
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "3")
    tab = sample_window.recommendations_tab
    seen: list[str] = []

    def cancel(dialog: WithdrawUpdateDialog) -> None:
        seen.append(dialog.about.text())
        qtbot.keyClicks(dialog.reason, "Not sure.")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Cancel).click()

    answer(cancel)
    click_link(qtbot, tab.detail, f"withdraw:{update_id}")
    assert seen and "moved the item" not in seen[0]  # a note alone: nothing about status
    assert newest(db_file) == before
    assert not sample_window.undo_action.isEnabled()
