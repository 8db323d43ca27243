"""A window over a copy already merged back refuses a change as it begins, before any dialog
opens or question is put: a new user filled in a form, or answered "Delete?", only to be told
at OK that the copy takes no more changes (``AppContext.takes_changes``). Nothing is written;
reading, exporting and printing go on as before (tests/desktop/test_copy_window.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget
from sqlalchemy import func, select

from db.services.checkout import Scope, check_out
from db.services.merge import merge_copy
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import AuditEntry
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import CHILD_A, make_window, select_item, show_tracker

MERGED = "This copy was merged back on "


class Watcher:
    """Closes whatever dialog opens in front (a form, a question, a file dialog) and notes its
    title: a change refused as it begins opens none. The refusal's own box is left alone."""

    def __init__(self) -> None:
        self.opened: list[str] = []
        self.timer = QTimer()
        self.timer.setInterval(20)
        self.timer.timeout.connect(self._look)
        self.timer.start()

    def _look(self) -> None:
        shown = QApplication.activeModalWidget()
        if shown is not None and shown.objectName() != "explanation":
            self.opened.append(shown.windowTitle() or type(shown).__name__)
            shown.close()


def _close_explanations() -> None:
    for top in QApplication.topLevelWidgets():
        if top.objectName() == "explanation" and top.isVisible():
            top.close()


def _entries(database: Database) -> int:
    with database.session() as session:
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


@pytest.fixture
def merged(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, db_file: Database, settings: Settings, tmp_path: Path
):
    """A window over a whole copy of the sample data, merged back into it."""
    target = tmp_path / "laptop.sqlite3"
    check_out(db_file, target, scope=Scope(), actor="Sam Patel", today=TODAY)
    with open_database(resolve_location(str(target))) as copy:
        merge_copy(copy, db_file, actor="Kim", today=TODAY)
        window = make_window(qtbot, copy, settings)
        yield window, copy
        window.close()


def _gestures(window: MainWindow) -> dict[str, Callable[[], object]]:
    """Each way the window begins a change, with what it acts on selected first."""

    def on(tab: QWidget, act: Callable[[], object]) -> Callable[[], object]:
        def gesture() -> object:
            window.tabs.setCurrentWidget(tab)
            QApplication.processEvents()
            view = getattr(tab, "view", None)
            if view is not None and view.model() is not None and view.model().rowCount():
                view.selectRow(0)
            return act()

        return gesture

    def on_item(act: Callable[[], object]) -> Callable[[], object]:
        def gesture() -> object:
            show_tracker(window)
            QApplication.processEvents()
            select_item(window, CHILD_A, "3")
            return act()

        return gesture

    reviews, items = window.reviews_tab, window.recommendations_tab
    inspections, initiatives = window.inspections_tab, window.initiatives_tab
    meetings = window.meetings_tab
    return {
        "New review": on(reviews, reviews.new_review),
        "Edit review": on(reviews, reviews.edit_review),
        "Delete review": on(reviews, reviews.delete_review),
        "New recommendation of a review": on(reviews, reviews.new_item),
        "Add update": on_item(items.add_update),
        "Sign off": on_item(items.sign_off),
        "Add evidence": on_item(items.add_evidence),
        "Edit item": on_item(items.edit_item),
        "Delete item": on_item(items.delete_item),
        "Change status": on_item(items.bulk_status),
        "New inspection": on(inspections, inspections.new_inspection),
        "Edit inspection": on(inspections, inspections.edit_inspection),
        "Delete inspection": on(inspections, inspections.delete_inspection),
        "New grading scheme": on(inspections, inspections.new_scheme),
        "New initiative": on(initiatives, initiatives.new_initiative),
        "Edit initiative": on(initiatives, initiatives.edit_initiative),
        "Delete initiative": on(initiatives, initiatives.delete_initiative),
        "Remove a link": on(initiatives, initiatives.remove_link),
        "New meeting": on(meetings, meetings.new_meeting),
        "Edit meeting": on(meetings, meetings.edit_meeting),
        "Delete meeting": on(meetings, meetings.delete_meeting),
        "Propose agenda": on(meetings, meetings.propose),
        "Add to agenda": on(meetings, meetings.add_item),
        "Learning themes": window.show_themes,
        "Import": window.files.import_file,
        "Merge a copy back": window.files.merge_copy_back,
        "Take a copy offline": window.files.take_copy_offline,
    }


