"""Start the Qt application and the main window."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from db.core.errors import CaseReviewError
from db.store.logs import cause
from db.store.logs import set_up as set_up_log
from desktop import heap

if TYPE_CHECKING:
    from collections.abc import Callable

    from db.store.cipher import Passphrase, PassphraseError
    from db.store.database import Database
    from db.store.location import Location
    from desktop.background import Progress
    from desktop.context import PendingDatabase
    from desktop.settings import Settings
    from desktop.window import MainWindow

_log = logging.getLogger(__name__)


def _require_display() -> None:
    """Refuse plainly, instead of letting Qt abort, when there is no screen to show a window."""
    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        raise CaseReviewError(
            "There is no display to open the window on; the commands demo, export, import "
            "and check work without one (see 'casereview --help')."
        )


class Controller:
    """Keeps one window open over one database, and switches database on request."""

    def __init__(self, settings: Settings, *, asks: bool = True) -> None:
        self.settings = settings
        self.window: MainWindow | None = None
        # Without ``asks`` (--exit-when-ready) a database that fails to open is not
        # explained in a box nobody would close: the application ends, ``refused`` says why.
        self.asks = asks
        self.refused: CaseReviewError | None = None

    def open(self, location: Location | PendingDatabase | Database) -> MainWindow:
        """The window over ``location``: a database opened already, one being opened
        (``PendingDatabase``), or a place, opened here."""
        from desktop.context import AppContext, PendingDatabase
        from desktop.window import MainWindow

        database: Database | PendingDatabase
        if isinstance(location, PendingDatabase):  # the start: the layer not imported yet
            database = location
        else:
            from db.store.database import Database, open_database

            if isinstance(location, Database):
                database = location
            else:
                database = open_database(location, create=True)
        previous = self.window
        window = MainWindow(AppContext(database, self.settings))
        window.open_requested.connect(self.switch)
        window.open_failed.connect(self.failed)
        if previous is not None:
            previous.close()
            if previous.context.is_open:
                previous.database.close()
        self.window = window
        window.show()
        window.start()
        return window

    def remove_copies(self) -> None:
        """As the application quits: the evidence copies the window opened are removed (a
        window closed first has removed them already), and a copy of the database still
        being kept is abandoned, so quitting never waits for it."""
        if self.window is not None:
            self.window.files.abandon_copy()
            self.window.context.evidence.remove()

    def switch(self, path: str) -> None:
        """Open the database at ``path`` in place of the window's. It is opened off the GUI
        thread, under a progress dialog, and the window changes over once it is open: a
        database another program holds waits up to the busy timeout (5 s), and a server
        up to its connection timeout, which had held the window frozen and blank meanwhile
        (found by a new user). Cancelled, the database is closed as it arrives."""
        from db.store.database import open_database
        from db.store.location import resolve_location
        from desktop.background import run_in_background

        try:
            location = resolve_location(path)
        except CaseReviewError as exc:
            self._not_opened(exc)
            return
        if self.window is None:  # nothing on screen to stay usable: opened here
            try:
                self.open(location)
            except CaseReviewError as exc:
                self._not_opened(exc)
            return
        name = location.path.name if location.path is not None else "the database"
        asked: list[Progress] = []

        def work(progress: Progress) -> Database:
            asked.append(progress)
            return open_database(location, create=True)

        def wanted() -> bool:
            """Whether the open still stands: not cancelled, and the window not locked by
            the idle lock meanwhile (a window opened over it would be unlocked)."""
            window = self.window
            locked = window is not None and window.security.locked
            return not (asked and asked[0].cancelled) and not locked

        def opened(database: Database) -> None:
            if not wanted():
                database.close()
                return
            try:
                self.open(database)
            except CaseReviewError as exc:
                database.close()
                self._not_opened(exc)

        run_in_background(
            self.window,
            f"Opening {name}…",
            work,
            opened,
            lambda exc: self._not_opened(exc, logged=True) if wanted() else None,
        )

    def _not_opened(self, exc: CaseReviewError, *, logged: bool = False) -> None:
        """A database asked for could not be opened: offer its backup if it is damaged, ask
        its passphrase if it is encrypted, else say why over the window."""
        from desktop.context import AppContext

        if self.recover(exc):
            return
        if self.window is not None:
            AppContext.explain(self.window.context, exc, self.window, logged=logged)

    def failed(self, exc: CaseReviewError) -> None:
        """The database painted from its file could not then be opened: offer its backup if
        it is damaged and has one, else say why and stop."""
        from PySide6.QtWidgets import QApplication

        if self.window is not None:
            self.window.hide()
        if not self.asks:
            self.refused = exc
            QApplication.exit(1)
            return
        if self.recover(exc):
            return
        _log.info("database not opened: %s", cause(exc))
        refuse("casereview cannot open the database", exc.message)
        # Said on stderr too, by the command line, as the application ends: a user who started
        # it from a terminal or a shortcut with a log sees why the window went.
        self.refused = exc
        QApplication.exit(1)

    def recover(self, exc: CaseReviewError) -> bool:
        """For a damaged database with a sound backup beside it, ask whether to put the backup
        in its place (the damaged file is moved aside, never written); if so, restore it and
        open the window over it. Whether the window is open again."""
        from db.core.errors import DamagedDatabaseError
        from db.store.cipher import PassphraseError

        if isinstance(exc, PassphraseError) and exc.path is not None:
            return self.unlock(exc)
        if not isinstance(exc, DamagedDatabaseError) or exc.backup is None:
            return False
        if not ask_to_restore(exc.path, exc.backup):
            return False
        from db.store.backups import restore
        from db.store.location import resolve_location

        # An encrypted database's backup opens with the passphrase it was opened with.
        passphrase: Passphrase | None = exc.passphrase  # type: ignore[assignment]
        location = resolve_location(str(exc.path)).with_passphrase(passphrase)
        try:
            kept = restore(exc.backup, location)
            window = self.open(location)
        except CaseReviewError as again:
            _log.warning("backup not restored over a damaged database: %s", cause(again))
            refuse("casereview cannot restore the backup", again.message)
            return False
        window.statusBar().showMessage(
            f"Restored {exc.path.name} from {exc.backup.name}; the damaged file is kept as {kept}.",
            30_000,
        )
        return True

    def unlock(self, exc: PassphraseError) -> bool:
        """Ask for the passphrase of the encrypted database ``exc`` names, until it opens or
        the user cancels; whether the window is open over it."""
        from db.store.location import resolve_location
        from desktop.dialogs.passphrase import OpenEncryptedDialog

        assert exc.path is not None
        location = resolve_location(str(exc.path))

        def attempt(passphrase: Passphrase) -> str | None:
            try:
                self.open(location.with_passphrase(passphrase))
            except CaseReviewError as again:  # shown in the dialog, which asks again
                _log.info("encrypted database not opened: %s", cause(again))
                return again.message
            return None

        parent = self.window if self.window is not None and self.window.isVisible() else None
        dialog = OpenEncryptedDialog(exc.path, attempt, parent)
        return bool(dialog.exec())


def ask_to_restore(database: Path, backup: Path) -> bool:
    """Ask whether to put ``backup`` in the place of the damaged ``database``."""
    import datetime as dt

    from PySide6.QtWidgets import QMessageBox

    from db.core.dates import format_date
    from db.store.backups import kept_copies
    from desktop.qtutils import guard_keys

    # When the copy was taken, as File > Backups shows it (its name says; its file time may
    # be later, if it was copied about).
    taken = next(
        (c.taken for c in kept_copies(database) if c.path == backup),
        dt.datetime.fromtimestamp(backup.stat().st_mtime),
    )
    box = QMessageBox(
        QMessageBox.Icon.Critical,
        "The database is damaged",
        f"{database.name} is damaged, and casereview has not written to it.\n\n"
        f"The newest sound backup of it was taken on {format_date(taken.date())} at "
        f"{taken:%H:%M}. Restore that backup? Changes made since then are not in it; the "
        "damaged file is kept aside, unchanged, for IT to look at.",
    )
    box.setObjectName("damaged")
    restore_button = box.addButton("Restore the backup", QMessageBox.ButtonRole.AcceptRole)
    close = box.addButton(QMessageBox.StandardButton.Close)
    box.setDefaultButton(close)  # Enter changes nothing: replacing the file is a choice
    guard_keys(box)  # asked as the window starts: keys typed into the window meanwhile
    box.exec()
    return box.clickedButton() is restore_button


def refuse(title: str, message: str) -> None:
    """Say ``message``, why the database is not open, in a box that waits to be closed. It
    shows unprompted (the file's check ends while the user is typing in the window), so it
    ignores the keyboard for a moment (``guard_keys``): a typed space had closed it, and the
    application with it, before a new user had read it."""
    from PySide6.QtWidgets import QMessageBox

    from desktop.qtutils import guard_keys

    box = QMessageBox(QMessageBox.Icon.Critical, title, message, QMessageBox.StandardButton.Ok)
    box.setObjectName("refusal")
    guard_keys(box)
    box.exec()


def _first_place(
    db: str | None, settings: Settings, passphrase: Passphrase | None = None
) -> Location | PendingDatabase:
    """Where the window's data lives: a plain SQLite file at this version's schema is painted
    from straight away (``db.queries.first_page``), its first page read while the window is built;
    anything else (an encrypted file among them) is opened, and refused, the usual way."""
    import datetime as dt

    from db.queries import first_page
    from db.store.paths import sqlite_file
    from desktop import settings as keys
    from desktop.tabs import read_ahead

    path = sqlite_file(db)
    if path is not None and first_page.is_current(path):
        reads = first_page.ReadAhead(path)
        read_ahead(settings.get(keys.LAST_TAB), reads, dt.date.today())
        from desktop.context import PendingDatabase

        return PendingDatabase(path, reads)
    from db.store.location import resolve_location

    return resolve_location(db).with_passphrase(passphrase)


class StartUpCollector:
    """Keeps Python's cyclic garbage collector off while the window starts.

    Start-up makes several hundred thousand long-lived objects: PySide6's enums, the
    program's modules, then SQLAlchemy's. It makes next to no garbage, yet the collector
    walks those objects again and again: about 6 ms before the first paint and 50 ms before
    the database is open (docs/performance.md). So the collector is off from the start until
    the window has painted a page from its open database (``watch``), or ``at_most_ms`` have
    gone by since ``start_clock``, whichever comes first. Then it freezes everything start-up
    made (``gc.freeze``), so that later collections never walk those objects again. It does
    not collect first: that walk took 35-100 ms just as the window became interactive, to
    free about 1,200 small objects of start-up's garbage, which are kept instead.
    """

    def __init__(self, at_most_ms: int = 5000) -> None:
        from db.core.collector import collector

        self.at_most_ms = at_most_ms
        self.paused = True
        collector.hold()  # counted with work off the GUI thread's holds (desktop.background)

    def start_clock(self) -> None:
        """Resume after ``at_most_ms`` whatever happens: a passphrase asked for, a restore
        offered, a database that fails to open. (The QApplication must exist.)"""
        from PySide6.QtCore import QTimer

        QTimer.singleShot(self.at_most_ms, self.resume)

    def watch(self, window: MainWindow) -> None:
        """Resume once ``window`` has painted a page loaded from its open database."""

        def loaded() -> None:
            if window.context.is_open:
                window.data_loaded.disconnect(loaded)
                window.after_next_paint(self.resume)

        window.data_loaded.connect(loaded)

    def resume(self) -> None:
        from db.core.collector import collector

        if not self.paused:
            return
        self.paused = False
        gc.freeze()
        collector.release()  # on once no work off the GUI thread holds it off


def keep_sources_out_of_memory() -> None:
    """Stop PySide6 keeping the source of every module imported after it.

    PySide6 looks through each newly imported module's source for "PySide6" (to know which
    modules its optional ``__feature__`` switches may apply to) with ``inspect.getsource``,
    which leaves every line of the file in ``linecache``: about 500 modules, 21 MB of the
    window's memory at 100,000 items (issue 26's 150 MB). The same question is answered here
    by reading the file without keeping it; a module with no source file of its own (in a
    zip, frozen, or compiled) is still asked about as PySide6 asks. Lines a traceback needs
    are read again when it is printed, so nothing else changes."""
    import linecache

    feature = sys.modules.get("shibokensupport.feature")
    asks = getattr(feature, "_mod_uses_pyside", None)
    if feature is None or asks is None or getattr(asks, "reads_once", False):
        return  # another PySide6 than the one measured, or done already

    def uses_pyside(module: object) -> bool:
        path = getattr(module, "__file__", None)
        if not isinstance(path, str) or not path.endswith(".py"):
            return bool(asks(module))
        try:
            return b"PySide6" in Path(path).read_bytes()
        except OSError:  # not a file (in a zip, a frozen build): its loader may know
            return bool(asks(module))

    uses_pyside.reads_once = True  # type: ignore[attr-defined]
    vars(feature)["_mod_uses_pyside"] = uses_pyside  # what its import hook calls
    linecache.clearcache()  # what it kept of the modules imported so far


_UNHEARD: list[str] = []  # why stderr could not be written to, once logged


def _say(line: str) -> None:
    """Write ``line`` to stderr for whoever started the window; nobody reading it (a closed
    pipe or descriptor) is no fault of the window's, and must not keep it open. That is
    logged once, not for each line."""
    try:
        if sys.stderr is None:  # started with stderr closed (2>&-): print would use stdout
            raise ValueError("stderr is closed")
        print(line, file=sys.stderr, flush=True)
    except (OSError, ValueError) as exc:  # EPIPE, or stderr closed (ValueError)
        if not _UNHEARD:
            _UNHEARD.append(cause(exc))
            _log.info("start-up time not reported: %s", _UNHEARD[0])


def run(
    db: str | None,
    *,
    exit_when_ready: bool = False,
    started_at: float | None = None,
    passphrase: Passphrase | None = None,
) -> int:
    """Show the window over the database ``--db`` names (see ``db.store.paths``) until it is
    closed; with ``exit_when_ready``, until the window is interactive (``_report_ready``).
    An encrypted database opens with ``passphrase``, else the window asks for it."""
    started_at = time.perf_counter() if started_at is None else started_at
    _require_display()
    heap.one_heap_for_threads()
    collector = StartUpCollector()
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    keep_sources_out_of_memory()
    import resources
    from desktop.files import clear_left_evidence
    from desktop.settings import Settings

    app = QApplication.instance() or QApplication(sys.argv[:1])
    assert isinstance(app, QApplication)
    with contextlib.suppress(OSError):  # a log that cannot be written stops nothing
        set_up_log()  # as the command did already, unless the window was started alone
    collector.start_clock()
    app.setApplicationName("casereview")
    app.setOrganizationName("casereview")
    app.setWindowIcon(QIcon(str(resources.path("icons", "casereview.svg"))))
    clear_left_evidence()  # plaintext copies a casereview that crashed left behind
    controller = Controller(Settings(), asks=not exit_when_ready)
    app.aboutToQuit.connect(controller.remove_copies)
    try:
        window = controller.open(_first_place(db, controller.settings, passphrase))
    except CaseReviewError as exc:
        if exit_when_ready or not controller.recover(exc):
            if not exit_when_ready:
                refuse("casereview cannot open the database", exc.message)
            raise  # said on stderr by the command line
        assert controller.window is not None
        window = controller.window
    collector.watch(window)
    if exit_when_ready:
        _report_ready(window, started_at)

    def explain(exc: CaseReviewError) -> None:
        if controller.window is not None:
            controller.window.context.explain(exc)

    hook_before, sys.excepthook = sys.excepthook, refusals_said(sys.excepthook, explain)
    try:
        code = int(app.exec())  # the window's slots all run in here
    finally:
        sys.excepthook = hook_before
    if controller.window is not None and controller.window.context.is_open:
        controller.window.database.close()
    if controller.refused is not None:
        raise controller.refused  # said by the command line, in its one sentence
    return code


def refusals_said(previous: Any, explain: Callable[[CaseReviewError], None]) -> Any:
    """``sys.excepthook`` for the window: a refusal (a ``CaseReviewError``) that reached the
    event loop from a slot is given to ``explain`` (the window's ``AppContext.explain``: its
    one sentence in a box, nothing if said already, its kind and cause in the log) rather
    than printed as a traceback; anything else is passed to ``previous``."""

    def hook(kind: type[BaseException], exc: BaseException, traceback: Any) -> None:
        if isinstance(exc, CaseReviewError):
            explain(exc)
        else:
            previous(kind, exc, traceback)

    return hook


def _qt_said(kind: Any, _context: Any, _message: str) -> None:
    _log.info("Qt said something (%s) while the window was timed", getattr(kind, "name", kind))


def _report_ready(
    window: MainWindow, started_at: float, then: Callable[[], None] | None = None
) -> None:
    """Say the seconds from ``started_at`` until ``window`` is interactive, then quit once
    the file is known to be sound (``judged``): interactive when a search answers and an edit
    can start (what a user waits for). That is once the current tab's page is painted either
    from the file, by a tab that answers searches and starts edits from it while the
    database layer loads (``MainWindow.answers_early``), or from the open database. The
    first paint (a page read from the file before the database opened, see
    ``PendingDatabase``) is said on a line before it, ``first paint: 0.123``.
    benchmarks/bare_window.py stops its clock at its own first paint. ``then`` follows the
    figure (by default, the application quits)."""
    from PySide6.QtCore import QTimer, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from desktop.window import VERDICT_POLL_MS

    finish = then or QApplication.quit
    # The figure is the last line on stderr, as scripts and benchmarks read it: Qt's own
    # warnings (the offscreen platform's about size hints, as the window settles after the
    # database opens) go to the log instead, by their kind alone, as any message may quote
    # a path.
    said_before = qInstallMessageHandler(_qt_said)
    first_said: list[bool] = []

    def painted() -> None:
        _say(f"first paint: {time.perf_counter() - started_at:.3f}")

    def ready() -> None:
        try:
            _say(f"{time.perf_counter() - started_at:.3f}")
        finally:  # an exception in a Qt slot would otherwise leave the window open
            judged()

    def judged() -> None:
        """Finish once the database is open and SQLite's check of the whole file has said it
        is sound (``MainWindow._await_verdict``): a damaged file still ends the command with
        its refusal (the window's ``open_failed``, which quits), as opening it the usual way
        does. Not counted in the figure: the window answers meanwhile; writes wait for it."""
        context = window.context
        if context.is_open and context.database.check is None:
            qInstallMessageHandler(said_before)
            finish()
        else:
            QTimer.singleShot(VERDICT_POLL_MS, window, judged)

    def loaded() -> None:
        if not first_said:
            first_said.append(True)
            window.after_next_paint(painted)
        if window.context.is_open or window.answers_early:
            window.data_loaded.disconnect(loaded)
            window.after_next_paint(ready)

    window.data_loaded.connect(loaded)
