"""The window and its dialogs by keyboard alone: the focus starts in the first field, every
control is reached with Tab, access keys never clash, and the keys people expect work
(Enter, Delete, Ctrl+C, Escape, Ctrl+Y, F1)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPlainTextEdit,
    QTabBar,
    QTableView,
    QTextEdit,
    QWidget,
)

from db.core.items import ItemFields
from db.core.vocabulary import DecisionKind, Status
from db.exchange.merging import COPY
from db.queries import details as queries
from db.services import editing, inspecting, themes
from db.services.checkout import Scope, check_out
from db.services.merge import plan_merge
from db.store.cipher import Passphrase
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.dialogs.backups import BackupsDialog
from desktop.dialogs.briefing import BriefingDialog
from desktop.dialogs.checkout import TakeCopyDialog
from desktop.dialogs.forms import (
    ChooseStatusDialog,
    EvidenceDialog,
    FormDialog,
    ItemDialog,
    ReviewDialog,
    UpdateDialog,
    typing_target,
)
from desktop.dialogs.help import HelpWindow
from desktop.dialogs.inspections import InspectionDialog, SchemeDialog
from desktop.dialogs.meetings import AgendaItemDialog, DecisionDialog, MeetingDialog
from desktop.dialogs.merge import MergeDialog
from desktop.dialogs.passphrase import NewPassphraseDialog, OpenEncryptedDialog
from desktop.dialogs.settings import SettingsDialog
from desktop.dialogs.themes import ThemesDialog
from desktop.tabs.initiatives import InitiativeDialog
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.spreadsheet_files import messy_workbook
from tests.helpers.window import (
    CHILD_A,
    answer,
    open_mode,
    open_wizard,
    search_for,
    select_item,
    show_meetings,
    show_tracker,
    to_check_page,
)

INPUTS = (
    QAbstractButton,
    QLineEdit,
    QComboBox,
    QAbstractSpinBox,
    QAbstractItemView,
    QPlainTextEdit,
    QTextEdit,
    QTabBar,
)


def mnemonic(text: str) -> str | None:
    """The access key ``text`` marks with "&" ("&&" is a plain ampersand)."""
    at = 0
    while at < len(text) - 1:
        if text[at] == "&":
            if text[at + 1] != "&":
                return text[at + 1].lower()
            at += 1
        at += 1
    return None


def clashes(named: list[tuple[str, str]]) -> list[str]:
    """Each access key two or more of ``named`` (where, text) share, said with who."""
    by_key: dict[str, list[str]] = {}
    for where, text in named:
        key = mnemonic(text)
        if key is not None:
            by_key.setdefault(key, []).append(f"{where} {text!r}")
    return [f"Alt+{k.upper()}: {', '.join(v)}" for k, v in by_key.items() if len(v) > 1]


# What GNOME's and GTK's Qt theme (QGnomeTheme::standardButtonText) calls these standard
# buttons: with an access key each, where Qt's own texts, and the offscreen platform's, have
# none. On such a desktop a form's "&Owner" clashed with "&OK" (found by a new user).
GNOME_BUTTON_TEXTS = {
    QDialogButtonBox.StandardButton.Ok: "&OK",
    QDialogButtonBox.StandardButton.Save: "&Save",
    QDialogButtonBox.StandardButton.Cancel: "&Cancel",
    QDialogButtonBox.StandardButton.Close: "&Close",
}


def button_text(button: QAbstractButton) -> str:
    """``button``'s text as a GNOME desktop shows it: a standard button left with Qt's text
    has GNOME's access key."""
    box = button.parentWidget()
    if isinstance(box, QDialogButtonBox):
        gnome = GNOME_BUTTON_TEXTS.get(box.standardButton(button))
        if gnome is not None and button.text().replace("&", "") == gnome.replace("&", ""):
            return gnome
    return button.text()


