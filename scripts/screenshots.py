"""Regenerate the README's screenshots: every tab at 1440x900 on the sample data (in an
encrypted database, as recommended), meeting mode on the coming meeting, the window locked
after idling, the first run's offer on an empty database, and the Import wizard's pages on a
messy tracker.

QT_QPA_PLATFORM=offscreen python scripts/screenshots.py docs/screenshots

Other sizes, to look at before a release (not for the README): a 1366x768 laptop's window
(its free area, less a task bar, is about 1366x728), and a 1920x1080 screen at 150%:

QT_QPA_PLATFORM=offscreen python scripts/screenshots.py OUT --size 1366x728
QT_QPA_PLATFORM=offscreen QT_SCALE_FACTOR=1.5 python scripts/screenshots.py OUT --size 1280x688

--meetings takes only the Meetings tab and meeting mode (as kept in docs/screenshots/1366x768
and docs/screenshots/150-percent, made with --size 1366x768 and the 150 % line above).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PySide6.QtCore import QSettings, QSize
from PySide6.QtWidgets import QApplication

from db.services.dataset import load_sample
from db.store.cipher import Passphrase
from db.store.database import open_database
from db.store.location import resolve_location
from desktop.context import AppContext
from desktop.settings import Settings
from desktop.window import MainWindow

TODAY = dt.date(2026, 11, 22)
TABS = ("reviews", "recommendations", "inspection-grades", "overview", "initiatives", "meetings")


WINDOW = QSize(1440, 900)  # the README's size


def main(out: Path, size: QSize = WINDOW, *, meetings_only: bool = False) -> None:
    out.mkdir(parents=True, exist_ok=True)
    app = QApplication.instance() or QApplication([])
    with tempfile.TemporaryDirectory() as folder:
        encrypted = resolve_location(f"{folder}/panel.sqlite3").with_passphrase(
            Passphrase("correct horse battery staple")
        )
        database = open_database(encrypted, create=True)
        with database.transaction("screenshots") as session:
            load_sample(session, TODAY)
        settings = Settings(QSettings(f"{folder}/settings.ini", QSettings.Format.IniFormat))
        window = MainWindow(AppContext(database, settings, today=lambda: TODAY, actor="Panel"))
        window.resize(size)
        window.show()
        window.refresh()
        for number, name in enumerate(TABS):
            if meetings_only and name != "meetings":
                continue
            window.tabs.setCurrentIndex(number)
            if name == "recommendations":
                window.recommendations_tab.view.selectRow(20)
            if name == "inspection-grades":
                window.inspections_tab.sections.setCurrentIndex(3)  # the grade matrix
            app.processEvents()
            window.grab().save(str(out / f"{name}.png"))
            print(out / f"{name}.png")
        _meeting_mode(window, size, out, app)
        if meetings_only:
            window.close()
            database.close()
            return
        _wizard(window, Path(folder), out, app)
        window.security.lock()
        app.processEvents()
        window.grab().save(str(out / "locked.png"))
        print(out / "locked.png")
        window.close()
        database.close()

        empty = open_database(resolve_location(f"{folder}/new.sqlite3"), create=True)
        first = MainWindow(AppContext(empty, settings, today=lambda: TODAY, actor="Panel"))
        first.resize(size)
        first.show()
        first.refresh()
        first.tabs.setCurrentIndex(0)
        app.processEvents()
        first.grab().save(str(out / "first-run.png"))
        print(out / "first-run.png")
        first.close()
        empty.close()


def _meeting_mode(window: MainWindow, size: QSize, out: Path, app: QApplication) -> None:
    """Meeting mode filling a screen of ``size`` on the coming meeting's first item, on the
    meeting's day (before it, meeting mode is a rehearsal that takes no decisions)."""
    tab = window.meetings_tab
    window.tabs.setCurrentWidget(tab)
    key = tab.selected_key()
    if key is not None:
        window.context.today = lambda: key.held_on
    tab.meeting_mode()
    mode = tab.mode
    assert mode is not None
    mode.resize(size)
    app.processEvents()
    mode.grab().save(str(out / "meeting-mode.png"))
    print(out / "meeting-mode.png")
    mode.close()


def _wizard(window: MainWindow, folder: Path, out: Path, app: QApplication) -> None:
    """The Import wizard's column and check pages, on a messy tracker with one wrong date."""
    import openpyxl

    from tests.helpers.spreadsheet_files import messy_workbook

    path = messy_workbook(folder / "child-a-action-plan.xlsx")
    book = openpyxl.load_workbook(path)
    book["Action Plan"]["F10"] = "31/02/2026"
    book.save(path)

    def settle(done: Callable[[], bool]) -> None:
        """Let the background reading and checking finish, as a user would wait."""
        deadline = time.monotonic() + 60
        while not done() and time.monotonic() < deadline:
            app.processEvents()
            time.sleep(0.02)
        app.processEvents()

    window.files.import_spreadsheet(path)
    settle(lambda: window.files.import_wizard is not None)
    wizard = window.files.import_wizard
    assert wizard is not None
    pages = [wizard.sheet_page, wizard.columns_page, wizard.check_page]
    names = ["import-wizard-sheet", "import-wizard-columns", "import-wizard-check"]
    for page, name in zip(pages, names, strict=True):
        settle(
            lambda page=page: (
                wizard.currentPage() is page
                and "Working out" not in wizard.check_page.outcome.text()
            )
        )
        wizard.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")
        wizard.next()
    wizard.reject()


def _size(text: str) -> QSize:
    width, height = (int(n) for n in text.lower().split("x"))
    return QSize(width, height)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", default="docs/screenshots", type=Path)
    parser.add_argument("--size", default="1440x900", type=_size, help="the window, WIDTHxHEIGHT")
    parser.add_argument(
        "--meetings", action="store_true", help="only the Meetings tab and meeting mode"
    )
    arguments = parser.parse_args()
    main(arguments.out, arguments.size, meetings_only=arguments.meetings)
