"""Passphrases in the window: asking for one to open an encrypted database, choosing one to
encrypt a database, and the lock that hides everything after an idle period.

A wrong or weak passphrase is said beside the field; the dialog stays open and nothing is
opened or changed until the passphrase is right.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from db.services.editing import Problems
from db.store.cipher import MINIMUM_LENGTH, Passphrase, PassphraseError, check_new
from desktop.dialogs.forms import FormDialog

if TYPE_CHECKING:
    from pathlib import Path


def secret_field(name: str) -> QLineEdit:
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setObjectName(name)
    edit.setMinimumWidth(320)
    return edit


class OpenEncryptedDialog(FormDialog):
    """Asks for the passphrase of an encrypted database; ``attempt`` tries it and returns
    None when it opened the database, else the sentence to show beside the field."""

    def __init__(
        self,
        path: Path,
        attempt: Callable[[Passphrase], str | None],
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(f"Open {path.name}", parent)
        self.setObjectName("openEncrypted")
        intro = QLabel(f"{path.name} is encrypted. Enter its passphrase to open it.")
        intro.setWordWrap(True)
        self.form.insertRow(0, intro)
        self.passphrase = self.add_row("passphrase", "&Passphrase", secret_field("passphrase"))
        self.attempt = attempt
        self.check = self._check

    def _check(self) -> Problems:
        problems = Problems()
        text = self.passphrase.text()
        if not text:
            problems.add("passphrase", "Enter the passphrase.")
            return problems
        said = self.attempt(Passphrase(text))
        if said:
            problems.add("passphrase", said)
            self.passphrase.selectAll()
        return problems


class NewPassphraseDialog(FormDialog):
    """Chooses the passphrase a database is encrypted with: typed twice, long enough."""

    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(f"Encrypt {name}", parent)
        self.setObjectName("newPassphrase")
        intro = QLabel(
            f"Encrypting {name} means a lost or stolen computer leaks nothing: without the "
            "passphrase the file, and the copies casereview keeps beside it, cannot be read. "
            "Nobody can recover a forgotten passphrase, so keep it where your organisation "
            "keeps such secrets."
        )
        intro.setWordWrap(True)
        self.form.insertRow(0, intro)
        intro.setMinimumHeight(intro.heightForWidth(520))
        self.first = self.add_row(
            "passphrase",
            "&Passphrase",
            secret_field("passphrase"),
            f"At least {MINIMUM_LENGTH} characters; three or four unrelated words work well.",
        )
        self.second = self.add_row("again", "&Again", secret_field("again"))
        self.chosen: Passphrase | None = None
        self.check = self._check

    def _check(self) -> Problems:
        problems = Problems()
        try:
            chosen = check_new(self.first.text())
        except PassphraseError as exc:
            problems.add("passphrase", exc.message)
            return problems
        if self.second.text() != self.first.text():
            problems.add("again", "The two passphrases differ; type the same one twice.")
            return problems
        self.chosen = chosen
        return problems


class LockPanel(QWidget):
    """What the window shows while locked: no data, only the passphrase field."""

    unlocked = Signal()

    def __init__(self, name: str, passphrase: Passphrase, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("lockPanel")
        self._passphrase = passphrase
        title = QLabel(f"{name} is locked")
        font = title.font()
        font.setPointSizeF(font.pointSizeF() * 1.5)
        font.setBold(True)
        title.setFont(font)
        said = QLabel(
            "casereview locked the window because it was not used for a while.\n"
            "Enter the database's passphrase to go on."
        )
        self.field = secret_field("unlockPassphrase")
        self.field.setAccessibleName("Passphrase")
        self.field.returnPressed.connect(self.try_unlock)
        button = QPushButton("&Unlock")
        button.setObjectName("unlockButton")
        button.clicked.connect(self.try_unlock)
        self.message = QLabel()
        self.message.setObjectName("unlockMessage")
        self.message.setStyleSheet("color: #a4161a;")
        row = QHBoxLayout()
        row.addWidget(self.field, 1)
        row.addWidget(button)
        column = QVBoxLayout()
        column.setSpacing(10)
        column.addWidget(title)
        column.addWidget(said)
        column.addLayout(row)
        column.addWidget(self.message)
        box = QWidget()
        box.setLayout(column)
        box.setMinimumWidth(540)
        outer = QVBoxLayout(self)
        outer.addStretch(1)
        outer.addWidget(box, 0, Qt.AlignmentFlag.AlignHCenter)
        outer.addStretch(2)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Keys stop here: over a dialog, Enter or Escape passed on to it would confirm or
        cancel it (the field lets Enter through after unlocking, when OK is back)."""
        event.accept()

    def try_unlock(self) -> None:
        if self._passphrase.matches(self.field.text()):
            self.field.clear()
            self.message.clear()
            self.unlocked.emit()
            return
        self.field.selectAll()
        self.message.setText(
            "That is not the passphrase of this database."
            if self.field.text()
            else "Enter the passphrase."
        )


