"""The Meetings tab: past and coming panel meetings; new, edit and delete; the selected
meeting's agenda, proposed by casereview and edited by the chair; and meeting mode.

The agenda is edited here and stored only by Save agenda (one undoable command), so the chair
can propose, reorder, add and remove freely and then keep it or not."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date
from db.core.errors import CaseReviewError, NotFoundError
from db.queries import copies, tracker
from db.services import editing, meetings
from db.services.editing import ItemKey
from db.services.inspecting import inspection_by_reference
from db.services.meetings import (
    AgendaEntry,
    MeetingFields,
    MeetingKey,
    MeetingRow,
    SourceKey,
)
from desktop import commands
from desktop import settings as keys
from desktop.background import Progress, run_in_background
from desktop.context import AppContext
from desktop.dialogs.meetings import AgendaItemDialog, MeetingDialog
from desktop.models.table import RIGHT, ROW_ROLE, Column, RowTableModel
from desktop.tabs.common import (
    Tab,
    TablePage,
    esc,
    make_table,
    open_rows_with,
    row_action,
    what_it_set,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

COLUMNS: list[Column[MeetingRow]] = [
    Column(
        "Date",
        lambda r: format_date(r.key.held_on),
        sort_key=lambda r: r.key.held_on,
        tooltip=lambda r: "To come" if r.coming else "Held",
        width=135,
    ),
    Column("Title", lambda r: r.key.title, tooltip=lambda r: r.key.title, width=165),
    Column(
        "Agenda items",
        lambda r: f"{r.agenda_count:,}",
        sort_key=lambda r: r.agenda_count,
        align=RIGHT,
        width=90,
    ),
    Column(
        "Decisions",
        lambda r: f"{r.decision_count:,}",
        sort_key=lambda r: r.decision_count,
        align=RIGHT,
        width=70,
    ),
    Column("Chair", lambda r: r.chair, tooltip=lambda r: r.chair, width=150),  # stretches
]


def what_it_is(what: ItemKey | SourceKey) -> str:
    """An agenda entry's subject as the list shows it: "Recommendation 2 of FSCP-…"."""
    if isinstance(what, ItemKey):
        return f"{what.kind.label} {what.number} of {what.source}"
    return f"{'Inspection' if what.inspection else 'Review'} {what.reference} (all of it)"


def agenda_item(entry: AgendaEntry, title: str) -> QListWidgetItem:
    """One line of the agenda: what it is and its text, and on a second line why it is there."""
    text = " ".join(title.split())
    short = text if len(text) <= 90 else text[:89] + "…"
    said = f"{what_it_is(entry.what)}: {short}" if short else what_it_is(entry.what)
    item = QListWidgetItem(f"{said}\n    Why: {entry.reason}")
    item.setToolTip(f"{text}\n\nWhy: {entry.reason}")
    item.setData(Qt.ItemDataRole.UserRole, entry)
    return item


