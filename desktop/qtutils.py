"""Small helpers every window of casereview shares."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSize, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QWidget

SCREEN_SHARE = 0.9  # of the screen's free area (less any task bar), at most


def open_folder(folder: Path, what: str) -> str | None:
    """Show ``folder`` in the file manager; None when a program took it, else the sentence
    that names the folder (``what``, "The log folder"), so the user can find it themselves.
    With no launcher installed Qt only writes "Launch of ... failed" to stderr, and the user
    saw nothing happen."""
    if QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder))):
        return None
    return f"No program on this computer opens folders; {what} is {folder}."


def fit_to_screen(window: QWidget, wanted: QSize, parent: QWidget | None = None) -> QSize:
    """Size ``window`` to ``wanted``, or less where the screen it opens on (its parent's, else
    the primary one) has less room: a dialog laid out for 1440x900 must still show its buttons
    on a 1366x768 laptop or at 150 % scaling."""
    screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().size()
    size = QSize(
        min(wanted.width(), round(room.width() * SCREEN_SHARE)),
        min(wanted.height(), round(room.height() * SCREEN_SHARE)),
    )
    window.resize(size)
    return size
