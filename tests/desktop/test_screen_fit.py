"""The window fits the screen it opens on: sized to it the first time, brought back inside
it when remembered from a larger or missing screen, and usable at a small size."""

from __future__ import annotations

import datetime as dt
from typing import Any

from PySide6.QtCore import QSize
from PySide6.QtWidgets import QScrollArea, QWidget

from db.services import meetings
from db.services.generate import generate
from db.store.database import Database
from desktop.qtutils import keep_on_screen
from desktop.settings import Settings
from desktop.window import MainWindow, first_size
from tests.helpers.window import make_window, show_meetings, show_overview, show_tracker


def test_the_first_run_sizes_the_window_to_the_screen(window: MainWindow) -> None:
    available = window.screen().availableGeometry()
    assert available.contains(window.frameGeometry())
    assert window.size() == first_size(available.size())


def test_the_first_size_is_most_of_the_screen_and_never_more_than_the_layout_needs() -> None:
    assert first_size(QSize(1366, 728)) == QSize(1229, 655)  # a laptop, less its task bar
    assert first_size(QSize(2560, 1400)) == QSize(1440, 900)
    assert first_size(QSize(1280, 680)) == QSize(1152, 612)  # 1920x1080 at 150%


def test_a_window_remembered_on_a_larger_screen_opens_inside_this_one(
    qtbot: Any, db_file: Database, settings: Settings
) -> None:
    """Qt's restoreGeometry does this itself (checked here so that it stays so); the frame is
    left out, as the offscreen platform adds one only once shown."""
    first = make_window(qtbot, db_file, settings)
    first.setGeometry(1900, 1200, 1440, 900)  # on a second, larger monitor now unplugged
    first.save_settings()
    first.close()
    again = make_window(qtbot, db_file, settings)
    available = again.screen().availableGeometry()
    assert available.contains(again.geometry()), again.geometry()


def test_at_a_small_size_the_search_and_filters_stay_usable(
    qtbot: Any, sample_window: MainWindow
) -> None:
    show_tracker(sample_window)
    sample_window.resize(1024, 700)
    qtbot.waitUntil(lambda: sample_window.width() == 1024)
    filters = sample_window.recommendations_tab.filters
    assert filters.search.width() >= 160
    for combo in (filters.status, filters.rating):
        widest = max(combo.fontMetrics().horizontalAdvance(combo.itemText(n)) for n in range(3))
        assert combo.width() >= min(widest, 100), combo.accessibleName()
    # No tab makes the window wider than that (the Recommendations tab made it 1029 pixels,
    # past a 1024-pixel screen; found by a new user), and a date filter shows a whole date.
    for number in range(sample_window.tabs.count()):
        sample_window.tabs.setCurrentIndex(number)
        assert sample_window.minimumSizeHint().width() <= 1024, sample_window.tabs.tabText(number)
    longest = filters.due_date.edit.fontMetrics().horizontalAdvance("30 September 2026")
    assert filters.due_date.edit.width() >= longest


def test_the_coming_deadlines_scroll_rather_than_being_cut_off(
    qtbot: Any, sample_window: MainWindow
) -> None:
    tab = show_overview(sample_window)
    sample_window.resize(1024, 700)
    area = tab.deadlines.parentWidget().parentWidget()
    assert isinstance(area, QScrollArea) and area.widgetResizable()


LAPTOP_ROOM = QSize(1366, 728)  # a 1366x768 laptop's screen, less its task bar


def test_no_tab_makes_the_window_outgrow_a_laptop_screen(
    qtbot: Any, db_file: Database, settings: Settings
) -> None:
    """With 20,000 items the Overview tab needed 747 pixels of height: the window grew from its
    first 691 past the bottom of a 1366x768 screen (1,121 at 150%), its status bar and buttons
    off-screen on every tab after, and the size remembered (found by a new user). Every tab,
    over many items with long agency names, fits the window's first size on that screen, and
    at 150% (the same screen two-thirds the size in Qt's pixels) fits the screen."""
    with db_file.transaction("setup") as session:
        generate(session, reviews=60, recommendations=3000, seed=25, today=dt.date(2026, 12, 5))
    window = make_window(qtbot, db_file, settings)
    first = first_size(LAPTOP_ROOM)
    window.resize(first)
    at_150 = LAPTOP_ROOM * (2 / 3)
    for number in range(window.tabs.count()):
        window.tabs.setCurrentIndex(number)
        qtbot.wait(20)  # laid out, as on screen
        name = window.tabs.tabText(number)
        needed = window.minimumSizeHint()
        assert needed.height() <= at_150.height(), (name, needed)
        assert needed.width() <= at_150.width(), (name, needed)
        assert window.size() == first, (name, window.size())


