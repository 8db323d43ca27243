"""What every part of the window shares: the open database, settings, the undo stack and the
person making changes. Passed explicitly rather than reached for as globals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QUndoStack
from PySide6.QtWidgets import QMessageBox, QWidget
from sqlalchemy.exc import SQLAlchemyError

from db.audit import default_actor
from db.engine import Database
from db.errors import CaseReviewError
from desktop.commands import UndoableCommand
from desktop.settings import Settings


def database_refusal(exc: SQLAlchemyError) -> CaseReviewError:
    """A database refusal the checks did not foresee, said in one line; nothing was saved."""
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return CaseReviewError(f"The change was not saved: the database refused it ({reason}).")


class AppContext(QObject):
    data_changed = Signal()

    def __init__(
        self,
        database: Database,
        settings: Settings,
        today: Callable[[], dt.date] = dt.date.today,
        actor: str | None = None,
    ) -> None:
        super().__init__()
        self.database = database
        self.settings = settings
        self.today = today
        self.actor = actor or default_actor()
        self.undo_stack = QUndoStack(self)
        self.last_explanation = ""

    def run(self, command: UndoableCommand, parent: QWidget | None = None) -> bool:
        """Apply a command now; on success put it on the undo stack, else say why."""
        try:
            with self.database.transaction(self.actor) as session:
                command.apply(session)
        except CaseReviewError as exc:
            self.explain(exc, parent)
            return False
        except SQLAlchemyError as exc:
            self.explain(database_refusal(exc), parent)
            return False
        command.applied = True
        self.undo_stack.push(command)
        self.data_changed.emit()
        return True

    def explain(self, error: CaseReviewError, parent: QWidget | None = None) -> None:
        """An expected failure, said plainly: a message box, never a traceback."""
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "casereview",
            error.message,
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.setObjectName("explanation")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.last_explanation = error.message
        box.open()  # window-modal and non-blocking: the caller's work is already finished
