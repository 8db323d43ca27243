"""Dialogs that take input: each field's problem is shown beside it, in one plain sentence,
and nothing is saved until every field is acceptable."""

from __future__ import annotations

import datetime as dt
import logging
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from PySide6.QtCore import QDate, QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFocusEvent, QKeySequence, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QCalendarWidget,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QTextEdit,
    QToolButton,
    QVBoxLayout,
    QWidget,
    QWidgetAction,
)

from db.core.dates import PartialDate, format_date, parse_user_date, parse_user_partial_date
from db.core.errors import CaseReviewError
from db.core.rules import TRANSITIONS, Closure
from db.core.vocabulary import ReviewKind, Status
from db.store.logs import cause
from desktop.conversions import find_data, pydate, qdate
from desktop.lazy import lazy
from desktop.qtutils import as_label, grow_to_fit, with_access_keys

if TYPE_CHECKING:
    from collections.abc import Sequence

    from db.queries.similar import Match
    from db.services import editing
    from db.services.editing import ItemFields, Problems, ReviewFields, StatusPlan
else:
    editing = lazy("db.services.editing")

_log = logging.getLogger(__name__)

W = TypeVar("W", bound=QWidget)

MAX_EVIDENCE_BYTES = 25 * 1024 * 1024


def _names(text: str) -> tuple[str, ...]:
    """Agencies or themes typed as "Police; Council"."""
    seen: list[str] = []
    for part in text.replace("\n", ";").split(";"):
        name = part.strip()
        if name and name not in seen:
            seen.append(name)
    return tuple(seen)


def select_data(combo: QComboBox, value: object) -> None:
    index = find_data(combo, value)
    if index >= 0:
        combo.setCurrentIndex(index)


class DateField(QWidget):
    """A date typed as people in the UK write it ("15/11/2026", "15 Nov 2026", ISO), read by
    the command line's own rules (db.core.dates.parse_user_date), or picked from a calendar.

    Unlike QDateEdit, it never turns what was typed into another date: text it cannot read is
    kept as typed, and ``value()`` raises ValueError with one sentence for the form to show
    beside the field. Once read, the date is shown as "21 November 2025".
    """

    changed = Signal()  # a date was read from what was typed, or picked

    def __init__(self, value: dt.date | None, name: str, *, optional: bool = False) -> None:
        super().__init__()
        self.optional = optional
        self.name = name
        self.edit = QLineEdit()
        self.edit.setAccessibleName(name)
        self.edit.setPlaceholderText("None" if optional else "For example 21 November 2025")
        self.edit.setToolTip("Day first: 21 November 2025, 21 Nov 2025, 21/11/2025 or 2025-11-21")
        self.edit.editingFinished.connect(self._tidy)
        self.calendar = QCalendarWidget()
        self.calendar.setFirstDayOfWeek(Qt.DayOfWeek.Monday)
        self.calendar.setGridVisible(True)
        self.calendar.clicked.connect(self._picked)
        self.calendar.activated.connect(self._picked)
        menu = QMenu(self)
        holder = QWidgetAction(menu)
        holder.setDefaultWidget(self.calendar)
        menu.addAction(holder)
        menu.aboutToShow.connect(self._show_calendar)
        self.menu = menu
        self.pick = QToolButton()
        self.pick.setText("…")
        self.pick.setAccessibleName(f"Choose the {name.lower()} from a calendar")
        self.pick.setToolTip("Choose from a calendar")
        self.pick.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.pick.setMenu(menu)
        # Tab goes from the text to the next field (with the button in the chain, Qt's focus
        # proxy sent Tab round and round the two); from the keyboard the calendar opens with
        # Alt+Down or F4 in the text, as a drop-down list does.
        self.pick.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        for key in ("Alt+Down", "F4"):
            opener = QShortcut(QKeySequence(key), self.edit)
            opener.setContext(Qt.ShortcutContext.WidgetShortcut)
            opener.activated.connect(self.pick.showMenu)
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        row.setSpacing(2)
        row.addWidget(self.edit, 1)
        row.addWidget(self.pick)
        self.problem: str | None = None
        self.set_value(value)

    def focusInEvent(self, event: QFocusEvent) -> None:
        """Focus given to the field (a problem shown beside it, say) goes to its text."""
        self.edit.setFocus(event.reason())

    def text(self) -> str:
        return self.edit.text()

    def value(self) -> dt.date | None:
        """The date typed, or None when an optional field is empty; ValueError otherwise."""
        text = self.edit.text().strip()
        if not text and self.optional:
            return None
        return parse_user_date(text)

    def date_value(self) -> dt.date:
        """The date of a field that must have one (checked by the form before it closes)."""
        value = self.value()
        if value is None:
            raise ValueError("Enter a date, for example 21 November 2025.")
        return value

    def set_value(self, value: dt.date | None) -> None:
        self.edit.setText(format_date(value))

    def _tidy(self) -> None:
        """Show a date that was read in the one form users read: "21 November 2025"."""
        try:
            value = self.value()
        except ValueError as exc:
            self.show_problem(str(exc))  # kept as typed; a form also says why beside it
            return
        self.show_problem(None)
        self.set_value(value)
        self.changed.emit()

    def show_problem(self, problem: str | None) -> None:
        """Mark the text as unreadable, saying why in its tooltip (for a field outside a form,
        such as the filter bar's), or take the mark away."""
        self.edit.setStyleSheet("border: 2px solid #a4161a;" if problem else "")
        self.edit.setToolTip(
            problem or "Day first: 21 November 2025, 21 Nov 2025, 21/11/2025 or 2025-11-21"
        )
        self.problem = problem

    def _show_calendar(self) -> None:
        try:
            value = self.value()
        except ValueError:  # nothing sensible typed yet: the calendar opens without it
            value = None
        if value is not None:
            self.calendar.setSelectedDate(qdate(value))
        # Opened from the keyboard (Alt+Down, F4), the arrows and Enter must reach the
        # calendar at once, not after a Tab (found by a new user).
        QTimer.singleShot(0, lambda: self.calendar.setFocus(Qt.FocusReason.PopupFocusReason))

    def _picked(self, value: QDate) -> None:
        self.set_value(pydate(value))
        self.show_problem(None)
        self.menu.close()
        self.edit.setFocus()
        self.changed.emit()


