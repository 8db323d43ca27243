"""File ▸ Merge a copy back…: what merging a copy taken offline will write, and its conflicts,
each put to a person (issue 24). The plan and the merge are db.services.merge's; this dialog
only gathers the answers.

Each conflict is a row: the record, the field and the answer so far. The row selected shows
below what the field was when the copy was taken, the copy's value and the shared database's,
each with who changed it and when, and three answers: the copy's, the shared database's, or
(for text) a value typed in. Merge is refused, beside the list, until every conflict has an
answer."""

from __future__ import annotations

from dataclasses import replace

from PySide6.QtCore import Qt
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date
from db.exchange.merging import COPY, RECORD, SHARED, Conflict
from db.services.merge import (
    Answer,
    MergePlan,
    describe_conflict,
    seen,
    show_value,
    typed_value_allowed,
)
from desktop.qtutils import ElidedLabel, Part, with_access_keys

_TYPED = "typed"
_NO_ANSWER = "Not answered"


def _heading(text: str, buddy: QWidget) -> QLabel:
    label = QLabel(text)
    label.setBuddy(buddy)
    return label


def _intro_label(parts: list[Part], width: int) -> ElidedLabel:
    """The dialog's opening sentences, wrapped at its width. The path the copy was taken from
    and who took it are elided, the path in the middle, to at most a line each, with the
    whole text as the tooltip: a long path with no space (a Windows share's, say) was cut off
    at the right edge and widened the dialog past a 1366x768 screen at 150 % (found by a new
    user)."""
    label = ElidedLabel(parts, width, wrap=True)
    label.setObjectName("intro")
    return label


