"""File ▸ Backups: the copies kept beside the database, listed and restored in the window."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

import pytest
from PySide6.QtWidgets import QMessageBox
from sqlalchemy import select

from db.store.backups import automatic_backup, kept_copies
from db.store.database import Database
from db.store.models import Review
from desktop.dialogs.backups import EMPTY, BackupsDialog
from desktop.window import MainWindow
from tests.helpers.window import answer


def reviews(window: MainWindow) -> int:
    window.reviews_tab.load()
    return window.reviews_tab.model.rowCount()


def test_no_copies_yet_says_when_they_are_made(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    dialog = BackupsDialog(window.database.location, window)
    qtbot.addWidget(dialog)
    dialog.show()
    assert dialog.empty.isVisible() and dialog.empty.text() == EMPTY
    assert not dialog.table.isVisible()
    assert not dialog.restore_button.isEnabled()


def test_a_copy_is_listed_and_restored(
    db_file: Database, sample_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy = automatic_backup(db_file.location, "before-import")
    assert copy is not None
    hour_ago = copy.stat().st_mtime - 3600
    os.utime(copy, (hour_ago, hour_ago))  # taken an hour ago; then every review was deleted
    with db_file.transaction("Tester") as session:
        for review in session.scalars(select(Review)).all():
            session.delete(review)
    sample_window.refresh()
    assert reviews(sample_window) == 0
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)

    def choose(dialog: Any) -> None:
        assert isinstance(dialog, BackupsDialog)
        assert dialog.table.rowCount() == 1
        assert dialog.table.item(0, 1).text() == "before an import"
        assert dialog.restore_button.isEnabled()  # the newest is chosen already
        dialog.restore_button.click()

    answer(choose)
    sample_window.files.show_backups()

    assert reviews(sample_window) == 2
    assert (
        "the database it replaced is kept in File ▸ Backups"
        in sample_window.statusBar().currentMessage()
    )
    assert db_file.location.path is not None
    reasons = [c.reason for c in kept_copies(db_file.location.path)]
    assert reasons == ["before-restore", "before-import"]
    assert not sample_window.context.undo_stack.canUndo()


def test_a_copy_from_before_an_upgrade_is_restored_and_upgraded(
    db_file: Database, sample_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:
    from db.store.backups import STAMP, back_up
    from db.store.database import downgrade_schema, open_database, schema_revision
    from db.store.location import resolve_location
    from db.store.migrations import HEAD
    from db.store.paths import backups_folder

    assert db_file.location.path is not None
    folder = backups_folder(db_file.location.path)
    folder.mkdir(exist_ok=True)
    copy = folder / f"window.before-upgrade.{dt.datetime(2026, 1, 5, 9).strftime(STAMP)}.sqlite3"
    back_up(db_file.location, copy)
    with open_database(resolve_location(str(copy))) as old:
        downgrade_schema(old.engine, "0003")
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)

    def choose(dialog: Any) -> None:
        dialog.table.selectRow(0)
        dialog.restore_button.click()

    answer(choose)
    sample_window.files.show_backups()

    assert schema_revision(db_file.location) == HEAD
    assert reviews(sample_window) == 2  # the window reads the restored, upgraded data


def test_the_restore_is_said_in_full_in_the_status_bar_of_a_small_screen(
    qtbot, db_file: Database, sample_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """At 1366x768 the sentence was cut off: it named the replaced database by its full path."""
    sample_window.resize(1366, 768)
    sample_window.show()
    qtbot.waitExposed(sample_window)
    assert automatic_backup(db_file.location, "before-import") is not None
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    answer(lambda dialog: dialog.restore_button.click())
    sample_window.files.show_backups()
    bar = sample_window.statusBar()
    message = bar.currentMessage()
    assert message.startswith("Restored the copy; the database it replaced is kept ")
    # A message shares the bar with the database's name, shown at its right throughout.
    room = bar.width() - sample_window.location_label.width() - 20
    assert bar.fontMetrics().horizontalAdvance(message) < room
