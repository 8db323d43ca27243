"""Work off the GUI thread: long work with a progress dialog that can be cancelled
(``run_in_background``), and a quiet read whose result the window takes when it comes
(``run_in_thread``).

Long work runs in a QRunnable and reports through a QObject's signals, which Qt delivers to
the GUI thread (queued connections). The work opens its own database session: a session never
crosses threads. Cancelling asks the work to stop at its next check; its transaction is then
rolled back, so nothing half-done is kept.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QMainWindow, QProgressDialog, QWidget

from db.core.collector import collector
from db.core.errors import CaseReviewError
from db.store.logs import cause

_log = logging.getLogger(__name__)

T = TypeVar("T")


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


class _Carrier(QObject):
    """One read's way to whoever asked for it: made on the GUI thread for each read, as a
    child of the receiver, so that Qt deletes it with the receiver (whose answer is then
    dropped, not delivered to a deleted object). No thread but the GUI thread touches it."""

    carried = Signal(object)  # the result, or the Exception that stopped the read


# The reads under way, by number: each carrier kept here until its read is delivered.
_carrying: dict[int, _Carrier] = {}
_numbers = itertools.count()


class _Handback(QObject):
    """Takes each read's result from its thread to the GUI thread, queued. There is one, made
    on the GUI thread and never deleted: a thread that emitted on an object of the window (or
    one made for the read) could race with that object's deletion on the GUI thread, and a
    thread that held the last reference to one would delete it there, which Qt forbids."""

    arrived = Signal(int, object)  # the read's number, and its result or Exception

    def __init__(self) -> None:
        super().__init__()
        self.arrived.connect(self.deliver, Qt.ConnectionType.QueuedConnection)

    def deliver(self, number: int, outcome: object) -> None:
        carrier = _carrying.pop(number, None)
        if carrier is None or not shiboken6.isValid(carrier):
            return  # its receiver was deleted meanwhile (and the carrier with it)
        carrier.carried.emit(outcome)
        if shiboken6.isValid(carrier):  # (unless delivering deleted the receiver)
            carrier.deleteLater()


_handback: list[_Handback] = []  # the one, once made


GIVE_WAY_AT_MOST = 15.0  # seconds a thread gives way in all (the Overview reads in about 3)


class _Turns:
    """How many threads of ``run_in_thread`` run work that does not give way (the Overview's
    figures), for work that does (``give_way``: the similarity index's build) to wait for.
    Counted as each is started, on the GUI thread, so that work giving way cannot pass one
    not yet running; each thread knows whether it is itself counted (``own``), so that work
    not marked as giving way that calls ``give_way`` never waits for itself."""

    def __init__(self) -> None:
        self.changed = threading.Condition()
        self.not_giving_way = 0
        self.own = threading.local()

    def started(self, gives_way: bool) -> None:
        if not gives_way:
            with self.changed:
                self.not_giving_way += 1

    def ended(self, gives_way: bool) -> None:
        if not gives_way:
            with self.changed:
                self.not_giving_way -= 1
                self.changed.notify_all()

    def others(self) -> int:
        return self.not_giving_way - int(getattr(self.own, "counted", False))


_turns = _Turns()


def give_way() -> None:
    """Wait while work of ``run_in_thread`` that does not give way runs in another thread:
    called by long work between its batches (the similarity index's build, 5-8 s at 100,000
    items). Both allocating at once in the heap their threads share left it fragmented: the
    window 2-4 MB larger at 100,000 items when the Overview's figures were read as the
    index was built (issue 26: past 150 MB, a new user moving on before the similar
    learning showed). The work waited for is the shorter, and the one the user has just
    asked to see.

    A thread gives way for at most ``GIVE_WAY_AT_MOST`` seconds in all. On PostgreSQL the
    waiting build holds its snapshot's read lock; were another user's schema change to ask
    for the table meanwhile, the Overview's read would queue behind that request, which
    waits for the build, which waits for the Overview: a wait the server cannot see (found
    by a review). Once the time is spent the build goes on, ends, and lets the lock go."""
    own = _turns.own
    left = GIVE_WAY_AT_MOST - getattr(own, "waited", 0.0)
    if left <= 0:
        return
    began = time.monotonic()
    with _turns.changed:
        _turns.changed.wait_for(lambda: _turns.others() <= 0, timeout=left)
    own.waited = getattr(own, "waited", 0.0) + time.monotonic() - began


def run_in_thread(
    receiver: QObject,
    name: str,
    work: Callable[[], T],
    deliver: Callable[[T | Exception], None],
    *,
    gives_way: bool = False,
) -> None:
    """Run ``work`` on a daemon thread named ``name`` and hand what it returns, or the
    Exception that stopped it, to ``deliver`` on the GUI thread, later, from the event loop;
    unless ``receiver`` (a QObject of the GUI thread: the tab, say) has been deleted by then.
    Called on the GUI thread.

    For a read that must not hold the window and needs no progress dialog (the Overview's
    figures, the similarity index's build). A plain thread, not the global QThreadPool:
    ``ChangesElsewhere`` waits for that pool to be idle before it reads a change saved
    elsewhere, which these reads must not hold up. ``work`` opens its own session and makes
    no Qt object (the thread drops it, last). An Exception from it is logged here by its kind
    and cause (never its text, which may quote a record or a path), so ``deliver`` need not
    log it again. A thread that cannot be had (``Thread.start``'s RuntimeError) is logged
    and delivered the same way, from the event loop too: ``deliver`` is never called from
    within this call, so the caller's state is the same whatever happens.

    Python's cyclic collector is held off while the thread runs (``hold_collector``), and
    let go as its last act. Work that ``gives_way`` (and calls ``give_way`` as it goes)
    waits while other such work that does not runs."""
    if not _handback:
        _handback.append(_Handback())  # made on the GUI thread, so it delivers there
    handback = _handback[0]
    number = next(_numbers)
    carrier = _Carrier(receiver)
    carrier.carried.connect(deliver)
    _carrying[number] = carrier

    def run() -> None:
        _turns.own.counted = not gives_way
        try:
            outcome: object
            try:
                outcome = work()
            except CaseReviewError as exc:  # the database closed or busy, say
                _log.info("%s: not done: %s", name, cause(exc))
                outcome = exc
            except Exception as exc:  # an unexpected failure still must not kill the window
                _log.warning("%s: failed: %s", name, cause(exc))
                outcome = exc
            try:
                handback.arrived.emit(number, outcome)
            except RuntimeError:  # Qt has gone (the application is ending): nobody asks
                _log.info("%s: done after the application ended", name)
        finally:
            _turns.ended(gives_way)
            release_collector_later()  # last: this thread runs no more of ours

    # No collection while it runs: one in its thread could destroy a widget there.
    hold_collector()
    _turns.started(gives_way)  # counted from now: work giving way waits from its next batch
    try:
        threading.Thread(target=run, name=name, daemon=True).start()
    except RuntimeError as exc:  # no thread to be had: said as the work's own failure
        _turns.ended(gives_way)
        release_collector_later()
        _log.warning("%s: no thread to run in: %s", name, cause(exc))
        handback.arrived.emit(number, exc)


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
    *,
    on_quit: Callable[[], object] | None = None,
    on_cancelled: Callable[[Any], object] | None = None,
) -> QProgressDialog:
    """Run ``work`` off the GUI thread, then ``on_done`` with its result or ``on_failed`` with
    why it failed: a ``CaseReviewError`` in the log already, by its kind and cause, so it is
    shown without being logged again.

    Work that cannot stop part way (reading a workbook) runs to its end when cancelled: with
    ``on_cancelled``, its result then goes there to be let go, not to ``on_done``, or None
    when it failed, which is not shown (a trial's cancelled reading opened the Import wizard
    25 s later).
    Without it, a result still goes to ``on_done``: an import that committed as Cancel was
    pressed must say that it was written.

    The dialog is window-modal, so the window's Ctrl+Q cannot reach it meanwhile (a new user
    pressed it while a database was being opened, and nothing happened): on the dialog it
    calls ``on_quit``, else it cancels the work and closes the window (a change's own
    ``on_quit`` asks first what to do with it: desktop.commands)."""
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
        if on_cancelled is not None and progress.cancelled:
            on_cancelled(result)
        else:
            on_done(result)

    def failed(error: CaseReviewError) -> None:
        dialog.reset()
        dialog.deleteLater()
        if on_cancelled is None or not progress.cancelled:
            on_failed(error)
        else:
            on_cancelled(None)  # (what was changed for the work is put back all the same)

    def stepped(done: int, total: int) -> None:
        if not dialog.wasCanceled():
            dialog.setMaximum(total)
            dialog.setValue(done)

    progress._report = task.signals.stepped.emit
    task.signals.stepped.connect(stepped, Qt.ConnectionType.QueuedConnection)
    task.signals.finished.connect(finished, Qt.ConnectionType.QueuedConnection)
    task.signals.failed.connect(failed, Qt.ConnectionType.QueuedConnection)
    window = parent.window()
    if on_quit is None and isinstance(window, QMainWindow):

        def on_quit() -> None:
            progress.cancel()
            window.close()

    if on_quit is not None:
        QShortcut(QKeySequence(QKeySequence.StandardKey.Quit), dialog).activated.connect(on_quit)
    dialog._task = task  # type: ignore[attr-defined]  # keep the signals alive with the dialog
    hold_collector()  # until the work ends, whatever becomes of the dialog
    QThreadPool.globalInstance().start(task)
    return dialog
