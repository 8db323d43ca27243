"""The window over a damaged database: it is never written to; when a sound backup is beside
it, the user is asked whether to put the backup in its place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from db.core.errors import DamagedDatabaseError
from db.store.backups import STAMP, back_up
from db.store.database import open_database
from db.store.location import resolve_location
from db.store.paths import backups_folder
from desktop.app import Controller, ask_to_restore
from desktop.qtutils import keys_guarded
from desktop.settings import Settings
from tests.helpers.damage import damage
from tests.helpers.window import answer


@pytest.fixture
def damaged_with_backup(sample_path: Path, tmp_path: Path) -> Path:
    """A copy of the sample database with a sound backup beside it, then damaged."""
    path = tmp_path / "panel.sqlite3"
    path.write_bytes(sample_path.read_bytes())
    backups_folder(path).mkdir(exist_ok=True)
    name = f"panel.opened.{dt.datetime(2026, 11, 20, 9).strftime(STAMP)}.sqlite3"
    back_up(resolve_location(str(path)), backups_folder(path) / name)
    damage(path)
    return path


@pytest.fixture
def controller(qtbot, settings: Settings) -> Iterator[Controller]:  # type: ignore[no-untyped-def]
    controller = Controller(settings)
    yield controller
    if controller.window is not None:
        controller.window.close()
        if controller.window.context.is_open:
            controller.window.database.close()


def click(label: str):  # type: ignore[no-untyped-def]
    def act(box: QMessageBox) -> None:
        assert box.objectName() == "damaged"
        assert "is damaged, and casereview has not written to it" in box.text()
        (button,) = [b for b in box.buttons() if b.text() == label]
        button.click()

    return act


def test_the_user_restores_the_newest_backup(controller: Controller, damaged_with_backup: Path):
    damaged = damaged_with_backup.read_bytes()
    answer(click("Restore the backup"))

    controller.switch(str(damaged_with_backup))

    window = controller.window
    assert window is not None and window.context.is_open
    assert "Restored panel.sqlite3" in window.statusBar().currentMessage()
    (kept,) = backups_folder(damaged_with_backup).glob("panel.damaged.*.sqlite3")
    assert kept.read_bytes() == damaged
    window.reviews_tab.load()
    assert window.reviews_tab.model.rowCount() == 2


def test_declining_leaves_the_damaged_file_as_it_was(
    controller: Controller, damaged_with_backup: Path
):
    before = {p: p.read_bytes() for p in damaged_with_backup.parent.rglob("*") if p.is_file()}
    answer(click("Close"))
    assert controller.recover(_open_error(damaged_with_backup)) is False
    after = {p: p.read_bytes() for p in damaged_with_backup.parent.rglob("*") if p.is_file()}
    assert after == before
    assert controller.window is None
    assert not any(
        isinstance(w, QMessageBox) and w.isVisible() for w in QApplication.topLevelWidgets()
    )


def _open_error(path: Path) -> DamagedDatabaseError:
    try:
        open_database(resolve_location(str(path)))
    except DamagedDatabaseError as exc:
        return exc
    raise AssertionError("the damaged database opened")


def test_the_window_keeps_a_copy_when_it_opens_a_database(
    controller: Controller, sample_path: Path, tmp_path: Path
):
    from db.store.backups import kept_copies

    path = tmp_path / "panel.sqlite3"
    path.write_bytes(sample_path.read_bytes())
    window = controller.open(resolve_location(str(path)))
    QApplication.processEvents()  # the start, which sets the copy going
    assert window.files.copying is not None
    window.files.copying.join(timeout=30)
    (copy,) = kept_copies(path)
    assert copy.reason == "opened"
    with open_database(resolve_location(str(copy.path))) as database:
        assert database.location.path == copy.path


def test_a_window_painted_before_the_check_ended_refuses_a_damaged_file(
    qtbot, sample_path: Path, settings: Settings
) -> None:
    from db.store.quick_check import QuickCheck
    from desktop.context import AppContext, PendingDatabase
    from desktop.window import MainWindow

    damage(sample_path)
    before = _database_files(sample_path)
    said = _open_error(sample_path).message
    pending = PendingDatabase(sample_path, check=QuickCheck(sample_path).start())
    window = MainWindow(AppContext(pending, settings))
    qtbot.addWidget(window)
    refused: list[DamagedDatabaseError] = []
    window.open_failed.connect(refused.append)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: refused != [], timeout=10_000)
    assert [exc.message for exc in refused] == [said]  # as opening it says, and the commands
    assert _database_files(sample_path) == before  # not a byte, no -wal or -shm left


def _database_files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in path.parent.glob(f"{path.name}*") if p.is_file()}


def _typing_over(qtbot, object_name: str, focus_on: str | None = None) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Type a search, as a user typing in the window goes on typing, into the message named
    ``object_name`` as it shows (its button ``focus_on`` focused, the worst case); then, the
    keys paused, click its first button. What was seen is returned."""
    from tests.helpers.window import PHRASE, typed

    seen: dict[str, object] = {}

    def type_into() -> None:
        box = QApplication.activeModalWidget()
        if not (isinstance(box, QMessageBox) and box.objectName() == object_name):
            QTimer.singleShot(10, type_into)
            return
        try:
            box.activateWindow()  # as the window manager does
            qtbot.waitUntil(box.isActiveWindow)
            if focus_on is not None:
                (button,) = [b for b in box.buttons() if b.text() == focus_on]
                button.setFocus()
            typed(qtbot, PHRASE)
            seen["open after typing"] = box.isVisible()
            seen["chosen by typing"] = box.clickedButton()
            qtbot.waitUntil(lambda: not keys_guarded(box), timeout=3000)
            seen["guard lifted"] = True
        finally:  # whatever failed, the box is closed, not left to hang the test
            if box.isVisible():
                qtbot.mouseClick(box.buttons()[-1], Qt.MouseButton.LeftButton)

    QTimer.singleShot(0, type_into)
    return seen