class WindowCover(QObject):
    """One open window of the application (a dialog, a message box, a file dialog) while the
    main window is locked: its contents are hidden and disabled behind a lock panel, and its
    title says only that it is locked, so nothing in it can be read, typed into or confirmed.

    The window itself stays open (hiding a dialog would end its ``exec()`` as if cancelled and
    drop what was typed); ``restore`` gives back exactly what was there, focus included."""

    TITLE = "casereview is locked"

    def __init__(
        self, window: QWidget, panel: LockPanel, close_all: Callable[[], object] | None = None
    ) -> None:
        super().__init__(window)
        self.window, self.panel, self.close_all = window, panel, close_all
        self._title = window.windowTitle()
        self._focus = window.focusWidget()
        self._size = window.size()
        self._hidden = [
            child
            for child in window.findChildren(
                QWidget, options=Qt.FindChildOption.FindDirectChildrenOnly
            )
            if not child.isWindow() and child.isVisible()
        ]
        self._disabled = [child for child in self._hidden if child.isEnabled()]
        for child in self._hidden:
            child.hide()
        for child in self._disabled:
            child.setEnabled(False)
        window.setWindowTitle(self.TITLE)
        panel.setParent(window)
        panel.setAutoFillBackground(True)
        wanted = panel.minimumSizeHint()
        window.resize(max(window.width(), wanted.width()), max(window.height(), wanted.height()))
        panel.setGeometry(window.rect())
        window.installEventFilter(self)
        panel.show()
        panel.raise_()
        panel.field.setFocus()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Resize:
            self.panel.setGeometry(self.window.rect())
        if watched is self.window and event.type() == QEvent.Type.Close:
            # Closing it alone (Alt+F4) would throw away what was typed in it and leave the
            # rest locked; so a person's close is taken as closing the application. Its main
            # window cannot be closed: a dialog open as the lock began blocks it, and the Quit
            # action is disabled (a new user found no way to end the program).
            # Only a person's request (the window system's close), not the program's own
            # close() of a window whose work ended while locked.
            event.ignore()
            if self.close_all is not None and event.spontaneous():
                QTimer.singleShot(0, self.close_all)
            return True
        return False

    def close_locked(self) -> None:
        """The main window is closing while locked: close this one too, still covered (a
        dialog's ``exec()`` ends as if cancelled), rather than leave it open behind a panel
        nothing could unlock any more."""
        self.window.removeEventFilter(self)
        self.window.close()

    def restore(self) -> None:
        self.window.removeEventFilter(self)
        self.panel.hide()
        self.panel.deleteLater()
        for child in self._disabled:
            child.setEnabled(True)
        for child in self._hidden:
            child.show()
        self.window.setWindowTitle(self._title)
        self.window.resize(self._size)
        if self._focus is not None:
            self._focus.setFocus()
        self.deleteLater()


class Covers(QObject):
    """Every window of the application but the main one, covered while the main window is
    locked (see ``WindowCover``): those open when the lock starts, and any that opens while it
    lasts (a message box from work that finished, a progress dialog). Popups (a menu, a list
    opened from a field, a tooltip) are closed. Each cover's panel unlocks everything."""

    def __init__(
        self, main: QWidget, name: str, passphrase: Passphrase, unlock: Callable[[], None]
    ) -> None:
        super().__init__(main)
        self.main, self.name, self.passphrase, self.unlock = main, name, passphrase, unlock
        self.covers: dict[QWidget, WindowCover] = {}
        for window in QApplication.topLevelWidgets():
            if window.isVisible():
                self.cover(window)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)

    def belongs(self, window: QWidget) -> bool:
        """A window of this main window's (however deep its parent sits inside it), or one
        with no parent at all (a message box said for the whole application)."""
        parent = window.parentWidget()
        while parent is not None:
            if parent is self.main:
                return True
            parent = parent.parentWidget()
        return isinstance(window, QDialog) and window.parentWidget() is None

    def cover(self, window: QWidget) -> None:
        if (
            window is self.main
            or window in self.covers
            or isinstance(window, LockPanel)
            or not self.belongs(window)
        ):
            return
        if window.windowType() in (Qt.WindowType.Popup, Qt.WindowType.ToolTip):
            window.hide()
            return
        panel = LockPanel(self.name, self.passphrase)
        panel.unlocked.connect(self.unlock)
        self.covers[window] = WindowCover(window, panel, self.main.close)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QWidget) and watched.isWindow():
            self.cover(watched)
        return False

    def restore(self) -> None:
        self._end(WindowCover.restore)

    def close_locked(self) -> None:
        """The main window is closing while locked: every covered window closes with it."""
        self._end(WindowCover.close_locked)

    def _end(self, each: Callable[[WindowCover], None]) -> None:
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
        for cover in list(self.covers.values()):
            with suppress(RuntimeError):  # its window was deleted while locked (and it too)
                each(cover)
        self.covers.clear()
        self.deleteLater()


class IdleWatch(QObject):
    """Emits ``idle`` once no key, mouse button, wheel or touch has reached the application
    for ``minutes``; any such input starts the wait again."""

    idle = Signal()
    INPUT = frozenset(
        {
            QEvent.Type.KeyPress,
            QEvent.Type.MouseButtonPress,
            QEvent.Type.MouseMove,
            QEvent.Type.Wheel,
            QEvent.Type.TouchBegin,
        }
    )

    def __init__(self, minutes: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(max(1, round(minutes * 60_000)))
        self.timer.timeout.connect(self.idle)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in self.INPUT and self.timer.isActive():
            self.timer.start()
        return False

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
