"""The Reviews tab: every review with its counts and progress; create, edit and delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QHBoxLayout,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from db.core.errors import NotFoundError
from db.core.items import ReviewFields
from db.core.vocabulary import REVIEW_KIND_ABBREVIATIONS
from db.queries import first_page
from db.queries.rows import ReviewRow
from desktop import settings as keys
from desktop.context import AppContext
from desktop.lazy import lazy
from desktop.models.table import RIGHT, ROW_ROLE, Column, RowTableModel, none_last
from desktop.tabs.common import Tab, TablePage, esc, make_table, open_rows_with, row_action

if TYPE_CHECKING:
    from db.queries import details as queries
    from db.services import editing
    from desktop import commands
    from desktop.dialogs import forms as dialogs
    from desktop.dialogs.forms import ReviewDialog
else:
    editing, queries = lazy("db.services.editing"), lazy("db.queries.details")
    # The forms need no database layer: an edit starts while it loads (``edit_review``).
    commands, dialogs = lazy("desktop.commands"), lazy("desktop.dialogs.forms", needs_layer=False)

COLUMNS: list[Column[ReviewRow]] = [
    Column("Reference", lambda r: r.reference, width=150),
    Column(
        "Kind",
        lambda r: REVIEW_KIND_ABBREVIATIONS[r.kind],
        tooltip=lambda r: r.kind.label,
        width=60,
    ),
    Column("Title", lambda r: r.title, tooltip=lambda r: r.title, width=232),
    Column("Commissioned by", lambda r: r.commissioned_by, width=175),
    Column(
        "Published",
        lambda r: r.published.display() if r.published else "",
        sort_key=lambda r: none_last(r.published.earliest() if r.published else None),
        width=125,
    ),
    Column(
        "Recommendations",
        lambda r: f"{r.recommendations:,}",
        sort_key=lambda r: r.recommendations,
        align=RIGHT,
        width=115,
    ),
    Column("Open", lambda r: f"{r.open:,}", sort_key=lambda r: r.open, align=RIGHT, width=55),
    Column(
        "Overdue", lambda r: f"{r.overdue:,}", sort_key=lambda r: r.overdue, align=RIGHT, width=70
    ),
    Column(
        "Progress",
        lambda r: f"{r.progress:.0%}" if r.progress is not None else "",
        sort_key=lambda r: none_last(r.progress),
        align=RIGHT,
        tooltip=lambda r: "Share of recommendations closed, superseded or not accepted",
        width=80,
    ),
]


class ReviewsTab(Tab):
    def __init__(self, context: AppContext) -> None:
        super().__init__(context)
        self._laid_out = False
        self.model: RowTableModel[ReviewRow] = RowTableModel(COLUMNS, self)
        self.view = make_table(self.model, "Reviews table")
        self.detail = QTextBrowser()
        self.detail.setAccessibleName("Review detail")
        self.new_button = QPushButton("&New review…")
        self.edit_button = QPushButton("Edi&t…")
        self.delete_button = QPushButton("&Delete…")
        self.new_item_button = QPushButton("Ne&w recommendation…")
        for button, handler in (
            (self.new_button, self.new_review),
            (self.new_item_button, self.new_item),
            (self.edit_button, self.edit_review),
            (self.delete_button, self.delete_review),
        ):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(handler)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.detail, 1)
        buttons = QHBoxLayout()
        for button in (
            self.new_button,
            self.edit_button,
            self.delete_button,
            self.new_item_button,
        ):
            buttons.addWidget(button)
        self.new_item_action = row_action(self.view, "Ne&w recommendation…", self.new_item)
        right_layout.addLayout(buttons)
        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.addWidget(self.view)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setSizes([1100, 340])
        self.page = TablePage(
            self.splitter,
            "No reviews yet. Add one with New review, load the sample data (File ▸ Load "
            "sample data) to see how casereview works, or import a tracker (File ▸ Import).",
            [("&New review…", self.new_review)],
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.page)
        self.view.selectionModel().selectionChanged.connect(lambda *_: self._show_detail())
        self.edit_action = open_rows_with(self.view, "&Edit…", self.edit_review)
        self.delete_action = row_action(
            self.view, "&Delete…", self.delete_review, [QKeySequence.StandardKey.Delete]
        )

    def first_paint(self, reads: first_page.ReadAhead) -> bool:
        """Show the reviews read straight from the file, before the database layer loads."""
        rows = reads.take(first_page.review_rows, self.context.today())
        if rows is None:
            return False
        self._show_rows(rows)
        return True

    # Its detail, and an edit or a new review, are read from the file (``_fields``).
    answers_early = True

    def load(self) -> None:
        with self.context.database.session() as session:
            rows = queries.review_rows(session, self.context.today())
        self._show_rows(rows)
        self.loaded = True
        self._show_detail()

    def _show_rows(self, rows: list[ReviewRow]) -> None:
        selected = self.selected_reference()
        self.model.set_rows(rows)
        self.page.show_rows(len(rows))
        if not self._laid_out:
            self._laid_out = True
            self._restore_layout()
        self.select(selected or (rows[0].reference if rows else None))

    def selected_reference(self) -> str | None:
        indexes = self.view.selectionModel().selectedRows()
        if not indexes:
            return None
        row = indexes[0].data(ROW_ROLE)
        return row.reference if row is not None else None

    def select(self, reference: str | None) -> None:
        proxy = self.view.model()
        for number in range(proxy.rowCount()):
            row = proxy.index(number, 0).data(ROW_ROLE)
            if row is not None and row.reference == reference:
                self.view.selectRow(number)
                return

    def _show_detail(self) -> None:
        reference = self.selected_reference()
        for control in (
            self.edit_button,
            self.delete_button,
            self.edit_action,
            self.delete_action,
            self.new_item_button,
            self.new_item_action,
        ):
            control.setEnabled(reference is not None)
        if reference is None:
            self.detail.setHtml("<p style='color:#666'>Select a review to see its detail.</p>")
            return
        review = self._fields(reference)
        if review is None:  # deleted meanwhile (another window): nothing to show
            return
        published = review.published.display() if review.published else "not recorded"
        facts = [
            ("Subject", review.subject),
            ("Commissioned by", review.commissioned_by),
            ("Published", published),
            ("Themes", "; ".join(review.themes)),
        ]
        rows = "".join(
            f"<tr><td style='color:#555;padding-right:10px'>{label}</td><td>{esc(value)}</td></tr>"
            for label, value in facts
        )
        self.detail.setHtml(
            f"<h3 style='margin:0'>{esc(review.title)}</h3>"
            f"<p style='color:#555'>{esc(review.reference)} — {esc(review.kind.label)}</p>"
            f"<table cellpadding='2'>{rows}</table><p>{esc(review.summary)}</p>"
        )

    def _fields(self, reference: str) -> ReviewFields | None:
        """The review's fields: read from the file while the database layer loads (the same
        as the database's, ``first_page.review_fields``), else from the database."""
        reads = self.context.pending_reads  # None once the database is open
        if reads is not None:
            early = first_page.review_fields(reads.path, reference)
            if early is not None:
                return early
        try:
            with self.context.database.session() as session:
                return editing.review_fields(session, reference)
        except NotFoundError:
            return None

    def _dialog(self, fields: ReviewFields | None) -> ReviewDialog:
        reads = self.context.pending_reads
        organisations = first_page.organisation_names(reads.path) if reads is not None else None
        if organisations is None:
            with self.context.database.session() as session:
                organisations = queries.organisation_names(session)
        editing_reference = fields.reference if fields else None

        def check(candidate: ReviewFields) -> editing.Problems:
            with self.context.database.session() as session:
                return editing.check_review(session, candidate, editing=editing_reference)

        return dialogs.ReviewDialog(check, organisations, fields, self)

    def new_review(self) -> None:
        dialog = self._dialog(None)

        def create() -> commands.UndoableCommand | None:
            fields = dialog.result_fields
            return None if fields is None else commands.CreateReview(self.context, fields)

        if (
            commands.run_from(self.context, dialog, create, self)
            and dialog.result_fields is not None
        ):
            self.select(dialog.result_fields.reference)

    def edit_review(self) -> None:
        reference = self.selected_reference()
        if reference is None:
            return
        old = self._fields(reference)
        if old is None:
            missing = f"There is no review with the reference '{reference}'."
            self.context.explain(NotFoundError(missing), self)
            return
        dialog = self._dialog(old)

        def change() -> commands.UndoableCommand | None:
            fields = dialog.result_fields
            return None if fields is None else commands.EditReview(self.context, old, fields)

        commands.run_from(self.context, dialog, change, self)

    def delete_review(self) -> None:
        reference = self.selected_reference()
        if reference is None or not self.context.takes_changes(self):
            return
        answer = QMessageBox.question(
            self,
            "Delete review",
            f"Delete the review {reference} with all its recommendations, their progress "
            "updates and evidence? You can undo this with Edit ▸ Undo.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            commands.run(commands.DeleteReview(self.context, reference), self)

    def new_item(self) -> None:
        """A new recommendation of the selected review."""
        from desktop.tabs.recommendations import new_recommendation

        reference = self.selected_reference()
        if reference is not None:
            new_recommendation(self.context, reference, self)

    def _restore_layout(self) -> None:
        header = self.context.settings.get(keys.REVIEWS_HEADER)
        if not header.isEmpty():
            self.view.horizontalHeader().restoreState(header)
        splitter = self.context.settings.get(keys.REVIEWS_SPLITTER)
        if not splitter.isEmpty():
            self.splitter.restoreState(splitter)

    def save_settings(self) -> None:
        if self.loaded:
            self.context.settings.set(keys.REVIEWS_HEADER, self.view.horizontalHeader().saveState())
            self.context.settings.set(keys.REVIEWS_SPLITTER, self.splitter.saveState())
