"""The Recommendations table's model: SQL does the filtering, sorting and paging.

The model has as many rows as the filter matches (a COUNT), and reads the rows a view paints
a page at a time, keeping the last few pages read; so Ctrl+End at 100,000 items reads the
last page, not every page before it. A new filter or sort asks the database again rather than
filtering rows in Python. The first page is always kept; the total is counted after it is
shown, so typing in the search box stays quick.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from db.core.dates import format_date
from db.queries.rows import PAGE_SIZE, RecommendationRow, SortKey, TrackerFilter
from desktop.lazy import lazy
from desktop.models.table import ROW_ROLE
from desktop.palette import rating_colours

if TYPE_CHECKING:
    from db.queries import tracker
    from db.store.database import Database
else:
    tracker = lazy("db.queries.tracker")

Index = QModelIndex | QPersistentModelIndex
COUNT_DELAY_MS = 250
CACHED_PAGES = 32  # pages kept besides the first: several screens either side of the view
NOT_ENTERED = "(text not yet entered)"


@dataclass(frozen=True)
class TrackerColumn:
    title: str
    sort: SortKey | None
    display: Callable[[RecommendationRow], str]
    width: int


def _number(row: RecommendationRow) -> str:
    return row.kind.numbered(row.number)


# What a panel member scans for comes first: which item, what it says, when, how it stands.
COLUMNS = [
    TrackerColumn("Source", SortKey.SOURCE, lambda r: r.source, 160),
    TrackerColumn("Number", SortKey.NUMBER, _number, 60),
    TrackerColumn(
        "Text", SortKey.TEXT, lambda r: r.text if r.text is not None else NOT_ENTERED, 300
    ),
    TrackerColumn("Target date", SortKey.TARGET_DATE, lambda r: format_date(r.target_date), 140),
    TrackerColumn("Status", SortKey.STATUS, lambda r: r.status.label, 100),
    TrackerColumn("Rating", SortKey.RATING, lambda r: r.rating.label, 70),
    TrackerColumn("Lead agencies", SortKey.LEAD, lambda r: "; ".join(r.lead_agencies), 175),
    TrackerColumn("Joint agencies", SortKey.JOINT, lambda r: "; ".join(r.joint_agencies), 160),
    TrackerColumn("Owner", SortKey.OWNER, lambda r: r.owner, 160),
]
RATING_COLUMN = 5
TEXT_COLUMN = 2


def _changed(
    old: list[RecommendationRow], new: list[RecommendationRow], count: int
) -> list[tuple[int, int]]:
    """The runs (first, end) of the first ``count`` positions where ``new`` differs from
    ``old``."""
    runs: list[tuple[int, int]] = []
    for at in range(count):
        if at < len(old) and at < len(new) and old[at] == new[at]:
            continue
        if runs and runs[-1][1] == at:
            runs[-1] = (runs[-1][0], at + 1)
        else:
            runs.append((at, at + 1))
    return runs


class TrackerModel(QAbstractTableModel):
    total_changed = Signal(int)
    reloaded = Signal()
    # A new filter or order took the place of the rows: a view starts again from the top, with
    # nothing selected (a row number selected before now stands for another item).
    replaced = Signal()

    def __init__(
        self,
        database: Database | Callable[[], Database],
        today: Callable[[], dt.date],
        parent: Any = None,
    ):
        super().__init__(parent)
        # A callable is asked for the database when the first query runs (see ``show_page``).
        self._database = database
        self.today = today
        self.filter = TrackerFilter()
        self.sort_key = SortKey.SOURCE
        self.descending = False
        # The first page, always kept: every row when the filter matches at most a page.
        self.rows: list[RecommendationRow] = []
        # Later pages by number, least recently used first.
        self.pages: OrderedDict[int, list[RecommendationRow]] = OrderedDict()
        self.pages_read: list[int] = []  # page numbers read since the last reload, in order
        self.total: int | None = None
        self._shown = 0  # rows the views know of: the first page until the count is known
        self._loaded: tuple[TrackerFilter, SortKey, bool] | None = None
        # Counting every match costs more than fetching a page, so it waits until typing pauses.
        self._count_timer = QTimer(self)
        self._count_timer.setInterval(COUNT_DELAY_MS)
        self._count_timer.setSingleShot(True)
        self._count_timer.timeout.connect(self._count)

    @property
    def database(self) -> Database:
        return self._database() if callable(self._database) else self._database

    # -- queries

    def _query(self) -> tuple[TrackerFilter, SortKey, bool]:
        return (self.filter, self.sort_key, self.descending)

    def _read(self, number: int) -> list[RecommendationRow]:
        with self.database.session() as session:
            return tracker.page(
                session,
                self.filter,
                self.today(),
                sort=self.sort_key,
                descending=self.descending,
                offset=number * PAGE_SIZE,
                limit=PAGE_SIZE,
            )

    def show_page(self, rows: list[RecommendationRow], total: int) -> None:
        """Show a first page read elsewhere (``db.queries.first_page``) for the current filter and
        sort."""
        self.beginResetModel()
        self._count_timer.stop()
        self.rows, self.total, self._shown = rows, total, total
        self.pages.clear()
        self.pages_read = []
        self._loaded = self._query()
        self.endResetModel()
        self.reloaded.emit()
        self.total_changed.emit(total)

    def set_filter(self, flt: TrackerFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self.reload()

    def reload(self) -> None:
        """Ask the database again for the first page under the current filter and sort.

        The same filter and sort again (a refresh after an edit, or after the first paint) is
        counted at once and keeps the rows in place, so the view keeps its scroll position and
        selection; a new order keeps the count; a new filter starts from the top and is
        counted when typing pauses.
        """
        same = self._loaded == self._query() and self.total is not None
        # Another order of the same filter has the same count.
        known = self.total if self._loaded and self._loaded[0] == self.filter else None
        rows = self._read(0)
        self.pages.clear()
        self.pages_read = []
        self._loaded = self._query()
        if same:
            self._count_timer.stop()
            self.rows = rows
            self._set_total(len(rows) if len(rows) < PAGE_SIZE else self._counted())
            if self._shown:
                self.dataChanged.emit(
                    self.index(0, 0), self.index(self._shown - 1, len(COLUMNS) - 1)
                )
            self.reloaded.emit()
            return
        self.total = len(rows) if len(rows) < PAGE_SIZE else known
        self._replace(rows, len(rows) if self.total is None else self.total)
        self.replaced.emit()
        self.reloaded.emit()
        if self.total is not None:
            self._count_timer.stop()
            self.total_changed.emit(self.total)
        else:
            self._count_timer.start()

    def _replace(self, rows: list[RecommendationRow], shown: int) -> None:
        """Show ``rows``, a new filter's or order's first page, and ``shown`` rows in all,
        telling the views only what changed rather than resetting the model: a keystroke in
        the search box mostly leaves the rows on screen as they were (51 of the benchmark's
        65), and then nothing is repainted; a reset repainted the whole table and its header.
        """
        old, last = self.rows, len(COLUMNS) - 1
        if shown < self._shown:
            self.beginRemoveRows(QModelIndex(), shown, self._shown - 1)
            self._shown = shown
            self.endRemoveRows()
        kept = self._shown  # the rows the views knew of that stay
        self.rows = rows
        if shown > kept:
            self.beginInsertRows(QModelIndex(), kept, shown - 1)
            self._shown = shown
            self.endInsertRows()
        for first, end in _changed(old, rows, min(kept, PAGE_SIZE)):
            self.dataChanged.emit(self.index(first, 0), self.index(end - 1, last))
        if kept > PAGE_SIZE:  # the later pages are read afresh
            self.dataChanged.emit(self.index(PAGE_SIZE, 0), self.index(kept - 1, last))

    def _counted(self) -> int:
        with self.database.session() as session:
            return tracker.count(session, self.filter, self.today())

    def _count(self) -> None:
        self._set_total(self._counted())

    def _set_total(self, total: int) -> None:
        """Make the rows the views know of the ``total`` counted, and say so."""
        self.total = total
        if total > self._shown:
            self.beginInsertRows(QModelIndex(), self._shown, total - 1)
            self._shown = total
            self.endInsertRows()
        elif total < self._shown:
            self.beginRemoveRows(QModelIndex(), total, self._shown - 1)
            self._shown = total
            self.endRemoveRows()
        self.total_changed.emit(total)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and self.total is None and len(self.rows) >= PAGE_SIZE

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        """Count now: the view reached the end of the first page before the count came."""
        if self.canFetchMore(parent):
            self._count_timer.stop()
            self._count()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    def ids(self, offset: int = 0, limit: int | None = None) -> list[int]:
        """The ids of rows ``offset`` on (``limit`` of them, or all), in the model's order,
        read in one query whether or not their pages were read."""
        with self.database.session() as session:
            return tracker.ids(
                session,
                self.filter,
                self.today(),
                sort=self.sort_key,
                descending=self.descending,
                offset=offset,
                limit=limit,
            )

    # -- the table

    def row(self, number: int) -> RecommendationRow | None:
        """Row ``number``, reading its page if it is not kept; None past the rows there are
        (another writer deleted some since the count)."""
        page, at = divmod(number, PAGE_SIZE)
        if page == 0:
            rows = self.rows
        elif page in self.pages:
            self.pages.move_to_end(page)
            rows = self.pages[page]
        else:
            rows = self._read(page)
            self.pages_read.append(page)
            self.pages[page] = rows
            while len(self.pages) > CACHED_PAGES:
                self.pages.popitem(last=False)
        return rows[at] if 0 <= at < len(rows) else None

    def row_at(self, index: Index) -> RecommendationRow:
        row = self.row(index.row())
        if row is None:
            raise IndexError(index.row())
        return row

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else self._shown

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if role not in _ANSWERED or not index.isValid():
            return None
        row = self.row(index.row())
        if row is None:
            return None
        column = index.column()
        if role == _DISPLAY:
            return COLUMNS[column].display(row)
        if role == ROW_ROLE:
            return row
        if role == _TOOLTIP:
            return (row.text or NOT_ENTERED) if column == TEXT_COLUMN else None
        if column == RATING_COLUMN:
            background, text = rating_colours(row.rating)
            return background if role == _BACKGROUND else text
        return None


# The roles the model answers, as plain numbers (an enum's attribute costs more to look up).
# A view asks each cell it paints for eight roles: the rest (font, alignment, decoration,
# check state…) are answered None before reading the row, which halves the Python of a
# repaint.
_DISPLAY = int(Qt.ItemDataRole.DisplayRole)
_TOOLTIP = int(Qt.ItemDataRole.ToolTipRole)
_BACKGROUND = int(Qt.ItemDataRole.BackgroundRole)
_FOREGROUND = int(Qt.ItemDataRole.ForegroundRole)
_ANSWERED = frozenset({_DISPLAY, _TOOLTIP, _BACKGROUND, _FOREGROUND, int(ROW_ROLE)})
