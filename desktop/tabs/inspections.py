"""The Inspection grades tab: inspections; the chosen one's graded areas, findings and noted
initiatives; and a grade matrix comparing an organisation's inspections over time."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db import queries
from db.dates import format_date
from desktop import settings as keys
from desktop.context import AppContext
from desktop.palette import grade_colours, rating_colours
from desktop.table_model import ROW_ROLE, Column, RowTableModel, none_last
from desktop.tabs.common import TablePage, configure_table, make_table

INSPECTION_COLUMNS: list[Column[queries.InspectionRow]] = [
    Column(
        "Published",
        lambda r: format_date(r.published_on),
        sort_key=lambda r: none_last(r.published_on),
        width=140,
    ),
    Column("Inspected", lambda r: r.organisation, width=230),
    Column("Inspectorate", lambda r: r.inspectorate, width=100),
    Column("Programme", lambda r: r.programme, width=260),
    Column("Title", lambda r: r.title, tooltip=lambda r: r.title, width=380),
]

AREA_COLUMNS: list[Column[queries.AreaRow]] = [
    Column("Area", lambda r: r.name, tooltip=lambda r: r.name, width=440),
    Column(
        "Grade",
        lambda r: r.grade or "Not graded",
        sort_key=lambda r: none_last(r.grade_position),
        colours=lambda r: grade_colours(r.grade_position, r.grade_count),
        width=180,
    ),
    Column("Narrative", lambda r: r.narrative, tooltip=lambda r: r.narrative, width=400),
]

FINDING_COLUMNS: list[Column[queries.FindingRow]] = [
    Column("Kind", lambda r: r.kind_label, width=230),
    Column("Number", lambda r: r.number, width=65),
    Column("Text", lambda r: r.text, tooltip=lambda r: r.text, width=520),
    Column("Area", lambda r: r.area, tooltip=lambda r: r.area, width=260),
    Column("Status", lambda r: r.status.label if r.status else "Noted", width=110),
    Column(
        "Rating",
        lambda r: r.rating.label if r.rating else "",
        colours=lambda r: rating_colours(r.rating) if r.rating else None,
        width=80,
    ),
]

INITIATIVE_COLUMNS: list[Column[queries.InitiativeRow]] = [
    Column("Initiative", lambda r: r.name, width=220),
    Column("Organisation", lambda r: r.organisation, width=200),
    Column("Started", lambda r: r.started.display() if r.started else "", width=110),
    Column("Description", lambda r: r.description, tooltip=lambda r: r.description, width=520),
    Column("Answers", lambda r: "; ".join(r.answers), tooltip=lambda r: "\n".join(r.answers)),
]


class InspectionsTab(QWidget):
    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        self.loaded = False
        self.inspection_model: RowTableModel[queries.InspectionRow] = RowTableModel(
            INSPECTION_COLUMNS, self
        )
        self.area_model: RowTableModel[queries.AreaRow] = RowTableModel(AREA_COLUMNS, self)
        self.finding_model: RowTableModel[queries.FindingRow] = RowTableModel(FINDING_COLUMNS, self)
        self.initiative_model: RowTableModel[queries.InitiativeRow] = RowTableModel(
            INITIATIVE_COLUMNS, self
        )
        self.inspections_view = make_table(self.inspection_model, "Inspections table")
        self.areas_view = make_table(self.area_model, "Graded areas table")
        self.findings_view = make_table(self.finding_model, "Findings table")
        self.initiatives_view = make_table(self.initiative_model, "Initiatives noted table")
        self.title = QLabel()
        self.title.setStyleSheet("font-weight: 600; padding: 4px;")
        self.title.setWordWrap(True)
        self.sections = QTabWidget()
        self.sections.setAccessibleName("Inspection sections")
        self.sections.addTab(self.areas_view, "Graded areas")
        self.sections.addTab(self.findings_view, "Findings")
        self.sections.addTab(self.initiatives_view, "Initiatives noted")
        self.sections.addTab(self._matrix_panel(), "Grade matrix")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.title)
        lower_layout.addWidget(self.sections, 1)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.inspections_view)
        self.splitter.addWidget(lower)
        self.splitter.setSizes([260, 560])
        self.page = TablePage(
            self.splitter,
            "No inspections yet. Inspection reports, their grades and findings appear here.",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)
        self.inspections_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_selected()
        )

    def _matrix_panel(self) -> QWidget:
        panel = QWidget()
        layout = QVBoxLayout(panel)
        row = QHBoxLayout()
        row.addWidget(QLabel("Organisation:"))
        self.matrix_organisation = QComboBox()
        self.matrix_organisation.setAccessibleName("Organisation for the grade matrix")
        self.matrix_organisation.currentTextChanged.connect(self._show_matrix)
        row.addWidget(self.matrix_organisation, 1)
        layout.addLayout(row)
        self.matrix = QTableWidget()
        self.matrix.setAccessibleName("Grade matrix")
        configure_table(self.matrix, "Grade matrix", [])
        self.matrix.setSortingEnabled(False)
        self.matrix.setWordWrap(True)
        layout.addWidget(self.matrix, 1)
        return panel

    def load(self) -> None:
        first = not self.loaded
        self.loaded = True
        with self.context.database.session() as session:
            rows = queries.inspection_rows(session)
            organisations = queries.inspected_organisations(session)
        self.inspection_model.set_rows(rows)
        self.page.show_rows(len(rows))
        current = self.matrix_organisation.currentText()
        self.matrix_organisation.blockSignals(True)
        self.matrix_organisation.clear()
        self.matrix_organisation.addItems(organisations)
        if current in organisations:
            self.matrix_organisation.setCurrentText(current)
        self.matrix_organisation.blockSignals(False)
        if first:
            state = self.context.settings.get(keys.INSPECTIONS_SPLITTER)
            if not state.isEmpty():
                self.splitter.restoreState(state)
        if rows:
            self.inspections_view.selectRow(0)
        self._show_selected()

    def refresh(self) -> None:
        if self.loaded:
            self.load()

    def _show_selected(self) -> None:
        index = self.inspections_view.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        if row is None:
            for model in (self.area_model, self.finding_model, self.initiative_model):
                model.set_rows([])
            self.title.setText("")
            return
        with self.context.database.session() as session:
            self.area_model.set_rows(queries.area_rows(session, row.id))
            self.finding_model.set_rows(queries.finding_rows(session, row.id, self.context.today()))
            self.initiative_model.set_rows(queries.initiative_rows(session, row.id))
        published = format_date(row.published_on, "date not recorded")
        self.title.setText(f"{row.title} (published {published})")
        self.sections.setTabText(1, f"Findings ({self.finding_model.rowCount()})")
        self.sections.setTabText(2, f"Initiatives noted ({self.initiative_model.rowCount()})")
        if self.matrix_organisation.currentText() != row.organisation:
            self.matrix_organisation.setCurrentText(row.organisation)
        else:
            self._show_matrix(row.organisation)

    def _show_matrix(self, organisation: str) -> None:
        if not organisation:
            self.matrix.clear()
            return
        with self.context.database.session() as session:
            matrix = queries.grade_matrix(session, organisation)
        self.matrix.clear()
        self.matrix.setRowCount(len(matrix.areas))
        self.matrix.setColumnCount(len(matrix.inspections))
        self.matrix.setHorizontalHeaderLabels(
            [format_date(i.published_on, i.reference) for i in matrix.inspections]
        )
        self.matrix.setVerticalHeaderLabels(list(matrix.areas))
        self.matrix.verticalHeader().setVisible(True)
        for r, area in enumerate(matrix.areas):
            for c, inspection in enumerate(matrix.inspections):
                cell = matrix.cells.get((area, inspection.id))
                item = QTableWidgetItem(cell[0] if cell else "—")
                item.setToolTip(f"{area}\n{inspection.title}")
                colours = grade_colours(cell[1], cell[2]) if cell else None
                if colours:
                    item.setBackground(colours[0])
                    item.setForeground(colours[1])
                else:
                    item.setForeground(QColor("#777777"))
                self.matrix.setItem(r, c, item)
        for c in range(len(matrix.inspections)):
            self.matrix.setColumnWidth(c, 190)
        self.matrix.verticalHeader().setMinimumWidth(420)

    def save_settings(self) -> None:
        if self.loaded:
            self.context.settings.set(keys.INSPECTIONS_SPLITTER, self.splitter.saveState())
