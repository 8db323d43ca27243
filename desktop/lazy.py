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
from types import ModuleType
from typing import Any


class LazyModule:
    """Stands for a module and imports it when one of its names is first used."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        if self._module is None:
            self._module = importlib.import_module(self._name)
        return getattr(self._module, attribute)

    def __repr__(self) -> str:
        return f"<lazy module {self._name!r}>"


def lazy(name: str) -> Any:
    return LazyModule(name)
