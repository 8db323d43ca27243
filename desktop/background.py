"""Long work off the GUI thread, with a progress dialog that can be cancelled.

The work runs in a QRunnable and reports through a QObject's signals, which Qt delivers to the
GUI thread (queued connections). The work opens its own database session: a session never
crosses threads. Cancelling asks the work to stop at its next check; its transaction is then
rolled back, so nothing half-done is kept.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QProgressDialog, QWidget

from db.core.collector import collector
from db.core.errors import CaseReviewError
from db.store.logs import cause

_log = logging.getLogger(__name__)


class _Releaser(QObject):
    """Lets go of the collector's hold on the GUI thread, whichever thread asks."""

    asked = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.asked.connect(self.release, Qt.ConnectionType.QueuedConnection)

    def release(self) -> None:
        collector.release()


_releaser: list[_Releaser] = []  # the one, once made


def hold_collector() -> None:
    """Keep Python's cyclic collector off while work runs off the GUI thread (called on the
    GUI thread as the work starts): a collection in the worker that freed a widget left in a
    reference cycle would destroy it there, which crashes Qt (``db.core.collector``). The
    work lets go as it ends, from its own thread, with ``release_collector_later``."""
    if not _releaser:
        _releaser.append(_Releaser())  # made on the GUI thread, so it lets go there
    collector.hold()


def release_collector_later() -> None:
    """Let go of one ``hold_collector``, on the GUI thread (queued there from any thread): the
    collector switched on in a worker would collect there at its next allocation."""
    for releaser in _releaser:
        try:
            releaser.asked.emit()
        except RuntimeError:  # Qt has gone (the application is ending): nothing to collect for
            _log.info("the collector's hold not let go: the application has ended")


class Cancelled(CaseReviewError):
    """The user cancelled; nothing was changed."""


class Progress:
    """Handed to the work: ``check()`` raises Cancelled once the user has asked to stop."""

    def __init__(self) -> None:
        self._cancel = threading.Event()
        self._report: Callable[[int, int], None] | None = None

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def report(self, done: int, total: int) -> None:
        """``done`` of ``total`` steps are finished: the progress dialog shows it."""
        if self._report is not None:
            self._report(done, total)

    def check(self) -> None:
        if self._cancel.is_set():
            raise Cancelled("Cancelled; nothing was changed.")


class _Signals(QObject):
    finished = Signal(object)
    failed = Signal(object)  # the CaseReviewError, logged already
    stepped = Signal(int, int)


class _Task(QRunnable):
    def __init__(self, work: Callable[[Progress], Any], progress: Progress) -> None:
        super().__init__()
        self.work, self.progress = work, progress
        self.signals = _Signals()

    def run(self) -> None:
        try:
            self._run()
        finally:
            release_collector_later()

    def _run(self) -> None:
        try:
            result = self.work(self.progress)
        except CaseReviewError as exc:
            # Logged here, once, by its own kind and cause; passed on as it is, so whoever
            # shows it need not log it again (``AppContext.explain(..., logged=True)``).
            _log.info("work in the background refused: %s", cause(exc))
            self.signals.failed.emit(exc)
        except Exception as exc:  # an unexpected failure still must not kill the window
            _log.error("work in the background failed: %s", cause(exc))
            # Its kind only: an unexpected error's text may quote a path or a record.
            said = CaseReviewError(f"Something went wrong ({cause(exc)}).")
            said.__cause__ = exc
            self.signals.failed.emit(said)
        else:
            self.signals.finished.emit(result)


def run_in_background(
    parent: QWidget,
    label: str,
    work: Callable[[Progress], Any],
    on_done: Callable[[Any], None],
    on_failed: Callable[[CaseReviewError], None],
) -> QProgressDialog:
    """Run ``work`` off the GUI thread, then ``on_done`` with its result or ``on_failed`` with
    why it failed: a ``CaseReviewError`` in the log already, by its kind and cause, so it is
    shown without being logged again."""
    progress = Progress()
    dialog = QProgressDialog(label, "Cancel", 0, 0, parent)
    dialog.setWindowTitle("casereview")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(300)
    # Its clock to show itself starts at a value, not at its making: without one it showed
    # after Qt's default of 4 s, and until then the window took clicks and keys while the
    # work ran (a busy dialog's value starts below its range, so 300 ms was never applied).
    dialog.setValue(0)
    dialog.canceled.connect(progress.cancel)
    task = _Task(work, progress)

    def finished(result: Any) -> None:
        dialog.reset()
        dialog.deleteLater()  # one made for each piece of work: not kept, hidden, for ever
        on_done(result)

    def failed(error: CaseReviewError) -> None:
        dialog.reset()
        dialog.deleteLater()
        on_failed(error)

    def stepped(done: int, total: int) -> None:
        if not dialog.wasCanceled():
            dialog.setMaximum(total)
            dialog.setValue(done)

    progress._report = task.signals.stepped.emit
    task.signals.stepped.connect(stepped, Qt.ConnectionType.QueuedConnection)
    task.signals.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
    task.signals.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
    dialog._task = task  # type: ignore[attr-defined]  # keep the signals alive with the dialog
    hold_collector()  # until the work ends, whatever becomes of the dialog
    QThreadPool.globalInstance().start(task)
    return dialog
