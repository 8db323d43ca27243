"""The main window: tabs over one database, menus with standard shortcuts, one undo stack."""

from __future__ import annotations

import importlib
import logging
from typing import TYPE_CHECKING, Any, cast

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QPaintEvent, QResizeEvent
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from db.core.errors import CaseReviewError
from db.store.logs import cause
from desktop import __version__, commands
from desktop import settings as keys
from desktop.actions.elsewhere import ChangesElsewhere
from desktop.actions.files import FileActions
from desktop.actions.security import SecurityActions
from desktop.context import AppContext
from desktop.lazy import lazy, wait_for_layer
from desktop.palette import with_readable_selection
from desktop.qtutils import (
    ElidedLabel,
    Part,
    StatusBar,
    keep_on_screen,
    path_parts,
    redo_keys,
)
from desktop.tabs import EARLY, MEETINGS, TABS

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from db.queries import copies
    from db.queries.copies import CopyOrigin
    from db.services import dataset
    from db.store.database import Database
    from desktop.tabs.common import Tab
    from desktop.tabs.initiatives import InitiativesTab
    from desktop.tabs.inspections import InspectionsTab
    from desktop.tabs.meetings import MeetingsTab
    from desktop.tabs.overview import OverviewTab
    from desktop.tabs.recommendations import RecommendationsTab
    from desktop.tabs.reviews import ReviewsTab
else:
    copies = lazy("db.queries.copies")
    dataset = lazy("db.services.dataset")

_log = logging.getLogger(__name__)

PAINT_WAIT_MS = 500  # at most this long for a paint before ``after_next_paint`` goes on
VERDICT_POLL_MS = 50  # how often to look whether the whole-file check has ended
LARGEST_FIRST_SIZE = QSize(1440, 900)
FIRST_SHARE = 0.9  # of the screen's free area, the first time the window opens


def first_size(available: QSize) -> QSize:
    """The window's size the first time it opens: most of the screen's free area (less any
    task bar), never more than it, nor larger than the size the tabs are laid out for."""
    return QSize(
        min(LARGEST_FIRST_SIZE.width(), round(available.width() * FIRST_SHARE)),
        min(LARGEST_FIRST_SIZE.height(), round(available.height() * FIRST_SHARE)),
    )


def _copy_parts(origin: CopyOrigin) -> list[Part]:
    """A copy's notice for the status bar, its origin's folder elided in the middle (the
    whole in the label's tooltip and the window's title); a merged copy's first words, that it
    can no longer be changed, kept whole and the rest cut at its end."""
    said = origin.describe()
    if origin.merged_at is not None:
        head, colon, rest = said.partition(": ")
        return [(head + colon, None), (rest, Qt.TextElideMode.ElideRight)]
    before, found, after = said.partition(origin.location)
    if not found:
        return [(said, Qt.TextElideMode.ElideRight)]
    return [(before, None), *path_parts(found), (after, None)]


