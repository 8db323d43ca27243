"""The Import wizard's last page takes the keyboard, and Finish imports what its summary said
(found by a new user: typing on "What the import will do" changed the hidden Review reference
of the page before, and Finish imported into "TRACKERf")."""

from __future__ import annotations

from itertools import pairwise
from pathlib import Path

import openpyxl
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from db.queries.similar import describe_repeats
from db.store.audit import newest_entry_id
from db.store.database import Database
from desktop.window import MainWindow
from tests.helpers.spreadsheet_files import messy_workbook, own_export, repeating_rows, workbook_of
from tests.helpers.window import answer, finish, open_wizard, to_check_page


def references(window: MainWindow) -> list[str]:
    return [r.reference for r in window.reviews_tab.model.rows]


def test_typing_on_the_last_page_changes_nothing_finish_will_do(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "tracker.xlsx"))
    wizard.activateWindow()
    to_check_page(qtbot, wizard)
    check = wizard.check_page
    focused = QApplication.focusWidget()
    assert focused is not None and check.isAncestorOf(focused)
    qtbot.keyClicks(focused, "zz")
    qtbot.keyClick(focused, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    assert wizard.columns_page.review.text() == "TRACKER"
    finish(qtbot, window, wizard)
    assert "TRACKER" in references(window)


def test_finish_imports_with_the_choices_the_summary_was_worked_out_with(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "tracker.xlsx"))
    to_check_page(qtbot, wizard)
    assert "1 review" in wizard.check_page.outcome.text()
    wizard.columns_page.review.setText("TRACKERf")  # however it came to be typed there
    finish(qtbot, window, wizard)
    assert "TRACKER" in references(window)
    assert "TRACKERf" not in references(window)


def test_the_last_page_keeps_its_paragraphs_together_at_the_top(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "tracker.xlsx"))
    wizard.resize(1000, 700)
    to_check_page(qtbot, wizard)
    check = wizard.check_page
    assert not check.problems.isVisible()  # nothing below to take the room
    shown = [w for w in (check.outcome, check.no_undo, check.kept) if w.isVisible()]
    assert len(shown) >= 2
    # Each paragraph as tall as its lines (a taller label centres its text in the room), the
    # next straight after it.
    spare = [w.height() - w.heightForWidth(w.width()) for w in shown]
    assert all(room <= 2 for room in spare), spare
    gaps = [b.geometry().top() - a.geometry().bottom() for a, b in pairwise(shown)]
    assert all(gap <= check.layout().spacing() + 1 for gap in gaps), gaps


def test_the_list_of_problems_still_takes_the_room_left(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    path = messy_workbook(tmp_path / "tracker.xlsx")
    book = openpyxl.load_workbook(path)
    book["Action Plan"]["F10"] = "31/02/2026"
    book.save(path)
    wizard = open_wizard(qtbot, window, path)
    wizard.resize(1000, 700)
    to_check_page(qtbot, wizard)
    problems = wizard.check_page.problems
    assert problems.isVisible()
    assert problems.geometry().bottom() >= wizard.check_page.height() - 20


def test_a_second_finish_imports_nothing(qtbot, window: MainWindow, tmp_path: Path) -> None:
    """Finish pressed again as the first import ends (a click still on its way, say)."""
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "tracker.xlsx"))
    to_check_page(qtbot, wizard)
    finish(qtbot, window, wizard)
    progress = wizard._progress
    wizard.accept()
    assert wizard._progress is progress  # no second import was started


def head(database: Database) -> int:
    with database.session() as session:
        return newest_entry_id(session)


