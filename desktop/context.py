"""What every part of the window shares: the open database, settings, the undo stack and the
person making changes. Passed explicitly rather than reached for as globals."""

from __future__ import annotations

import datetime as dt
import importlib
import logging
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QUndoCommand, QUndoStack
from PySide6.QtWidgets import QWidget

from db.core.errors import CaseReviewError
from db.queries.first_page import ReadAhead, merged_copy
from db.store.logs import cause
from db.store.quick_check import QuickCheck
from desktop.files import EvidenceCopies
from desktop.lazy import set_loading, wait_for_layer
from desktop.settings import Settings

if TYPE_CHECKING:
    from db.store.database import Database
    from db.store.location import Location
    from desktop.similar_learning import SimilarLearning

_log = logging.getLogger(__name__)


# The database layer's modules that the window's start needs: opening the database, and the
# first page and edit of its tab, and the counts the status bar shows once it is open (with
# them the meetings' and overview's queries). Importing them takes 0.3-0.5 s, about three
# times a bare window's first paint; ``PendingDatabase.start_loading`` does it beside the
# window. Each left out is imported on the GUI thread as the database opens, and holds the
# window meanwhile: the status bar's counts and SQLite's dialect had been 45 ms of it.
LAYER = (
    "db.store.database",
    "db.store.location",
    "db.queries.tracker",
    "db.queries.details",
    "db.services.editing",
    "db.services.repeats",
    "db.services.dataset",
    "sqlalchemy.dialects.sqlite",
)

# How long a thread waiting for the interpreter lock waits, at most, before the import takes
# turns with it (Python's default is 5 ms). SQLite gives the lock up for each row it steps to,
# so a search answered from the file while the import ran waited up to that long for each of
# its rows: 240-260 ms for the first key at 100,000 items, against 12-16 ms once the database
# is open. At 50 microseconds: 43-93 ms, the next keys about 35 ms; the import takes as long.
LOADING_SWITCH_S = 0.00005


class PendingDatabase:
    """An SQLite file ``db.queries.first_page`` found current, opened with the database layer on
    first use.

    Until then the window paints from the file with sqlite3 alone; it names the place as a
    ``Location`` would. SQLite's check of the whole file runs meanwhile in a thread of its
    own (``QuickCheck``), from the first paint (``start_check``): the core the read-ahead
    used while the window was built is free then, while this one loads the database layer.
    The database opened reads at once, and writes wait for the check's verdict.
    """

    is_encrypted = False  # db.queries.first_page paints only plain SQLite files

    def __init__(
        self, path: Path, reads: ReadAhead | None = None, check: QuickCheck | None = None
    ) -> None:
        self.path = path
        self.name = path.name
        # The first page's reads, perhaps already under way (see desktop.tabs.read_ahead).
        self.reads = reads if reads is not None else ReadAhead(path)
        self.check = check
        self._loading: threading.Thread | None = None  # see start_loading

    def start_check(self) -> QuickCheck:
        """SQLite's check of the whole file, started now unless it has been."""
        if self.check is None:
            self.check = QuickCheck(self.path).start()
        return self.check

    def display(self) -> str:
        return str(self.path)

    def __str__(self) -> str:
        return self.display()

    def start_loading(self, then: Callable[[], None]) -> None:
        """Import the database layer (``LAYER``) in a thread of its own, then call ``then``
        from that thread (``AppContext.load_then`` passes a queued signal's ``emit``).

        The window meanwhile answers searches and starts edits from the file
        (``db.queries.first_page``) and keeps answering the keyboard and the mouse: the
        import holds the interpreter lock, but takes turns with the GUI thread every
        ``LOADING_SWITCH_S``, and the GUI thread finds it free whenever it waits for events.
        Anything on the GUI thread that needs the layer first waits for the import to end
        (``wait_for_layer``); so does ``open``."""
        if self._loading is not None:
            return

        def load() -> None:
            switch = sys.getswitchinterval()
            sys.setswitchinterval(LOADING_SWITCH_S)
            try:
                for name in LAYER:
                    importlib.import_module(name)
                from sqlalchemy.orm import configure_mappers

                configure_mappers()  # once, here, rather than in the first query
            except Exception as exc:  # opened the usual way then, on the GUI thread, which says why
                _log.warning("the database layer not loaded ahead: %s", cause(exc))
            finally:
                sys.setswitchinterval(switch)
                then()

        self._loading = threading.Thread(target=load, name="casereview-load", daemon=True)
        set_loading(self._loading)
        self._loading.start()

    @property
    def loading_started(self) -> bool:
        return self._loading is not None

    @property
    def loading(self) -> bool:
        """Whether the database layer is being imported now (``start_loading``)."""
        return self._loading is not None and self._loading.is_alive()

    def open(self) -> Database:
        wait_for_layer()  # never two threads importing the same modules at once
        from db.store.database import open_database
        from db.store.location import resolve_location

        location = resolve_location(str(self.path))
        return open_database(location, create=True, check=self.start_check())


