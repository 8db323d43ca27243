"""The window's fixtures: a real database file, private settings, and the window over them."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QSettings

from db.services.dataset import load_sample
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import make_window


@pytest.fixture(autouse=True)
def private_tmpdir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """The system's temporary folder as casereview sees it: a fresh one for each test, never
    the real one (evidence copies and what start-up clears live there)."""
    folder = tmp_path_factory.mktemp("tmpdir")
    monkeypatch.setenv("TMPDIR", str(folder))
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


@pytest.fixture
def db_file(tmp_path: Path) -> Iterator[Database]:
    database = open_database(resolve_location(str(tmp_path / "window.sqlite3")), create=True)
    yield database
    database.close()


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat))


@pytest.fixture
def window(qtbot, db_file: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    return make_window(qtbot, db_file, settings)


@pytest.fixture
def sample_window(qtbot, db_file: Database, settings: Settings) -> MainWindow:  # type: ignore[no-untyped-def]
    with db_file.transaction("setup") as session:
        load_sample(session, TODAY)
    return make_window(qtbot, db_file, settings)
