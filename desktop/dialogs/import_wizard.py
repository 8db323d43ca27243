"""The Import wizard for spreadsheet trackers: file and sheet, columns, then what will change.

Every step reads the file again with the user's choices (``db.exchange.spreadsheets``); the last
page runs the import in a transaction that is rolled back, so what it reports is exactly what Finish
will do. Rows with problems can be left out by name; otherwise any problem stops the import and
nothing is written. Reading and importing run off the GUI thread, with a progress dialog that can be
cancelled: a tracker of 100,000 rows takes most of a minute.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from db.core.dates import format_date
from db.core.errors import CaseReviewError
from db.core.vocabulary import Status
from db.exchange.spreadsheets import (
    Field,
    Mapping,
    TrackerFile,
    TrackerFileError,
    default_target,
    read_tracker,
    sheet_preview,
)
from db.exchange.spreadsheets.layout import HEADER_SEARCH_ROWS, column_letter, find_header
from db.exchange.spreadsheets.values import text_of
from db.services import transfer
from db.store.logs import cause
from desktop.background import Progress, run_in_background
from desktop.context import AppContext
from desktop.qtutils import as_label, fit_to_screen

if TYPE_CHECKING:
    from db.queries.similar import Repeat

_log = logging.getLogger(__name__)
PREVIEW_ROWS = HEADER_SEARCH_ROWS  # the header may be on any row the search looks at


def _shown(value: object) -> str:
    """A cell as the window shows it: dates as "21 November 2025"."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return format_date(value)
    return text_of(value).replace("\n", " ")


