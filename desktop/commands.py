"""Every edit as a QUndoCommand on the one QUndoStack.

A command is applied once by ``run`` (so a refused change never reaches the stack);
after that Qt calls ``redo`` and ``undo``. Each runs in its own transaction. Undoing a progress
update appends a correction to the log instead of erasing the entry, because the log is
append-only.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import replace
from enum import Enum, auto
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QUndoCommand
from PySide6.QtWidgets import QAbstractButton, QApplication, QMainWindow

from db.core.dates import format_date
from db.core.errors import CaseReviewError, ConflictError, NotFoundError, UnwritableError
from db.core.rules import Closure
from db.core.vocabulary import Status
from desktop.lazy import lazy
from desktop.qtutils import busy_cursor

if TYPE_CHECKING:
    from collections.abc import Callable

    from PySide6.QtWidgets import QDialog, QProgressDialog, QWidget
    from sqlalchemy.orm import Session

    from db.exchange.document import EvidenceDoc, InitiativeDoc
    from db.services import editing, inspecting, meetings, repeats, themes
    from db.services.editing import ItemFields, ItemKey, ReviewFields, StatusState
    from db.services.inspecting import InspectionFields, InspectionSnapshot
    from db.services.meetings import (
        AgendaEntry,
        DecisionEntry,
        DecisionKey,
        MeetingFields,
        MeetingKey,
        MeetingSnapshot,
        Seen,
        SourceKey,
    )
    from db.store import lifecycle
    from desktop.background import Progress
    from desktop.context import AppContext
    from desktop.dialogs.forms import EvidenceEntry
else:
    editing, lifecycle = lazy("db.services.editing"), lazy("db.store.lifecycle")
    inspecting, meetings = lazy("db.services.inspecting"), lazy("db.services.meetings")
    repeats, themes = lazy("db.services.repeats"), lazy("db.services.themes")


STATUS_MS = 10_000  # how long a cancelled change's message stays in the status bar
# A bulk change of more items than this is applied off the GUI thread (about 3 ms an item);
# its progress is reported, and Cancel looked for, every PROGRESS_EVERY items.
IN_THE_BACKGROUND_FROM = 300
PROGRESS_EVERY = 50


class UndoableCommand(QUndoCommand):
    def __init__(self, context: AppContext, text: str) -> None:
        super().__init__(text)
        self.context = context
        # The step the stack takes next (its redo, or its undo) is taken already: applied by
        # ``run`` before push() calls redo, or made off the GUI thread before the stack was
        # told (``_step``). Passed over once, so the stack's index moves without doing it twice.
        self.taken = False
        # Applied off the GUI thread (``run_in_the_background``): how it reports and is
        # cancelled while it is.
        self.progress: Progress | None = None

    def size(self) -> int:
        """How many items it changes."""
        return 1

    @property
    def in_the_background(self) -> bool:
        """Long enough to be applied, undone and redone off the GUI thread: the one test,
        for all three."""
        return self.size() >= IN_THE_BACKGROUND_FROM

    def doing(self, step: str) -> str:
        """The progress dialog's label while ``step`` ("apply", "undo", "redo") runs."""
        verb = {"apply": "Making", "undo": "Undoing", "redo": "Redoing"}[step]
        return f"{verb}: {self.text()}…"

    def apply(self, session: Session) -> None:
        raise NotImplementedError

    def revert(self, session: Session) -> None:
        raise NotImplementedError

    def redo(self) -> None:
        if self.taken:
            self.taken = False
            return
        self._in_transaction(self.apply)

    def undo(self) -> None:
        if self.taken:
            self.taken = False
            return
        self._in_transaction(self.revert)

    def _in_transaction(self, step: Callable[[Session], None]) -> None:
        try:
            with self.context.database.change(self.context.actor) as session:
                step(session)
        except CaseReviewError as exc:
            self.setObsolete(True)  # the stack deletes it once this returns
            if self in self.context.commands:
                self.context.commands.remove(self)
            self.context.explain(exc)
        self.context.data_changed.emit()


def run(command: UndoableCommand, parent: QWidget | None = None) -> bool:
    """Apply a command now; on success put it on the undo stack, else say why. While the
    window is locked the command is held, unapplied, until the context's ``release``.

    The one place a command is applied, its refusal explained and it is pushed onto the
    undo stack: the context only holds what the window shares, so it never imports this."""
    return _run(command, parent) is _Outcome.APPLIED