class Caption(QLabel):
    """A field's label in a form, a few pixels wider than its text's advance: a glyph's ink can
    reach past the advance (the last "m" of "To whom"), QLabel clips the text to its own
    width, and the form puts the field hard against it, so at 150 % scaling the last letter
    was cut off (found by a new user)."""

    ROOM = 3  # pixels

    def sizeHint(self) -> QSize:
        return super().sizeHint() + QSize(self.ROOM, 0)

    def minimumSizeHint(self) -> QSize:
        return super().minimumSizeHint() + QSize(self.ROOM, 0)


def typing_target(widget: QWidget) -> QWidget:
    """Where typing into ``widget`` goes: a date field's text (a focus proxy would do, but
    Qt then sends Tab round and round the field instead of on to the next one)."""
    return widget.edit if isinstance(widget, DateField) else widget


def date_edit(value: dt.date | None, name: str, *, optional: bool = False) -> DateField:
    return DateField(value, name, optional=optional)


def read_date(problems: Problems, name: str, field: DateField) -> dt.date | None:
    """The field's date (shown as read), or None with its problem added under ``name``."""
    try:
        value = field.value()
    except ValueError as exc:
        problems.add(name, str(exc))
        return None
    field.set_value(value)
    return value


def _no_problems() -> Problems:
    return editing.Problems()