def test_typing_never_restores_the_backup(qtbot, damaged_with_backup: Path) -> None:  # type: ignore[no-untyped-def]
    before = {p: p.read_bytes() for p in damaged_with_backup.parent.rglob("*") if p.is_file()}
    backup = next(backups_folder(damaged_with_backup).glob("*.sqlite3"))
    seen = _typing_over(qtbot, "damaged", focus_on="Restore the backup")

    assert ask_to_restore(damaged_with_backup, backup) is False  # then Close was clicked
    assert seen == {"open after typing": True, "chosen by typing": None, "guard lifted": True}
    after = {p: p.read_bytes() for p in damaged_with_backup.parent.rglob("*") if p.is_file()}
    assert after == before


def test_typing_never_closes_the_refusal(qtbot, sample_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The message ``Controller.failed`` shows as the file's check ends (the application ends
    once it is closed: test_the_reason_is_said_on_stderr_as_the_window_ends)."""
    from desktop.app import refuse

    damage(sample_path)
    refused = _open_error(sample_path)
    seen = _typing_over(qtbot, "refusal")

    refuse("casereview cannot open the database", refused.message)

    assert seen == {"open after typing": True, "chosen by typing": None, "guard lifted": True}


# Starts the window as ``casereview --db`` does, and clicks OK on the message that says why
# the database is not open once it has shown and may be clicked.
_CLICK_OK = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox
from desktop import cli
from desktop.qtutils import keys_guarded

app = QApplication(sys.argv[:1])
shown = []

def click_ok():
    box = QApplication.activeModalWidget()
    if isinstance(box, QMessageBox) and box.isVisible():
        shown.append(box.text())
        if not keys_guarded(box):
            box.button(QMessageBox.StandardButton.Ok).click()
            return
    QTimer.singleShot(20, click_ok)

QTimer.singleShot(0, click_ok)
code = cli.main(["--db", sys.argv[1]])
print("box said:", shown[-1] if shown else None)
sys.exit(code)
"""


def test_the_reason_is_said_on_stderr_as_the_window_ends(sample_path: Path, tmp_path: Path):
    """Started from a terminal or a shortcut with a log, the user sees why the window went:
    the sentence the message said, and the commands say (nothing of the records)."""
    import os
    import subprocess
    import sys

    from tests.helpers import ROOT

    db = tmp_path / "panel.sqlite3"
    db.write_bytes(sample_path.read_bytes())
    damage(db)
    said = _open_error(db).message
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=str(tmp_path))
    env.pop("CASEREVIEW_DB", None)
    env["PYTHONPATH"] = str(ROOT)
    ended = subprocess.run(
        [sys.executable, "-c", _CLICK_OK, str(db)],
        check=False, capture_output=True, text=True, env=env, cwd=ROOT, timeout=120,
    )  # fmt: skip
    assert ended.returncode == 1, ended.stderr
    assert ended.stdout.strip() == f"box said: {said}"
    assert ended.stderr.strip().splitlines()[-1] == f"casereview: error: {said}"
