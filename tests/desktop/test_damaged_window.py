"""The window over a damaged database: it is never written to; when a sound backup is beside
it, the user is asked whether to put the backup in its place."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QMessageBox

from db.core.errors import DamagedDatabaseError
from db.store.backups import STAMP, back_up
from db.store.database import open_database
from db.store.location import resolve_location
from db.store.paths import backups_folder
from desktop.app import Controller
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
