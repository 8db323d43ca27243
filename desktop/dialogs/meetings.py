"""The dialogs of panel meetings: the meeting itself (with its attendees and apologies), an
item added to its agenda by hand, and a decision as the chair states it in meeting mode."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemDelegate,
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QTableWidget,
    QTableWidgetItem,
    QWidget,
)

from db.core.vocabulary import DecisionKind, TrackedKind
from db.services.editing import ItemKey, Problems
from db.services.meetings import (
    AgendaEntry,
    DecisionEntry,
    MeetingFields,
    Person,
    decision_field_problems,
)
from desktop.dialogs.forms import FormDialog, date_edit, read_date

DEFAULT_TITLE = "Case Review Subgroup"


class PeopleTable(QTableWidget):
    """People and their agencies, typed into cells: a blank row is always last, so typing in
    it adds a person; a row left blank is no one. Tab and Shift+Tab leave the table, from a
    cell being typed in too (its text kept), but from a name typed in Tab goes on to its
    agency; Ctrl+Tab and Ctrl+Shift+Tab leave it too; the arrow keys move between the cells.
    Delete or Backspace empties the chosen cells, and a person both of whose cells are empty
    is taken out of the table."""

    def __init__(self, people: tuple[Person, ...]) -> None:
        super().__init__(0, 2)
        self.setHorizontalHeaderLabels(["Name", "Agency"])
        self.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verticalHeader().setVisible(False)
        self.setTabKeyNavigation(False)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.setMinimumHeight(4 * self.fontMetrics().height() + 24)
        self.setMaximumHeight(8 * self.fontMetrics().height() + 24)
        for person in people:
            self._append(person.name, person.agency)
        self._append("", "")
        self.itemChanged.connect(self._keep_a_blank_row)

    def _append(self, name: str, agency: str) -> None:
        row = self.rowCount()
        self.insertRow(row)
        self.setItem(row, 0, QTableWidgetItem(name))
        self.setItem(row, 1, QTableWidgetItem(agency))

    def _cell(self, row: int, column: int) -> str:
        item = self.item(row, column)
        return item.text().strip() if item is not None else ""

    def _keep_a_blank_row(self, *_: object) -> None:
        last = self.rowCount() - 1
        if last < 0 or self._cell(last, 0) or self._cell(last, 1):
            blocked = self.blockSignals(True)
            self._append("", "")
            self.blockSignals(blocked)

    def closeEditor(self, editor: QWidget, hint: QAbstractItemDelegate.EndEditHint) -> None:
        """Tab in a cell being typed in: the text kept and the focus on to the next field, not
        the next cell. The cell's editor takes Tab before the table sees it, so tabKeyNavigation
        alone does not do this: a new user typing an attendee could not leave the table."""
        hints = QAbstractItemDelegate.EndEditHint
        if hint in (hints.EditNextItem, hints.EditPreviousItem):
            onward = hint == hints.EditNextItem
            current = self.currentIndex()
            super().closeEditor(editor, hints.NoHint)
            if current.isValid() and current.column() == (0 if onward else 1):
                # From a name typed in, Tab goes on to its agency (and Shift+Tab back from an
                # agency to its name), as in a form's row: a trial's agency went into
                # Apologies.
                self.setCurrentIndex(self.model().index(current.row(), 1 if onward else 0))
                return
            self.focusNextPrevChild(onward)
            return
        super().closeEditor(editor, hint)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Tab and Ctrl+Shift+Tab leave the table too, as they leave a text box; Delete
        and Backspace empty the chosen cells (a trial's Delete did nothing, and Backspace
        began typing in the cell instead)."""
        if event.key() in (Qt.Key.Key_Delete, Qt.Key.Key_Backspace) and not (
            event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier
        ):
            self._empty_chosen()
            return
        if event.key() in (Qt.Key.Key_Tab, Qt.Key.Key_Backtab) and (
            event.modifiers() & Qt.KeyboardModifier.ControlModifier
        ):
            backwards = event.key() == Qt.Key.Key_Backtab or bool(
                event.modifiers() & Qt.KeyboardModifier.ShiftModifier
            )
            self.focusNextPrevChild(not backwards)
            return
        super().keyPressEvent(event)

    def _empty_chosen(self) -> None:
        chosen = self.selectedItems() or [self.currentItem()]
        for item in chosen:
            if item is not None:
                item.setText("")
        at, column = max(self.currentRow(), 0), max(self.currentColumn(), 0)
        for row in reversed(range(self.rowCount() - 1)):  # the blank row last stays
            if not self._cell(row, 0) and not self._cell(row, 1):
                self.removeRow(row)
                at -= row < at
                column = 0  # a person taken out: on to a name (a trial typed a name into
                # the blank row's Agency after Ctrl+A and Delete)
        self.setCurrentCell(min(at, self.rowCount() - 1), column)

    def commit_typing(self) -> None:
        """Take the text of a cell still being typed in (OK pressed by its access key or
        Ctrl+Enter leaves the focus, and so the cell's editor, where it was)."""
        editor = self.indexWidget(self.currentIndex())
        if editor is not None:
            self.commitData(editor)

    def people(self) -> tuple[Person, ...]:
        self.commit_typing()
        rows = ((self._cell(r, 0), self._cell(r, 1)) for r in range(self.rowCount()))
        return tuple(Person(name, agency) for name, agency in rows if name or agency)