def _elide(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "\u2026"


REPEATS_LISTED = 15  # the most repeated-learning lines a page or a message lists


def listed(lines: list[str]) -> list[str]:
    """At most ``REPEATS_LISTED`` of ``lines``, then how many more there are: a page or a
    message box stays on the screen however many items an import repeats."""
    shown = lines[:REPEATS_LISTED]
    if len(lines) > len(shown):
        shown.append(f"…and {len(lines) - len(shown)} more.")
    return shown


@dataclass(frozen=True)
class ImportChoice:
    """What an import is to be made of, as the pages chose it: the file as read, the review
    its recommendations go under (None for the file's own), and the rows left out."""

    tracker: TrackerFile
    review: str | None
    skip: frozenset[int]


class ImportWizard(QWizard):
    def __init__(
        self, context: AppContext, path: Path, first: TrackerFile, parent: QWidget | None = None
    ) -> None:
        """``first`` is the file as read without a mapping (``read_tracker``)."""
        super().__init__(parent)
        self.context = context
        self.path = path
        self.setWindowTitle(f"Import {path.name}")
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, False)
        fit_to_screen(self, QSize(960, 640), parent)
        self.tracker: TrackerFile = first
        self._progress: object = None
        self._readings = 0  # the readings begun (read_then): only the newest is taken
        self._ended = False
        self._importing = False
        self.summary = ""
        self.repeats: list[Repeat] = []  # the imported items that repeat earlier learning
        # What the user says the status words casereview does not know mean (the last page).
        self.statuses: dict[str, Status] = {}
        self.sheet_page = _SheetPage(self, first)
        self.columns_page = _ColumnsPage(self)
        self.check_page = _CheckPage(self)
        for page in (self.sheet_page, self.columns_page, self.check_page):
            self.addPage(page)

    def mapping(self) -> Mapping:
        columns = {
            column_letter(n).lower(): field for n, field in enumerate(self.columns_page.choices())
        }
        return Mapping(
            sheet=self.sheet_page.sheet.currentText(),
            header_row=self.sheet_page.header_row.value(),
            columns=columns,
            statuses=dict(self.statuses),
        )

    def read_then(
        self,
        mapping: Mapping,
        then: Callable[[], None],
        cancelled: Callable[[], None] | None = None,
    ) -> None:
        """Read the file again with ``mapping`` off the GUI thread, then call ``then``.

        A reading cancelled goes on to its end (reading a workbook cannot stop part way),
        and so may one that a later reading has overtaken: either, when it ends, or any
        reading ending after the wizard has, is let go, not taken. Taken, a review found, a
        cancelled reading replaced the tracker a later one had begun to check. ``cancelled``
        puts back what the page changed for this reading (the newest's, while the wizard is
        open), as the tracker stays the one read before it."""
        self._readings += 1
        reading = self._readings

        def done(tracker: TrackerFile) -> None:
            if reading != self._readings or self._ended:
                tracker.close()  # (what its reading set aside on disk)
                return
            read_before, self.tracker = self.tracker, tracker
            read_before.close()
            then()

        def refused(error: CaseReviewError) -> None:
            if reading == self._readings and not self._ended:
                self._refused(error)

        def let_go(tracker: TrackerFile | None) -> None:
            if tracker is not None:  # (None: the reading failed)
                tracker.close()
            if cancelled is not None and reading == self._readings and not self._ended:
                cancelled()

        self._progress = run_in_background(
            self,
            f"Reading {self.path.name}…",
            lambda _: read_tracker(self.path, mapping),
            done,
            refused,
            on_cancelled=let_go,
        )

    def done(self, result: int) -> None:
        """The wizard ends (Finish, Cancel, closed): a reading still under way is let go."""
        self._ended = True
        super().done(result)

    def _refused(self, error: CaseReviewError) -> None:
        self.context.explain(error, self, logged=True)  # logged by run_in_background

    def choice(self) -> ImportChoice:
        """The import the pages now ask for."""
        page = self.columns_page
        review = (page.review.text().strip() or None) if page.review.isEnabled() else None
        if review == default_target(self.tracker).reference:
            review = None  # the guess left as it was: checked as the command line's is
        return ImportChoice(self.tracker, review, self.check_page.skipped_rows())

    def import_work(
        self, choice: ImportChoice, *, keep: bool
    ) -> Callable[[Progress], tuple[str, list[Repeat] | None]]:
        """The import ``choice`` asks for, to run off the GUI thread; rolled back unless
        ``keep`` (and when cancelled). It says what changed, and which of the items it adds
        repeat earlier learning (issue 25), kept or only tried alike."""
        tracker, review, skip = choice.tracker, choice.review, choice.skip
        database = self.context.database
        actor, today = self.context.actor, self.context.today()

        def work(progress: Progress) -> tuple[str, list[Repeat] | None]:
            summary, repeats = transfer.import_repeating(
                database,
                tracker,
                actor=actor,
                today=today,
                review=review,
                skip_rows=skip,
                keep=keep,
                check=progress.check,  # cancelling now rolls the whole import back
            )
            return summary.describe(), repeats

        return work

    def accept(self) -> None:
        """Import exactly what the last page's trial import summarised: the choice it was
        worked out with, whatever has been typed since (a new user's keystrokes reached the
        previous page's hidden Review reference and changed where the import went)."""
        checked = self.check_page.checked
        if self._importing or checked is None:
            return

        def done(outcome: tuple[str, list[Repeat] | None]) -> None:
            self._importing = False
            self.check_page.checked = None  # imported: a second Finish imports nothing
            self.summary = outcome[0]
            self.repeats = outcome[1] or []
            QWizard.accept(self)

        def failed(error: CaseReviewError) -> None:
            self._importing = False
            self._refused(error)

        self._importing = True
        self._progress = run_in_background(
            self, f"Importing {self.path.name}…", self.import_work(checked, keep=True), done, failed
        )