class MergeDialog(QDialog):
    """Shows ``plan`` and gathers an answer to each conflict (``answers``, by
    ``Conflict.key``); accepted only once every conflict has one."""

    def __init__(
        self,
        plan: MergePlan,
        parent: QWidget | None = None,
        *,
        answers: dict[tuple[str, str], Answer] | None = None,
        said: str = "",
    ) -> None:
        """``answers``: given before to the same conflicts (a merge refused, planned again),
        kept for those the new plan still has with the same values; ``said``: why that merge
        was refused, shown at once."""
        super().__init__(parent)
        self.setObjectName("mergeCopy")
        self.setWindowTitle("Merge a copy back")
        self.setMinimumWidth(720)
        self.plan = plan
        self.conflicts: list[Conflict] = plan.merge.conflicts
        self.answers: dict[tuple[str, str], Answer] = {}
        layout = QVBoxLayout(self)
        margins = layout.contentsMargins()
        layout.addWidget(self._intro(self.minimumWidth() - margins.left() - margins.right()))
        changes = QListWidget()
        changes.setObjectName("changes")
        changes.setAccessibleName("Changes from the copy")
        for applied in plan.merge.applied:
            if applied.field == RECORD:
                line = f"{applied.where}: {'added' if applied.old is None else 'deleted'}"
            else:
                line = f"{applied.where}, {applied.field.replace('_', ' ')}: "
                line += show_value(applied.new)
            changes.addItem(line)
        for note in plan.merge.notes:  # what the merge does not write, said by name
            changes.addItem(f"Not written: {note}")
        changes.setWordWrap(True)
        changes.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        changes.setMaximumHeight(110)
        # Two lines at least, then a scroll bar: the conflict's box takes the height its
        # wrapped values need (``_fit_detail``), and the dialog still fits 1366x768 at 150 %.
        changes.setMinimumHeight(
            2 * changes.fontMetrics().lineSpacing() + 2 * changes.frameWidth() + 4
        )
        if plan.merge.applied or plan.merge.notes:
            layout.addWidget(_heading("C&hanges from the copy, to be written:", changes))
            layout.addWidget(changes)
        else:
            changes.hide()
        self.table = QTableWidget(len(self.conflicts), 3)
        self.table.setObjectName("conflicts")
        self.table.setAccessibleName("Conflicts")
        self.table.setHorizontalHeaderLabels(["Record", "Field", "Answer"])
        self.table.verticalHeader().setVisible(False)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        # Tab leaves the list for the answers (it moved from cell to cell and never got out:
        # found by a new user working with the keyboard); the arrows move between conflicts.
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        for row, conflict in enumerate(self.conflicts):
            field = "the whole record" if conflict.field == RECORD else conflict.field
            for column, text in enumerate((conflict.where, field.replace("_", " "), _NO_ANSWER)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.setVisible(bool(self.conflicts))
        if self.conflicts:
            layout.addWidget(_heading("C&onflicts, each to be answered:", self.table))
        layout.addWidget(self.table, 1)
        self.detail = self._detail()
        self.detail.setVisible(bool(self.conflicts))
        layout.addWidget(self.detail)
        every = QHBoxLayout()
        self.all_copy = QPushButton("&All from the copy")
        self.all_shared = QPushButton("All from the &shared database")
        self.all_copy.clicked.connect(lambda: self._answer_all(COPY))
        self.all_shared.clicked.connect(lambda: self._answer_all(SHARED))
        every.addWidget(self.all_copy)
        every.addWidget(self.all_shared)
        every.addStretch(1)
        holder = QWidget()
        holder.setLayout(every)
        holder.setVisible(bool(self.conflicts))
        layout.addWidget(holder)
        self.problem = QLabel()
        self.problem.setObjectName("problem")
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #a4161a;")  # as a form's field problems
        self.problem.setVisible(False)
        self.buttons = with_access_keys(QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel))
        self.merge_button = self.buttons.addButton("&Merge", QDialogButtonBox.ButtonRole.AcceptRole)
        for button in (self.all_copy, self.all_shared):
            button.setAutoDefault(False)  # Enter means Merge, never one of these
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        # The refusal beside the buttons, not in a row of its own: a taller dialog put Merge
        # below a 1366x768 screen at 150 % (found by a new user).
        bottom = QHBoxLayout()
        bottom.addWidget(self.problem, 1)
        bottom.addWidget(self.buttons)
        layout.addLayout(bottom)
        rows = min(max(len(self.conflicts), 2), 4)  # a few rows seen at once, at any scale
        self.table.setMinimumHeight(
            self.table.horizontalHeader().sizeHint().height()
            + rows * self.table.verticalHeader().defaultSectionSize()
            + 2 * self.table.frameWidth()
        )
        self.table.currentCellChanged.connect(lambda row, *_: self._show(row))
        for conflict in self.conflicts:
            given = (answers or {}).get(conflict.key)
            if given is not None and given.seen == seen(conflict):  # still as it was answered
                self._set(conflict, given)
        if self.conflicts:
            self.table.selectRow(0)
            self._show(0)
        if said:
            self.problem.setText(said)
            self.problem.setVisible(True)

    def showEvent(self, event: QShowEvent) -> None:
        """Enter means Merge (refused, saying why, while a conflict has no answer), never
        Cancel. Made the default only here, in the dialog: set as the buttons were made, before
        they were in it, it never took, and Cancel was the default: Enter after typing a
        value closed the dialog and every answer given was lost (a trial's find)."""
        super().showEvent(event)
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton) and button is not self.merge_button:
                button.setAutoDefault(False)
                button.setDefault(False)
        self.merge_button.setDefault(True)

    def _intro(self, width: int) -> ElidedLabel:
        plan, merge = self.plan, self.plan.merge
        taken = format_date(plan.taken_at.astimezone().date())
        n, m = len(merge.applied), len(merge.conflicts)
        said = (
            ". "
            + (
                f"{n} change{'s' if n != 1 else ''} from the copy will be written"
                if n
                else (
                    "Apart from its conflicts, the copy holds no change to write"
                    if merge.conflicts
                    else "The copy holds no change of its own to write"
                )
            )
            + "."
        )
        if m:
            said += (
                f" {m} conflict{'s' if m != 1 else ''}: changed both in the copy and here "
                "since it was taken (a field, a record or a meeting's decision); choose for "
                "each which stands. Nothing is written until every one has an answer."
            )
        return _intro_label(
            [
                ("Copy of ", None),
                (plan.origin_location, Qt.TextElideMode.ElideMiddle),
                (f" taken {taken} by ", None),
                (plan.taken_by, Qt.TextElideMode.ElideRight),
                (said, None),
            ],
            width,
        )

    def _detail(self) -> QGroupBox:
        box = QGroupBox("The conflict")
        grid = QGridLayout(box)
        # What it is about, wrapped: a group box's title is one line, and a decision's
        # conflict, which says what follows the answer, was cut at the dialog's edge.
        self.about = QLabel()
        self.about.setObjectName("conflictAbout")
        self.about.setWordWrap(True)
        self.about.setTextFormat(Qt.TextFormat.PlainText)
        self.about.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(self.about, 0, 0, 1, 2)
        self.base = QLabel()
        self.base.setWordWrap(True)
        self.base.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        grid.addWidget(QLabel("When the copy was taken:"), 1, 0)
        grid.addWidget(self.base, 1, 1)
        self.choices = QButtonGroup(self)
        self.copy_choice = QRadioButton("The cop&y's:")
        self.shared_choice = QRadioButton("The sha&red database's:")
        self.typed_choice = QRadioButton("&Type a value:")
        self.copy_value, self.shared_value = QLabel(), QLabel()
        for row, (choice, value) in enumerate(
            ((self.copy_choice, self.copy_value), (self.shared_choice, self.shared_value)),
            start=2,
        ):
            value.setWordWrap(True)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            choice.setObjectName(f"{'copy' if row == 2 else 'shared'}Choice")
            grid.addWidget(choice, row, 0)
            grid.addWidget(value, row, 1)
        self.typed = QLineEdit()
        self.typed.setObjectName("typed")
        self.typed.setAccessibleName("The value to keep")
        grid.addWidget(self.typed_choice, 4, 0)
        grid.addWidget(self.typed, 4, 1)
        grid.setColumnStretch(1, 1)
        line = box.fontMetrics().lineSpacing()
        for row in range(5):  # a wrapped value's label asks too little height at 150 %
            grid.setRowMinimumHeight(row, line + line // 2)
        for choice, answer in (
            (self.copy_choice, COPY),
            (self.shared_choice, SHARED),
            (self.typed_choice, _TYPED),
        ):
            self.choices.addButton(choice)
            choice.toggled.connect(lambda on, answer=answer: self._toggled(on, answer))
        self.typed.textEdited.connect(lambda _text: self._typed_edited())
        return box

    def _show(self, row: int) -> None:
        if not 0 <= row < len(self.conflicts):
            return
        conflict = self.conflicts[row]
        offline, office = self.plan.changed(conflict)
        self.about.setText(
            describe_conflict(conflict)[:1].upper() + describe_conflict(conflict)[1:]
        )
        self.base.setText(
            "present" if conflict.field == RECORD and conflict.base is not None
            else show_value(conflict.base)
        )  # fmt: skip
        self.copy_value.setText(seen(conflict)[0] + (f" ({offline})" if offline else ""))
        self.shared_value.setText(seen(conflict)[1] + (f" ({office})" if office else ""))
        typeable = typed_value_allowed(conflict)
        self.typed_choice.setEnabled(typeable)
        self.typed.setEnabled(typeable)
        answer = self.answers.get(conflict.key)
        self.choices.setExclusive(False)
        for choice in (self.copy_choice, self.shared_choice, self.typed_choice):
            choice.blockSignals(True)
            choice.setChecked(False)
        if answer is not None:
            chosen = {COPY: self.copy_choice, SHARED: self.shared_choice}.get(
                answer.take or "", self.typed_choice
            )
            chosen.setChecked(True)
        for choice in (self.copy_choice, self.shared_choice, self.typed_choice):
            choice.blockSignals(False)
        self.choices.setExclusive(True)
        self.typed.setText(answer.value if answer is not None and answer.take is None else "")
        self._fit_detail()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._fit_detail()

    def _fit_detail(self) -> None:
        """The conflict's box as tall as its wrapped lines need at its width: the dialog's
        layout gave it the height of its size hint, and with the copy's changes listed too
        its two-line values showed a sliver of their second line at 1366x768 (a trial's
        find); the list of conflicts, which stretches, gives up the room."""
        if self.detail.isVisible() and self.detail.width() > 0:
            self.detail.setMinimumHeight(self.detail.heightForWidth(self.detail.width()))

    def _current(self) -> Conflict | None:
        row = self.table.currentRow()
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def _toggled(self, on: bool, answer: str) -> None:
        if on:
            self._answer_current(answer)

    def _answer_current(self, answer: str) -> None:
        conflict = self._current()
        if conflict is None:
            return
        if answer == _TYPED:
            self._set(conflict, Answer(None, self.typed.text()))
            self.typed.setFocus()
        else:
            self._set(conflict, Answer(answer))

    def _typed_edited(self) -> None:
        conflict = self._current()
        if conflict is None:
            return
        if not self.typed_choice.isChecked():
            self.typed_choice.setChecked(True)  # typing is choosing to type
        self._set(conflict, Answer(None, self.typed.text()))

    def _answer_all(self, take: str) -> None:
        for conflict in self.conflicts:
            self._set(conflict, Answer(take))
        self._show(self.table.currentRow())

    def _set(self, conflict: Conflict, answer: Answer) -> None:
        # Given to the values shown: if either side changes before the merge, the merge
        # refuses the answer rather than apply it to a value nobody saw (a new user's find).
        answer = replace(answer, seen=seen(conflict))
        self.answers[conflict.key] = answer
        row = self.conflicts.index(conflict)
        if answer.take == COPY:
            said = "The copy's"
        elif answer.take == SHARED:
            said = "The shared database's"
        else:
            said = f"Typed: {answer.value}" if answer.value else _NO_ANSWER
        item = self.table.item(row, 2)
        if item is not None:
            item.setText(said)
        self.problem.setVisible(False)

    def unanswered(self) -> list[Conflict]:
        """Conflicts with no answer yet (a typed answer left empty counts as none)."""
        return [
            c
            for c in self.conflicts
            if c.key not in self.answers
            or (self.answers[c.key].take is None and not self.answers[c.key].value)
        ]

    def _try_accept(self) -> None:
        missing = self.unanswered()
        if missing:
            n = len(missing)
            self.problem.setText(
                f"{n} conflict{'s have' if n != 1 else ' has'} no answer yet: choose the "
                "copy's value, the shared database's, or type one, for each."
            )
            self.problem.setVisible(True)
            row = self.conflicts.index(missing[0])
            self.table.selectRow(row)
            self.table.setFocus()
            return
        self.accept()