def run_from(
    context: AppContext,
    dialog: QDialog,
    command: Callable[[], UndoableCommand | None],
    parent: QWidget | None,
) -> bool:
    """Show ``dialog``, and on OK ``run`` the command its answers make (``command`` gives
    None when the user then declines to go on); not shown at all, and said why, when the
    database takes no changes (``AppContext.takes_changes``: a copy merged back). If the
    database could not take the change just now (another program held its write lock past
    the wait, the disk is full, the file is read-only to this user, or a long change of this
    window's is still running), the dialog comes back as the user left it, with the refusal
    said over it: what they typed is never lost with the refusal, and OK tries again once
    the cause has gone. True once applied."""
    refused: list[CaseReviewError] = []
    typing: list[QWidget] = []  # the field the user was last in (not a button)

    def moved(_old: QWidget | None, new: QWidget | None) -> None:
        if new is not None and dialog.isAncestorOf(new) and not isinstance(new, QAbstractButton):
            typing[:] = [new]

    application = QApplication.instance()
    assert isinstance(application, QApplication)
    application.focusChanged.connect(moved)
    try:
        if not context.takes_changes(parent):
            return False
        while dialog.exec():
            made = command()
            if made is None:
                return False
            outcome = _run(made, parent, not_now=refused.append)
            if outcome is not _Outcome.NOT_NOW:
                return outcome is _Outcome.APPLIED
            # Said once the dialog is back on screen, so that the message is in front and has
            # the keyboard: Escape or Enter closes it alone. Said before the dialog came back,
            # the dialog took the focus above it, and a new user's Escape, meant for the
            # message, cancelled the dialog and lost what they had typed.
            back = functools.partial(_said_over, dialog, made.context, refused.pop(), typing)
            QTimer.singleShot(0, dialog, back)
        return False
    finally:
        application.focusChanged.disconnect(moved)
        # Its window goes once the event loop is back: kept, a dialog for every edit of a
        # long session stayed in memory, hidden, as long as the window it belongs to.
        dialog.deleteLater()


def _said_over(
    dialog: QDialog, context: AppContext, refusal: CaseReviewError, typing: list[QWidget]
) -> None:
    """``refusal`` in front of ``dialog``, which has come back; the keyboard returns to the
    field the user was in once the message closes. Shown again, the dialog had put it in its
    first field with the text selected, and a new user's next words replaced a review's
    reference."""
    context.explain(refusal, dialog)  # first: whatever else fails, the refusal is said
    try:
        if typing and dialog.isAncestorOf(typing[0]) and typing[0].isVisible():
            typing[0].setFocus(Qt.FocusReason.OtherFocusReason)  # as it was: nothing selected
    except RuntimeError:  # the field has gone since (the idle lock's passphrase field, say)
        pass


class _Outcome(Enum):
    APPLIED = auto()
    REFUSED = auto()  # the change itself, or the record it is on, was refused; or held
    NOT_NOW = auto()  # the database could not take any change just now; nothing was changed


def _run(
    command: UndoableCommand,
    parent: QWidget | None,
    not_now: Callable[[CaseReviewError], None] | None = None,
) -> _Outcome:
    """``run``; a refusal for now handed to ``not_now`` if given (``run_from`` says it over
    its dialog), any other said over ``parent``."""
    context = command.context
    if context.locked:
        context.held.append(functools.partial(run, command, parent))
        return _Outcome.REFUSED
    running = _change_running(context)
    if running is not None:
        (not_now or functools.partial(context.explain, parent=parent))(running)
        return _Outcome.NOT_NOW
    try:
        # Waiting for another program's write lock holds the window (up to the busy
        # timeout): the busy cursor says it is working, not hung.
        with busy_cursor(), context.database.change(context.actor) as session:
            command.apply(session)
    except (ConflictError, NotFoundError) as exc:
        context.explain(exc, parent)
        context.data_changed.emit()  # show the record as the other writer left it (or not)
        return _Outcome.REFUSED
    except UnwritableError as exc:
        (not_now or functools.partial(context.explain, parent=parent))(exc)
        return _Outcome.NOT_NOW
    except CaseReviewError as exc:
        context.explain(exc, parent)
        return _Outcome.REFUSED
    _pushed(command)
    return _Outcome.APPLIED


def _pushed(command: UndoableCommand) -> None:
    """An applied command onto the undo stack (whose push calls ``redo``, passed over once),
    and the window told the data changed."""
    command.taken = True
    context = command.context
    del context.commands[context.undo_stack.index() :]  # as push drops what could be redone
    context.commands.append(command)
    context.undo_stack.push(command)
    context.data_changed.emit()


