"""Files casereview writes on this computer are private: evidence opened in the system's viewer
leaves no plaintext behind, and every file written is its owner's only (0600, folders 0700)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QUrl

from db.services.dataset import load_sample
from db.store.cipher import Passphrase
from db.store.database import Database, open_database
from db.store.location import resolve_location
from desktop.app import Controller
from desktop.files import EVIDENCE_PREFIX, EvidenceCopies, clear_left_evidence
from desktop.settings import Settings
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.window import make_window

SECRET = "correct horse battery staple"
CHILD_A = "FSCP-CSPR-CHILD-A"
NO_VIEWER = "does not support QPlatformServices::openDocument"


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def encrypted_db(tmp_path: Path) -> Iterator[Database]:
    location = resolve_location(str(tmp_path / "locked.sqlite3")).with_passphrase(
        Passphrase(SECRET)
    )
    with open_database(location, create=True) as database, database.transaction("t") as session:
        load_sample(session, TODAY)
    database = open_database(location)
    yield database
    database.close()


def open_evidence(window: MainWindow) -> Path:
    """Open the first evidence file of CHILD-A 1 from the detail pane, as its link does."""
    tab = window.recommendations_tab
    window.tabs.setCurrentWidget(tab)
    row = next(n for n, r in enumerate(tab.model.rows) if r.source == CHILD_A and r.number == "1")
    tab.view.selectRow(row)
    evidence_id = tab.detail.toHtml().split("evidence:")[1].split('"')[0]
    tab._open_link(QUrl(f"evidence:{evidence_id}"))
    opened: Path = tab.last_opened
    return opened


@pytest.mark.qt_log_ignore(NO_VIEWER)
def test_opened_evidence_is_private_said_plainly_and_removed_with_the_window(
    qtbot, encrypted_db: Database, settings: Settings, private_tmpdir: Path
) -> None:
    window = make_window(qtbot, encrypted_db, settings)
    opened = open_evidence(window)
    again = open_evidence(window)  # the same name twice: both open
    assert opened.read_text().startswith("Fictional audit summary")
    assert again != opened and again.read_bytes() == opened.read_bytes()
    folder = window.context.evidence.folder
    assert folder is not None and folder.parent == private_tmpdir
    assert folder.name.startswith(f"{EVIDENCE_PREFIX}{os.getpid()}-")
    assert mode(folder) == 0o700 and mode(opened.parent) == 0o700 and mode(opened) == 0o600
    said = window.statusBar().currentMessage()
    assert "not encrypted while it is open" in said and "removes it when" in said

    window.close()
    assert not folder.exists()
    assert list(private_tmpdir.iterdir()) == []


@pytest.mark.qt_log_ignore(NO_VIEWER)
def test_a_plain_database_says_where_the_copy_is_without_calling_it_unencrypted(
    sample_window: MainWindow,
) -> None:
    open_evidence(sample_window)
    said = sample_window.statusBar().currentMessage()
    assert "removes it when this window closes" in said and "not encrypted" not in said


@pytest.mark.qt_log_ignore(NO_VIEWER)
def test_quitting_removes_the_copies(
    qtbot, encrypted_db: Database, settings: Settings, private_tmpdir: Path
) -> None:
    controller = Controller(settings)
    controller.window = make_window(qtbot, encrypted_db, settings)
    opened = open_evidence(controller.window)
    controller.remove_copies()  # what the application's aboutToQuit does
    assert not opened.exists() and list(private_tmpdir.iterdir()) == []


def test_start_up_clears_only_what_a_crashed_casereview_of_this_user_left(
    private_tmpdir: Path, tmp_path: Path
) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead_pid = int(ended.stdout)
    crashed = private_tmpdir / f"{EVIDENCE_PREFIX}{dead_pid}-abc123"
    older = private_tmpdir / f"{EVIDENCE_PREFIX}k2j4h5g6"  # before folders carried a process id
    for left in (crashed, older):
        (left / "x").mkdir(parents=True)
        (left / "x" / "report.pdf").write_bytes(b"%PDF plaintext")
    running = private_tmpdir / f"{EVIDENCE_PREFIX}{os.getppid()}-def456"  # still in use
    running.mkdir()
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "keep.txt").write_text("not casereview's")
    link = private_tmpdir / f"{EVIDENCE_PREFIX}1-link"
    link.symlink_to(outside, target_is_directory=True)
    a_file = private_tmpdir / f"{EVIDENCE_PREFIX}note"
    a_file.write_text("a file of that name is not casereview's folder")
    other = private_tmpdir / "someone-elses-folder"
    other.mkdir()
    theirs = private_tmpdir / f"{EVIDENCE_PREFIX}{dead_pid}-other-user"
    theirs.mkdir()
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        os.chown(theirs, 54321, 54321)  # as root the test can make another user's folder
    else:
        theirs.rmdir()

    cleared = clear_left_evidence()
    assert sorted(cleared) == sorted([crashed, older])
    assert not crashed.exists() and not older.exists()
    assert running.is_dir() and link.is_symlink() and (outside / "keep.txt").exists()
    assert a_file.is_file() and other.is_dir()
    assert theirs.is_dir() or not hasattr(os, "geteuid") or os.geteuid() != 0


def test_a_copy_cannot_escape_its_folder(private_tmpdir: Path) -> None:
    copies = EvidenceCopies()
    for name in ("../../etc/passwd", "..", "", "/tmp/x.pdf"):
        made = copies.copy(name, b"text")
        assert copies.folder is not None and made.parent.parent == copies.folder
    copies.remove()
    assert list(private_tmpdir.iterdir()) == []


# ----------------------------------------------------------------------------- every writer


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX's")
def test_the_settings_file_is_its_owners_only(tmp_path: Path) -> None:
    from PySide6.QtCore import QSettings

    from desktop import settings as keys

    path = tmp_path / "casereview" / "casereview.conf"
    settings = Settings(QSettings(str(path), QSettings.Format.IniFormat))
    settings.set(keys.TRACKER_FILTER, {"text": "bruising"})
    settings.sync()
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    settings.set(keys.LAST_TAB, 2)
    settings.sync()  # rewritten: still private
    assert mode(path) == 0o600 and "last_tab=2" in path.read_text()

    older = tmp_path / "older.ini"  # written by an earlier version, readable by everyone
    older.write_text("[window]\nlast_tab=1\n")
    older.chmod(0o644)
    Settings(QSettings(str(older), QSettings.Format.IniFormat)).sync()
    assert mode(older) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX's")
def test_every_file_the_window_writes_is_its_owners_only(
    qtbot, sample_window: MainWindow, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    for name in ("plan.xlsx", "plan.csv", "everything.json"):
        sample_window.files.export_path(out / name)
        qtbot.waitUntil(lambda n=name: (out / n).exists(), timeout=30_000)
    sample_window.files.back_up_to(out / "copy.sqlite3")
    qtbot.waitUntil(
        lambda: "Backed up" in sample_window.statusBar().currentMessage(), timeout=30_000
    )
    sample_window.files.keep_a_copy()
    assert sample_window.files.copying is not None
    sample_window.files.copying.join()
    written = list(out.iterdir())
    assert sorted(p.name for p in written) == sorted(
        ["plan.xlsx", "plan.csv", "everything.json", "copy.sqlite3"]
    )
    assert all(mode(p) == 0o600 for p in written), {p.name: oct(mode(p)) for p in written}
    database = sample_window.database.location.path
    assert database is not None and mode(database) == 0o600
    kept = database.parent / f"{database.name}-backups"
    assert mode(kept) == 0o700
    assert all(mode(p) == 0o600 for p in kept.iterdir() if p.is_file())
