"""The window as a user drives it in the tests: opening it, answering its dialogs, choosing a
recommendation and going through the Import wizard."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit, QProgressDialog

from db.store import database as database_module
from db.store.database import Database
from desktop.context import AppContext
from desktop.dialogs.forms import FormDialog
from desktop.settings import Settings
from desktop.tabs.meeting_mode import MeetingMode
from desktop.tabs.meetings import MeetingsTab
from desktop.tabs.overview import OverviewTab
from desktop.window import MainWindow
from tests.helpers import TODAY

CHILD_A = "FSCP-CSPR-CHILD-A"


def make_window(qtbot, database: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    window = MainWindow(AppContext(database, settings, today=lambda: TODAY, actor="Tester"))
    qtbot.addWidget(window)
    window.show()
    window.refresh()
    return window


def show_overview(window: MainWindow) -> OverviewTab:
    """The Overview tab on show with its figures, which it reads off the GUI thread."""
    tab = window.overview_tab
    window.tabs.setCurrentWidget(tab)
    deadline = time.monotonic() + 10
    while tab.reading or not tab.loaded:
        assert time.monotonic() < deadline, "the overview's figures never arrived"
        QApplication.processEvents()
        time.sleep(0.005)
    QApplication.processEvents()
    return tab


# The answers waiting for their dialog. A test that ends with one still waiting expected a
# dialog that never opened: the answer is dropped (tests/desktop/conftest.py) and the test
# fails, rather than the answer acting on the next test's dialog.
waiting: list[Callable[[Any], None]] = []


def answer(fill: Callable[[Any], None]) -> None:
    """When the next dialog opens, let ``fill`` act on it as the user."""
    waiting.append(fill)

    def act() -> None:
        if fill not in waiting:  # dropped when its test ended
            return
        dialog = QApplication.activeModalWidget()
        # Not a progress dialog: work in the background shows one after 0.3 s, before the
        # dialog its end opens (a loaded machine's merge plan put its progress in front).
        if dialog is None or isinstance(dialog, QProgressDialog):
            QTimer.singleShot(10, act)
            return
        waiting.remove(fill)
        try:
            fill(dialog)
        except BaseException:
            dialog.close()  # so that the failure is reported, not a test left hanging
            raise

    QTimer.singleShot(0, act)


def ok(dialog: FormDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    if dialog.isVisible():  # refused: close it so the test fails rather than hangs
        problems = {n: m.text() for n, m in dialog.messages.items() if m.text()}
        dialog.reject()
        raise AssertionError(f"the dialog refused its input: {problems}")


def refused(dialog: FormDialog) -> dict[str, str]:
    """Click OK on input that should be refused; the problems shown, with the dialog closed."""
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    shown = {n: m.text() for n, m in dialog.messages.items() if m.isVisible() and m.text()}
    still_open = dialog.isVisible()
    dialog.reject()
    assert still_open, "the dialog accepted input it should have refused"
    return shown


def retype(qtbot: Any, edit: QLineEdit, text: str) -> None:
    """Select what the field holds and type over it, as a user does."""
    edit.window().activateWindow()
    qtbot.waitUntil(edit.window().isActiveWindow)
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    if text:
        qtbot.keyClicks(edit, text)
    else:
        qtbot.keyClick(edit, Qt.Key.Key_Delete)


def search_for(qtbot: Any, tab: Any, text: str) -> None:
    """``text`` typed into the Recommendations tab's search box, and the search it asks for
    run (``QueuedSearch``: once the keys typed together have been taken)."""
    qtbot.keyClicks(tab.filters.search, text)
    qtbot.waitUntil(lambda: not tab.typed.pending)


def show_tracker(window: MainWindow) -> None:
    window.tabs.setCurrentWidget(window.recommendations_tab)


def show_meetings(qtbot: Any, window: MainWindow) -> MeetingsTab:
    """Ctrl+6, as the View menu says, with the window active."""
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    tab = window.meetings_tab
    assert window.tabs.currentWidget() is tab
    return tab


def open_mode(qtbot: Any, tab: MeetingsTab) -> MeetingMode:
    """Ctrl+Shift+M in the tab opens meeting mode, which takes the focus."""
    tab.window().activateWindow()
    qtbot.waitUntil(tab.window().isActiveWindow)
    tab.view.setFocus()
    qtbot.keyClick(
        tab.view,
        Qt.Key.Key_M,
        Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier,
    )
    mode = tab.mode
    assert isinstance(mode, MeetingMode)
    qtbot.waitExposed(mode)
    mode.activateWindow()
    qtbot.waitUntil(mode.isActiveWindow)
    return mode


def select_item(window: MainWindow, source: str, number: str) -> None:
    tab = window.recommendations_tab
    for row, item in enumerate(tab.model.rows):
        if item.source == source and item.number == number:
            tab.view.selectRow(row)
            return
    raise AssertionError(f"{source} {number} is not shown")


def open_wizard(qtbot, window: MainWindow, path: Path):  # type: ignore[no-untyped-def]
    """Open the wizard as File > Import does: the file is read off the GUI thread first."""
    window.files.import_spreadsheet(path)
    qtbot.waitUntil(lambda: getattr(window.files, "import_wizard", None) is not None, timeout=20000)
    wizard = window.files.import_wizard
    assert wizard.isVisible()
    return wizard


def to_check_page(qtbot, wizard) -> None:  # type: ignore[no-untyped-def]
    """Next, Next, and wait until the trial import has said what Finish will do."""
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.columns_page, timeout=20000)
    wizard.next()
    check = wizard.check_page
    qtbot.waitUntil(
        lambda: wizard.currentPage() is check and "Working out" not in check.outcome.text(),
        timeout=20000,
    )


def finish(qtbot, window: MainWindow, wizard) -> None:  # type: ignore[no-untyped-def]
    wizard.accept()
    qtbot.waitUntil(lambda: "Imported" in window.statusBar().currentMessage(), timeout=20000)


@contextmanager
def another_writer(window: MainWindow, monkeypatch: Any, wait: int = 2) -> Iterator[None]:
    """Another connection holding the write lock of the window's SQLite database (``BEGIN
    IMMEDIATE``) for the block, as another casereview writing would; the window's database is
    opened again first, so that it waits ``wait`` seconds for the lock, not the usual ten."""
    monkeypatch.setattr(database_module, "BUSY_TIMEOUT", wait)
    window.context.reopen()
    path = window.context.database.location.path
    assert path is not None
    with closing(sqlite3.connect(path, isolation_level=None)) as holder:
        holder.execute("BEGIN IMMEDIATE")
        yield


# What a user was typing in the search box as a message showed (a new user's trial).
PHRASE = "professional curiosity training"


def typed(qtbot, text: str, every_ms: int = 60) -> None:  # type: ignore[no-untyped-def]
    """``text`` typed as a user types it, to whatever has the keyboard, as xdotool does."""
    from PySide6.QtWidgets import QApplication, QWidget

    for character in text:
        target: QWidget | None = QApplication.focusWidget()
        assert target is not None
        qtbot.keyClick(target, character)
        qtbot.wait(every_ms)