def _on_stack(context: AppContext, index: int) -> UndoableCommand | None:
    """The command at ``index`` of the undo stack, from the context's own list of them
    (``AppContext.commands``), or None if that list does not match the stack. Not
    ``QUndoStack.command``: a Python command fetched through it, then deleted by the stack
    as obsolete (a refused undo), crashed the window now and then (a segmentation fault in
    meeting mode's refused Ctrl+Z, three runs in six under load; none in eight without)."""
    listed, stack = context.commands, context.undo_stack
    if stack.count() == 0:
        listed.clear()  # cleared (after an import, a restore, another database)
    if len(listed) != stack.count() or not 0 <= index < len(listed):
        return None
    found = listed[index]
    return found if isinstance(found, UndoableCommand) else None


def _another_change_running(context: AppContext, parent: QWidget | None) -> bool:
    """A change is being made off the GUI thread: no other starts on top of it, and saying
    so. Its progress dialog is window-modal, but shows only after a moment, and meeting mode
    is a window of its own."""
    running = _change_running(context)
    if running is None:
        return False
    context.explain(running, parent)
    return True


def _change_running(context: AppContext) -> CaseReviewError | None:
    """Why no change may start now, if one is being made off the GUI thread."""
    if context.changing is None:
        return None
    return CaseReviewError(f"{context.changing.said()} Wait for it to finish, then try again.")


def run_in_the_background(
    command: UndoableCommand,
    parent: QWidget,
    first: Callable[[], None] | None = None,
) -> QProgressDialog | None:
    """``run`` for a command too long for the GUI thread (``in_the_background``: a bulk
    change of thousands of items, a few milliseconds each): applied off it, with a progress
    dialog whose Cancel rolls the whole change back, then pushed onto the undo stack as
    ``run`` pushes it. ``first`` runs off the GUI thread too, before the change (the copy of
    the database kept before a bulk change). While the window is locked the command is held,
    as ``run`` holds it. The progress dialog is returned, for the caller to keep while the
    work runs."""
    context = command.context
    if context.locked:
        context.held.append(functools.partial(run_in_the_background, command, parent, first))
        return None
    if _another_change_running(context, parent):
        return None
    return _in_the_background(command, "apply", parent, lambda: _pushed(command), first)


def undo(context: AppContext, parent: QWidget) -> bool:
    """Edit ▸ Undo: the undo stack's undo, made off the GUI thread for a command long enough
    (``in_the_background``). True once it has been made (False: refused, or still running)."""
    return _step(context, "undo", parent)


def redo(context: AppContext, parent: QWidget) -> bool:
    """Edit ▸ Redo, as ``undo``."""
    return _step(context, "redo", parent)


def _step(context: AppContext, step: str, parent: QWidget) -> bool:
    """Undo or redo the stack's next command: at once (QUndoStack.undo or redo) for most, as
    before; off the GUI thread for a long one, and only then the stack told, with the step
    marked ``taken`` so that its index moves once and the command is not undone (or redone)
    again. Refused or cancelled, the index does not move and nothing is changed."""
    stack, back = context.undo_stack, step == "undo"
    if context.locked or not (stack.canUndo() if back else stack.canRedo()):
        return False
    if _another_change_running(context, parent):
        return False
    index = stack.index() - 1 if back else stack.index()
    command = _on_stack(context, index)
    if command is None or not command.in_the_background:
        stack.undo() if back else stack.redo()
        return True

    def made() -> None:
        here = stack.index() - 1 if back else stack.index()
        if here == index and _on_stack(context, here) is command:  # the stack as it was left
            command.taken = True
            stack.undo() if back else stack.redo()
        context.data_changed.emit()

    _in_the_background(command, step, parent, made)
    return False


