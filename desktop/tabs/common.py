"""Pieces the tabs share."""

from __future__ import annotations

import html
from abc import abstractmethod
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date
from db.core.vocabulary import DecisionKind
from desktop.models.table import RowTableModel, SortProxy

if TYPE_CHECKING:
    from db.queries import first_page
    from db.services.meetings import DecisionLine
    from desktop.context import AppContext


class Tab(QWidget):
    """What the window asks of every tab (desktop/window.py), stated once so that mypy checks
    the window's calls and each tab's answers to them.

    A tab is built the first time it is shown or asked for; it reads its data (``load``) the
    first time it is shown, and again when shown after a change made elsewhere."""

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        # Its data is read and current; the window clears this, on a change, for the tabs not
        # on show, so that each reads again when next shown.
        self.loaded = False
        # It showed data read from the file before the database opened (``first_paint``).
        self.painted_early = False

    @abstractmethod
    def load(self) -> None:
        """Read the tab's data from the database and show it."""
        raise NotImplementedError

    def refresh(self) -> None:
        """After a change: read again, if the tab has been read at all."""
        if self.loaded:
            self.load()

    @abstractmethod
    def save_settings(self) -> None:
        """Remember its layout (column widths, splitters, filters) as the window closes."""
        raise NotImplementedError

    def first_paint(self, reads: first_page.ReadAhead) -> bool:
        """Show the data read straight from the file (see ``tabs.read_ahead``) before the
        database layer loads, and say whether it did; a tab that cannot paints nothing and
        waits for ``load``."""
        return False

    # Whether, having painted first (``first_paint``), the tab answers its searches and starts
    # its edits from the file while the database layer loads, so that the window is
    # interactive before the database is open (docs/performance.md, "Window interactive").
    answers_early = False


def esc(text: object) -> str:
    return html.escape(str(text))


def what_it_set(decision: DecisionLine) -> str:
    """After a decision's name, in the Meetings tab's detail and meeting mode: the new target,
    evidence from whom and by when, or to whom it is escalated (whom before the date, found
    by a new user)."""
    until = format_date(decision.until) if decision.until else ""
    if decision.kind is DecisionKind.EXTENDED:
        return f" to {until}"
    if decision.kind is DecisionKind.EVIDENCE_REQUESTED:
        return f" from {decision.whom}, by {until}"
    return f" to {decision.whom}" if decision.whom else ""


def configure_table(view: QTableView, name: str, widths: list[int]) -> QTableView:
    """Sortable, read-only, whole-row selection, fixed row heights and declared widths; a
    context menu of the view's actions, the first of them Copy (Ctrl+C)."""
    view.setObjectName(name)
    view.setAccessibleName(name)
    view.setSortingEnabled(True)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setWordWrap(False)
    view.setTextElideMode(Qt.TextElideMode.ElideRight)
    view.setTabKeyNavigation(False)
    vertical = view.verticalHeader()
    vertical.setVisible(False)
    vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
    vertical.setDefaultSectionSize(view.fontMetrics().height() + 10)
    header = view.horizontalHeader()
    header.setHighlightSections(False)
    header.setStretchLastSection(True)
    header.setSectionsMovable(True)
    header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
    for number, width in enumerate(widths):
        view.setColumnWidth(number, width)
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    copy = row_action(view, "&Copy", lambda: copy_rows(view), [QKeySequence.StandardKey.Copy])
    copy.setObjectName("copyRows")
    # Sorting by the keyboard: a trial found it took the mouse (a click on a heading).
    sort = row_action(view, "S&ort by this column", lambda: sort_by_current(view), [SORT_KEYS])
    sort.setObjectName("sortRows")
    return view


SORT_KEYS = "Ctrl+Shift+S"


