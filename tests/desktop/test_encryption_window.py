"""The window and encrypted databases: asked for the passphrase on opening, encrypting from
the window (strongly offered on first run), and the lock after an idle period."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtWidgets import QApplication, QDialog, QLabel, QLineEdit, QProgressDialog, QWidget

from db.core.errors import CaseReviewError
from db.services.dataset import load_sample
from db.store.cipher import Passphrase, PassphraseError
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.paths import SQLITE_MAGIC
from desktop import settings as keys
from desktop.app import Controller
from desktop.dialogs.forms import UpdateDialog
from desktop.dialogs.passphrase import LockPanel, NewPassphraseDialog
from desktop.settings import Settings
from desktop.tabs.recommendations import RecommendationsTab
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import make_window

SECRET = "correct horse battery staple"


@pytest.fixture
def encrypted_file(tmp_path: Path) -> Path:
    path = tmp_path / "locked.sqlite3"
    location = resolve_location(str(path)).with_passphrase(Passphrase(SECRET))
    with open_database(location, create=True) as database, database.transaction("t") as session:
        load_sample(session, TODAY)
    assert path.read_bytes()[:16] != SQLITE_MAGIC
    return path


@pytest.fixture
def encrypted_db(encrypted_file: Path) -> Iterator[Database]:
    location = resolve_location(str(encrypted_file)).with_passphrase(Passphrase(SECRET))
    database = open_database(location)
    yield database
    database.close()


def fill_modal(qtbot, answers: list[str], seen: list[str]) -> None:  # type: ignore[no-untyped-def]
    """Type each answer into the modal passphrase dialog when it shows, pressing OK, and note
    the message shown beside the field after each wrong one."""

    def step() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, QDialog) or isinstance(dialog, QProgressDialog):
            QTimer.singleShot(20, step)
            return
        message = dialog.findChild(QLabel, "passphrase_message")
        if message is not None and message.isVisible():
            seen.append(message.text())
        if not answers:
            dialog.reject()
            return
        field = dialog.findChild(QLineEdit, "passphrase")
        assert field.echoMode() == QLineEdit.EchoMode.Password
        field.setText(answers.pop(0))
        dialog.buttons.accepted.emit()  # type: ignore[attr-defined]
        if dialog.isVisible():
            QTimer.singleShot(20, step)

    QTimer.singleShot(20, step)


def test_opening_an_encrypted_database_asks_for_its_passphrase(
    qtbot, encrypted_file: Path, settings: Settings
) -> None:
    controller = Controller(settings)
    with pytest.raises(PassphraseError) as refused:
        controller.open(resolve_location(str(encrypted_file)))
    assert controller.window is None
    seen: list[str] = []
    fill_modal(qtbot, ["not the passphrase", SECRET], seen)
    assert controller.recover(refused.value)
    assert seen and "does not open locked.sqlite3" in seen[0]
    window = controller.window
    assert window is not None
    qtbot.addWidget(window)
    qtbot.waitUntil(lambda: window.context.is_open and "28" in window.counts_label.text())
    assert "(encrypted)" in window.location_label.text()
    assert not window.encrypt_action.isEnabled()
    window.close()
    window.database.close()


def test_cancelling_the_passphrase_opens_nothing(
    qtbot, encrypted_file: Path, settings: Settings
) -> None:
    controller = Controller(settings)
    with pytest.raises(PassphraseError) as refused:
        controller.open(resolve_location(str(encrypted_file)))
    fill_modal(qtbot, [], [])
    assert not controller.recover(refused.value)
    assert controller.window is None


def test_the_window_locks_when_left_idle_and_unlocks_with_the_passphrase(
    qtbot, encrypted_db: Database, settings: Settings
) -> None:
    settings.set(keys.LOCK_AFTER_MINUTES, 10)
    window = make_window(qtbot, encrypted_db, settings)
    watch = window.security.idle_watch
    assert watch is not None
    assert watch.timer.interval() == 10 * 60_000  # the default: ten minutes

    # Input keeps it open: each key press starts the wait again.
    watch.timer.setInterval(300)
    watch.timer.start()
    for _ in range(6):
        qtbot.keyClick(window.tabs, Qt.Key.Key_Shift)
        qtbot.wait(100)
    assert not window.security.locked

    # A dialog open on some record is covered, not closed: what was typed in it is kept.
    other = QDialog(window)
    typed = QLineEdit(other)
    typed.setText("half-typed update")
    other.open()
    qtbot.waitUntil(lambda: window.security.locked, timeout=3000)
    panel = window.centralWidget()
    assert isinstance(panel, LockPanel)
    assert not window.tabs.isVisible()
    assert other.isVisible()
    cover = other.findChild(LockPanel)
    assert cover is not None and cover.isVisible()
    assert cover.geometry() == other.rect()
    assert not any(a.isEnabled() for a in window.menuBar().actions() for a in a.menu().actions())
    assert window.grab().width() > 0

    panel.field.setText("not the passphrase")
    panel.try_unlock()
    assert window.security.locked
    assert "not the passphrase" in panel.message.text()

    panel.field.setText(SECRET)
    qtbot.keyClick(panel.field, Qt.Key.Key_Return)
    assert not window.security.locked
    assert window.centralWidget() is not panel
    assert window.tabs.isVisible()
    assert other.isVisible() and other.result() == 0  # still open, not cancelled
    qtbot.waitUntil(lambda: not cover.isVisible())
    assert typed.text() == "half-typed update"
    assert window.undo_action is not None
    assert any(a.isEnabled() for a in window.menuBar().actions()[0].menu().actions())
    assert watch.timer.isActive()
    window.refresh()
    assert "28" in window.counts_label.text()


def test_a_closed_window_stops_watching(qtbot, encrypted_db: Database, settings: Settings) -> None:
    """After switching database the old window is closed: its idle timer must never fire and
    lock (or hide) anything."""
    window = make_window(qtbot, encrypted_db, settings)
    assert window.security.idle_watch is not None
    window.close()
    assert not window.security.idle_watch.timer.isActive()
    window.security.lock()
    assert not window.security.locked


def test_a_plain_window_never_locks(qtbot, window: MainWindow) -> None:
    assert window.security.idle_watch is None
    window.security.lock()
    assert not window.security.locked


def test_first_run_strongly_offers_encryption(
    qtbot, window: MainWindow, tmp_path: Path, settings: Settings
) -> None:
    assert window.empty_banner.isVisible()
    assert window.encrypt_offer.isVisible()
    assert window.encrypt_action.isEnabled()
    assert "(not encrypted)" in window.location_label.text()
    window.grab().save(str(tmp_path / "offer.png"))


def test_encrypting_from_the_window_goes_on_over_the_encrypted_file(
    qtbot, sample_window: MainWindow
) -> None:
    path = sample_window.database.location.path
    assert path is not None
    sample_window.security.encrypt_with(Passphrase(SECRET))  # off the GUI thread
    qtbot.waitUntil(lambda: "(encrypted)" in sample_window.location_label.text(), timeout=30_000)
    assert path.read_bytes()[:16] != SQLITE_MAGIC
    assert b"Police" not in path.read_bytes()
    assert "(encrypted)" in sample_window.location_label.text()
    assert not sample_window.encrypt_offer.isVisible()
    assert sample_window.security.idle_watch is not None
    sample_window.refresh()
    assert "28" in sample_window.counts_label.text()
    assert "Encrypted window.sqlite3" in sample_window.statusBar().currentMessage()
    # The window's own copies, kept from now on, are encrypted too.
    sample_window.files.keep_a_copy()
    assert sample_window.files.copying is not None
    sample_window.files.copying.join()
    kept = list(path.parent.glob("window.sqlite3-backups/*"))
    assert kept and all(p.read_bytes()[:16] != SQLITE_MAGIC for p in kept)


def test_choosing_a_passphrase_says_what_is_wrong_beside_the_field(qtbot) -> None:
    dialog = NewPassphraseDialog("panel.sqlite3")
    qtbot.addWidget(dialog)
    dialog.show()
    message = dialog.findChild(QLabel, "passphrase_message")
    again = dialog.findChild(QLabel, "again_message")
    dialog.first.setText("short")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "at least 8 characters" in message.text()
    dialog.first.setText(SECRET)
    dialog.second.setText(SECRET + " ")
    dialog.buttons.accepted.emit()
    assert dialog.isVisible() and "differ" in again.text()
    assert dialog.chosen is None
    dialog.second.setText(SECRET)
    dialog.buttons.accepted.emit()
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.chosen is not None and dialog.chosen.matches(SECRET)


def test_lock_panel_is_plain_to_read(qtbot, tmp_path: Path) -> None:
    panel = LockPanel("panel.sqlite3", Passphrase(SECRET))
    qtbot.addWidget(panel)
    panel.resize(1000, 600)
    panel.show()
    assert isinstance(panel.field, QLineEdit)
    assert panel.field.echoMode() == QLineEdit.EchoMode.Password
    assert isinstance(panel, QWidget)


def test_opening_encrypts_copies_an_interrupted_encryption_left_plain(
    qtbot, tmp_path: Path, settings: Settings
) -> None:
    from db.services.encrypt import _encrypt_file, plain_copies
    from db.store.backups import automatic_backup

    path = tmp_path / "panel.sqlite3"
    plain = resolve_location(str(path))
    with open_database(plain, create=True) as database, database.transaction("t") as session:
        load_sample(session, TODAY)
    kept = automatic_backup(plain, "before-import")
    assert kept is not None
    _encrypt_file(path, Passphrase(SECRET), exclusive=True)  # interrupted here
    assert plain_copies(path) == [kept]

    database = open_database(plain.with_passphrase(Passphrase(SECRET)))
    window = make_window(qtbot, database, settings)
    window.files.keep_a_copy()  # what opening the window does
    assert window.files.copying is not None
    window.files.copying.join()
    assert plain_copies(path) == []
    assert b"Police" not in kept.read_bytes()
    qtbot.waitUntil(lambda: "interrupted encryption" in window.statusBar().currentMessage())
    assert window.statusBar().currentMessage().startswith("Encrypted 1 copy of the database")
    window.close()
    database.close()


# ----------------------------------------------------------------------------- the lock's reach

CHILD_A = "FSCP-CSPR-CHILD-A"
NOTE = "Mother disclosed further concerns at the core group"


def updates_of(database: Database, number: str) -> list[str]:
    from db.services import editing
    from db.services.editing import ItemKey

    with database.session() as session:
        return [u.note for u in editing.item_by_key(session, ItemKey(CHILD_A, number)).updates]


def readable(window: QWidget) -> str:
    """Everything a person could read in ``window`` now: its title and the text of each of its
    widgets that is on screen."""
    from PySide6.QtWidgets import QAbstractButton, QComboBox, QPlainTextEdit

    said = [window.windowTitle()]
    for widget in window.findChildren(QWidget):
        if not widget.isVisible():
            continue
        secret = isinstance(widget, QLineEdit) and widget.echoMode() != QLineEdit.EchoMode.Normal
        if isinstance(widget, QLineEdit | QLabel | QAbstractButton) and not secret:
            said.append(widget.text())
        elif isinstance(widget, QPlainTextEdit):
            said.append(widget.toPlainText())
        elif isinstance(widget, QComboBox):
            said.append(widget.currentText())
    return "\n".join(said)


def on_update_dialog(act: Callable[[UpdateDialog], None]) -> None:
    """Once the modal progress update dialog shows, ``act`` on it as the user; a failure
    rejects the dialog, so that it is reported rather than a test left hanging."""

    def step() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, UpdateDialog):
            QTimer.singleShot(10, step)
            return
        try:
            act(dialog)
        except BaseException:
            dialog.reject()
            raise

    QTimer.singleShot(0, step)


def _with_item_4_selected(  # type: ignore[no-untyped-def]
    qtbot, database: Database, settings: Settings
) -> tuple[MainWindow, RecommendationsTab]:
    """The window over ``database`` on its Recommendations tab, CHILD_A's item 4 selected."""
    window = make_window(qtbot, database, settings)
    tab = window.recommendations_tab
    window.tabs.setCurrentWidget(tab)
    row = next(n for n, r in enumerate(tab.model.rows) if r.source == CHILD_A and r.number == "4")
    tab.view.selectRow(row)
    return window, tab