def _in_the_background(
    command: UndoableCommand,
    step: str,
    parent: QWidget,
    then: Callable[[], None],
    first: Callable[[], None] | None = None,
) -> QProgressDialog:
    """Apply, revert or (redo) apply ``command`` in one transaction off the GUI thread, with a
    progress dialog whose Cancel rolls it back whole; then ``then`` on the GUI thread. A
    refusal is explained, a cancel said in the status bar; the window shows the records as
    they are either way. The one way a change is made off the GUI thread, for all three."""
    from desktop.background import Cancelled, run_in_background
    from desktop.context import Changing

    context = command.context
    # Read here, on the GUI thread: the work touches no Qt object (the context is one).
    database, actor = context.database, context.actor
    change = command.revert if step == "undo" else command.apply

    def work(progress: Progress) -> None:
        if first is not None:
            first()
        progress.check()
        command.progress = progress
        try:
            with database.change(actor) as session:
                change(session)
        finally:
            command.progress = None

    def ended(how: str) -> None:
        context.changing = None
        context.change_ended.emit(how)

    def done(_result: object) -> None:
        then()
        ended("made")

    def failed(exc: CaseReviewError) -> None:
        if isinstance(exc, Cancelled):  # Cancel, or Escape in the progress dialog: said, quietly
            window = parent.window()
            if isinstance(window, QMainWindow):
                window.statusBar().showMessage(exc.message, STATUS_MS)
        else:
            context.explain(exc, parent, logged=True)  # first: said as the change ends
        ended("cancelled" if isinstance(exc, Cancelled) else "refused")
        context.data_changed.emit()  # show the records as they are (another writer's, say)

    # The dialog is window-modal, so the window's own Ctrl+Q cannot reach it meanwhile: on
    # it, Ctrl+Q asks, as closing the window does, what to do with the change.
    window = parent.window()
    asks = window.close if isinstance(window, QMainWindow) else None
    dialog = run_in_background(parent, command.doing(step), work, done, failed, on_quit=asks)
    context.changing = Changing(command.size(), dialog.canceled.emit, dialog)
    context.change_started.emit()
    return dialog


_VERDICT_TEXTS = {
    "repeats": "Confirm a repeat",
    "dismiss": "Dismiss a suggestion",
    "takeback": "Take back a verdict",
}


class GiveVerdict(UndoableCommand):
    """Confirm a suggested repeat, dismiss it, or take a verdict back (issue 25); undo puts
    the pair's verdict back as it was."""

    def __init__(self, context: AppContext, item_id: int, earlier_id: int, what: str) -> None:
        super().__init__(context, _VERDICT_TEXTS[what])
        self.item_id, self.earlier_id, self.what = item_id, earlier_id, what
        self.held: tuple[bool, str] | None = None

    def apply(self, session: Session) -> None:
        self.held = repeats.held_verdict(session, self.item_id, self.earlier_id)
        if self.what == "takeback":
            repeats.take_back(session, self.item_id, self.earlier_id)
        else:
            repeats.decide(
                session,
                self.item_id,
                self.earlier_id,
                confirmed=self.what == "repeats",
                actor=self.context.actor,
            )

    def revert(self, session: Session) -> None:
        repeats.put_back(session, self.item_id, self.earlier_id, self.held)


class RenameTheme(UndoableCommand):
    """Edit ▸ Learning themes' rename; undo renames it back (a trial found a rename of a
    theme 5,283 items carry could not be undone, against "every change can be undone")."""

    def __init__(self, context: AppContext, old: str, new: str) -> None:
        super().__init__(context, f"Rename theme {old} to {new}")
        self.old, self.new, self.said = old, new, ""

    def apply(self, session: Session) -> None:
        self.said = themes.rename_theme(session, self.old, self.new)

    def revert(self, session: Session) -> None:
        themes.rename_theme(session, self.new, self.old)


class MergeTheme(UndoableCommand):
    """Edit ▸ Learning themes' merge; undo puts the theme back on the items and reviews that
    carried it, and takes the other off those that did not carry it before."""

    def __init__(self, context: AppContext, old: str, into: str) -> None:
        super().__init__(context, f"Merge theme {old} into {into}")
        self.old, self.into, self.said = old, into, ""
        self.merged: themes.MergedTheme | None = None

    def apply(self, session: Session) -> None:
        self.merged = themes.merge_themes_undoably(session, self.old, self.into)
        self.said = self.merged.said

    def revert(self, session: Session) -> None:
        assert self.merged is not None
        themes.unmerge_themes(session, self.merged)


def apply_here(command: UndoableCommand) -> None:
    """Apply ``command`` now and put it on the undo stack, raising a refusal
    (``CaseReviewError``) for the caller to say where it was asked: the themes dialog says it
    in its own line, under the list, rather than in a box over it."""
    context = command.context
    running = _change_running(context)
    if running is not None:
        raise running
    with busy_cursor(), context.database.change(context.actor) as session:
        command.apply(session)
    _pushed(command)


class CreateReview(UndoableCommand):
    def __init__(self, context: AppContext, fields: ReviewFields) -> None:
        super().__init__(context, f"New review {fields.reference}")
        self.fields = fields

    def apply(self, session: Session) -> None:
        editing.create_review(session, self.fields)

    def revert(self, session: Session) -> None:
        editing.delete_review(session, self.fields.reference, self.context.today())


