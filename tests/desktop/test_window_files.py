"""Files in and out of the window: the Import wizard on real trackers, exports and backups."""

from __future__ import annotations

from pathlib import Path

import openpyxl
from PySide6.QtWidgets import QWizard

from db.exchange import dump_document
from db.exchange.spreadsheets import Field
from db.services.sample import sample_document
from db.store.database import DISK_FULL, Database, open_database
from db.store.location import resolve_location
from desktop.window import MainWindow
from tests.helpers import TODAY, disk
from tests.helpers.spreadsheet_files import agencies_workbook, messy_workbook
from tests.helpers.window import another_writer, finish, open_wizard, to_check_page

BUSY = (
    "The database is busy: another program has been writing to it for over 2 seconds; "
    "nothing was changed. Try again when it has finished."
)


def test_first_run_import_of_a_messy_tracker(
    qtbot, window: MainWindow, db_file: Database, tmp_path: Path
):  # type: ignore[no-untyped-def]
    assert window.empty_banner.isVisible()  # the first-run offer names spreadsheets
    path = messy_workbook(tmp_path / "child-a-action-plan.xlsx")
    wizard = open_wizard(qtbot, window, path)
    sheet_page = wizard.sheet_page
    assert sheet_page.sheet.currentText() == "Action Plan"
    assert sheet_page.header_row.value() == 4
    assert sheet_page.preview.item(3, 0).text() == "Rec No."
    wizard.next()
    columns = wizard.columns_page
    assert columns.review.text() == "CHILD-A-ACTION-PLAN"
    assert columns.choices()[:3] == [Field.NUMBER, Field.TEXT, Field.LEAD]
    assert columns.choices()[6] is Field.STATUS  # "RAG"
    wizard.back()
    wizard.back()
    to_check_page(qtbot, wizard)
    check = wizard.check_page
    assert "Finish will have added 1 review, 4 organisations, 4 recommendations" in (
        check.outcome.text()
    )
    assert check.isComplete()
    with db_file.session() as session:
        from db.services.dataset import counts

        assert counts(session).is_empty  # the trial import was rolled back
    finish(qtbot, window, wizard)
    assert not window.empty_banner.isVisible()
    assert "Imported child-a-action-plan.xlsx" in window.statusBar().currentMessage()
    assert "CHILD-A-ACTION-PLAN" in [r.reference for r in window.reviews_tab.model.rows]


def test_problems_are_listed_and_their_rows_can_be_left_out(
    qtbot, window: MainWindow, db_file: Database, tmp_path: Path
):  # type: ignore[no-untyped-def]
    path = messy_workbook(tmp_path / "plan.xlsx")
    book = openpyxl.load_workbook(path)
    book["Action Plan"]["F10"] = "31/02/2026"
    book.save(path)
    wizard = open_wizard(qtbot, window, path)
    to_check_page(qtbot, wizard)
    check = wizard.check_page
    assert not check.isComplete()
    assert "has 1 problem" in check.outcome.text()
    assert "row 10, column F (Target Date): '31/02/2026' is not a real date" in (
        check.problems.toPlainText()
    )
    assert check.skip.isVisible() and "(row 10)" in check.skip.text()
    check.skip.setChecked(True)
    qtbot.waitUntil(check.isComplete, timeout=20000)
    assert "3 recommendations" in check.outcome.text()
    finish(qtbot, window, wizard)
    with db_file.session() as session:
        from db.exchange import collect_document
        from tests.helpers import TODAY

        (doc,) = collect_document(session, TODAY, ["PLAN"]).reviews
    assert [r.number for r in doc.recommendations] == ["1", "5.2", "5.3"]


def test_a_column_set_twice_is_refused_beside_nothing_written(
    qtbot, window: MainWindow, tmp_path: Path
):  # type: ignore[no-untyped-def]
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "plan.xlsx"))
    wizard.next()
    columns = wizard.columns_page
    columns.combos[1].setCurrentIndex(columns.combos[1].findData(Field.NUMBER))
    wizard.next()
    qtbot.wait(200)
    assert wizard.currentPage() is columns
    assert window.context.last_explanation == (
        "Column A (Rec No.) and column B (Recommendation) are both set to Number; choose one, "
        "and keep the other as notes or leave it out."
    )