class _SheetPage(QWizardPage):
    def __init__(self, wizard: ImportWizard, tracker: TrackerFile) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("Choose the sheet and its header row")
        self.setSubTitle(
            "casereview found the tracker below. Check that the highlighted row holds the "
            "column headings; change the sheet or the row if not."
        )
        self.sheet = QComboBox()
        self.sheet.setAccessibleName("Sheet")
        self.sheet.addItems(tracker.sheets)
        self.sheet.setCurrentText(tracker.sheet)
        self.header_row = QSpinBox()
        self.header_row.setAccessibleName("Header row")
        self.header_row.setRange(1, PREVIEW_ROWS)
        self.header_row.setValue(tracker.header.row)
        self.preview = QTableWidget()
        self.preview.setAccessibleName("Preview of the first rows")
        self.preview.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        form = QFormLayout()
        form.addRow("&Sheet:", self.sheet)
        form.addRow("&Header row:", self.header_row)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.preview, 1)
        self.sheet.currentTextChanged.connect(self._sheet_changed)
        self.header_row.valueChanged.connect(self._show)
        if tracker.other_sheets:
            names = [tracker.sheet, *tracker.other_sheets]
            listed = ", ".join(f"'{n}'" for n in names[:-1]) + f" and '{names[-1]}'"
            self.others = QLabel(
                f"Sheets {listed} hold a tracker of the same layout. This import reads one "
                "sheet: import the others in turn."
            )
            self.others.setWordWrap(True)
            self.others.setAccessibleName("Other sheets holding a tracker")
            form.addRow(self.others)
        self.rows: list[tuple[object, ...]] = []
        # The choice of sheet and header row the wizard's tracker was last read with.
        self._read_for = (tracker.sheet, tracker.header.row)
        self._sheet_changed(tracker.sheet)

    def _sheet_changed(self, sheet: str) -> None:
        # The tracker's own sheet was read already; only another sheet opens the file again.
        try:
            if sheet == self.wizard_.tracker.sheet:
                self.rows = list(self.wizard_.tracker.preview)
            else:
                self.rows = sheet_preview(self.wizard_.path, sheet, PREVIEW_ROWS)
        except TrackerFileError as exc:
            _log.info("a sheet not previewed: %s", cause(exc))
            self.rows = []
            self.setSubTitle(exc.message)
        header = find_header(self.rows)
        if header is not None and sheet != self.wizard_.tracker.sheet:
            self.header_row.setValue(header.row)
        self._show()

    def _show(self) -> None:
        rows = self.rows
        width = max((len(r) for r in rows), default=0)
        self.preview.clear()
        self.preview.setRowCount(len(rows))
        self.preview.setColumnCount(width)
        self.preview.setHorizontalHeaderLabels([column_letter(n) for n in range(width)])
        marked = self.header_row.value() - 1
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                item = QTableWidgetItem(_shown(value))
                if r == marked:
                    item.setBackground(QColor("#dde3ea"))
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.preview.setItem(r, c, item)
        self.preview.resizeColumnsToContents()
        for c in range(width):
            self.preview.setColumnWidth(c, min(self.preview.columnWidth(c), 240))

    def validatePage(self) -> bool:
        choice = (self.sheet.currentText(), self.header_row.value())
        if self._read_for == choice:
            return True
        mapping = Mapping(sheet=choice[0], header_row=choice[1])

        def read() -> None:
            self._read_for = choice
            self.wizard_.next()

        self.wizard_.read_then(mapping, read)
        return False


class _ColumnsPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("What each column holds")
        self.setSubTitle(
            "Each heading is matched to a casereview field. Correct any that are wrong. A "
            "column casereview does not recognise is kept as notes in each item's log; set it "
            "to '(left out: not imported)' to leave it out."
        )
        self.form = QFormLayout()
        self.review = QLineEdit()
        self.review.setAccessibleName("Review reference")
        self.review.setToolTip("Leave as it is to use the review named in the file")
        self.combos: list[QComboBox] = []
        self._read_for: Mapping | None = None
        self.form.addRow("&Review reference:", self.review)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addStretch(1)

    def initializePage(self) -> None:
        tracker = self.wizard_.tracker
        while self.form.rowCount() > 1:  # the review reference stays first
            self.form.removeRow(1)
        self.combos = []
        target = default_target(tracker)
        by_column = Field.SOURCE in tracker.header.columns
        self.review.setEnabled(not by_column)
        if by_column:
            self.review.clear()
            title = tracker.header.titles[tracker.header.columns[Field.SOURCE]]
            self.review.setPlaceholderText(f"Each row's review, from the column '{title}'")
        elif not self.review.text():
            self.review.setText(target.reference)
        chosen = {column: field for field, column in tracker.header.columns.items()}
        left_out = tracker.header.left_out
        below = [
            row
            for row in self.wizard_.sheet_page.rows[tracker.header.row :]
            if any(text_of(v) for v in row)
        ][:3]
        for column, title in enumerate(tracker.header.titles):
            combo = QComboBox()
            for field in Field:
                combo.addItem(field.label, field)
            unread = Field.IGNORE if column in left_out else Field.NOTE
            combo.setCurrentIndex(combo.findData(chosen.get(column, unread)))
            name = title or f"Column {column_letter(column)}"
            combo.setAccessibleName(f"Field for {name}")
            samples = [_shown(r[column]) for r in below if column < len(r) and _shown(r[column])]
            example = QLabel(_elide("; ".join(samples), 70))
            example.setStyleSheet("color: #444;")
            example.setToolTip("\n".join(samples))
            line = QWidget()
            row = QHBoxLayout(line)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(combo, 1)
            row.addWidget(example, 2)
            self.form.addRow(as_label(f"{column_letter(column)}: {name}"), line)
            self.combos.append(combo)

    def choices(self) -> list[Field]:
        return [Field(combo.currentData()) for combo in self.combos]

    def validatePage(self) -> bool:
        choices = self.choices()
        fields = [f for f in choices if f not in (Field.IGNORE, Field.NOTE)]
        twice = next((f for f in fields if fields.count(f) > 1), None)
        if twice is not None:
            header = self.wizard_.tracker.header
            both = [header.where(n) for n, f in enumerate(choices) if f is twice][:2]
            message = (
                f"{both[0][0].upper()}{both[0][1:]} and {both[1]} are both set to "
                f"{twice.label}; choose one, and keep the other as notes or leave it out."
            )
            self.wizard_.context.explain(CaseReviewError(message), self)
            return False
        if Field.NUMBER not in fields and Field.TEXT not in fields:
            message = "Choose the column holding the recommendation or its number."
            self.wizard_.context.explain(CaseReviewError(message), self)
            return False
        mapping = self.wizard_.mapping()
        if self._read_for == mapping:
            return True

        def read() -> None:
            self._read_for = mapping
            self.wizard_.next()

        self.wizard_.read_then(mapping, read)
        return False