class MeetingDialog(FormDialog):
    """A meeting: its date, title, chair, notes, and who came and who sent apologies."""

    def __init__(
        self,
        check: Callable[[MeetingFields], Problems],
        today: dt.date,
        fields: MeetingFields | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Edit meeting" if fields else "New meeting", parent)
        self.held_on = self.add_row(
            "held_on", "&Date", date_edit(fields.held_on if fields else today, "Date")
        )
        self.title_edit = self.add_row(
            "title", "&Title", QLineEdit(fields.title if fields else DEFAULT_TITLE)
        )
        self.chair = self.add_row(
            "chair", "C&hair", QLineEdit(fields.chair if fields else ""), "Who chairs it"
        )
        self.attendees = self.add_row(
            "attendees",
            "&Attendees",
            PeopleTable(fields.attendees if fields else ()),
            "Type a name and agency in the last row to add someone; clear a row to remove them",
        )
        self.apologies = self.add_row(
            "apologies", "A&pologies", PeopleTable(fields.apologies if fields else ())
        )
        self.notes = QPlainTextEdit(fields.notes if fields else "")
        self.notes.setMaximumHeight(90)
        self.add_row("notes", "&Notes", self.notes)
        self._check_fields = check
        self.check = self._validate
        self.result_fields: MeetingFields | None = None

    def _validate(self) -> Problems:
        problems = Problems()
        held_on = read_date(problems, "held_on", self.held_on)
        if held_on is None:
            return problems
        fields = MeetingFields(
            held_on=held_on,
            title=self.title_edit.text().strip(),
            chair=self.chair.text().strip(),
            notes=self.notes.toPlainText().strip(),
            attendees=self.attendees.people(),
            apologies=self.apologies.people(),
        )
        for name, message in self._check_fields(fields).by_field.items():
            problems.add(name, message)
        self.result_fields = fields
        return problems


class AgendaItemDialog(FormDialog):
    """An item the chair adds to the agenda, named by its review's or inspection's reference
    and its number; ``check`` says whether there is such an item (one sentence).

    A reference that a review and an inspection share (``shared``) is offered twice, "SCR-1
    (review)" and "SCR-1 (inspection)", and typed alone is asked about: the dialog took the
    review's item whichever was meant."""

    def __init__(
        self,
        references: list[str],
        check: Callable[[ItemKey], str | None],
        parent: QWidget | None = None,
        *,
        shared: Collection[str] = (),
    ) -> None:
        super().__init__("Add an item to the agenda", parent)
        self.shared = frozenset(shared)
        self.reference = QComboBox()
        self.reference.setEditable(True)
        for reference in references:
            if reference in self.shared:
                self.reference.addItem(f"{reference} (review)", (reference, False))
                self.reference.addItem(f"{reference} (inspection)", (reference, True))
            else:
                self.reference.addItem(reference, (reference, None))
        self.add_row("reference", "&Reference", self.reference, "The review or inspection")
        self.kind = QComboBox()
        for kind in TrackedKind:
            self.kind.addItem(kind.label, kind.value)
        self.add_row("kind", "&Kind", self.kind)
        self.number = self.add_row("number", "&Number", QLineEdit())
        self.reason = self.add_row(
            "reason", "&Why", QLineEdit("Added by the chair"), "Why it is on the agenda"
        )
        self._check_item = check
        self.check = self._validate

    def key(self) -> ItemKey:
        typed = self.reference.currentText().strip()
        exact = Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchCaseSensitive
        listed = self.reference.findText(typed, exact)
        source, inspection = self.reference.itemData(listed) if listed >= 0 else (typed, None)
        return ItemKey(
            source,
            self.number.text().strip(),
            TrackedKind(self.kind.currentData()),
            inspection=inspection,
        )

    def entry(self) -> AgendaEntry:
        return AgendaEntry(self.key(), self.reason.text().strip())

    def _validate(self) -> Problems:
        problems = Problems()
        key = self.key()
        if not key.source:
            problems.add("reference", "Give the reference of the review or inspection.")
        elif key.source in self.shared and key.inspection is None:
            problems.add(
                "reference",
                f"A review and an inspection both have the reference {key.source}: choose "
                f"'{key.source} (review)' or '{key.source} (inspection)' from the list.",
            )
        elif not key.number:
            problems.add("number", "Give the item's number, as its review numbers it.")
        else:
            problem = self._check_item(key)
            if problem is not None:
                problems.add("number", problem)
        return problems


# What each decision asks for besides its note: (the date's label, the person's label).
_ASKS: dict[DecisionKind, tuple[str | None, str | None]] = {
    DecisionKind.SIGNED_OFF: (None, None),
    DecisionKind.EXTENDED: ("New &target date", None),
    DecisionKind.EVIDENCE_REQUESTED: ("&By when", "&From whom"),
    DecisionKind.ESCALATED: (None, "&To whom"),
    DecisionKind.NOTED: (None, None),
}


class DecisionDialog(FormDialog):
    """A decision as the chair states it: a short note and, as the kind needs, a date and
    from or to whom. The service holds it to the lifecycle rules when it is recorded."""

    def __init__(
        self,
        kind: DecisionKind,
        about: str,
        explain: str,
        parent: QWidget | None = None,
        refusal: Callable[[DecisionEntry], str | None] | None = None,
    ) -> None:
        super().__init__(f"{kind.label}: {about}", parent)
        self.kind = kind
        # Asked before the dialog closes, so a refusal keeps what was typed (a new user lost
        # a note to "the new target date must be after the current one").
        self.refusal = refusal
        said = QLabel(explain)
        said.setWordWrap(True)
        self.form.addRow(said)
        date_label, whom_label = _ASKS[kind]
        self.until = None
        self.whom: QLineEdit | None = None
        if whom_label is not None:
            self.whom = self.add_row("whom", whom_label, QLineEdit())
        if date_label is not None:
            self.until = self.add_row("until", date_label, date_edit(None, "Date"))
        self.note = self.add_row("note", "&Note", QLineEdit(), "A short note for the log")
        self.check = self._validate
        self.setWindowModality(Qt.WindowModality.WindowModal)

    def _validate(self) -> Problems:
        problems = Problems()
        if self.whom is not None and not self.whom.text().strip():
            problems.add(
                "whom",
                "Say whom the evidence is requested from."
                if self.kind is DecisionKind.EVIDENCE_REQUESTED
                else "Say to whom the item is escalated.",
            )
        if self.until is not None:
            read_date(problems, "until", self.until)
        # The note's and whom's own problems beside each (the service's sentence would name
        # neither field where it shows, found by a new user).
        typed = DecisionEntry(self.kind, self.note.text().strip(), whom=self._whom())
        for name, problem in decision_field_problems(typed).items():
            problems.add(name, problem)
        if not problems and self.refusal is not None:
            refused = self.refusal(self.entry())
            if refused is not None:
                problems.add("until" if self.until is not None else "note", refused)
        return problems

    def entry(self) -> DecisionEntry:
        """The decision given (once the dialog is accepted, so its date is read)."""
        return DecisionEntry(
            kind=self.kind,
            note=self.note.text().strip(),
            until=self.until.date_value() if self.until is not None else None,
            whom=self._whom(),
        )

    def _whom(self) -> str:
        return self.whom.text().strip() if self.whom is not None else ""


__all__ = ["AgendaItemDialog", "DecisionDialog", "MeetingDialog", "PeopleTable"]
