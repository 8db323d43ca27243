"""Inspections, grading schemes and tracked findings edited on the Inspection grades tab, in the
real window over a real database file: the real dialogs are typed into and their OK clicked."""

from __future__ import annotations

import json
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QDialogButtonBox, QMessageBox, QPushButton

from db.core.errors import NotFoundError
from db.core.vocabulary import FindingKind, Status, TrackedKind
from db.exchange import apply_document, collect_document, dump_document, parse_document
from db.services import editing, inspecting
from db.services.editing import ItemKey
from db.services.sample import CP_AREAS, FICTIONAL_INSPECTIONS
from db.store.database import Database
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import answer, ok

LATER = FICTIONAL_INSPECTIONS[1]
AFI = ItemKey(LATER, "1", TrackedKind.AREA_FOR_IMPROVEMENT)


def _show(window: MainWindow) -> Any:
    window.tabs.setCurrentWidget(window.inspections_tab)
    return window.inspections_tab


def _everything(database: Database) -> dict[str, Any]:
    with database.session() as session:
        data: dict[str, Any] = json.loads(dump_document(collect_document(session, TODAY)))
    data.pop("exported_at", None)
    return data


def _choose(combo: QComboBox, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text} is not offered"
    combo.setCurrentIndex(index)


def _retype(qtbot: Any, edit: Any, text: str) -> None:
    edit.selectAll()
    qtbot.keyClicks(edit, text)


def _problems(dialog: Any) -> dict[str, str]:
    return {name: label.text() for name, label in dialog.messages.items() if label.text()}


def test_a_scheme_and_an_inspection_typed_into_the_window(
    qtbot: Any, window: MainWindow, db_file: Database
) -> None:
    tab = _show(window)
    seen: dict[str, str] = {}

    def scheme(dialog: Any) -> None:
        qtbot.keyClicks(dialog.name, "Fire and rescue")
        for grade in ("Outstanding", "Good", "good"):
            qtbot.keyClicks(dialog.grades, grade)
            qtbot.keyClick(dialog.grades, Qt.Key.Key_Return)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen.update(_problems(dialog))  # refused beside the field; the dialog stays open
        dialog.grades.setPlainText("Outstanding\nGood\nRequires improvement\nInadequate")
        ok(dialog)

    answer(scheme)
    qtbot.mouseClick(tab.scheme_button, Qt.MouseButton.LeftButton)
    assert seen == {"grades": "The grade good is listed twice."}
    with db_file.session() as session:
        assert inspecting.scheme_grades(session) == {
            "Fire and rescue": ["Outstanding", "Good", "Requires improvement", "Inadequate"]
        }

    def inspection(dialog: Any) -> None:
        qtbot.keyClicks(dialog.reference, "HMICFRS-FRS-1")
        qtbot.keyClicks(dialog.inspectorate.lineEdit(), "HMICFRS")
        qtbot.keyClicks(dialog.organisation.lineEdit(), "Fenmarsh Fire (fictional)")
        qtbot.keyClicks(dialog.programme, "Fire and rescue inspection")
        qtbot.keyClicks(dialog.title_edit, "Effectiveness and people")
        qtbot.keyClicks(dialog.published, "31 February 2026")
        qtbot.mouseClick(dialog.areas.add_button, Qt.MouseButton.LeftButton)
        area = dialog.area_rows[0]
        qtbot.keyClicks(area.name, "Preventing fires")
        _choose(area.grade, "Requires improvement")
        qtbot.keyClicks(area.narrative, "Too few home visits.")
        qtbot.mouseClick(dialog.findings.add_button, Qt.MouseButton.LeftButton)
        finding = dialog.finding_rows[0]
        _choose(finding.kind, "Area for improvement")
        qtbot.keyClicks(finding.number, "1")
        qtbot.keyClicks(finding.text, "Visit more homes.")
        _choose(finding.area, "Preventing fires")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen.update(_problems(dialog))
        _retype(qtbot, dialog.published, "21 November 2026")
        ok(dialog)

    answer(inspection)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert seen["published_on"] == "'31 February 2026' is not a real date."
    assert tab.selected_reference() == "HMICFRS-FRS-1"
    assert [(r.name, r.grade) for r in tab.area_model.rows] == [
        ("Preventing fires", "Requires improvement")
    ]
    with db_file.session() as session:
        made = inspecting.inspection_fields(session, "HMICFRS-FRS-1")
        rec = editing.item_by_key(
            session, ItemKey("HMICFRS-FRS-1", "1", TrackedKind.AREA_FOR_IMPROVEMENT)
        )
        assert (rec.text, rec.area.name if rec.area else None) == (
            "Visit more homes.",
            "Preventing fires",
        )
    assert made.published_on is not None and made.published_on.isoformat() == "2026-11-21"
    assert made.areas[0].narrative == "Too few home visits."
    # On the Recommendations tab too, with the review items.
    window.tabs.setCurrentWidget(window.recommendations_tab)
    assert ("HMICFRS-FRS-1", "1") in {
        (r.source, r.number) for r in window.recommendations_tab.model.rows
    }
    window.undo_action.trigger()
    with db_file.session() as session, pytest.raises(NotFoundError):
        inspecting.inspection_by_reference(session, "HMICFRS-FRS-1")
    window.redo_action.trigger()
    with db_file.session() as session:
        assert inspecting.inspection_fields(session, "HMICFRS-FRS-1") == made
    # What the window made goes out to JSON and comes back unchanged.
    before = _everything(db_file)
    with db_file.transaction("t") as session:
        text = dump_document(collect_document(session, TODAY))
        inspecting.delete_inspection(session, "HMICFRS-FRS-1")
    with db_file.transaction("t") as session:
        apply_document(session, parse_document(json.loads(text)))
    assert _everything(db_file) == before


