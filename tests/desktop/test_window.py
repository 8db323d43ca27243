"""The window over a real database file, driven as a user would with pytest-qt."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from db.engine import Database, open_database, resolve_location
from desktop.window import MainWindow
from tests.conftest import TODAY


@pytest.fixture
def empty_db(tmp_path: Path) -> Database:
    database = open_database(resolve_location(str(tmp_path / "window.sqlite3")), create=True)
    yield database  # type: ignore[misc]
    database.close()


@pytest.fixture
def window(qtbot, empty_db: Database) -> MainWindow:  # type: ignore[no-untyped-def]
    win = MainWindow(empty_db, today=lambda: TODAY)
    qtbot.addWidget(win)
    win.show()
    win.refresh()
    return win


def _column(model, title: str) -> list[str]:  # type: ignore[no-untyped-def]
    col = next(
        c
        for c in range(model.columnCount())
        if model.headerData(c, Qt.Orientation.Horizontal) == title
    )
    return [model.data(model.index(r, col)) for r in range(model.rowCount())]


def test_title_names_the_database_and_tabs_are_there(window: MainWindow) -> None:
    assert window.windowTitle().startswith("window.sqlite3")
    tabs = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert tabs == ["Reviews", "Recommendations", "Inspection grades"]
    assert "window.sqlite3" in window.location_label.text()


def test_an_empty_database_says_so_and_offers_the_sample(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.empty_banner.isVisible()
    assert window.reviews_page.currentIndex() == 1  # the empty-state message
    qtbot.mouseClick(window.load_sample_button, Qt.MouseButton.LeftButton)
    assert not window.empty_banner.isVisible()
    assert window.reviews_page.currentIndex() == 0
    references = _column(window.review_model, "Reference")
    assert "BSCB-SCR-KHYRA-ISHAQ" in references
    assert "2 reviews" in window.counts_label.text()


def test_tabs_show_the_sample_data(window: MainWindow) -> None:
    window.load_sample_data()
    khyra = next(r for r in window.review_model.rows if r.reference == "BSCB-SCR-KHYRA-ISHAQ")
    assert (khyra.recommendations, khyra.open) == (18, 17)
    ratings = set(_column(window.recommendation_model, "Rating"))
    assert ratings == {"Blue", "Green", "Amber", "Red"}
    texts = _column(window.recommendation_model, "Text")
    assert texts.count("(text not yet entered)") == 18
    # The newest inspection is selected; pick West Midlands Police's and read its grades.
    view = window.inspections_view
    proxy = view.model()
    row = next(
        r
        for r in range(proxy.rowCount())
        if proxy.data(proxy.index(r, 1)) == "West Midlands Police"
    )
    view.selectRow(row)
    grades = dict(
        zip(_column(window.area_model, "Area"), _column(window.area_model, "Grade"), strict=True)
    )
    assert grades["Working with safeguarding partners"] == "Good"
    assert grades["Leadership of child protection arrangements"] == "Adequate"
    assert "21 November 2025" in window.areas_title.text()


def test_rating_cells_have_colour_and_word(window: MainWindow) -> None:
    window.load_sample_data()
    model = window.recommendation_model
    col = next(
        c
        for c in range(model.columnCount())
        if model.headerData(c, Qt.Orientation.Horizontal) == "Rating"
    )
    index = model.index(0, col)
    assert model.data(index) in {"Blue", "Green", "Amber", "Red"}
    assert model.data(index, Qt.ItemDataRole.BackgroundRole) is not None


def test_sorting_by_target_date_uses_dates(window: MainWindow) -> None:
    window.load_sample_data()
    view = window.recommendations_page.view
    model = window.recommendation_model
    col = next(
        c
        for c in range(model.columnCount())
        if model.headerData(c, Qt.Orientation.Horizontal) == "Target date"
    )
    view.sortByColumn(col, Qt.SortOrder.AscendingOrder)
    proxy = view.model()
    shown = [
        proxy.data(proxy.index(r, col), Qt.ItemDataRole.UserRole + 1)
        for r in range(proxy.rowCount())
    ]
    present = [key[1] for key in shown if not key[0]]
    assert present == sorted(present)
    assert all(key[0] for key in shown[len(present) :])  # undated items last
