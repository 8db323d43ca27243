"""A window over a copy taken to a meeting (db.services.checkout) says so, in its title and its
status bar: of what, when and by whom; a window over any other database does not."""

from __future__ import annotations

from pathlib import Path

from db.core.dates import format_date, utc_now
from db.services.checkout import Scope, check_out
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import make_window


def test_a_copy_says_what_it_is_a_copy_of(  # type: ignore[no-untyped-def]
    qtbot, sample_window: MainWindow, db_file: Database, settings: Settings, tmp_path: Path
) -> None:
    assert "Copy of" not in sample_window.windowTitle()
    assert sample_window.copy_label.isHidden()
    target = tmp_path / "laptop.sqlite3"
    check_out(db_file, target, scope=Scope(), actor="Sam Patel", today=TODAY)
    with open_database(resolve_location(str(target))) as copy:
        window = make_window(qtbot, copy, settings)
        day = format_date(utc_now().astimezone().date())
        said = f"Copy of {db_file.location.display()} taken {day} by Sam Patel"
        assert window.windowTitle() == f"laptop.sqlite3 ({said}) \u2014 casereview"
        assert window.copy_label.text() == said
        assert window.copy_label.isVisible()
        window.close()