class FormDialog(QDialog):
    """A form whose rows each carry a message label for that field's problem."""

    def __init__(self, title: str, parent: QWidget | None = None, *, scrolls: bool = False):
        """``scrolls``: a long form (an inspection's) scrolls inside a dialog the size of the
        screen, so that OK and Cancel are always on it."""
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(560)
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.messages: dict[str, QLabel] = {}
        self.fields: dict[str, QWidget] = {}
        self.buttons = with_access_keys(
            QDialogButtonBox(
                QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
            )
        )
        self.buttons.accepted.connect(self._try_accept)
        self.buttons.rejected.connect(self.reject)
        # Enter in a field means OK (checked before anything is saved); a button that has the
        # focus does not take over as the default, so Enter never acts on a stray button.
        for button in self.buttons.buttons():
            if isinstance(button, QPushButton):
                button.setAutoDefault(False)
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        if ok is not None:
            ok.setDefault(True)
        # Ctrl+Enter is OK from anywhere, a multi-line field too, where Enter starts a new
        # line (a new user's progress note: Ctrl+Enter did nothing; Tab then Enter did).
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self._try_accept)
        layout = self._layout = QVBoxLayout(self)
        self.area: QScrollArea | None = None
        if scrolls:
            inner = QWidget()
            inner.setLayout(self.form)
            area = self.area = QScrollArea()
            area.setWidgetResizable(True)
            area.setFrameShape(QFrame.Shape.NoFrame)
            area.setWidget(inner)
            layout.addWidget(area, 1)
        else:
            layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        # Looked up when called, not now: an edit's dialog opens while the database layer is
        # still loading (desktop.tabs.recommendations.edit_item), and its checks wait for it.
        self.check: Callable[[], Problems] = _no_problems

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        # The form's own buttons too (Add area, Choose file…): Enter in a field is OK, never
        # one of them (it added an empty area, or opened a file chooser; found by a new user).
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        for button in self.findChildren(QPushButton):
            if button is not ok:
                button.setAutoDefault(False)
                button.setDefault(False)
        if ok is not None:
            ok.setDefault(True)
        self.focus_first_field()

    def focus_first_field(self) -> None:
        """Typing goes into the first field that takes it, not to a button."""
        for widget in self.fields.values():
            target = typing_target(widget)
            if target.focusPolicy() == Qt.FocusPolicy.NoFocus:  # a holder: its first input
                inner = [
                    w
                    for w in target.findChildren(QWidget)
                    if w.focusPolicy() != Qt.FocusPolicy.NoFocus
                ]
                target = inner[0] if inner else widget
            if target.isEnabled() and target.focusPolicy() != Qt.FocusPolicy.NoFocus:
                target.setFocus(Qt.FocusReason.OtherFocusReason)
                return

    def add_row(self, name: str, label: str, widget: W, hint: str = "") -> W:
        widget.setAccessibleName(label.replace("&", ""))
        if isinstance(widget, QPlainTextEdit | QTextEdit):
            widget.setTabChangesFocus(True)  # Tab goes to the next field, as in any form
        typed = widget.lineEdit() if isinstance(widget, QComboBox) else None
        if isinstance(widget, QComboBox) and typed is not None:
            # Enter in a box one may type in is OK, as in any field: an editable list kept
            # it, and Enter did nothing at all (a trial's, in "Add an item to the agenda").
            widget.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
            typed.returnPressed.connect(self._try_accept)
        if hint:
            widget.setToolTip(hint)
        message = QLabel()
        message.setObjectName(f"{name}_message")
        message.setStyleSheet("color: #a4161a;")
        message.setWordWrap(True)
        message.hide()
        column = QVBoxLayout()
        column.setSpacing(2)
        column.addWidget(widget)
        column.addWidget(message)
        holder = QWidget()
        holder.setLayout(column)
        column.setContentsMargins(0, 0, 0, 0)
        caption = Caption(label)
        caption.setBuddy(typing_target(widget))
        self.form.addRow(caption, holder)
        self.messages[name] = message
        self.fields[name] = widget
        self._clear_when_edited(holder, message)
        return widget

    @staticmethod
    def _clear_when_edited(holder: QWidget, message: QLabel) -> None:
        """A field's message goes as soon as the field is changed: it named a problem with
        what was there, and the next check says whether the new value has one."""
        signals = (
            "textEdited",
            "textChanged",
            "currentIndexChanged",
            "editTextChanged",
            "dateChanged",
            "toggled",
            "itemChanged",
        )

        def clear() -> None:
            message.clear()
            message.hide()

        for widget in holder.findChildren(QWidget):
            if isinstance(widget, QLabel):
                continue
            for name in signals:
                signal = getattr(widget, name, None)
                if signal is not None and hasattr(signal, "connect"):
                    signal.connect(clear)

    def show_problems(self, problems: Problems) -> None:
        for name, label in self.messages.items():
            text = problems.by_field.get(name, "")
            label.setText(text)
            label.setVisible(bool(text))
        if problems:
            first = next(iter(problems.by_field))
            if first in self.fields:
                self.fields[first].setFocus()
        # Room for the messages shown, wrapped as they are; never smaller than it was (a
        # dialog opened large, the inspection's, shrank to its hint at a refused reference,
        # putting its areas and findings in a scroll), nor larger than the screen. A form
        # that scrolls grows by what its fields now need beyond what is seen of them: its
        # scroll area's hint says nothing of them, so the messages went under a scroll bar
        # with the screen's room unused (found by a new user).
        wanted = self.sizeHint().expandedTo(self.size())
        inner = self.area.widget() if self.area is not None else None
        if self.area is not None and inner is not None:
            self._layout.activate()  # the messages shown, laid out before they are measured
            seen = self.area.viewport()
            need = max(inner.minimumSizeHint().height(), inner.heightForWidth(seen.width()))
            wanted.setHeight(max(wanted.height(), self.height() + need - seen.height()))
        if wanted != self.size():
            grow_to_fit(self, wanted, self.parentWidget())

    def _try_accept(self) -> None:
        try:
            problems = self.check()
        except CaseReviewError as exc:  # the database, asked for by the check, refused
            if exc.said:  # as it loaded: the window says why, and goes (AppContext.database)
                self.reject()
                return
            raise
        self.show_problems(problems)
        if not problems:
            self.accept()


