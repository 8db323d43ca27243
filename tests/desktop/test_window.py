"""Real workflows in the real window over a real database file, driven with pytest-qt.

Dialogs are answered as a user would: when one opens, its fields are filled and OK clicked.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QMessageBox

from db.core.vocabulary import Rating, Status
from db.services import editing
from db.services.dataset import load_sample
from db.services.editing import ItemKey
from db.store.database import Database
from desktop.dialogs.forms import select_data
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import (
    CHILD_A,
    answer,
    make_window,
    ok,
    search_for,
    select_item,
    show_overview,
    show_tracker,
)


def item(database: Database, number: str, source: str = CHILD_A):  # type: ignore[no-untyped-def]
    with database.session() as session:
        rec = editing.item_by_key(session, ItemKey(source, number))
        return rec.status, len(rec.updates), len(rec.evidence), rec.assured_by


# ----------------------------------------------------------------------------- first run


def test_title_tabs_and_where_the_data_lives(window: MainWindow) -> None:
    assert window.windowTitle().startswith("window.sqlite3")
    tabs = [window.tabs.tabText(i).replace("&", "") for i in range(window.tabs.count())]
    assert tabs == [
        "Reviews",
        "Recommendations",
        "Inspection grades",
        "Overview",
        "Initiatives",
        "Meetings",
    ]
    assert "window.sqlite3" in window.location_label.text()


def test_first_run_offers_the_sample_data(qtbot, window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    assert window.empty_banner.isVisible()
    assert window.import_button.isVisible()
    assert window.reviews_tab.page.currentIndex() == 1  # the empty-state sentence
    qtbot.mouseClick(window.load_sample_button, Qt.MouseButton.LeftButton)
    assert not window.empty_banner.isVisible()
    references = [r.reference for r in window.reviews_tab.model.rows]
    assert "BSCB-SCR-2010" in references
    assert "2 reviews" in window.counts_label.text()


# ----------------------------------------------------------------------------- reviews


def test_create_a_review_then_a_recommendation(window: MainWindow, db_file: Database) -> None:
    def fill_review(dialog: Any) -> None:
        dialog.reference.setText("SAR-2026-01")
        dialog.title_edit.setText("Adult C: safeguarding adults review")
        dialog.published.setText("March 2026")
        dialog.themes.setText("Self-neglect; Hoarding")
        ok(dialog)

    answer(fill_review)
    window.reviews_tab.new_review()
    assert window.reviews_tab.selected_reference() == "SAR-2026-01"

    show_tracker(window)
    select_data(window.recommendations_tab.filters.source, "SAR-2026-01")

    qt_methods: dict[str, Any] = {}

    def fill_item(dialog: Any) -> None:
        dialog.number.setText("1")
        dialog.text.setPlainText("Agree a hoarding protocol.")
        dialog.lead.setText("Adult Social Care (fictional)")
        dialog.actions_agreed.setPlainText("Audit ten hoarding cases.")
        # QWidget's own actions(), not hidden by a field of the same name.
        qt_methods["actions"] = dialog.actions() if callable(dialog.actions) else "hidden"
        ok(dialog)

    answer(fill_item)
    window.recommendations_tab.new_item()
    rows = window.recommendations_tab.model.rows
    assert [(r.source, r.number, r.text) for r in rows] == [
        ("SAR-2026-01", "1", "Agree a hoarding protocol.")
    ]
    with db_file.session() as session:
        assert editing.review_fields(session, "SAR-2026-01").published.display() == "March 2026"  # type: ignore[union-attr]
        item = editing.item_fields(session, ItemKey("SAR-2026-01", "1"))
        assert item.actions == "Audit ten hoarding cases."
    assert qt_methods == {"actions": []}


def test_review_dialog_shows_problems_beside_the_fields(sample_window: MainWindow) -> None:
    seen: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        dialog.reference.setText(CHILD_A)  # taken
        dialog.published.setText("31/02/2020")  # impossible
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen.update({n: label.text() for n, label in dialog.messages.items() if label.text()})
        assert dialog.isVisible()  # nothing saved, the dialog stays open
        dialog.reject()

    answer(fill)
    sample_window.reviews_tab.new_review()
    assert "already has the reference" in seen["reference"]
    assert "not a real date" in seen["published"]
    assert seen["title"] == "Give the review a title."


def test_delete_a_review_with_confirmation_and_undo(
    qtbot, sample_window: MainWindow, db_file: Database, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    tab = sample_window.reviews_tab
    tab.select(CHILD_A)
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Yes)
    tab.delete_review()
    assert CHILD_A not in [r.reference for r in tab.model.rows]
    sample_window.undo_action.trigger()
    assert CHILD_A in [r.reference for r in tab.model.rows]
    assert item(db_file, "1")[2] == 2  # its evidence came back too


# ----------------------------------------------------------------------------- tracking


def test_an_update_that_changes_status(sample_window: MainWindow, db_file: Database) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "4")

    def fill(dialog: Any) -> None:
        select_data(dialog.status, Status.IMPLEMENTED)
        dialog.note.setPlainText("All sessions delivered.")
        ok(dialog)

    answer(fill)
    sample_window.recommendations_tab.add_update()
    status, updates, _, _ = item(db_file, "4")
    assert (status, updates) == (Status.IMPLEMENTED, 2)
    assert "All sessions delivered." in sample_window.recommendations_tab.detail.toPlainText()


def test_closing_without_evidence_is_refused_with_a_visible_message(
    sample_window: MainWindow, db_file: Database
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "4")
    seen: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        dialog.assured_by.setText("Independent Chair")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen["status"] = dialog.messages["status"].text() if dialog.isVisible() else ""
        dialog.reject()

    answer(fill)
    sample_window.recommendations_tab.sign_off()
    assert "cannot be closed: it has no evidence" in seen["status"]  # beside the field
    assert item(db_file, "4")[0] is Status.IN_PROGRESS


def test_attach_evidence_then_sign_off(
    sample_window: MainWindow, db_file: Database, tmp_path: Path
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "2")
    report = tmp_path / "audit.txt"
    report.write_text("Audit of 30 records: the child's words recorded in 29.")

    def attach(dialog: Any) -> None:
        dialog.description.setText("Record audit")
        dialog.set_file(report)
        ok(dialog)

    answer(attach)
    sample_window.recommendations_tab.add_evidence()

    def sign(dialog: Any) -> None:
        dialog.assured_by.setText("Independent Chair")
        dialog.note.setPlainText("Assured on the audit.")
        ok(dialog)

    answer(sign)
    sample_window.recommendations_tab.sign_off()
    status, _, evidence, assured_by = item(db_file, "2")
    assert (status, evidence, assured_by) == (Status.CLOSED, 2, "Independent Chair")
    detail = sample_window.recommendations_tab.detail.toPlainText()
    assert "audit.txt" in detail and "Signed off by" in detail


def test_filter_by_agency_and_overdue(sample_window: MainWindow) -> None:
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    select_data(tab.filters.agency, "Fenmarsh Constabulary (fictional)")
    assert {r.number for r in tab.model.rows if r.source == CHILD_A} == {"1", "3", "5"}
    tab.filters.overdue.setChecked(True)
    assert [(r.source, r.number) for r in tab.model.rows] == [(CHILD_A, "3")]
    assert all(r.rating is Rating.RED for r in tab.model.rows)
    assert tab.count_label.text() == "1 item matches"
    tab.filters.reset()
    assert len(tab.model.rows) == 28


def test_full_text_search_as_you_type(qtbot, sample_window: MainWindow) -> None:  # type: ignore[no-untyped-def]
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    search_for(qtbot, tab, "staff short")
    assert [(r.source, r.number) for r in tab.model.rows] == [(CHILD_A, "3")]
    tab.filters.search.clear()
    search_for(qtbot, tab, "zebra")
    assert tab.model.rows == []
    # Not the table's "no recommendations yet": what to do about a search that finds nothing.
    assert tab.page.currentWidget() is tab.no_matches
    assert "No items match" in tab.no_matches.label.text()


def test_undo_and_redo_of_an_edit(sample_window: MainWindow, db_file: Database) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")

    def fill(dialog: Any) -> None:
        dialog.owner.setText("Deputy Head of Education")
        ok(dialog)

    answer(fill)
    sample_window.recommendations_tab.edit_item()

    def owner() -> str:
        with db_file.session() as session:
            return editing.item_fields(session, ItemKey(CHILD_A, "5")).owner

    assert owner() == "Deputy Head of Education"
    sample_window.undo_action.trigger()
    assert owner() == "Chair of the Schools Alliance"
    sample_window.redo_action.trigger()
    assert owner() == "Deputy Head of Education"


def test_the_detail_pane_shows_the_records_history(sample_window: MainWindow) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")
    pane = sample_window.recommendations_tab.detail
    assert "History" in pane.toPlainText() and "created it" in pane.toPlainText()

    def fill(dialog: Any) -> None:
        dialog.owner.setText("Deputy Head of Education")
        ok(dialog)

    answer(fill)
    sample_window.recommendations_tab.edit_item()
    select_item(sample_window, CHILD_A, "5")
    history = pane.toPlainText().split("History", 1)[1]
    newest = history.strip().splitlines()[0]
    assert "Tester: changed the owner from Chair of the Schools Alliance to Deputy Head" in newest


def test_undo_and_redo_of_a_bulk_change(sample_window: MainWindow, db_file: Database) -> None:
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    select_data(tab.filters.source, CHILD_A)
    for number in ("3", "4"):
        for row, shown in enumerate(tab.model.rows):
            if shown.number == number:
                tab.view.selectionModel().select(
                    tab.model.index(row, 0),
                    tab.view.selectionModel().SelectionFlag.Select
                    | tab.view.selectionModel().SelectionFlag.Rows,
                )

    def fill(dialog: Any) -> None:
        select_data(dialog.status, Status.IMPLEMENTED)
        dialog.note.setText("Delivered")
        ok(dialog)

    answer(fill)
    tab.bulk_status()
    assert [item(db_file, n)[0] for n in ("3", "4")] == [Status.IMPLEMENTED] * 2
    sample_window.undo_action.trigger()
    assert [item(db_file, n)[0] for n in ("3", "4")] == [Status.IN_PROGRESS] * 2
    with db_file.session() as session:  # the log keeps both the change and its correction
        notes = [u.note for u in editing.item_by_key(session, ItemKey(CHILD_A, "3")).updates]
    assert notes[-2] == "Delivered" and notes[-1].startswith("Correction:")
    sample_window.redo_action.trigger()
    assert [item(db_file, n)[0] for n in ("3", "4")] == [Status.IMPLEMENTED] * 2


def test_settings_survive_a_restart(qtbot, db_file: Database, settings: Settings) -> None:  # type: ignore[no-untyped-def]
    with db_file.transaction("setup") as session:
        load_sample(session, TODAY)
    first = make_window(qtbot, db_file, settings)
    show_tracker(first)
    tab = first.recommendations_tab
    tab.filters.overdue.setChecked(True)
    tab.filters.search.setText("staff")
    tab.view.setColumnWidth(2, 411)
    first.resize(1000, 640)  # the default is 1440 x 900
    first.close()

    second = make_window(qtbot, db_file, settings)
    assert second.tabs.currentWidget() is second.recommendations_tab
    again = second.recommendations_tab
    assert again.filters.overdue.isChecked()
    assert again.filters.search.text() == "staff"
    assert again.view.columnWidth(2) == 411
    assert [(r.number) for r in again.model.rows] == ["3"]
    # The offscreen screen is small, so Qt may narrow the window; the height shows the restore.
    assert second.size().height() == 640


def test_inspection_grades_findings_initiatives_and_matrix(sample_window: MainWindow) -> None:
    sample_window.tabs.setCurrentWidget(sample_window.inspections_tab)
    tab = sample_window.inspections_tab
    view = tab.inspections_view
    proxy = view.model()
    row = next(
        r
        for r in range(proxy.rowCount())
        if proxy.data(proxy.index(r, 1)) == "West Midlands Police"
    )
    view.selectRow(row)
    grades = {r.name: r.grade for r in tab.area_model.rows}
    assert grades["Working with safeguarding partners"] == "Good"
    assert grades["Leadership of child protection arrangements"] == "Adequate"
    assert {r.name for r in tab.initiative_model.rows} == {
        "Operation Encompass",
        "Operation Makesafe",
    }
    assert len(tab.finding_model.rows) == 2
    # The fictional force was inspected twice: the matrix sets the grades side by side.
    tab.matrix_organisation.setCurrentText("Fenmarsh Constabulary (fictional)")
    assert tab.matrix.columnCount() == 2 and tab.matrix.rowCount() == 5
    cells = [tab.matrix.item(2, c).text() for c in range(2)]
    assert cells == ["Inadequate", "Requires improvement"]


def test_overview_counts_overdue_and_deadlines(sample_window: MainWindow) -> None:
    tab = show_overview(sample_window)
    assert "28 tracked items" in tab.totals.text()
    assert "Red: 2" in tab.totals.text()
    assert [(r.source, r.number) for r in tab.overdue_model.rows] == [
        (CHILD_A, "3"),
        (CHILD_A, "6"),
    ]
    # The fictional re-inspection was published 30 days ago: its 6-week action plan is due.
    assert "Action plan to the inspectorate" in tab.deadlines.text()
    assert "Requires improvement" in tab.grades.text()
    assert tab.agency_chart.series() and tab.agency_chart.bars()
    # Counts by status and rating, per agency and per review.
    table = tab.breakdown
    headers = [table.horizontalHeaderItem(c).text() for c in range(table.columnCount())]
    police = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())].index(
        "Fenmarsh Constabulary (fictional)"
    )
    counts = {headers[c]: table.item(police, c).text() for c in range(table.columnCount())}
    assert (counts["In progress"], counts["Not started"], counts["Red"], counts["Total"]) == (
        "2",
        "1",
        "1",
        "3",
    )
    tab.breakdown_choice.setCurrentIndex(1)
    reviews = [table.verticalHeaderItem(r).text() for r in range(table.rowCount())]
    assert set(reviews) == {"BSCB-SCR-2010", CHILD_A}


def test_import_runs_off_the_gui_thread_and_refreshes(
    qtbot, window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    import json

    from db.exchange import dump_document
    from db.services.sample import sample_document

    source = tmp_path / "plan.json"
    source.write_text(dump_document(sample_document(TODAY)), encoding="utf-8")
    window.files.import_path(source)
    qtbot.waitUntil(lambda: not window.empty_banner.isVisible(), timeout=10_000)
    assert "2 reviews" in window.counts_label.text()
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"format": "casereview/1", "reviews": 3}))
    window.files.import_path(bad)
    qtbot.waitUntil(
        lambda: "reviews: expected a list" in window.context.last_explanation, timeout=10_000
    )


def test_create_link_edit_and_undo_an_initiative(sample_window: MainWindow) -> None:
    sample_window.tabs.setCurrentWidget(sample_window.initiatives_tab)
    tab = sample_window.initiatives_tab
    qt_methods: dict[str, Any] = {}

    def fill(dialog: Any) -> None:
        dialog.name.setText("Operation Lantern Two (fictional)")
        dialog.organisation.setCurrentText("Fenmarsh Constabulary (fictional)")
        dialog.started.setText("June 2026")
        labels = [dialog.choice.itemText(i) for i in range(dialog.choice.count())]
        dialog.choice.setCurrentIndex(
            labels.index("FICTIONAL-CP-INSPECTION-2: area — Responding to children at risk of harm")
        )
        dialog._add_choice()
        dialog.recommendation.setText(f"{CHILD_A} 5")
        dialog._add_recommendation()
        ok(dialog)
        # QDialog's own result(), not hidden by the initiative the dialog hands back.
        qt_methods["result"] = dialog.result() if callable(dialog.result) else "hidden"

    answer(fill)
    tab.new_initiative()
    made = {r.name: r for r in tab.model.rows}["Operation Lantern Two (fictional)"]
    assert made.started is not None and made.started.display() == "June 2026"
    assert len(made.answers) == 2
    assert qt_methods == {"result": QDialog.DialogCode.Accepted}
    sample_window.undo_action.trigger()
    assert "Operation Lantern Two (fictional)" not in {r.name for r in tab.model.rows}


def test_a_link_to_a_missing_recommendation_is_refused_plainly(sample_window: MainWindow) -> None:
    sample_window.tabs.setCurrentWidget(sample_window.initiatives_tab)
    seen: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        dialog.name.setText("Nowhere (fictional)")
        dialog.recommendation.setText(f"{CHILD_A} 99")
        dialog._add_recommendation()
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen["links"] = dialog.messages["links"].text() if dialog.isVisible() else ""
        dialog.reject()

    answer(fill)
    sample_window.initiatives_tab.new_initiative()
    assert "has no recommendation '99'" in seen["links"]
    assert "Nowhere (fictional)" not in {r.name for r in sample_window.initiatives_tab.model.rows}


@pytest.mark.qt_log_ignore("does not support QPlatformServices::openDocument")
def test_stored_evidence_opens_from_a_private_copy(sample_window: MainWindow) -> None:
    import stat

    from PySide6.QtCore import QUrl

    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "1")
    tab = sample_window.recommendations_tab
    html = tab.detail.toHtml()
    assert "audit-summary.txt" in html
    evidence_id = html.split("evidence:")[1].split('"')[0]
    tab._open_link(QUrl(f"evidence:{evidence_id}"))
    opened = tab.last_opened
    assert opened.name == "audit-summary.txt"
    assert opened.read_text().startswith("Fictional audit summary")
    assert stat.S_IMODE(opened.stat().st_mode) == 0o600
    # The offscreen test platform has no viewer: the user is told where the copy is.
    assert str(opened) in sample_window.context.last_explanation


def test_keyboard_shortcuts_reach_every_tab_and_the_search(
    qtbot, sample_window: MainWindow
) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtGui import QKeySequence

    for number, tab in enumerate(sample_window.all_tabs, start=1):
        qtbot.keyClick(
            sample_window, Qt.Key(Qt.Key.Key_0 + number), Qt.KeyboardModifier.ControlModifier
        )
        assert sample_window.tabs.currentWidget() is tab
        assert tab.loaded
    find = next(
        a
        for a in sample_window.findChildren(type(sample_window.undo_action))
        if a.shortcut() == QKeySequence(QKeySequence.StandardKey.Find)
    )
    find.trigger()
    assert sample_window.tabs.currentWidget() is sample_window.recommendations_tab
    assert sample_window.recommendations_tab.filters.search.hasFocus()


def test_briefing_pack_preview_save_and_print(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    from pypdf import PdfReader
    from PySide6.QtPdf import QPdfDocument
    from PySide6.QtPrintSupport import QPrinter

    sample_window.briefing_pack()
    dialog = sample_window.briefing_dialog
    dialog.title.setText("December panel")
    # Only the fictional review.
    for number in range(dialog.contents.count()):
        item = dialog.contents.item(number)
        if item.data(Qt.ItemDataRole.UserRole) != ("review", CHILD_A):
            item.setCheckState(Qt.CheckState.Unchecked)
    dialog.generate()
    qtbot.waitUntil(lambda: dialog.document.status() == QPdfDocument.Status.Ready, timeout=20_000)
    assert dialog.document.pageCount() >= 3
    saved = tmp_path / "pack.pdf"
    dialog.save_to(saved)
    text = " ".join(page.extract_text() for page in PdfReader(saved).pages)
    assert "December panel" in text and CHILD_A in text and "BSCB-SCR-2010" not in text
    printer = QPrinter(QPrinter.PrinterMode.ScreenResolution)
    printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
    printed = tmp_path / "printed.pdf"
    printer.setOutputFileName(str(printed))
    dialog.print_to(printer)  # off the GUI thread
    qtbot.waitUntil(lambda: "Printed to" in dialog.status.text(), timeout=20_000)
    assert len(PdfReader(printed).pages) == dialog.document.pageCount()
    dialog.close()
    # The pack, its saving and its printing are in the audit trail, in that order; the pack
    # states the entry that recorded it.
    from sqlalchemy import select

    from db.store.models import AuditEntry

    with sample_window.database.session() as session:
        made, saved_entry, printed_entry = session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(3)
        ).all()[::-1]
    assert (made.entity, made.entity_id) == ("briefing packs", "December panel")
    assert (saved_entry.entity, saved_entry.entity_id) == ("exports", "pack.pdf")
    assert (printed_entry.entity, printed_entry.entity_id) == ("prints", "printed.pdf")
    assert made.hash is not None and made.hash in text.replace("\n", "").replace(" ", "")


def test_a_briefing_pack_that_fails_to_render_is_recorded_as_not_made(
    qtbot, sample_window: MainWindow, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """Fault injection: the renderer fails. The window says so, and the audit trail says the
    preview was not made after the entry recording it."""
    import json

    from sqlalchemy import select

    import desktop.briefing
    from db.store.models import AuditEntry

    def failing_render(pack: object) -> bytes:
        raise ValueError("redefining named object: 'Annot.NUMBER1'")

    monkeypatch.setattr(desktop.briefing, "render_pack", failing_render)
    sample_window.briefing_pack()
    dialog = sample_window.briefing_dialog
    dialog.title.setText("December panel")
    dialog.generate()
    qtbot.waitUntil(lambda: "Something went wrong" in dialog.status.text(), timeout=20_000)
    # Only the kind is shown: an unexpected error's text may quote a path or a record.
    assert dialog.status.text() == "Something went wrong (ValueError)."
    assert not dialog.save_button.isEnabled()
    dialog.close()
    with sample_window.database.session() as session:
        made, failed = session.scalars(
            select(AuditEntry).order_by(AuditEntry.id.desc()).limit(2)
        ).all()[::-1]
    assert (made.entity, made.entity_id) == ("briefing packs", "December panel")
    assert (failed.entity, failed.entity_id) == ("briefing packs", "December panel")
    assert json.loads(failed.new or "{}") == {
        "purpose": "preview",
        "not made": "it could not be made (ValueError)",
    }


def test_a_long_database_path_is_elided_in_the_middle_in_the_status_bar(
    qtbot, tmp_path: Path, settings: Settings
) -> None:  # type: ignore[no-untyped-def]
    """A new user's database under a long folder: the status bar's "Data: ..." was cut off at
    the window's edge, the file name and "(not encrypted)" out of sight and no tooltip. The
    path is elided in the middle, fitted again as the window is resized, whole in the tooltip."""
    from PySide6.QtCore import QPoint

    from db.store.database import open_database
    from db.store.location import resolve_location

    folder = tmp_path
    for n in range(4):
        folder = folder / f"{n}-a-very-long-folder-of-the-safeguarding-partnership-shared-drive"
    folder.mkdir(parents=True)
    path = folder / "panel-2026.sqlite3"
    with open_database(resolve_location(str(path)), create=True) as database:
        window = make_window(qtbot, database, settings)
        window.resize(1366, 768)
        label = window.location_label
        whole = f"Data: {path} (not encrypted)"
        qtbot.waitExposed(window)
        qtbot.wait(100)  # laid out at its new size
        window.grab().save("/tmp/polish2-status.png")
        shown = label.text()
        assert shown.startswith("Data: ") and "…" in shown, shown
        assert shown.endswith("panel-2026.sqlite3 (not encrypted)"), shown
        assert label.toolTip() == whole
        # All of it is inside the label, and the label inside the window.
        assert label.fontMetrics().horizontalAdvance(shown) <= label.contentsRect().width()
        assert label.mapTo(window, QPoint(label.width(), 0)).x() <= window.width()
        # Narrower, less of the path; wide enough, all of it.
        window.resize(900, 600)
        qtbot.waitUntil(lambda: len(label.text()) < len(shown))
        assert label.text().endswith("panel-2026.sqlite3 (not encrypted)")
        # (It takes at most half the window, so the status bar's messages keep room.)
        window.resize(2 * label.fontMetrics().horizontalAdvance(whole) + 100, 600)
        qtbot.waitUntil(lambda: label.text() == whole)
        window.close()


def test_an_inspection_s_item_is_edited_not_the_review_s_of_the_same_reference(
    sample_window: MainWindow, db_file: Database
) -> None:
    """A review may share an inspection's reference, each with a recommendation 1: editing
    the inspection's in the tracker wrote to the review's (the key named the item by its
    reference and number alone, and the review's was found first)."""
    from db.exchange.json_format import parse_document
    from db.exchange.records import apply_document

    shared = "FICTIONAL-CP-INSPECTION-2"
    review = {"reference": shared, "kind": "scr", "title": "Same reference (fictional)",
              "recommendations": [{"number": "1", "text": "The review's own item one.",
                                   "owner": "Review owner"}]}  # fmt: skip
    with db_file.transaction("setup") as session:
        apply_document(session, parse_document({"format": "casereview/1", "reviews": [review]}))
    sample_window.context.data_changed.emit()
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    select_data(tab.filters.source, shared)
    rows = [(n, r) for n, r in enumerate(tab.model.rows) if r.number == "1" and r.kind.value ==
            "recommendation"]  # fmt: skip
    assert sorted(r.from_inspection for _, r in rows) == [False, True]
    tab.view.selectRow(next(n for n, r in rows if r.from_inspection))

    def owners() -> tuple[str, str]:
        with db_file.session() as session:
            of_review = editing.item_by_key(session, ItemKey(shared, "1", inspection=False))
            of_inspection = editing.item_by_key(session, ItemKey(shared, "1", inspection=True))
            return of_review.owner, of_inspection.owner

    review_owner, inspection_owner = owners()
    assert review_owner == "Review owner" and inspection_owner != "Review owner"

    def fill(dialog: Any) -> None:
        assert dialog.owner.text() == inspection_owner  # the dialog showed the inspection's
        dialog.owner.setText("Inspection owner now")
        ok(dialog)

    answer(fill)
    tab.edit_item()
    assert owners() == ("Review owner", "Inspection owner now")
    sample_window.undo_action.trigger()
    assert owners() == ("Review owner", inspection_owner)
    sample_window.redo_action.trigger()
    assert owners() == ("Review owner", "Inspection owner now")


def test_a_table_is_sorted_by_the_keyboard(qtbot: Any, sample_window: MainWindow) -> None:
    """A trial found sorting took the mouse. Ctrl+Shift+S sorts by the chosen cell's column
    (Left and Right move it), as a click on its heading does; again, the other way."""
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    view = tab.view
    view.setFocus()
    target = next(
        n for n in range(tab.model.columnCount())
        if tab.model.headerData(n, Qt.Orientation.Horizontal) == "Target date"
    )  # fmt: skip
    view.setCurrentIndex(tab.model.index(0, target))
    qtbot.keyClick(
        view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    header = view.horizontalHeader()
    assert header.sortIndicatorSection() == target
    assert header.sortIndicatorOrder() == Qt.SortOrder.AscendingOrder
    dates = [r.target_date for r in tab.model.rows if r.target_date is not None]
    assert dates == sorted(dates)
    view.setCurrentIndex(tab.model.index(0, target))
    qtbot.keyClick(
        view, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier
    )
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    dates = [r.target_date for r in tab.model.rows if r.target_date is not None]
    assert dates == sorted(dates, reverse=True)
