"""A message that shows unprompted ignores the keyboard for a moment (``guard_keys``): keys
typed into the window as it showed went to its buttons, and a new user's search closed the
damaged-database message, and the application, before it was read."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from desktop.qtutils import KEPT_IF_ROOM, KEY_GUARD_MS, guard_keys, keys_guarded, path_parts
from tests.helpers.window import PHRASE, typed


@pytest.fixture
def box(qtbot) -> Iterator[QMessageBox]:  # type: ignore[no-untyped-def]
    """A message with a mnemonic (S) beside its OK, shown as the explanations are."""
    box = QMessageBox(
        QMessageBox.Icon.Warning, "casereview", "Said.", QMessageBox.StandardButton.Ok
    )
    box.addButton("&Stop it", QMessageBox.ButtonRole.DestructiveRole)
    qtbot.addWidget(box)
    guard_keys(box)
    box.open()
    qtbot.waitExposed(box)
    box.activateWindow()
    yield box
    # Gone, not only hidden: a guarded box left behind was the application's modal widget
    # still, and a later test's watcher for dialogs (test_merged_copy_window) saw it.
    box.done(0)
    box.deleteLater()
    qtbot.waitUntil(lambda: QApplication.activeModalWidget() is not box)


def focused(box: QMessageBox) -> QWidget:
    focus = QApplication.focusWidget()
    assert focus is not None and box.isAncestorOf(focus)
    return focus


@pytest.mark.parametrize(
    "key",
    [Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Escape, Qt.Key.Key_S],
    ids=["space", "return", "enter", "escape", "mnemonic"],
)
def test_a_key_pressed_as_the_message_shows_does_nothing(qtbot, box: QMessageBox, key) -> None:  # type: ignore[no-untyped-def]
    assert keys_guarded(box)
    qtbot.keyClick(focused(box), key)
    qtbot.keyClick(focused(box), key, Qt.KeyboardModifier.AltModifier)
    qtbot.wait(50)
    assert box.isVisible() and box.clickedButton() is None


def test_typing_on_keeps_it_open_and_a_key_then_works(qtbot, box: QMessageBox) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    typed(qtbot, PHRASE)  # spaces and an S, well past the guard's first 700 ms
    assert time.monotonic() - started > 2 * KEY_GUARD_MS / 1000
    assert box.isVisible() and box.clickedButton() is None
    qtbot.waitUntil(lambda: not keys_guarded(box), timeout=2 * KEY_GUARD_MS)
    qtbot.keyClick(focused(box), Qt.Key.Key_Space)  # read, then pressed: it works
    qtbot.waitUntil(lambda: not box.isVisible())
    assert box.clickedButton() is box.button(QMessageBox.StandardButton.Ok)


def test_a_mnemonic_works_once_the_keys_have_paused(qtbot, box: QMessageBox) -> None:  # type: ignore[no-untyped-def]
    qtbot.waitUntil(lambda: not keys_guarded(box), timeout=2 * KEY_GUARD_MS)
    qtbot.keyClick(focused(box), Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert box.clickedButton() is not None and box.clickedButton().text() == "&Stop it"


def test_a_click_works_at_once(qtbot, box: QMessageBox) -> None:  # type: ignore[no-untyped-def]
    ok = box.button(QMessageBox.StandardButton.Ok)
    assert keys_guarded(box)
    qtbot.mouseClick(ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: not box.isVisible())
    assert box.clickedButton() is ok


def test_other_windows_keep_their_keys(qtbot, box: QMessageBox) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QLineEdit

    field = QLineEdit()
    qtbot.addWidget(field)
    field.show()
    qtbot.keyClicks(field, "still typed")
    assert keys_guarded(box) and field.text() == "still typed"


@pytest.mark.parametrize(
    ("where", "parts"),
    [
        ("/srv/panel/panel-2026.sqlite3", [("/srv/panel/", True), ("panel-2026.sqlite3", None)]),
        (
            "C:\\Users\\sam\\Panel data\\shared tracker.sqlite3",
            [("C:\\Users\\sam\\Panel data\\", True), ("shared tracker.sqlite3", None)],
        ),
        ("panel.sqlite3", [("panel.sqlite3", True)]),
        (
            "postgresql+psycopg://panel@db.example:5432/casereview",
            [("postgresql+psycopg://panel@db.example:5432/casereview", True)],
        ),
    ],
)
def test_a_paths_folder_is_elided_and_its_file_name_kept(
    where: str, parts: list[tuple[str, bool | None]]
) -> None:
    """The folder is elided first (True), the file name only when there is no room (None)."""
    found = path_parts(where)
    shown = [(t, None if m is KEPT_IF_ROOM else m is not None) for t, m in found]
    assert shown == parts
    assert "".join(text for text, _ in found) == where