class EditReview(UndoableCommand):
    """Only over the review as the window read it (``old.version``); undo and redo only over
    the review exactly as this command left it. Anything else is someone else's change,
    refused."""

    def __init__(self, context: AppContext, old: ReviewFields, new: ReviewFields) -> None:
        super().__init__(context, f"Edit review {new.reference}")
        self.old, self.new = old, new
        self.left: ReviewFields | None = None  # the review as this command last left it

    def apply(self, session: Session) -> None:
        if self.left is None:
            editing.update_review(session, self.old.reference, self.new, expected=self.old.version)
        else:
            editing.review_still(session, self.old.reference, self.left)
            editing.update_review(session, self.old.reference, self.new)
        self.left = editing.review_fields(session, self.new.reference)

    def revert(self, session: Session) -> None:
        assert self.left is not None
        editing.review_still(session, self.new.reference, self.left)
        editing.update_review(session, self.new.reference, self.old)
        self.left = editing.review_fields(session, self.old.reference)


class DeleteReview(UndoableCommand):
    """Delete a review with all it holds; undo puts it back. Redo deletes it again only as
    the undo put it back (``editing.still_as_put_back``)."""

    def __init__(self, context: AppContext, reference: str) -> None:
        super().__init__(context, f"Delete review {reference}")
        self.reference = reference
        self.snapshot: editing.ReviewSnapshot | None = None
        self.left: editing.ReviewSnapshot | None = None  # as the undo put it back

    def apply(self, session: Session) -> None:
        today = self.context.today()
        if self.left is not None:
            now = editing.review_snapshot(session, self.reference, today)
            editing.still_as_put_back(now, self.left, f"Review {self.reference}")
        self.snapshot = editing.delete_review(session, self.reference, today)

    def revert(self, session: Session) -> None:
        assert self.snapshot is not None
        editing.restore_review(session, self.snapshot)
        self.left = editing.review_snapshot(session, self.reference, self.context.today())


class CreateItem(UndoableCommand):
    def __init__(self, context: AppContext, source: str, fields: ItemFields) -> None:
        super().__init__(context, f"New recommendation {fields.number} of {source}")
        self.source, self.fields = source, fields
        self.key: ItemKey | None = None

    def apply(self, session: Session) -> None:
        self.key = editing.create_item(session, self.source, self.fields)
        self.context.show_next = self.key

    def revert(self, session: Session) -> None:
        assert self.key is not None
        editing.delete_item(session, self.key)


class EditItem(UndoableCommand):
    """Only over the item as the window read it (``old.version``); undo and redo only over the
    item exactly as this command left it. Anything else is someone else's change, refused."""

    def __init__(self, context: AppContext, key: ItemKey, old: ItemFields, new: ItemFields):
        super().__init__(context, f"Edit {key.kind.label.lower()} {key.number} of {key.source}")
        self.key, self.old, self.new = key, old, new
        self.new_key = replace(key, number=new.number)
        self.left: ItemFields | None = None  # the item as this command last left it

    def apply(self, session: Session) -> None:
        if self.left is None:
            editing.update_item(session, self.key, self.new, expected=self.old.version)
        else:
            editing.item_still(session, self.key, self.left)
            editing.update_item(session, self.key, self.new)
        self.left = editing.item_fields(session, self.new_key)

    def revert(self, session: Session) -> None:
        assert self.left is not None
        editing.item_still(session, self.new_key, self.left)
        editing.update_item(session, self.new_key, self.old)
        self.left = editing.item_fields(session, self.key)


class DeleteItem(UndoableCommand):
    """Delete a review's recommendation; undo puts it back with its log, evidence and links.
    Redo deletes it again only as the undo put it back: a change someone else made to it
    since is refused, as an edit's redo is, not deleted with it."""

    def __init__(self, context: AppContext, key: ItemKey) -> None:
        super().__init__(context, f"Delete {key.kind.label.lower()} {key.number} of {key.source}")
        self.key = key
        self.snapshot: editing.ItemSnapshot | None = None
        # The item as the undo put it back, with its log and evidence.
        self.left: editing.ItemHolding | None = None

    def apply(self, session: Session) -> None:
        if self.left is not None:
            editing.item_still_holds(session, self.key, self.left, redoing="the deletion")
        self.snapshot = editing.remove_item(session, self.key, self.context.today())

    def revert(self, session: Session) -> None:
        assert self.snapshot is not None
        editing.restore_item(session, self.snapshot, self.context.today())
        self.left = editing.item_holding(session, self.key)
        self.context.show_next = self.key  # selected again, as it was when it was deleted