def test_an_edit_renames_regrades_and_removes_and_undo_puts_all_back(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    tab = _show(sample_window)
    assert tab.select(LATER)
    before = _everything(db_file)

    def edit(dialog: Any) -> None:
        area = dialog.area_rows[2]
        assert area.name.text() == CP_AREAS[2]
        _retype(qtbot, area.name, "Responding to children")
        _choose(area.grade, "Good")
        kinds = [r.kind.currentText() for r in dialog.finding_rows]
        recommendation = dialog.finding_rows[kinds.index("Recommendation")]
        assert not recommendation.kind.isEnabled()  # a tracked item keeps its kind
        assert recommendation.area.currentText() == "Responding to children"
        _retype(qtbot, recommendation.number, "R1")
        dialog.findings.table.selectRow(kinds.index("Innovative or promising practice"))
        qtbot.mouseClick(dialog.findings.remove_button, Qt.MouseButton.LeftButton)
        ok(dialog)

    answer(edit)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    with db_file.session() as session:
        rec = editing.item_by_key(session, ItemKey(LATER, "R1"))
        assert rec.status is Status.IN_PROGRESS and len(rec.updates) == 1
        assert rec.area is not None and rec.area.name == "Responding to children"
        fields = inspecting.inspection_fields(session, LATER)
    assert FindingKind.PROMISING_PRACTICE not in {f.kind for f in fields.findings}
    assert {r.name: r.grade for r in tab.area_model.rows}["Responding to children"] == "Good"
    sample_window.undo_action.trigger()
    assert _everything(db_file) == before  # the removed practice and its initiative link too
    sample_window.redo_action.trigger()
    with db_file.session() as session:
        assert editing.item_by_key(session, ItemKey(LATER, "R1")).number == "R1"


def test_delete_an_inspection_with_confirmation_and_undo(
    qtbot: Any, sample_window: MainWindow, db_file: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = _show(sample_window)
    assert tab.select(LATER)
    before = _everything(db_file)
    asked: list[str] = []

    def question(*args: Any, **_: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    tab.inspections_view.setFocus()
    qtbot.keyClick(tab.inspections_view, Qt.Key.Key_Delete)
    assert asked and LATER in asked[0]
    assert LATER not in {r.reference for r in tab.inspection_model.rows}
    sample_window.undo_action.trigger()
    assert LATER in {r.reference for r in tab.inspection_model.rows}
    assert _everything(db_file) == before


def test_a_tracked_finding_takes_updates_evidence_and_sign_off_here(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    tab = _show(sample_window)
    assert tab.select(LATER)
    tab.sections.setCurrentIndex(1)
    rows = [(r.kind_label, r.number) for r in tab.finding_model.rows]
    noted = rows.index(("Cause of concern", "1"))
    tab.findings_view.selectRow(noted)
    assert not tab.update_button.isEnabled()  # noted, not tracked
    tab.findings_view.selectRow(rows.index(("Area for improvement", "1")))
    assert tab.update_button.isEnabled() and tab.sign_off_button.isEnabled()

    def update(dialog: Any) -> None:
        qtbot.keyClicks(dialog.note, "Referral audit begun.")
        ok(dialog)

    answer(update)
    qtbot.mouseClick(tab.update_button, Qt.MouseButton.LeftButton)

    def evidence(dialog: Any) -> None:
        qtbot.keyClicks(dialog.description, "Referral audit")
        qtbot.keyClicks(dialog.reference, "Audit 12 (fictional)")
        ok(dialog)

    # Still chosen after the update (the selection was lost and the buttons greyed out;
    # found by a new user).
    chosen = tab._selected_finding()
    assert (
        chosen is not None
        and (chosen.kind_label, chosen.number) == rows[rows.index(("Area for improvement", "1"))]
    )
    assert tab.evidence_button.isEnabled()
    answer(evidence)
    qtbot.mouseClick(tab.evidence_button, Qt.MouseButton.LeftButton)

    def sign_off(dialog: Any) -> None:
        qtbot.keyClicks(dialog.assured_by, "Independent Chair")
        ok(dialog)

    assert tab.sign_off_button.isEnabled()
    answer(sign_off)
    qtbot.mouseClick(tab.sign_off_button, Qt.MouseButton.LeftButton)
    with db_file.session() as session:
        rec = editing.item_by_key(session, AFI)
        assert rec.status is Status.CLOSED and rec.assured_by == "Independent Chair"
        assert "Referral audit begun." in [u.note for u in rec.updates]
        assert [e.description for e in rec.evidence] == ["Referral audit"]
    sample_window.undo_action.trigger()
    with db_file.session() as session:
        rec = editing.item_by_key(session, AFI)
        assert rec.status is Status.NOT_STARTED and rec.assured_by is None
        assert rec.updates[-1].note.startswith("Correction:")

    def owner(dialog: Any) -> None:
        assert dialog.windowTitle() == f"Edit area for improvement 1 of {LATER}"
        _retype(qtbot, dialog.owner, "Chief Superintendent, Safeguarding")
        ok(dialog)

    tab.findings_view.selectRow(rows.index(("Area for improvement", "1")))
    answer(owner)
    qtbot.mouseClick(tab.item_button, Qt.MouseButton.LeftButton)
    with db_file.session() as session:
        assert editing.item_by_key(session, AFI).owner == "Chief Superintendent, Safeguarding"


def test_buttons_menu_and_table_actions(sample_window: MainWindow) -> None:
    tab = _show(sample_window)
    keys = [
        b.text().split("&")[1][0].lower()
        for b in tab.findChildren(QPushButton)
        if "&" in b.text() and b.isVisibleTo(tab)
    ]
    assert len(keys) == len(set(keys)) == 8
    actions = [a.text() for a in tab.inspections_view.actions()]
    assert {"New inspection…", "Edit inspection…", "Delete…", "New grading scheme…"} <= set(actions)
    assert tab.inspections_view.contextMenuPolicy() is Qt.ContextMenuPolicy.ActionsContextMenu
    assert {"Add update…", "Add evidence…", "Sign off…", "Edit item…"} <= {
        a.text() for a in tab.findings_view.actions()
    }
    edit_menu = next(m.menu() for m in sample_window.menuBar().actions() if m.text() == "&Edit")
    assert "New ins&pection…" in [a.text() for a in edit_menu.actions()]


def test_removing_a_tracked_item_in_an_edit_asks_first(
    qtbot: Any, sample_window: MainWindow, db_file: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    tab = _show(sample_window)
    assert tab.select(LATER)
    before = _everything(db_file)
    asked: list[str] = []

    def question(*args: Any, **_: Any) -> QMessageBox.StandardButton:
        asked.append(args[2])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", question)

    def edit(dialog: Any) -> None:
        kinds = [r.kind.currentText() for r in dialog.finding_rows]
        row = dialog.finding_rows[kinds.index("Area for improvement")]
        # Clicking into a row's editor makes it the row that Remove removes.
        dialog.activateWindow()
        qtbot.waitUntil(dialog.isActiveWindow)
        assert not dialog.findings.remove_button.isEnabled()  # no row chosen yet
        qtbot.mouseClick(row.text, Qt.MouseButton.LeftButton)
        qtbot.mouseClick(dialog.findings.remove_button, Qt.MouseButton.LeftButton)
        assert row not in dialog.finding_rows and len(dialog.finding_rows) == len(kinds) - 1
        ok(dialog)

    answer(edit)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    assert len(asked) == 1 and "area for improvement 1 of" in asked[0]
    assert _everything(db_file) == before


def test_the_edit_menu_opens_a_new_inspection(sample_window: MainWindow) -> None:
    titles: list[str] = []

    def cancel(dialog: Any) -> None:
        titles.append(dialog.windowTitle())
        dialog.reject()

    answer(cancel)
    edit_menu = next(m.menu() for m in sample_window.menuBar().actions() if m.text() == "&Edit")
    next(a for a in edit_menu.actions() if a.text() == "New ins&pection…").trigger()
    assert titles == ["New inspection"]


def test_enter_in_a_field_is_ok_never_add_area(qtbot: Any, sample_window: MainWindow) -> None:
    """Enter in Reference added an empty area row (found by a new user): Add area had become
    the default button once it had been pressed."""
    tab = _show(sample_window)
    seen: dict[str, Any] = {}

    def inspection(dialog: Any) -> None:
        qtbot.mouseClick(dialog.areas.add_button, Qt.MouseButton.LeftButton)
        rows = dialog.areas.table.rowCount()
        dialog.reference.setFocus()
        qtbot.keyClicks(dialog.reference, "HMICFRS-1")
        qtbot.keyClick(dialog.reference, Qt.Key.Key_Return)
        seen["rows"] = (rows, dialog.areas.table.rowCount())
        seen["checked"] = bool(_problems(dialog))  # Enter was OK: the form was checked
        dialog.reject()

    answer(inspection)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert seen["rows"][0] == seen["rows"][1]
    assert seen["checked"]


def test_the_inspection_dialog_fits_the_screen_and_scrolls(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """742 px tall at 1366x768, more with messages: OK went below the screen's edge."""
    from PySide6.QtWidgets import QScrollArea

    tab = _show(sample_window)
    seen: dict[str, Any] = {}

    def inspection(dialog: Any) -> None:
        room = dialog.screen().availableGeometry()
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()  # every message
        qtbot.wait(50)
        seen["fits"] = dialog.height() <= room.height()
        seen["scrolls"] = dialog.findChild(QScrollArea) is not None
        dialog.reject()

    answer(inspection)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert seen == {"fits": True, "scrolls": True}


def test_a_refused_reference_leaves_the_dialog_as_large_as_it_was(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """A new user's trial: refusing a reference shrank the Edit inspection dialog from
    980x810 to 820x388, and its areas and findings went into a scroll."""
    tab = _show(sample_window)
    assert tab.select(LATER)
    seen: dict[str, Any] = {}

    def edit(dialog: Any) -> None:
        dialog.resize(980, 700)
        qtbot.wait(20)
        before = dialog.size()
        dialog.reference.setText(LATER + "\u200b")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        qtbot.wait(50)
        seen["message"] = _problems(dialog).get("reference", "")
        seen["size"] = (before, dialog.size())
        dialog.reject()

    answer(edit)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    assert "U+200B" in seen["message"]
    before, after = seen["size"]
    assert after.width() >= before.width() and after.height() >= before.height(), seen


def test_enter_on_a_tracked_finding_opens_it(qtbot: Any, sample_window: MainWindow) -> None:
    """Enter and a double-click did nothing on the Findings table (found by a new user)."""
    tab = _show(sample_window)
    assert tab.select(LATER)
    tab.sections.setCurrentIndex(1)
    rows = [(r.kind_label, r.number) for r in tab.finding_model.rows]
    tab.findings_view.selectRow(rows.index(("Area for improvement", "1")))
    seen: list[str] = []

    def edit(dialog: Any) -> None:
        seen.append(dialog.windowTitle())
        dialog.reject()

    answer(edit)
    tab.findings_view.setFocus()
    qtbot.keyClick(tab.findings_view, Qt.Key.Key_Return)
    assert seen and "1" in seen[0]


def test_a_tables_message_goes_once_its_rows_are_put_right(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """ "Graded area 2 has no name" stayed after the row was named or removed (a new user)."""
    tab = _show(sample_window)
    seen: list[dict[str, str]] = []

    def inspection(dialog: Any) -> None:
        qtbot.mouseClick(dialog.areas.add_button, Qt.MouseButton.LeftButton)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen.append(_problems(dialog))
        row = dialog.area_rows[-1]
        qtbot.keyClicks(row.name, "Leadership")
        seen.append(_problems(dialog))
        dialog.reject()

    answer(inspection)
    qtbot.mouseClick(tab.new_button, Qt.MouseButton.LeftButton)
    assert "areas" in seen[0]
    assert "areas" not in seen[1]


def test_signing_off_a_finding_without_evidence_is_refused_in_the_dialog(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    """The tab had its own copy of the sign-off, without the check the Recommendations tab
    makes before the dialog closes: it closed, then refused, and what was typed was lost."""
    with db_file.session() as session:
        assert editing.item_by_key(session, AFI).evidence == []
    tab = _show(sample_window)
    assert tab.select(LATER)
    tab.sections.setCurrentIndex(1)
    rows = [(r.kind_label, r.number) for r in tab.finding_model.rows]
    tab.findings_view.selectRow(rows.index(("Area for improvement", "1")))
    seen: dict[str, Any] = {}

    def sign_off(dialog: Any) -> None:
        qtbot.keyClicks(dialog.assured_by, "Independent Chair")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        seen["open"], seen["problems"] = dialog.isVisible(), _problems(dialog)
        dialog.reject()

    answer(sign_off)
    qtbot.mouseClick(tab.sign_off_button, Qt.MouseButton.LeftButton)
    assert seen["open"]
    assert any("evidence" in message for message in seen["problems"].values())


def test_refused_fields_grow_the_dialog_rather_than_scroll_it(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """A new user's trial: messages under refused fields kept the Edit inspection dialog's
    size and put its fields under a scroll bar, with the screen's room unused (the scroll
    area's size hint says nothing of what it holds). It grows by what the fields need, up to
    the screen's share, and never shrinks."""
    from PySide6.QtWidgets import QScrollArea

    from desktop.qtutils import SCREEN_SHARE

    tab = _show(sample_window)
    assert tab.select(LATER)
    seen: dict[str, Any] = {}

    def edit(dialog: Any) -> None:
        room = dialog.screen().availableGeometry()
        dialog.resize(820, 400)  # made small by the user
        qtbot.wait(20)
        before = dialog.size()
        dialog.reference.setText(LATER + "\u200b")
        dialog.programme.setText("Joint\u202etargeted area inspection")
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        qtbot.wait(50)
        area = dialog.findChild(QScrollArea)
        inner = area.widget()
        seen["messages"] = sorted(_problems(dialog))
        seen["sizes"] = (before, dialog.size())
        cap = round(room.height() * SCREEN_SHARE)
        # A scroll bar only where the screen has no more room to give.
        seen["fits"] = (
            dialog.height() == cap or inner.minimumSizeHint().height() <= area.viewport().height()
        )
        seen["scrolls"] = area.verticalScrollBar().isVisible()
        frame = dialog.frameGeometry()  # (its least width, 820, is wider than this screen)
        seen["on screen"] = room.top() <= frame.top() and frame.bottom() <= room.bottom()
        dialog.resize(840, cap + 20)  # larger than the fields need: kept so at the next refusal
        qtbot.wait(20)
        large = dialog.size()
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        qtbot.wait(50)
        seen["large"] = (large, dialog.size())
        dialog.reject()

    answer(edit)
    qtbot.mouseClick(tab.edit_button, Qt.MouseButton.LeftButton)
    assert seen["messages"] == ["programme", "reference"]
    before, after = seen["sizes"]
    assert after.width() >= before.width() and after.height() > before.height(), seen
    assert seen["fits"] and seen["on screen"], seen
    assert seen["large"][0] == seen["large"][1]