def sort_by_current(view: QTableView) -> None:
    """Sort by the column of the current cell (Left and Right move it), as a click on its
    heading does: again on the same column, the other way."""
    column = view.currentIndex().column() if view.currentIndex().isValid() else 0
    header = view.horizontalHeader()
    order = Qt.SortOrder.AscendingOrder
    if header.sortIndicatorSection() == column:
        order = (
            Qt.SortOrder.DescendingOrder
            if header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
            else Qt.SortOrder.AscendingOrder
        )
    view.sortByColumn(column, order)


def row_action(
    view: QAbstractItemView,
    text: str,
    handler: Callable[[], object],
    shortcuts: Sequence[QKeySequence | QKeySequence.StandardKey | str] = (),
) -> QAction:
    """An action on a table's rows: in its context menu, and on its keys while the table
    has the focus (so Delete in a text field still deletes text)."""
    action = QAction(text, view)
    action.setShortcuts([QKeySequence(key) for key in shortcuts])
    action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(lambda *_: handler())
    view.addAction(action)
    return action


def open_rows_with(view: QAbstractItemView, text: str, handler: Callable[[], object]) -> QAction:
    """Enter, Return or a double-click on a row opens it with ``handler``."""
    view.doubleClicked.connect(lambda *_: handler())
    return row_action(view, text, handler, [QKeySequence(Qt.Key.Key_Return), "Enter"])


def rows_as_text(view: QTableView) -> str:
    """The selected rows as tab-separated text under a header row, the columns as shown
    (hidden ones left out, moved ones where they were moved): what Excel pastes as cells."""
    model, header = view.model(), view.horizontalHeader()
    columns = [
        header.logicalIndex(visual)
        for visual in range(header.count())
        if not header.isSectionHidden(header.logicalIndex(visual))
    ]

    def cell(value: object) -> str:
        text = "" if value is None else str(value)
        return " ".join(text.replace("\t", " ").split())  # one line, no stray tabs

    lines = [
        "\t".join(cell(model.headerData(c, Qt.Orientation.Horizontal)) for c in columns),
    ]
    for row in sorted({index.row() for index in view.selectionModel().selectedRows()}):
        lines.append("\t".join(cell(model.index(row, c).data()) for c in columns))
    return "\n".join(lines) + "\n"


def copy_rows(view: QTableView) -> None:
    if view.selectionModel().hasSelection():
        QGuiApplication.clipboard().setText(rows_as_text(view))


def make_table(model: RowTableModel[Any], name: str) -> QTableView:
    proxy = SortProxy(model)
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    return configure_table(view, name, [c.width for c in model.columns])


class EmptyState(QWidget):
    """What a tab shows when there is nothing in it: a sentence saying why and what to do,
    with buttons for doing it, not a blank grid."""

    def __init__(self, message: str, actions: Sequence[tuple[str, Callable[[], object]]] = ()):
        super().__init__()
        layout = QVBoxLayout(self)
        self.label = QLabel(message)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        # The placeholder grey is too faint (under 4.5:1) for a sentence that must be read.
        self.label.setStyleSheet("color: palette(text); font-size: 11pt;")
        layout.addStretch()
        layout.addWidget(self.label)
        row = QHBoxLayout()
        row.addStretch()
        self.buttons: list[QPushButton] = []
        for text, handler in actions:
            button = QPushButton(text)
            button.setAccessibleName(text.replace("&", "").rstrip("…"))
            button.clicked.connect(lambda *_, h=handler: h())
            row.addWidget(button)
            self.buttons.append(button)
        row.addStretch()
        layout.addLayout(row)
        layout.addStretch()


class TablePage(QStackedWidget):
    """A widget, or its empty-state message when there is nothing to show."""

    def __init__(
        self,
        content: QWidget,
        empty_message: str,
        actions: Sequence[tuple[str, Callable[[], object]]] = (),
    ) -> None:
        super().__init__()
        self.addWidget(content)
        self.empty = EmptyState(empty_message, actions)
        self.addWidget(self.empty)

    def show_rows(self, count: int) -> None:
        self.setCurrentIndex(0 if count else 1)
