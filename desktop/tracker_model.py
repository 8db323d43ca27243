"""The Recommendations table's model: SQL does the filtering, sorting and paging.

Rows arrive a page at a time (``canFetchMore``/``fetchMore``) as the view scrolls; a new
filter or sort asks the database again rather than filtering rows in Python. The total is
counted after the first page is shown, so typing in the search box stays quick.
"""

from __future__ import annotations

import datetime as dt
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

from db.dates import format_date
from db.rows import PAGE_SIZE, RecommendationRow, SortKey, TrackerFilter
from db.vocabulary import TrackedKind
from desktop.lazy import lazy
from desktop.palette import rating_colours
from desktop.table_model import ROW_ROLE

if TYPE_CHECKING:
    from db import tracker
    from db.engine import Database
else:
    tracker = lazy("db.tracker")

Index = QModelIndex | QPersistentModelIndex
COUNT_DELAY_MS = 250
NOT_ENTERED = "(text not yet entered)"


@dataclass(frozen=True)
class TrackerColumn:
    title: str
    sort: SortKey | None
    display: Callable[[RecommendationRow], str]
    width: int


def _number(row: RecommendationRow) -> str:
    return row.number if row.kind is TrackedKind.RECOMMENDATION else f"AFI {row.number}"


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
    TrackerColumn("Joint agencies", None, lambda r: "; ".join(r.joint_agencies), 160),
    TrackerColumn("Owner", SortKey.OWNER, lambda r: r.owner, 160),
]
RATING_COLUMN = 5
TEXT_COLUMN = 2


class TrackerModel(QAbstractTableModel):
    total_changed = Signal(int)
    reloaded = Signal()

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
        self.rows: list[RecommendationRow] = []
        self.total: int | None = None
        self._exhausted = True
        # Counting every match costs more than fetching a page, so it waits until typing pauses.
        self._count_timer = QTimer(self)
        self._count_timer.setInterval(COUNT_DELAY_MS)
        self._count_timer.setSingleShot(True)
        self._count_timer.timeout.connect(self._count)

    @property
    def database(self) -> Database:
        return self._database() if callable(self._database) else self._database

    # -- queries

    def show_page(self, rows: list[RecommendationRow], total: int) -> None:
        """Show a first page read elsewhere (``db.quick``) for the current filter and sort."""
        self.beginResetModel()
        self.rows = rows
        self._exhausted = len(rows) >= total
        self.total = total
        self.endResetModel()
        self.reloaded.emit()
        self.total_changed.emit(total)

    def set_filter(self, flt: TrackerFilter) -> None:
        if flt != self.filter:
            self.filter = flt
            self.reload()

    def reload(self) -> None:
        """Ask the database for the first page under the current filter and sort."""
        with self.database.session() as session:
            rows = tracker.page(
                session,
                self.filter,
                self.today(),
                sort=self.sort_key,
                descending=self.descending,
                limit=PAGE_SIZE,
            )
        unchanged = rows == self.rows
        if not unchanged:
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()
        # Unchanged rows (a refresh after the first paint, say) keep the scroll position and
        # the count on show until the recount below replaces it.
        self._exhausted = len(rows) < PAGE_SIZE
        if self._exhausted:
            self.total = len(rows)
        elif not unchanged:
            self.total = None
        self.reloaded.emit()
        if self._exhausted:
            self._count_timer.stop()
            self.total_changed.emit(len(rows))
        else:
            self._count_timer.start()

    def _count(self) -> None:
        with self.database.session() as session:
            self.total = tracker.count(session, self.filter, self.today())
        self.total_changed.emit(self.total)

    def canFetchMore(self, parent: Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: Index = QModelIndex()) -> None:  # noqa: B008
        if parent.isValid() or self._exhausted:
            return
        with self.database.session() as session:
            more = tracker.page(
                session,
                self.filter,
                self.today(),
                sort=self.sort_key,
                descending=self.descending,
                offset=len(self.rows),
                limit=PAGE_SIZE,
            )
        self._exhausted = len(more) < PAGE_SIZE
        if more:
            self.beginInsertRows(QModelIndex(), len(self.rows), len(self.rows) + len(more) - 1)
            self.rows.extend(more)
            self.endInsertRows()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        key = COLUMNS[column].sort if 0 <= column < len(COLUMNS) else None
        if key is None:
            return
        self.sort_key = key
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.reload()

    # -- the table

    def row_at(self, index: Index) -> RecommendationRow:
        return self.rows[index.row()]

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        row = self.rows[index.row()]
        column = index.column()
        if role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[column].display(row)
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole and column == TEXT_COLUMN:
            return row.text or NOT_ENTERED
        if column == RATING_COLUMN and role in (
            Qt.ItemDataRole.BackgroundRole,
            Qt.ItemDataRole.ForegroundRole,
        ):
            background, text = rating_colours(row.rating)
            return background if role == Qt.ItemDataRole.BackgroundRole else text
        return None