def shown_keys(top: QWidget, skip: QTabBar | None = None) -> list[tuple[str, str]]:
    """The texts with access keys on show in ``top``: buttons (standard ones as GNOME names
    them), labels with a buddy, group boxes and tab bars (all but ``skip``)."""
    named: list[tuple[str, str]] = []
    for widget in top.findChildren(QWidget):
        if not widget.isVisible() or widget.window() is not top:
            continue
        if isinstance(widget, QAbstractButton):
            named.append(("button", button_text(widget)))
        elif isinstance(widget, QLabel) and widget.buddy() is not None:
            named.append(("label", widget.text()))
        elif isinstance(widget, QGroupBox):
            named.append(("group", widget.title()))
        elif isinstance(widget, QTabBar) and widget is not skip:
            named.extend(("tab", widget.tabText(n)) for n in range(widget.count()))
    return named


def menus(menu: QMenu) -> Iterator[QMenu]:
    yield menu
    for action in menu.actions():
        if action.menu() is not None:
            yield from menus(action.menu())  # type: ignore[arg-type]


def every_dialog(window: MainWindow, tmp_path: Path) -> list[QDialog]:
    """One of each of the window's dialogs, built as their tabs and menus build them."""
    context = window.context

    def check(*_: Any) -> editing.Problems:
        return editing.Problems()

    with context.database.session() as session:
        choices = editing.link_choices(session)
        organisations = queries.organisation_names(session)
        schemes = inspecting.scheme_grades(session)
        theme_counts = themes.theme_counts(session)
    assert schemes and theme_counts
    return [
        ReviewDialog(check, organisations, None, window.reviews_tab),
        ItemDialog(check, TODAY, None, window.recommendations_tab),
        UpdateDialog(Status.IN_PROGRESS, TODAY, "Tester", window.recommendations_tab),
        EvidenceDialog(window.recommendations_tab),
        ChooseStatusDialog(3, TODAY, "Tester", window.recommendations_tab),
        InitiativeDialog(check, organisations, choices, None, window.initiatives_tab),
        OpenEncryptedDialog(tmp_path / "panel.sqlite3", lambda _: None),
        NewPassphraseDialog("panel.sqlite3", window),
        BriefingDialog(context, window),
        BackupsDialog(context.database.location, window),
        MeetingDialog(check, TODAY, None, window.meetings_tab),
        AgendaItemDialog([CHILD_A], lambda _: None, window.meetings_tab),
        DecisionDialog(DecisionKind.EVIDENCE_REQUESTED, "item 5", "Written at once.", window),
        TakeCopyDialog(
            reviews=[CHILD_A],
            inspections=[],
            meeting=None,
            suggested=tmp_path / "copy.sqlite3",
            encrypted=False,
            parent=window,
        ),
        InspectionDialog(check, schemes, organisations, None, window.inspections_tab),
        SchemeDialog(check, window.inspections_tab),
        SettingsDialog(context.settings, "tester", window),
        ThemesDialog(lambda: theme_counts, lambda *_: "", window),
        HelpWindow(window),
    ]


# ----------------------------------------------------------------------------- access keys


def window_keys(window: MainWindow) -> list[tuple[str, str]]:
    """The access keys on show in ``window``: its menu bar's, and every button, labelled field,
    group and tab bar on show (the tabs' titles with the rest)."""
    return [("menu", a.text()) for a in window.menuBar().actions()] + shown_keys(window)


def test_access_keys_are_unique_in_the_window_on_every_tab(sample_window: MainWindow) -> None:
    window = sample_window
    found = []
    for number in range(window.tabs.count()):
        window.tabs.setCurrentIndex(number)
        shown = window_keys(window)
        assert ("tab", window.tabs.tabText(number)) in shown  # the tab bar is seen
        assert len(shown) > 3 + window.tabs.count()  # and the tab's own buttons
        found += [f"{window.tabs.tabText(number)}: {clash}" for clash in clashes(shown)]
    assert found == []