class DeleteEvidence(UndoableCommand):
    """Remove an evidence item; undo puts back the same item (file, who added it, when)."""

    def __init__(self, context: AppContext, key: ItemKey, which: editing.EvidenceKey) -> None:
        super().__init__(context, f"Remove evidence from {key.number} of {key.source}")
        self.key, self.which = key, which
        self.snapshot: EvidenceDoc | None = None

    def apply(self, session: Session) -> None:
        self.snapshot = editing.delete_evidence(session, self.key, self.which)

    def revert(self, session: Session) -> None:
        assert self.snapshot is not None
        editing.restore_evidence(session, self.key, self.snapshot)


class WithdrawUpdate(UndoableCommand):
    """Withdraw a progress update entered in error: it stays in the log, marked with who
    withdrew it, when and why. Undo takes the withdrawal back; redo makes the same one again
    (the same time), so the record reads as if it had never been undone."""

    def __init__(
        self, context: AppContext, key: ItemKey, which: editing.UpdateKey, reason: str
    ) -> None:
        super().__init__(context, f"Withdraw an update of {key.number} of {key.source}")
        self.key, self.which, self.reason = key, which, reason
        self.done: editing.Withdrawal | None = None

    def apply(self, session: Session) -> None:
        self.done = editing.withdraw_update(
            session,
            self.key,
            self.which,
            by=self.context.author,
            reason=self.reason,
            at=self.done.at if self.done is not None else None,
        )

    def revert(self, session: Session) -> None:
        assert self.done is not None
        editing.undo_withdrawal(session, self.key, self.which, self.done)


class AddUpdate(UndoableCommand):
    """A dated progress update, optionally changing the status (sign-off included)."""

    def __init__(
        self,
        context: AppContext,
        keys: list[ItemKey],
        *,
        on: dt.date,
        author: str,
        note: str = "",
        status: Status | None = None,
        reason: str = "",
        closure: Closure | None = None,
        text: str | None = None,
    ) -> None:
        if text is None:
            what = (
                f"{keys[0].number} of {keys[0].source}"
                if len(keys) == 1
                else f"{len(keys):,} items"
            )
            text = f"Status of {what} to {status.label.lower()}" if status else f"Update to {what}"
        super().__init__(context, text)
        self.keys, self.on, self.author, self.note = keys, on, author, note
        self.status, self.reason, self.closure = status, reason, closure
        self.previous: dict[ItemKey, StatusState] = {}
        self.recorded = False  # the update is in the log; a redo must not write it again

    def size(self) -> int:
        return len(self.keys)

    def doing(self, step: str) -> str:
        many = f"{len(self.keys):,} items"
        if step == "apply":
            return (
                f"Changing the status of {many}…"
                if self.status is not None
                else f"Adding an update to {many}…"
            )
        what = "the change of status of" if self.status is not None else "the update to"
        return f"{step.capitalize()}ing {what} {many}…"  # Undoing, Redoing

    def _what(self) -> str:
        what = f"the update of {format_date(self.on)}"
        if self.status is not None:
            what += f" (to {self.status.label.lower()})"
        return what

    def apply(self, session: Session) -> None:
        """The update the first time; on a redo, the same change of status with a logged
        correction saying so, since the note is in the append-only log already."""
        note, author, reason = self.note, self.author, self.reason
        if self.recorded:
            note, author = f"Correction: {self._what()} was redone.", self.context.author
            reason = self.reason or self.note  # the reason the first time (record_update)
        for done, key in enumerate(self.keys):
            self._report(done)
            self.previous[key] = editing.status_state(session, key)
            rec = editing.item_by_key(session, key)
            lifecycle.record_update(
                session,
                rec.id,
                on=self.on,
                author=author,
                note=note,
                status=self.status,
                reason=reason,
                closure=self.closure,
            )
        self.recorded = True

    def _report(self, done: int) -> None:
        """Off the GUI thread: how far it has gone, every PROGRESS_EVERY items, and a stop
        there if the user cancelled (the transaction is rolled back, nothing kept)."""
        if self.progress is not None and done % PROGRESS_EVERY == 0:
            self.progress.check()
            self.progress.report(done, len(self.keys))

    def revert(self, session: Session) -> None:
        what = self._what()
        for done, (key, previous) in enumerate(self.previous.items()):
            self._report(done)
            editing.correct_status(
                session,
                key,
                previous,
                on=self.context.today(),
                author=self.context.author,
                note=f"Correction: {what} was undone.",
            )