def test_a_tabs_dialog_open_as_the_lock_starts_is_covered_and_keeps_what_was_typed(
    qtbot, encrypted_db: Database, settings: Settings
) -> None:
    from PySide6.QtWidgets import QDialogButtonBox

    window, tab = _with_item_4_selected(qtbot, encrypted_db, settings)
    before = updates_of(encrypted_db, "4")
    watch = window.security.idle_watch
    assert watch is not None
    seen: dict[str, object] = {}

    def as_the_user(dialog: UpdateDialog) -> None:
        assert window.centralWidget().isAncestorOf(dialog.parentWidget())  # as the tab does
        qtbot.keyClicks(dialog.note, NOTE)
        watch.timer.setInterval(200)  # the idle lock starts while the dialog is open
        watch.timer.start()
        qtbot.waitUntil(lambda: window.security.locked, timeout=3000)

        # Nothing in the dialog can be read: its fields are behind a lock panel.
        assert dialog.isVisible()
        cover = dialog.findChild(LockPanel)
        assert cover is not None and cover.isVisible()
        assert cover.geometry() == dialog.rect()
        shown = readable(dialog)
        assert NOTE not in shown and "Tester" not in shown and "Add a progress" not in shown
        assert not dialog.note.isVisible()

        # Nothing in it can be confirmed: Enter, or OK itself, saves nothing.
        qtbot.keyClick(cover.field, Qt.Key.Key_Return)
        assert "Enter the passphrase." in cover.message.text()
        qtbot.keyClick(dialog, Qt.Key.Key_Return)
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
        assert dialog.isVisible() and window.security.locked
        # The status bar's counts are hidden too.
        assert dialog.isVisible() and not window.statusBar().isVisible()
        seen["while locked"] = updates_of(encrypted_db, "4")

        # Unlocked (from the dialog's own panel), it is as it was and can be saved.
        qtbot.keyClicks(cover.field, SECRET)
        qtbot.keyClick(cover.field, Qt.Key.Key_Return)
        assert not window.security.locked
        qtbot.waitUntil(dialog.note.isVisible)
        assert dialog.note.toPlainText() == NOTE
        assert dialog.windowTitle() == "Add a progress update"
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()

    on_update_dialog(as_the_user)
    tab.add_update()
    assert seen["while locked"] == before
    assert updates_of(encrypted_db, "4") == [*before, NOTE]
    window.close()


