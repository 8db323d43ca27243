"""The Briefing pack dialog saves and prints only the pack previewed with the options on
screen, and refuses a marking the command line and Edit > Settings refuse (found by a new
user: ticking redaction after a preview saved a pack with the children's names in it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pypdf import PdfReader
from PySide6.QtCore import Qt
from PySide6.QtPdf import QPdfDocument

from desktop.dialogs.briefing import BriefingDialog
from desktop.window import MainWindow

NAMES = ("Amelia Thorne", "Dean Thorne")


def opened(window: MainWindow) -> BriefingDialog:
    window.briefing_pack()  # File > Briefing pack (Ctrl+P)
    return window.briefing_dialog


def preview(qtbot, dialog: BriefingDialog) -> None:  # type: ignore[no-untyped-def]
    dialog.preview_button.click()
    qtbot.waitUntil(dialog.save_button.isEnabled, timeout=30_000)
    assert dialog.document.status() == QPdfDocument.Status.Ready


def pages(path: Path) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(path).pages]


def ready(dialog: BriefingDialog) -> bool:
    return dialog.save_button.isEnabled() and dialog.print_button.isEnabled()


def test_changing_any_option_after_a_preview_holds_save_and_print_until_previewed_again(
    qtbot, sample_window: MainWindow
) -> None:
    dialog = opened(sample_window)
    dialog.has_meeting.setChecked(True)
    dialog.has_since.setChecked(True)
    preview(qtbot, dialog)
    first = dialog.contents.item(0)
    checked, unchecked = Qt.CheckState.Checked, Qt.CheckState.Unchecked
    # Each option: set to another value, then back to the one previewed.
    changes: list[tuple[str, Callable[[object], None], object, object]] = [
        ("title", dialog.title.setText, "Another", dialog.title.text()),
        ("meeting tick", dialog.has_meeting.setChecked, False, True),
        ("since tick", dialog.has_since.setChecked, False, True),
        ("meeting date", dialog.meeting.edit.setText, "1 January 2030", dialog.meeting.text()),
        ("since date", dialog.since.edit.setText, "1 January 2020", dialog.since.text()),
        ("marking", dialog.marking.setCurrentText, "OFFICIAL", dialog.marking.currentText()),
        ("redaction", dialog.redact.setChecked, True, False),
        ("contents", first.setCheckState, unchecked, checked),
    ]
    for what, put, other, previewed in changes:
        assert ready(dialog), what
        put(other)
        assert not ready(dialog), what
        assert "preview again" in dialog.status.text(), what
        put(previewed)
        assert ready(dialog), f"{what} put back as previewed"
    # A meeting chosen after the preview (it also sets the date to the meeting's).
    dialog.for_meeting.setCurrentIndex(1)
    assert not ready(dialog)
    assert "preview again" in dialog.status.text()


def test_save_and_print_after_ticking_redaction_give_no_names(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    dialog = opened(sample_window)
    dialog.redact.setChecked(False)
    preview(qtbot, dialog)
    dialog.redact.setChecked(True)
    assert not ready(dialog)
    dialog.print_pack()  # refused: nothing opens (a print dialog would wait for an answer)
    dialog.save()  # likewise the file chooser
    preview(qtbot, dialog)
    saved = tmp_path / "redacted.pdf"
    dialog.save_to(saved)
    text = " ".join(pages(saved))
    assert not any(name in text for name in NAMES)
    assert "Thorne" not in text


def test_a_marking_changed_after_the_preview_is_the_one_saved(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    dialog = opened(sample_window)
    dialog.marking.setCurrentText("MARK-A")
    preview(qtbot, dialog)
    dialog.marking.setCurrentText("MARK-B")
    assert not ready(dialog)
    preview(qtbot, dialog)
    saved = tmp_path / "marked.pdf"
    dialog.save_to(saved)
    assert all("MARK-B" in page and "MARK-A" not in page for page in pages(saved))


def test_a_marking_too_long_or_of_spaces_is_refused_in_one_sentence(
    qtbot, sample_window: MainWindow
) -> None:
    dialog = opened(sample_window)
    for typed, expected in (
        ("M" * 228, "The marking is longer than the 60 characters casereview keeps."),
        ("   ", "The marking is only spaces; choose No marking for none."),
    ):
        dialog.marking.setCurrentText(typed)
        dialog.preview_button.click()
        assert dialog.status.text() == expected
        assert sample_window.context.last_explanation == expected
        assert dialog.pdf is None and not ready(dialog)