def test_the_last_page_names_the_repeats_finish_will_make(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    """Issue 25: the items the import would add that repeat earlier learning are named on
    the page before Finish, in the lines the report after Finish uses, and nothing is written
    to work them out."""
    database = sample_window.context.database
    before = head(database)
    wizard = open_wizard(
        qtbot, sample_window, workbook_of(repeating_rows(), tmp_path / "plan.xlsx")
    )
    to_check_page(qtbot, wizard)
    repeated = wizard.check_page.repeated
    assert repeated.isVisible()
    heading, *lines = repeated.text().splitlines()
    assert heading == "1 of the items Finish will add may repeat earlier learning:"
    assert len(lines) == 1 and lines[0].startswith("May repeat earlier learning: PLAN 1 is like ")
    assert head(database) == before  # the check wrote nothing
    finish(qtbot, sample_window, wizard)
    assert describe_repeats(wizard.repeats) == lines
    said: list[str] = []

    def read(box) -> None:  # type: ignore[no-untyped-def]
        said.append(box.text())
        box.accept()

    answer(read)
    qtbot.waitUntil(lambda: bool(said), timeout=5000)
    assert lines[0] in said[0]  # the report after Finish names the same


def test_a_renamed_copy_of_a_tracker_names_the_review_it_repeats(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """The wizard guesses the reference from the file's name, as the command line does: a
    renamed copy of a tracker already imported is refused at the check, naming the review
    holding its items; given that review's reference, it updates it."""
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "tracker.xlsx"))
    to_check_page(qtbot, wizard)
    finish(qtbot, window, wizard)
    window.statusBar().clearMessage()
    window.files.import_wizard = None  # the first, closed, is not the one opened next
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "tracker (2).xlsx"))
    to_check_page(qtbot, wizard)
    said = wizard.check_page.outcome.text()
    assert said.startswith(
        "tracker (2).xlsx would make a new review, TRACKER-2, though review TRACKER holds its "
        "recommendations already; to update TRACKER, import into it by its reference "
        "(--review, or the Import wizard's Review reference)"
    )
    assert not wizard.button(wizard.WizardButton.FinishButton).isEnabled()
    assert references(window) == ["TRACKER"]
    wizard.back()
    wizard.columns_page.review.setText("TRACKER")
    wizard.next()
    qtbot.waitUntil(lambda: "Finish will have added nothing" in wizard.check_page.outcome.text())
    finish(qtbot, window, wizard)
    assert references(window) == ["TRACKER"]


def test_a_wizard_ending_lets_go_of_its_own_tracker_alone(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """A wizard's end removes what its tracker's reading set aside; a review found it was
    the newest wizard's tracker that went (a wizard opened for a file whose reading was
    cancelled, then another's: the first, closed, broke the second's import)."""
    from db.store.database import open_database
    from db.store.location import resolve_location

    with open_database(resolve_location(str(tmp_path / "source.sqlite3")), create=True) as db:
        workbook = own_export(db, tmp_path / "own.xlsx")
    first = open_wizard(qtbot, window, workbook)
    window.files.import_wizard = None  # (as a second reading ends, the first's wizard open)
    second = open_wizard(qtbot, window, workbook)
    assert first is not second
    first.reject()
    assert first.tracker.companions.updates.closed
    assert not second.tracker.companions.updates.closed
    to_check_page(qtbot, second)
    assert "Finish will have added" in second.check_page.outcome.text()
    finish(qtbot, window, second)
    assert second.tracker.companions.updates.closed


def test_a_reading_cancelled_or_overtaken_or_after_the_end_is_let_go(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    """A cancelled "Reading ..." box's reading went on and, at its end, replaced the tracker
    a later reading had given, closing it under the check that used it (a review's find).
    Only the newest reading is taken, and only while the wizard is open; each reading let go
    is closed (what it set aside on disk removed)."""
    from PySide6.QtCore import QThreadPool

    from desktop.dialogs import import_wizard

    workbook = _own_workbook(tmp_path)
    wizard = open_wizard(qtbot, window, workbook)
    first = wizard.tracker
    read = _readings_counted(monkeypatch, import_wizard)
    taken: list[str] = []

    def all_ended() -> None:
        qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)
        qtbot.wait(100)  # the readings' ends, queued to the GUI thread

    wizard.read_then(wizard.mapping(), lambda: taken.append("cancelled"))
    wizard._progress.canceled.emit()  # as its Cancel button does
    wizard.read_then(wizard.mapping(), lambda: taken.append("overtaken"))
    wizard.read_then(wizard.mapping(), lambda: taken.append("newest"))
    all_ended()
    assert taken == ["newest"]
    assert len(read) == 3 and wizard.tracker is read[2]
    assert [t.companions.updates.closed for t in (first, *read)] == [True, True, True, False]

    wizard.read_then(wizard.mapping(), lambda: taken.append("after the end"))
    wizard.reject()
    all_ended()
    assert taken == ["newest"] and len(read) == 4
    assert read[3].companions.updates.closed and wizard.tracker.companions.updates.closed


def test_a_cancelled_first_reading_opens_no_wizard(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
) -> None:
    """A trial pressed Escape on File > Import's "Reading ..." box, and 25 s later the wizard
    opened by itself: the reading ran on to its end and delivered. It is let go now, closed."""
    from PySide6.QtCore import QThreadPool

    from db.exchange import spreadsheets
    from db.exchange.spreadsheets import tracker_file

    workbook = _own_workbook(tmp_path)
    read = _readings_counted(monkeypatch, tracker_file, spreadsheets)
    window.files.import_spreadsheet(workbook)
    window.files._progress.canceled.emit()  # as Escape on the box does
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)
    qtbot.wait(100)  # the reading's end, queued to the GUI thread
    assert len(read) == 1 and read[0].companions.updates.closed
    assert getattr(window.files, "import_wizard", None) is None


