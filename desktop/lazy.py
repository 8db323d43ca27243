"""Modules imported on first use.

The window paints its first page before SQLAlchemy is imported (see ``db.queries.first_page``), so
the modules it needs for that must not import the database layer when they load. They name the
database modules they call later through ``lazy``, under ``TYPE_CHECKING`` imports that keep the
names typed::

    if TYPE_CHECKING:
        from db.services import editing
    else:
        editing = lazy("db.services.editing")
"""

from __future__ import annotations

import importlib
import threading
from types import ModuleType
from typing import Any

# The thread importing the database layer beside the window, if one is
# (``desktop.context.PendingDatabase.start_loading``).
_loading: list[threading.Thread] = []


def set_loading(thread: threading.Thread) -> None:
    _loading[:] = [thread]


def wait_for_layer() -> None:
    """Wait until the database layer's import beside the window (if one is under way) has
    ended, so that the GUI thread never imports its modules while that thread does. Two
    threads importing modules that import each other do not wait for each other: each may
    be handed the other's half-imported module, and both imports then fail with an
    ImportError (seen with Back up… pressed as the window appeared: "cannot import name
    'AdaptedConnection' from partially initialized module 'sqlalchemy.engine'"). So every
    way the GUI thread reaches the layer waits here first: the window's menu commands
    (``MainWindow._action``), the lazy modules, opening the database (``context.database``)
    and building a tab that needs the layer (``MainWindow.tab_at``)."""
    if threading.current_thread() in _loading:
        return  # the loading thread itself
    waiting = [t for t in _loading if t.is_alive()]
    _loading.clear()
    if not waiting:
        return
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    busy = QApplication.instance() is not None  # a wait a user can see the cause of
    if busy:
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        for thread in waiting:
            thread.join()
    finally:
        if busy:
            QApplication.restoreOverrideCursor()


class LazyModule:
    """Stands for a module and imports it when one of its names is first used."""

    def __init__(self, name: str, *, needs_layer: bool = True) -> None:
        self._name = name
        self._needs_layer = needs_layer
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            if self._needs_layer:
                wait_for_layer()
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str, *, needs_layer: bool = True) -> Any:
    """``name``, imported on first use; unless it ``needs_layer`` not, after the database
    layer's import beside the window has ended (``wait_for_layer``)."""
    return LazyModule(name, needs_layer=needs_layer)
