"""Small helpers every window of casereview shares."""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication, QKeySequence, QResizeEvent
from PySide6.QtWidgets import QDialogButtonBox, QLabel, QStatusBar, QWidget

SCREEN_SHARE = 0.9  # of the screen's free area (less any task bar), at most
# How long a message that shows unprompted ignores the keyboard, after it shows and after
# each key it ignored: long enough to see it, short enough not to be noticed as a wait.
KEY_GUARD_MS = 700


def as_label(text: str) -> str:
    """``text`` from the user's data (a column's heading, a status word) as a label's text:
    each "&" doubled, so that it shows as "&" rather than making the next letter an access
    key ("R&D lead" showed as "RD lead", with Alt+D going to it)."""
    return text.replace("&", "&&")


# The standard buttons' texts with the access keys GNOME's Qt theme gives them. Qt's own texts
# (and so those of Windows, KDE and a plain X11 desktop) have none: a new user's Alt+O in the
# meeting dialog typed an "o" into the attendee's name instead of pressing OK.
STANDARD_BUTTON_TEXTS = {
    QDialogButtonBox.StandardButton.Ok: "&OK",
    QDialogButtonBox.StandardButton.Save: "&Save",
    QDialogButtonBox.StandardButton.Cancel: "&Cancel",
    QDialogButtonBox.StandardButton.Close: "&Close",
}


def with_access_keys(box: QDialogButtonBox) -> QDialogButtonBox:
    """``box`` with an access key on each standard button that has none (OK, Cancel, Close,
    Save), the same on every desktop; a dialog's fields keep clear of those letters."""
    for button in box.buttons():
        text = STANDARD_BUTTON_TEXTS.get(box.standardButton(button))
        if text is not None and "&" not in button.text():
            button.setText(text)
    return box


@contextmanager
def busy_cursor() -> Iterator[None]:
    """The busy cursor over every window for the block: work on the GUI thread that a user
    may wait on (another program's write lock, say) shows it is working, not hung."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        yield
    finally:
        QGuiApplication.restoreOverrideCursor()


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


def keep_on_screen(window: QWidget) -> bool:
    """Bring the top-level ``window`` inside the free area (less any task bar) of the screen
    it is on, frame and all: made smaller where it is larger than that area (as far as its
    minimum size allows), moved in where an edge is off it, left as it is where it fits. Says
    whether it changed. A maximised or full-screen window is the window system's to place."""
    if window.isMaximized() or window.isFullScreen():
        return False
    inner, frame = window.geometry(), window.frameGeometry()
    screen = QGuiApplication.screenAt(inner.center()) or window.screen()
    room = screen.availableGeometry()
    if room.contains(frame):
        return False
    extra = frame.size() - inner.size()  # the title bar and borders, once it has them
    size = inner.size().boundedTo(room.size() - extra).expandedTo(window.minimumSize())
    if size != inner.size():
        window.resize(size)
    width, height = size.width() + extra.width(), size.height() + extra.height()
    # The frame's top left corner inside the free area; the top and left edges first, where
    # the window is still larger than the area (its minimum size), so its title bar shows.
    x = max(room.left(), min(frame.left(), room.left() + room.width() - width))
    y = max(room.top(), min(frame.top(), room.top() + room.height() - height))
    if (x, y) != (frame.left(), frame.top()):
        window.move(x, y)  # a window's position is its frame's
    return True


Part = tuple[str, Qt.TextElideMode | None]  # a label's text, elided as the mode says (None: not)


# A part kept whole while the label has room, and elided in the middle, after the parts that
# are elided first, when it has not: a path's file name (``path_parts``).
KEPT_IF_ROOM = Qt.TextElideMode.ElideNone


def path_parts(where: str) -> list[Part]:
    """A file's path as a label's parts: its folder elided in the middle first, then its name
    (a third of a laptop's status bar cut "panel-2026.sqlite3" to "2026.sqlite3"); anything
    else (a database's URL) elided in the middle."""
    if "://" in where:
        return [(where, Qt.TextElideMode.ElideMiddle)]
    cut = max(where.rfind("/"), where.rfind("\\")) + 1
    if cut <= 1:
        return [(where, Qt.TextElideMode.ElideMiddle)]
    return [(where[:cut], Qt.TextElideMode.ElideMiddle), (where[cut:], KEPT_IF_ROOM)]