class ReviewDialog(FormDialog):
    def __init__(
        self,
        check: Callable[[ReviewFields], Problems],
        organisations: list[str],
        fields: ReviewFields | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Edit review" if fields else "New review", parent)
        self.reference = self.add_row("reference", "&Reference", QLineEdit())
        self.kind = QComboBox()
        for kind in ReviewKind:
            self.kind.addItem(kind.label, kind.value)
        self.add_row("kind", "&Kind", self.kind)
        self.title_edit = self.add_row("title", "&Title", QLineEdit())
        self.subject = self.add_row(
            "subject", "&Subject", QLineEdit(), "As published, often anonymised: Child A"
        )
        self.commissioned_by = QComboBox()
        self.commissioned_by.setEditable(True)
        self.commissioned_by.addItems(["", *organisations])
        self.add_row("commissioned_by", "Co&mmissioned by", self.commissioned_by)
        self.published = self.add_row(
            "published", "&Published", QLineEdit(), "For example 2010, March 2010 or 25 March 2010"
        )
        self.summary = self.add_row("summary", "S&ummary", QPlainTextEdit())
        self.themes = self.add_row(
            "themes", "T&hemes", QLineEdit(), "Separate themes with semicolons"
        )
        if fields:
            self.reference.setText(fields.reference)
            self.kind.setCurrentIndex(list(ReviewKind).index(fields.kind))
            self.title_edit.setText(fields.title)
            self.subject.setText(fields.subject)
            self.commissioned_by.setCurrentText(fields.commissioned_by)
            self.published.setText(fields.published.display() if fields.published else "")
            self.summary.setPlainText(fields.summary)
            self.themes.setText("; ".join(fields.themes))
        self._check_fields = check
        self.check = self._validate
        self.result_fields: ReviewFields | None = None

    def _validate(self) -> Problems:
        problems = editing.Problems()
        published: PartialDate | None = None
        text = self.published.text().strip()
        if text:
            try:
                published = parse_user_partial_date(text)
            except ValueError as exc:
                problems.add("published", str(exc))
        fields = editing.ReviewFields(
            reference=self.reference.text().strip(),
            kind=ReviewKind(self.kind.currentData()),
            title=self.title_edit.text().strip(),
            subject=self.subject.text().strip(),
            commissioned_by=self.commissioned_by.currentText().strip(),
            published=published,
            summary=self.summary.toPlainText().strip(),
            themes=_names(self.themes.text()),
        )
        for name, message in self._check_fields(fields).by_field.items():
            problems.add(name, message)
        self.result_fields = fields
        return problems


class ItemDialog(FormDialog):
    def __init__(
        self,
        check: Callable[[ItemFields], Problems],
        today: dt.date,
        fields: ItemFields | None = None,
        parent: QWidget | None = None,
        title: str = "",
        *,
        similar: Callable[[str], Sequence[Match] | None] | None = None,
        themes_of: Callable[[list[int]], list[str]] | None = None,
    ) -> None:
        """``similar``: the earlier learning like a text (None while it is being looked
        for), listed under the text as it is typed."""
        super().__init__(
            title or ("Edit recommendation" if fields else "New recommendation"), parent
        )
        self.number = QLineEdit()
        self.add_row("number", "&Number", self.number, "As published, for example 7 or 3.2")
        self.text = QPlainTextEdit()
        self.add_row("text", "&Text", self.text)
        self.similar_label = QLabel()
        self.similar_label.setObjectName("similar")
        self.similar_label.setWordWrap(True)
        self.similar_label.hide()
        self._similar = similar
        self._typing = QTimer(self)
        self._typing.setSingleShot(True)
        self._typing.setInterval(400)  # once typing pauses, not at every key
        self._typing.timeout.connect(self._look_for_similar)
        self._themes_of = themes_of
        self._offered: list[str] = []
        self.use_themes = QPushButton()
        self.use_themes.setObjectName("useThemes")
        self.use_themes.hide()
        self.use_themes.clicked.connect(self._use_offered_themes)
        if similar is not None:
            self.form.addRow("", self.similar_label)
            self.form.addRow("", self.use_themes)
            self.text.textChanged.connect(self._typing.start)
        self.not_entered = QCheckBox("The text is not &yet entered")
        self.add_row("not_entered", "", self.not_entered)
        self.not_entered.toggled.connect(lambda on: self.text.setEnabled(not on))
        self.lead = QLineEdit()
        self.add_row("lead_agencies", "&Lead agencies", self.lead, "Separate with semicolons")
        self.joint = QLineEdit()
        self.add_row("joint_agencies", "&Jointly with", self.joint, "Separate with semicolons")
        self.actions_agreed = QPlainTextEdit()
        self.actions_agreed.setMaximumHeight(80)
        self.add_row("actions", "&Actions agreed", self.actions_agreed)
        self.owner = QLineEdit()
        self.add_row("owner", "O&wner", self.owner, "A role, e.g. Head of Public Protection")
        self.target = date_edit(None, "Target date", optional=True)
        self.add_row("target_date", "Tar&get date", self.target, "Leave empty if there is none")
        self.themes = QLineEdit()
        self.add_row("themes", "T&hemes", self.themes, "Separate with semicolons")
        if fields:
            self.number.setText(fields.number)
            self.not_entered.setChecked(fields.text is None)
            self.text.setPlainText(fields.text or "")
            self.lead.setText("; ".join(fields.lead_agencies))
            self.joint.setText("; ".join(fields.joint_agencies))
            self.actions_agreed.setPlainText(fields.actions)
            self.owner.setText(fields.owner)
            self.target.set_value(fields.target_date)
            self.themes.setText("; ".join(fields.themes))
        self._check_fields = check
        self.check = self._validate
        self.result_fields: ItemFields | None = None

    def _look_for_similar(self) -> None:
        """List the earlier learning like the text typed so far (three at most)."""
        text = self.text.toPlainText().strip()
        if self._similar is None or len(text.split()) < 4:
            self.similar_label.hide()
            return
        found = self._similar(text)
        if found is None:  # still being indexed: look again shortly
            self.similar_label.setText("Looking for similar earlier learning…")
            self.similar_label.show()
            self._typing.start()
            return
        if not found:
            self.similar_label.hide()
            return
        lines = []
        for match in list(found)[:3]:
            recurred = (
                " (closed: the learning has come again)" if match.status is Status.CLOSED else ""
            )
            status = escape(match.status.label.lower())
            lines.append(
                f"<li>{escape(match.source)} {escape(match.number)}, {status}{recurred}: "
                f"{escape(match.text)}</li>"
            )
        self.similar_label.setText(
            "<b>Similar earlier learning</b><ul style='margin-left:-20px'>"
            + "".join(lines)
            + "</ul>"
        )
        self.similar_label.show()
        self._offer_themes([m.item_id for m in list(found)[:3]])

    def _offer_themes(self, ids: list[int]) -> None:
        """While the item has no themes, offer those of the similar earlier items."""
        offered = self._themes_of(ids)[:4] if self._themes_of is not None else []
        self._offered = offered
        if offered and not self.themes.text().strip():
            # A theme's "&" ("A&E") shown as it is, not made an access key (as_label)
            self.use_themes.setText(as_label(f"Use their themes: {'; '.join(offered)}"))
            self.use_themes.show()
        else:
            self.use_themes.hide()

    def _use_offered_themes(self) -> None:
        if not self.themes.text().strip():
            self.themes.setText("; ".join(self._offered))
        self.use_themes.hide()

    def _validate(self) -> Problems:
        problems = editing.Problems()
        target = read_date(problems, "target_date", self.target)
        fields = editing.ItemFields(
            number=self.number.text().strip(),
            text=None if self.not_entered.isChecked() else self.text.toPlainText().strip(),
            lead_agencies=_names(self.lead.text()),
            joint_agencies=_names(self.joint.text()),
            actions=self.actions_agreed.toPlainText().strip(),
            owner=self.owner.text().strip(),
            target_date=target,
            themes=_names(self.themes.text()),
        )
        for name, message in self._check_fields(fields).by_field.items():
            problems.add(name, message)
        self.result_fields = fields
        return problems


@dataclass(frozen=True)
class UpdateEntry:
    """A progress update as the update dialog took it, checked; text trimmed."""

    on: dt.date
    author: str
    note: str
    status: Status | None  # None: no change of status
    reason: str
    assured_by: str

    @property
    def closure(self) -> Closure | None:
        """The sign-off a closing update records: who gave assurance, on the update's date."""
        return Closure(self.assured_by, self.on) if self.status is Status.CLOSED else None


class UpdateDialog(FormDialog):
    """A dated progress update; optionally a change of status (closing asks for an assurer)."""

    def __init__(
        self,
        current: Status,
        today: dt.date,
        author: str,
        parent: QWidget | None = None,
        *,
        status: Status | None = None,
        title: str = "Add a progress update",
        rules: Callable[[Status | None, str, str], Problems] | None = None,
    ) -> None:
        super().__init__(title, parent)
        # The item's own rules (evidence before closing...), checked before the dialog closes.
        self._rules = rules
        self.on = date_edit(today, "Date of the update")
        self.add_row("on", "&Date", self.on)
        self.author = QLineEdit(author)
        self.add_row("author", "&By", self.author)
        self.status = QComboBox()
        self.status.addItem(f"No change ({current.label.lower()})", None)
        for option in Status:
            if option in TRANSITIONS[current]:
                self.status.addItem(option.label, option.value)
        self.add_row("status", "&Status", self.status)
        self.note = QPlainTextEdit()
        self.note.setMaximumHeight(110)
        self.add_row("note", "&Note", self.note)
        self.reason = QLineEdit()
        self.add_row("reason", "&Reason", self.reason, "Why it is not accepted or superseded")
        self.assured_by = QLineEdit()
        self.add_row("assured_by", "&Assured by", self.assured_by, "Who gave assurance")
        self.status.currentIndexChanged.connect(self._status_changed)
        if status is not None:
            select_data(self.status, status)
        self._status_changed()
        self.check = self._validate

    def chosen_status(self) -> Status | None:
        # Qt hands a StrEnum back as its plain string.
        value = self.status.currentData()
        return Status(value) if value else None

    def _status_changed(self) -> None:
        status = self.chosen_status()
        self.reason.setEnabled(status in (Status.NOT_ACCEPTED, Status.SUPERSEDED))
        self.assured_by.setEnabled(status is Status.CLOSED)

    def _validate(self) -> Problems:
        problems = editing.Problems()
        status = self.chosen_status()
        if not self.author.text().strip():
            problems.add("author", "Say who is making the update.")
        if status is None and not self.note.toPlainText().strip():
            problems.add("note", "Write a note, or choose a new status.")
        if status is Status.NOT_ACCEPTED and not self.reason.text().strip():
            problems.add("reason", "Give the reason it is not accepted.")
        if status is Status.CLOSED and not self.assured_by.text().strip():
            problems.add("assured_by", "Closing needs the name of the person giving assurance.")
        on = read_date(problems, "on", self.on)
        if on is not None and on > dt.date.today() + dt.timedelta(days=1):
            problems.add("on", "An update cannot be dated in the future.")
        if not problems and self._rules is not None:
            reason = self.reason.text().strip() or self.note.toPlainText().strip()
            for name, message in self._rules(
                status, reason, self.assured_by.text()
            ).by_field.items():
                problems.add(name, message)
        return problems

    def entry(self) -> UpdateEntry:
        """The update given (once the dialog is accepted, so its date is checked)."""
        return UpdateEntry(
            on=self.on.date_value(),
            author=self.author.text().strip(),
            note=self.note.toPlainText().strip(),
            status=self.chosen_status(),
            reason=self.reason.text().strip(),
            assured_by=self.assured_by.text().strip(),
        )


class WithdrawUpdateDialog(FormDialog):
    """Withdraw an update entered in error: says what happens (and that the status stays),
    asks why. Its Withdraw button is the confirmation; nothing changes on Cancel."""

    def __init__(
        self,
        update: str,
        changed: Status | None,
        current: Status,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__("Withdraw a progress update", parent)
        text = (
            f"Withdraw the update {update}? It stays in the progress log, marked as withdrawn "
            "with your name, today's date and your reason, and no longer counts as the latest "
            "progress. You can undo this with Edit ▸ Undo."
        )
        if changed is not None:
            text += (
                f"\n\nThis update moved the item to {changed.label.lower()}. Withdrawing it does "
                f"not change the status, which stays {current.label.lower()}; to change the "
                "status, add a new update."
            )
        self.about = QLabel(text)
        self.about.setWordWrap(True)
        self.form.insertRow(0, self.about)
        self.reason = QPlainTextEdit()
        self.reason.setTabChangesFocus(True)
        self.reason.setMaximumHeight(110)
        self.add_row("reason", "&Reason", self.reason, "Why the update is withdrawn")
        withdraw = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        withdraw.setText("&Withdraw update")
        self.reason.setFocus()
        self.check = lambda: editing.check_withdrawal(self.reason_text())

    def reason_text(self) -> str:
        return self.reason.toPlainText().strip()


@dataclass(frozen=True)
class EvidenceEntry:
    """Evidence as the evidence dialog took it: a file's name, content and media type, a
    reference to where it is kept, or both."""

    description: str
    reference: str | None
    file_name: str | None
    content: bytes | None
    media_type: str | None


class EvidenceDialog(FormDialog):
    """Evidence: a file stored in the database, or a reference to where it is kept."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("Add evidence", parent)
        self.description = QLineEdit()
        self.add_row("description", "&Description", self.description)
        self.reference = QLineEdit()
        self.add_row(
            "reference", "&Reference", self.reference, "Where it is kept, e.g. a document number"
        )
        self.file_label = QLabel("No file chosen")
        choose = QPushButton("Choose &file…")
        choose.setAccessibleName("Choose a file")
        choose.clicked.connect(self._choose)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.file_label, 1)
        row.addWidget(choose)
        holder = QWidget()
        holder.setLayout(row)
        self.add_row("file", "File", holder)
        self.path: Path | None = None
        self.content: bytes | None = None
        self.check = self._validate

    def _choose(self) -> None:
        name, _ = QFileDialog.getOpenFileName(self, "Choose the evidence file")
        if name:
            self.set_file(Path(name))

    def set_file(self, path: Path) -> None:
        self.path = path
        self.file_label.setText(path.name)

    def _validate(self) -> Problems:
        problems = editing.Problems()
        if not self.description.text().strip():
            problems.add("description", "Describe the evidence.")
        self.content = None
        if self.path is not None:
            try:
                size = self.path.stat().st_size
                if size > MAX_EVIDENCE_BYTES:
                    problems.add(
                        "file",
                        f"{self.path.name} is larger than 25 MB; store it elsewhere and give "
                        "a reference instead.",
                    )
                else:
                    self.content = self.path.read_bytes()
            except OSError as exc:
                _log.info("evidence file not read: %s", cause(exc))
                problems.add("file", f"Cannot read {self.path.name}: {exc.strerror or exc}.")
        elif not self.reference.text().strip():
            problems.add("reference", "Give a reference to where it is kept, or choose a file.")
        return problems

    def entry(self) -> EvidenceEntry:
        """The evidence given (once the dialog is accepted, so its file is read)."""
        media_type = None
        if self.path is not None:
            media_type = mimetypes.guess_type(self.path.name)[0] or "application/octet-stream"
        return EvidenceEntry(
            description=self.description.text().strip(),
            reference=self.reference.text().strip() or None,
            file_name=self.path.name if self.path else None,
            content=self.content,
            media_type=media_type,
        )


def describe_plan(plan: StatusPlan, shown: int = 5) -> str:
    """What a bulk change will do, in numbers first: change, reopen, skip and why."""

    def items(count: int) -> str:
        return f"{count:,} item{'' if count == 1 else 's'}"

    to = plan.status.label.lower()
    parts = [f"Will change {items(len(plan.keys))} to {to}."]
    if plan.reopen:
        signed = len(plan.signed_off)
        kept = f" ({signed:,} signed off: the sign-off stays in its log)" if signed else ""
        were = "was" if len(plan.reopen) == 1 else "were"
        parts.append(f"Will reopen {items(len(plan.reopen))} that {were} finished{kept}.")
    if plan.skip:
        reasons = " ".join(why for _, why in plan.skip[:shown])
        more = len(plan.skip) - shown
        rest = f" And {more:,} more." if more > 0 else ""
        parts.append(f"Will skip {items(len(plan.skip))}: {reasons}{rest}")
    return " ".join(parts)


class ChooseStatusDialog(FormDialog):
    """The status for a bulk change, with the note it writes to each item's log; it says what
    the change will do to the items chosen before anything changes (see ``describe_plan``)."""

    def __init__(
        self,
        count: int,
        today: dt.date,
        author: str,
        parent: QWidget | None = None,
        plan: Callable[[Status, str, str], StatusPlan] | None = None,
    ):
        super().__init__(f"Change the status of {count:,} item{'' if count == 1 else 's'}", parent)
        self.status = QComboBox()
        for option in Status:
            self.status.addItem(option.label, option.value)
        self.add_row("status", "&New status", self.status)
        self.on = date_edit(today, "Date")
        self.add_row("on", "&Date", self.on)
        self.author = QLineEdit(author)
        self.add_row("author", "&By", self.author)
        self.note = QLineEdit()
        self.add_row("note", "No&te", self.note, "Written to each item's progress log")
        self.assured_by = QLineEdit()
        self.add_row("assured_by", "&Assured by", self.assured_by, "Who gave assurance")
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName("What the change will do")
        self.form.addRow(self.summary)
        self._plan = plan
        self.plan: StatusPlan | None = None
        self.status.currentIndexChanged.connect(self._status_changed)
        self._status_changed()
        self.check = self._validate

    def chosen_status(self) -> Status:
        return Status(self.status.currentData())

    def _status_changed(self) -> None:
        self.assured_by.setEnabled(self.chosen_status() is Status.CLOSED)
        self._replan()

    def _replan(self) -> None:
        if self._plan is None:
            return
        status = self.chosen_status()
        assured = self.assured_by.text().strip() if status is Status.CLOSED else ""
        self.plan = self._plan(status, self.note.text().strip(), assured)
        self.summary.setText(describe_plan(self.plan))

    def _validate(self) -> Problems:
        problems = editing.Problems()
        if not self.author.text().strip():
            problems.add("author", "Say who is making the change.")
        if not self.note.text().strip():
            problems.add("note", "Write a note; it goes into each item's progress log.")
        closing = self.chosen_status() is Status.CLOSED
        if closing and not self.assured_by.text().strip():
            problems.add("assured_by", "Closing needs the name of the person giving assurance.")
        on = read_date(problems, "on", self.on)
        if on is not None and on > dt.date.today() + dt.timedelta(days=1):
            problems.add("on", "An update cannot be dated in the future.")
        if not problems:
            self._replan()
            if self.plan is not None and not self.plan.keys:
                why = self.plan.skip[0][1] if self.plan.skip else "they are no longer there."
                problems.add("status", f"None of the items can change: {why}")
        return problems


__all__ = [
    "ChooseStatusDialog",
    "EvidenceDialog",
    "EvidenceEntry",
    "FormDialog",
    "ItemDialog",
    "ReviewDialog",
    "UpdateDialog",
    "UpdateEntry",
]
