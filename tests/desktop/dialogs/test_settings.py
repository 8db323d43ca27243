"""Settings read back from a real INI file come back as their keys' types, or their defaults."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

from desktop import settings as keys
from desktop.settings import Settings


def _written(tmp_path: Path, text: str) -> Settings:
    path = tmp_path / "settings.ini"
    path.write_text(text, encoding="utf-8")
    return Settings(QSettings(str(path), QSettings.Format.IniFormat))


def test_values_written_come_back_as_their_types(tmp_path: Path) -> None:
    path = tmp_path / "settings.ini"
    written = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    written.set(keys.LAST_TAB, 3)
    written.set(keys.RECENT_DATABASES, ["/a.sqlite3", "/b.sqlite3"])
    written.set(keys.TRACKER_FILTER, {"text": "bruising", "overdue": True})
    written.set(keys.WINDOW_GEOMETRY, QByteArray(b"\x01\x02"))
    written.sync()

    # Qt shares one cache per file within a process; a copy is read from the file itself.
    copy = tmp_path / "copy.ini"
    copy.write_bytes(path.read_bytes())
    read = Settings(QSettings(str(copy), QSettings.Format.IniFormat))
    assert read.get(keys.LAST_TAB) == 3
    assert read.get(keys.RECENT_DATABASES) == ["/a.sqlite3", "/b.sqlite3"]
    assert read.get(keys.TRACKER_FILTER) == {"text": "bruising", "overdue": True}
    assert read.get(keys.WINDOW_GEOMETRY) == QByteArray(b"\x01\x02")


def test_missing_values_give_the_defaults(tmp_path: Path) -> None:
    read = _written(tmp_path, "")
    for key in keys.ALL_KEYS:
        assert read.get(key) == key.default


def test_a_number_written_by_hand_is_read_as_a_number(tmp_path: Path) -> None:
    read = _written(tmp_path, "[window]\nlast_tab=2\n[security]\nlock_after_minutes=15\n")
    assert read.get(keys.LAST_TAB) == 2
    assert read.get(keys.LOCK_AFTER_MINUTES) == 15


def test_unreadable_values_give_the_defaults(tmp_path: Path) -> None:
    read = _written(
        tmp_path,
        "[window]\nlast_tab=second\ngeometry=wide\n[tracker]\nfilter=everything\n",
    )
    assert read.get(keys.LAST_TAB) == keys.LAST_TAB.default
    assert read.get(keys.WINDOW_GEOMETRY) == keys.WINDOW_GEOMETRY.default
    assert read.get(keys.TRACKER_FILTER) == keys.TRACKER_FILTER.default


def test_a_single_recent_database_is_read_as_a_list(tmp_path: Path) -> None:
    # QSettings writes a one-item list as a plain value in an INI file.
    assert _written(tmp_path, "[files]\nrecent=/only.sqlite3\n").get(keys.RECENT_DATABASES) == [
        "/only.sqlite3"
    ]


def test_a_database_s_own_key_names_it_by_place_never_by_password(tmp_path: Path) -> None:
    from db.store.location import resolve_location
    from desktop.context import PendingDatabase

    def name(place: keys.Place) -> str:
        return keys.per_database(keys.TRACKER_FILTER, place).name

    file = tmp_path / "a.sqlite3"
    # The same file, named before and after it is opened, and by another spelling of its path.
    assert name(PendingDatabase(file)) == name(resolve_location(str(file)))
    assert name(resolve_location(str(tmp_path / "." / "a.sqlite3"))) == name(PendingDatabase(file))
    assert name(PendingDatabase(file)) != name(PendingDatabase(tmp_path / "b.sqlite3"))
    server = "postgresql+psycopg://panel:{}@db.example/casereview"
    one, two = (resolve_location(server.format(p)) for p in ("first-secret", "second-secret"))
    assert name(one) == name(two) and "secret" not in name(one)
    assert name(one).startswith(keys.TRACKER_FILTER.name + "/")