def test_every_change_is_refused_before_its_dialog_or_question(  # type: ignore[no-untyped-def]
    qtbot, merged
) -> None:
    window, copy = merged
    before = _entries(copy)
    watcher = Watcher()
    try:
        for name, gesture in _gestures(window).items():
            window.context.last_explanation = ""
            gesture()
            qtbot.wait(60)  # long enough for the watcher to see a dialog that opened
            assert watcher.opened == [], f"{name} opened {watcher.opened} before refusing"
            assert window.context.last_explanation.startswith(MERGED), name
            _close_explanations()
    finally:
        watcher.timer.stop()
    assert _entries(copy) == before  # nothing written


def test_the_agenda_cannot_be_rearranged_in_a_merged_copy(  # type: ignore[no-untyped-def]
    qtbot, merged
) -> None:
    """Moving or removing a line of a saved agenda is refused as it is tried, not at Save."""
    window, _copy = merged
    tab = window.meetings_tab
    window.tabs.setCurrentWidget(tab)
    QApplication.processEvents()
    for row in range(tab.view.model().rowCount()):
        tab.view.selectRow(row)
        QApplication.processEvents()
        if tab.agenda.count() >= 2:
            break
    assert tab.agenda.count() >= 2, "the sample has a meeting with an agenda"
    lines = [tab.agenda.item(n).text() for n in range(tab.agenda.count())]
    tab.agenda.setCurrentRow(0)
    for gesture in (lambda: tab.move_item(1), tab.remove_item):
        window.context.last_explanation = ""
        gesture()
        assert window.context.last_explanation.startswith(MERGED)
        _close_explanations()
    assert [tab.agenda.item(n).text() for n in range(tab.agenda.count())] == lines
    assert not tab.edited


def test_a_copy_not_merged_opens_its_dialogs_as_before(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow
) -> None:
    """The gate stops nothing else: the same gestures on an ordinary database open their
    dialog (closed here unanswered) and say nothing."""
    watcher = Watcher()
    try:
        gestures = _gestures(sample_window)
        for name in ("New review", "Delete review", "Edit item", "Learning themes"):
            sample_window.context.last_explanation = ""
            gestures[name]()
            qtbot.waitUntil(lambda: bool(watcher.opened), timeout=5000)
            assert sample_window.context.last_explanation == "", name
            watcher.opened.clear()
    finally:
        watcher.timer.stop()


def test_while_the_layer_loads_a_merged_copy_is_read_from_the_file(  # type: ignore[no-untyped-def]
    qtbot, merged, settings: Settings
) -> None:
    """An edit starts from the file before the database opens (issue 26); on a merged copy it
    is refused then too, read with sqlite3 alone, and the database stays unopened."""
    from desktop import settings as keys
    from desktop.context import AppContext, PendingDatabase

    _window, copy = merged
    path = copy.location.path
    assert path is not None
    settings.set(keys.LAST_TAB, 0)
    window = MainWindow(AppContext(PendingDatabase(path), settings, today=lambda: TODAY))
    qtbot.addWidget(window)
    window.show()
    reads = window.context.pending_reads
    assert reads is not None and window.reviews_tab.first_paint(reads)
    window.reviews_tab.view.selectRow(0)
    watcher = Watcher()
    try:
        window.reviews_tab.edit_review()
        qtbot.wait(60)
    finally:
        watcher.timer.stop()
    assert watcher.opened == []
    assert window.context.last_explanation.startswith(MERGED)
    assert not window.context.is_open
    _close_explanations()
    window.close()
