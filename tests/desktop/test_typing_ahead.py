"""Keys typed into the Recommendations search faster than a search runs (``QueuedSearch``).

Keys that came together reach the window in one turn of its event loop; ``keyClicks`` gives
them the same way, one after another with no turn between (as X gives keys queued while the
window was busy). A new user's trial under X saw the box show the first letters and then
nothing for 0.6-1.1 s, a search run for each key before Qt repainted."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QToolButton

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


@pytest.mark.parametrize(
    "key",
    [
        Qt.Key.Key_A,  # Select All: the box's own
        Qt.Key.Key_F,  # Find: the window's, which the box sees only as a shortcut override
    ],
)
def test_a_shortcut_straight_after_typing_acts_on_the_results_of_all_the_keys(
    qtbot: Any, sample_window: MainWindow, key: Qt.Key
) -> None:
    tab = _typing_into(qtbot, sample_window)
    qtbot.keyClicks(tab.filters.search, "zebra")
    qtbot.keyClick(tab.filters.search, key, Qt.KeyboardModifier.ControlModifier)
    assert tab.model.filter.text == "zebra" and tab.model.rows == []
    assert tab.filters.search.selectedText() == "zebra"


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


def test_keys_that_only_edit_the_text_wait_with_the_rest(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Shift or a dead key pressed alone, Backspace held down: each only edits the text, and
    a search run for each would hold the box as before."""
    tab = _typing_into(qtbot, sample_window)
    searches = _searches(tab)
    box = tab.filters.search
    qtbot.keyClicks(box, "sta")
    qtbot.keyClick(box, Qt.Key.Key_Shift)
    dead = QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Dead_Acute, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(box, dead)  # (QTest has no dead keys)
    qtbot.keyClicks(box, "ff")
    qtbot.keyClick(box, Qt.Key.Key_Backspace)
    qtbot.keyClick(box, Qt.Key.Key_Backspace)
    assert tab.typed.pending and searches == []
    qtbot.waitUntil(lambda: not tab.typed.pending)
    assert searches == ["sta"]


def test_alt_gr_text_waits_with_the_rest(qtbot: Any, sample_window: MainWindow) -> None:
    """Windows reports AltGr as Ctrl+Alt: "@" on many keyboards, "€", Polish letters."""
    tab = _typing_into(qtbot, sample_window)
    searches = _searches(tab)
    qtbot.keyClicks(tab.filters.search, "zebr")
    alt_gr = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier
    qtbot.keyClick(tab.filters.search, "@", alt_gr)
    assert tab.typed.pending and searches == []


def test_a_search_asked_for_as_the_window_closes_is_not_run(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """It would read through the database the window closes (or, opening another, gives up)
    and open it again; what was typed is remembered."""
    tab = _typing_into(qtbot, sample_window)
    searches = _searches(tab)
    qtbot.keyClicks(tab.filters.search, "zebra")
    sample_window.close()
    qtbot.wait(50)
    assert searches == [] and not tab.typed.pending
    assert tab.filters.state()["text"] == "zebra"


def test_the_clear_button_leaves_text_the_program_sets_searched_at_once(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Qt's clear button says the box was edited after it has said it changed."""
    tab = _typing_into(qtbot, sample_window)
    everything = len(tab.model.rows)
    search_for(qtbot, tab, "zebra")
    [clear] = tab.filters.search.findChildren(QToolButton)
    clear.click()
    assert tab.filters.search.text() == "" and len(tab.model.rows) == everything
    tab.filters.search.setText("staff short")
    assert [(r.source, r.number) for r in tab.model.rows] == [(CHILD_A, "3")]
