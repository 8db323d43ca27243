"""Changes saved elsewhere: another casereview (a second window, the command line, a colleague
on the same server database) writing to the database this window shows.

Nothing tells a process that another has written, so the window asks: is the audit trail's
newest entry (``db.store.audit.newest_entry_id``; every change writes entries) still the one
it saw when it last read? It asks when one of its windows comes to the front, and every few
seconds while one is in front. A new entry means it reads again, as after a change of its own
(``AppContext.data_changed``): the tabs keep their selection and the agenda's unsaved edits,
meeting mode its item. A new user had two casereviews open and one kept showing an item the
other had signed off."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThreadPool, QTimer
from PySide6.QtGui import QGuiApplication, QWindow
from PySide6.QtWidgets import QApplication, QMainWindow

from db.core.errors import CaseReviewError
from db.store.logs import cause

if TYPE_CHECKING:
    from desktop.context import AppContext

_log = logging.getLogger(__name__)

CHECK_EVERY_MS = 3000  # while a window of casereview's is in front


class ChangesElsewhere(QObject):
    """Reloads ``window``'s data when another process has changed the database."""

    def __init__(self, context: AppContext, window: QMainWindow) -> None:
        super().__init__(window)
        self.context, self.window = context, window
        self.seen: int | None = None  # the trail's newest entry when the window last read
        self.timer = QTimer(self)
        self.timer.setInterval(CHECK_EVERY_MS)
        self.timer.timeout.connect(self._quietly)
        self.timer.start()
        app = QApplication.instance()
        if isinstance(app, QGuiApplication):
            app.focusWindowChanged.connect(self._focused)

    def note(self) -> None:
        """The window reads the database now: what it shows is as of this entry. Read before
        the tabs read, so a change saved meanwhile is found by the next check."""
        self.seen = self._newest()

    def check(self) -> bool:
        """Read again if the database changed elsewhere since the window last read, and say
        whether it did. Never while locked (nothing is shown behind the lock: unlocking reads
        again), while a dialog is open (what is typed in it stays as it is), while work runs in
        the background (it may be replacing the file) or before the database is open."""
        if not self._may_read() or self.seen is None:
            return False
        newest = self._newest()
        if newest is None or newest == self.seen:
            return False
        self.seen = newest
        self.context.data_changed.emit()  # the window notes the entry again as it reads
        return True

    def _may_read(self) -> bool:
        return (
            self.context.is_open
            and not self.context.locked
            and self.window.isVisible()
            and QApplication.activeModalWidget() is None
            and QThreadPool.globalInstance().activeThreadCount() == 0
        )

    def _newest(self) -> int | None:
        from sqlalchemy.exc import SQLAlchemyError  # not before the database layer loads

        from db.store.audit import newest_entry_id

        try:
            with self.context.database.session() as session:
                return newest_entry_id(session)
        except (SQLAlchemyError, CaseReviewError) as exc:  # the next check asks again
            _log.info("changes elsewhere not checked: %s", cause(exc))
            return None

    def _quietly(self) -> None:
        if QApplication.activeWindow() is not None:  # one of casereview's is in front
            self.check()

    def _focused(self, focus: QWindow | None) -> None:
        if focus is not None:
            self.check()
