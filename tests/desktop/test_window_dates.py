"""Typed dates in the window: read exactly as a person in the UK writes them, by the command
line's own rules, or refused beside the field; never silently turned into another date.

A QDateEdit made "31 February 2025" into 4 February 2025, ignored "15/11/2026" and made
"15 Nov 2026" into 4 February 2026. These tests type into the real dialogs as the tabs open
them, over a real database file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from PySide6.QtCore import Qt

from db.core.vocabulary import Status
from db.services import editing
from db.services.editing import ItemKey
from db.store.database import Database
from desktop.dialogs.forms import select_data
from desktop.window import MainWindow
from tests.helpers.window import CHILD_A, answer, ok, refused, retype, select_item, show_tracker


def target_date(database: Database, number: str = "5") -> dt.date | None:
    with database.session() as session:
        return editing.item_fields(session, ItemKey(CHILD_A, number)).target_date


@pytest.mark.parametrize(
    "typed",
    ["15/11/2026", "15-11-2026", "15.11.26", "15 Nov 2026", "15 November 2026", "2026-11-15"],
)
def test_a_typed_target_date_is_saved_exactly(
    qtbot: Any, sample_window: MainWindow, db_file: Database, typed: str
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")
    shown: list[str] = []

    def fill(dialog: Any) -> None:
        retype(qtbot, dialog.target.edit, typed)
        qtbot.keyClick(dialog.target.edit, Qt.Key.Key_Tab)  # leaving the field tidies it
        shown.append(dialog.target.text())
        ok(dialog)

    answer(fill)
    sample_window.recommendations_tab.edit_item()
    assert shown == ["15 November 2026"]
    assert target_date(db_file) == dt.date(2026, 11, 15)


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("31 February 2025", "'31 February 2025' is not a real date."),
        ("11/2026", "'11/2026' needs a day as well, like 21 November 2025."),
        ("next Tuesday", "'next Tuesday' is not a date; write it like 21 November 2025."),
    ],
)
def test_a_date_that_cannot_be_read_is_refused_beside_the_field(
    qtbot: Any, sample_window: MainWindow, db_file: Database, typed: str, says: str
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")
    before = target_date(db_file)
    seen: dict[str, str] = {}
    kept: list[str] = []

    def fill(dialog: Any) -> None:
        retype(qtbot, dialog.target.edit, typed)
        qtbot.keyClick(dialog.target.edit, Qt.Key.Key_Tab)
        kept.append(dialog.target.text())  # what was typed stays, never another date
        seen.update(refused(dialog))

    answer(fill)
    sample_window.recommendations_tab.edit_item()
    assert kept == [typed]
    assert seen == {"target_date": says}
    assert target_date(db_file) == before


def test_an_empty_target_date_means_none(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")
    assert target_date(db_file) is not None

    def fill(dialog: Any) -> None:
        retype(qtbot, dialog.target.edit, "")
        ok(dialog)

    answer(fill)
    sample_window.recommendations_tab.edit_item()
    assert target_date(db_file) is None


def test_the_calendar_sets_the_date_shown(qtbot: Any, sample_window: MainWindow) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")
    shown: list[str] = []

    def fill(dialog: Any) -> None:
        retype(qtbot, dialog.target.edit, "15 Nov 2026")
        dialog.target.menu.aboutToShow.emit()  # the calendar opens on the date typed
        calendar = dialog.target.calendar
        shown.append(calendar.selectedDate().toString("yyyy-MM-dd"))
        calendar.setSelectedDate(calendar.selectedDate().addDays(3))
        calendar.activated.emit(calendar.selectedDate())
        shown.append(dialog.target.text())
        dialog.reject()

    answer(fill)
    sample_window.recommendations_tab.edit_item()
    assert shown == ["2026-11-15", "18 November 2026"]


def test_an_update_dated_31_february_is_refused_and_3_2_is_day_first(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "4")
    seen: dict[str, str] = {}

    def bad(dialog: Any) -> None:
        retype(qtbot, dialog.on.edit, "31 February 2025")
        qtbot.keyClicks(dialog.note, "Training booked.")
        seen.update(refused(dialog))

    answer(bad)
    sample_window.recommendations_tab.add_update()
    assert seen == {"on": "'31 February 2025' is not a real date."}

    def good(dialog: Any) -> None:
        retype(qtbot, dialog.on.edit, "3/2/2025")
        qtbot.keyClicks(dialog.note, "Training booked.")
        ok(dialog)

    answer(good)
    sample_window.recommendations_tab.add_update()
    with db_file.session() as session:
        updates = editing.item_by_key(session, ItemKey(CHILD_A, "4")).updates
    assert [(u.on, u.note) for u in updates if u.note == "Training booked."] == [
        (dt.date(2025, 2, 3), "Training booked.")
    ]


def test_a_bulk_change_with_an_unreadable_date_is_refused(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "4")
    seen: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        select_data(dialog.status, Status.IMPLEMENTED)
        qtbot.keyClicks(dialog.note, "Agreed at the subgroup")
        retype(qtbot, dialog.on.edit, "15 Nov 2026x")
        seen.update(refused(dialog))

    answer(fill)
    sample_window.recommendations_tab.bulk_status()
    assert seen == {"on": "'15 Nov 2026x' is not a date; write it like 21 November 2025."}
    with db_file.session() as session:
        assert editing.item_by_key(session, ItemKey(CHILD_A, "4")).status is Status.IN_PROGRESS


def test_a_briefing_meeting_date_that_cannot_be_read_is_refused(
    qtbot: Any, sample_window: MainWindow
) -> None:
    sample_window.briefing_pack()
    dialog = sample_window.briefing_dialog
    dialog.has_meeting.setChecked(True)
    retype(qtbot, dialog.meeting.edit, "31/02/2027")
    dialog.generate()
    assert dialog.status.text() == "Meeting date: '31/02/2027' is not a real date."
    assert sample_window.context.last_explanation == dialog.status.text()
    retype(qtbot, dialog.meeting.edit, "15 Nov 2026")
    assert dialog.options().meeting_date == dt.date(2026, 11, 15)
    dialog.close()


def test_the_due_before_filter_reads_dates_as_every_date_field_does(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """The filter bar's date was a QDateEdit, with the faults the dialogs had."""
    show_tracker(sample_window)
    bar = sample_window.recommendations_tab.filters
    qtbot.mouseClick(bar.due, Qt.MouseButton.LeftButton)
    retype(qtbot, bar.due_date.edit, "15/11/2026")
    qtbot.keyClick(bar.due_date.edit, Qt.Key.Key_Return)
    assert bar.current().due_before == dt.date(2026, 11, 15)
    assert bar.due_date.text() == "15 November 2026"
    retype(qtbot, bar.due_date.edit, "31 February 2025")
    qtbot.keyClick(bar.due_date.edit, Qt.Key.Key_Return)
    # Marked as unreadable, saying why; the filter keeps the date it could read.
    assert bar.due_date.problem == "'31 February 2025' is not a real date."
    assert bar.due_date.edit.toolTip() == bar.due_date.problem
    assert bar.due_date.text() == "31 February 2025"
    assert bar.current().due_before == dt.date(2026, 11, 15)
    retype(qtbot, bar.due_date.edit, "15 Nov 2026")
    qtbot.keyClick(bar.due_date.edit, Qt.Key.Key_Tab)
    assert bar.due_date.problem is None and bar.current().due_before == dt.date(2026, 11, 15)