class MainWindow(QMainWindow):
    """The casereview window over one open database."""

    data_loaded = Signal()
    open_requested = Signal(str)
    open_failed = Signal(object)  # the CaseReviewError

    def __init__(self, context: AppContext) -> None:
        super().__init__()
        self.context = context
        # The workflows the menus and buttons start (desktop.actions).
        self.files = FileActions(context, self)
        self.files.open_requested.connect(self.open_requested)
        self.files.open_failed.connect(self.open_failed)
        # Queued: a check or a click that asked for the database while it loaded, and met the
        # refusal, ends (its dialog closed) before the window says it and goes.
        self.context.opening_refused.connect(self.open_failed, Qt.ConnectionType.QueuedConnection)
        self.security = SecurityActions(context, self, self.files)
        self._after_paint: list[Callable[[], None]] = []  # see after_next_paint
        # Whether the tab painted first answers searches and starts edits from the file while
        # the database layer loads (``Tab.answers_early``): interactive before it is open.
        self.answers_early = False
        self.closed = False  # see closeEvent
        self._opened = False  # ``_open_pending`` has run: once
        self.paint_wait_ms = PAINT_WAIT_MS
        self._paint_wait = QTimer(self)
        self._paint_wait.setSingleShot(True)
        self._paint_wait.timeout.connect(self._painted)
        self.keep_on_screen_timer = QTimer(self)  # once a tab has grown it (see resizeEvent)
        self.keep_on_screen_timer.setSingleShot(True)
        self.keep_on_screen_timer.setInterval(0)
        self.keep_on_screen_timer.timeout.connect(lambda: keep_on_screen(self))
        # Asked to close while a change was being made off the GUI thread: the question
        # asked (until answered, or withdrawn as the change ends), and the answer, "finish"
        # (close once it has ended) or "stop" (stop it, then close): see _changed.
        self.close_question: QMessageBox | None = None
        self.close_after: str | None = None
        context.change_started.connect(self._enable_steps)
        context.change_ended.connect(self._changed)
        context.data_changed.connect(self._enable_steps)  # unlocking says so too
        self.setWindowTitle(f"{context.place.name} \u2014 casereview")
        QApplication.setPalette(with_readable_selection(QApplication.palette()))
        self.resize(first_size(self.screen().availableGeometry().size()))
        self.tabs = QTabWidget()
        self.tabs.setAccessibleName("Sections")
        self.tabs.setDocumentMode(True)
        self._built: list[Tab | None] = [None] * len(TABS)
        for title, _module, _name in TABS:
            self.tabs.addTab(QWidget(), title)  # until the tab is built
        self.tabs.currentChanged.connect(self._tab_shown)

        self.empty_banner = self._banner()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.empty_banner)
        layout.addWidget(self.tabs)
        self.setCentralWidget(central)

        self.setStatusBar(StatusBar(self))  # its messages cut with "…", not mid-letter
        self.counts_label = QLabel()
        # "Data: <path> (not encrypted)": the path elided in the middle, so the file name and
        # whether it is encrypted stay in sight (a long folder's cut them off at the edge).
        # (Cut at its start when even its words kept whole do not fit, so the file's name
        # and whether it is encrypted stay in sight longest.)
        self.location_label = ElidedLabel(tip_always=True, fallback=Qt.TextElideMode.ElideLeft)
        self.location_label.setAccessibleName("Where the data is")
        self.location_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # "Copy of <path> taken ...", shown only over a copy (_show_copy), its path elided in
        # the middle: a laptop's 1366 pixels left the status bar's messages 15 characters.
        # (Cut at its end when even its words kept whole do not fit: how it begins, "Copy
        # of" or "Merged back ... and can no longer be changed", is what matters.)
        self.copy_label = ElidedLabel(tip_always=True, fallback=Qt.TextElideMode.ElideRight)
        self._merged_copy = False  # (its notice then takes more of the bar)
        self.copy_label.setAccessibleName("This database is a copy")
        self.copy_label.hide()
        self.statusBar().addWidget(self.counts_label, 1)
        self.statusBar().addPermanentWidget(self.copy_label)
        self.statusBar().addPermanentWidget(self.location_label)
        self._build_menus()
        self.security.show_on(self.location_label, self.encrypt_action, self.encrypt_offer)
        self.elsewhere = ChangesElsewhere(context, self)  # another process's changes
        context.data_changed.connect(self.refresh)
        self._restore_settings()

    # -- construction

    @property
    def database(self) -> Database:
        return self.context.database

    def tab_at(self, number: int) -> Tab:
        """The tab at ``number``, built (in place of its stand-in) if not built yet."""
        tab = self._built[number]
        if tab is None:
            title, module, name = TABS[number]
            if number not in EARLY:  # its module may import the database layer
                wait_for_layer()
            kind: type[Tab] = getattr(importlib.import_module(module), name)
            tab = kind(self.context)
            self._built[number] = tab
            current = self.tabs.currentIndex()
            blocked = self.tabs.blockSignals(True)
            stand_in = self.tabs.widget(number)
            self.tabs.insertTab(number, tab, title)
            self.tabs.removeTab(number + 1)
            if stand_in is not None:
                stand_in.deleteLater()
            self.tabs.setCurrentIndex(current)
            self.tabs.blockSignals(blocked)
        return tab

    @property
    def reviews_tab(self) -> ReviewsTab:
        return cast("ReviewsTab", self.tab_at(0))

    @property
    def recommendations_tab(self) -> RecommendationsTab:
        return cast("RecommendationsTab", self.tab_at(1))

    @property
    def inspections_tab(self) -> InspectionsTab:
        return cast("InspectionsTab", self.tab_at(2))

    @property
    def overview_tab(self) -> OverviewTab:
        return cast("OverviewTab", self.tab_at(3))

    @property
    def initiatives_tab(self) -> InitiativesTab:
        return cast("InitiativesTab", self.tab_at(4))

    @property
    def meetings_tab(self) -> MeetingsTab:
        return cast("MeetingsTab", self.tab_at(MEETINGS))

    @property
    def all_tabs(self) -> tuple[Tab, ...]:
        """Every tab, building those not built yet."""
        return tuple(self.tab_at(n) for n in range(len(TABS)))

    def built_tabs(self) -> list[Tab]:
        return [tab for tab in self._built if tab is not None]

    def _banner(self) -> QFrame:
        frame = QFrame()
        frame.setObjectName("emptyBanner")
        frame.setStyleSheet(
            "#emptyBanner { background: #fff7e0; border-bottom: 1px solid #e0c97a; }"
        )
        column = QVBoxLayout(frame)
        column.setContentsMargins(12, 8, 12, 8)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        text = QLabel(
            "This database is empty. Load the sample data (the seed facts and a fictional "
            "review) to see how casereview works, or import your own tracker (Excel or CSV) or "
            "casereview file."
        )
        text.setStyleSheet("color: #3d3000;")
        text.setWordWrap(True)
        self.load_sample_button = QPushButton("Load the sample data")
        self.load_sample_button.setAccessibleName("Load the sample data")
        self.load_sample_button.clicked.connect(self.load_sample_data)
        self.import_button = QPushButton("Import a file…")
        self.import_button.setAccessibleName("Import a file")
        self.import_button.clicked.connect(self.files.import_file)
        row.addWidget(text, 1)
        row.addWidget(self.load_sample_button)
        row.addWidget(self.import_button)
        column.addLayout(row)
        # First run is when to encrypt: before any case data is in the file.
        self.encrypt_offer = QWidget()
        offer = QHBoxLayout(self.encrypt_offer)
        offer.setContentsMargins(0, 0, 0, 0)
        advice = QLabel(
            "<b>This database is not encrypted.</b> Its data is OFFICIAL-SENSITIVE: encrypt it "
            "with a passphrase now, before anything is in it, so that a lost or stolen laptop "
            "leaks nothing. casereview then asks for the passphrase when it opens the "
            "database, and locks the window when it is left unused."
        )
        advice.setStyleSheet("color: #3d3000;")
        advice.setWordWrap(True)
        self.encrypt_button = QPushButton("Encrypt with a passphrase…")
        self.encrypt_button.setAccessibleName("Encrypt with a passphrase")
        self.encrypt_button.clicked.connect(self.security.encrypt_database)
        offer.addWidget(advice, 1)
        offer.addWidget(self.encrypt_button)
        column.addWidget(self.encrypt_offer)
        frame.hide()
        return frame

    def _action(
        self,
        text: str,
        handler: Any,
        shortcut: Any = None,
        menu: Any = None,
        *,
        early: bool = False,
    ) -> QAction:
        """A menu command. Unless it is ``early`` (it needs no database layer), it waits for
        the layer's import beside the window to end before it runs (``wait_for_layer``):
        a command's own imports of the layer, made meanwhile, could meet modules that thread
        has half-imported (Back up… pressed at once failed so, found by a new user)."""
        action = QAction(text, self)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if early:
            action.triggered.connect(handler)
        else:
            action.triggered.connect(lambda _checked=False: self._when_open(handler))
        if menu is not None:
            menu.addAction(action)
        return action

    def _step_action(self, prefix: str, handler: Callable[[], object]) -> QAction:
        action = QAction(prefix, self)
        action.triggered.connect(lambda _checked=False: self._when_open(handler))
        return action

    def _when_open(self, command: Callable[[], object]) -> None:
        """Run a menu command once the database layer has loaded and the database is open
        (``_open_pending``, at once if the window had not yet); not at all if the database
        was refused, which the window says as it goes, rather than over a command's dialog
        left on screen without its window (found by a new user)."""
        wait_for_layer()
        if not self.context.is_open and self.context.pending_reads is not None:
            self._open_pending()
        if self.context.is_open:
            command()

    def _name_undo(self, text: str) -> None:
        """The stack's next undo named, as its own action names it: "Undo Edit review X"."""
        self.undo_action.setText(f"&Undo {text}" if text else "&Undo")

    def _name_redo(self, text: str) -> None:
        self.redo_action.setText(f"&Redo {text}" if text else "&Redo")

    def _can_undo(self, can: bool) -> None:
        self._can["undo"] = can
        self._enable_steps()

    def _can_redo(self, can: bool) -> None:
        self._can["redo"] = can
        self._enable_steps()

    def _enable_steps(self) -> None:
        """Undo and Redo while there is something to undo or redo, no change is being made
        off the GUI thread (none starts on top of another) and the window is not locked (a
        change ending while it is must not turn them on behind the lock panel)."""
        idle = self.context.changing is None and not self.context.locked
        self.undo_action.setEnabled(idle and self._can["undo"])
        self.redo_action.setEnabled(idle and self._can["redo"])

    def _changed(self, how: str) -> None:
        """A change off the GUI thread ended ("made", "cancelled" or "refused"). A question
        about closing still unanswered is withdrawn, and the window stays open, saying why;
        asked to close once it had ended, the window closes now. It stays open if the change
        was refused (the user is being told why), or if it was asked to stop the change but
        the change had been made first: it is kept, and saying so leaves Undo to take it
        back, which a closed window could not."""
        self._enable_steps()
        question, self.close_question = self.close_question, None
        if question is not None:  # gone with the change's progress dialog, its parent
            question.hide()
            if how == "made":
                self.statusBar().showMessage(
                    "The change was made before the question about closing was answered; "
                    "the window stays open.",
                    commands.STATUS_MS,
                )
            return
        wanted, self.close_after = self.close_after, None
        if wanted is None:
            return
        self.statusBar().clearMessage()
        if how == "refused":
            return
        if wanted == "stop" and how == "made":
            self.context.explain(
                CaseReviewError(
                    "The change had been made before it could be stopped, so it is kept and "
                    "the window stays open; Edit > Undo takes it back."
                ),
                self,
            )
            return
        QTimer.singleShot(0, self.close)

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        self._action(
            "&New database…", self.files.new_database, QKeySequence.StandardKey.New, file_menu
        )
        self._action("&Open…", self.files.open_database, QKeySequence.StandardKey.Open, file_menu)
        self.recent_menu = file_menu.addMenu("Open &recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent)
        file_menu.addSeparator()
        self._action("&Import…", self.files.import_file, "Ctrl+I", file_menu)
        self._action("&Export…", self.files.export_file, "Ctrl+E", file_menu)
        self.load_sample_action = self._action(
            "Load &sample data", self.load_sample_data, None, file_menu
        )
        self._action("&Back up…", self.files.back_up, "Ctrl+Shift+B", file_menu)
        self._action("Bac&kups…", self.files.show_backups, None, file_menu)
        self.encrypt_action = self._action(
            "En&crypt with a passphrase…", self.security.encrypt_database, None, file_menu
        )
        self._action("Take a copy o&ffline…", self._take_copy_offline, None, file_menu)
        self._action("&Merge a copy back…", self.files.merge_copy_back, None, file_menu)
        file_menu.addSeparator()
        self._action(
            "Briefing &pack…", self.briefing_pack, QKeySequence.StandardKey.Print, file_menu
        )
        file_menu.addSeparator()
        self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, file_menu)

        edit_menu = self.menuBar().addMenu("&Edit")
        # Not the stack's own createUndoAction: a long command's undo and redo are made off the
        # GUI thread before the stack is told (commands.undo, redo), which its action cannot.
        stack = self.context.undo_stack
        undo = self._step_action("&Undo", lambda: commands.undo(self.context, self))
        undo.setShortcut(QKeySequence.StandardKey.Undo)
        redo = self._step_action("&Redo", lambda: commands.redo(self.context, self))
        redo.setShortcuts(redo_keys())
        edit_menu.addAction(undo)
        edit_menu.addAction(redo)
        self.undo_action, self.redo_action = undo, redo
        # Bound methods, not lambdas: the stack is the context's, and outlives this window.
        self._can = {"undo": stack.canUndo(), "redo": stack.canRedo()}
        stack.canUndoChanged.connect(self._can_undo)
        stack.canRedoChanged.connect(self._can_redo)
        stack.undoTextChanged.connect(self._name_undo)
        stack.redoTextChanged.connect(self._name_redo)
        self._enable_steps()
        edit_menu.addSeparator()
        self._action("New re&view…", self._new_review, "Ctrl+Shift+N", edit_menu)
        self._action("New recommen&dation…", self._new_item, "Ctrl+Shift+R", edit_menu)
        self._action("New &initiative…", self._new_initiative, None, edit_menu)
        self._action("New ins&pection…", self._new_inspection, None, edit_menu)
        self._action("Learning t&hemes…", self.show_themes, None, edit_menu)
        edit_menu.addSeparator()
        self.settings_action = self._action("Se&ttings…", self.show_settings, None, edit_menu)

        view_menu = self.menuBar().addMenu("&View")
        self._action("&Refresh", self.refresh, QKeySequence.StandardKey.Refresh, view_menu)
        view_menu.addSeparator()
        for number in range(self.tabs.count()):
            title = self.tabs.tabText(number).replace("&", "")
            self._action(  # a tab that needs the layer waits for it as it is built
                f"&{number + 1} {title}",
                lambda _=False, n=number: self.tabs.setCurrentIndex(n),
                f"Ctrl+{number + 1}",
                view_menu,
                early=True,
            )
        self._action(
            "&Find", self._focus_search, QKeySequence.StandardKey.Find, view_menu, early=True
        )

        help_menu = self.menuBar().addMenu("&Help")
        self._action(
            "casereview &help", self.show_help, QKeySequence.StandardKey.HelpContents, help_menu
        )
        help_menu.addSeparator()
        self._action("Open the &data folder", self.open_data_folder, None, help_menu)
        self._action("Open the &log folder", self.open_log_folder, None, help_menu)
        self._action("&About casereview", self._about, None, help_menu)

    # The tabs are asked for when the action runs: building them is left until needed.
    def _new_review(self) -> None:
        self.reviews_tab.new_review()

    def _new_item(self) -> None:
        if self._current() is self._built[0]:  # the Reviews tab: its selected review
            self.reviews_tab.new_item()
        else:
            self.recommendations_tab.new_item()

    def show_themes(self) -> None:
        """Edit ▸ Learning themes: rename or merge themes; the window reads again after."""
        from db.services import themes
        from desktop.commands import MergeTheme, RenameTheme, apply_here
        from desktop.dialogs.themes import ThemesDialog

        if not self.context.takes_changes(self):
            return
        database = self.context.database

        def read() -> list[themes.ThemeCount]:
            with database.session() as session:
                return themes.theme_counts(session)

        def change(kind: str, old: str, new: str) -> str:
            """Each change a command on the undo stack (Ctrl+Z once the dialog is closed)."""
            command: RenameTheme | MergeTheme = (
                RenameTheme(self.context, old, new)
                if kind == "rename"
                else MergeTheme(self.context, old, new)
            )
            apply_here(command)
            return command.said

        dialog = ThemesDialog(read, change, self)
        dialog.exec()
        dialog.deleteLater()
        self.context.data_changed.emit()

    def _take_copy_offline(self) -> None:
        """File ▸ Take a copy offline, offering the meeting selected in the Meetings tab."""
        meetings = self._built[5]
        self.files.take_copy_offline(self.meetings_tab.selected_key() if meetings else None)

    def _new_initiative(self) -> None:
        self.initiatives_tab.new_initiative()

    def _new_inspection(self) -> None:
        self.inspections_tab.new_inspection()

    # -- loading

    def refresh(self) -> None:
        """Reload the tab on show and the counts; other tabs reload when next shown."""
        self.elsewhere.note()
        current = self._current()
        for tab in self.built_tabs():
            tab.loaded = tab.loaded and tab is current
        self._load_current()
        with self.database.session() as session:
            totals = dataset.counts(session)
            origin = copies.copy_origin(session)
        self.empty_banner.setVisible(totals.is_empty)
        self.load_sample_action.setEnabled(totals.is_empty)
        self.counts_label.setText(totals.describe())
        self._show_copy(origin)

    def _show_copy(self, origin: CopyOrigin | None) -> None:
        """Say in the title and the status bar when the database is a copy taken to a
        meeting (db.services.checkout): of what, when and by whom."""
        name = self.context.place.name
        if origin is None:
            self.setWindowTitle(f"{name} \u2014 casereview")
        else:
            self.setWindowTitle(f"{name} ({origin.describe()}) \u2014 casereview")
        self._merged_copy = origin is not None and origin.merged_at is not None
        self.copy_label.set_parts(_copy_parts(origin) if origin is not None else [])
        self.copy_label.setVisible(origin is not None)
        self._share_status_bar()

    def _load_current(self) -> None:
        tab = self._current()
        if tab.loaded:
            tab.refresh()
        else:
            tab.load()
        self.data_loaded.emit()

    def _current(self) -> Tab:
        return self.tab_at(max(self.tabs.currentIndex(), 0))

    def _tab_shown(self, _index: int) -> None:
        tab = self._current()
        if not tab.loaded and self.context.is_open:
            tab.load()
        elif not tab.loaded:  # shown while the database layer loads: painted from the file
            self._paint_early(tab)

    def _paint_early(self, tab: Tab) -> bool:
        """Paint ``tab`` from the file, before the database is open, if it can and has not."""
        reads = self.context.pending_reads
        if reads is None or tab.painted_early:
            return tab.painted_early
        tab.painted_early = tab.first_paint(reads)
        return tab.painted_early

    def _focus_search(self) -> None:
        self.tabs.setCurrentWidget(self.recommendations_tab)
        self.recommendations_tab.filters.search.setFocus()
        self.recommendations_tab.filters.search.selectAll()

    # -- the other actions

    def load_sample_data(self) -> None:
        try:
            with self.database.transaction(self.context.actor) as session:
                if not dataset.counts(session).is_empty:
                    raise CaseReviewError(
                        "The sample data can only be loaded into an empty database."
                    )
                dataset.load_sample(session, self.context.today())
        except CaseReviewError as exc:
            self.context.explain(exc, self)
            return
        self.context.undo_stack.clear()
        self.context.commands.clear()
        self.refresh()
        self.statusBar().showMessage("Sample data loaded.", 5000)

    def show_settings(self) -> None:
        """Edit ▸ Settings: saved to the settings file and applied at once."""
        from db.store.audit import default_actor
        from desktop.dialogs.settings import SettingsDialog

        dialog = SettingsDialog(self.context.settings, default_actor(), self)
        if not dialog.exec():
            return
        dialog.save()
        idle_watch = self.security.idle_watch
        if idle_watch is not None:  # the name and marking are read where they are used
            minutes = self.context.settings.get(keys.LOCK_AFTER_MINUTES)
            idle_watch.timer.setInterval(max(1, minutes) * 60_000)
            idle_watch.timer.start()

    def briefing_pack(self) -> None:
        from desktop.dialogs.briefing import BriefingDialog

        meeting = None  # the meeting selected, when the Meetings tab is on show
        shown = self.tabs.currentWidget()
        if shown is not None and shown is self._built[MEETINGS]:
            meeting = self.meetings_tab.selected_key()
        self.briefing_dialog = BriefingDialog(self.context, self, meeting)
        self.briefing_dialog.open()

    def _fill_recent(self) -> None:
        """The databases opened lately, numbered for the keyboard (&1…), less the open one."""
        self.recent_menu.clear()
        current = self.context.place.path
        recent = [
            p
            for p in self.context.settings.get(keys.RECENT_DATABASES)
            if current is None or p != str(current)
        ]
        if not recent:
            self.recent_menu.addAction("No other recent databases").setEnabled(False)
        for number, path in enumerate(recent, start=1):
            key = f"&{number} " if number < 10 else ""
            action = self.recent_menu.addAction(key + path.replace("&", "&&"))
            action.triggered.connect(  # opening another imports the layer too
                lambda _=False, p=path: self._when_open(lambda: self.open_requested.emit(p))
            )

    def open_data_folder(self) -> None:
        path = self.context.place.path
        folder = path.parent if path is not None else None
        if folder is None:
            self.context.explain(
                CaseReviewError(
                    "This database is on a server; it has no data folder on this computer."
                ),
                self,
            )
            return
        self._show_folder(folder, "the data folder")

    def open_log_folder(self) -> None:
        """The folder of casereview's log (``db.store.logs``), for a user asked to send it."""
        from db.store.logs import log_folder

        try:
            folder = log_folder()
            folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError as exc:
            _log.warning("log folder not made: %s", cause(exc))
            self.context.explain(
                CaseReviewError("The log folder cannot be made, so casereview keeps no log."),
                self,
                logged=True,  # just above, with its errno
            )
            return
        self._show_folder(folder, "the log folder")

    def _show_folder(self, folder: Path, what: str) -> None:
        """Open ``folder``, or say where it is when nothing on this computer opens folders."""
        from desktop.qtutils import open_folder

        refused = open_folder(folder, what)
        if refused is not None:
            self.context.explain(CaseReviewError(refused), self)

    def show_help(self) -> None:
        """The user's guide shipped with casereview (it needs no network)."""
        from desktop.dialogs.help import HelpWindow

        if getattr(self, "help_window", None) is None:
            self.help_window = HelpWindow(self)
        self.help_window.show()
        self.help_window.raise_()
        self.help_window.activateWindow()

    def _about(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.about(
            self,
            "About casereview",
            f"<b>casereview {__version__}</b><p>Tracks the learning from safeguarding case "
            "reviews and inspections for review panels. Works offline; your data stays in "
            f"{self.context.place}.</p>",
        )

    # -- settings

    def _restore_settings(self) -> None:
        settings = self.context.settings
        geometry = settings.get(keys.WINDOW_GEOMETRY)
        if not geometry.isEmpty():
            self.restoreGeometry(geometry)
            # Qt keeps a remembered geometry it cannot fit to the screen as it was (one saved
            # at another scale: at 150 % a 1366x768 laptop's window ran off the right edge,
            # Save agenda and the title bar's buttons with it; found by a new user).
            keep_on_screen(self)
        state = settings.get(keys.WINDOW_STATE)
        if not state.isEmpty():
            self.restoreState(state)
        tab = settings.get(keys.LAST_TAB)
        self.tabs.blockSignals(True)
        self.tabs.setCurrentIndex(tab if 0 <= tab < self.tabs.count() else 0)
        self.tabs.blockSignals(False)
        path = self.context.place.path
        if path is not None:
            recent = [
                str(path),
                *(p for p in settings.get(keys.RECENT_DATABASES) if p != str(path)),
            ]
            settings.set(keys.RECENT_DATABASES, recent[:8])

    def save_settings(self) -> None:
        settings = self.context.settings
        settings.set(keys.WINDOW_GEOMETRY, self.saveGeometry())
        settings.set(keys.WINDOW_STATE, self.saveState())
        settings.set(keys.LAST_TAB, self.tabs.currentIndex())
        for tab in self.built_tabs():
            tab.save_settings()
        settings.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        if self.context.changing is not None:  # closes, if it does, once the change has ended
            self._ask_about_closing()
            event.ignore()
            return
        self.security.close_locked()
        self.save_settings()
        self.context.evidence.remove()  # the plaintext copies opened from this window
        if self.security.idle_watch is not None:
            self.security.idle_watch.stop()  # a closed window never locks (nor hides another's)
        super().closeEvent(event)
        self.closed = event.isAccepted()

    def _ask_about_closing(self) -> None:
        """Asked to close (its close button, Ctrl+Q, the system ending the session) while a
        change is being made off the GUI thread: say so, and close once it has finished, stop
        it (rolled back whole) and close, or keep the window open. Closing under it would
        leave the change half-reported and the database closed beneath it.

        The question is asked over the change's progress dialog, shown at once if it was
        still waiting its moment: asked over the window, the dialog came up over it and took
        its clicks. It does not wait for its answer (``_closing_answered``); the change
        ending first withdraws it (``_changed``)."""
        changing = self.context.changing
        assert changing is not None
        if self.close_question is not None:  # asked already (Ctrl+Q twice, say)
            return
        changing.dialog.show()
        box = QMessageBox(
            QMessageBox.Icon.Question,
            "casereview",
            f"{changing.said()} Close the window when it has finished, or stop it now "
            "(nothing of it is kept) and close?",
            QMessageBox.StandardButton.NoButton,
            changing.dialog,
        )
        box.setObjectName("closing while changing")
        finish = box.addButton("Close when &finished", QMessageBox.ButtonRole.AcceptRole)
        stop = box.addButton("&Stop it and close", QMessageBox.ButtonRole.DestructiveRole)
        stay = box.addButton("&Keep the window open", QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(finish)
        box.setEscapeButton(stay)
        answers = {finish: "finish", stop: "stop", stay: None}
        box.finished.connect(lambda _: self._closing_answered(box, answers))
        self.close_question = box
        box.open()

    def _closing_answered(self, box: QMessageBox, answers: dict[Any, str | None]) -> None:
        if self.close_question is not box:  # withdrawn as the change ended
            return
        self.close_question = None
        self.close_after = answers.get(box.clickedButton())
        changing = self.context.changing
        if self.close_after is None or changing is None:
            return
        if self.close_after == "stop":
            changing.cancel()
        self.statusBar().showMessage("The window will close when the change has ended.")

    def start(self) -> None:
        """Show the current tab's data as soon as the window is on screen.

        A database not yet open (see ``PendingDatabase``) is painted first from the file with
        sqlite3 alone, where the tab can; the database layer loads just after.
        """
        if self.context.is_open:
            QTimer.singleShot(0, self.refresh)
            QTimer.singleShot(0, self.files.keep_a_copy)
        else:
            QTimer.singleShot(0, self._first_paint)

    def _first_paint(self) -> None:
        self.context.start_check()  # beside the paint and the database layer's loading
        tab = self._current()
        if self._paint_early(tab):
            # A tab that answers its searches and starts its edits from the file is
            # interactive now (``answers_early``); the database layer loads beside it.
            self.answers_early = tab.answers_early
            self.data_loaded.emit()
            # The page goes on screen before the database layer loads (0.3-0.5 s), whatever
            # order the window system's events and the timers happen to come in.
            self.after_next_paint(self._load_layer)
        else:
            self._open_pending()

    def _load_layer(self) -> None:
        """Load the database layer off the GUI thread, then open the database on it."""
        self.context.load_then(self._open_pending)

    def after_next_paint(self, then: Callable[[], None]) -> None:
        """Call ``then`` once the window has next painted itself and its children, so what it
        shows now is on screen first; callbacks run in the order given, each once. A window
        that is hidden or minimised, or never painted (covered, on some window systems), does
        not hold them up for long (``paint_wait_ms``)."""
        self._after_paint.append(then)
        if not self.isVisible() or self.isMinimized():
            QTimer.singleShot(0, self, self._painted)
            return
        self.update()  # the whole window, so this widget's own paint event comes
        if not self._paint_wait.isActive():
            self._paint_wait.start(self.paint_wait_ms)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Grown to its minimum size (a tab that needs more room than the window had, shown),
        the window is brought back inside the screen: its right edge went past it, with what
        was there. A size asked for (a user's, a test's) is left alone."""
        super().resizeEvent(event)
        self._share_status_bar()
        old, new, least = event.oldSize(), event.size(), self.minimumSize()
        grown = old.isValid() and (
            (new.width() > old.width() and new.width() == least.width())
            or (new.height() > old.height() and new.height() == least.height())
        )
        if grown and self.isVisible():
            self.keep_on_screen_timer.start()

    def _share_status_bar(self) -> None:
        """The status bar's lasting labels (where the data is; what it is a copy of) share
        what its messages and counts leave them, at least a third of its width kept for those:
        a copy's notice and its path took all but 140 of a laptop's 1230 pixels, and a message
        said there showed its first 15 characters. Each takes what it needs where both fit;
        where they do not, the copy's notice three fifths (a merged copy's seven tenths: that
        it can no longer be changed) and where the data is the rest, folders elided first."""
        room = self.width() - max(self.width() // 3, self.counts_label.sizeHint().width())
        where = self.location_label
        if self.copy_label.isHidden():
            where.setMaximumWidth(max(where.minimumWidth(), room))
            return
        wanted = where.sizeHint().width()
        copy_wanted = self.copy_label.sizeHint().width()
        share = 0.3 if self._merged_copy else 0.4
        where_room = min(wanted, max(room - copy_wanted, round(room * share)))
        where.setMaximumWidth(max(where.minimumWidth(), where_room))
        self.copy_label.setMaximumWidth(max(self.copy_label.minimumWidth(), room - where_room))

    def paintEvent(self, event: QPaintEvent) -> None:
        super().paintEvent(event)
        if self._after_paint:
            # The children paint after this, in the same pass, before the timer can fire.
            QTimer.singleShot(0, self, self._painted)

    def _painted(self) -> None:
        self._paint_wait.stop()
        waiting, self._after_paint = self._after_paint, []
        try:
            while waiting:
                waiting.pop(0)()
        finally:
            if waiting:  # one raised: the others still run, on the next turn of the loop
                self._after_paint[:0] = waiting
                QTimer.singleShot(0, self, self._painted)

    def _open_pending(self) -> None:
        if self.closed or self._opened:  # closed meanwhile, or opened for a menu command
            return
        self._opened = True
        from sqlalchemy.exc import DBAPIError

        try:
            database = self.context.database
        except CaseReviewError:  # said by the context's opening_refused (``open_failed``)
            return
        try:
            self.refresh()
        except DBAPIError:  # perhaps a damaged page, read before the file's check could say so
            if database.check is None:
                raise
            self._await_verdict(wait=True)  # a damaged file: refused, as on opening
            if database.check is None:
                raise  # the file is sound: a fault of another kind
            return
        # The copy (perhaps 150 MB) begins once the page from the database is on screen.
        self.after_next_paint(self.files.keep_a_copy)
        self._await_verdict()

    def _await_verdict(self, *, wait: bool = False) -> None:
        """The database opened before SQLite's check of the whole file ended (see
        ``PendingDatabase``): once it ends, a damaged file is refused as opening it would
        have been (``open_failed``), and this window's connections to it closed."""
        database = self.context.database
        check = database.check
        if check is None:
            return
        if not (wait or check.finished):
            QTimer.singleShot(VERDICT_POLL_MS, self, self._await_verdict)
            return
        try:
            database.sound()
        except CaseReviewError as exc:
            database.close()
            self.open_failed.emit(exc)
