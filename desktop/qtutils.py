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


def grow_to_fit(window: QWidget, wanted: QSize, parent: QWidget | None = None) -> QSize:
    """Grow ``window`` towards ``wanted`` as far as ``fit_to_screen`` allows, never shrinking
    it (a user may have made it larger), and move it up or left to keep it on the screen."""
    screen = (parent.screen() if parent is not None else None) or QGuiApplication.primaryScreen()
    room = screen.availableGeometry()
    size = QSize(
        min(wanted.width(), round(room.width() * SCREEN_SHARE)),
        min(wanted.height(), round(room.height() * SCREEN_SHARE)),
    ).expandedTo(window.size())
    if size != window.size():
        window.resize(size)
        frame = window.frameGeometry()
        dx = min(0, room.right() - frame.right()) if frame.left() > room.left() else 0
        dy = min(0, room.bottom() - frame.bottom()) if frame.top() > room.top() else 0
        if dx or dy:
            window.move(max(window.x() + dx, room.left()), max(window.y() + dy, room.top()))
    return size