@pytest.mark.qt_log_ignore("This plugin does not support (raise|grabbing)")  # offscreen popups
def test_the_calendar_opens_from_the_keyboard_and_takes_its_keys(qtbot: Any) -> None:
    """F4 opened the calendar, but Left and Enter did nothing until a Tab (a new user)."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktop.dialogs.forms import DateField

    field = DateField(dt.date(2026, 11, 15), "Target date")
    qtbot.addWidget(field)
    field.show()
    field.activateWindow()
    qtbot.waitUntil(field.isActiveWindow)
    field.edit.setFocus()
    seen: dict[str, bool] = {}

    def in_the_calendar(tries: int = 40) -> None:
        focus = QApplication.focusWidget()
        inside = focus is not None and (
            focus is field.calendar or field.calendar.isAncestorOf(focus)
        )
        if not inside and tries:
            QTimer.singleShot(50, lambda: in_the_calendar(tries - 1))
            return
        seen["focus"] = inside
        target = focus if inside and focus is not None else field.calendar
        qtbot.keyClick(target, Qt.Key.Key_Left)  # the arrows and Enter reach it at once
        qtbot.keyClick(target, Qt.Key.Key_Return)
        field.menu.close()

    QTimer.singleShot(50, in_the_calendar)
    qtbot.keyClick(field.edit, Qt.Key.Key_F4)
    qtbot.waitUntil(lambda: "focus" in seen)
    assert seen["focus"]
    assert field.value() == dt.date(2026, 11, 14)
