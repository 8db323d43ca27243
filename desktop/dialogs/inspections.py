"""The dialogs behind the Inspection grades tab's edits: an inspection with its graded areas
and findings, and a new grading scheme. Problems show beside the field, as in every FormDialog.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QTableWidget,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date, parse_user_date
from db.core.vocabulary import FindingKind, TrackedKind
from desktop.dialogs.forms import FormDialog
from desktop.lazy import lazy
from desktop.qtutils import fit_to_screen

if TYPE_CHECKING:
    from db.services import editing, inspecting
    from db.services.editing import Problems
    from db.services.inspecting import FindingFields, InspectionFields
else:
    editing, inspecting = lazy("db.services.editing"), lazy("db.services.inspecting")

FINDING_KINDS: list[TrackedKind | FindingKind] = [
    TrackedKind.RECOMMENDATION,
    TrackedKind.AREA_FOR_IMPROVEMENT,
    FindingKind.CAUSE_OF_CONCERN,
    FindingKind.PROMISING_PRACTICE,
]
NOT_GRADED = "Not graded"


def _organisations(names: list[str]) -> QComboBox:
    combo = QComboBox()
    combo.setEditable(True)
    combo.addItems(["", *names])
    return combo


class _Table(QWidget):
    """Rows of editors in a table, with Add and Remove buttons under it."""

    def __init__(
        self, name: str, headers: list[str], add: str, remove: str, on_remove: Callable[[int], None]
    ) -> None:
        super().__init__()
        self.on_remove = on_remove
        self.table = QTableWidget(0, len(headers))
        self.table.setObjectName(name)
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(150)
        self.add_button, self.remove_button = QPushButton(add), QPushButton(remove)
        for button in (self.add_button, self.remove_button):
            button.setAccessibleName(button.text().replace("&", ""))
        buttons = QHBoxLayout()
        buttons.setContentsMargins(0, 0, 0, 0)
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.table)
        layout.addLayout(buttons)
        self.remove_button.clicked.connect(self._remove)
        self.remove_button.setEnabled(False)
        self.table.currentCellChanged.connect(
            lambda row, *_: self.remove_button.setEnabled(row >= 0)
        )
        application = QApplication.instance()
        if isinstance(application, QApplication):
            application.focusChanged.connect(self._focus_changed)

    def _focus_changed(self, _: QWidget | None, now: QWidget | None) -> None:
        """Typing in a row's editor makes it the current row, the one Remove removes."""
        if now is not None and now.parentWidget() is self.table.viewport():
            index = self.table.indexAt(now.pos())
            if index.isValid():
                self.table.setCurrentCell(index.row(), index.column())

    def _remove(self) -> None:
        row = self.table.currentRow()
        if row >= 0:
            self.on_remove(row)  # the dialog forgets what it held for the row
            self.table.removeRow(row)

    def new_row(self) -> int:
        row = self.table.rowCount()
        self.table.insertRow(row)
        return row


@dataclass
class _AreaRow:
    key: int  # stays with the row when it is renamed, so findings keep their area
    name: QLineEdit
    grade: QComboBox
    narrative: QLineEdit
    was: str | None
    original_narrative: str


@dataclass
class _FindingRow:
    kind: QComboBox
    number: QLineEdit
    text: QLineEdit
    area: QComboBox
    was: str | None
    original_text: str | None