class AddEvidence(UndoableCommand):
    def __init__(
        self,
        context: AppContext,
        key: ItemKey,
        evidence: EvidenceEntry,
    ) -> None:
        super().__init__(context, f"Add evidence to {key.number} of {key.source}")
        self.key, self.evidence = key, evidence
        self.added: editing.EvidenceKey | None = None

    def apply(self, session: Session) -> None:
        rec, evidence = editing.item_by_key(session, self.key), self.evidence
        item = lifecycle.add_evidence(
            session,
            rec.id,
            description=evidence.description,
            added_by=self.context.author,
            reference=evidence.reference,
            file_name=evidence.file_name,
            content=evidence.content,
            media_type=evidence.media_type,
        )
        self.added = editing.evidence_key(item)

    def revert(self, session: Session) -> None:
        assert self.added is not None
        editing.remove_evidence(session, self.key, self.added)


class SaveInitiative(UndoableCommand):
    """Create an initiative (``old`` is None) or change one, with its links."""

    def __init__(self, context: AppContext, old: InitiativeDoc | None, new: InitiativeDoc):
        super().__init__(context, f"{'Edit' if old else 'New'} initiative {new.name}")
        self.old, self.new = old, new

    def apply(self, session: Session) -> None:
        editing.save_initiative(session, self.new, old_name=self.old.name if self.old else None)

    def revert(self, session: Session) -> None:
        if self.old is None:
            editing.delete_initiative(session, self.new.name)
        else:
            editing.save_initiative(session, self.old, old_name=self.new.name)


class DeleteInitiative(UndoableCommand):
    def __init__(self, context: AppContext, name: str) -> None:
        super().__init__(context, f"Delete initiative {name}")
        self.name = name
        self.snapshot: InitiativeDoc | None = None

    def apply(self, session: Session) -> None:
        self.snapshot = editing.delete_initiative(session, self.name)

    def revert(self, session: Session) -> None:
        assert self.snapshot is not None
        editing.save_initiative(session, self.snapshot, old_name=None)


class CreateInspection(UndoableCommand):
    def __init__(self, context: AppContext, fields: InspectionFields) -> None:
        super().__init__(context, f"New inspection {fields.reference}")
        self.fields = fields

    def apply(self, session: Session) -> None:
        inspecting.save_inspection(session, self.fields, editing=None)

    def revert(self, session: Session) -> None:
        inspecting.delete_inspection(session, self.fields.reference)


class EditInspection(UndoableCommand):
    """Undo puts back the fields as they were and, from a snapshot, whatever the edit removed
    (tracked items with their logs and evidence, and initiatives' links to them)."""

    def __init__(self, context: AppContext, old: InspectionFields, new: InspectionFields):
        super().__init__(context, f"Edit inspection {new.reference}")
        self.old, self.new = old, new
        self.snapshot: InspectionSnapshot | None = None

    def apply(self, session: Session) -> None:
        self.snapshot = inspecting.inspection_snapshot(session, self.old.reference)
        inspecting.save_inspection(session, self.new, editing=self.old.reference)

    def revert(self, session: Session) -> None:
        assert self.snapshot is not None
        back = inspecting.reverse_edit(self.old, self.new)
        inspecting.save_inspection(session, back, editing=self.new.reference)
        inspecting.restore_inspection(session, self.snapshot)


class DeleteInspection(UndoableCommand):
    """Delete an inspection with all it holds; undo puts it back. Redo deletes it again only
    as the undo put it back (``editing.still_as_put_back``)."""

    def __init__(self, context: AppContext, reference: str) -> None:
        super().__init__(context, f"Delete inspection {reference}")
        self.reference = reference
        self.snapshot: InspectionSnapshot | None = None
        self.left: InspectionSnapshot | None = None  # as the undo put it back

    def apply(self, session: Session) -> None:
        if self.left is not None:
            now = inspecting.inspection_snapshot(session, self.reference)
            editing.still_as_put_back(now, self.left, f"Inspection {self.reference}")
        self.snapshot = inspecting.delete_inspection(session, self.reference)

    def revert(self, session: Session) -> None:
        assert self.snapshot is not None
        inspecting.restore_inspection(session, self.snapshot)
        self.left = inspecting.inspection_snapshot(session, self.reference)


class CreateScheme(UndoableCommand):
    def __init__(self, context: AppContext, name: str, grades: tuple[str, ...]) -> None:
        super().__init__(context, f"New grading scheme {name}")
        self.name, self.grades = name, grades

    def apply(self, session: Session) -> None:
        inspecting.create_scheme(session, self.name, self.grades)

    def revert(self, session: Session) -> None:
        inspecting.delete_scheme(session, self.name)


class CreateMeeting(UndoableCommand):
    def __init__(self, context: AppContext, fields: MeetingFields) -> None:
        super().__init__(context, f"New meeting {fields.key}")
        self.fields = fields

    def apply(self, session: Session) -> None:
        meetings.create_meeting(session, self.fields)

    def revert(self, session: Session) -> None:
        meetings.delete_meeting(session, self.fields.key)


