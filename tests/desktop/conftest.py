"""The window's fixtures: a real database file, private settings, and the window over them."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QWidget

from db.services.dataset import load_sample
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers import window as window_helpers
from tests.helpers.window import make_window


@pytest.fixture(autouse=True)
def private_tmpdir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The system's temporary folder as casereview sees it: a fresh one for each test, never
    the real one (evidence copies and what start-up clears live there)."""
    folder = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


NO_MODIFIER = Qt.KeyboardModifier.NoModifier


def release_keys() -> None:
    """Let go of any modifier a test left held. A shortcut that opens a window on its key's
    press (Ctrl+Shift+M, meeting mode) has the release delivered elsewhere, and Qt then
    believes Shift is still down: the next test's ``selectRow`` extends a selection instead
    of making one (test_two_writers failed after test_meetings). A plain key typed into a
    widget of its own carries no modifiers, which Qt takes as the keyboard's state."""
    if QApplication.instance() is None or QApplication.keyboardModifiers() == NO_MODIFIER:
        return
    widget = QWidget()
    widget.show()
    QTest.keyClick(widget, Qt.Key.Key_Escape)
    widget.close()
    widget.deleteLater()


def close_dialogs() -> None:
    """Close what a test left open: a window-modal explanation still open makes Qt report a
    modal widget to the next test (whose window then declines to read changes made
    elsewhere while, as it believes, a dialog is open)."""
    if QApplication.instance() is None:
        return
    for _ in range(20):  # a dialog that will not close must not hang the suite
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            return
        dialog.close()
        dialog.deleteLater()
        QApplication.processEvents()


@pytest.fixture(autouse=True)
def no_answer_left() -> Iterator[None]:
    """A test that ends with a dialog's answer still waiting expected a dialog that never
    opened: it fails, and the answer is dropped rather than left to act on the next test's
    dialog (which made test_two_writers fail after test_meetings)."""
    yield
    release_keys()
    close_dialogs()
    left = [getattr(fill, "__qualname__", repr(fill)) for fill in window_helpers.waiting]
    window_helpers.waiting.clear()
    if left:
        pytest.fail(f"answers for dialogs that never opened: {', '.join(left)}")


@pytest.fixture
def db_file(tmp_path: Path) -> Iterator[Database]:
    database = open_database(resolve_location(str(tmp_path / "window.sqlite3")), create=True)
    yield database
    database.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, db_file: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    return make_window(qtbot, db_file, settings)


@pytest.fixture
def sample_window(qtbot, db_file: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    with db_file.transaction("setup") as session:
        load_sample(session, TODAY)
    return make_window(qtbot, db_file, settings)
