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
from desktop.dialogs.settings import MARKINGS
from desktop.files import write_atomically
from desktop.qtutils import fit_to_screen

if TYPE_CHECKING:
    from db.queries.briefing_content import Pack, PackOptions
    from db.store.database import Database


class BriefingDialog(QDialog):
    def __init__(self, context: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.context = context
        self.setWindowTitle("Briefing pack")
        fit_to_screen(self, QSize(1280, 860), parent)
        self.pdf: bytes | None = None
        self.pack: Pack | None = None  # what the preview shows, for a Word copy of it
        self._buffer: QBuffer | None = None
        today = context.today()

        self.title = QLineEdit("Case review briefing pack")
        self.title.setAccessibleName("Title")
        self.has_meeting = QCheckBox("Meeting on")
        self.meeting = date_edit(today + dt.timedelta(days=14), "Meeting date")
        self.has_since = QCheckBox("Changes since")
        self.since = date_edit(today - dt.timedelta(days=90), "Changes since")
        self.marking = QComboBox()
        self.marking.setEditable(True)
        self.marking.addItems(MARKINGS)
        self.marking.setCurrentText(context.settings.get(keys.MARKING) or "No marking")
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
        marking = self.marking.currentText().strip()
        return PackOptions(
            today=self.context.today(),
            title=self.title.text().strip() or "Case review briefing pack",
            marking="" if marking == "No marking" else marking,
            prepared_by=self.context.author,
            meeting_date=self._date(self.has_meeting, self.meeting, "Meeting date"),
            since=self._date(self.has_since, self.since, "Changes since"),
            reviews=None if everything else chosen["review"],
            inspections=None if everything else chosen["inspection"],
            redact=self.redact.isChecked(),
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
            self, "Making the briefing pack…", work, self._show, self._failed
        )

    def _show(self, made: tuple[Pack, bytes]) -> None:
        self.pack, pdf = made
        self.pdf = pdf
        self._buffer = QBuffer(self)
        self._buffer.setData(QByteArray(pdf))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)
        pages = self.document.pageCount()
        self.status.setText(
            f"{pages:,} pages. Save or print it, or change the options and preview again."
        )
        self._set_ready(True)

    def _failed(self, message: str) -> None:
        self.status.setText(message)
        self.context.explain(CaseReviewError(message), self)

    def _set_ready(self, ready: bool) -> None:
        self.save_button.setEnabled(ready)
        self.print_button.setEnabled(ready)

    def save(self) -> None:
        if self.pdf is None:
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
        if self.pdf is None:
            return
        printer = QPrinter(QPrinter.PrinterMode.HighResolution)
        # The print dialog keeps a pointer to the printer: the printer must outlive it (a
        # printer freed with this method's locals left the dialog pointing at nothing).
        self._printer = printer
        dialog = QPrintDialog(printer, self)
        accepted = dialog.exec() == QDialog.DialogCode.Accepted
        dialog.deleteLater()
        if accepted:
            self.print_to(printer)

    def print_to(self, printer: QPrinter) -> None:
        """Print to a PDF file as the pack's own PDF (vector, the size Save writes, and as
        private); to a printer, each page drawn at its resolution. Both off the GUI thread,
        recorded in the audit trail."""
        if printer.outputFormat() == QPrinter.OutputFormat.PdfFormat and printer.outputFileName():
            self.print_to_file(Path(printer.outputFileName()))
        else:
            self.draw_on(printer)

    def print_to_file(self, path: Path) -> None:
        from db.store.audit import record

        assert self.pdf is not None
        pdf, pages = self.pdf, self.document.pageCount()
        database, actor = self.context.database, self.context.actor

        def work(progress: Progress) -> str:
            progress.check()
            # In one transaction with the file: a file that cannot be written is not recorded.
            with database.transaction(actor) as session:
                record(session, entity="prints", entity_id=path.name, new={"pages": pages})
                write_atomically(path, pdf)
            return f"Printed to {path}."

        self._progress = run_in_background(
            self, f"Printing to {path.name}…", work, self.status.setText, self._failed
        )

    def draw_on(self, printer: QPrinter) -> None:
        """Send the pack to ``printer``, page by page off the GUI thread (Qt paints on a
        QPrinter, and renders PDF pages, in any thread); Cancel stops it between strips."""
        from db.store.audit import record

        assert self.pdf is not None
        pdf, pages = self.pdf, self.document.pageCount()
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
                draw_pages(pdf, printer, progress)
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


def draw_pages(pdf: bytes, printer: QPrinter, progress: Progress) -> None:
    """Draw each page of ``pdf`` on ``printer`` at its resolution, fitted to its paper, in
    strips; with its own document and buffer, as it runs off the GUI thread. A cancelled
    print is aborted, so nothing half-printed is sent."""
    buffer = QBuffer()
    buffer.setData(QByteArray(pdf))
    buffer.open(QIODevice.OpenModeFlag.ReadOnly)
    document = QPdfDocument()
    document.load(buffer)
    painter = QPainter()
    if not painter.begin(printer):
        raise CaseReviewError("The printer could not be started.")
    try:
        pages = document.pageCount()
        for page in range(pages):
            if page:
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
            progress.report(page + 1, pages)
    except Cancelled:
        printer.abort()
        raise
    finally:
        painter.end()
        document.close()
