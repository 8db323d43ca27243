"""The Inspection grades tab: inspections; the chosen one's graded areas, findings and noted
initiatives; and a grade matrix comparing an organisation's inspections over time. Inspections
and grading schemes are made, changed and deleted here, and tracked findings (recommendations
and areas for improvement) take updates, evidence and sign-off as on the Recommendations tab."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date
from db.core.errors import CaseReviewError, NotFoundError
from db.core.vocabulary import Status, TrackedKind
from db.queries import details as queries
from desktop import settings as keys
from desktop.context import AppContext
from desktop.lazy import lazy
from desktop.models.table import ROW_ROLE, Column, RowTableModel, none_last
from desktop.palette import grade_colours, rating_colours
from desktop.tabs.common import Tab, TablePage, configure_table, make_table

if TYPE_CHECKING:
    from db.services import editing, inspecting
    from db.services.editing import ItemKey
    from desktop import commands
    from desktop.dialogs import forms as dialogs
    from desktop.dialogs import inspections as inspection_dialogs
    from desktop.tabs import recommendations as tracked
else:
    editing, inspecting = lazy("db.services.editing"), lazy("db.services.inspecting")
    commands, dialogs = lazy("desktop.commands"), lazy("desktop.dialogs.forms")
    inspection_dialogs = lazy("desktop.dialogs.inspections")
    tracked = lazy("desktop.tabs.recommendations")

TRACKED_BY_LABEL = {kind.label: kind for kind in TrackedKind}

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


def _plain(handler: Callable[[], None]) -> Callable[..., None]:
    """A slot that drops the checked flag ``clicked`` and ``triggered`` pass."""
    return lambda *_: handler()


def _view_action(
    view: QAbstractItemView,
    button: QPushButton,
    handler: Callable[[], None],
    shortcut: str | None,
) -> QAction:
    """The button's action on its table's context menu (and its key, while the table has the
    focus)."""
    action = QAction(button.text().replace("&", ""), view)
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
    action.triggered.connect(_plain(handler))
    view.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
    view.addAction(action)
    return action


class InspectionsTab(Tab):
    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self._findings_of: str | None = None  # the inspection whose findings are shown
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
            "No inspections yet. Add an inspection report, its grades and findings with New "
            "inspection below, or import them from File ▸ Import.",
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page, 1)
        layout.addLayout(self._buttons())
        self.inspections_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._show_selected()
        )
        self.findings_view.selectionModel().currentRowChanged.connect(
            lambda *_: self._update_buttons()
        )
        self.inspections_view.doubleClicked.connect(lambda _: self.edit_inspection())
        # Enter or a double-click on a tracked finding opens it, as on the Recommendations tab.
        self.findings_view.doubleClicked.connect(lambda _: self.edit_item())
        self._open_finding = QShortcut(QKeySequence(Qt.Key.Key_Return), self.findings_view)
        self._open_finding.setContext(Qt.ShortcutContext.WidgetShortcut)
        self._open_finding.activated.connect(self.edit_item)
        self._update_buttons()

    def _buttons(self) -> QHBoxLayout:
        """The tab's buttons, each also an action on its table's context menu."""
        self.new_button = QPushButton("&New inspection…")
        self.edit_button = QPushButton("Edit ins&pection…")
        self.delete_button = QPushButton("De&lete…")
        self.scheme_button = QPushButton("Ne&w grading scheme…")
        self.update_button = QPushButton("Add &update…")
        self.evidence_button = QPushButton("Add evi&dence…")
        self.sign_off_button = QPushButton("&Sign off…")
        self.item_button = QPushButton("Edi&t item…")
        self.view_actions: dict[QPushButton, QAction] = {}
        row = QHBoxLayout()
        for button, handler, view, shortcut in (
            (self.new_button, self.new_inspection, self.inspections_view, None),
            (self.edit_button, self.edit_inspection, self.inspections_view, None),
            (self.delete_button, self.delete_inspection, self.inspections_view, "Delete"),
            (self.scheme_button, self.new_scheme, self.inspections_view, None),
            (self.update_button, self.add_update, self.findings_view, None),
            (self.evidence_button, self.add_evidence, self.findings_view, None),
            (self.sign_off_button, self.sign_off, self.findings_view, None),
            (self.item_button, self.edit_item, self.findings_view, None),
        ):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(_plain(handler))
            self.view_actions[button] = _view_action(view, button, handler, shortcut)
            row.addWidget(button)
            if button is self.scheme_button:
                row.addStretch()
        return row

    def _update_buttons(self) -> None:
        chosen = self.selected_reference() is not None
        self.edit_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)
        row = self._selected_finding()
        tracked = row is not None and row.status is not None
        for button in (self.update_button, self.evidence_button, self.item_button):
            button.setEnabled(tracked)
        self.sign_off_button.setEnabled(
            tracked and row is not None and row.status is not Status.CLOSED
        )
        for button in (
            self.edit_button,
            self.delete_button,
            self.update_button,
            self.evidence_button,
            self.sign_off_button,
            self.item_button,
        ):
            self.view_actions[button].setEnabled(button.isEnabled())

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
        selected = self.selected_reference()
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
        if rows and not self.select(selected):
            self.inspections_view.selectRow(0)
        self._show_selected()

    def _show_selected(self) -> None:
        index = self.inspections_view.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        self._update_buttons()
        if row is None:
            for model in (self.area_model, self.finding_model, self.initiative_model):
                model.set_rows([])
            self.title.setText("")
            return
        same = row.reference == self._findings_of
        finding = self._selected_finding() if same else None
        self._findings_of = row.reference
        with self.context.database.session() as session:
            self.area_model.set_rows(queries.area_rows(session, row.id))
            self.finding_model.set_rows(queries.finding_rows(session, row.id, self.context.today()))
            self.initiative_model.set_rows(queries.initiative_rows(session, row.id))
        if finding is not None:  # the same finding stays chosen after an update or sign-off
            self._select_finding(finding.kind_label, finding.number)
        published = format_date(row.published_on, "date not recorded")
        self.title.setText(f"{row.title} (published {published})")
        self.sections.setTabText(1, f"Findings ({self.finding_model.rowCount()})")
        self.sections.setTabText(2, f"Initiatives noted ({self.initiative_model.rowCount()})")
        if self.matrix_organisation.currentText() != row.organisation:
            self.matrix_organisation.setCurrentText(row.organisation)
        else:
            self._show_matrix(row.organisation)

    # -- selection

    def selected_reference(self) -> str | None:
        index = self.inspections_view.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        return row.reference if row is not None else None

    def select(self, reference: str | None) -> bool:
        proxy = self.inspections_view.model()
        for number in range(proxy.rowCount()):
            row = proxy.index(number, 0).data(ROW_ROLE)
            if row is not None and row.reference == reference:
                self.inspections_view.selectRow(number)
                return True
        return False

    def _select_finding(self, kind_label: str, number: str) -> None:
        proxy = self.findings_view.model()
        for at in range(proxy.rowCount()):
            found = proxy.index(at, 0).data(ROW_ROLE)
            if found is not None and (found.kind_label, found.number) == (kind_label, number):
                self.findings_view.selectRow(at)
                return

    def _selected_finding(self) -> queries.FindingRow | None:
        index = self.findings_view.currentIndex()
        row = index.data(ROW_ROLE) if index.isValid() else None
        return row if isinstance(row, queries.FindingRow) else None

    def selected_item(self) -> ItemKey | None:
        """The chosen finding, if it is tracked (a recommendation or area for improvement)."""
        reference, row = self.selected_reference(), self._selected_finding()
        if reference is None or row is None or row.status is None:
            return None
        return editing.ItemKey(
            reference, row.number, TRACKED_BY_LABEL[row.kind_label], inspection=True
        )

    # -- edits

    def _inspection_dialog(
        self, fields: inspecting.InspectionFields | None
    ) -> inspection_dialogs.InspectionDialog | None:
        with self.context.database.session() as session:
            schemes = inspecting.scheme_grades(session)
            organisations = queries.organisation_names(session)
        if not schemes:
            self.context.explain(
                CaseReviewError(
                    "There is no grading scheme yet; make one with New grading scheme first."
                ),
                self,
            )
            return None
        editing_reference = fields.reference if fields else None

        def check(candidate: inspecting.InspectionFields) -> editing.Problems:
            with self.context.database.session() as session:
                return inspecting.check_inspection(session, candidate, editing=editing_reference)

        return inspection_dialogs.InspectionDialog(check, schemes, organisations, fields, self)

    def new_inspection(self) -> None:
        dialog = self._inspection_dialog(None)
        if dialog is None:
            return

        def create() -> commands.UndoableCommand | None:
            fields = dialog.result_fields
            return None if fields is None else commands.CreateInspection(self.context, fields)

        if (
            commands.run_from(self.context, dialog, create, self)
            and dialog.result_fields is not None
        ):
            self.select(dialog.result_fields.reference)

    def edit_inspection(self) -> None:
        reference = self.selected_reference()
        if reference is None:
            return
        try:
            with self.context.database.session() as session:
                old = inspecting.inspection_fields(session, reference)
        except NotFoundError as exc:
            self.context.explain(exc, self)
            return
        dialog = self._inspection_dialog(old)
        if dialog is None:
            return

        def change() -> commands.UndoableCommand | None:
            new = dialog.result_fields
            if new is None or not self._removing_logs_confirmed(old, new):
                return None
            return commands.EditInspection(self.context, old, new)

        if (
            commands.run_from(self.context, dialog, change, self)
            and dialog.result_fields is not None
        ):
            self.select(dialog.result_fields.reference)

    def _removing_logs_confirmed(
        self, old: inspecting.InspectionFields, new: inspecting.InspectionFields
    ) -> bool:
        """Ask before an edit removes tracked items: their logs are not shown in the dialog."""
        kept = {(f.kind, f.was) for f in new.findings}
        removed = [
            f"{f.kind.label.lower()} {f.number}"
            for f in old.findings
            if isinstance(f.kind, TrackedKind) and (f.kind, f.number) not in kept
        ]
        if not removed:
            return True
        answer = QMessageBox.question(
            self,
            "Remove tracked items",
            f"This change removes {', '.join(removed)} of {old.reference} with their progress "
            "updates and evidence. You can undo it with Edit ▸ Undo. Save the change?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def delete_inspection(self) -> None:
        reference = self.selected_reference()
        if reference is None or not self.context.takes_changes(self):
            return
        answer = QMessageBox.question(
            self,
            "Delete inspection",
            f"Delete the inspection {reference} with its graded areas and findings, and its "
            "recommendations and areas for improvement with their progress updates and "
            "evidence? You can undo this with Edit ▸ Undo.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            commands.run(commands.DeleteInspection(self.context, reference), self)

    def new_scheme(self) -> None:
        def check(name: str, grades: tuple[str, ...]) -> editing.Problems:
            with self.context.database.session() as session:
                return inspecting.check_scheme(session, name, grades)

        dialog = inspection_dialogs.SchemeDialog(check, self)

        def create() -> commands.UndoableCommand | None:
            chosen = dialog.chosen
            return (
                None
                if chosen is None
                else commands.CreateScheme(self.context, chosen.name, chosen.grades)
            )

        commands.run_from(self.context, dialog, create, self)

    # A tracked finding takes what a recommendation takes, by the same code.

    def add_update(self, status: Status | None = None) -> None:
        key, row = self.selected_item(), self._selected_finding()
        if key is not None and row is not None and row.status is not None:
            tracked.add_update(self.context, key, row.status, self, status)

    def sign_off(self) -> None:
        self.add_update(Status.CLOSED)

    def add_evidence(self) -> None:
        key = self.selected_item()
        if key is not None:
            tracked.add_evidence(self.context, key, self)

    def edit_item(self) -> None:
        key = self.selected_item()
        if key is not None:
            tracked.edit_item(self.context, key, self)

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
