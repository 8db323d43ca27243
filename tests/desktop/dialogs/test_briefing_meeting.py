"""The Briefing pack dialog's "For meeting" choice: a pack made for one of the meetings
names it, follows its agenda and lists the changes since the meeting before."""

from __future__ import annotations

from pathlib import Path

from pypdf import PdfReader
from PySide6.QtPdf import QPdfDocument

from db.core.dates import format_date
from desktop.window import MainWindow


def test_a_pack_for_a_meeting_from_the_dialog(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    sample_window.briefing_pack()
    dialog = sample_window.briefing_dialog
    choices = [dialog.for_meeting.itemData(n) for n in range(dialog.for_meeting.count())]
    assert choices[0] is None  # a pack for a date, as before, unless a meeting is chosen
    assert dialog.options().meeting_title is None
    coming, past = choices[1:]  # the sample's two meetings, the newest first
    dialog.for_meeting.setCurrentIndex(1)
    assert not dialog.has_meeting.isEnabled() and not dialog.meeting.isEnabled()
    options = dialog.options()
    assert (options.meeting_date, options.meeting_title) == (coming.held_on, coming.title)
    assert options.since is None  # the pack takes the meeting before's date
    dialog.generate()
    qtbot.waitUntil(lambda: dialog.document.status() == QPdfDocument.Status.Ready, timeout=20_000)
    saved = tmp_path / "pack.pdf"
    dialog.save_to(saved)
    text = " ".join(" ".join(page.extract_text().split()) for page in PdfReader(saved).pages)
    assert f"Meeting: {coming.title}, {format_date(coming.held_on)}" in text
    assert f"Changes since {format_date(past.held_on)}" in text
    dialog.for_meeting.setCurrentIndex(0)  # back to a pack for a date
    assert dialog.has_meeting.isEnabled()
    assert dialog.options().meeting_title is None
    dialog.close()
