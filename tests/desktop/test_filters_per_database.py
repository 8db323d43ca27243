"""Each database remembers its own Recommendations filter, in one settings file; a remembered
filter that matches nothing says so and offers a way back to every item."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings, Qt

from db.services.dataset import load_sample
from db.services.generate import generate
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop import settings as keys
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import make_window, search_for


def _database(path: Path, sample: bool) -> Database:
    database = open_database(resolve_location(str(path)), create=True)
    with database.transaction("setup") as session:
        if sample:
            load_sample(session, TODAY)
        else:
            generate(session, reviews=3, recommendations=60, seed=2, today=TODAY)
    return database


def _open(qtbot, database: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    window = make_window(qtbot, database, settings)
    window.tabs.setCurrentWidget(window.recommendations_tab)
    return window


def test_each_database_opens_with_its_own_filter(qtbot, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    settings = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
    sample = _database(tmp_path / "sample.sqlite3", sample=True)
    other = _database(tmp_path / "other.sqlite3", sample=False)
    try:
        first = _open(qtbot, sample, settings)
        tab = first.recommendations_tab
        qtbot.keyClicks(tab.filters.search, "staff")
        tab.filters.overdue.setChecked(True)
        matched = tab.model.total
        assert matched is not None and matched > 0
        first.close()

        # Another database opens unfiltered, not at "0 items match".
        second = _open(qtbot, other, settings)
        tab = second.recommendations_tab
        assert tab.filters.search.text() == "" and not tab.filters.overdue.isChecked()
        assert tab.model.total == 60 and tab.count_label.text() == "60 items"
        qtbot.keyClicks(tab.filters.search, "partnership")
        second.close()

        # Each comes back as it was left, from the one settings file.
        settings.sync()
        again = Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))
        third = _open(qtbot, sample, again)
        tab = third.recommendations_tab
        assert tab.filters.search.text() == "staff" and tab.filters.overdue.isChecked()
        assert tab.model.total == matched
        third.close()
        fourth = _open(qtbot, other, again)
        assert fourth.recommendations_tab.filters.search.text() == "partnership"
        fourth.close()
    finally:
        sample.close()
        other.close()


def test_a_remembered_filter_matching_nothing_says_so_and_clears(
    qtbot, db_file: Database, settings: Settings
) -> None:
    with db_file.transaction("setup") as session:
        load_sample(session, TODAY)
    remembered = keys.per_database(keys.TRACKER_FILTER, db_file.location)
    settings.set(remembered, {"text": "nothing here matches this", "overdue": True})
    window = _open(qtbot, db_file, settings)
    tab = window.recommendations_tab
    assert tab.model.total == 0 and tab.count_label.text() == "0 items match"
    assert tab.no_matches.isVisible()
    assert "remembered" in tab.no_matches.label.text()
    qtbot.mouseClick(tab.show_all_button, Qt.MouseButton.LeftButton)
    assert tab.filters.search.text() == "" and not tab.filters.overdue.isChecked()
    assert tab.model.total == 28 and not tab.no_matches.isVisible()
    # A filter typed now that matches nothing says so, without "remembered".
    search_for(qtbot, tab, "zzzz")
    assert tab.no_matches.isVisible() and "remembered" not in tab.no_matches.label.text()
