"""Printing a briefing pack: to a file it is the pack's own PDF (vector, its own size,
private); to a printer the pages are drawn off the GUI thread, which stays responsive, and
Cancel stops it."""

from __future__ import annotations

import stat
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt, QTimer
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import QApplication, QLineEdit, QPushButton

from desktop.dialogs.briefing import BriefingDialog
from desktop.window import MainWindow

CHILD_A = "FSCP-CSPR-CHILD-A"


def text_of(path: Path) -> str:
    return " ".join(page.extract_text() for page in PdfReader(path).pages)


def previewed(qtbot, window: MainWindow) -> BriefingDialog:  # type: ignore[no-untyped-def]
    """The Briefing pack dialog as File > Briefing pack opens it, with the pack previewed."""
    window.briefing_pack()
    dialog = window.briefing_dialog
    dialog.title.setText("December panel")
    dialog.generate()
    qtbot.waitUntil(lambda: dialog.document.status() == QPdfDocument.Status.Ready, timeout=30_000)
    return dialog


def test_print_to_file_writes_the_packs_own_pdf_readable_by_its_owner_only(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    dialog = previewed(qtbot, sample_window)
    assert dialog.pdf is not None
    saved = tmp_path / "saved.pdf"
    dialog.save_to(saved)
    printed = tmp_path / "printed.pdf"

    def as_the_user() -> None:
        chooser = QApplication.activeModalWidget()
        if not isinstance(chooser, QPrintDialog):
            QTimer.singleShot(10, as_the_user)
            return
        name = chooser.findChild(QLineEdit, "filename")  # Print to File (PDF)
        name.setText(str(printed))
        chooser.accept()

    QTimer.singleShot(0, as_the_user)
    dialog.print_button.click()
    # (Before printing went off the GUI thread, it said "Sent to the printer.")
    done = ("Printed to", "Sent to the printer")
    qtbot.waitUntil(lambda: dialog.status.text().startswith(done), timeout=60_000)

    assert stat.S_IMODE(printed.stat().st_mode) == 0o600  # as Save writes it
    assert dialog.status.text() == f"Printed to {printed}."
    assert printed.read_bytes() == dialog.pdf  # vector, the pack's own size
    assert len(PdfReader(printed).pages) == dialog.document.pageCount()
    assert text_of(printed) == text_of(saved) and CHILD_A in text_of(printed)
    assert printed.stat().st_size <= 1.1 * len(dialog.pdf)
    dialog.close()


def test_save_as_word_writes_a_copy_of_the_pack_previewed(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    from tests.helpers.word import headings, open_docx, sections_marked

    dialog = previewed(qtbot, sample_window)
    saved = tmp_path / "pack.docx"
    dialog.save_to(saved)
    qtbot.waitUntil(lambda: dialog.status.text() == f"Saved to {saved}.", timeout=30_000)
    document = open_docx(saved)
    assert headings(document)[0] == "December panel"
    assert any(heading.startswith(f"{CHILD_A}: ") for heading in headings(document))
    assert all(sections_marked(document, "OFFICIAL-SENSITIVE"))
    assert stat.S_IMODE(saved.stat().st_mode) == 0o600  # as the PDF is written
    dialog.close()


def test_printing_to_a_printer_leaves_the_window_responsive_and_can_be_cancelled(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    dialog = previewed(qtbot, sample_window)
    # A PDF-writing QPrinter stands in for a printer device: drawn on page by page.
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(1200)
    printer.setOutputFileName(str(tmp_path / "device.pdf"))
    ticks: list[bool] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append("Sent" not in dialog.status.text()))
    timer.start(20)
    dialog.draw_on(printer)  # what print_to does for a printer
    assert "Printing" in dialog._progress.labelText()
    # The event loop runs timers while the pages are drawn...
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=30_000)
    assert all(ticks)
    # ...and Cancel stops the drawing.
    qtbot.mouseClick(dialog._progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Printing cancelled"), timeout=30_000)
    timer.stop()
    dialog.close()


def test_every_page_reaches_the_printer(qtbot, sample_window: MainWindow, tmp_path: Path) -> None:
    dialog = previewed(qtbot, sample_window)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(72)  # small pages: this test is about every page arriving
    device = tmp_path / "device.pdf"
    printer.setOutputFileName(str(device))
    dialog.draw_on(printer)
    qtbot.waitUntil(lambda: dialog.status.text() == "Sent to the printer.", timeout=60_000)
    assert len(PdfReader(device).pages) == dialog.document.pageCount()
    dialog.close()


def ranged(printer: QPrinter, first: int, last: int) -> QPrinter:
    """``printer`` as the print dialog leaves it when the user asks for pages first to last."""
    printer.setPrintRange(QPrinter.PrintRange.PageRange)
    printer.setFromTo(first, last)
    return printer


def test_print_to_file_writes_only_the_pages_asked_for(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    """A new user asked for pages 2 to 3 and got the whole pack in the file."""
    dialog = previewed(qtbot, sample_window)
    assert dialog.pdf is not None
    whole = tmp_path / "whole.pdf"
    whole.write_bytes(dialog.pdf)
    assert dialog.document.pageCount() >= 3
    printed = tmp_path / "pages.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    dialog.print_to(ranged(printer, 2, 3))
    qtbot.waitUntil(lambda: dialog.status.text().startswith("Printed to"), timeout=60_000)
    pages = PdfReader(printed).pages
    assert [page.extract_text() for page in pages] == [
        page.extract_text() for page in PdfReader(whole).pages[1:3]
    ]
    assert PdfReader(printed).metadata.title == PdfReader(whole).metadata.title
    dialog.close()


def test_a_printer_is_sent_only_the_pages_asked_for(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    dialog = previewed(qtbot, sample_window)
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setResolution(72)
    device = tmp_path / "device.pdf"
    printer.setOutputFileName(str(device))
    dialog.draw_on(ranged(printer, 2, 3))
    qtbot.waitUntil(lambda: dialog.status.text() == "Sent to the printer.", timeout=60_000)
    assert len(PdfReader(device).pages) == 2
    dialog.close()


def test_a_range_past_the_last_page_prints_nothing_and_says_so(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    dialog = previewed(qtbot, sample_window)
    printed = tmp_path / "none.pdf"
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printer.setOutputFileName(str(printed))
    count = dialog.document.pageCount()
    dialog.print_to(ranged(printer, count + 1, count + 2))
    assert dialog.status.text().startswith(f"Nothing was printed: the pack has {count} pages")
    assert not printed.exists()
    dialog.close()
