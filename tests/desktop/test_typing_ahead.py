"""Keys typed into the Recommendations search faster than a search runs (``QueuedSearch``).

Keys that came together reach the window in one turn of its event loop; ``keyClicks`` gives
them the same way, one after another with no turn between (as X gives keys queued while the
window was busy). A new user's trial under X saw the box show the first letters and then
nothing for 0.6-1.1 s, a search run for each key before Qt repainted."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from db.queries import tracker
from db.queries.rows import TrackerFilter
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import CHILD_A, search_for, show_tracker


def _searches(tab: Any) -> list[str]:
    """The search box's text each time the model reads a page for a new filter."""
    seen: list[str] = []
    reload = tab.model.reload

    def counted() -> None:
        seen.append(tab.filters.search.text())
        reload()

    tab.model.reload = counted
    return seen


def _typing_into(qtbot: Any, window: MainWindow) -> Any:
    show_tracker(window)
    tab = window.recommendations_tab
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    tab.filters.search.setFocus()
    return tab


def test_keys_typed_together_are_searched_once_with_all_of_them(
    qtbot: Any, sample_window: MainWindow
) -> None:
    tab = _typing_into(qtbot, sample_window)
    searches = _searches(tab)
    qtbot.keyClicks(tab.filters.search, "staff")
    assert searches == []  # the keys taken, the search asked for
    qtbot.waitUntil(lambda: not tab.typed.pending)
    assert searches == ["staff"]
    with sample_window.database.session() as session:
        assert tab.model.rows == tracker.page(session, TrackerFilter(text="staff"), TODAY)
    qtbot.keyClicks(tab.filters.search, " short")  # and the next keys, once more
    qtbot.waitUntil(lambda: not tab.typed.pending)
    assert searches == ["staff", "staff short"]
    assert [(r.source, r.number) for r in tab.model.rows] == [(CHILD_A, "3")]


def test_down_straight_after_typing_goes_to_the_results_of_all_the_keys(
    qtbot: Any, sample_window: MainWindow
) -> None:
    tab = _typing_into(qtbot, sample_window)
    qtbot.keyClicks(tab.filters.search, "staff short")
    qtbot.keyClick(tab.filters.search, Qt.Key.Key_Down)  # in the same turn: searched first
    assert tab.model.filter.text == "staff short"
    assert QApplication.focusWidget() is tab.view
    assert [(r.source, r.number) for r in tab.model.rows] == [(CHILD_A, "3")]
    assert tab.selected_count() == 1 and tab.view.currentIndex().row() == 0
    qtbot.wait(20)  # nothing left to come after it that would clear the selection
    assert tab.selected_count() == 1 and not tab.typed.pending


def test_a_shortcut_straight_after_typing_acts_on_the_results_of_all_the_keys(
    qtbot: Any, sample_window: MainWindow
) -> None:
    tab = _typing_into(qtbot, sample_window)
    qtbot.keyClicks(tab.filters.search, "zebra")
    qtbot.keyClick(tab.filters.search, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    assert tab.model.filter.text == "zebra" and tab.model.rows == []


def test_leaving_the_box_straight_after_typing_searches_first(
    qtbot: Any, sample_window: MainWindow
) -> None:
    tab = _typing_into(qtbot, sample_window)
    qtbot.keyClicks(tab.filters.search, "zebra")
    tab.view.setFocus()
    assert tab.model.filter.text == "zebra" and tab.model.rows == []


def test_text_set_by_the_program_is_searched_at_once(qtbot: Any, sample_window: MainWindow) -> None:
    tab = _typing_into(qtbot, sample_window)
    everything = len(tab.model.rows)
    search_for(qtbot, tab, "staff short")
    [only] = tab.model.rows
    qtbot.keyClick(tab.filters.search, Qt.Key.Key_Escape)  # clears the box
    assert len(tab.model.rows) == everything
    search_for(qtbot, tab, "zebra")
    tab.go_to_item(only.id)  # a similar item chosen: the filters that hide it cleared
    assert tab.filters.search.text() == "" and tab.selected_ids() == [only.id]