def test_while_locked_no_window_shows_data_and_nothing_is_saved(
    qtbot, encrypted_db: Database, settings: Settings
) -> None:
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from db.services.editing import ItemKey
    from desktop.commands import AddUpdate, run

    window = make_window(qtbot, encrypted_db, settings)
    tab = window.recommendations_tab
    window.tabs.setCurrentWidget(tab)
    before = updates_of(encrypted_db, "4")
    window.context.explain(CaseReviewError(f"About {CHILD_A}: refused."), tab)
    box = next(
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible() and CHILD_A in w.text()
    )  # not a hidden one an earlier test left
    files = QFileDialog(tab, "Export the case notes")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    files.open()
    window.statusBar().showMessage(f"The copy of {CHILD_A}.pdf opened from /tmp")
    window.security.lock()
    assert window.security.locked
    assert CHILD_A not in window.statusBar().currentMessage()
    for other in (box, files):
        assert CHILD_A not in readable(other) and "case notes" not in readable(other)
        assert other.findChild(LockPanel).isVisible()

    # A change confirmed as the lock started is held, not written, until unlocking.
    update = AddUpdate(
        window.context, [ItemKey(CHILD_A, "4")], on=TODAY, author="Tester", note=NOTE
    )
    assert not run(update, tab)
    assert updates_of(encrypted_db, "4") == before
    # A window opened while locked (a message when some work finished) is covered at once.
    window.context.explain(CaseReviewError(f"Finished {CHILD_A}."), window)
    late = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w is not box and w.isVisible()
    ]
    assert late and all(CHILD_A not in readable(w) for w in late)
    for box_deleted_on_close in late:  # a window that goes while locked is no trouble
        box_deleted_on_close.close()
    qtbot.wait(50)

    window.centralWidget().field.setText(SECRET)
    window.centralWidget().try_unlock()
    assert not window.security.locked
    assert CHILD_A in readable(box) and files.windowTitle() == "Export the case notes"
    assert updates_of(encrypted_db, "4") == [*before, NOTE]
    window.close()


