"""The Briefing pack dialog: choose what goes in, preview the PDF inside the program, save it
(as the PDF, or as an editable Word copy of the same pack) or print it. Both are made off the
GUI thread by the same renderers as ``casereview brief``."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument, QPdfDocumentRenderOptions
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from db.core.errors import CaseReviewError
from desktop import settings as keys
from desktop.background import Cancelled, Progress, run_in_background
from desktop.context import AppContext
from desktop.dialogs.forms import DateField, date_edit
from desktop.dialogs.settings import MARKINGS, NO_MARKING, marking_problem
from desktop.files import write_atomically
from desktop.qtutils import fit_to_screen

if TYPE_CHECKING:
    from db.queries.briefing_content import Pack, PackOptions
    from db.services.meetings import MeetingKey
    from db.store.database import Database


class BriefingDialog(QDialog):
    def __init__(
        self, context: AppContext, parent: QWidget | None = None, meeting: MeetingKey | None = None
    ) -> None:
        """``meeting``: the meeting the pack is for at first (the one selected on the Meetings
        tab: a new user found "None" chosen with a meeting selected)."""
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Briefing pack")
        fit_to_screen(self, QSize(1280, 860), parent)
        self.pdf: bytes | None = None
        self.pack: Pack | None = None  # what the preview shows, for a Word copy of it
        self.previewed: PackOptions | None = None  # the options self.pdf was made with
        self._buffer: QBuffer | None = None
        today = context.today()

        self.title = QLineEdit("Case review briefing pack")
        self.title.setAccessibleName("Title")
        self.has_meeting = QCheckBox("Meeting on")
        self.meeting = date_edit(today + dt.timedelta(days=14), "Meeting date")
        self.for_meeting = QComboBox()
        self.for_meeting.setAccessibleName("Meeting the pack is for")
        self._fill_meetings()
        self.has_since = QCheckBox("Changes since")
        self.since = date_edit(today - dt.timedelta(days=90), "Changes since")
        self.marking = QComboBox()
        self.marking.setEditable(True)
        self.marking.addItems(MARKINGS)
        self.marking.setCurrentText(context.settings.get(keys.MARKING) or NO_MARKING)
        self.marking.setAccessibleName("Protective marking")
        self.redact = QCheckBox("Replace the names of children and family members with labels")
        self.contents = QListWidget()
        self.contents.setAccessibleName("Reviews and inspections to include")
        self._fill_contents()
        self.select_all_button = QPushButton("Select &all")
        self.select_none_button = QPushButton("Select &none")
        choose = QHBoxLayout()
        for button, state in (
            (self.select_all_button, Qt.CheckState.Checked),
            (self.select_none_button, Qt.CheckState.Unchecked),
        ):
            button.setAccessibleName(button.text().replace("&", ""))
            button.clicked.connect(lambda _=False, state=state: self.check_all(state))
            choose.addWidget(button)
        choose.addStretch(1)

        form = QFormLayout()
        form.addRow("&Title", self.title)
        form.addRow("For m&eeting", self.for_meeting)
        form.addRow(self._pair(self.has_meeting, self.meeting))
        form.addRow(self._pair(self.has_since, self.since))
        form.addRow("&Marking", self.marking)
        form.addRow(self.redact)
        form.addRow(QLabel("Include:"))
        form.addRow(self.contents)
        form.addRow(choose)
        self.preview_button = QPushButton("&Preview")
        self.save_button = QPushButton("&Save…")
        self.print_button = QPushButton("P&rint…")
        for button, handler in (
            (self.preview_button, self.generate),
            (self.save_button, self.save),
            (self.print_button, self.print_pack),
        ):
            button.setAccessibleName(button.text().replace("&", "").rstrip("…"))
            button.clicked.connect(handler)
        buttons = QHBoxLayout()
        for button in (self.preview_button, self.save_button, self.print_button):
            buttons.addWidget(button)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        buttons.addWidget(close)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addLayout(form)
        left_layout.addLayout(buttons)
        self.status = QLabel("Choose what goes in, then Preview.")
        self.status.setWordWrap(True)
        left_layout.addWidget(self.status)

        self.document = QPdfDocument(self)
        self.view = QPdfView()
        self.view.setAccessibleName("Preview of the briefing pack")
        self.view.setDocument(self.document)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(self.view)
        splitter.setSizes([420, 860])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)
        self._set_ready(False)
        for number in range(self.for_meeting.count()):
            if meeting is not None and self.for_meeting.itemData(number) == meeting:
                self.for_meeting.setCurrentIndex(number)
        self._watch_options()

    @staticmethod
    def _pair(check: QCheckBox, edit: QWidget) -> QWidget:
        holder = QWidget()
        row = QHBoxLayout(holder)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(check)
        row.addWidget(edit, 1)
        edit.setEnabled(False)
        check.toggled.connect(edit.setEnabled)
        return holder

    def _watch_options(self) -> None:
        """Any change to what the pack is to hold checks the preview against it at once."""
        self.title.textChanged.connect(self._check_preview)
        for check in (self.has_meeting, self.has_since, self.redact):
            check.toggled.connect(self._check_preview)
        for field in (self.meeting, self.since):
            field.edit.textChanged.connect(self._check_preview)
        self.marking.currentTextChanged.connect(self._check_preview)
        self.contents.itemChanged.connect(self._check_preview)
        self.for_meeting.currentIndexChanged.connect(self._check_preview)

    def _current(self) -> PackOptions | None:
        """The options on screen, or None while they cannot be read."""
        try:
            return self.options()
        except CaseReviewError:
            return None

    def _is_current(self) -> bool:
        """Whether the pack previewed is the pack of the options on screen."""
        return (
            self.pdf is not None
            and self.previewed is not None
            and (self._current() == self.previewed)
        )

    def _check_preview(self) -> None:
        """Save and Print only what was previewed with the options on screen: after a change
        (redaction ticked, another marking) they wait for a new preview, so a pack is never
        saved or printed with names, or a marking, that the options say it does not have.
        (Saving would rather make the pack afresh, but then the user shares a pack nobody has
        looked at; the preview is where it is checked.) Changing an option back to what was
        previewed makes them ready again."""
        if self.pdf is None:
            return
        current = self._is_current()
        self._set_ready(current)
        if current:
            self.status.setText(self._ready_text())
        else:
            self.status.setText(
                "The options have changed since the preview: preview again to save or print."
            )

    def _ready_text(self) -> str:
        pages = self.document.pageCount()
        return f"{pages:,} pages. Save or print it, or change the options and preview again."

    def _fill_contents(self) -> None:
        from db.queries import details as queries

        with self.context.database.session() as session:
            reviews = [
                (r.reference, r.title) for r in queries.review_rows(session, self.context.today())
            ]
            inspections = [(i.reference, i.title) for i in queries.inspection_rows(session)]
        for kind, rows in (("review", reviews), ("inspection", inspections)):
            for reference, title in rows:
                # The title beside the reference: panels know a review by its name.
                text = f"{reference}: {title} ({kind})" if title else f"{reference} ({kind})"
                item = QListWidgetItem(text)
                item.setToolTip(text)
                item.setData(Qt.ItemDataRole.UserRole, (kind, reference))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Checked)
                self.contents.addItem(item)

    def _fill_meetings(self) -> None:
        """The meetings a pack can be made for (the newest first). A pack for a meeting
        follows its agenda and lists the changes since the meeting before, unless "Changes
        since" is ticked; its date is the meeting's."""
        from db.services.meetings import meeting_rows

        self.for_meeting.addItem("None: a pack for the date below", None)
        with self.context.database.session() as session:
            for row in meeting_rows(session, self.context.today()):
                self.for_meeting.addItem(str(row.key), row.key)
        self.for_meeting.currentIndexChanged.connect(self._meeting_chosen)

    def _meeting_chosen(self) -> None:
        key = self.for_meeting.currentData()
        if key is not None:
            self.has_meeting.setChecked(True)
            self.meeting.set_value(key.held_on)
        self.has_meeting.setEnabled(key is None)
        self.meeting.setEnabled(key is None and self.has_meeting.isChecked())

    def check_all(self, state: Qt.CheckState) -> None:
        """Select all, or none, of the reviews and inspections the pack can include."""
        for number in range(self.contents.count()):
            self.contents.item(number).setCheckState(state)

    @staticmethod
    def _date(check: QCheckBox, field: DateField, what: str) -> dt.date | None:
        """The date chosen, or None when unticked; a date that cannot be read is refused in
        one sentence rather than the pack made for another day."""
        if not check.isChecked():
            return None
        try:
            return field.date_value()
        except ValueError as exc:
            raise CaseReviewError(f"{what}: {exc}") from exc

    def options(self) -> PackOptions:
        """What the pack is to hold, as chosen here; a date that cannot be read is refused."""
        from db.queries.briefing_content import PackOptions

        chosen: dict[str, list[str]] = {"review": [], "inspection": []}
        everything = True
        for number in range(self.contents.count()):
            item = self.contents.item(number)
            kind, reference = item.data(Qt.ItemDataRole.UserRole)
            if item.checkState() == Qt.CheckState.Checked:
                chosen[kind].append(reference)
            else:
                everything = False
        typed = self.marking.currentText()
        problem = marking_problem(typed)
        if problem is not None:
            raise CaseReviewError(problem)
        marking = typed.strip()
        meeting = self.for_meeting.currentData()
        return PackOptions(
            today=self.context.today(),
            title=self.title.text().strip() or "Case review briefing pack",
            marking="" if marking == NO_MARKING else marking,
            prepared_by=self.context.author,
            meeting_date=meeting.held_on
            if meeting
            else self._date(self.has_meeting, self.meeting, "Meeting date"),
            since=self._date(self.has_since, self.since, "Changes since"),
            reviews=None if everything else chosen["review"],
            inspections=None if everything else chosen["inspection"],
            redact=self.redact.isChecked(),
            meeting_title=meeting.title if meeting else None,
        )

    def generate(self) -> None:
        """Make the PDF off the GUI thread, then show it."""
        from db.queries.briefing_content import pack_being_made
        from desktop.briefing import render_pack

        try:
            options = self.options()
        except CaseReviewError as exc:
            self.status.setText(str(exc))
            self.context.explain(exc, self)
            return
        if options.reviews == [] and options.inspections == []:
            self.context.explain(CaseReviewError("Choose at least one review or inspection."), self)
            return
        database, actor = self.context.database, self.context.actor

        def work(progress: Progress) -> tuple[Pack, bytes]:
            # The pack is recorded in the audit trail as it is made, and again if it then
            # fails or is cancelled (see pack_being_made).
            with pack_being_made(database, actor, purpose="preview", options=options) as pack:
                progress.check()
                return pack, render_pack(pack)

        self._set_ready(False)
        self.status.setText("Making the pack…")
        self._progress = run_in_background(
            self,
            "Making the briefing pack…",
            work,
            lambda made: self._show(made, options),
            self._failed,
        )

    def _show(self, made: tuple[Pack, bytes], options: PackOptions) -> None:
        self.pack, pdf = made
        self.pdf, self.previewed = pdf, options
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        self._check_preview()  # the options may have changed while it was made

    def _failed(self, error: CaseReviewError) -> None:
        self.status.setText(error.message)
        self.context.explain(error, self, logged=True)  # logged by run_in_background

    def _set_ready(self, ready: bool) -> None:
        self.save_button.setEnabled(ready)
        self.print_button.setEnabled(ready)

    def save(self) -> None:
        if not self._is_current():
            return
        name, chosen = QFileDialog.getSaveFileName(
            self,
            "Save the briefing pack",
            "briefing-pack.pdf",
            "PDF (*.pdf);;Word document, editable (*.docx)",
        )
        if name:
            path = Path(name)
            if path.suffix.lower() not in (".pdf", ".docx"):
                path = path.with_name(path.name + chosen[chosen.rindex("*") + 1 : -1])
            self.save_to(path)

    def save_to(self, path: Path) -> None:
        """Save the pack previewed: the PDF as shown, or (for a name ending .docx) a Word copy
        of the same pack, made off the GUI thread."""
        assert self.pdf is not None
        if path.suffix.lower() == ".docx":
            self._save_word_copy(path)
            return
        try:
            _record_and_write(self.context.database, self.context.actor, path, "pdf", self.pdf)
        except CaseReviewError as exc:
            self.context.explain(exc, self)
            return
        self.status.setText(f"Saved to {path}.")

    def _save_word_copy(self, path: Path) -> None:
        from desktop.briefing.word import render_pack_docx

        assert self.pack is not None
        pack, database, actor = self.pack, self.context.database, self.context.actor

        def work(progress: Progress) -> None:
            data = render_pack_docx(pack)
            progress.check()
            _record_and_write(database, actor, path, "docx", data)

        self.status.setText("Making the Word copy…")
        self._progress = run_in_background(
            self,
            f"Saving {path.name}…",
            work,
            lambda _: self.status.setText(f"Saved to {path}."),
            self._failed,
        )

    def print_pack(self) -> None:
        if not self._is_current():
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        # The print dialog keeps a pointer to the printer: the printer must outlive it (a
        # printer freed with this method's locals left the dialog pointing at nothing).
        self._printer = printer
        dialog = QPrintDialog(printer, self)
        dialog.setOption(QPrintDialog.PrintDialogOption.PrintPageRange, True)
        dialog.setMinMax(1, max(self.document.pageCount(), 1))
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Print to a PDF file as the pack's own PDF (vector, the size Save writes, and as
        private); to a printer, each page drawn at its resolution. Both off the GUI thread,
        recorded in the audit trail."""
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
            chosen = chosen_pages(printer, self.document.pageCount())
            if chosen == []:
                self._say_no_pages()
                return
            self.print_to_file(Path(printer.outputFileName()), chosen)
        elif chosen_pages(printer, self.document.pageCount()) == []:
            self._say_no_pages()
        else:
            self.draw_on(printer)

    def _say_no_pages(self) -> None:
        self.status.setText(
            f"Nothing was printed: the pack has {self.document.pageCount()} pages, and none "
            "of those chosen is among them."
        )

    def print_to_file(self, path: Path, chosen: list[int] | None = None) -> None:
        """Write the pack's own PDF to ``path``: the pages ``chosen`` (from 0), or all."""
        from db.store.audit import record
        from desktop.briefing.pages import pages_of

        assert self.pdf is not None
        pdf, count = self.pdf, self.document.pageCount()
        database, actor = self.context.database, self.context.actor

        def work(progress: Progress) -> str:
            progress.check()
            printed = pdf if chosen is None else pages_of(pdf, chosen)
            pages = count if chosen is None else len(chosen)
            # In one transaction with the file: a file that cannot be written is not recorded.
            with database.transaction(actor) as session:
                record(session, entity="prints", entity_id=path.name, new={"pages": pages})
                write_atomically(path, printed)
            return f"Printed to {path}."

        self._progress = run_in_background(
            self, f"Printing to {path.name}…", work, self.status.setText, self._failed
        )

    def draw_on(self, printer: QPrinter) -> None:
        """Send the pack to ``printer``, page by page off the GUI thread (Qt paints on a
        QPrinter, and renders PDF pages, in any thread); Cancel stops it between strips."""
        from db.store.audit import record

        assert self.pdf is not None
        pdf, count = self.pdf, self.document.pageCount()
        chosen = chosen_pages(printer, count)
        pages = count if chosen is None else len(chosen)
        database, actor = self.context.database, self.context.actor
        where = printer.printerName() or Path(printer.outputFileName()).name or "printer"

        def work(progress: Progress) -> str:
            with database.transaction(actor) as session:
                record(
                    session,
                    entity="prints",
                    entity_id=where,
                    new={"pages": pages, "copies": printer.copyCount()},
                )
            try:
                draw_pages(pdf, printer, progress, chosen)
            except Cancelled:  # the user's choice, not a failure
                return "Printing cancelled: the print was stopped and nothing more was sent."
            return "Sent to the printer."

        self._printer = printer  # kept alive while the work paints on it
        self._progress = run_in_background(
            self, "Printing the briefing pack…", work, self.status.setText, self._failed
        )