class InspectionDialog(FormDialog):
    def __init__(
        self,
        check: Callable[[InspectionFields], Problems],
        schemes: dict[str, list[str]],
        organisations: list[str],
        fields: InspectionFields | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Edit inspection" if fields else "New inspection", parent, scrolls=True)
        self.setMinimumWidth(820)
        # Its twelve fields and two tables are taller than a laptop's screen (742 px, more with
        # messages, at 1366x768: OK went below the edge; found by a new user): they scroll.
        fit_to_screen(self, QSize(980, 900), parent)
        self.schemes = schemes
        self.reference = self.add_row("reference", "&Reference", QLineEdit())
        self.inspectorate = self.add_row(
            "inspectorate", "&Inspectorate", _organisations(organisations), "HMICFRS, Ofsted, CQC"
        )
        self.organisation = self.add_row(
            "organisation", "Inspected or&ganisation", _organisations(organisations)
        )
        self.programme = self.add_row("programme", "&Programme", QLineEdit())
        self.title_edit = self.add_row("title", "&Title", QLineEdit())
        self.scheme = QComboBox()
        self.scheme.addItems(list(schemes))
        self.add_row("scheme", "Grading sc&heme", self.scheme)
        hint = "For example 21 November 2025"
        self.fieldwork_start = self.add_row(
            "fieldwork_start", "Fieldwork &start", QLineEdit(), hint
        )
        self.fieldwork_end = self.add_row("fieldwork_end", "Fieldwork &end", QLineEdit(), hint)
        self.published = self.add_row("published_on", "Pu&blished", QLineEdit(), hint)
        self.summary = QPlainTextEdit()
        self.summary.setTabChangesFocus(True)
        self.summary.setMaximumHeight(70)
        self.add_row("summary", "S&ummary", self.summary)
        self.areas = _Table(
            "Graded areas",
            ["Area", "Grade", "Narrative"],
            "A&dd area",
            "Remo&ve area",
            self._area_removed,
        )
        self.add_row("areas", "Graded &areas", self.areas)
        self.findings = _Table(
            "Findings",
            ["Kind", "Number", "Text", "Area"],
            "Add fi&nding",
            "Re&move finding",
            self.finding_rows_removed,
        )
        self.add_row("findings", "&Findings", self.findings)
        self.area_rows: list[_AreaRow] = []
        self.finding_rows: list[_FindingRow] = []
        self._keys = itertools.count(1)
        self.areas.add_button.clicked.connect(self._new_area)
        self.findings.add_button.clicked.connect(self._new_finding)
        self.scheme.currentTextChanged.connect(self._scheme_changed)
        if fields:
            self._fill(fields)
        self._check_fields = check
        self.check = self._validate
        self.result_fields: InspectionFields | None = None

    # -- filling

    def _fill(self, fields: InspectionFields) -> None:
        self.reference.setText(fields.reference)
        self.inspectorate.setCurrentText(fields.inspectorate)
        self.organisation.setCurrentText(fields.organisation)
        self.programme.setText(fields.programme)
        self.title_edit.setText(fields.title)
        self.scheme.setCurrentText(fields.scheme)
        self.fieldwork_start.setText(format_date(fields.fieldwork_start))
        self.fieldwork_end.setText(format_date(fields.fieldwork_end))
        self.published.setText(format_date(fields.published_on))
        self.summary.setPlainText(fields.summary)
        keys: dict[str, int] = {}
        for area in fields.areas:
            row = self.add_area(area.name, area.grade, area.narrative, was=area.was)
            keys[area.name] = row.key
        for finding in fields.findings:
            key = keys.get(finding.area) if finding.area else None
            self.add_finding(finding, area_key=key)

    def add_area(
        self, name: str = "", grade: str | None = None, narrative: str = "", was: str | None = None
    ) -> _AreaRow:
        number = self.areas.new_row()
        row = _AreaRow(next(self._keys), QLineEdit(name), QComboBox(), QLineEdit(), was, narrative)
        # Set without the modified flag: text no one edits is kept exactly as stored.
        row.narrative.setText(narrative)
        row.name.setAccessibleName(f"Area {number + 1} name")
        row.grade.setAccessibleName(f"Area {number + 1} grade")
        row.narrative.setAccessibleName(f"Area {number + 1} narrative")
        self._fill_grades(row.grade, grade)
        self.area_rows.append(row)
        for column, widget in enumerate((row.name, row.grade, row.narrative)):
            self.areas.table.setCellWidget(number, column, widget)
        row.name.textChanged.connect(lambda _: self._refresh_area_choices())
        self._refresh_area_choices()
        self._clear_when_changed("areas", row.name, row.grade, row.narrative)
        if was is None:
            row.name.setFocus()
        return row

    def add_finding(
        self, finding: FindingFields | None = None, area_key: int | None = None
    ) -> None:
        number = self.findings.new_row()
        row = _FindingRow(
            QComboBox(),
            QLineEdit(finding.number if finding else ""),
            QLineEdit(),
            QComboBox(),
            finding.was if finding else None,
            finding.text if finding else "",
        )
        for kind in FINDING_KINDS:
            row.kind.addItem(kind.label, kind.value)
        if finding is not None:
            row.kind.setCurrentIndex(FINDING_KINDS.index(finding.kind))
            row.text.setText(finding.text or "")
            if finding.text is None:
                row.text.setPlaceholderText("Not yet entered")
        # A tracked item keeps its table (and its log) for as long as it lives.
        row.kind.setEnabled(row.was is None)
        labelled: tuple[tuple[str, QWidget], ...] = (
            ("kind", row.kind),
            ("number", row.number),
            ("text", row.text),
            ("area", row.area),
        )
        for label, widget in labelled:
            widget.setAccessibleName(f"Finding {number + 1} {label}")
        self.finding_rows.append(row)
        for column, widget in enumerate((row.kind, row.number, row.text, row.area)):
            self.findings.table.setCellWidget(number, column, widget)
        self._fill_areas(row.area, area_key)
        self._clear_when_changed("findings", row.kind, row.number, row.text, row.area)
        if finding is None:
            row.kind.setFocus()

    def _new_area(self) -> None:
        self.add_area()

    def _new_finding(self) -> None:
        self.add_finding()

    def _clear_when_changed(self, name: str, *widgets: QWidget) -> None:
        """A table's message goes once a row of it is edited (the rows are made after the
        form, so the form's own watch misses them: "Graded area 2 has no name" stayed after
        the row was named; found by a new user)."""
        for widget in widgets:
            if isinstance(widget, QLineEdit):
                widget.textEdited.connect(lambda *_: self._clear_message(name))
            elif isinstance(widget, QComboBox):
                widget.activated.connect(lambda *_: self._clear_message(name))

    def _clear_message(self, name: str) -> None:
        self.messages[name].clear()
        self.messages[name].hide()

    def finding_rows_removed(self, row: int) -> None:
        self.finding_rows.pop(row)
        self._clear_message("findings")

    def _area_removed(self, row: int) -> None:
        self.area_rows.pop(row)
        self._refresh_area_choices()
        self._clear_message("areas")

    def _fill_grades(self, combo: QComboBox, grade: str | None) -> None:
        combo.clear()
        combo.addItem(NOT_GRADED, None)
        for name in self.schemes.get(self.scheme.currentText(), []):
            combo.addItem(name, name)
        index = combo.findData(grade) if grade is not None else 0
        combo.setCurrentIndex(max(index, 0))

    def _scheme_changed(self, _: str) -> None:
        for row in self.area_rows:
            self._fill_grades(row.grade, row.grade.currentData())

    def _fill_areas(self, combo: QComboBox, key: int | None) -> None:
        combo.blockSignals(True)
        combo.clear()
        combo.addItem("", None)
        for area in self.area_rows:
            combo.addItem(area.name.text(), area.key)
        combo.setCurrentIndex(max(combo.findData(key), 0) if key is not None else 0)
        combo.blockSignals(False)

    def _refresh_area_choices(self) -> None:
        for row in self.finding_rows:
            self._fill_areas(row.area, row.area.currentData())

    # -- reading

    def _date(self, problems: Problems, name: str, edit: QLineEdit) -> dt.date | None:
        text = edit.text().strip()
        if not text:
            return None
        try:
            return parse_user_date(text)
        except ValueError as exc:
            problems.add(name, str(exc))
            return None

    def _validate(self) -> Problems:
        problems = editing.Problems()
        names = {area.key: area.name.text().strip() for area in self.area_rows}
        fields = inspecting.InspectionFields(
            reference=self.reference.text().strip(),
            inspectorate=self.inspectorate.currentText().strip(),
            organisation=self.organisation.currentText().strip(),
            programme=self.programme.text().strip(),
            title=self.title_edit.text().strip(),
            scheme=self.scheme.currentText(),
            fieldwork_start=self._date(problems, "fieldwork_start", self.fieldwork_start),
            fieldwork_end=self._date(problems, "fieldwork_end", self.fieldwork_end),
            published_on=self._date(problems, "published_on", self.published),
            summary=self.summary.toPlainText().strip(),
            areas=tuple(
                inspecting.AreaFields(
                    names[area.key],
                    area.grade.currentData(),
                    area.narrative.text().strip()
                    if area.narrative.isModified()
                    else area.original_narrative,
                    was=area.was,
                )
                for area in self.area_rows
            ),
            findings=tuple(
                inspecting.FindingFields(
                    FINDING_KINDS[row.kind.currentIndex()],
                    row.number.text().strip(),
                    row.text.text().strip() if row.text.isModified() else row.original_text,
                    names.get(row.area.currentData()) if row.area.currentData() else None,
                    was=row.was,
                )
                for row in self.finding_rows
            ),
        )
        for name, message in self._check_fields(fields).by_field.items():
            problems.add(name, message)
        self.result_fields = fields
        return problems


@dataclass(frozen=True)
class SchemeEntry:
    """A grading scheme as the scheme dialog took it: its name and its grades, best first."""

    name: str
    grades: tuple[str, ...]


class SchemeDialog(FormDialog):
    """A grading scheme: its name and its grades, best first, one a line."""

    def __init__(
        self,
        check: Callable[[str, tuple[str, ...]], Problems],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("New grading scheme", parent)
        self.name = self.add_row("name", "&Name", QLineEdit(), "For example Ofsted inspections")
        self.grades = QPlainTextEdit()
        self.grades.setTabChangesFocus(True)
        self.grades.setPlaceholderText("Outstanding\nGood\nRequires improvement\nInadequate")
        self.add_row("grades", "&Grades, best first", self.grades, "One grade a line")
        self._check_fields = check
        self.check = self._validate
        self.chosen: SchemeEntry | None = None

    def _validate(self) -> Problems:
        name = self.name.text().strip()
        grades = tuple(
            line.strip() for line in self.grades.toPlainText().splitlines() if line.strip()
        )
        self.chosen = SchemeEntry(name, grades)
        return self._check_fields(name, grades)


__all__ = ["InspectionDialog", "SchemeDialog", "SchemeEntry"]