def test_encrypting_leaves_the_window_responsive_and_can_be_cancelled(
    qtbot, sample_window: MainWindow
) -> None:
    import sqlite3
    from contextlib import closing

    from PySide6.QtWidgets import QPushButton

    path = sample_window.database.location.path
    assert path is not None
    with closing(sqlite3.connect(path)) as conn, conn:  # enough data to take a while
        conn.execute("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT)")
        conn.executemany(
            "INSERT INTO filler (text) VALUES (?)", ((f"{n:08d}" * 40,) for n in range(300_000))
        )
    ticks: list[bool] = []
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.append(not sample_window.context.last_explanation))
    timer.start(10)
    sample_window.security.encrypt_with(Passphrase(SECRET))
    progress = sample_window.security._progress
    assert progress.labelText() == "Encrypting window.sqlite3…"
    qtbot.waitUntil(lambda: len(ticks) >= 3, timeout=30_000)  # timers run while it works
    qtbot.mouseClick(progress.findChild(QPushButton), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: bool(sample_window.context.last_explanation), timeout=30_000)
    timer.stop()
    assert all(ticks[:3])
    assert sample_window.context.last_explanation == "Cancelled; nothing was changed."
    assert path.read_bytes()[:16] == SQLITE_MAGIC  # still the plain file it was
    assert not list(path.parent.glob(".*.part"))  # the half-made encrypted copy is gone
    with closing(sqlite3.connect(path)) as conn:
        assert conn.execute("SELECT count(*) FROM filler").fetchone() == (300_000,)
    assert "(not encrypted)" in sample_window.location_label.text()
    sample_window.refresh()
    assert "28" in sample_window.counts_label.text()