STRIP = 512  # rows of printer pixels rendered at a time, so memory stays small at any resolution


def _record_and_write(database: Database, actor: str, path: Path, fmt: str, data: bytes) -> None:
    """Write ``data`` and record the export in the audit trail, in one transaction: a file
    that cannot be written is not recorded."""
    from db.store.audit import record

    with database.transaction(actor) as session:
        record(session, entity="exports", entity_id=path.name, new={"format": fmt})
        write_atomically(path, data)


def chosen_pages(printer: QPrinter, count: int) -> list[int] | None:
    """The pages (numbered from 0) of a ``count``-page document the print dialog chose for
    ``printer``, in order; None for every page."""
    ranges = printer.pageRanges()
    if printer.printRange() != QPrinter.PrintRange.PageRange or ranges.isEmpty():
        return None
    return [page - 1 for page in range(1, count + 1) if ranges.contains(page)]


def draw_pages(
    pdf: bytes, printer: QPrinter, progress: Progress, chosen: list[int] | None = None
) -> None:
    """Draw each page of ``pdf`` (those ``chosen``, if any) on ``printer`` at its resolution,
    fitted to its paper, in strips; with its own document and buffer, as it runs off the GUI
    thread. A cancelled print is aborted, so nothing half-printed is sent."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    painter = QPainter()
    if not painter.begin(printer):
        raise CaseReviewError("The printer could not be started.")
    try:
        pages = list(range(document.pageCount())) if chosen is None else chosen
        for done, page in enumerate(pages):
            if done:
                printer.newPage()
            area = painter.viewport()
            size = document.pagePointSize(page)
            scale = min(area.width() / size.width(), area.height() / size.height())
            target = QSize(int(size.width() * scale), int(size.height() * scale))
            for top in range(0, target.height(), STRIP):
                progress.check()
                options = QPdfDocumentRenderOptions()
                strip = QRect(0, top, target.width(), min(STRIP, target.height() - top))
                options.setScaledSize(target)  # the whole page's size, of which
                options.setScaledClipRect(strip)  # this strip is rendered
                painter.drawImage(QPointF(0, top), document.render(page, strip.size(), options))
            progress.report(done + 1, len(pages))
    except Cancelled:
        printer.abort()
        raise
    finally:
        painter.end()
        document.close()
