"""The Import wizard's last page takes the keyboard, and Finish imports what its summary said
(found by a new user: typing on "What the import will do" changed the hidden Review reference
of the page before, and Finish imported into "TRACKERf")."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from desktop.window import MainWindow
from tests.helpers.spreadsheet_files import messy_workbook
from tests.helpers.window import finish, open_wizard, to_check_page


def references(window: MainWindow) -> list[str]:
    return [r.reference for r in window.reviews_tab.model.rows]


def test_typing_on_the_last_page_changes_nothing_finish_will_do(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "tracker.xlsx"))
    wizard.activateWindow()
    to_check_page(qtbot, wizard)
    check = wizard.check_page
    focused = QApplication.focusWidget()
    assert focused is not None and check.isAncestorOf(focused)
    qtbot.keyClicks(focused, "zz")
    qtbot.keyClick(focused, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    assert wizard.columns_page.review.text() == "TRACKER"
    finish(qtbot, window, wizard)
    assert "TRACKER" in references(window)


def test_finish_imports_with_the_choices_the_summary_was_worked_out_with(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "tracker.xlsx"))
    to_check_page(qtbot, wizard)
    assert "1 review" in wizard.check_page.outcome.text()
    wizard.columns_page.review.setText("TRACKERf")  # however it came to be typed there
    finish(qtbot, window, wizard)
    assert "TRACKER" in references(window)
    assert "TRACKERf" not in references(window)
