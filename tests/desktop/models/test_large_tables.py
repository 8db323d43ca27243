"""The Recommendations table over a few thousand generated items behaves like one table: the
count is known, Ctrl+End reads only the last pages, Ctrl+A selects rows never read, sorting
works on every column, and a selection survives an edit, its undo and its redo."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QPoint, Qt, QThreadPool, QTimer
from PySide6.QtWidgets import QProgressDialog
from sqlalchemy import event, func, select

from db.core.vocabulary import Status
from db.queries.rows import OPEN_STATUSES, PAGE_SIZE
from db.services.generate import generate
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import Recommendation
from desktop import commands
from desktop.dialogs.forms import select_data
from desktop.models.table import ROW_ROLE
from desktop.models.tracker import COLUMNS
from desktop.settings import Settings
from desktop.tabs.recommendations import RecommendationsTab
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import answer, make_window, ok, search_for, show_overview

ITEMS = 2_500


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A generated database file, made once; each test works on its own copy."""
    path = tmp_path_factory.mktemp("large") / "generated.sqlite3"
    database = open_database(resolve_location(str(path)), create=True)
    with database.transaction("t") as session:
        generate(session, reviews=5, recommendations=ITEMS, seed=21, today=TODAY)
    database.close()
    return path


@pytest.fixture
def large(generated: Path, tmp_path: Path) -> Iterator[Database]:
    path = tmp_path / "large.sqlite3"
    path.write_bytes(generated.read_bytes())
    database = open_database(resolve_location(str(path)))
    yield database
    database.close()


@pytest.fixture
def tab(qtbot, large: Database, settings: Settings) -> RecommendationsTab:  # type: ignore[no-untyped-def]
    window: MainWindow = make_window(qtbot, large, settings)
    window.tabs.setCurrentWidget(window.recommendations_tab)
    shown = window.recommendations_tab
    qtbot.waitUntil(lambda: shown.model.total is not None)
    shown.view.setFocus()
    return shown


def _all_ids(database: Database, *where: Any) -> list[int]:
    with database.session() as session:
        return list(session.scalars(select(Recommendation.id).where(*where)))