def test_closing_the_locked_window_closes_what_it_covered_and_keeps_a_held_change(
    qtbot, encrypted_db: Database, settings: Settings
) -> None:
    """Closed while locked (the platform's Quit key, the session ending): the windows the lock
    covered close with it, still covered, rather than stay open behind a panel nothing can
    unlock (the process never ended); a change confirmed as the lock started is saved, as
    unlocking would have; and the application watches no more windows to cover."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    from db.services.editing import ItemKey
    from desktop.commands import AddUpdate, run

    window = make_window(qtbot, encrypted_db, settings)
    tab = window.recommendations_tab
    before = updates_of(encrypted_db, "4")
    window.context.explain(CaseReviewError(f"About {CHILD_A}: refused."))  # no window: its own
    box = next(
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, QMessageBox) and w.isVisible() and CHILD_A in w.text()
    )  # not one an earlier test left behind, hidden
    files = QFileDialog(tab, "Export the case notes")
    files.setOption(QFileDialog.Option.DontUseNativeDialog)
    files.open()
    window.security.lock()
    assert window.security.locked and box.findChild(LockPanel).isVisible()
    update = AddUpdate(
        window.context, [ItemKey(CHILD_A, "4")], on=TODAY, author="Tester", note=NOTE
    )
    assert not run(update, tab)  # held by the lock

    assert window.close()
    assert not window.isVisible()
    assert not box.isVisible() and not files.isVisible()
    assert not any(isinstance(w, LockPanel) and w.isVisible() for w in QApplication.allWidgets())
    assert CHILD_A not in readable(box)  # closed as it was: covered
    assert updates_of(encrypted_db, "4") == [*before, NOTE]
    later = QDialog()
    later.show()
    assert later.findChild(LockPanel) is None  # nothing left covering new windows
    later.close()


def test_closing_a_covered_dialog_closes_the_locked_application(
    qtbot, encrypted_db: Database, settings: Settings
) -> None:
    """A dialog open as the lock began blocks its main window, and the Quit action is
    disabled while locked: closing the dialog (Alt+F4) did nothing, and a new user found no
    way to end the program. Closing it now closes the application, as closing the locked
    main window does: the dialog goes still covered, nothing is saved from it."""
    window, tab = _with_item_4_selected(qtbot, encrypted_db, settings)
    before = updates_of(encrypted_db, "4")
    seen: dict[str, object] = {}

    def as_the_user(dialog: UpdateDialog) -> None:
        qtbot.keyClicks(dialog.note, NOTE)
        window.security.lock()
        assert window.security.locked and dialog.findChild(LockPanel).isVisible()
        assert not dialog.close()  # the program's own close() changes nothing ...
        qtbot.wait(50)
        assert window.isVisible() and dialog.isVisible()
        # ... a person's closes all. The offscreen platform sends no window-system close;
        # the cover is given one as the window system would send it (tried in Xvfb too).
        from PySide6.QtGui import QCloseEvent

        class FromTheWindowSystem(QCloseEvent):
            def spontaneous(self) -> bool:
                return True

        cover = next(c for c in dialog.findChildren(QObject) if hasattr(c, "close_all"))
        assert cover.eventFilter(dialog, FromTheWindowSystem())
        qtbot.waitUntil(lambda: not window.isVisible(), timeout=3000)
        seen["closed"] = not dialog.isVisible()

    on_update_dialog(as_the_user)
    tab.add_update()
    assert seen["closed"] is True
    assert not window.isVisible()
    assert updates_of(encrypted_db, "4") == before