class ElidedLabel(QLabel):
    """A label that fits its text to its width, eliding the parts that may be (a path in the
    middle, so its file name stays) and never asking for more room than it has, with the
    whole text as its tooltip: a long path with no space was cut off at the right edge (the
    merge dialog's opening, the main window's status bar, both found by a new user).

    Wrapped (``wrap``), each part elided is fitted to a line of its own width and the text
    wraps around it; on one line, the parts elided share what the others leave, then the
    parts ``KEPT_IF_ROOM`` are elided too, and where even the parts kept whole do not fit,
    the whole text is cut as ``fallback`` says; the label asks for the whole text's width, so
    it shows more again when given more room. The tooltip is set when anything is elided, or
    always (``tip_always``)."""

    def __init__(
        self,
        parts: Sequence[Part] = (),
        width: int = 0,
        *,
        wrap: bool = False,
        tip_always: bool = False,
        fallback: Qt.TextElideMode = Qt.TextElideMode.ElideMiddle,
    ) -> None:
        """``width``: the width to fit the text to until the label is given one."""
        super().__init__()
        self._wrap, self._tip_always, self._fallback = wrap, tip_always, fallback
        self._parts: tuple[Part, ...] = ()
        self._fitted_to = -1
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(wrap)
        # Any width will do: the text is fitted to the width given (so never asks for more).
        self.setMinimumWidth(self.fontMetrics().averageCharWidth() * (30 if wrap else 10))
        self.set_parts(parts, width)

    def whole_text(self) -> str:
        return "".join(text for text, _ in self._parts)

    def set_parts(self, parts: Sequence[Part], width: int | None = None) -> None:
        """Show ``parts`` instead, fitted to ``width`` (else the label's own)."""
        self._parts = tuple(parts)
        self.updateGeometry()  # its size hint is the whole text's
        self._fit(self.contentsRect().width() if width is None else width)

    def sizeHint(self) -> QSize:
        hint = super().sizeHint()
        if self._wrap:
            return hint
        margins = self.contentsMargins()
        wanted = self.fontMetrics().horizontalAdvance(self.whole_text()) + 2 * self.margin()
        return QSize(wanted + margins.left() + margins.right() + 2, hint.height())

    def minimumSizeHint(self) -> QSize:
        hint = super().minimumSizeHint()
        return hint if self._wrap else QSize(self.minimumWidth(), hint.height())

    def _fit(self, width: int) -> None:
        self._fitted_to = width
        metrics = self.fontMetrics()
        least = metrics.averageCharWidth() * 10
        room = max(width - metrics.averageCharWidth(), least)
        whole = self.whole_text()
        if not self._wrap:
            self._show(whole, self._one_line(width, least))
            return
        shown = "".join(
            text if mode is None else metrics.elidedText(text, mode, room)
            for text, mode in self._parts
        )
        self._show(whole, shown)

    def _one_line(self, width: int, least: int) -> str:
        """The parts on one line of ``width``: the parts elided first share what the others
        leave; if that is less than ``least`` each, they are cut to a few characters and the
        parts kept if there is room share what is left; if even that is too little, the whole
        text cut as ``fallback`` says."""
        metrics = self.fontMetrics()
        kept = sum(metrics.horizontalAdvance(text) for text, mode in self._parts if mode is None)
        named = [text for text, mode in self._parts if mode is KEPT_IF_ROOM]
        elided = [mode for _, mode in self._parts if mode is not None and mode is not KEPT_IF_ROOM]
        names = sum(metrics.horizontalAdvance(text) for text in named)
        room = (width - kept - names - 2) // max(len(elided), 1)
        if room >= least or (not elided and kept + names + 2 <= width):
            return "".join(
                text
                if mode is None or mode is KEPT_IF_ROOM
                else metrics.elidedText(text, mode, room)
                for text, mode in self._parts
            )
        few = metrics.averageCharWidth() * 4
        name_room = (width - kept - few * len(elided) - 2) // max(len(named), 1)
        if named and name_room >= metrics.averageCharWidth() * 8:
            return "".join(
                text
                if mode is None
                else metrics.elidedText(
                    text,
                    Qt.TextElideMode.ElideMiddle if mode is KEPT_IF_ROOM else mode,
                    name_room if mode is KEPT_IF_ROOM else few,
                )
                for text, mode in self._parts
            )
        return metrics.elidedText(self.whole_text(), self._fallback, width)

    def _show(self, whole: str, shown: str) -> None:
        self.setText(shown)
        self.setToolTip(whole if self._tip_always or shown != whole else "")

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        width = self.contentsRect().width()
        if width != self._fitted_to:
            self._fit(width)