def test_ctrl_end_shows_the_last_row_reading_only_the_pages_near_it(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    qtbot.keyClick(tab.view, Qt.Key.Key_End, Qt.KeyboardModifier.ControlModifier)
    current = tab.view.currentIndex()
    assert current.row() == ITEMS - 1
    assert tab.model.rowCount() == ITEMS  # counted, not grown a page at a time
    # The last row in the model's order (source, then position, then id).
    with large.session() as session:
        last = session.execute(
            select(Recommendation.id).order_by(
                Recommendation.source_key.desc(),
                Recommendation.position.desc(),
                Recommendation.id.desc(),
            )
        ).first()
    assert last is not None and current.data(ROW_ROLE).id == last[0]
    assert tab.view.viewport().rect().intersects(tab.view.visualRect(current))
    # The last row is the one selected, and the detail pane shows it (it kept showing the
    # item selected before; found by a new user).
    assert tab.selected_ids() == [last[0]]
    row = current.data(ROW_ROLE)
    assert f"{row.kind.label} {row.number}" in tab.detail.toPlainText()
    last_page = (ITEMS - 1) // PAGE_SIZE
    assert tab.model.pages_read and set(tab.model.pages_read) <= {last_page - 1, last_page}


def test_ctrl_end_and_ctrl_home_keep_the_column(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    """They went to the last or first column too: Ctrl+End scrolled Source and Number out of
    sight (found by a new user). Before the count has come, Ctrl+End still reaches the last
    matching item, not the first page's last."""
    control = Qt.KeyboardModifier.ControlModifier
    bar = tab.view.horizontalScrollBar()
    assert bar.maximum() > 0 and bar.value() == 0  # the table is wider than its view
    tab.view.setCurrentIndex(tab.model.index(3, 1))  # Number
    qtbot.keyClick(tab.view, Qt.Key.Key_End, control)
    current = tab.view.currentIndex()
    assert (current.row(), current.column()) == (ITEMS - 1, 1)
    assert bar.value() == 0
    assert tab.selected_ids() == [current.data(ROW_ROLE).id]
    qtbot.keyClick(tab.view, Qt.Key.Key_Home, control)
    current = tab.view.currentIndex()
    assert (current.row(), current.column()) == (0, 1)
    assert bar.value() == 0
    assert tab.selected_ids() == [tab.model.rows[0].id]

    select_data(tab.filters.status, Status.NOT_STARTED)
    assert tab.model.total is None  # not counted yet
    matching = _all_ids(large, Recommendation.status == Status.NOT_STARTED)
    assert len(matching) > PAGE_SIZE
    tab.view.setFocus()
    tab.view.setCurrentIndex(tab.model.index(0, 1))
    qtbot.keyClick(tab.view, Qt.Key.Key_End, control)
    current = tab.view.currentIndex()
    assert (current.row(), current.column()) == (len(matching) - 1, 1)
    assert bar.value() == 0


def test_shift_ctrl_end_and_home_extend_the_selection_as_shift_down_does(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    """Qt leaves the selection as it was for a key held with Ctrl, so Shift+Ctrl+End moved to
    the last item and selected nothing more (found by a new user): it now selects every row
    from the one the selection began at, rows never read included; Shift+Ctrl+Home too."""
    control, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
    tab.view.setCurrentIndex(tab.model.index(3, 1))
    tab.view.selectRow(3)
    qtbot.keyClick(tab.view, Qt.Key.Key_End, control | shift)
    assert tab.view.currentIndex().row() == ITEMS - 1
    ids = tab.selected_ids()
    assert len(ids) == ITEMS - 3 and len(set(ids)) == ITEMS - 3
    everything = _all_ids(large)
    assert set(ids) <= set(everything)
    assert tab.model.rows[3].id in ids and tab.model.rows[2].id not in ids
    qtbot.keyClick(tab.view, Qt.Key.Key_Home, control | shift)
    assert tab.view.currentIndex().row() == 0
    assert sorted(tab.selected_ids()) == sorted(r.id for r in tab.model.rows[:4])
    # Shift+Down from there extends from the same row, as before.
    qtbot.keyClick(tab.view, Qt.Key.Key_Down, shift)
    assert sorted(tab.selected_ids()) == sorted(r.id for r in tab.model.rows[1:4])
    # Ctrl+End alone still selects the last item only.
    qtbot.keyClick(tab.view, Qt.Key.Key_End, control)
    assert len(tab.selected_ids()) == 1


def test_ctrl_end_on_the_last_row_selects_it_alone(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    """Qt changes the selection only when the current cell moves: after Ctrl+A on the last
    row, Ctrl+End left every item selected, and Change status offered to change them all (a
    trial's find). Ctrl+Home on the first row likewise."""
    control = Qt.KeyboardModifier.ControlModifier
    qtbot.keyClick(tab.view, Qt.Key.Key_End, control)
    last = tab.view.currentIndex()
    qtbot.keyClick(tab.view, Qt.Key.Key_A, control)
    assert len(tab.selected_ids()) == ITEMS
    qtbot.keyClick(tab.view, Qt.Key.Key_End, control)
    assert tab.view.currentIndex() == last
    assert tab.selected_ids() == [last.data(ROW_ROLE).id]
    qtbot.keyClick(tab.view, Qt.Key.Key_Home, control)
    qtbot.keyClick(tab.view, Qt.Key.Key_A, control)
    qtbot.keyClick(tab.view, Qt.Key.Key_Home, control)
    assert tab.selected_ids() == [tab.model.rows[0].id]
    assert "items selected" not in tab.detail.toPlainText()


def test_ctrl_a_selects_every_matching_item_even_rows_never_read(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    select_data(tab.filters.status, Status.NOT_STARTED)
    qtbot.waitUntil(lambda: tab.model.total is not None)
    matching = _all_ids(large, Recommendation.status == Status.NOT_STARTED)
    assert len(matching) > 2 * PAGE_SIZE
    qtbot.keyClick(tab.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    ids = tab.selected_ids()
    assert sorted(ids) == sorted(matching) and len(ids) == len(set(ids))
    read = {row.id for page in [tab.model.rows, *tab.model.pages.values()] for row in page}
    assert len(read) < len(matching)  # most were never read
    assert f"{len(matching):,} items selected." in tab.detail.toPlainText()

    # A bulk change acts on all of them, and says how many.
    titles: list[str] = []

    def fill(dialog: Any) -> None:
        titles.append(dialog.windowTitle())
        select_data(dialog.status, Status.IN_PROGRESS)
        dialog.note.setText("Started")
        ok(dialog)

    undone = tab.context.undo_stack.count()
    answer(fill)
    tab.bulk_status()
    assert titles and str(len(matching)) in titles[0].replace(",", "")
    # As many as these change off the GUI thread (commands.run_in_the_background).
    assert len(matching) >= commands.IN_THE_BACKGROUND_FROM
    qtbot.waitUntil(lambda: tab.context.undo_stack.count() > undone, timeout=60_000)
    assert set(matching) <= set(_all_ids(large, Recommendation.status == Status.IN_PROGRESS))


def _joint(tab: RecommendationsTab) -> list[str | None]:
    model = tab.model
    rows = [model.index(n, 0).data(ROW_ROLE) for n in range(model.rowCount())]
    return [min(r.joint_agencies) if r.joint_agencies else None for r in rows if r is not None]


def test_sorting_on_joint_agencies_orders_the_rows(qtbot, tab: RecommendationsTab) -> None:
    header = tab.view.horizontalHeader()
    column = next(n for n, c in enumerate(COLUMNS) if c.title == "Joint agencies")
    header.resizeSection(column, 120)
    tab.view.scrollTo(tab.model.index(0, column))
    where = QPoint(header.sectionViewportPosition(column) + 20, header.height() // 2)
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    ascending = _joint(tab)
    named = [name for name in ascending if name is not None]
    assert named == sorted(named) and len(set(named)) > 1
    assert len(ascending) == ITEMS  # another order of the same items keeps the count
    assert ascending == named + [None] * (len(ascending) - len(named))  # none last
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=where)
    descending = _joint(tab)
    assert [n for n in descending if n is not None] == sorted(named, reverse=True)
    assert descending[-1] is None


def test_a_selection_survives_an_edit_its_undo_and_redo(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    window = tab.window()
    assert isinstance(window, MainWindow)
    # Sorted by status, a change of status moves the item elsewhere in the table.
    status = next(n for n, c in enumerate(COLUMNS) if c.title == "Status")
    tab.view.sortByColumn(status, Qt.SortOrder.AscendingOrder)
    view = tab.view
    for row, modifier in (
        (2, Qt.KeyboardModifier.NoModifier),
        (5, Qt.KeyboardModifier.ShiftModifier),
    ):
        rect = view.visualRect(tab.model.index(row, 0))
        qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, modifier, rect.center())
    chosen = tab.selected_ids()
    assert len(chosen) == 4

    def fill(dialog: Any) -> None:
        select_data(dialog.status, Status.IMPLEMENTED)
        dialog.note.setText("Done")
        ok(dialog)

    answer(fill)
    tab.bulk_status()
    assert set(_all_ids(large, Recommendation.status == Status.IMPLEMENTED)) >= set(chosen)
    assert sorted(tab.selected_ids()) == sorted(chosen)
    window.undo_action.trigger()
    assert sorted(tab.selected_ids()) == sorted(chosen)
    window.redo_action.trigger()
    assert sorted(tab.selected_ids()) == sorted(chosen)

    # Select all survives too: still every item, not the first page.
    qtbot.keyClick(view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    window.undo_action.trigger()
    assert len(tab.selected_ids()) == ITEMS


def test_the_overview_lists_coming_deadlines_and_counts_the_rest(
    qtbot, large: Database, settings: Settings
) -> None:
    window: MainWindow = make_window(qtbot, large, settings)
    show_overview(window)
    with large.session() as session:
        coming = session.scalar(
            select(func.count())
            .select_from(Recommendation)
            .where(
                Recommendation.status.in_(OPEN_STATUSES),
                Recommendation.target_date >= TODAY,
                Recommendation.target_date < TODAY + dt.timedelta(days=42),
            )
        )
    shown = window.overview_tab.deadlines.text()
    assert coming and coming > 14
    assert "No deadlines" not in shown and "Recommendation" in shown
    # Every deadline read is listed (the list scrolls; only 14 were, then "and 715 more"
    # with no way to see them; found by a new user), the rest counted.
    listed = min(coming, 200)
    assert shown.count(" due</td>") == listed
    if coming > listed:
        assert f"and {coming - listed:,} more" in shown
    else:
        assert "more</p>" not in shown


def test_a_new_search_starts_from_the_top_with_nothing_selected(
    qtbot, tab: RecommendationsTab
) -> None:
    tab.view.scrollTo(tab.model.index(PAGE_SIZE + 20, 0))
    tab.view.selectRow(PAGE_SIZE + 20)
    assert tab.selected_count() == 1 and tab.view.verticalScrollBar().value() > 0
    search_for(qtbot, tab, "the")
    assert tab.selected_count() == 0  # a row number selected before now stands for another item
    assert tab.view.verticalScrollBar().value() == 0
    assert "Select an item" in tab.detail.toPlainText()


def _select_every(qtbot, tab: RecommendationsTab, status: Status) -> list[int]:  # type: ignore[no-untyped-def]
    select_data(tab.filters.status, status)
    qtbot.waitUntil(lambda: tab.model.total is not None)
    qtbot.keyClick(tab.view, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    return tab.selected_ids()


def _to_implemented(dialog: Any) -> None:
    select_data(dialog.status, Status.IMPLEMENTED)
    dialog.note.setText("Done across the partnership")
    ok(dialog)


def test_a_bulk_change_of_hundreds_runs_off_the_gui_thread_and_undoes_as_one(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    """About 3 ms an item: thousands froze the window for tens of seconds. Off its thread, the
    window answers while they change; the change is one undo step, and the copy of the
    database is kept first, as before."""
    chosen = _select_every(qtbot, tab, Status.IN_PROGRESS)
    assert len(chosen) >= commands.IN_THE_BACKGROUND_FROM
    before = set(_all_ids(large, Recommendation.status == Status.IMPLEMENTED))
    steps = tab.context.undo_stack.count()
    ticks: list[float] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))
    timer.start(10)
    answer(_to_implemented)
    tab.bulk_status()
    qtbot.waitUntil(lambda: tab.context.undo_stack.count() > steps, timeout=60_000)
    timer.stop()
    assert len(ticks) >= 3  # the event loop ran while the items changed
    after = set(_all_ids(large, Recommendation.status == Status.IMPLEMENTED))
    assert after == before | set(chosen)
    assert large.location.path is not None
    kept = list((large.location.path.parent / f"{large.location.path.name}-backups").iterdir())
    assert any("before-bulk-change" in p.name for p in kept)
    # Its undo runs off the GUI thread too (commands.undo), as one step.
    tab.window().undo_action.trigger()
    qtbot.waitUntil(lambda: tab.context.undo_stack.index() == steps, timeout=60_000)
    assert set(_all_ids(large, Recommendation.status == Status.IMPLEMENTED)) == before


def test_a_bulk_change_cancelled_changes_nothing(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    chosen = _select_every(qtbot, tab, Status.IN_PROGRESS)
    assert len(chosen) >= commands.IN_THE_BACKGROUND_FROM
    before = set(_all_ids(large, Recommendation.status == Status.IMPLEMENTED))
    steps = tab.context.undo_stack.count()
    answer(_to_implemented)
    tab.bulk_status()
    assert tab._bulk is not None
    tab._bulk.canceled.emit()  # what its Cancel button sends
    pool = QThreadPool.globalInstance()
    qtbot.waitUntil(lambda: pool.activeThreadCount() == 0, timeout=60_000)  # stopped
    qtbot.wait(50)  # its refusal delivered
    assert set(_all_ids(large, Recommendation.status == Status.IMPLEMENTED)) == before
    assert tab.context.undo_stack.count() == steps
    window = tab.window()
    assert isinstance(window, MainWindow)
    assert window.statusBar().currentMessage() == "Cancelled; nothing was changed."
    # Its progress dialog is gone, not kept hidden (a new user found one left per change).
    qtbot.waitUntil(lambda: not window.findChildren(QProgressDialog), timeout=5_000)


def test_an_item_selected_on_the_first_page_is_found_again_among_the_rows_read(
    qtbot, tab: RecommendationsTab, large: Database
) -> None:
    """After an edit, or a change made elsewhere, the selected items are selected again
    wherever they now are. Every row's id was read to find them (0.1 s at 100,000 items, on
    the GUI thread, each time): one among the rows read already is found there. One that has
    moved past them is still found, by reading the ids."""
    statements: list[str] = []

    def noted(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(" ".join(statement.split()))

    def reads_of_every_id() -> list[str]:
        return [s for s in statements if s.startswith("SELECT recommendations.id FROM")]

    tab.view.selectRow(3)
    chosen = tab.selected_ids()
    assert len(chosen) == 1
    event.listen(large.engine, "before_cursor_execute", noted)
    try:
        tab.refresh()  # as after an edit or a change saved elsewhere
        assert tab.selected_ids() == chosen
        assert tab.view.currentIndex().row() == 3
        assert reads_of_every_id() == []
        # Sorted the other way round, the item is now past the first page: found all the same.
        tab.view.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        tab.view.selectionModel().clear()
        tab._select_ids(chosen)
        assert tab.selected_ids() == chosen
        assert tab.view.currentIndex().row() >= PAGE_SIZE
        assert len(reads_of_every_id()) == 1
    finally:
        event.remove(large.engine, "before_cursor_execute", noted)


def test_a_change_to_rows_out_of_sight_repaints_only_the_rows_on_screen(
    qtbot, tab: RecommendationsTab
) -> None:
    """A keystroke's new first page changes rows to its last, mostly out of sight; Qt
    repainted the whole table for that (10 ms a keystroke at 100,000 items). Now a change
    wholly out of sight repaints nothing, and one that runs past the screen repaints from its
    first row on screen, not the rows above it."""
    from PySide6.QtCore import QEvent, QObject, QRect

    class Painted(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.rects: list[QRect] = []

        def eventFilter(self, _watched: QObject, event: QEvent) -> bool:
            if event.type() == QEvent.Type.Paint:
                self.rects.append(event.rect())  # type: ignore[attr-defined]
            return False

    tab.resize(1200, 700)
    qtbot.waitUntil(lambda: tab.view.rowAt(0) == 0)
    port = tab.view.viewport()
    painted = Painted()
    port.installEventFilter(painted)
    qtbot.wait(50)
    model, last_column = tab.model, len(COLUMNS) - 1
    shown_last = tab.view.rowAt(port.height() - 1)
    assert 5 < shown_last < PAGE_SIZE - 10
    painted.rects.clear()
    model.dataChanged.emit(model.index(shown_last + 1, 0), model.index(PAGE_SIZE - 1, last_column))
    qtbot.wait(50)
    assert painted.rects == []
    model.dataChanged.emit(model.index(3, 0), model.index(PAGE_SIZE - 1, last_column))
    qtbot.waitUntil(lambda: bool(painted.rects))
    top = min(r.top() for r in painted.rects)
    assert top >= tab.view.visualRect(model.index(3, 0)).top() > 0
