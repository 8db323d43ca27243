"""Every persisted setting, declared once with its type, default and meaning.

Widgets read and write settings only through these keys, so a misspelt key cannot silently
start a second setting, and the list below documents everything casereview remembers.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar, cast

from PySide6.QtCore import QByteArray, QSettings

T = TypeVar("T")


@dataclass(frozen=True)
class Key(Generic[T]):
    name: str
    default: T
    meaning: str


WINDOW_GEOMETRY = Key("window/geometry", QByteArray(), "main window size and position")
WINDOW_STATE = Key("window/state", QByteArray(), "main window toolbars and docks")
LAST_TAB = Key("window/last_tab", 0, "the tab shown when the window last closed")
RECENT_DATABASES = Key("files/recent", list[str](), "databases opened recently, newest first")
TRACKER_HEADER = Key("tracker/header", QByteArray(), "recommendations columns: widths, order")
TRACKER_SPLITTER = Key("tracker/splitter", QByteArray(), "recommendations table and detail")
TRACKER_FILTER = Key(
    "tracker/filter", dict[str, Any](), "the recommendations filter bar (one per database)"
)
REVIEWS_HEADER = Key("reviews/header", QByteArray(), "reviews columns: widths, order")
REVIEWS_SPLITTER = Key("reviews/splitter", QByteArray(), "reviews table and detail")
MEETINGS_HEADER = Key("meetings/header", QByteArray(), "meetings columns: widths, order")
MEETINGS_SPLITTER = Key("meetings/splitter", QByteArray(), "meetings list and agenda")
INSPECTIONS_SPLITTER = Key("inspections/splitter", QByteArray(), "inspections list and grades")
LOCK_AFTER_MINUTES = Key(
    "security/lock_after_minutes", 10, "idle minutes before an encrypted database's window locks"
)
YOUR_NAME = Key(
    "user/name", "", "the name updates and briefing packs give for you; empty: your sign-in name"
)
MARKING = Key(
    "briefing/marking", "OFFICIAL-SENSITIVE", "the protective marking a briefing pack starts with"
)

ALL_KEYS = [
    WINDOW_GEOMETRY,
    WINDOW_STATE,
    LAST_TAB,
    RECENT_DATABASES,
    TRACKER_HEADER,
    TRACKER_SPLITTER,
    TRACKER_FILTER,
    REVIEWS_HEADER,
    REVIEWS_SPLITTER,
    INSPECTIONS_SPLITTER,
    MEETINGS_HEADER,
    MEETINGS_SPLITTER,
    LOCK_AFTER_MINUTES,
    YOUR_NAME,
    MARKING,
]


class Place(Protocol):
    """Where a database lives, as ``db.store.location.Location`` and a pending file name it."""

    @property
    def path(self) -> Path | None: ...

    def display(self) -> str: ...


def per_database(key: Key[T], place: Place) -> Key[T]:
    """``key`` kept apart for one database, so that each opens as it was left: a filter that
    suits one database would show another nothing. The database is named by its file's full
    path, or its server address without the password; the key holds a hash of that, of one
    length whatever the path, and never a password."""
    where = str(place.path.resolve()) if place.path is not None else place.display()
    digest = hashlib.sha256(where.encode("utf-8")).hexdigest()[:20]
    return Key(f"{key.name}/{digest}", key.default, key.meaning)


def _as_type_of(default: object, value: object) -> object:
    """``value`` as QSettings read it back (an INI file gives strings), converted to the type
    of ``default``; ``default`` when there is none or it cannot be converted."""
    if value is None:
        return default
    if isinstance(default, bool):
        return value if isinstance(value, bool) else value in ("true", "1", 1)
    if isinstance(default, int):
        try:
            return int(value) if isinstance(value, int | float | str) else default
        except ValueError:  # a setting edited by hand into nonsense: its default (no log)
            return default
    if isinstance(default, list):
        if isinstance(value, list):
            return [str(v) for v in value]
        return [str(value)] if value else []
    if isinstance(default, dict):
        return value if isinstance(value, dict) else default
    if isinstance(default, QByteArray):
        return value if isinstance(value, QByteArray) else default
    return value


class Settings:
    """Typed access to QSettings through the declared keys."""

    def __init__(self, store: QSettings | None = None) -> None:
        self.store = store if store is not None else QSettings("casereview", "casereview")
        self._make_private()

    def get(self, key: Key[T]) -> T:
        """The stored value as the key's type: its default when missing or unreadable."""
        return cast("T", _as_type_of(key.default, self.store.value(key.name)))

    def set(self, key: Key[T], value: T) -> None:
        self.store.setValue(key.name, value)

    def sync(self) -> None:
        self.store.sync()
        self._make_private()

    def _make_private(self) -> None:
        """The settings file names the databases opened and keeps the filter last typed, so
        on POSIX it is its owner's only (0600), made so before Qt first writes it (Qt keeps a
        file's mode when it rewrites it), in a folder made 0700 if casereview makes it."""
        if os.name != "posix" or self.store.format() == QSettings.Format.InvalidFormat:
            return
        path = Path(self.store.fileName())
        if not path.is_absolute():
            return
        try:
            if not path.parent.exists():
                path.parent.mkdir(mode=0o700, parents=True)
            if not path.exists():
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            found = path.lstat()
            if stat.S_ISREG(found.st_mode) and found.st_uid == os.getuid():
                path.chmod(0o600)
        except OSError:
            pass  # a settings file that cannot be made private is still only settings