class EditMeeting(UndoableCommand):
    """Only over the meeting as the window read it (``old.version``); undo and redo only over
    the meeting exactly as this command left it, as ``EditReview``."""

    def __init__(self, context: AppContext, old: MeetingFields, new: MeetingFields) -> None:
        super().__init__(context, f"Edit meeting {new.key}")
        self.old, self.new = old, new
        self.left: MeetingFields | None = None  # the meeting as this command last left it

    def apply(self, session: Session) -> None:
        if self.left is None:
            meetings.update_meeting(session, self.old.key, self.new, expected=self.old.version)
        else:
            meetings.meeting_still(session, self.old.key, self.left)
            meetings.update_meeting(session, self.old.key, self.new)
        self.left = meetings.meeting_fields(session, self.new.key)

    def revert(self, session: Session) -> None:
        assert self.left is not None
        meetings.meeting_still(session, self.new.key, self.left)
        meetings.update_meeting(session, self.new.key, self.old)
        self.left = meetings.meeting_fields(session, self.old.key)


class DeleteMeeting(UndoableCommand):
    """Delete a meeting with its people, agenda and decisions; undo puts it all back."""

    def __init__(self, context: AppContext, key: MeetingKey) -> None:
        super().__init__(context, f"Delete meeting {key}")
        self.key = key
        self.snapshot: MeetingSnapshot | None = None
        self.left: MeetingSnapshot | None = None  # as the undo put it back

    def apply(self, session: Session) -> None:
        if self.left is not None:  # again only as the undo put it back
            now = meetings.meeting_snapshot(session, self.key)
            editing.still_as_put_back(now, self.left, f"The meeting {self.key}")
        self.snapshot = meetings.delete_meeting(session, self.key)

    def revert(self, session: Session) -> None:
        assert self.snapshot is not None
        meetings.restore_meeting(session, self.snapshot)
        self.left = meetings.meeting_snapshot(session, self.key)


class SetAgenda(UndoableCommand):
    """Store a meeting's agenda as the chair left it; undo puts back the one it replaced."""

    def __init__(
        self,
        context: AppContext,
        key: MeetingKey,
        entries: tuple[AgendaEntry, ...],
        shown: tuple[AgendaEntry, ...] | None = None,
    ) -> None:
        """``shown``: the agenda stored as the tab last read it, which this one replaces
        only if it is still the one stored (``set_agenda``'s ``expected``)."""
        super().__init__(context, f"Agenda of {key}")
        self.key, self.entries, self.shown = key, entries, shown
        self.before: tuple[AgendaEntry, ...] = ()

    def apply(self, session: Session) -> None:
        self.before = meetings.set_agenda(session, self.key, self.entries, expected=self.shown)
        self.shown = self.before  # redo: over the agenda as the undo put it back

    def revert(self, session: Session) -> None:
        meetings.set_agenda(session, self.key, self.before, expected=self.entries)


class RecordDecision(UndoableCommand):
    """A meeting's decision about an item, or a whole review or inspection, written at once
    (meetings.decide); undo takes it back, withdrawing its entry in the item's log
    (meetings.undo_decision), and redo decides again, as a new entry. Each is made only over
    the item and the meeting's decisions about it as the chair's screen showed them
    (``seen``), and redo over them as the undo left them: never on top of another user's
    newer decision or change unawares."""

    def __init__(
        self,
        context: AppContext,
        key: MeetingKey,
        item: ItemKey | SourceKey,
        decision: DecisionEntry,
        seen: Seen | None = None,
    ) -> None:
        # The meeting named: the window has one undo stack, so Ctrl+Z in one meeting's mode
        # may take back another meeting's decision, and must say whose (a new user).
        what = (
            f"{decision.kind.label} for {meetings.decided_about(item)} "
            f"(meeting of {format_date(key.held_on)})"
        )
        super().__init__(context, what)
        self.key, self.item, self.decision = key, item, decision
        self.seen = seen
        self.recorded: DecisionKey | None = None

    def apply(self, session: Session) -> None:
        self.recorded = meetings.decide(
            session,
            self.key,
            self.item,
            self.decision,
            on=self.context.today(),
            actor=self.context.author,
            seen=self.seen,
        )

    def revert(self, session: Session) -> None:
        assert self.recorded is not None
        meetings.undo_decision(session, self.recorded, author=self.context.author)
        self.seen = meetings.seen_now(session, self.key, self.item)
