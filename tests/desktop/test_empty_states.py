"""Empty tabs say what to do, buttons that cannot act are disabled, and the title never
marks as unsaved what is already in the database."""

from __future__ import annotations

from typing import Any

from desktop.window import MainWindow
from tests.helpers.window import CHILD_A, answer, ok, search_for, select_item, show_tracker


def shown_title(window: MainWindow) -> str:
    """The title as the window system shows it: Qt puts "*" for "[*]" while modified."""
    return window.windowTitle().replace("[*]", "*" if window.isWindowModified() else "")


def test_a_search_that_finds_nothing_says_so_and_how_to_see_everything(
    qtbot: Any, sample_window: MainWindow
) -> None:
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    search_for(qtbot, tab, "zebra")
    assert tab.page.currentWidget() is tab.no_matches
    assert tab.no_matches.isVisible() and tab.filters.isVisible()
    assert "Clear filters" in tab.no_matches.label.text()
    tab.filters.clear.click()
    assert tab.page.currentIndex() == 0 and tab.model.rows


def test_empty_reviews_offer_a_new_review(window: MainWindow) -> None:
    tab = window.reviews_tab
    assert tab.page.currentWidget() is tab.page.empty
    [button] = tab.page.empty.buttons
    assert button.isVisible() and button.text().replace("&", "") == "New review…"
    seen: list[str] = []

    def look(dialog: Any) -> None:
        seen.append(dialog.windowTitle())
        dialog.reject()

    answer(look)
    button.click()
    assert seen == ["New review"]


def test_no_initiatives_says_what_one_is_and_how_to_add_one(window: MainWindow) -> None:
    tab = window.initiatives_tab
    window.tabs.setCurrentWidget(tab)
    assert tab.page.currentWidget() is tab.page.empty
    assert "New initiative" in tab.page.empty.label.text()
    assert tab.new_button.isVisible() and tab.new_button.isEnabled()
    assert not tab.edit_button.isEnabled() and not tab.delete_button.isEnabled()


def test_initiative_buttons_follow_the_selection(sample_window: MainWindow) -> None:
    tab = sample_window.initiatives_tab
    sample_window.tabs.setCurrentWidget(tab)
    assert tab.page.currentIndex() == 0
    assert not tab.edit_button.isEnabled() and not tab.edit_action.isEnabled()
    tab.view.selectRow(0)
    assert tab.edit_button.isEnabled() and tab.delete_action.isEnabled()
    tab.view.clearSelection()
    assert not tab.delete_button.isEnabled()


def test_row_actions_are_disabled_with_nothing_chosen(sample_window: MainWindow) -> None:
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    tab.view.clearSelection()
    assert [a.isEnabled() for a in tab.row_actions] == [False] * len(tab.row_actions)
    select_item(sample_window, CHILD_A, "5")
    buttons = [
        tab.edit_button,
        tab.update_button,
        tab.evidence_button,
        tab.sign_off_button,
        tab.bulk_button,
    ]
    assert [a.isEnabled() for a in tab.row_actions] == [b.isEnabled() for b in buttons]
    assert all(b.isEnabled() for b in buttons[:3])


def test_the_title_shows_no_star_once_an_edit_is_saved(sample_window: MainWindow) -> None:
    """Every edit is in the database the moment OK is clicked: nothing is left to save."""
    assert "*" not in shown_title(sample_window)
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")

    def fill(dialog: Any) -> None:
        dialog.owner.setText("Deputy Head of Education")
        ok(dialog)

    answer(fill)
    sample_window.recommendations_tab.edit_item()
    assert not sample_window.context.undo_stack.isClean()  # there is an edit to undo
    assert "*" not in shown_title(sample_window)
    sample_window.undo_action.trigger()
    assert "*" not in shown_title(sample_window)
    sample_window.redo_action.trigger()
    assert "*" not in shown_title(sample_window)