class MeetingsTab(Tab):
    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self._laid_out = False
        self.mode: QWidget | None = None  # meeting mode, while open
        self.minutes_saved: Path | None = None  # the last minutes written
        self.model: RowTableModel[MeetingRow] = RowTableModel(COLUMNS, self)
        self.view = make_table(self.model, "Meetings table")
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Meeting detail")
        self.new_button = QPushButton("&New meeting…")
        self.edit_button = QPushButton("Ed&it…")
        self.delete_button = QPushButton("De&lete…")
        self.mode_button = QPushButton("Meeting mo&de")
        self.minutes_button = QPushButton("&Minutes…")
        self.minutes_button.setToolTip(
            "The minutes and action log of the selected meeting, as a PDF or an editable Word "
            "document"
        )
        self.mode_button.setToolTip(
            "One agenda item at a time, large, to run the meeting (Ctrl+Shift+M)"
        )
        buttons = QHBoxLayout()
        for button, handler in (
            (self.new_button, self.new_meeting),
            (self.edit_button, self.edit_meeting),
            (self.delete_button, self.delete_meeting),
            (self.mode_button, self.meeting_mode),
            (self.minutes_button, self.save_minutes),
        ):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(handler)
            buttons.addWidget(button)
        buttons.addStretch()
        left = QSplitter(Qt.Orientation.Vertical)
        table = QWidget()
        table_layout = QVBoxLayout(table)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.view, 1)
        table_layout.addLayout(buttons)
        left.addWidget(table)
        left.addWidget(self.detail)
        left.setSizes([300, 400])

        self.agenda_label = QLabel("Agenda")
        self.agenda = QListWidget()
        self.agenda.setAccessibleName("Agenda")
        self.agenda.setWordWrap(True)
        self.agenda.setAlternatingRowColors(True)
        self.agenda.setSpacing(2)
        self.agenda.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.agenda_label.setBuddy(self.agenda)
        self.propose_button = QPushButton("&Propose agenda")
        self.propose_button.setToolTip(
            "Items awaiting sign-off, overdue, due before the next meeting or changed since the "
            "last, and inspections' deadlines, the most pressing of each first; each says why"
        )
        # Each with an access key, and in the list Ctrl+Up, Ctrl+Down and Delete as well.
        self.up_button = QPushButton("Move &up")
        self.up_button.setToolTip("Ctrl+Up in the agenda")
        self.down_button = QPushButton("Move d&own")
        self.down_button.setToolTip("Ctrl+Down in the agenda")
        self.add_button = QPushButton("&Add item…")
        self.remove_button = QPushButton("&Remove")
        self.remove_button.setToolTip("Delete in the agenda")
        self.save_button = QPushButton("&Save agenda")
        self.undo_edits_button = QPushButton("&Back to saved")
        # Three to a row, not four: four made the tab, and so the window, 883 pixels wide at
        # least, past the right edge of a 1366x768 screen at 150 % (found by a new user).
        agenda_buttons = QGridLayout()
        for row, line in enumerate(
            (
                (
                    (self.propose_button, self.propose),
                    (self.add_button, self.add_item),
                    (self.remove_button, self.remove_item),
                ),
                (
                    (self.up_button, lambda: self.move_item(-1)),
                    (self.down_button, lambda: self.move_item(1)),
                ),
                ((self.save_button, self.save_agenda), (self.undo_edits_button, self.show_agenda)),
            )
        ):
            for column, (button, handler) in enumerate(line):
                button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
                button.clicked.connect(handler)
                agenda_buttons.addWidget(button, row, column)
        for key, step in (("Ctrl+Up", -1), ("Ctrl+Down", 1)):
            shortcut = QShortcut(QKeySequence(key), self.agenda)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(lambda s=step: self.move_item(s))
        row_action(self.agenda, "Remove", self.remove_item, [QKeySequence.StandardKey.Delete])
        self.agenda_state = QLabel()
        self.agenda_state.setWordWrap(True)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.agenda_label)
        right_layout.addWidget(self.agenda, 1)
        right_layout.addWidget(self.agenda_state)
        right_layout.addLayout(agenda_buttons)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setSizes([820, 620])
        self.page = TablePage(
            self.splitter,
            "No meetings yet. Add the panel's next meeting with New meeting: casereview then "
            "proposes its agenda, and meeting mode records the decisions as they are made.",
            [("&New meeting…", self.new_meeting)],
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._selected())
        self.edit_action = open_rows_with(self.view, "&Edit…", self.edit_meeting)
        self.delete_action = row_action(
            self.view, "&Delete…", self.delete_meeting, [QKeySequence.StandardKey.Delete]
        )
        self.mode_shortcut = QShortcut(QKeySequence("Ctrl+Shift+M"), self)
        # Anywhere in the window while this tab is shown (a hidden widget's shortcut does not
        # fire), so it works straight after Ctrl+6, with the focus still on the tab bar.
        self.mode_shortcut.setContext(Qt.ShortcutContext.WindowShortcut)
        self.mode_shortcut.activated.connect(self.meeting_mode)
        self.edited = False  # the agenda shown differs from the one stored
        self.left_out = ""  # what the agenda's limit left out of the proposal shown, if any
        self.shown_for: MeetingKey | None = None
        self.stored: tuple[AgendaEntry, ...] = ()  # the agenda stored, as last read
        self.reads = 0  # how many times the selected meeting was read (load reads it once)

    # -- reading

    def load(self) -> None:
        with self.context.database.session() as session:
            rows = meetings.meeting_rows(session, self.context.today())
        selected = self.selected_key()
        self.model.set_rows(rows)
        self.page.show_rows(len(rows))
        if not self._laid_out:
            self._laid_out = True
            self._restore_layout()
        self.loaded = True
        reads = self.reads
        if selected is None or not self.select(selected):  # none, or gone (deleted elsewhere)
            coming = [r for r in rows if r.coming]  # the next meeting to come, else the latest
            self.select(coming[-1].key if coming else (rows[0].key if rows else None))
        if self.reads == reads:  # selecting it again read it already: not a second time
            self._selected()

    def selected_key(self) -> MeetingKey | None:
        indexes = self.view.selectionModel().selectedRows()
        if not indexes:
            return None
        row = indexes[0].data(ROW_ROLE)
        return row.key if row is not None else None

    def select(self, key: MeetingKey | None) -> bool:
        """Select the meeting ``key``, and say whether it is in the table."""
        proxy = self.view.model()
        for number in range(proxy.rowCount()):
            row = proxy.index(number, 0).data(ROW_ROLE)
            if row is not None and row.key == key:
                # Not selectRow, which toggles the row while Ctrl is held (Ctrl+6 brings the
                # tab up), so selecting the meeting already selected took the selection away.
                index = proxy.index(number, 0)
                flags = QItemSelectionModel.SelectionFlag
                self.view.selectionModel().setCurrentIndex(index, flags.ClearAndSelect | flags.Rows)
                return True
        return False

    def _selected(self) -> None:
        self.reads += 1
        key = self.selected_key()
        for control in (
            self.edit_button,
            self.delete_button,
            self.mode_button,
            self.edit_action,
            self.delete_action,
            self.propose_button,
            self.add_button,
        ):
            control.setEnabled(key is not None)
        self._show_detail(key)
        if key != self.shown_for or not self.edited:
            self.show_agenda()

    def _show_detail(self, key: MeetingKey | None) -> None:
        if key is None:
            self.detail.setHtml("<p style='color:#555'>Select a meeting to see its detail.</p>")
            return
        try:
            with self.context.database.session() as session:
                fields = meetings.meeting_fields(session, key)
                made = meetings.decisions(session, key, in_agenda_order=True).decisions
        except NotFoundError:  # deleted meanwhile
            return

        def people(who: tuple[meetings.Person, ...]) -> str:
            return (
                "; ".join(f"{p.name} ({p.agency})" if p.agency else p.name for p in who)
                or "none recorded"
            )

        facts = [
            ("Chair", fields.chair or "not named yet"),
            ("Attendees", people(fields.attendees)),
            ("Apologies", people(fields.apologies)),
        ]
        rows = "".join(
            f"<tr><td style='color:#555;padding-right:10px'>{n}</td><td>{esc(v)}</td></tr>"
            for n, v in facts
        )
        decided = "".join(
            f"<li><b>{esc(f'{d.whole} {d.source}' if d.whole else f'{d.numbered} of {d.source}')}"
            f"</b>: {esc(d.kind_label)}"
            + esc(what_it_set(d))
            + (f" \u2014 {esc(d.note)}" if d.note else "")
            + "</li>"
            for d in made
        )
        self.detail.setHtml(
            f"<h3 style='margin:0'>{esc(fields.title)}, {esc(format_date(fields.held_on))}</h3>"
            f"<table cellpadding='2'>{rows}</table>"
            + (f"<p>{esc(fields.notes)}</p>" if fields.notes else "")
            + (
                f"<p><b>Decisions</b></p><ul>{decided}</ul>"
                if made
                else "<p style='color:#555'>No decisions recorded.</p>"
            )
        )

    # -- the agenda

    def show_agenda(self) -> None:
        """The selected meeting's agenda as stored (edits not saved are dropped)."""
        key = self.selected_key()
        lines: list[meetings.AgendaLine] = []
        if key is not None:
            try:
                with self.context.database.session() as session:
                    lines = meetings.agenda(session, key)
            except NotFoundError:
                lines = []
        self.left_out = ""  # said of a proposal, not of an agenda as stored
        self._fill([(line.entry, line.title) for line in lines], edited=False)
        self.shown_for = key
        self.stored = tuple(line.entry for line in lines)

    def _fill(self, entries: list[tuple[AgendaEntry, str]], *, edited: bool) -> None:
        """Show ``entries``, the line chosen before still chosen (where it moved to, when the
        agenda was read again after a change), else the one now in its place."""
        current = self.agenda.currentRow()
        chosen = self.agenda.currentItem()
        what = chosen.data(Qt.ItemDataRole.UserRole).what if chosen is not None else None
        self.agenda.clear()
        for entry, title in entries:
            self.agenda.addItem(agenda_item(entry, title))
        whats = [entry.what for entry, _ in entries]
        if what is not None and what in whats:
            self.agenda.setCurrentRow(whats.index(what))
        elif entries:
            self.agenda.setCurrentRow(max(0, min(current, len(entries) - 1)))
        self._set_edited(edited)

    def _set_edited(self, edited: bool) -> None:
        self.edited = edited
        key = self.selected_key()
        count = self.agenda.count()
        if key is None:
            self.agenda_label.setText("Agenda")
            self.agenda_state.setText("")
        else:
            self.agenda_label.setText(f"Agenda of {format_date(key.held_on)}")
            state = "not saved: Save agenda keeps it" if edited else "as saved"
            said = f"{count} item{'' if count == 1 else 's'}, {state}."
            if edited and self.left_out:  # what the limit left out of the proposal
                said += f" {self.left_out}"
            self.agenda_state.setText(said)
        for control in (self.save_button, self.undo_edits_button):
            control.setEnabled(edited)
        for control in (self.up_button, self.down_button, self.remove_button):
            control.setEnabled(count > 0)

    def entries(self) -> list[tuple[AgendaEntry, str]]:
        """The agenda as the list shows it now, with each entry's title."""
        found = []
        for row in range(self.agenda.count()):
            item = self.agenda.item(row)
            entry: AgendaEntry = item.data(Qt.ItemDataRole.UserRole)
            found.append((entry, item.toolTip().split("\n\nWhy:")[0]))
        return found

    def propose(self) -> None:
        """Fill the list with the agenda casereview proposes, each line saying why."""
        key = self.selected_key()
        if key is None or not self.context.takes_changes(self):
            return
        with self.context.database.session() as session:
            # What the meeting has decided about stays, first, as stored (a trial's proposal
            # left it out, and saving was refused); the most pressing proposals fill the rest.
            proposal = meetings.proposed_agenda(session, key, self.context.today())
            proposals = list(proposal.entries)
            titles = [self._title(session, p.what) for p in proposals]
        # Found by new users: 44,757 proposals (a generated data set, mostly overdue) closed
        # the window; then the ones kept were the first reviews' by reference, and what was
        # left out went unsaid. It is said until the agenda is saved or put back.
        self.left_out = proposal.left_out or ""
        self._fill(list(zip(proposals, titles, strict=True)), edited=True)
        self.agenda.setFocus()  # so that Ctrl+Up/Down and Delete work on it at once
        if not proposals:
            self.agenda_state.setText(
                "Nothing is awaiting sign-off, overdue, due or changed: add items by hand."
            )

    @staticmethod
    def _title(session: Session, what: ItemKey | SourceKey) -> str:
        """The text after a line's subject: an item's text, a review's or inspection's title
        (as the saved agenda shows it; its reference twice, found by a new user)."""
        if isinstance(what, ItemKey):
            return editing.item_by_key(session, what).text or ""
        if what.inspection:
            return inspection_by_reference(session, what.reference).title
        return editing.review_by_reference(session, what.reference).title

    def move_item(self, step: int) -> None:
        row = self.agenda.currentRow()
        to = row + step
        if row < 0 or not 0 <= to < self.agenda.count() or not self.context.takes_changes(self):
            return
        item = self.agenda.takeItem(row)
        self.agenda.insertItem(to, item)
        self.agenda.setCurrentRow(to)
        self._set_edited(True)

    def remove_item(self) -> None:
        row = self.agenda.currentRow()
        if row >= 0 and self.context.takes_changes(self):
            self.agenda.takeItem(row)
            self._set_edited(True)

    def add_item(self) -> None:
        if self.selected_key() is None or not self.context.takes_changes(self):
            return
        with self.context.database.session() as session:
            references = tracker.filter_choices(session).sources
            reviews, inspections = copies.sources(session)
            on_list = {entry.what for entry, _ in self.entries()}
            # The items on the list by what they are: a review's item 1 and an inspection's
            # of one reference are two, though their keys compare equal.
            on_ids = {
                editing.item_id(session, what) for what in on_list if isinstance(what, ItemKey)
            }
        if len(on_list) >= meetings.AGENDA_LIMIT:  # said now, not after choosing one to add
            self.context.explain(
                CaseReviewError(
                    f"An agenda holds at most {meetings.AGENDA_LIMIT:,} entries: remove one "
                    "before adding another."
                ),
                self,
            )
            return

        def check(key: ItemKey) -> str | None:
            try:
                with self.context.database.session() as session:
                    found = editing.item_by_key(session, key).id
            except CaseReviewError as exc:
                return exc.message
            if found in on_ids:
                return f"{what_it_is(key)} is on the agenda already."
            return None

        shared = set(reviews) & set(inspections)
        dialog = AgendaItemDialog(references, check, self, shared=shared)
        if not dialog.exec():
            return
        with self.context.database.session() as session:
            title = self._title(session, dialog.key())
        row = self.agenda.currentRow() + 1 if self.agenda.currentRow() >= 0 else 0
        self.agenda.insertItem(row, agenda_item(dialog.entry(), title))
        self.agenda.setCurrentRow(row)
        self._set_edited(True)

    def save_agenda(self) -> None:
        key = self.selected_key()
        if key is None or not self.edited:
            return
        entries = tuple(entry for entry, _ in self.entries())
        if commands.run(commands.SetAgenda(self.context, key, entries, self.stored), self):
            self.stored = entries
            self.left_out = ""  # said until saved
            self._set_edited(False)
            return
        # Not saved (the refusal said why): if the agenda stored changed meanwhile, the
        # one on screen now replaces it when saved again, as the refusal said.
        with contextlib.suppress(CaseReviewError), self.context.database.session() as session:
            self.stored = tuple(line.entry for line in meetings.agenda(session, key))

    # -- meetings

    def _dialog(self, fields: MeetingFields | None) -> MeetingDialog:
        editing_key = fields.key if fields else None

        def check(candidate: MeetingFields) -> editing.Problems:
            with self.context.database.session() as session:
                return meetings.check_meeting(session, candidate, editing=editing_key)

        return MeetingDialog(check, self.context.today(), fields, self)

    def new_meeting(self) -> None:
        dialog = self._dialog(None)

        def create() -> commands.UndoableCommand | None:
            fields = dialog.result_fields
            return None if fields is None else commands.CreateMeeting(self.context, fields)

        if (
            commands.run_from(self.context, dialog, create, self)
            and dialog.result_fields is not None
        ):
            self.select(dialog.result_fields.key)

    def edit_meeting(self) -> None:
        key = self.selected_key()
        if key is None:
            return
        try:
            with self.context.database.session() as session:
                old = meetings.meeting_fields(session, key)
        except NotFoundError as exc:  # deleted elsewhere since the table was read
            self.context.explain(exc, self)
            self.context.data_changed.emit()
            return
        dialog = self._dialog(old)

        def change() -> commands.UndoableCommand | None:
            fields = dialog.result_fields
            return None if fields is None else commands.EditMeeting(self.context, old, fields)

        if (
            commands.run_from(self.context, dialog, change, self)
            and dialog.result_fields is not None
        ):
            self.select(dialog.result_fields.key)

    def delete_meeting(self) -> None:
        key = self.selected_key()
        if key is None or not self.context.takes_changes(self):
            return
        answer = QMessageBox.question(
            self,
            "Delete meeting",
            f"Delete the meeting {key} with its agenda and decisions? The entries its "
            "decisions wrote in the items' logs stay. You can undo this with Edit ▸ Undo.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            commands.run(commands.DeleteMeeting(self.context, key), self)

    def meeting_mode(self) -> None:
        """Open meeting mode on the selected meeting (its saved agenda)."""
        from desktop.tabs.meeting_mode import MeetingMode

        key = self.selected_key()
        if key is None:
            return
        if self.edited:
            answer = QMessageBox.question(
                self,
                "Meeting mode",
                "The agenda has changes not saved. Save them first, so that meeting mode "
                "goes through this agenda?",
                QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Cancel,
                QMessageBox.StandardButton.Save,
            )
            if answer != QMessageBox.StandardButton.Save:
                return
            self.save_agenda()
            if self.edited:  # not saved (the refusal said why): not over another agenda
                return
        if self.mode is not None:
            self.mode.close()
        self.mode = MeetingMode(self.context, key, self.window())
        self.mode.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.mode.destroyed.connect(lambda *_: setattr(self, "mode", None))
        # Over the window, as large and where it is (kept on the screen): left to the window
        # system, it was put below and to the right of it, and at 150 % on a 1366x768 screen
        # its right and bottom edges were off the screen.
        self.mode.setGeometry(self.window().geometry())
        self.mode.show()
        self.mode.activateWindow()

    def save_minutes(self) -> None:
        """Ask where, then write the selected meeting's minutes (PDF or .docx by the name's
        ending), marked as the settings say, and record them in the audit trail."""
        key = self.selected_key()
        if key is None:
            return
        name, chosen = QFileDialog.getSaveFileName(
            self,
            "Save the minutes",
            minutes_name(key, [row.key for row in self.model.rows]),
            "PDF (*.pdf);;Word document, editable (*.docx)",
        )
        if name:
            path = Path(name)
            if path.suffix.lower() not in (".pdf", ".docx"):
                path = path.with_name(path.name + chosen[chosen.rindex("*") + 1 : -1])
            self.save_minutes_to(key, path)

    def save_minutes_to(self, key: MeetingKey, path: Path) -> None:
        """Make and write the minutes off the GUI thread; a file that cannot be written is
        said in one sentence and leaves no entry in the audit trail."""
        from desktop.briefing.minutes import render_minutes_as
        from desktop.dialogs.settings import NO_MARKING
        from desktop.files import check_target, write_atomically

        try:
            check_target(path)
        except CaseReviewError as exc:
            self.context.explain(exc, self)
            return
        marking = self.context.settings.get(keys.MARKING) or ""
        marking = "" if marking == NO_MARKING else marking
        database, actor = self.context.database, self.context.actor

        def work(progress: Progress) -> None:
            with database.session() as session:
                said = meetings.minutes(session, key)
            data = render_minutes_as(said, marking, path.suffix.lower())
            progress.check()
            meetings.record_minutes(
                database,
                key,
                data,
                name=path.name,
                actor=actor,
                write=lambda data: write_atomically(path, data),
            )

        def done(_: object) -> None:
            self.minutes_saved = path
            top = self.window()
            if isinstance(top, QMainWindow):
                top.statusBar().showMessage(f"Minutes saved to {path.name}.", 10_000)

        self._progress = run_in_background(self, f"Saving {path.name}…", work, done, self._refused)

    def _refused(self, error: CaseReviewError) -> None:
        self.context.explain(error, self, logged=True)

    # -- settings

    def _restore_layout(self) -> None:
        header = self.context.settings.get(keys.MEETINGS_HEADER)
        if not header.isEmpty():
            self.view.horizontalHeader().restoreState(header)
        splitter = self.context.settings.get(keys.MEETINGS_SPLITTER)
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def save_settings(self) -> None:
        if self.loaded:
            self.context.settings.set(
                keys.MEETINGS_HEADER, self.view.horizontalHeader().saveState()
            )
            self.context.settings.set(keys.MEETINGS_SPLITTER, self.splitter.saveState())


def minutes_name(key: MeetingKey, meetings: Sequence[MeetingKey]) -> str:
    """The file name offered for ``key``'s minutes: its date, and its title too when another
    of ``meetings`` is held that day (a new user was offered "minutes-2026-12-06.pdf" for
    both meetings of a day), made of the title's letters and digits alone, so it is a name
    every system takes."""
    name = f"minutes-{key.held_on.isoformat()}"
    if any(other != key and other.held_on == key.held_on for other in meetings):
        words = re.findall(r"[^\W_]+", key.title.casefold())
        if words:
            name += "-" + "-".join(words)[:80].rstrip("-")
    return name + ".pdf"