class StatusBar(QStatusBar):
    """A status bar whose messages are cut at their end ("…") where they do not fit beside
    its lasting widgets, the whole in its tooltip and in ``currentMessage``: Qt clips them
    mid-letter, and a trial's "Minutes saved to Minutes of the Case Review Subgroup meeting
    — 19 Decemb" ran into the copy's notice. Fitted again as the bar or its lasting widgets
    change size, for the time the message has left."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._whole = ""
        self._until = 0.0  # time.monotonic() at which the message goes; 0: it stays
        self._lasting: list[QWidget] = []
        self.messageChanged.connect(self._changed)

    def _changed(self, shown: str) -> None:
        if not shown:  # cleared, or gone at its time: its tooltip with it (a trial saw one stay)
            self._whole = ""
            self.setToolTip("")

    def addPermanentWidget(self, widget: QWidget, stretch: int | None = 0) -> None:
        super().addPermanentWidget(widget, stretch or 0)
        self._lasting.append(widget)
        widget.installEventFilter(self)

    def showMessage(self, text: str, timeout: int | None = 0) -> None:
        timeout = timeout or 0
        self._whole = text
        self._until = time.monotonic() + timeout / 1000 if timeout > 0 else 0.0
        self._set_tip(text)
        super().showMessage(self._fitted(text), timeout)

    def currentMessage(self) -> str:
        return self._whole if super().currentMessage() else ""

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._refit()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show):
            self._refit()
        return False

    def _room(self) -> int:
        """The message's width, as Qt works it out: from 6 pixels in to 2 before the first
        lasting widget shown (or 12 before the bar's end)."""
        right = min([self.width() - 12, *(w.x() - 2 for w in self._lasting if w.isVisible())])
        return max(0, right - 6)

    def _fitted(self, text: str) -> str:
        return self.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, self._room())

    def _set_tip(self, text: str) -> None:
        self.setToolTip(text if text and self._fitted(text) != text else "")

    def _refit(self) -> None:
        if not self._whole or not super().currentMessage():
            return
        fitted = self._fitted(self._whole)
        if fitted == super().currentMessage():
            return
        left = 0
        if self._until:
            left = round((self._until - time.monotonic()) * 1000)
            if left <= 0:
                return  # going: Qt's timer clears it
        self._set_tip(self._whole)
        super().showMessage(fitted, left)


def redo_keys() -> list[QKeySequence]:
    """Redo's keys: the platform's (Ctrl+Shift+Z on some), and Ctrl+Y on every platform, once
    each (bound twice, a key is ambiguous to Qt and does nothing: meeting mode's Ctrl+Y)."""
    keys = QKeySequence.keyBindings(QKeySequence.StandardKey.Redo)
    return keys + [k for k in [QKeySequence("Ctrl+Y")] if k not in keys]


_KEY_EVENTS = frozenset(
    {
        QEvent.Type.KeyPress,
        QEvent.Type.KeyRelease,
        QEvent.Type.ShortcutOverride,  # how a mnemonic (Alt+S, or S alone) reaches a button
        QEvent.Type.Shortcut,
    }
)


class _KeyGuard(QObject):
    """Swallows the keys meant for ``box`` until ``ms`` have passed since it showed and since
    the last key it swallowed (see ``guard_keys``). Installed on the application while it
    guards, as the keys go to whichever button of the box has the focus, and a mnemonic's
    Shortcut event to its button, not to the box itself."""

    def __init__(self, box: QWidget, ms: int) -> None:
        super().__init__(box)
        self.setObjectName("keyGuard")
        self._box, self._ms = box, ms
        self._until = 0.0  # time.monotonic() until which keys are swallowed
        self._lift = QTimer(self)
        self._lift.setSingleShot(True)
        self._lift.setTimerType(Qt.TimerType.PreciseTimer)
        self._lift.timeout.connect(self._lifted)
        box.installEventFilter(self)

    def guarding(self) -> bool:
        return time.monotonic() < self._until

    def _hold(self) -> None:
        self._until = time.monotonic() + self._ms / 1000
        self._lift.start(self._ms)

    def _lifted(self) -> None:
        left = self._until - time.monotonic()
        if left > 0:  # a timer may end a little early: the guard holds to its end
            self._lift.start(max(1, round(left * 1000)))
            return
        application = QCoreApplication.instance()
        if application is not None:
            application.removeEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Show and watched is self._box:
            self._hold()
            application = QCoreApplication.instance()
            if application is not None:
                application.installEventFilter(self)
        elif (
            kind in _KEY_EVENTS
            and self.guarding()
            and isinstance(watched, QWidget)
            and (watched is self._box or self._box.isAncestorOf(watched))
        ):
            self._hold()  # still typing: the guard lasts until the keys have paused
            return True
        return False


def guard_keys(box: QWidget, ms: int = KEY_GUARD_MS) -> None:
    """Make ``box`` (a message that may show unprompted: when work in the background ends, or
    a damaged database is found as the window starts) ignore the keyboard until ``ms`` have
    passed since it showed and since the last key it ignored; a click works at once.

    A user typing in the window when it showed typed into it instead: a space pressed its
    focused button, a letter a button's mnemonic, and a new user's search closed the
    damaged-database message, and so the application, before it was read. Escape is held off
    too: it closes a message as surely as its button does."""
    _KeyGuard(box, ms)


def keys_guarded(box: QWidget) -> bool:
    """Whether ``box`` ignores the keyboard just now (``guard_keys``)."""
    guard = box.findChild(_KeyGuard, "keyGuard")
    return guard is not None and guard.guarding()