def test_the_tabs_leave_their_letters_to_the_tab_on_show(sample_window: MainWindow) -> None:
    """Ctrl+1 to Ctrl+6 show the tabs (the View menu says so); their titles take no letter,
    which left the Meetings tab too few for its buttons: a new user's Alt+R for Remove showed
    the Reviews tab, and Alt+I for Edit the Initiatives tab."""
    window = sample_window
    titles = [window.tabs.tabText(n) for n in range(window.tabs.count())]
    assert [t for t in titles if mnemonic(t) is not None] == []
    view = [a.text().replace("&", "") for a in window.findChildren(QAction)]
    for number, title in enumerate(titles, start=1):
        assert f"{number} {title}" in view


def test_access_keys_are_unique_on_an_empty_database(window: MainWindow) -> None:
    """The first run's banner and the tabs' empty states."""
    found = []
    for number in range(window.tabs.count()):
        window.tabs.setCurrentIndex(number)
        found += clashes(window_keys(window))
    assert found == []


def test_every_button_of_the_meetings_tab_and_meeting_mode_has_its_own_access_key(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """Remove, Move up and Move down had none (found by a new user); meeting mode is a
    window of its own, its keys unique within it."""
    tab = show_meetings(qtbot, sample_window)
    tab.propose_button.click()  # every agenda button enabled
    buttons = [b for b in tab.findChildren(QAbstractButton) if b.isVisible()]
    assert len(buttons) >= 12
    assert [b.text() for b in buttons if mnemonic(b.text()) is None] == []
    assert clashes(window_keys(sample_window)) == []
    tab.save_agenda()
    mode = open_mode(qtbot, tab)
    shown = shown_keys(mode)
    assert len(shown) >= 7
    assert [text for _, text in shown if mnemonic(text) is None] == []
    assert clashes(shown) == []
    mode.close()


def test_ok_and_cancel_have_access_keys_on_every_desktop(
    sample_window: MainWindow, tmp_path: Path
) -> None:
    """Qt's own "OK" has none, and in the meeting dialog Alt+O typed an "o" into the
    attendee's name (found by a new user on a plain X11 desktop); GNOME's "&OK" is given
    everywhere, and the fields keep clear of its letter."""
    for dialog in every_dialog(sample_window, tmp_path):
        box = dialog.findChild(QDialogButtonBox)
        if box is None:
            continue
        for button in box.buttons():
            standard = box.standardButton(button)
            if standard in GNOME_BUTTON_TEXTS:
                assert mnemonic(button.text()) is not None, (dialog.windowTitle(), standard)
        dialog.deleteLater()


def test_access_keys_are_unique_in_every_menu(sample_window: MainWindow) -> None:
    found = []
    for top in sample_window.menuBar().actions():
        assert top.menu() is not None
        for menu in menus(top.menu()):  # type: ignore[arg-type]
            menu.aboutToShow.emit()  # Open recent fills itself when shown
            found += clashes([(menu.title(), a.text()) for a in menu.actions()])
    assert found == []


def test_access_keys_are_unique_in_every_tables_context_menu(sample_window: MainWindow) -> None:
    sample_window.all_tabs  # noqa: B018  (builds them)
    views = sample_window.findChildren(QTableView)
    assert len(views) >= 8
    found = []
    for view in views:
        found += clashes([(view.objectName(), a.text()) for a in view.actions()])
    assert found == []


def test_access_keys_are_unique_in_every_dialog(
    qtbot: Any, sample_window: MainWindow, tmp_path: Path
) -> None:
    found = []
    for dialog in every_dialog(sample_window, tmp_path):
        qtbot.addWidget(dialog)
        dialog.show()
        found += [f"{dialog.windowTitle()}: {c}" for c in clashes(shown_keys(dialog))]
        dialog.close()
    assert found == []


def test_access_keys_are_unique_in_the_merge_dialog(
    qtbot: Any, sample_window: MainWindow, db_file: Database, tmp_path: Path
) -> None:
    """With a conflict shown, and its choices. Cancel is "&Cancel" on GNOME, so "All from the
    &copy" clashed with it: Alt+A now answers every conflict from the copy."""
    copy = tmp_path / "laptop.sqlite3"
    check_out(db_file, copy, scope=Scope(), actor="Sam", today=TODAY)
    key = editing.ItemKey(CHILD_A, "5")
    with open_database(resolve_location(str(copy))) as laptop:
        for database, owner in ((laptop, "Offline owner"), (db_file, "Office owner")):
            with database.transaction("Sam") as session:
                fields = editing.item_fields(session, key)
                editing.update_item(session, key, dataclasses.replace(fields, owner=owner))
        plan = plan_merge(laptop, db_file, today=TODAY)
    assert plan.merge.conflicts
    dialog = MergeDialog(plan)
    qtbot.addWidget(dialog)
    dialog.show()
    shown = shown_keys(dialog)
    assert ("button", "&Cancel") in shown and ("button", "The cop&y's:") in shown
    assert clashes(shown) == []
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    assert dialog.answers == {}
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_A, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: len(dialog.answers) == len(plan.merge.conflicts))
    assert {answer.take for answer in dialog.answers.values()} == {COPY}
    dialog.close()


