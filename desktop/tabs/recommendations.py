"""The Recommendations tab: every tracked item from reviews and inspections, with a filter bar,
a detail pane (progress log, evidence, sign-off) and bulk status changes."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import (
    QEvent,
    QItemSelection,
    QItemSelectionModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAccessible, QAction, QKeyEvent, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from db.core.dates import format_date
from db.core.errors import CaseReviewError, NotFoundError
from db.core.items import ItemKey
from db.core.rules import Closure
from db.core.search_words import words
from db.core.vocabulary import Rating, Status
from db.queries import first_page
from db.queries.rows import PAGE_SIZE, FilterChoices, RecommendationRow, TrackerFilter
from desktop import settings as keys
from desktop.context import AppContext
from desktop.conversions import find_data
from desktop.lazy import lazy
from desktop.models.tracker import COLUMNS, TrackerModel
from desktop.palette import rating_colours
from desktop.tabs.common import (
    EmptyState,
    Tab,
    TablePage,
    configure_table,
    esc,
    open_rows_with,
    row_action,
)

if TYPE_CHECKING:
    from pathlib import Path

    from PySide6.QtCore import QUrl
    from PySide6.QtWidgets import QProgressDialog

    from db.queries import details as queries
    from db.queries import tracker
    from db.queries.similar import Match
    from db.services import editing, repeats
    from db.store import search
    from desktop import commands
    from desktop.dialogs import forms as dialogs
else:
    editing, queries = lazy("db.services.editing"), lazy("db.queries.details")
    search, tracker = lazy("db.store.search"), lazy("db.queries.tracker")
    # The forms need no database layer: an edit starts while it loads (``edit_item``).
    commands, dialogs = lazy("desktop.commands"), lazy("desktop.dialogs.forms", needs_layer=False)
    repeats = lazy("db.services.repeats")

ALL = "All"
# The detail pane's word when the similarity index could not be built (the file held by
# another program, say): never "nothing similar", which it does not know.
SIMILAR_FAILED = (
    "Similar earlier learning could not be looked for just now; it is looked for again when "
    "you next select an item."
)


def _combo(name: str, first: str = ALL) -> QComboBox:
    combo = QComboBox()
    combo.setAccessibleName(name)
    combo.setToolTip(name)
    combo.addItem(first, None)
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(6)
    return combo


class QueuedSearch(QObject):
    """Runs a search box's search once the keys typed together have all been taken.

    A search run in each keystroke's own handler holds the event loop for as long as it
    reads (the tracker's first page, 5-40 ms, the most while the database layer loads at
    start-up). Keys typed faster than that queue behind it, and Qt takes every queued key
    before it repaints: a new user's trial under X, typing quickly as the window appeared,
    saw the first letters and then nothing for 0.6-1.1 s until every search had run. A
    change typed into the box now only asks for the search (``ask``: a timer of no time,
    which fires once the keys queued already have been taken), so the box shows every letter
    as it comes and one search answers the keys that came together. A change the program
    makes (the filters restored or cleared, Escape, the box's clear button) is searched at
    once, as whatever made it may read the results next.

    A key that may act on the results (Down to them, Enter, Tab, a shortcut such as Ctrl+A)
    and the focus leaving the box first run a search still asked for, so that whatever they
    do acts on the results of all that was typed. Keys that only edit the text (letters,
    Backspace and Delete held down, Shift, a dead key, AltGr, which Windows reports as
    Ctrl+Alt) wait with the rest."""

    def __init__(self, box: QLineEdit, search: Callable[[], None]) -> None:
        super().__init__(box)
        self._search = search
        # The text last typed: ``textEdited`` comes before ``textChanged`` for a typed change
        # (the box's clear button gives it after, for a change asked about already).
        self._typed: str | None = None
        self._box = box
        self._due = QTimer(self)
        self._due.setSingleShot(True)
        self._due.setInterval(0)
        self._due.timeout.connect(search)
        box.textEdited.connect(self._edited)
        box.installEventFilter(self)

    def _edited(self, text: str) -> None:
        self._typed = text

    @property
    def pending(self) -> bool:
        """Whether a search has been asked for and has not run yet."""
        return self._due.isActive()

    def ask(self) -> None:
        """Search for the box's new text: once the keys typed with it have been taken, or at
        once if the program set it."""
        typed, self._typed = self._typed == self._box.text(), None
        if typed:
            self._due.start()
        else:
            self._due.stop()
            self._search()

    def cancel(self) -> None:
        """Forget a search asked for: the caller is reading the filters itself."""
        self._due.stop()

    def now(self) -> None:
        """Run the search asked for, if one is, at once."""
        if self._due.isActive():
            self._due.stop()
            self._search()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if self._due.isActive() and (
            kind == QEvent.Type.FocusOut
            or (
                kind in (QEvent.Type.KeyPress, QEvent.Type.ShortcutOverride)
                and isinstance(event, QKeyEvent)
                and _may_act(event)
            )
        ):
            self.now()
        return False


_ONLY_EDITS = {
    Qt.Key.Key_Shift,
    Qt.Key.Key_Control,
    Qt.Key.Key_Alt,
    Qt.Key.Key_AltGr,
    Qt.Key.Key_Meta,
    Qt.Key.Key_Super_L,
    Qt.Key.Key_Super_R,
    Qt.Key.Key_CapsLock,
    Qt.Key.Key_Multi_key,  # Compose
}
_DEAD_KEYS = range(Qt.Key.Key_Dead_Grave.value, Qt.Key.Key_Dead_Longsolidusoverlay.value + 1)
_ALT_GR = Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.AltModifier


def _may_act(event: QKeyEvent) -> bool:
    """Whether a key in the search box may act on its results, rather than only edit its
    text: not a letter, digit, space or sign, typed or with AltGr (Ctrl+Alt on Windows); not
    Backspace or Delete alone; not a modifier or a dead key pressed by itself."""
    key = event.key()
    if key in _ONLY_EDITS or key in _DEAD_KEYS:
        return False
    held = event.modifiers() & (_ALT_GR | Qt.KeyboardModifier.MetaModifier)
    text = event.text()
    if text and text.isprintable() and held in (Qt.KeyboardModifier.NoModifier, _ALT_GR):
        return False
    return not (
        key in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) and held == Qt.KeyboardModifier.NoModifier
    )


class FilterBar(QWidget):
    """Search and filters; emits nothing itself, the tab reads ``current()`` on any change."""

    def __init__(self) -> None:
        super().__init__()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search text, actions and updates")
        self.search.setClearButtonEnabled(True)
        self.search.setAccessibleName("Search recommendations")
        self.search.setMinimumWidth(160)  # still a place to type at the window's least width
        clear_search = QAction("Clear the search", self.search)
        clear_search.setShortcut(QKeySequence(Qt.Key.Key_Escape))
        clear_search.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        clear_search.triggered.connect(self.search.clear)
        self.search.addAction(clear_search)
        self.source = _combo("Source", "All sources")
        self.agency = _combo("Agency", "All agencies")
        self.status = _combo("Status", "All statuses")
        for status in Status:
            self.status.addItem(status.label, status.value)
        self.rating = _combo("Rating", "All ratings")
        for rating in Rating:
            self.rating.addItem(rating.label, rating.value)
        self.theme = _combo("Theme", "All themes")
        # At the window's least width (1024 pixels) the long-named lists give way first, so
        # that the search, Status and Rating keep their room.
        for combo in (self.source, self.agency, self.theme):
            combo.setMinimumContentsLength(3)
        self.overdue = QCheckBox("Over&due")
        self.overdue.setAccessibleName("Only overdue items")
        self.due = QCheckBox("Due &before")
        self.due.setAccessibleName("Only items due before a date")
        # Typed as in every other date field: read exactly, or marked as unreadable (with the
        # reason in its tooltip) while the filter keeps the last date it could read.
        self.due_date = dialogs.DateField(None, "Due before this date")
        self.due_date.setMaximumWidth(190)
        # Wide enough for the longest date it shows ("30 September 2026"), not just its year.
        longest = self.due_date.edit.fontMetrics().horizontalAdvance("30 September 2026")
        self.due_date.edit.setMinimumWidth(longest + 12)
        self.due_date.setEnabled(False)
        self._due: dt.date | None = None
        self.due_date.changed.connect(self._due_read)
        self.due.toggled.connect(self.due_date.setEnabled)
        self.clear = QPushButton("C&lear filters")
        self.clear.setAccessibleName("Clear filters")
        self.clear.clicked.connect(self.reset)
        # One row where it fits; on a narrower window (1024 pixels, or 150 % scaling) the
        # date filters and Clear go onto a second row rather than squeezing the search and
        # the lists, or widening the window past the screen.
        rows = QVBoxLayout(self)
        rows.setContentsMargins(6, 6, 6, 6)
        rows.setSpacing(4)
        self._first, self._second = QHBoxLayout(), QHBoxLayout()
        rows.addLayout(self._first)
        rows.addLayout(self._second)
        self._first.addWidget(self.search, 3)
        for widget in (self.source, self.agency, self.status, self.rating, self.theme):
            self._first.addWidget(widget, 1)
        self._last = (self.overdue, self.due, self.due_date, self.clear)
        self._one_row: bool | None = None
        self._arrange(one_row=False)
        self.setMinimumWidth(self._width_of(self._first_widgets()))

    def _first_widgets(self) -> list[QWidget]:
        return [self.search, self.source, self.agency, self.status, self.rating, self.theme]

    def _width_of(self, widgets: Sequence[QWidget]) -> int:
        """The least width a row of ``widgets`` takes, margins and spacing included."""
        spacing = max(self._first.spacing(), 0)
        inner = sum(w.minimumSizeHint().width() for w in widgets)
        return inner + spacing * (len(widgets) - 1) + 12

    def _arrange(self, *, one_row: bool) -> None:
        if one_row == self._one_row:
            return
        while self._second.count():
            self._second.takeAt(0)
        for widget in self._last:
            self._first.removeWidget(widget)
        target = self._first if one_row else self._second
        for widget in self._last:
            target.addWidget(widget)
        if not one_row:
            self._second.addStretch()
        self._one_row = one_row

    def resizeEvent(self, event: QResizeEvent) -> None:
        least = self._width_of([*self._first_widgets(), *self._last])
        # With room to spare, not just the least: lists squeezed to "All sour" are no use.
        self._arrange(one_row=event.size().width() >= least * 1.15)
        super().resizeEvent(event)

    def set_choices(self, choices: FilterChoices) -> None:
        for combo, values in (
            (self.source, choices.sources),
            (self.agency, choices.agencies),
            (self.theme, choices.themes),
        ):
            current = combo.currentData()
            combo.blockSignals(True)
            while combo.count() > 1:
                combo.removeItem(1)
            for value in values:
                combo.addItem(value, value)
            index = find_data(combo, current) if current is not None else 0
            combo.setCurrentIndex(max(index, 0))
            combo.blockSignals(False)

    def current(self) -> TrackerFilter:
        # Qt hands StrEnum data back as plain strings.
        status, rating = self.status.currentData(), self.rating.currentData()
        return TrackerFilter(
            # Only the words matter: "staff " asks the same as "staff".
            text=" ".join(words(self.search.text())),
            source=self.source.currentData(),
            agency=self.agency.currentData(),
            statuses=frozenset({Status(status)}) if status else frozenset(),
            rating=Rating(rating) if rating else None,
            overdue=self.overdue.isChecked(),
            theme=self.theme.currentData(),
            due_before=self._due if self.due.isChecked() else None,
        )

    def set_due(self, value: dt.date) -> None:
        self.due_date.set_value(value)
        self._due = value

    def _due_read(self) -> None:
        self._due = self.due_date.value()

    def reset(self) -> None:
        self.search.clear()
        for combo in (self.source, self.agency, self.status, self.rating, self.theme):
            combo.setCurrentIndex(0)
        self.overdue.setChecked(False)
        self.due.setChecked(False)

    def state(self) -> dict[str, Any]:
        flt = self.current()
        return {
            "text": flt.text,
            "source": flt.source or "",
            "agency": flt.agency or "",
            "status": next(iter(flt.statuses)).value if flt.statuses else "",
            "rating": flt.rating.value if flt.rating else "",
            "overdue": flt.overdue,
            "theme": flt.theme or "",
            "due_before": flt.due_before.isoformat() if flt.due_before else "",
        }

    @staticmethod
    def searches_only(state: dict[str, Any]) -> bool:
        """Whether a saved ``state`` is a search and no other filter (or nothing at all)."""
        return FilterBar.filters_nothing({**state, "text": ""})

    @staticmethod
    def filters_nothing(state: dict[str, Any]) -> bool:
        """Whether a saved ``state`` is the unfiltered view (unsure counts as filtered)."""
        keys = ("text", "source", "agency", "status", "rating", "theme", "due_before")
        return not any(str(state.get(key) or "").strip() for key in keys) and (
            str(state.get("overdue")).lower() != "true"
        )

    def restore(self, state: dict[str, Any]) -> None:
        self.search.setText(str(state.get("text", "")))
        for combo, key in (
            (self.source, "source"),
            (self.agency, "agency"),
            (self.theme, "theme"),
        ):
            index = find_data(combo, state.get(key) or None)
            combo.setCurrentIndex(max(index, 0))
        for combo, key, kind in ((self.status, "status", Status), (self.rating, "rating", Rating)):
            value = state.get(key) or ""
            index = find_data(combo, value) if value in {m.value for m in kind} else 0
            combo.setCurrentIndex(max(index, 0))
        self.overdue.setChecked(str(state.get("overdue")).lower() == "true")
        due = str(state.get("due_before") or "")
        if due:
            try:
                self.set_due(dt.date.fromisoformat(due))
                self.due.setChecked(True)
            except ValueError:  # a saved filter edited by hand: shown off, no log
                self.due.setChecked(False)

    def changes(self) -> list[Any]:
        """The lists' and boxes' changes; the search's text is the tab's to watch, as it
        is searched once the keys typed together have been taken (``QueuedSearch``)."""
        return [
            self.source.currentIndexChanged,
            self.agency.currentIndexChanged,
            self.status.currentIndexChanged,
            self.rating.currentIndexChanged,
            self.theme.currentIndexChanged,
            self.overdue.toggled,
            self.due.toggled,
            self.due_date.changed,
        ]


class TrackerView(QTableView):
    """The Recommendations table. Select all and a jump to the end count the matching items
    first if the count has not come yet, so they reach every item, not the first page's."""

    def dataChanged(
        self,
        top_left: QModelIndex | QPersistentModelIndex,
        bottom_right: QModelIndex | QPersistentModelIndex,
        roles: Sequence[int] = (),
    ) -> None:
        """Repaint only the rows on screen that changed. Qt repaints the whole table for a
        change to rows that run past the screen (a keystroke's new first page changes rows
        up to its 100th, mostly out of sight: 10 ms each time at 1440x800, for rows nobody
        sees) and only their own rows for rows all on screen; so a change is cut to the rows
        shown, and one wholly out of sight repaints nothing. With assistive technology
        running, Qt is told the whole change, as a screen reader may follow rows off screen."""
        first, last = top_left.row(), bottom_right.row()
        if first != last and top_left.isValid() and not QAccessible.isActive():
            shown_first = self.rowAt(0)
            shown_last = self.rowAt(self.viewport().height() - 1)
            if shown_last < 0:  # the rows end before the viewport does
                shown_last = self.model().rowCount() - 1
            first, last = max(first, shown_first), min(last, shown_last)
            if shown_first < 0 or first > last:
                return
            model = self.model()
            top_left = model.index(first, top_left.column())
            bottom_right = model.index(last, bottom_right.column())
        super().dataChanged(top_left, bottom_right, list(roles))

    def selectAll(self) -> None:
        self._count_first()
        super().selectAll()

    def moveCursor(
        self, action: QAbstractItemView.CursorAction, modifiers: Qt.KeyboardModifier
    ) -> QModelIndex:
        """Ctrl+Home and Ctrl+End go to the first or last item in the same column: Qt's go
        to the first or last column too, and Ctrl+End scrolled Source and Number out of
        sight in a table whose rows are what is chosen (found by a new user)."""
        move = QAbstractItemView.CursorAction
        if action is move.MoveEnd:
            self._count_first()
        model = self.model()
        if (
            action in (move.MoveHome, move.MoveEnd)
            and modifiers & Qt.KeyboardModifier.ControlModifier
            and model is not None
            and model.rowCount() > 0
        ):
            current = self.currentIndex()
            column = (
                current.column() if current.isValid() else self.horizontalHeader().logicalIndex(0)
            )
            return model.index(0 if action is move.MoveHome else model.rowCount() - 1, column)
        return super().moveCursor(action, modifiers)

    def selectionCommand(
        self, index: QModelIndex | QPersistentModelIndex, event: QEvent | None = None
    ) -> QItemSelectionModel.SelectionFlag:
        """Ctrl+Home and Ctrl+End select the first or last item, as in a spreadsheet (in an
        extended selection Qt only moves the current cell, so the detail pane kept showing the
        item selected before); with Shift they extend the selection to it, as Shift+Down
        does (Qt leaves the selection as it was for any key held with Ctrl)."""
        if isinstance(event, QKeyEvent) and event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End):
            flag = QItemSelectionModel.SelectionFlag
            control, shift = Qt.KeyboardModifier.ControlModifier, Qt.KeyboardModifier.ShiftModifier
            if event.modifiers() == control:
                return flag.ClearAndSelect | flag.Rows
            if event.modifiers() == control | shift:
                return flag.SelectCurrent | flag.Rows
        return super().selectionCommand(index, event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Ctrl+Home or Ctrl+End on the row it goes to selects that item alone, as from any
        other row: Qt changes the selection only when the current cell moves, so after Ctrl+A
        on the last row Ctrl+End left every item selected, and Change status offered to
        change them all (a trial's find)."""
        control = Qt.KeyboardModifier.ControlModifier
        if event.key() in (Qt.Key.Key_Home, Qt.Key.Key_End) and event.modifiers() == control:
            move = QAbstractItemView.CursorAction
            action = move.MoveHome if event.key() == Qt.Key.Key_Home else move.MoveEnd
            target = self.moveCursor(action, event.modifiers())
            selection = self.selectionModel()
            if target.isValid() and target == self.currentIndex() and selection is not None:
                flag = QItemSelectionModel.SelectionFlag
                selection.select(target, flag.ClearAndSelect | flag.Rows)
                event.accept()
                return
        super().keyPressEvent(event)

    def _count_first(self) -> None:
        model = self.model()
        if model is not None and model.canFetchMore(QModelIndex()):
            model.fetchMore(QModelIndex())


class RecommendationsTab(Tab):
    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self.model = TrackerModel(lambda: context.database, context.today, self)
        self.filters = FilterBar()
        self.filters.set_due(context.today() + dt.timedelta(days=42))
        self.view = configure_table(TrackerView(), "Recommendations table", [])
        self.view.setModel(self.model)
        for number, column in enumerate(COLUMNS):
            self.view.setColumnWidth(number, column.width)
        self.view.setSelectionMode(QTableView.SelectionMode.ExtendedSelection)
        self.view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.count_label = QLabel()
        self.count_label.setAccessibleName("Number of matching items")

        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Recommendation detail")
        self.detail.setOpenLinks(False)
        self._detail_html: str | None = None  # what the pane shows (``_set_detail``)
        self.detail.anchorClicked.connect(self._open_link)
        self.similar = context.similar_learning
        self.similar.ready.connect(self._show_detail)
        self.similar.failed.connect(self._similar_failed)
        self.update_button = QPushButton("Add &update…")
        self.evidence_button = QPushButton("Add evide&nce…")
        self.sign_off_button = QPushButton("&Sign off…")
        self.edit_button = QPushButton("Edi&t…")
        self._bulk: QProgressDialog | None = None  # a bulk change under way, off the GUI thread
        self.bulk_button = QPushButton("Change st&atus of selected…")
        self.new_button = QPushButton("Ne&w recommendation…")
        for button, handler in (
            (self.new_button, self.new_item),
            (self.update_button, self.add_update),
            (self.evidence_button, self.add_evidence),
            (self.sign_off_button, self.sign_off),
            (self.edit_button, self.edit_item),
            (self.bulk_button, self.bulk_status),
        ):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(handler)

        self._remembered = False

        detail_panel = QWidget()
        detail_layout = QVBoxLayout(detail_panel)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addWidget(self.detail, 1)
        buttons = QHBoxLayout()
        for button in (
            self.update_button,
            self.evidence_button,
            self.sign_off_button,
            self.edit_button,
        ):
            buttons.addWidget(button)
        detail_layout.addLayout(buttons)

        table_panel = QWidget()
        table_layout = QVBoxLayout(table_panel)
        table_layout.setContentsMargins(0, 0, 0, 0)
        table_layout.addWidget(self.view, 1)
        footer = QHBoxLayout()
        footer.addWidget(self.count_label, 1)
        footer.addWidget(self.new_button)
        footer.addWidget(self.bulk_button)
        table_layout.addLayout(footer)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(table_panel)
        self.splitter.addWidget(detail_panel)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([1040, 400])
        self.page = TablePage(
            self.splitter,
            "No recommendations yet. They appear here from every review and inspection.",
        )
        # A filter that matches nothing says so, with a way out (a remembered one above all).
        self.no_matches = EmptyState(
            NO_MATCHES, [("Clear filters and show all items", self.filters.reset)]
        )
        self.show_all_button = self.no_matches.buttons[0]
        self.page.addWidget(self.no_matches)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filters)
        layout.addWidget(self.page, 1)
        self.edit_action = open_rows_with(self.view, "&Edit…", self.edit_item)
        self.row_actions = [
            self.edit_action,
            row_action(self.view, "Add &update…", self.add_update),
            row_action(self.view, "Add evide&nce…", self.add_evidence),
            row_action(self.view, "&Sign off…", self.sign_off),
            row_action(self.view, "Change st&atus of selected…", self.bulk_status),
        ]

        self.new_action = row_action(self.view, "Ne&w recommendation…", self.new_item)
        self.delete_action = row_action(
            self.view,
            "&Delete recommendation…",
            self.delete_item,
            [QKeySequence.StandardKey.Delete],
        )
        self.model.total_changed.connect(self._show_total)
        self.model.reloaded.connect(self._after_reload)
        self.model.replaced.connect(self._start_from_top)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        # Down in the search box goes to the results, as in a mail program or a file manager.
        to_results = QAction("Go to the results", self.filters.search)
        to_results.setShortcut(QKeySequence(Qt.Key.Key_Down))
        to_results.setShortcutContext(Qt.ShortcutContext.WidgetShortcut)
        to_results.triggered.connect(self._to_results)
        self.filters.search.addAction(to_results)
        # The search's own text asks for its search (``QueuedSearch``); the lists at once.
        self.typed = QueuedSearch(self.filters.search, self._filters_changed)
        self.filters.search.textChanged.connect(self._search_typed)
        for signal in self.filters.changes():
            signal.connect(self._filters_changed)
        self._restoring = False
        self._laid_out = False
        self._changed_early = False  # the filters were changed before the database opened
        self._early = False  # the page shown was read from the file (``first_paint``)
        self._update_buttons()

    # -- loading

    def first_paint(self, reads: first_page.ReadAhead) -> bool:
        """Show the first page read straight from the file, before the database layer loads.

        Only the unfiltered view in its default order is read this way; a remembered filter or
        sort, or one typed already, waits for ``load``.
        """
        if self._changed_early:
            return False
        remembered = self.context.settings.get(self._filter_key())
        if not FilterBar.searches_only(remembered):
            return False
        self._restoring = True
        self._restore_layout()
        self._restoring = False
        header = self.view.horizontalHeader()
        if header.sortIndicatorSection() not in (-1, 0, 1) or (
            header.sortIndicatorSection() != -1
            and header.sortIndicatorOrder() != Qt.SortOrder.AscendingOrder
        ):
            return False
        today = self.context.today()
        if FilterBar.filters_nothing(remembered):
            page = reads.take(first_page.tracker_page, today, PAGE_SIZE)
            flt = TrackerFilter()
        else:  # a search remembered from last time, answered from the file too
            self._restoring = True
            self.filters.restore(remembered)
            self._restoring = False
            flt = self.filters.current()
            page = first_page.tracker_search(reads.path, flt.text, today, PAGE_SIZE)
            self._remembered = True
        if page is None:
            return False
        self.model.filter = flt
        self.model.show_page(*page)
        self._early = True  # in the default order: a search alone is answered from the file
        return True

    answers_early = True  # a search (``_search_early``) and an edit (``edit_item``)

    def load(self) -> None:
        """Read the filter choices and the first page (the first time the tab is shown)."""
        self.loaded = True
        with self.context.database.session() as session:
            choices = tracker.filter_choices(session)
        self._restoring = True
        self.filters.set_choices(choices)
        if not self._laid_out:
            remembered = self.context.settings.get(self._filter_key())
            if not self._changed_early:  # what was typed before the database opened stands
                self.filters.restore(remembered)
                self._remembered = not FilterBar.filters_nothing(remembered)
            self._restore_layout()
        self._restoring = False
        self.model.filter = self.filters.current()
        self.model.reload()

    def refresh(self) -> None:
        if self.loaded:
            selected = self.selected_ids()
            self.load()
            key, self.context.show_next = self.context.show_next, None
            if isinstance(key, editing.ItemKey):  # new, or put back by undo: show it
                with self.context.database.session() as session:
                    found = editing.item_id(session, key)
                selected = [found] if found is not None else selected
            self._select_ids(selected)

    def _search_typed(self) -> None:
        if self._restoring:
            return
        if not self.context.is_open:
            self._changed_early = True  # at once: ``load`` must not put back the remembered
        self.typed.ask()

    def _filters_changed(self) -> None:
        if self._restoring:
            return
        self.typed.cancel()  # the current filters, the search's text too, are read here
        self._remembered = False
        if not self.context.is_open:
            # Typed before the database has opened: kept in the filter bar and applied by
            # ``load`` once the window has opened it. Reading through it now would load the
            # database layer here, in the keystroke, and the window would not answer until it
            # had; a search alone is answered from the file meanwhile (``_search_early``).
            self._changed_early = True
            self._search_early()
            return
        self.model.set_filter(self.filters.current())

    def _search_early(self) -> None:
        """Answer the search typed while the database layer loads from the file
        (``first_page.tracker_search``): the rows and count the database will give. Any
        other filter, or another order, waits for the database (the count says so)."""
        reads, flt = self.context.pending_reads, self.filters.current()
        found = None
        if self._early and reads is not None and flt == TrackerFilter(text=flt.text):
            found = first_page.tracker_search(reads.path, flt.text, self.context.today(), PAGE_SIZE)
        if found is None:
            self.count_label.setText("Filtering once the data has loaded…")
            return
        self.model.filter = flt
        self.model.show_page(*found)

    def _to_results(self) -> None:
        """The focus in the table with its first row selected, when there are rows."""
        if self.model.rowCount() == 0 or not self.view.isVisible():
            return
        first = self.model.index(0, self.view.horizontalHeader().logicalIndex(0))
        self.view.setFocus(Qt.FocusReason.ShortcutFocusReason)
        flag = QItemSelectionModel.SelectionFlag
        self.view.selectionModel().setCurrentIndex(first, flag.ClearAndSelect | flag.Rows)
        self.view.scrollTo(first)

    def _start_from_top(self) -> None:
        self.view.selectionModel().clear()
        self.view.scrollToTop()

    def _after_reload(self) -> None:
        self._show_matches(None if self.model.rows else 0)
        if self.model.total is None:
            self.count_label.setText("Counting…")
        self._show_detail()

    def _show_matches(self, total: int | None) -> None:
        """The table, or when a search or filter matches nothing, a sentence saying so (and
        whether the filters were remembered from last time) with a button that clears them."""
        if total == 0 and self._filtering():
            self.no_matches.label.setText(
                "No items in this database match the filters remembered from last time. "
                + CLEAR_HINT
                if self._remembered
                else NO_MATCHES
            )
            self.page.setCurrentWidget(self.no_matches)
        else:
            self.page.show_rows(len(self.model.rows) if total is None else total)

    def _filtering(self) -> bool:
        return self.model.filter != TrackerFilter()

    def _show_total(self, total: int) -> None:
        counted = f"{total:,} item" if total == 1 else f"{total:,} items"
        if self._filtering():
            counted += " matches" if total == 1 else " match"
        self.count_label.setText(counted)
        self._show_matches(total)

    # -- selection and detail

    def _selected_spans(self) -> list[tuple[int, int]]:
        """The selected rows as runs (first, last), in the table's order."""
        selection = self.view.selectionModel().selection()
        spans = sorted(
            (r.top(), r.bottom()) for r in (selection.at(n) for n in range(selection.size()))
        )
        merged: list[tuple[int, int]] = []
        for top, bottom in spans:
            if merged and top <= merged[-1][1] + 1:
                merged[-1] = (merged[-1][0], max(merged[-1][1], bottom))
            else:
                merged.append((top, bottom))
        return merged

    def selected_count(self) -> int:
        return sum(last - first + 1 for first, last in self._selected_spans())

    def selected_rows(self) -> list[RecommendationRow]:
        """The selected rows in full, each page read if need be: for a few rows (the detail
        pane, one item's edits). What a bulk action acts on is ``selected_ids``."""
        found = (
            self.model.row(n)
            for first, last in self._selected_spans()
            for n in range(first, last + 1)
        )
        return [row for row in found if row is not None]

    def _first_selected(self) -> RecommendationRow | None:
        spans = self._selected_spans()
        return self.model.row(spans[0][0]) if spans else None

    def selected_ids(self) -> list[int]:
        """Every selected item's id in the table's order, rows never read included: after
        Select all, every item the filter matches, read in one query."""
        ids: list[int] = []
        for first, last in self._selected_spans():
            if last - first < PAGE_SIZE:
                rows = (self.model.row(n) for n in range(first, last + 1))
                ids += [row.id for row in rows if row is not None]
            else:
                ids += self.model.ids(first, last - first + 1)
        return ids

    def _select_ids(self, ids: list[int]) -> None:
        """Select these items again wherever they now are: an edit, undo or redo may have
        moved them, and a reload must not lose a selection of thousands."""
        if not ids:
            return
        wanted = set(ids)
        # Where they are now: among the rows read already when they are there (an edit of
        # an item on the first page, the usual case), else by reading every row's id in the
        # table's order (0.1 s at 100,000 items, on every edit and every change made
        # elsewhere while an item was selected).
        kept = {row.id: number for number, row in enumerate(self.model.rows)}
        if wanted <= kept.keys():
            at = sorted(kept[item] for item in wanted)
        else:
            if self.model.canFetchMore(QModelIndex()):
                self.model.fetchMore(QModelIndex())  # count now: they may lie past a page
            order = self.model.ids(0, self.model.rowCount())
            at = [number for number, item in enumerate(order) if item in wanted]
        last_column = self.model.columnCount() - 1
        selection = QItemSelection()
        start: int | None = None
        for number, following in itertools.zip_longest(at, at[1:]):
            start = number if start is None else start
            if following != number + 1:  # a run of rows ends here
                selection.select(self.model.index(start, 0), self.model.index(number, last_column))
                start = None
        chooser = self.view.selectionModel()
        chooser.select(
            selection,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        if not selection.isEmpty():
            chooser.setCurrentIndex(
                selection.at(0).topLeft(), QItemSelectionModel.SelectionFlag.NoUpdate
            )

    def _verdict(self, what: str, other_id: int) -> None:
        """Confirm that the selected item repeats ``other_id``, dismiss the suggestion, or take
        a verdict back (issue 25): audited, and shown on both items at once."""
        row = self._first_selected() if self.selected_count() == 1 else None
        if row is None:
            return
        given = {v.other_id: v for v in self._verdicts(row.id)}
        earlier_side = given[other_id].earlier if other_id in given else True
        item_id, earlier_id = (row.id, other_id) if earlier_side else (other_id, row.id)
        commands.run(commands.GiveVerdict(self.context, item_id, earlier_id, what), self)
        self._show_detail()

    def _verdicts(self, item_id: int) -> list[repeats.Verdict]:
        with self.context.database.session() as session:
            return repeats.verdicts(session, item_id)

    def go_to_item(self, item_id: int) -> None:
        """Select an item (a similar earlier one, say), clearing the filters when they hide
        it."""
        if item_id not in self.model.ids(0, self.model.rowCount()):
            self.filters.reset()
            if self.model.canFetchMore(QModelIndex()):
                self.model.fetchMore(QModelIndex())
        self._select_ids([item_id])
        self.view.scrollTo(self.view.currentIndex())
        self.view.setFocus()

    def current_key(self) -> ItemKey | None:
        row = self._first_selected() if self.selected_count() == 1 else None
        if row is None:
            return None
        return ItemKey(row.source, row.number, row.kind, row.from_inspection)

    def _update_buttons(self) -> None:
        count = self.selected_count()
        row = self._first_selected() if count == 1 else None
        for button in (self.update_button, self.evidence_button, self.edit_button):
            button.setEnabled(row is not None)
        self.sign_off_button.setEnabled(row is not None and row.status is not Status.CLOSED)
        self.bulk_button.setEnabled(count >= 1)
        self.delete_action.setEnabled(row is not None and not row.from_inspection)
        buttons = (
            self.edit_button,
            self.update_button,
            self.evidence_button,
            self.sign_off_button,
            self.bulk_button,
        )
        for action, button in zip(self.row_actions, buttons, strict=True):
            action.setEnabled(button.isEnabled())

    def _similar_failed(self) -> None:
        """The similarity index's build failed: the pane says so, rather than looking on for
        ever (asked again now, it would only start the same build again)."""
        self._show_detail(similar_failed=True)

    def _show_detail(self, similar_failed: bool = False) -> None:
        self._update_buttons()
        count = self.selected_count()
        row = self._first_selected() if count == 1 else None
        if row is None:
            message = f"{count:,} items selected." if count else "Select an item to see its detail."
            self._set_detail(f"<p style='color:#666'>{esc(message)}</p>")
            return
        if not self.context.is_open:  # the database layer is loading: shown once it has
            self._set_detail("<p style='color:#666'>Reading the item&#8217;s detail…</p>")
            return
        with self.context.database.session() as session:
            detail = queries.item_detail(session, row.id, self.context.today())
            given = repeats.verdicts(session, row.id) if detail else []
        if detail is None:
            self._set_detail("")
            return
        similar = (
            None
            if similar_failed
            else self.similar.matches(detail.text or "", detail.source, row.id)
        )
        if similar is not None:  # a pair with a verdict is not suggested again
            judged = {v.other_id for v in given}
            similar = [m for m in similar if m.item_id not in judged]
        self._set_detail(render_detail(detail, similar, given, similar_failed=similar_failed))

    def _set_detail(self, html: str) -> None:
        """Show ``html`` in the detail pane unless it shows it already: each keystroke in the
        search box reloads the table, and setting the same "Select an item" again redrew the
        pane (and put a reader's scroll position back to the top)."""
        if html != self._detail_html:
            self._detail_html = html
            self.detail.setHtml(html)

    def _open_link(self, url: QUrl) -> None:
        from PySide6.QtCore import QUrl
        from PySide6.QtGui import QDesktopServices

        if url.scheme() == "item":
            self.go_to_item(int(url.path() or url.host() or 0))
            return
        if url.scheme() in ("repeats", "dismiss", "takeback"):
            self._verdict(url.scheme(), int(url.path() or url.host() or 0))
            return
        if url.scheme() == "remove":
            self.remove_evidence(int(url.path() or url.host() or 0))
            return
        if url.scheme() == "withdraw":
            self.withdraw_update(int(url.path() or url.host() or 0))
            return
        if url.scheme() != "evidence":
            return
        with self.context.database.session() as session:
            stored = queries.evidence_file(session, int(url.path() or url.host() or 0))
        if stored is None:
            return
        try:
            target = self.context.evidence.copy(*stored)
        except CaseReviewError as exc:
            self.context.explain(exc, self)
            return
        self.last_opened = target
        self._say_copy_is_plain(target)
        if not QDesktopServices.openUrl(QUrl.fromLocalFile(str(target))):
            self.context.explain(
                CaseReviewError(
                    f"No program on this computer opens {target.name}; a copy is at {target}."
                ),
                self,
            )

    def _say_copy_is_plain(self, target: Path) -> None:
        """The copy handed to the viewer is plaintext: say so, above all when the database is
        encrypted, and that it goes when the window closes."""
        from PySide6.QtWidgets import QMainWindow

        window = self.window()
        if not isinstance(window, QMainWindow):
            return
        # Short enough to fit beside the database's name on a laptop's status bar.
        plain = (
            " (not encrypted while it is open)"
            if self.context.database.location.passphrase is not None
            else ""
        )
        window.statusBar().showMessage(
            f"Opened a copy of {target.name}{plain}; casereview removes it when this window closes."
        )

    # -- edits

    def add_update(self, status: Status | None = None) -> None:
        key, rows = self.current_key(), self.selected_rows()
        if key is not None and rows:
            add_update(self.context, key, rows[0].status, self, status)

    def sign_off(self) -> None:
        self.add_update(Status.CLOSED)

    def add_evidence(self) -> None:
        key = self.current_key()
        if key is not None:
            add_evidence(self.context, key, self)

    def edit_item(self) -> None:
        key = self.current_key()
        if key is not None:
            edit_item(self.context, key, self)

    def _is_review(self, reference: str) -> bool:
        try:
            with self.context.database.session() as session:
                editing.review_by_reference(session, reference)
        except NotFoundError:  # the answer asked for, not a failure
            return False
        return True

    def new_item(self, source: str | None = None) -> None:
        """A new recommendation for the review of the selected item, else the review chosen
        in the filter bar."""
        if not isinstance(source, str):
            source = None  # a button's ``clicked`` passes its checked state
        first = self._first_selected()
        if source is None and first is not None and not first.from_inspection:
            source = first.source
        source = source or self.filters.source.currentData()
        if source is None or not self._is_review(source):
            self.context.explain(
                CaseReviewError(
                    "Choose the review first: select one of its recommendations, or pick it "
                    "as the source in the filter bar."
                ),
                self,
            )
            return
        new_recommendation(self.context, source, self)

    def delete_item(self) -> None:
        key = self.current_key()
        if key is None or self.selected_rows()[0].from_inspection:
            return
        if not self.context.takes_changes(self):
            return
        name = f"{key.kind.label.lower()} {key.number} of {key.source}"
        if confirm(
            self,
            "Delete recommendation",
            f"Delete {name} with its progress log and evidence? You can undo this with "
            "Edit ▸ Undo.",
        ):
            commands.run(commands.DeleteItem(self.context, key), self)

    def remove_evidence(self, evidence_id: int) -> None:
        key = self.current_key()
        if key is None or not self.context.takes_changes(self):
            return
        with self.context.database.session() as session:
            which = editing.evidence_key_by_id(session, evidence_id)
            why = None if which is None else editing.evidence_removal_refusal(session, key, which)
        if which is None:
            return
        if why is not None:  # said before asking, not after a Yes (found by a new user)
            self.context.explain(CaseReviewError(why), self)
            return
        if confirm(
            self,
            "Remove evidence",
            f"Remove the evidence “{which.description}” from {key.number} of {key.source}? "
            "You can undo this with Edit ▸ Undo.",
        ):
            commands.run(commands.DeleteEvidence(self.context, key, which), self)

    def withdraw_update(self, update_id: int) -> None:
        """Withdraw an update entered in error, with a reason; it stays in the log, marked.
        The status stays as it is (the dialog says so when this update had changed it)."""
        with self.context.database.session() as session:
            found = editing.update_key_by_id(session, update_id)
            if found is None:
                return
            key, which = found
            current = editing.item_by_key(session, key).status
        update = f"of {format_date(which.on)} by {which.author} on {key.number} of {key.source}"
        dialog = dialogs.WithdrawUpdateDialog(update, which.status, current, self)
        commands.run_from(
            self.context,
            dialog,
            lambda: commands.WithdrawUpdate(self.context, key, which, dialog.reason_text()),
            self,
        )

    def bulk_status(self) -> None:
        """Move the selected items to one status by the lifecycle's rules, each with the note
        in its log: the dialog says what will change, be reopened or be skipped, and why, and
        nothing is reopened without asking. One command, undone as one."""
        ids = self.selected_ids()
        if not ids:
            return

        def plan(status: Status, reason: str, assured_by: str) -> editing.StatusPlan:
            with self.context.database.session() as session:
                return editing.plan_status_change(
                    session, ids, status, reason=reason, assured_by=assured_by or None
                )

        dialog = dialogs.ChooseStatusDialog(
            len(ids), self.context.today(), self.context.author, self, plan
        )
        location = self.context.database.location

        def keep_a_copy() -> None:
            from db.store.backups import automatic_backup

            automatic_backup(location, "before-bulk-change")

        def change() -> commands.UndoableCommand | None:
            if dialog.plan is None:
                return None
            chosen, note = dialog.plan, dialog.note.text().strip()
            if chosen.reopen and not confirm(
                self,
                "Reopen finished items",
                f"{dialogs.describe_plan(chosen)} Reopen {len(chosen.reopen):,} finished "
                f"item{'' if len(chosen.reopen) == 1 else 's'}?",
            ):
                return None
            on = dialog.on.date_value()
            assured_by = dialog.assured_by.text().strip()
            command = commands.AddUpdate(
                self.context,
                list(chosen.keys),
                on=on,
                author=dialog.author.text().strip(),
                note=note,
                status=chosen.status,
                reason=note,
                closure=Closure(assured_by, on) if chosen.status is Status.CLOSED else None,
            )
            if command.in_the_background:
                # Thousands of items take seconds: off the GUI thread, the copy of the
                # database kept first included, with a progress dialog whose Cancel changes
                # nothing (and so are its undo and redo: commands.undo, redo).
                self._bulk = commands.run_in_the_background(command, self, first=keep_a_copy)
                return None
            if len(chosen.keys) > 1:
                try:
                    keep_a_copy()
                except CaseReviewError as exc:
                    self.context.explain(exc, self)
                    return None
            return command

        commands.run_from(self.context, dialog, change, self)

    # -- settings

    def _restore_layout(self) -> None:
        self._laid_out = True
        header = self.context.settings.get(keys.TRACKER_HEADER)
        if not header.isEmpty():
            self.view.horizontalHeader().restoreState(header)
        splitter = self.context.settings.get(keys.TRACKER_SPLITTER)
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def save_settings(self) -> None:
        # The window is closing (or giving way to another database's): a search asked for and
        # not run would read through a database about to be closed, and open it again.
        self.typed.cancel()
        if not self.loaded:
            if self._changed_early:  # typed before the database opened: what load() applies
                self.context.settings.set(self._filter_key(), self.filters.state())
            return
        self.context.settings.set(keys.TRACKER_HEADER, self.view.horizontalHeader().saveState())
        self.context.settings.set(keys.TRACKER_SPLITTER, self.splitter.saveState())
        self.context.settings.set(self._filter_key(), self.filters.state())

    def _filter_key(self) -> keys.Key[dict[str, Any]]:
        return keys.per_database(keys.TRACKER_FILTER, self.context.place)


CLEAR_HINT = (
    "Press Escape in the search box to clear the search, or Clear filters to see every item."
)
NO_MATCHES = f"No items match the search and filters. {CLEAR_HINT}"


def confirm(parent: QWidget, title: str, question: str) -> bool:
    """Ask before a change the user may not expect; No is the default."""
    answer = QMessageBox.question(
        parent,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


# What can be done to one tracked item, from whichever tab shows it (the Recommendations tab,
# and the Inspection grades tab's findings).


def add_update(
    context: AppContext,
    key: editing.ItemKey,
    current: Status,
    parent: QWidget,
    status: Status | None = None,
) -> None:
    """A progress update to ``key`` (a sign-off with ``status`` closed), checked by the
    lifecycle's rules before the dialog closes, so nothing typed is lost."""

    def rules(chosen: Status | None, reason: str, assured_by: str) -> editing.Problems:
        with context.database.session() as session:
            return editing.check_status_change(
                session, key, chosen, reason=reason, assured_by=assured_by
            )

    dialog = dialogs.UpdateDialog(
        current,
        context.today(),
        context.author,
        parent,
        status=status if isinstance(status, Status) else None,
        title="Sign off" if status is Status.CLOSED else "Add a progress update",
        rules=rules,
    )

    def add() -> commands.UndoableCommand:
        update = dialog.entry()
        return commands.AddUpdate(
            context,
            [key],
            on=update.on,
            author=update.author,
            note=update.note,
            status=update.status,
            reason=update.reason,
            closure=update.closure,
        )

    commands.run_from(context, dialog, add, parent)


def add_evidence(context: AppContext, key: editing.ItemKey, parent: QWidget) -> None:
    dialog = dialogs.EvidenceDialog(parent)
    commands.run_from(
        context, dialog, lambda: commands.AddEvidence(context, key, dialog.entry()), parent
    )


def edit_item(context: AppContext, key: editing.ItemKey, parent: QWidget) -> None:
    """The item's text, agencies, owner, target date and themes.

    Started while the database layer loads, the dialog opens with the fields read from the
    file (``first_page.item_fields``, the same as the database's); checking and saving them
    wait for the database."""
    reads = context.pending_reads  # None once the database is open
    old = first_page.item_fields(reads.path, key) if reads is not None else None
    if old is None:
        try:
            with context.database.session() as session:
                old = editing.item_fields(session, key)
        except NotFoundError as exc:
            context.explain(exc, parent)
            return

    def check(fields: editing.ItemFields) -> editing.Problems:
        with context.database.session() as session:
            return editing.check_item(
                session, key.source, fields, editing=key.number, kind=key.kind
            )

    title = f"Edit {key.kind.label.lower()} {key.number} of {key.source}"
    dialog = dialogs.ItemDialog(check, context.today(), old, parent, title)
    before = old

    def change() -> commands.UndoableCommand | None:
        fields = dialog.result_fields
        return None if fields is None else commands.EditItem(context, key, before, fields)

    commands.run_from(context, dialog, change, parent)


def new_recommendation(context: AppContext, source: str, parent: QWidget) -> bool:
    """Ask for a new recommendation of the review ``source`` and add it (undoably)."""

    def check(fields: editing.ItemFields) -> editing.Problems:
        with context.database.session() as session:
            return editing.check_item(session, source, fields)

    dialog = dialogs.ItemDialog(
        check,
        context.today(),
        None,
        parent,
        f"New recommendation for {source}",
        similar=lambda text: context.similar_learning.matches(text, source),
        themes_of=lambda ids: _themes_of(context, ids),
    )

    def create() -> commands.UndoableCommand | None:
        fields = dialog.result_fields
        return None if fields is None else commands.CreateItem(context, source, fields)

    return commands.run_from(context, dialog, create, parent)


def _themes_of(context: AppContext, ids: list[int]) -> list[str]:
    database = context.database  # first: opening it waits for the layer's import to end
    from db.queries.themes import themes_of_items

    with database.session() as session:
        return themes_of_items(session, ids)


def lines(text: str) -> str:
    """``text`` for the detail pane, its line breaks kept (a reopening's note, say, has the
    ended sign-off on a line of its own)."""
    return "<br>".join(esc(line) for line in text.splitlines())


def _render_update(update: queries.UpdateLine) -> str:
    """One log entry; a withdrawn one is struck through, greyed and says who withdrew it,
    when and why (it is never erased)."""
    change = f" <b>→ {esc(update.status.label)}</b>" if update.status else ""
    head = f"<b>{esc(format_date(update.on))}</b>, {esc(update.author)}{change}"
    if update.withdrawn_at is None:
        withdraw = f" <a href='withdraw:{update.id}'>Withdraw…</a>"
        return f"<li>{head}{withdraw}<br>{lines(update.note)}</li>"
    when = format_date(update.withdrawn_at.astimezone().date())
    label = f"Withdrawn by {update.withdrawn_by} on {when}: {update.withdrawn_reason}"
    struck = f"<s>{head}<br>{lines(update.note)}</s>"
    return f"<li style='color:#555'>{struck}<br><i>{esc(label)}</i></li>"


def _render_verdicts(given: Sequence[repeats.Verdict]) -> str:
    """Confirmed repeats, from this item's side: the earlier learning it repeats, and the
    later items that repeat it; each can be taken back."""
    parts = []
    for earlier, heading in (
        (True, "Repeats earlier learning"),
        (False, "Its learning came again in"),
    ):
        shown = [v for v in given if v.confirmed and v.earlier is earlier]
        if not shown:
            continue
        lines = "".join(
            f"<li><a href='item:{v.other_id}'>{esc(v.source)} {esc(v.number)}</a> "
            f"<span style='color:#555'>({esc(v.status_label)}; confirmed by "
            f"{esc(v.decided_by)})</span> <a href='takeback:{v.other_id}'>Take back…</a>"
            f"<br>{esc(v.text)}</li>"
            for v in shown
        )
        parts.append(f"<h4>{heading}</h4><ul style='margin-left:-20px'>{lines}</ul>")
    return "".join(parts)


def _render_similar(similar: Sequence[Match] | None, failed: bool = False) -> str:
    """The "Similar earlier learning" section: each match a link to it, with its status and
    when its source was published; an earlier item closed whose learning recurs, said so.
    None while they are looked for, or (``failed``) when they could not be."""
    heading = "<h4>Similar earlier learning</h4>"
    if similar is None:
        said = SIMILAR_FAILED if failed else "Looking for similar earlier learning…"
        return heading + f"<p style='color:#666'>{esc(said)}</p>"
    if not similar:
        return heading + (
            "<p style='color:#666'>Nothing in the other reviews and inspections is close enough "
            "to suggest (casereview similar lists the nearest whatever their score).</p>"
        )
    lines = []
    for match in similar:
        published = f", published {format_date(match.published)}" if match.published else ""
        recurred = (
            " <b>Closed, and the learning has come again.</b>"
            if match.status is Status.CLOSED
            else ""
        )
        lines.append(
            f"<li><a href='item:{match.item_id}'>{esc(match.source)} {esc(match.number)}</a> "
            f"<span style='color:#555'>({esc(match.status.label)}{esc(published)})</span>"
            f"{recurred}<br>{esc(match.text)}<br>"
            f"<a href='repeats:{match.item_id}'>It repeats this</a> · "
            f"<a href='dismiss:{match.item_id}'>Not the same</a></li>"
        )
    return heading + "<ul style='margin-left:-20px'>" + "".join(lines) + "</ul>"


def render_detail(
    item: queries.ItemDetail,
    similar: Sequence[Match] | None = (),
    given: Sequence[repeats.Verdict] = (),
    similar_failed: bool = False,
) -> str:
    background, text = rating_colours(item.rating)
    rating = (
        f"<span style='background:{background.name()};color:{text.name()};"
        f"padding:1px 6px'>&nbsp;{esc(item.rating.label)}&nbsp;</span>"
    )
    parts = [
        f"<p style='background:#fff4ce;color:#3b2f00;padding:4px'>{esc(notice)}</p>"
        for notice in item.checked_out
    ]
    parts += [
        f"<h3 style='margin:0'>{esc(item.kind.label)} {esc(item.number)}</h3>",
        f"<p style='color:#555;margin-top:2px'>{esc(item.source)} — {esc(item.source_title)}</p>",
        f"<p>{esc(item.text) if item.text is not None else '<i>Text not yet entered.</i>'}</p>",
        "<table cellspacing='0' cellpadding='2'>",
    ]

    def row(label: str, value: str) -> None:
        if value:
            parts.append(
                f"<tr><td style='color:#555;padding-right:10px'>{label}</td><td>{value}</td></tr>"
            )

    row(
        "Status",
        esc(item.status.label) + (f" — {esc(item.status_reason)}" if item.status_reason else ""),
    )
    row("Rating", rating)
    row("Lead", esc("; ".join(item.lead_agencies)))
    row("Jointly with", esc("; ".join(item.joint_agencies)))
    row("Owner", esc(item.owner))
    row("Target date", esc(format_date(item.target_date)))
    row("Actions", esc(item.actions))
    row("Themes", esc("; ".join(item.themes)))
    if item.assured_by:
        signed = esc(item.assured_by)
        if item.assured_on:
            signed += f", {esc(format_date(item.assured_on))}"
        row("Signed off by", signed)
    parts.append("</table>")
    parts.append(_render_verdicts(given))
    parts.append(_render_similar(similar, similar_failed))
    parts.append("<h4>Progress</h4>")
    if item.updates:
        parts.append("<ul style='margin-left:-20px'>")
        for update in reversed(item.updates):
            parts.append(_render_update(update))
        parts.append("</ul>")
    else:
        parts.append("<p style='color:#666'>No updates yet.</p>")
    parts.append("<h4>Evidence</h4>")
    if item.evidence:
        parts.append("<ul style='margin-left:-20px'>")
        for evidence in item.evidence:
            where = esc(evidence.reference or "")
            if evidence.file_name:
                link = f"<a href='evidence:{evidence.id}'>{esc(evidence.file_name)}</a>"
                where = f"{link}{'; ' + where if where else ''}"
            added = (
                f"added by {esc(evidence.added_by)}, {esc(format_date(evidence.added_at.date()))}"
            )
            remove = f" <a href='remove:{evidence.id}'>Remove…</a>"
            parts.append(
                f"<li>{esc(evidence.description)}<br>"
                f"<span style='color:#555'>{where} — {added}</span>{remove}</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("<p style='color:#666'>No evidence yet. Closing needs at least one item.</p>")
    parts.append("<h4>History</h4>")
    if item.history:
        parts.append("<ul style='margin-left:-20px;color:#333'>")
        for line in item.history:
            when = line.at.astimezone()
            parts.append(
                f"<li><b>{esc(format_date(when.date()))}, {when:%H:%M}</b>, "
                f"{esc(line.actor)}: {esc(describe_change(line))}</li>"
            )
        parts.append("</ul>")
    else:
        parts.append("<p style='color:#666'>No changes recorded.</p>")
    return "".join(parts)


FIELD_NAMES = {
    "text": "the text",
    "number": "the number",
    "actions": "the actions",
    "owner": "the owner",
    "target_date": "the target date",
    "status": "the status",
    "status_reason": "the reason for the status",
    "assured_by": "who signed it off",
    "assured_on": "the day it was signed off",
    "closed_on": "the day it was closed",
    "themes": "the themes",
    "position": "its place in the list",
}


def describe_change(line: queries.HistoryLine) -> str:
    """One audit entry in words: "changed the status from In progress to Implemented"."""
    if line.action == "create":
        return "created it"
    if line.action == "delete":
        return "deleted it"
    if line.action == "restore":
        return "restored it (undoing its deletion)"
    if line.action == "copy":
        return (
            "took it into this copy to work on offline (its history before is kept in the "
            "database the copy came from)"
        )
    what = FIELD_NAMES.get(line.field or "", (line.field or "a field").replace("_", " "))

    def shown(value: str | None) -> str:
        if not value:
            return "nothing"
        if line.field == "status":
            try:
                return Status(value).label
            except ValueError:  # not a status as stored: shown as it is, no log
                return value
        if line.field in ("target_date", "assured_on", "closed_on"):
            try:
                return format_date(dt.date.fromisoformat(value))
            except ValueError:  # not a day as stored: shown as it is, no log
                return value
        return value if len(value) <= 80 else value[:77] + "…"

    return f"changed {what} from {shown(line.old)} to {shown(line.new)}"
