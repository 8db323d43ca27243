"""A window over a copy taken to a meeting (db.services.checkout) says so, in its title and its
status bar: of what, when and by whom; a window over any other database does not."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from db.core.dates import format_date, utc_now
from db.queries import copies
from db.services.checkout import Scope, check_out
from db.services.meetings import MeetingKey
from db.services.merge import merge_copy
from db.store.cipher import Passphrase, is_encrypted
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import Review
from desktop.dialogs.checkout import TakeCopyDialog
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import CHILD_A, answer, make_window, ok, refused

LAPTOP = "a long laptop passphrase"


def test_a_copy_says_what_it_is_a_copy_of(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, db_file: Database, settings: Settings, tmp_path: Path
) -> None:
    assert "Copy of" not in sample_window.windowTitle()
    assert sample_window.copy_label.isHidden()
    target = tmp_path / "laptop.sqlite3"
    check_out(db_file, target, scope=Scope(), actor="Sam Patel", today=TODAY)
    with open_database(resolve_location(str(target))) as copy:
        window = make_window(qtbot, copy, settings)
        day = format_date(utc_now().astimezone().date())
        said = f"Copy of {db_file.location.display()} taken {day} by Sam Patel"
        assert window.windowTitle() == f"laptop.sqlite3 ({said}) \u2014 casereview"
        assert window.copy_label.whole_text() == said
        assert window.copy_label.isVisible()
        window.close()


def test_a_message_too_long_for_the_status_bar_is_cut_with_an_ellipsis(  # type: ignore[no-untyped-def]
    qtbot, db_file: Database, settings: Settings, tmp_path: Path
) -> None:
    """Qt clipped a long message mid-letter where the lasting labels begin ("... meeting —
    19 Decemb", a trial's find at 1366 pixels): it is cut with "…", whole in the tooltip and
    in currentMessage, and fitted again as the window is resized."""
    from PySide6.QtWidgets import QStatusBar

    target = tmp_path / "laptop.sqlite3"
    check_out(db_file, target, scope=Scope(), actor="Sam Patel", today=TODAY)
    with open_database(resolve_location(str(target))) as copy:
        window = make_window(qtbot, copy, settings)
        window.resize(1230, 700)
        QApplication.processEvents()
        bar = window.statusBar()
        message = (
            "Minutes saved to Minutes of the Case Review Subgroup meeting — 19 December "
            "2026, with the action log and every decision recorded offline.pdf."
        )
        bar.showMessage(message, 60_000)
        QApplication.processEvents()
        shown = QStatusBar.currentMessage(bar)  # what Qt paints
        assert bar.currentMessage() == message
        assert shown != message and shown.endswith("…")
        assert message.startswith(shown[:-1])
        first = min(w.x() for w in (window.copy_label, window.location_label) if w.isVisible())
        assert bar.fontMetrics().horizontalAdvance(shown) <= first - 8
        assert bar.toolTip() == message
        window.resize(2400, 700)  # wider than the message needs
        QApplication.processEvents()
        assert QStatusBar.currentMessage(bar) in (message, shown)
        if bar.width() >= 2400:  # (the screen may hold the window smaller)
            assert QStatusBar.currentMessage(bar) == message and bar.toolTip() == ""
        bar.showMessage(message, 50)  # gone at its time: its tooltip with it
        qtbot.waitUntil(lambda: QStatusBar.currentMessage(bar) == "")
        assert bar.currentMessage() == "" and bar.toolTip() == ""
        bar.showMessage(message)
        bar.clearMessage()
        assert bar.currentMessage() == "" and bar.toolTip() == ""
        window.close()


def test_a_merged_copys_notice_says_first_that_it_can_no_longer_be_changed(  # type: ignore[no-untyped-def]
    qtbot, db_file: Database, settings: Settings, tmp_path: Path
) -> None:
    """Where the notice is cut (a laptop's status bar), what matters most stays in sight."""
    target = tmp_path / "laptop.sqlite3"
    check_out(db_file, target, scope=Scope(), actor="Sam Patel", today=TODAY)
    with open_database(resolve_location(str(target))) as copy:
        merge_copy(copy, db_file, actor="Kim", today=TODAY)
        window = make_window(qtbot, copy, settings)
        window.resize(1230, 700)
        QApplication.processEvents()
        day = format_date(utc_now().astimezone().date())
        said = window.copy_label.whole_text()
        assert said.startswith(f"Merged back {day} and can no longer be changed: copy of ")
        assert window.copy_label.text().startswith(
            f"Merged back {day} and can no longer be changed"
        )
        assert window.windowTitle().startswith(f"laptop.sqlite3 ({said})")
        window.close()


def _menu_action(window: MainWindow, text: str) -> QAction:
    file_menu = window.menuBar().actions()[0].menu()
    assert file_menu is not None
    return next(a for a in file_menu.actions() if a.text().replace("&", "") == text)


def test_file_take_a_copy_offline_takes_chosen_reviews_with_a_passphrase(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    target = tmp_path / "laptop.sqlite3"

    def fill(dialog: TakeCopyDialog) -> None:
        assert dialog.scope.count() == 2  # no meeting selected: none offered
        assert not dialog.sources.isEnabled()
        dialog.scope.setCurrentIndex(dialog.scope.findData("chosen"))
        assert dialog.sources.isEnabled()
        found = dialog.sources.findItems(f"{CHILD_A} (review)", Qt.MatchFlag.MatchExactly)
        found[0].setCheckState(Qt.CheckState.Checked)
        dialog.target.setText(str(target))
        assert dialog.first is not None and dialog.second is not None
        dialog.first.setText(LAPTOP)
        dialog.second.setText(LAPTOP)
        ok(dialog)

    answer(fill)
    _menu_action(sample_window, "Take a copy offline…").trigger()
    qtbot.waitUntil(
        lambda: "Took a copy" in sample_window.statusBar().currentMessage(), timeout=20000
    )
    assert sample_window.statusBar().currentMessage() == (
        f"Took a copy of review {CHILD_A} (1 review, 0 inspections, 8 items, 0 meetings) to "
        f"{target}, encrypted."
    )
    assert is_encrypted(target)
    located = resolve_location(str(target)).with_passphrase(Passphrase(LAPTOP))
    with open_database(located) as copy, copy.session() as session:
        assert copies.copy_origin(session) is not None


def test_the_selected_meeting_is_offered_and_taken(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    meeting = MeetingKey(dt.date(2026, 12, 5), "Case Review Subgroup")
    sample_window.tabs.setCurrentWidget(sample_window.meetings_tab)  # shown, so loaded
    assert sample_window.meetings_tab.select(meeting)
    target = tmp_path / "meeting.sqlite3"

    def fill(dialog: TakeCopyDialog) -> None:
        dialog.scope.setCurrentIndex(dialog.scope.findData("meeting"))
        assert dialog.scope.currentText() == f"The agenda of {meeting}, with what it needs"
        dialog.target.setText(str(target))
        ok(dialog)

    answer(fill)
    _menu_action(sample_window, "Take a copy offline…").trigger()
    qtbot.waitUntil(
        lambda: "Took a copy" in sample_window.statusBar().currentMessage(), timeout=20000
    )
    assert f"the agenda of {meeting} (1 review, 1 inspection" in (
        sample_window.statusBar().currentMessage()
    )
    assert not is_encrypted(target)


def test_an_existing_file_or_nothing_ticked_is_said_beside_its_field(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    target = tmp_path / "laptop.sqlite3"
    target.write_bytes(b"kept")
    seen: dict[str, str] = {}

    def fill(dialog: TakeCopyDialog) -> None:
        dialog.scope.setCurrentIndex(dialog.scope.findData("chosen"))
        dialog.target.setText(str(target))
        assert dialog.first is not None
        dialog.first.setText("short")
        seen.update(refused(dialog))

    answer(fill)
    _menu_action(sample_window, "Take a copy offline…").trigger()
    qtbot.waitUntil(lambda: bool(seen), timeout=10000)
    assert seen == {
        "sources": "Tick the reviews and inspections to take.",
        "target": f"{target} exists already; give another name.",
        "passphrase": seen["passphrase"],
    }
    assert seen["passphrase"].startswith("A passphrase needs at least")
    assert target.read_bytes() == b"kept"


def test_items_a_copy_holds_carry_the_check_out_notice_until_it_is_merged(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, db_file: Database, tmp_path: Path
) -> None:
    """A notice, not a lock: shown on the items of the review the copy holds, not on others,
    and gone once the copy is merged back; the merged copy's own title says it is merged."""
    from db.services.merge import merge_copy
    from tests.helpers.window import select_item, show_tracker

    target = tmp_path / "laptop.sqlite3"
    check_out(db_file, target, scope=Scope(reviews=(CHILD_A,)), actor="Sam Patel", today=TODAY)
    day = format_date(utc_now().astimezone().date())
    notice = (
        f"Checked out to a copy (laptop.sqlite3) by Sam Patel on {day}: changes made here "
        "meanwhile may become conflicts when it is merged back."
    )
    sample_window.refresh()
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    select_item(sample_window, CHILD_A, "3")
    assert notice in tab.detail.toPlainText()
    select_item(sample_window, "BSCB-SCR-2010", "1")
    assert "Checked out" not in tab.detail.toPlainText()
    with open_database(resolve_location(str(target))) as copy:
        merge_copy(copy, db_file, actor="Kim", today=TODAY)
        window = make_window(qtbot, copy, sample_window.context.settings)
        assert "(Merged back " in window.windowTitle()
        assert "can no longer be changed" in window.copy_label.whole_text()
        # ... and a change made in it is refused in one sentence, nothing written.
        from db.core.items import ReviewFields
        from db.core.vocabulary import ReviewKind
        from desktop import commands

        window.context.last_explanation = ""
        fields = ReviewFields("AFTER-MERGE", ReviewKind.LEARNING_REVIEW, "Typed after")
        assert not commands.run(commands.CreateReview(window.context, fields), window)
        assert window.context.last_explanation.startswith("This copy was merged back on ")
        for top in QApplication.topLevelWidgets():
            if top.objectName() == "explanation":
                top.close()
        with copy.session() as session:
            assert not session.scalar(select(Review).where(Review.reference == "AFTER-MERGE"))
        window.close()
    select_item(sample_window, CHILD_A, "3")
    assert "Checked out" not in tab.detail.toPlainText()


def test_a_copys_notice_leaves_the_status_bar_room_for_its_messages(  # type: ignore[no-untyped-def]
    qtbot, db_file: Database, settings: Settings, tmp_path: Path
) -> None:
    """On a laptop's screen (1366 pixels) the notice and its long path took all but 140 pixels
    of the status bar, and a message said there showed its first 15 characters: each lasting
    label now takes at most a third, its path elided in the middle, the whole in its tooltip."""
    folder = tmp_path / "Safeguarding Partnership" / "Panel data 2026" / "Copies for meetings"
    folder.mkdir(parents=True)
    target = folder / "laptop copy for the December panel.sqlite3"
    check_out(db_file, target, scope=Scope(), actor="Sam Patel", today=TODAY)
    with open_database(resolve_location(str(target))) as copy:
        window = make_window(qtbot, copy, settings)
        window.resize(1230, 700)
        bar = window.statusBar()
        message = "Minutes saved to Panel minutes 4 December 2026.pdf."
        bar.showMessage(message)
        QApplication.processEvents()
        said = window.copy_label.whole_text()
        assert said.startswith(f"Copy of {db_file.location.display()} taken ")
        assert said.endswith(" by Sam Patel")
        shown = window.copy_label.text()
        assert shown != said and "\u2026" in shown, "the path is elided"
        assert shown.startswith("Copy of ") and shown.endswith(" by Sam Patel")
        assert window.copy_label.toolTip() == said
        taken = window.copy_label.width() + window.location_label.width()
        room = bar.width() - taken
        assert room >= bar.width() // 3 - 20
        assert room > bar.fontMetrics().horizontalAdvance(message)
        assert window.location_label.text().endswith(" (not encrypted)")
        window.resize(1400, 700)  # wider: more of the path shows
        QApplication.processEvents()
        assert len(window.copy_label.text()) > len(shown)
        window.close()