def test_access_keys_are_unique_on_each_page_of_the_import_wizard(
    qtbot: Any, sample_window: MainWindow, tmp_path: Path
) -> None:
    """Each page's own controls with the wizard's buttons ("< &Back", "&Next >", "&Finish",
    "Cancel": Qt's texts, the same under GNOME's theme as here)."""
    wizard = open_wizard(qtbot, sample_window, messy_workbook(tmp_path / "tracker.xlsx"))
    found = []
    for page in (wizard.sheet_page, wizard.columns_page, wizard.check_page):
        if page is wizard.columns_page:
            wizard.next()
        elif page is wizard.check_page:
            to_check_page(qtbot, wizard)
        qtbot.waitUntil(lambda page=page: wizard.currentPage() is page, timeout=20000)
        shown = shown_keys(wizard)
        assert ("button", "&Next >" if page is not wizard.check_page else "&Finish") in shown
        found += [f"{page.title()}: {clash}" for clash in clashes(shown)]
    wizard.reject()
    assert found == []


def test_access_keys_are_unique_in_meeting_mode(qtbot: Any, sample_window: MainWindow) -> None:
    mode = open_mode(qtbot, show_meetings(qtbot, sample_window))
    assert len(mode.lines) > 1
    found = []
    for position in range(len(mode.lines)):
        mode.go(position)
        shown = shown_keys(mode)
        assert ("button", "&Next") in shown
        found += [f"line {position + 1}: {clash}" for clash in clashes(shown)]
    mode.close()
    assert found == []