def test_a_file_that_is_no_tracker_is_refused_before_the_wizard(
    qtbot, window: MainWindow, tmp_path: Path
):  # type: ignore[no-untyped-def]
    path = tmp_path / "minutes.xlsx"
    book = openpyxl.Workbook()
    book.active["A1"] = "Minutes of the panel meeting"
    book.save(path)
    window.files.import_spreadsheet(path)
    qtbot.waitUntil(lambda: "does not look like a tracker" in window.context.last_explanation)
    assert getattr(window.files, "import_wizard", None) is None


def test_the_window_exports_an_action_plan_that_imports_again(
    qtbot, sample_window: MainWindow, tmp_path: Path
):  # type: ignore[no-untyped-def]
    target = tmp_path / "plan.xlsx"
    sample_window.files.export_path(target)
    qtbot.waitUntil(lambda: "Exported" in sample_window.statusBar().currentMessage(), timeout=20000)
    said = sample_window.statusBar().currentMessage()
    assert said == (
        "Exported the action plans of 2 reviews to plan.xlsx, with their updates, evidence "
        "lists, review details and organisations; evidence files, inspections, initiatives "
        "and meetings are only in a JSON export."
    )
    assert openpyxl.load_workbook(target).sheetnames[0] == "Action plan"
    everything = tmp_path / "everything.json"
    sample_window.files.export_path(everything)
    qtbot.waitUntil(lambda: "everything" in sample_window.statusBar().currentMessage())
    assert sample_window.statusBar().currentMessage() == (
        "Exported everything to everything.json: 2 reviews, and every inspection, initiative "
        "and meeting."
    )
    wizard = open_wizard(qtbot, sample_window, target)
    to_check_page(qtbot, wizard)
    assert "Finish will have added nothing; updated nothing" in wizard.check_page.outcome.text()


def test_the_window_exports_a_word_action_plan(qtbot, sample_window: MainWindow, tmp_path: Path):  # type: ignore[no-untyped-def]
    from tests.helpers.word import open_docx, sections_marked, tables

    target = tmp_path / "plan.docx"
    sample_window.files.export_path(target)
    qtbot.waitUntil(lambda: "Exported" in sample_window.statusBar().currentMessage(), timeout=20000)
    document = open_docx(target)  # Word, not JSON (the window's fallback for other endings)
    assert tables(document)[0][0][:3] == ["Review", "Number", "Recommendation"]
    assert sections_marked(document, "OFFICIAL-SENSITIVE") == [True]


def test_file_back_up_writes_a_copy_that_opens(qtbot, sample_window: MainWindow, tmp_path: Path):  # type: ignore[no-untyped-def]
    from db.store.database import open_database
    from db.store.location import resolve_location

    target = tmp_path / "copy.sqlite3"
    sample_window.files.back_up_to(target)
    qtbot.waitUntil(
        lambda: "Backed up" in sample_window.statusBar().currentMessage(), timeout=20000
    )
    with open_database(resolve_location(str(target))) as copy, copy.session() as session:
        from db.services.dataset import counts

        assert not counts(session).is_empty