def test_the_large_dialogs_open_inside_the_screen(window: MainWindow) -> None:
    """The briefing dialog opened at 1280x860 whatever the screen (on a 1366x768 laptop its
    buttons were below the bottom edge; found by a new user); so could the others."""
    from desktop.dialogs.backups import BackupsDialog
    from desktop.dialogs.briefing import BriefingDialog
    from desktop.dialogs.help import HelpWindow

    room = window.screen().availableGeometry().size()
    assert room.height() < 860  # the offscreen screen is smaller than the dialog's own size
    location = window.database.location
    for dialog in (
        BriefingDialog(window.context, window),
        BackupsDialog(location, window),
        HelpWindow(window),
    ):
        size = dialog.size()
        assert size.width() <= room.width() and size.height() <= room.height(), dialog
        dialog.deleteLater()


def test_the_meetings_tab_fits_the_first_size_at_150_percent(
    qtbot: Any, db_file: Database, settings: Settings
) -> None:
    """A meeting with a full agenda: the agenda's buttons four to a row made the tab 883
    pixels wide at least, the window with it, past the right edge of a 1366x768 screen at
    150 % (its first size there is 820), Save agenda cut off (found by a new user)."""
    with db_file.transaction("setup") as session:
        generate(session, reviews=20, recommendations=600, seed=25, today=dt.date(2026, 12, 5))
        key = meetings.create_meeting(
            session,
            meetings.MeetingFields(dt.date(2026, 12, 20), "December Panel", chair="Jo Chair"),
        )
        proposed = meetings.propose_agenda(session, key, dt.date(2026, 12, 5))
        meetings.set_agenda(session, key, proposed[: meetings.AGENDA_LIMIT])
    window = make_window(qtbot, db_file, settings)
    tab = show_meetings(qtbot, window)
    qtbot.waitUntil(lambda: tab.agenda.count() == meetings.AGENDA_LIMIT)
    at_150 = first_size(LAPTOP_ROOM * (2 / 3))
    assert tab.minimumSizeHint().width() <= at_150.width() - 20, tab.minimumSizeHint()
    assert all(b.isVisible() for b in (tab.save_button, tab.undo_edits_button, tab.remove_button))


def test_a_window_that_fits_the_screen_is_left_where_it_is(qtbot: Any) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    room = window.screen().availableGeometry()
    window.setGeometry(room.left() + 40, room.top() + 30, room.width() // 2, room.height() // 2)
    window.show()
    qtbot.waitExposed(window)
    where = window.frameGeometry()
    assert room.contains(where)
    assert not keep_on_screen(window)
    assert window.frameGeometry() == where


def test_a_window_off_the_screen_or_larger_than_it_is_brought_inside(qtbot: Any) -> None:
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    room = window.screen().availableGeometry()
    window.setGeometry(room.right() - 100, room.top() + 50, room.width() // 2, 200)
    qtbot.waitUntil(lambda: window.x() > room.center().x())
    assert keep_on_screen(window)  # off the right edge: moved in, its size kept
    assert room.contains(window.frameGeometry()) and window.width() == room.width() // 2
    window.setGeometry(room.left() - 30, room.top() - 20, room.width() + 300, room.height() + 200)
    qtbot.waitUntil(lambda: window.width() > room.width())
    assert keep_on_screen(window)  # larger than the screen: made to fit
    assert room.contains(window.frameGeometry()), (room, window.frameGeometry())


def test_the_window_grown_past_the_screen_edge_comes_back_inside(
    qtbot: Any, window: MainWindow
) -> None:
    """A tab that needs more room than the window has makes it wider; at the right edge of
    the screen it ran off it (the Meetings tab at 150 %, found by a new user)."""
    room = window.screen().availableGeometry()
    window.move(room.right() - window.frameGeometry().width() - 10, room.top() + 10)
    qtbot.waitUntil(lambda: room.contains(window.frameGeometry()))
    left, width = window.x(), window.width()
    window.tabs.currentWidget().setMinimumWidth(width + 60)  # a tab that needs more room
    qtbot.waitUntil(lambda: window.width() > width)
    qtbot.waitUntil(lambda: room.contains(window.frameGeometry()))
    assert window.x() < left
    assert window.width() >= window.minimumSizeHint().width()