def test_the_item_dialogs_access_keys_are_unique_as_gnome_shows_its_buttons(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """On a GNOME desktop OK is "&OK": Alt+O went to the Owner field, not to OK."""
    fields = ItemFields("7", "Review the policy.", owner="Head of Service")
    for dialog in (
        ItemDialog(lambda _: editing.Problems(), TODAY, None, sample_window),
        ItemDialog(lambda _: editing.Problems(), TODAY, fields, sample_window),
    ):
        qtbot.addWidget(dialog)
        dialog.show()
        shown = shown_keys(dialog)
        assert ("button", "&OK") in shown and ("button", "&Cancel") in shown
        assert clashes(shown) == []
        dialog.close()


def _new_item_dialog(qtbot: Any, window: MainWindow) -> ItemDialog:
    """A new item's dialog, in front, the keyboard in its first field (Number)."""
    dialog = ItemDialog(lambda _: editing.Problems(), TODAY, None, window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.number)
    return dialog


def test_alt_w_goes_to_the_item_dialogs_owner(qtbot: Any, sample_window: MainWindow) -> None:
    dialog = _new_item_dialog(qtbot, sample_window)
    qtbot.keyClick(dialog.number, Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.owner
    qtbot.keyClick(dialog.owner, Qt.Key.Key_N, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.number  # and back, as every field's key does
    dialog.close()


def test_alt_y_says_the_items_text_is_not_yet_entered(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """The check box was the item dialog's one control with no key (found by a new user)."""
    dialog = _new_item_dialog(qtbot, sample_window)
    qtbot.keyClick(dialog.number, Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(dialog.not_entered.isChecked)  # after the click's animation
    assert not dialog.text.isEnabled()
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Y, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: not dialog.not_entered.isChecked())
    assert dialog.text.isEnabled()
    dialog.close()


def test_the_inspection_dialogs_organisation_and_remove_finding_keys(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """On a GNOME desktop Alt+O is OK's, so Inspected or&ganisation took Remove finding's G,
    which moved to Re&move finding: each key still does what it shows."""
    with sample_window.context.database.session() as session:
        schemes = inspecting.scheme_grades(session)
    dialog = InspectionDialog(lambda _: editing.Problems(), schemes, [], None, sample_window)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is dialog.reference)
    qtbot.keyClick(dialog.reference, Qt.Key.Key_G, Qt.KeyboardModifier.AltModifier)
    assert QApplication.focusWidget() is dialog.organisation
    dialog.findings.add_button.click()
    qtbot.waitUntil(dialog.findings.remove_button.isEnabled)
    assert len(dialog.finding_rows) == 1
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_M, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: dialog.finding_rows == [])
    dialog.close()


def test_alt_v_opens_the_view_menu(sample_window: MainWindow) -> None:
    """It used to show the Overview tab instead ("O&verview")."""
    titles = [sample_window.tabs.tabText(n) for n in range(sample_window.tabs.count())]
    assert "v" not in {mnemonic(t) for t in titles}
    assert "v" in {mnemonic(a.text()) for a in sample_window.menuBar().actions()}


# ----------------------------------------------------------------------------- focus


def focus_chain(qtbot: Any, top: QWidget, start: QWidget) -> set[QWidget]:
    """Every widget Tab reaches from ``start``, round to ``start`` again."""
    top.activateWindow()
    qtbot.waitUntil(top.isActiveWindow)
    start.setFocus(Qt.FocusReason.TabFocusReason)
    qtbot.waitUntil(lambda: QApplication.focusWidget() is not None)
    first = QApplication.focusWidget()
    reached: set[QWidget] = set()
    for _ in range(400):
        widget = QApplication.focusWidget()
        assert widget is not None
        reached.add(widget)
        parent = widget.parentWidget()
        while parent is not None:  # an editable combo's or a date's own line edit
            if isinstance(parent, QComboBox | QAbstractSpinBox):
                reached.add(parent)
            parent = parent.parentWidget()
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
        if QApplication.focusWidget() is first:
            break
    return reached


def reachable(top: QWidget) -> set[QWidget]:
    return {
        widget
        for widget in top.findChildren(QWidget)
        if isinstance(widget, INPUTS)
        and widget.isVisible()
        and widget.isEnabled()
        and widget.window() is top
        and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
        and widget.focusProxy() is None
        and not isinstance(widget.parentWidget(), QComboBox | QAbstractSpinBox)
    }


def describe(widgets: set[QWidget]) -> list[str]:
    return sorted(
        f"{type(w).__name__} {w.accessibleName() or w.objectName() or getattr(w, 'text', str)()}"
        for w in widgets
    )


def test_every_control_of_the_window_is_reached_with_tab(
    qtbot: Any, sample_window: MainWindow
) -> None:
    window = sample_window
    for number in range(window.tabs.count()):
        window.tabs.setCurrentIndex(number)
        if number == 1:
            select_item(window, CHILD_A, "5")  # so that its buttons are enabled
        missed = reachable(window) - focus_chain(qtbot, window, window.tabs.tabBar())
        assert describe(missed) == [], window.tabs.tabText(number)


def test_every_control_of_every_dialog_is_reached_with_tab(
    qtbot: Any, sample_window: MainWindow, tmp_path: Path
) -> None:
    for dialog in every_dialog(sample_window, tmp_path):
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        start = QApplication.focusWidget() if dialog.isActiveWindow() else dialog
        missed = reachable(dialog) - focus_chain(qtbot, dialog, start or dialog)
        assert describe(missed) == [], dialog.windowTitle()
        dialog.close()


def test_dialogs_open_with_the_focus_in_their_first_field(
    qtbot: Any, sample_window: MainWindow, tmp_path: Path
) -> None:
    for dialog in every_dialog(sample_window, tmp_path):
        if not isinstance(dialog, FormDialog):
            continue
        qtbot.addWidget(dialog)
        dialog.show()
        first = next(iter(dialog.fields.values()))
        assert dialog.focusWidget() is typing_target(first), dialog.windowTitle()
        dialog.close()


def test_typing_into_a_new_review_goes_into_its_reference(
    qtbot: Any, sample_window: MainWindow
) -> None:
    typed: dict[str, str] = {}

    def fill(dialog: Any) -> None:
        qtbot.keyClicks(dialog.focusWidget(), "SCR-2026-9")
        typed["reference"] = dialog.reference.text()
        dialog.reject()

    answer(fill)
    sample_window.reviews_tab.new_review()
    assert typed == {"reference": "SCR-2026-9"}


def test_the_start_up_passphrase_prompt_takes_what_is_typed(qtbot: Any, tmp_path: Path) -> None:
    """Enter on the empty prompt is refused beside the field, not taken as an empty try;
    what is typed next goes into the field, and Enter tries it."""
    tried: list[str] = []

    def attempt(passphrase: Passphrase) -> str | None:
        tried.append(passphrase.reveal())
        return None

    dialog = OpenEncryptedDialog(tmp_path / "panel.sqlite3", attempt)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert dialog.isVisible() and tried == []
    assert dialog.messages["passphrase"].text() == "Enter the passphrase."
    qtbot.keyClicks(dialog.focusWidget(), "correct horse battery staple")
    assert dialog.passphrase.text() == "correct horse battery staple"
    qtbot.keyClick(dialog.focusWidget(), Qt.Key.Key_Return)
    assert len(tried) == 1 and not dialog.isVisible()


def test_tab_leaves_a_multi_line_field(qtbot: Any, sample_window: MainWindow) -> None:
    dialog = _new_item_dialog(qtbot, sample_window)
    dialog.text.setFocus()
    qtbot.keyClicks(dialog.text, "Review the policy")
    qtbot.keyClick(dialog.text, Qt.Key.Key_Tab)
    assert dialog.text.toPlainText() == "Review the policy"
    assert QApplication.focusWidget() is not dialog.text
    dialog.close()


def test_ctrl_enter_is_ok_from_a_multi_line_field(qtbot: Any, sample_window: MainWindow) -> None:
    """A new user's progress note: Enter starts a new line there, and Ctrl+Enter did nothing."""
    dialog = UpdateDialog(Status.IN_PROGRESS, TODAY, "Tester", sample_window.recommendations_tab)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.note.setFocus()
    qtbot.keyClicks(dialog.note, "First line")
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return)
    qtbot.keyClicks(dialog.note, "second line")
    assert dialog.isVisible()  # Enter alone: a new line
    qtbot.keyClick(dialog.note, Qt.Key.Key_Return, Qt.KeyboardModifier.ControlModifier)
    assert dialog.result() == QDialog.DialogCode.Accepted and not dialog.isVisible()
    assert dialog.entry().note == "First line\nsecond line"
    # Checked as OK is: with nothing to say, the dialog stays and says why.
    empty = UpdateDialog(Status.IN_PROGRESS, TODAY, "Tester", sample_window.recommendations_tab)
    empty.show()
    qtbot.waitExposed(empty)
    empty.activateWindow()
    qtbot.waitUntil(empty.isActiveWindow)
    empty.note.setFocus()
    qtbot.keyClick(empty.note, Qt.Key.Key_Enter, Qt.KeyboardModifier.ControlModifier)
    assert empty.isVisible() and empty.messages["note"].text()
    empty.close()


# ----------------------------------------------------------------------------- rows


def activate(qtbot: Any, window: MainWindow, view: QAbstractItemView) -> None:
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    view.setFocus()


def test_enter_on_a_review_opens_it(qtbot: Any, sample_window: MainWindow) -> None:
    view = sample_window.reviews_tab.view
    sample_window.reviews_tab.select(CHILD_A)
    activate(qtbot, sample_window, view)
    seen: list[str] = []

    def look(dialog: Any) -> None:
        seen.append(f"{dialog.windowTitle()}: {dialog.reference.text()}")
        dialog.reject()

    answer(look)
    qtbot.keyClick(view, Qt.Key.Key_Return)
    assert seen == [f"Edit review: {CHILD_A}"]


def test_enter_and_double_click_on_a_recommendation_open_it(
    qtbot: Any, sample_window: MainWindow
) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")
    tab = sample_window.recommendations_tab
    activate(qtbot, sample_window, tab.view)
    seen: list[str] = []

    def look(dialog: Any) -> None:
        seen.append(f"{dialog.windowTitle()}: {dialog.number.text()}")
        dialog.reject()

    answer(look)
    qtbot.keyClick(tab.view, Qt.Key.Key_Return)
    answer(look)
    index = tab.view.currentIndex()
    rect = tab.view.visualRect(index)
    qtbot.mouseClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.mouseDClick(tab.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert seen == [f"Edit recommendation 5 of {CHILD_A}: 5"] * 2


def test_delete_on_an_initiative_asks_then_deletes(
    qtbot: Any, sample_window: MainWindow, db_file: Database
) -> None:
    tab = sample_window.initiatives_tab
    sample_window.tabs.setCurrentWidget(tab)
    tab.view.selectRow(0)
    name = tab.selected_name()
    activate(qtbot, sample_window, tab.view)

    def count() -> int:
        with db_file.session() as session:
            return len(queries.initiative_rows(session))

    before = count()
    asked: list[str] = []

    def cancel(box: Any) -> None:
        asked.append(box.text())
        box.button(QMessageBox.StandardButton.Cancel).click()

    answer(cancel)
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    assert count() == before and name in asked[0]

    answer(lambda box: box.button(QMessageBox.StandardButton.Yes).click())
    activate(qtbot, sample_window, tab.view)  # the window again, once the question has gone
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    assert count() == before - 1


def test_delete_in_the_search_box_edits_the_text(qtbot: Any, sample_window: MainWindow) -> None:
    """The tables' Delete is theirs alone: elsewhere the key does what it always does."""
    show_tracker(sample_window)
    search = sample_window.recommendations_tab.filters.search
    activate(qtbot, sample_window, search)
    qtbot.keyClicks(search, "staff")
    qtbot.keyClick(search, Qt.Key.Key_Home)
    qtbot.keyClick(search, Qt.Key.Key_Delete)
    assert search.text() == "taff"


def test_every_table_has_a_context_menu_with_copy(sample_window: MainWindow) -> None:
    sample_window.all_tabs  # noqa: B018  (builds them)
    views = [
        view
        for view in sample_window.findChildren(QTableView)
        if not view.objectName().startswith("qt_")  # Qt's own (a date field's calendar)
    ]
    assert len(views) >= 6
    for view in views:
        assert view.contextMenuPolicy() == Qt.ContextMenuPolicy.ActionsContextMenu
        assert "Copy" in [a.text().replace("&", "") for a in view.actions()], view.objectName()
    actions = [a.text().replace("&", "") for a in sample_window.recommendations_tab.view.actions()]
    assert {"Edit…", "Add update…", "Add evidence…", "Sign off…"} <= set(actions)


def test_ctrl_c_copies_the_selected_rows_for_excel(qtbot: Any, sample_window: MainWindow) -> None:
    tab = sample_window.reviews_tab
    view = tab.view
    view.selectRow(0)
    view.selectionModel().select(
        view.model().index(1, 0),
        view.selectionModel().SelectionFlag.Select | view.selectionModel().SelectionFlag.Rows,
    )
    activate(qtbot, sample_window, view)
    QGuiApplication.clipboard().clear()
    qtbot.keyClick(view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    lines = QGuiApplication.clipboard().text().splitlines()
    assert len(lines) == 3
    assert lines[0].split("\t")[:3] == ["Reference", "Kind", "Title"]
    first = [view.model().index(0, c).data() or "" for c in range(view.model().columnCount())]
    assert lines[1].split("\t") == first


# ----------------------------------------------------------------------------- window keys


def test_escape_in_the_search_box_clears_the_search(qtbot: Any, sample_window: MainWindow) -> None:
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    everything = len(tab.model.rows)
    activate(qtbot, sample_window, tab.filters.search)
    search_for(qtbot, tab, "zebra")
    assert tab.model.rows == []
    qtbot.keyClick(tab.filters.search, Qt.Key.Key_Escape)
    assert tab.filters.search.text() == ""
    assert len(tab.model.rows) == everything


def test_down_in_the_search_box_goes_to_the_first_result(
    qtbot: Any, sample_window: MainWindow
) -> None:
    """As in a mail program: type, then Down to the results (it did nothing)."""
    show_tracker(sample_window)
    tab = sample_window.recommendations_tab
    search = tab.filters.search
    activate(qtbot, sample_window, search)
    search_for(qtbot, tab, "staff")
    assert 1 < len(tab.model.rows) < 28
    first = tab.model.rows[0]
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is tab.view
    assert tab.view.currentIndex().row() == 0
    assert tab.selected_ids() == [first.id]
    assert f"{first.kind.label} {first.number}" in tab.detail.toPlainText()
    qtbot.keyClick(tab.view, Qt.Key.Key_Down)  # and on down the results
    assert tab.selected_ids() == [tab.model.rows[1].id]

    activate(qtbot, sample_window, search)
    search_for(qtbot, tab, "zebra")  # no results: the focus stays to type
    assert tab.model.rowCount() == 0
    qtbot.keyClick(search, Qt.Key.Key_Down)
    assert QApplication.focusWidget() is search


def test_ctrl_y_redoes(qtbot: Any, sample_window: MainWindow, db_file: Database) -> None:
    show_tracker(sample_window)
    select_item(sample_window, CHILD_A, "5")

    def fill(dialog: Any) -> None:
        dialog.owner.setText("Deputy Head of Education")
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()

    answer(fill)
    sample_window.recommendations_tab.edit_item()
    sample_window.undo_action.trigger()
    activate(qtbot, sample_window, sample_window.recommendations_tab.view)
    qtbot.keyClick(
        sample_window.recommendations_tab.view, Qt.Key.Key_Y, Qt.KeyboardModifier.ControlModifier
    )
    with db_file.session() as session:
        assert editing.item_fields(session, editing.ItemKey(CHILD_A, "5")).owner == (
            "Deputy Head of Education"
        )


@pytest.mark.qt_log_ignore("This plugin does not support raise")  # offscreen, in tests
def test_f1_opens_the_help_offline(qtbot: Any, sample_window: MainWindow) -> None:
    activate(qtbot, sample_window, sample_window.tabs.tabBar())
    qtbot.keyClick(sample_window.tabs.tabBar(), Qt.Key.Key_F1)
    help_window = sample_window.help_window
    assert help_window.isVisible()
    text = help_window.text.toPlainText()
    assert "The keyboard" in text and "Ctrl+Y" in text
    help_window.close()


def test_the_access_key_reader() -> None:
    assert mnemonic("Save &as") == "a"
    assert mnemonic("Fish && &chips") == "c"
    assert mnemonic("No key") is None