def test_the_wizard_keeps_unrecognised_columns_as_notes_unless_left_out(
    qtbot, window: MainWindow, db_file: Database, tmp_path: Path
):  # type: ignore[no-untyped-def]
    rows = [
        ["Rec No.", "Recommendation", "Agency comments", "Officer's phone"],
        ["1", "Train staff", "Waiting for the audit", "01234 567890"],
    ]
    path = tmp_path / "plan.xlsx"
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    wizard = open_wizard(qtbot, window, path)
    wizard.next()
    qtbot.waitUntil(lambda: wizard.currentPage() is wizard.columns_page, timeout=20000)
    combos = wizard.columns_page.combos
    assert [c.currentData() for c in combos[2:]] == [Field.NOTE, Field.NOTE]
    combos[3].setCurrentIndex(combos[3].findData(Field.IGNORE))  # the phone left out
    wizard.next()
    check = wizard.check_page
    qtbot.waitUntil(
        lambda: wizard.currentPage() is check and "Working out" not in check.outcome.text(),
        timeout=20000,
    )
    assert check.kept.text().splitlines() == [
        "Column C (Agency comments), a heading casereview does not recognise, is kept as a "
        "note in each item's log.",
        "Column D (Officer's phone) is left out, as asked.",
    ]
    finish(qtbot, window, wizard)
    with db_file.session() as session:
        from db.exchange import collect_document
        from tests.helpers import TODAY

        (doc,) = collect_document(session, TODAY, ["PLAN"]).reviews
    notes = [u.note for u in doc.recommendations[0].updates]
    assert "From the imported tracker's column 'Agency comments': Waiting for the audit" in notes
    assert not any("01234" in note for note in notes)


def test_the_wizard_names_other_sheets_of_the_same_tracker(
    qtbot, window: MainWindow, tmp_path: Path
):  # type: ignore[no-untyped-def]
    path = agencies_workbook(tmp_path / "agencies.xlsx")
    wizard = open_wizard(qtbot, window, path)
    assert "Sheets 'Police' and 'Health' hold a tracker of the same layout" in (
        wizard.sheet_page.others.text()
    )
    to_check_page(qtbot, wizard)
    assert "Finish will have added 1 review, 1 organisation, 1 recommendation" in (
        wizard.check_page.outcome.text()
    )


def test_the_wizard_says_plainly_that_the_database_is_busy(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
):  # type: ignore[no-untyped-def]
    """The trial import of the summary page, then Finish, while another program holds the
    write lock: the sentence the command line gives, not the driver's error."""
    wizard = open_wizard(qtbot, window, messy_workbook(tmp_path / "plan.xlsx"))
    with another_writer(window, monkeypatch):
        to_check_page(qtbot, wizard)
        assert wizard.check_page.outcome.text() == f"{BUSY} Nothing will be written yet."
        # Finish waits for a summary worked out (it imports exactly what that said) ...
        assert not wizard.button(QWizard.WizardButton.FinishButton).isEnabled()
        wizard.accept()  # ... and imports nothing without one
        assert not wizard.check_page.checked and wizard.isVisible()
    # Once the other program has finished: Back, Next works it out again, and Finish imports.
    wizard.back()
    wizard.back()
    to_check_page(qtbot, wizard)
    assert "Nothing has been written yet." in wizard.check_page.outcome.text()
    finish(qtbot, window, wizard)


def test_a_json_import_says_plainly_that_the_database_is_busy(
    qtbot, window: MainWindow, tmp_path: Path, monkeypatch
):  # type: ignore[no-untyped-def]
    path = tmp_path / "plan.json"
    path.write_text(dump_document(sample_document(TODAY)), encoding="utf-8")
    with another_writer(window, monkeypatch):
        window.files.import_path(path)
        qtbot.waitUntil(lambda: bool(window.context.last_explanation), timeout=20000)
    assert window.context.last_explanation == BUSY


def test_a_json_import_onto_a_full_disk_says_so_plainly(qtbot, window: MainWindow, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Its pages fill the disk as they are written, before any copy is kept (SQLite says
    "disk I/O error" here: its -shm file cannot grow)."""
    path = tmp_path / "plan.json"
    path.write_text(dump_document(sample_document(TODAY)), encoding="utf-8")
    with disk.small_disk("1200k") as folder:
        place = resolve_location(str(folder / "panel.sqlite3"))
        open_database(place, create=True).close()
        window.context.reopen(place)
        disk.leave_free(folder, 16384)
        window.files.import_path(path)
        qtbot.waitUntil(lambda: bool(window.context.last_explanation), timeout=20000)
        window.context.database.close()
    assert window.context.last_explanation == DISK_FULL