def test_a_status_meaning_whose_reading_is_cancelled_is_put_back(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:
    """A trial chose a meaning for a status word, cancelled the reading it started, and the
    box went on showing the meaning while the page, its check and Finish used the tracker
    read without it. The page now shows again the choices the tracker was read with."""
    from PySide6.QtCore import QThreadPool

    path = tmp_path / "plan.csv"
    path.write_text(
        "Number,Recommendation,Lead agency,Status\n1,Train staff.,Police,Sort of done\n"
        "2,Share plans.,Council,Nearly there\n",
        encoding="utf-8",
    )
    wizard = open_wizard(qtbot, window, path)
    to_check_page(qtbot, wizard)
    check = wizard.check_page
    before = wizard.tracker
    # Two in turn, each cancelled (a review's: the second put back the first's meaning).
    for word in ("sort of done", "nearly there"):
        combo = check.status_combos[word]
        combo.setCurrentIndex(combo.findData("implemented"))
        wizard._progress.canceled.emit()  # as the Reading box's Cancel does
    qtbot.waitUntil(lambda: wizard.statuses == {}, timeout=20000)  # the readings' end
    qtbot.waitUntil(lambda: QThreadPool.globalInstance().activeThreadCount() == 0)
    qtbot.wait(100)
    qtbot.waitUntil(lambda: "Working out" not in check.outcome.text(), timeout=20000)
    assert wizard.statuses == {}
    assert [c.currentData() for c in check.status_combos.values()] == [None, None]
    assert wizard.tracker is before and not check.isComplete()
    assert "'Sort of done' is not a status" in check.problems.toPlainText()


def _own_workbook(folder: Path) -> Path:
    """casereview's own .xlsx export of a new database (its log sheets set aside as read)."""
    from db.store.database import open_database
    from db.store.location import resolve_location

    with open_database(resolve_location(str(folder / "source.sqlite3")), create=True) as db:
        return own_export(db, folder / "own.xlsx")


def _readings_counted(monkeypatch, *modules) -> list:  # type: ignore[no-untyped-def]
    """Every tracker read through ``read_tracker`` as these modules name it, in turn."""
    read: list = []
    reading = modules[0].read_tracker

    def counted(*args):  # type: ignore[no-untyped-def]
        read.append(reading(*args))
        return read[-1]

    for module in modules:
        monkeypatch.setattr(module, "read_tracker", counted)
    return read