class _CheckPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.wizard_ = wizard
        self.setTitle("What the import will do")
        self.outcome = QLabel()
        self.outcome.setWordWrap(True)
        # Selectable from the keyboard too, so the summary can take the keyboard focus.
        self.outcome.setTextInteractionFlags(
            Qt.TextInteractionFlag.TextSelectableByMouse
            | Qt.TextInteractionFlag.TextSelectableByKeyboard
        )
        self.outcome.setAccessibleName("What the import will do")
        # The items the import would add that repeat earlier learning (issue 25), named before
        # Finish as the report names them after it.
        self.repeated = QLabel()
        self.repeated.setWordWrap(True)
        self.repeated.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.repeated.setAccessibleName("Repeated learning")
        self.repeated.setVisible(False)
        self.problems = QPlainTextEdit()
        self.problems.setReadOnly(True)
        self.problems.setAccessibleName("Problems found")
        self.skip = QCheckBox()
        self.skip.setAccessibleName("Leave out the rows with problems")
        self.skip.toggled.connect(self._check)
        self.kept = QLabel()
        self.kept.setWordWrap(True)
        self.kept.setAccessibleName("Columns kept as notes or left out")
        self.kept.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.statuses = QWidget()
        self.status_form = QFormLayout(self.statuses)
        self.status_form.setContentsMargins(0, 0, 0, 0)
        self.status_combos: dict[str, QComboBox] = {}
        self.no_undo = QLabel()
        self.no_undo.setWordWrap(True)
        self.no_undo.setObjectName("no_undo")
        self.no_undo.setAccessibleName("An import cannot be undone")
        layout = QVBoxLayout(self)
        layout.addWidget(self.outcome)
        layout.addWidget(self.repeated)
        layout.addWidget(self.no_undo)
        layout.addWidget(self.statuses)
        layout.addWidget(self.kept)
        layout.addWidget(self.skip)
        layout.addWidget(self.problems, 1)
        # With no problems to list, the room left goes below the paragraphs, not between
        # them (the list, when shown, takes it: a stretch of 0 yields to its 1).
        layout.addStretch(0)
        self._ready = False
        self.checked: ImportChoice | None = None  # what the summary shown was worked out for

    def skipped_rows(self) -> frozenset[int]:
        tracker = self.wizard_.tracker
        if not self.skip.isChecked():
            return frozenset()
        return frozenset(p.row for p in tracker.problems if p.row and p.sheet == tracker.sheet)

    def initializePage(self) -> None:
        tracker = self.wizard_.tracker
        rows = sorted({p.row for p in tracker.problems if p.row and p.sheet == tracker.sheet})
        self.skip.setVisible(bool(rows))
        self.skip.blockSignals(True)  # one trial import below, not a second from the toggle
        self.skip.setChecked(False)
        self.skip.blockSignals(False)
        listed = ", ".join(str(r) for r in rows[:12]) + (" …" if len(rows) > 12 else "")
        if len(rows) == 1:
            self.skip.setText(f"Leave out the row with a problem (row {listed})")
        else:
            self.skip.setText(f"Leave out the rows with problems (rows {listed})")
        self._fill_statuses()
        self.no_undo.setText(self._no_undo_text())
        kept = tracker.kept_lines()
        self.kept.setVisible(bool(kept))
        self.kept.setText("\n".join(kept))
        self.problems.setVisible(bool(tracker.problems))
        self.problems.setPlainText("\n".join(p.describe() for p in tracker.problems))
        # The keyboard comes onto this page, at the summary: left on the previous page, it
        # typed into the hidden Review reference there.
        self.outcome.setFocus(Qt.FocusReason.OtherFocusReason)
        self._check()

    def _no_undo_text(self) -> str:
        """Said before Finish: Edit ▸ Undo cannot take an import back, and how to go back."""
        if self.wizard_.context.database.location.path is None:
            return (
                "An import cannot be undone with Edit ▸ Undo, and casereview keeps no copy of a "
                "database on a server: ask whoever runs the server for a backup first if you "
                "may need to go back."
            )
        return (
            "An import cannot be undone with Edit ▸ Undo. casereview keeps a copy of the "
            "database as it is just before the import: to go back, open File ▸ Backups… and "
            "restore that copy."
        )

    def _fill_statuses(self) -> None:
        """A choice of status for each status word casereview does not know (and each the
        user has already given a meaning), so such a tracker can still be imported."""
        chosen = self.wizard_.statuses
        words = list(dict.fromkeys([*chosen, *self.wizard_.tracker.unknown_statuses()]))
        while self.status_form.rowCount():
            self.status_form.removeRow(0)
        self.status_combos = {}
        if words:
            heading = QLabel(
                "casereview does not know these status words. Choose what each one means, "
                "or leave it as a problem:"
            )
            heading.setWordWrap(True)
            self.status_form.addRow(heading)
        for word in words:
            combo = QComboBox()
            combo.setAccessibleName(f"Status meant by {word}")
            combo.addItem("(not known: a problem)", None)
            for status in Status:
                combo.addItem(status.label, status.value)
            if word in chosen:
                combo.setCurrentIndex(combo.findData(chosen[word].value))
            combo.currentIndexChanged.connect(lambda _=0, w=word: self._status_chosen(w))
            self.status_form.addRow(as_label(f"“{_elide(word, 60)}”"), combo)
            self.status_combos[word] = combo
        self.statuses.setVisible(bool(words))

    def _status_chosen(self, word: str) -> None:
        """Read the file again with the word's meaning, then check the import again."""
        value = self.status_combos[word].currentData()
        # The meanings the tracker held was read with (not those chosen since: a reading
        # cancelled after another was would put back a meaning never read, a review found).
        before = dict(self.wizard_.tracker.status_words)
        if value is None:
            self.wizard_.statuses.pop(word, None)
        else:
            self.wizard_.statuses[word] = Status(value)
        self._ready, self.checked = False, None
        self.completeChanged.emit()

        def cancelled() -> None:
            # The reading with this choice was cancelled: the page shows again the choices
            # the tracker was read with (a trial's box kept a meaning never applied).
            self.wizard_.statuses = before
            self.initializePage()

        self.wizard_.read_then(self.wizard_.mapping(), self.initializePage, cancelled)

    def _check(self) -> None:
        """Try the import in a transaction that is rolled back, off the GUI thread."""
        self._ready, self.checked = False, None
        self.outcome.setText("Working out what the import will do…")
        self.repeated.setVisible(False)
        self.completeChanged.emit()
        choice = self.wizard_.choice()

        def done(outcome: tuple[str, list[Repeat] | None]) -> None:
            summary, repeats = outcome
            self.outcome.setText(f"Finish will have {summary}. Nothing has been written yet.")
            self._show_repeats(repeats)
            self._ready, self.checked = True, choice
            self.completeChanged.emit()

        def failed(error: CaseReviewError) -> None:
            first = error.message.splitlines()[0].removeprefix("Nothing was imported: ")
            head, said, _ = first.partition(" to put right first.")
            if said:  # the problems themselves are listed below, each once
                first = head + said
            self.outcome.setText(f"{first} Nothing will be written yet.")
            self.completeChanged.emit()

        self.wizard_._progress = run_in_background(
            self.wizard_,
            f"Checking {self.wizard_.path.name}…",
            self.wizard_.import_work(choice, keep=False),
            done,
            failed,
        )

    def _show_repeats(self, repeats: list[Repeat] | None) -> None:
        """Name the items the import would add that repeat earlier learning, in the lines
        the report after Finish uses (none: nothing shown)."""
        from db.queries.similar import describe_repeats

        lines = describe_repeats(repeats, tried=True)
        heading = f"{len(lines)} of the items Finish will add may repeat earlier learning:"
        if repeats is None:  # too many to compare: the one line says so
            heading = "Repeated learning:"
        self.repeated.setText("\n".join([heading, *listed(lines)]))
        self.repeated.setVisible(bool(lines))

    def isComplete(self) -> bool:
        return self._ready
