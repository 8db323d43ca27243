"""The window's security workflows: encrypt the open database with a passphrase, and lock the
window (every window of it) when it is left unused, until the passphrase is given again.

What is said about protection (the status bar's label, the File menu's action, the offer on
an empty database's banner) is shown on the window's widgets handed to ``show_on``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget

from db.core.errors import CaseReviewError
from desktop import settings as keys
from desktop.actions.files import FileActions, say_failure
from desktop.background import Progress, run_in_background
from desktop.context import AppContext
from desktop.qtutils import ElidedLabel, path_parts

if TYPE_CHECKING:
    from db.services.encrypt import Encrypted
    from db.store.cipher import Passphrase
    from db.store.location import Location
    from desktop.dialogs.passphrase import Covers, IdleWatch


class SecurityActions(QObject):
    """Encryption and the idle lock of one window (``window``); ``files`` keeps the copies,
    which must be left alone while the file is encrypted."""

    def __init__(self, context: AppContext, window: QMainWindow, files: FileActions) -> None:
        super().__init__(window)
        self.context, self.window, self.files = context, window, files
        self._failed = say_failure(context, window)
        self._progress: object = None
        self.locked = False
        self.idle_watch: IdleWatch | None = None
        self._shown: tuple[ElidedLabel, QAction, QWidget] | None = None
        self._enabled: list[QAction] = []
        self._covers: Covers | None = None
        self._content: QWidget | None = None

    def show_on(self, label: ElidedLabel, action: QAction, offer: QWidget) -> None:
        """Say on these whether the data is encrypted, now and after encrypting it."""
        self._shown = (label, action, offer)
        self.show_protection()

    def show_protection(self) -> None:
        """Say in the status bar whether the data is encrypted; offer to encrypt a plain
        SQLite file; watch for idleness when it is encrypted."""
        place = self.context.place
        path = place.path
        encrypted = path is not None and place.is_encrypted
        state = "" if path is None else (" (encrypted)" if encrypted else " (not encrypted)")
        if self._shown is not None:
            label, action, offer = self._shown
            label.set_parts([("Data: ", None), *path_parts(str(place)), (state, None)])
            action.setEnabled(path is not None and not encrypted)
            offer.setVisible(path is not None and not encrypted)
        if encrypted and self.idle_watch is None:
            from desktop.dialogs.passphrase import IdleWatch

            minutes = self.context.settings.get(keys.LOCK_AFTER_MINUTES)
            self.idle_watch = IdleWatch(max(1, minutes), self.window)
            self.idle_watch.idle.connect(self.lock)

    # -- encryption

    def encrypt_database(self) -> None:
        """Ask for a new passphrase, then encrypt the database (and its kept copies)."""
        from desktop.dialogs.passphrase import NewPassphraseDialog

        place = self.context.place
        if place.path is None:
            return
        dialog = NewPassphraseDialog(place.path.name, self.window)
        if dialog.exec() and dialog.chosen is not None:
            self.encrypt_with(dialog.chosen)

    def encrypt_with(self, passphrase: Passphrase) -> None:
        """Encrypt the open database in place off the GUI thread (Cancel stops it, nothing
        changed) and go on over the encrypted file; if it cannot be encrypted, say why and go
        on as before (it was left as it was)."""
        from db.services.encrypt import EncryptError, encrypt

        database = self.context.database
        location = database.location
        if self.files.copying is not None:
            self.files.copying.join()  # the copy being kept must finish before the file changes
        if database.engine.pool.checkedout():  # type: ignore[attr-defined]
            self.context.explain(
                CaseReviewError("casereview is still saving; try again in a moment."),
                self.window,
            )
            return
        database.close()  # this window's connections, so the file can be locked

        def work(progress: Progress) -> Encrypted:
            progress.check()
            try:
                return encrypt(location, passphrase, stop=lambda: progress.cancelled)
            except EncryptError:
                progress.check()  # interrupted by Cancel: said as a cancel
                raise

        def done(result: Encrypted) -> None:
            self.context.reopen(location.with_passphrase(passphrase))
            self._encrypted(location, result)

        self._progress = run_in_background(
            self.window, f"Encrypting {location.name}…", work, done, self._failed
        )

    def _encrypted(self, location: Location, done: Encrypted) -> None:
        self.show_protection()
        copies = len(done.copies)
        also = f" and {copies} cop{'y' if copies == 1 else 'ies'} kept beside it" if copies else ""
        left = (
            f"; {len(done.left_plain):,} kept file(s) could not be encrypted and still hold "
            "plaintext: check them and delete them once nobody needs them"
            if done.left_plain
            else ""
        )
        self.window.statusBar().showMessage(f"Encrypted {location.name}{also}{left}.", 20_000)

    # -- the idle lock

    def lock(self) -> None:
        """Hide every record behind the passphrase: the tabs give way to the lock panel, every
        other window of this one (a tab's dialog, a message box, a file dialog) is covered by
        one too (covered, not closed: what was typed in it is kept), the actions are disabled,
        saving is held (``AppContext.locked``), and the database's idle connections closed."""
        from desktop.dialogs.passphrase import Covers, LockPanel

        window, database = self.window, self.context.database
        passphrase = database.location.passphrase
        if self.locked or passphrase is None or not window.isVisible():
            return
        self.locked = self.context.locked = True
        self._enabled = [a for a in window.findChildren(QAction) if a.isEnabled()]
        for action in self._enabled:
            action.setEnabled(False)
        # The dialogs first: a tab's dialog is parented inside the central widget.
        self._covers = Covers(window, self.context.place.name, passphrase, self.unlock)
        self._content = window.takeCentralWidget()  # put back on unlocking
        window.statusBar().clearMessage()  # it may name a record or an opened evidence file
        window.statusBar().hide()  # its counts say what the database holds
        panel = LockPanel(self.context.place.name, passphrase)
        panel.unlocked.connect(self.unlock)
        window.setCentralWidget(panel)
        if not self._covers.covers:
            panel.field.setFocus()
        database.engine.dispose()

    def close_locked(self) -> None:
        """The window is closing while locked (the platform's Quit key, the session ending):
        a change confirmed as the lock started is saved, as unlocking would have (its window
        still covered, so a message about it shows nothing), then every window covered by
        the lock closes with this one; none stays open behind a panel nobody could unlock."""
        if not self.locked:
            return
        if self.context.held:
            self.context.release()
            self.context.locked = True
        if self._covers is not None:
            self._covers.close_locked()
            self._covers = None

    def unlock(self) -> None:
        if not self.locked:
            return
        window = self.window
        panel = window.takeCentralWidget()
        if panel is not None:
            panel.deleteLater()
        if self._content is not None:
            window.setCentralWidget(self._content)
            self._content.show()  # taken out, it was hidden
        window.statusBar().show()
        if self._covers is not None:
            self._covers.restore()
        for action in self._enabled:
            action.setEnabled(True)
        self.locked = False
        if self.idle_watch is not None:
            self.idle_watch.timer.start()
        self.context.release()  # a change confirmed as the lock started is saved now
        self.context.data_changed.emit()
