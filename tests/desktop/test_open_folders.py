"""Help > Open the log folder (and the data and backups folders) with nothing on the computer to
open a folder: the user is told where it is (found by a new user: nothing happened, and only
stderr said "Launch of ... failed"). The offscreen platform the tests run on opens nothing, as
a desktop with no launcher installed."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMessageBox

from db.store.backups import automatic_backup
from db.store.database import Database
from db.store.paths import backups_folder
from desktop.dialogs.backups import BackupsDialog
from desktop.window import MainWindow
from tests.helpers.window import answer

# What Qt says when nothing opens the folder: the case these tests are about.
pytestmark = pytest.mark.qt_log_ignore("does not support QPlatformServices::openDocument")


def help_action(window: MainWindow, text: str) -> QAction:
    found = [a for a in window.findChildren(QAction) if a.text() == text]
    assert len(found) == 1
    return found[0]


def test_the_log_folder_is_named_when_nothing_opens_it(
    window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    logs = tmp_path / "logs"
    monkeypatch.setenv("CASEREVIEW_LOG_DIR", str(logs))
    help_action(window, "Open the &log folder").trigger()
    assert window.context.last_explanation == (
        f"No program on this computer opens folders; the log folder is {logs}."
    )


def test_the_data_folder_is_named_when_nothing_opens_it(
    window: MainWindow, db_file: Database
) -> None:
    help_action(window, "Open the &data folder").trigger()
    folder = db_file.location.path.parent  # type: ignore[union-attr]
    assert window.context.last_explanation == (
        f"No program on this computer opens folders; the data folder is {folder}."
    )


def test_the_backups_folder_is_named_when_nothing_opens_it(
    qtbot, window: MainWindow, db_file: Database
) -> None:  # type: ignore[no-untyped-def]
    assert automatic_backup(db_file.location, "before-import") is not None
    dialog = BackupsDialog(window.database.location, window)
    qtbot.addWidget(dialog)
    said: list[str] = []

    def read(box: QMessageBox) -> None:
        said.append(box.text())
        box.accept()

    answer(read)
    folder_button = next(
        b for b in dialog.findChildren(type(dialog.restore_button)) if "folder" in b.text()
    )
    folder_button.click()
    assert said == [
        "No program on this computer opens folders; the backups folder is "
        f"{backups_folder(dialog.database)}."
    ]