@dataclass(frozen=True)
class Changing:
    """A change being made off the GUI thread (``commands.run_in_the_background``, or the
    undo or redo of one): how many items it changes, said if the window is asked to close
    meanwhile, and how to stop it (its transaction is rolled back whole)."""

    items: int
    cancel: Callable[[], None]
    # Its progress dialog (shown after a moment, and window-modal): a question about the
    # change is asked over it, or it would cover the question and take its clicks.
    dialog: QWidget

    def said(self) -> str:
        many = f"{self.items:,} items" if self.items != 1 else "1 item"
        return f"A change to {many} is still being made."


class AppContext(QObject):
    data_changed = Signal()
    # A change off the GUI thread (``commands``) began; it ended: "made", "cancelled" or
    # "refused" (and said so to the user).
    change_started = Signal()
    change_ended = Signal(str)
    # The database layer has been imported (``load_then``); emitted from the loading thread,
    # so delivered on the GUI thread (a queued connection).
    layer_loaded = Signal()
    # A pending database could not be opened (``database``): the CaseReviewError.
    opening_refused = Signal(object)

    def __init__(
        self,
        database: Database | PendingDatabase,
        settings: Settings,
        today: Callable[[], dt.date] = dt.date.today,
        actor: str | None = None,
    ) -> None:
        super().__init__()
        self._database = None if isinstance(database, PendingDatabase) else database
        self._refused: CaseReviewError | None = None  # see ``database``
        self.place: Location | PendingDatabase = (
            database if isinstance(database, PendingDatabase) else database.location
        )
        self.settings = settings
        self.today = today
        self._actor = actor
        self.undo_stack = QUndoStack(self)
        self.last_explanation = ""
        self._boxes: list[QWidget] = []  # explanations shown with no window to hold them
        # While the window is locked nothing is saved: a command confirmed then (an OK
        # already on its way as the lock started) is held, with its window, until unlocking.
        self.locked = False
        self.held: list[Callable[[], object]] = []  # each applies one (``commands.run``)
        # The item a command brought into being (a new one, or a deleted one put back by
        # undo), for the Recommendations tab to select once it has reloaded.
        self.show_next: Any = None
        # The commands on the undo stack, in its order (desktop.commands keeps it), so that
        # the next one can be looked at without QUndoStack.command (why at commands._on_stack).
        self.commands: list[QUndoCommand] = []
        # The change being made off the GUI thread, if one is: the only one at a time.
        self.changing: Changing | None = None
        self.evidence = EvidenceCopies()  # removed when the window closes

    @property
    def database(self) -> Database:
        """The open database; a pending one is opened (and the database layer loaded) now.

        A pending one that cannot be opened (damaged, read-only, locked) is refused once, said
        by ``opening_refused`` (the window's ``open_failed``: one sentence, as on opening),
        and its refusal raised again to whatever asks after it (marked ``said``), which need
        not say it again: a check or a read that asked in a dialog or a click made while the
        database layer loaded (``desktop.dialogs.forms.FormDialog``)."""
        if self._database is None:
            assert isinstance(self.place, PendingDatabase)
            if self._refused is not None:
                raise self._refused
            try:
                self._database = self.place.open()
            except CaseReviewError as exc:
                exc.said = True
                self._refused = exc
                self.opening_refused.emit(exc)
                raise
            self.place = self._database.location
        return self._database

    @property
    def similar_learning(self) -> SimilarLearning:
        """Similar earlier learning for this window's database (desktop.similar_learning),
        made when first asked for: the detail pane and the new-recommendation dialog share it."""
        found = getattr(self, "_similar_learning", None)
        if found is None:
            from desktop.similar_learning import SimilarLearning

            found = self._similar_learning = SimilarLearning(self, self)
        return found

    @property
    def is_open(self) -> bool:
        return self._database is not None

    def start_check(self) -> None:
        """A database not open yet: start SQLite's check of its whole file (``PendingDatabase``)."""
        if isinstance(self.place, PendingDatabase):
            self.place.start_check()

    def load_then(self, then: Callable[[], None]) -> None:
        """A database not open yet: import the database layer off the GUI thread
        (``PendingDatabase.start_loading``), then call ``then`` on the GUI thread. An open
        database, or one that is being opened the usual way: ``then`` is called at once."""
        if not isinstance(self.place, PendingDatabase):
            then()
            return
        if self.place.loading_started:  # loaded once, held once; ``then`` after it all the same
            if self.place.loading:
                self.layer_loaded.connect(then, Qt.ConnectionType.QueuedConnection)
            else:
                then()
            return
        from desktop.background import hold_collector

        self.layer_loaded.connect(then, Qt.ConnectionType.QueuedConnection)
        # A collection in the loading thread could free a widget there, which crashes Qt
        # (desktop.background); the collector is held off until the import has ended.
        hold_collector()
        self.place.start_loading(self._say_loaded)

    def _say_loaded(self) -> None:
        from desktop.background import release_collector_later

        try:
            self.layer_loaded.emit()
        except RuntimeError:  # the context has gone (its window closed at once): nobody waits
            _log.info("the database layer loaded after its window closed")
        release_collector_later()  # last: this thread runs no more Python of the layer's

    @property
    def layer_loading(self) -> bool:
        """Whether the database layer is being imported beside the window now."""
        return isinstance(self.place, PendingDatabase) and self.place.loading

    @property
    def pending_reads(self) -> ReadAhead | None:
        """The reads of the SQLite file to paint from while the database is not open yet."""
        return self.place.reads if isinstance(self.place, PendingDatabase) else None

    @property
    def actor(self) -> str:
        if self._actor is None:
            from db.store.audit import default_actor

            self._actor = default_actor()
        return self._actor

    @property
    def author(self) -> str:
        """The name a user's updates and briefing packs give (Edit ▸ Settings), else the
        sign-in name. The audit trail always records the sign-in name (``actor``)."""
        from desktop import settings as keys

        return self.settings.get(keys.YOUR_NAME) or self.actor

    def takes_changes(self, parent: QWidget | None = None) -> bool:
        """Whether the database takes a change now, asked as a change begins: before its
        dialog opens, its question is put or its list is edited. A copy merged back does not
        (``db.store.audit.refuse_if_merged``, which refuses the change itself whatever asks);
        that is said over ``parent`` now, not after the user has filled in a form or answered
        "Delete?" (found by a new user). Read afresh each time: the copy may have been merged
        from another program while this window was open. While the database layer still
        loads, read from the file (an edit starts from it then, and never waits for the
        layer); a database that cannot be opened has said why already (``database``)."""
        if isinstance(self.place, PendingDatabase):
            refusal = merged_copy(self.place.path)
            if refusal is not None:
                self.explain(refusal, parent)
            return refusal is None
        from db.store.audit import refuse_if_merged

        try:
            with self.database.session() as session:
                refuse_if_merged(session.connection())
        except CaseReviewError as exc:
            self.explain(exc, parent)
            return False
        return True

    def release(self) -> None:
        """The window is unlocked: apply the commands held while it was locked, in order."""
        self.locked = False
        held, self.held = self.held, []
        for apply in held:
            apply()

    def reopen(self, location: Location | None = None) -> None:
        """Open the database afresh (after a restore put another file's data in its place, or
        encrypting it, at ``location`` with its passphrase), bringing a copy from an earlier
        version up to this version's schema."""
        from db.store.database import open_database

        location = location or self.database.location
        self.database.close()
        self._database = open_database(location)
        self.place = location

    def explain(
        self, error: CaseReviewError, parent: QWidget | None = None, *, logged: bool = False
    ) -> None:
        """An expected failure, said plainly: a message box, never a traceback. The log gets
        its kind and what caused it (a file that cannot be written: its errno), never its
        message, which may quote a record or a path; unless ``logged``, when it is there
        already (work in the background logs its own failures)."""
        from PySide6.QtWidgets import QApplication, QMessageBox

        from desktop.qtutils import guard_keys

        if not logged:
            _log.info("the window refused: %s", cause(error))
        if error.said:  # the window's refusal to open the database, said once (``database``)
            return

        # Without a parent the box belongs to this function's variable, and Qt deleted it
        # before it showed: an undo refused from the Edit menu or meeting mode said nothing
        # (found by a new user). The window in front holds it, else the context until closed.
        parent = parent or QApplication.activeWindow()
        box = QMessageBox(
            QMessageBox.Icon.Warning,
            "casereview",
            error.message,
            QMessageBox.StandardButton.Ok,
            parent,
        )
        box.setObjectName("explanation")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        guard_keys(box)  # said as work in the background ends, perhaps while the user types
        self.last_explanation = error.message
        if parent is None:
            self._boxes.append(box)
            box.finished.connect(lambda _result, box=box: self._boxes.remove(box))
        box.open()  # window-modal and non-blocking: the caller's work is already finished
