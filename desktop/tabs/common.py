"""Pieces the tabs share."""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktop.table_model import RowTableModel, SortProxy


def esc(text: object) -> str:
    return html.escape(str(text))


def configure_table(view: QTableView, name: str, widths: list[int]) -> QTableView:
    """Sortable, read-only, whole-row selection, fixed row heights and declared widths."""
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
    return view


def make_table(model: RowTableModel[Any], name: str) -> QTableView:
    proxy = SortProxy(model)
    proxy.setSourceModel(model)
    view = QTableView()
    view.setModel(proxy)
    view.sortByColumn(-1, Qt.SortOrder.AscendingOrder)
    return configure_table(view, name, [c.width for c in model.columns])


class EmptyState(QWidget):
    """What a tab shows when there is nothing in it: a sentence saying why, not a blank grid."""

    def __init__(self, message: str) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        self.label = QLabel(message)
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.label.setStyleSheet("color: palette(placeholder-text); font-size: 11pt;")
        layout.addStretch()
        layout.addWidget(self.label)
        layout.addStretch()


class TablePage(QStackedWidget):
    """A widget, or its empty-state message when there is nothing to show."""

    def __init__(self, content: QWidget, empty_message: str) -> None:
        super().__init__()
        self.addWidget(content)
        self.empty = EmptyState(empty_message)
        self.addWidget(self.empty)

    def show_rows(self, count: int) -> None:
        self.setCurrentIndex(0 if count else 1)
