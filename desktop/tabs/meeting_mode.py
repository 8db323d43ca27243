"""Meeting mode: the agenda one item at a time, in type large enough for a projector, with the
panel's decisions recorded as they are made.

A window of its own, so that it can fill a projector or a shared screen (F11) while the main
window stays on the laptop; Esc leaves it. The type scales with the window's height, so it
reads the same at 1366x768 as on a large screen and at 150 %. Every key works from anywhere
in it: Page Down, Alt+N or the right arrow for the next item; Page Up, Alt+P or the left
arrow for the previous one; Home and End (or Ctrl+Home and Ctrl+End) for the first and the
last; the decision buttons' access keys; Ctrl+Z and Ctrl+Y to undo and redo (the window's one
undo stack: a decision is an ``commands.RecordDecision``). The line under the page says them.
It has no text field of its own (a decision's note is typed in its dialog), so Home and End
are free for the agenda.

A whole review or inspection on the agenda is noted, has evidence requested or is escalated
as a whole; its items are signed off and extended one by one, so those two buttons are off on
its line, their tooltip saying why.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QCloseEvent, QKeySequence, QResizeEvent, QShortcut, QShowEvent
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date
from db.core.errors import NotFoundError
from db.core.vocabulary import DecisionKind
from db.services import meetings
from db.services.editing import ItemKey
from db.services.meetings import (
    AgendaLine,
    DecisionEntry,
    DecisionLine,
    MeetingKey,
    SourceKey,
)
from desktop import commands
from desktop.context import AppContext
from desktop.dialogs.meetings import DecisionDialog
from desktop.qtutils import keep_on_screen, redo_keys
from desktop.tabs.common import esc, what_it_set

# The decision buttons, in the order the panel usually reaches for them.
DECISIONS = (
    (DecisionKind.SIGNED_OFF, "&Signed off…"),
    (DecisionKind.EXTENDED, "&Target extended to…"),
    (DecisionKind.EVIDENCE_REQUESTED, "&Evidence requested…"),
    (DecisionKind.ESCALATED, "Esc&alated to…"),
    (DecisionKind.NOTED, "N&oted…"),
)
LINES_ON_SCREEN = 30  # the body type is the window's height over this, within the bounds
SMALLEST_PX, LARGEST_PX = 16, 44


def type_size(height: int) -> int:
    """The body text's pixel size for a window ``height`` pixels high (logical pixels, so a
    screen at 150 % gets the same layout, drawn larger)."""
    return max(SMALLEST_PX, min(LARGEST_PX, round(height / LINES_ON_SCREEN)))


class MeetingMode(QWidget):
    """One meeting's agenda, an item at a time; decisions recorded at once."""

    def __init__(self, context: AppContext, key: MeetingKey, parent: QWidget | None = None):
        super().__init__(parent, Qt.WindowType.Window)
        self.context, self.key = context, key
        self.setWindowTitle(f"Meeting mode: {key} \u2014 casereview")
        self.setObjectName("meetingMode")
        self.lines: list[AgendaLine] = []
        self.made: list[DecisionLine] = []
        self.chair = ""
        self.position = 0
        self.px = type_size(self.height())

        self.heading = QLabel()
        self.heading.setObjectName("meetingHeading")
        self.heading.setWordWrap(True)
        self.where = QLabel()
        self.where.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.where.setAccessibleName("Position on the agenda")
        top = QHBoxLayout()
        top.addWidget(self.heading, 1)
        top.addWidget(self.where)

        self.page = QTextBrowser()
        self.page.setAccessibleName("Agenda item")
        self.page.setOpenLinks(False)
        # The page scrolls with the mouse; the keys are the meeting's (Page Down is next).
        self.page.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.message = QLabel()
        self.message.setObjectName("meetingMessage")
        self.message.setWordWrap(True)
        self.message.setAccessibleName("What happened")

        self.previous_button = QPushButton("&Previous")
        self.next_button = QPushButton("&Next")
        self.previous_button.clicked.connect(lambda: self.go(self.position - 1))
        self.next_button.clicked.connect(lambda: self.go(self.position + 1))
        moving = QHBoxLayout()
        moving.addWidget(self.previous_button)
        moving.addWidget(self.next_button)
        self.decision_buttons: dict[DecisionKind, QPushButton] = {}
        for kind, text in DECISIONS:
            button = QPushButton(text)
            button.setAccessibleName(kind.label)
            button.clicked.connect(lambda _=False, k=kind: self.decide(k))
            self.decision_buttons[kind] = button
        deciding = QHBoxLayout()
        for button in self.decision_buttons.values():
            deciding.addWidget(button)
        deciding.addStretch()
        # The keys, where the panel sees them: reaching item 200 took a new user 199 presses of
        # Next, End not being said (nor, then, working). Wrapped, so it never widens the window.
        self.hint = QLabel(
            "Page Down next \u00b7 Page Up previous \u00b7 Home first \u00b7 End last \u00b7 "
            "F11 full screen \u00b7 Esc back to the window \u00b7 Ctrl+Z undo"
        )
        self.hint.setWordWrap(True)
        self.hint.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        moving.addWidget(self.hint, 1)

        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.page, 1)
        layout.addWidget(self.message)
        layout.addLayout(deciding)
        layout.addLayout(moving)

        for sequences, handler in (
            (("PgDown", "Right"), lambda: self.go(self.position + 1)),
            (("PgUp", "Left"), lambda: self.go(self.position - 1)),
            (("Home", "Ctrl+Home"), lambda: self.go(0)),
            (("End", "Ctrl+End"), lambda: self.go(len(self.lines) - 1)),
            (("F11",), self.toggle_full_screen),
            (("Esc",), self.close),
            ((QKeySequence.StandardKey.Undo,), self.undo),
            (tuple(redo_keys()), self.redo),
        ):
            for sequence in sequences:
                shortcut = QShortcut(QKeySequence(sequence), self)
                shortcut.activated.connect(handler)
        context.data_changed.connect(self.load)
        # An undo or redo made off the GUI thread (a bulk change's): what it was, said again
        # once it has ended, so that "Undoing: …" is not left as if it were still under way.
        self.under_way: tuple[str, str] | None = None
        context.change_ended.connect(self._step_ended)
        self.listening = True
        self.load()

    def undo(self) -> None:
        """Undo the window's last command, and say what was undone (not the decision just
        recorded, which the status line said until now), or why it was not."""
        self._step(self.context.undo_stack.undoText(), commands.undo, "undo")

    def redo(self) -> None:
        self._step(self.context.undo_stack.redoText(), commands.redo, "redo")

    def _step(self, what: str, step: Callable[[AppContext, QWidget], bool], done: str) -> None:
        """Undo or redo, then say so; a refusal (someone changed the item since) is said
        instead, large, as a refused decision is: a new user saw "Undone" over an undo that
        had been refused."""
        if not what:  # said, so that an earlier message is not left as if it were the answer
            self.say(f"Nothing to {done}.")
            return
        self.context.last_explanation = ""
        made = step(self.context, self)
        what = f"{what[:1].lower()}{what[1:]}"
        if self.context.last_explanation:
            self.say(self.context.last_explanation, refused=True)
        elif made:
            self.say(f"{done.capitalize()}ne: {what}.")
        elif self.context.changing is not None:  # long: off the GUI thread, with its progress
            self.under_way = (done, what)
            self.say(f"{done.capitalize()}ing: {what}…")

    def _step_ended(self, how: str) -> None:
        """An undo or redo under way off the GUI thread ended: made, cancelled or refused."""
        if self.under_way is None:
            return
        (done, what), self.under_way = self.under_way, None
        if how == "made":
            self.say(f"{done.capitalize()}ne: {what}.")
        elif how == "cancelled":
            self.say(f"Cancelled; nothing was changed, and the {done} was not made.")
        else:
            said = self.context.last_explanation or "It was refused; nothing was changed."
            self.say(said, refused=True)

    # -- reading and showing

    def load(self) -> None:
        """Read the agenda and the decisions made so far, and show the current item: the same
        entry as before (and where the page was scrolled to), though the agenda changed
        elsewhere, so the panel is not moved to another item as someone saves."""
        shown = self.current()
        try:
            with self.context.database.session() as session:
                self.lines = meetings.agenda(session, self.key)
                self.made = list(meetings.decisions(session, self.key).decisions)
                self.chair = meetings.meeting_fields(session, self.key).chair
        except NotFoundError:  # deleted or renamed meanwhile, here (undo) or elsewhere
            self.lines, self.made = [], []
            if self.isVisible():
                self._gone()
                return
        what = shown.entry.what if shown is not None else None
        whats = [line.entry.what for line in self.lines]
        same = what is not None and what in whats
        if what is not None and same:
            self.position = whats.index(what)
        else:  # gone from the agenda: the entry now in its place
            self.position = max(0, min(self.position, len(self.lines) - 1))
        scrolled = self.page.verticalScrollBar().value()
        self.show_item()
        if same:
            self.page.verticalScrollBar().setValue(scrolled)

    def _gone(self) -> None:
        """The meeting is no longer there: say so in the main window, and close."""
        self.context.explain(
            NotFoundError(
                f"The meeting {self.key} is no longer in the database (deleted, or its date "
                "or title changed), so meeting mode has closed."
            ),
            self.parentWidget(),
        )
        self.close()

    def current(self) -> AgendaLine | None:
        return self.lines[self.position] if self.lines else None

    def go(self, position: int) -> None:
        if 0 <= position < len(self.lines) and position != self.position:
            self.position = position
            self.message.clear()
            self.show_item()

    def show_item(self) -> None:
        held = format_date(self.key.held_on)
        heading = f"<b>{esc(self.key.title)}</b>, {esc(held)}"
        to_come = self.key.held_on > self.context.today()
        if to_come:  # a rehearsal: decisions are dated the meeting's day, so none before it
            heading += " \u00b7 still to come: a rehearsal, decisions are recorded on the day"
        self.heading.setText(heading)
        line = self.current()
        count = len(self.lines)
        self.where.setText(f"Item {self.position + 1} of {count}" if count else "")
        self.previous_button.setEnabled(self.position > 0)
        self.next_button.setEnabled(self.position < count - 1)
        what = line.entry.what if line is not None else None
        for kind, button in self.decision_buttons.items():
            refused = meetings.source_refusal(what, kind) if isinstance(what, SourceKey) else None
            button.setEnabled(what is not None and refused is None and not to_come)
            button.setToolTip(refused or "")
        self.page.setHtml(self._html(line))

    def _html(self, line: AgendaLine | None) -> str:
        px = self.px
        big, small = round(px * 1.35), round(px * 0.85)
        if line is None:
            return (
                f"<p style='font-size:{px}px'>This meeting has no agenda yet. Close meeting "
                "mode, then propose the agenda (or add items) and save it in the Meetings tab.</p>"
            )
        why = esc(line.entry.reason)
        reason = f"<p style='font-size:{small}px; color:#444'>On the agenda: {why}</p>"
        decided = self._decided(line)
        view = line.item
        if view is None:
            what = line.entry.what
            assert isinstance(what, SourceKey)  # an agenda line without an item is a source
            deadlines = "".join(f"<li>{esc(d)}</li>" for d in line.deadlines)
            return (
                f"<p style='font-size:{small}px; color:#444'>{esc(what.whole)} "
                f"{esc(what.reference)}</p>"
                f"<p style='font-size:{big}px'><b>{esc(line.title)}</b></p>{reason}"
                + (
                    f"<p style='font-size:{px}px'><b>Deadlines</b></p>"
                    f"<ul style='font-size:{px}px'>{deadlines}</ul>"
                    if deadlines
                    else ""
                )
                + decided
                + f"<p style='font-size:{small}px; color:#444'>Noted, evidence requested and "
                "escalated are recorded about it as a whole; its items are signed off and "
                "extended one by one, on their own agenda lines.</p>"
            )
        key = view.key
        facts = [
            ("Lead", "; ".join(view.lead_agencies) or "not recorded"),
            ("Target", format_date(view.target_date, "not set")),
            ("Status", view.status.label),
            ("Evidence", f"{view.evidence_count} piece{'' if view.evidence_count == 1 else 's'}"),
        ]
        cells = "".join(
            f"<td style='padding-right:{px}px'><span style='color:#444'>{name}</span><br>"
            f"<b>{esc(value)}</b></td>"
            for name, value in facts
        )
        updates = "".join(
            f"<li>{esc(format_date(u.on))}, {esc(u.author)}"
            f"{' (' + esc(u.status.label.lower()) + ')' if u.status else ''}: {esc(u.note)}</li>"
            for u in view.updates
        )
        return (
            f"<p style='font-size:{small}px; color:#444'>{esc(key.kind.label)} {esc(key.number)}"
            f" of {esc(key.source)}</p>"
            f"<p style='font-size:{big}px'>{esc(view.text or '(text not entered)')}</p>"
            f"<table style='font-size:{px}px' cellpadding='4'><tr>{cells}</tr></table>"
            f"{reason}{decided}"
            + f"<p style='font-size:{px}px'><b>Newest updates</b></p>"
            + (
                f"<ul style='font-size:{small}px'>{updates}</ul>"
                if updates
                else f"<p style='font-size:{small}px'>No updates yet.</p>"
            )
        )

    def _decided(self, line: AgendaLine) -> str:
        """The decisions made so far at this meeting about the line's item or source."""
        px = self.px
        made = "".join(
            f"<li><b>{esc(d.kind_label)}</b>{self._detail(d)}</li>"
            for d in self.made
            if d.key.item == line.entry.what
        )
        if not made:
            return ""
        return (
            f"<p style='font-size:{px}px'><b>Decided at this meeting</b></p>"
            f"<ul style='font-size:{px}px'>{made}</ul>"
        )

    @staticmethod
    def _detail(decision: DecisionLine) -> str:
        """As the Meetings tab's detail says it: "from Police, by 15 January 2027 — note"."""
        note = f" — {decision.note}" if decision.note else ""
        return esc(what_it_set(decision) + note)

    # -- deciding

    def decide(self, kind: DecisionKind) -> None:
        """Ask for the note (and date, or whom) and record the decision at once."""
        line = self.current()
        if line is None:
            return
        item = line.entry.what
        if isinstance(item, SourceKey) and meetings.source_refusal(item, kind) is not None:
            return  # (its button is off: a shortcut cannot reach it either)
        about = meetings.decided_about(item)
        dialog = DecisionDialog(
            kind, about, self._explain(kind, line), self, refusal=self._refusal(item)
        )
        key = self.key
        seen = line.seen  # as the chair saw it: refused if another user changed it since

        def record() -> commands.UndoableCommand:
            return commands.RecordDecision(self.context, key, item, dialog.entry(), seen)

        self.context.last_explanation = ""
        if commands.run_from(self.context, dialog, record, self):
            self.say(f"Recorded: {kind.label.lower()} for {about}.")
        elif self.context.last_explanation and dialog.result() == QDialog.DialogCode.Accepted:
            # refused: the sentence stays on the page, large, after its message box. Not when
            # the user cancelled the dialog after a refusal said over it (the database busy
            # just then): nothing was asked of it since, and a new user was left reading that
            # the database was busy over a decision they had chosen not to make.
            self.say(self.context.last_explanation, refused=True)

    def _refusal(self, item: ItemKey | SourceKey) -> Callable[[DecisionEntry], str | None]:
        """Whether a decision on ``item`` would be refused now, asked of the service."""
        context, key = self.context, self.key

        def ask(entry: DecisionEntry) -> str | None:
            return meetings.decision_refusal(context.database, key, item, entry, on=context.today())

        return ask

    def say(self, text: str, *, refused: bool = False) -> None:
        self.message.setStyleSheet(f"color: {'#a4161a' if refused else '#1b5e20'};")
        self.message.setText(text)

    def _explain(self, kind: DecisionKind, line: AgendaLine) -> str:
        if line.item is None:
            return "Written at once to the meeting's decisions and its minutes."
        if kind is DecisionKind.SIGNED_OFF:
            chair = self.chair or "the chair (no chair is named yet)"
            count = line.item.evidence_count
            return (
                f"Closes the item with {chair} giving assurance, on the evidence seen "
                f"({count} piece{'' if count == 1 else 's'})."
            )
        if kind is DecisionKind.EXTENDED:
            return f"The target is {format_date(line.item.target_date, 'not set')} now."
        return "Written at once to the item's progress log and the meeting's decisions."

    # -- the screen

    def toggle_full_screen(self) -> None:
        if self.isFullScreen():
            self.showNormal()
        else:
            self.showFullScreen()

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        px = type_size(event.size().height())
        if px != self.px:
            self.px = px
            self._apply_type()

    def _apply_type(self) -> None:
        """The controls in type a step smaller than the page's, the page redrawn at its size."""
        font = self.font()
        font.setPixelSize(round(self.px * 0.8))
        for widget in self.findChildren(QWidget):
            if widget is not self.page:
                widget.setFont(font)
        heading = self.heading.font()
        heading.setPixelSize(self.px)
        self.heading.setFont(heading)
        self.where.setFont(heading)
        self.show_item()

    def showEvent(self, event: QShowEvent) -> None:
        self._apply_type()
        super().showEvent(event)
        # The main window's size, placed by the window system below and to the right of it:
        # at 150 % on a 1366x768 screen its right and bottom edges were off the screen.
        QTimer.singleShot(0, self, lambda: keep_on_screen(self))

    def closeEvent(self, event: QCloseEvent) -> None:
        """Closed, it reads no more (the window keeps the agenda and decisions as left)."""
        if self.listening:
            self.listening = False
            self.context.data_changed.disconnect(self.load)
        super().closeEvent(event)
