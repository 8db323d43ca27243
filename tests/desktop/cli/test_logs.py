"""casereview's log: real commands write what happened and why a step failed, by kind of
error only, never the record text, names, paths or passphrases they worked on; Help ▸ Open
the log folder shows it."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, QUrl, Slot
from PySide6.QtGui import QDesktopServices

from db.exchange import dump_document
from db.services.sample import sample_document
from db.store import audit_anchor, logs
from db.store.paths import backups_folder
from desktop.window import MainWindow
from tests.helpers import TODAY
from tests.helpers.cli import run
from tests.helpers.window import another_writer

HEADER = "Number,Recommendation,Lead agency,Joint agencies,Target date,Status,Assured by,Evidence\n"
# What the log must never hold: record text, people's names, a path, passphrases.
RECORD_TEXT = "Share the referral about Jordan Whitfield with the school"
ASSURER = "Priya Sandhu"
BAD_STATUS = "Stalled by Marguerite Oduya"
FOLDER = "Review of Kieran Blake"
SECRET = "correct horse battery staple 7"
WRONG = "incorrect pony battery stapler 8"


def _tracker(folder: Path, name: str, status: str) -> Path:
    path = folder / name
    path.write_text(
        HEADER + f"1,{RECORD_TEXT}.,Police,,31/3/2027,{status},{ASSURER},Audit of 50 records\n",
        encoding="utf-8",
    )
    return path


def test_the_log_holds_what_happened_but_no_record_text_names_or_passphrases(
    tmp_path: Path, log_folder: Path
) -> None:
    folder = tmp_path / FOLDER
    folder.mkdir()
    db = folder / "panel.sqlite3"
    good = _tracker(folder, "tracker.csv", "Closed")
    made = run("import", str(good), "--db", str(db), "--review", "PLAN", cwd=folder)
    assert made.returncode == 0, made.stderr
    # A cell the import refuses, quoted in the one sentence the user sees.
    bad = _tracker(folder, "bad.csv", BAD_STATUS)
    refused = run("import", str(bad), "--db", str(db), "--review", "PLAN", cwd=folder)
    assert refused.returncode == 1 and BAD_STATUS in refused.stderr
    # The copy an import keeps first cannot be made: a file stands where its folder goes.
    kept = backups_folder(db).rename(folder / "aside")
    backups_folder(db).write_bytes(b"")
    # (an import that would change nothing keeps no copy: this one adds an item)
    more = _tracker(folder, "more.csv", "Closed")
    more.write_text(
        more.read_text(encoding="utf-8")
        + f"2,{RECORD_TEXT} again.,Police,,31/3/2027,Not started,,\n",
        encoding="utf-8",
    )
    no_copy = run("import", str(more), "--db", str(db), "--review", "PLAN", cwd=folder)
    assert no_copy.returncode == 1, no_copy.stderr
    backups_folder(db).unlink()
    kept.rename(backups_folder(db))
    # The audit note can be neither read nor written (a folder stands in its place): the
    # import goes ahead, and the log says why the note did not move on.
    note = audit_anchor.note_path(db)
    note.rename(folder / "note aside")
    note.mkdir()
    unnoted = run("import", str(good), "--db", str(db), "--review", "PLAN", cwd=folder)
    assert unnoted.returncode == 0, unnoted.stderr
    note.rmdir()
    (folder / "note aside").rename(note)
    # An encrypted database opened with the wrong passphrase.
    encrypted = run("encrypt", "--db", str(db), "--passphrase-stdin", cwd=folder, stdin=SECRET)
    assert encrypted.returncode == 0, encrypted.stderr
    wrong = run("export", "--db", str(db), "--passphrase-stdin", "-o", "-", cwd=folder, stdin=WRONG)
    assert wrong.returncode == 1 and "passphrase" in wrong.stderr

    log = (log_folder / logs.FILE_NAME).read_text(encoding="utf-8")
    for never in (RECORD_TEXT, "Whitfield", ASSURER, BAD_STATUS, FOLDER, SECRET, WRONG, "Audit of"):
        assert never not in log
    assert str(tmp_path) not in log and "Traceback" not in log
    lines = log.splitlines()
    started = [line.split("started: ")[1] for line in lines if "started: " in line]
    assert started == ["import", "import", "import", "import", "encrypt", "export"]
    said = [line.split(": ", 1)[1] for line in lines]  # after the time, level and logger
    # Failures the data layer goes on past, by kind: the copy's folder, then the audit note.
    assert "backups folder not listed: NotADirectoryError [ENOTDIR]" in said, log
    assert "audit note not read: IsADirectoryError [EISDIR]" in said, log
    assert "audit note not moved on after a commit: IsADirectoryError [EISDIR]" in said, log
    refusals = [line.split("command refused: ")[1] for line in lines if "refused: " in line]
    assert len(refusals) == 3, log
    assert refusals[0].startswith("TrackerProblemsError")
    assert refusals[1].startswith("BackupError"), refusals[1]
    assert refusals[2] == "PassphraseError from DatabaseError [sqlite 26]", refusals[2]


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_the_log_is_the_users_alone(log_folder: Path) -> None:
    inner = log_folder / "made by casereview"
    path = logs.set_up(inner)
    assert path == inner / logs.FILE_NAME
    assert stat.S_IMODE(inner.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert logs.set_up(inner) == path  # a second set-up (the window's) keeps the one file


def test_help_opens_the_log_folder(window: MainWindow, log_folder: Path) -> None:
    class Opener(QObject):
        def __init__(self) -> None:
            super().__init__()
            self.opened: list[QUrl] = []

        @Slot(QUrl)
        def open(self, url: QUrl) -> None:
            self.opened.append(url)

    opener = Opener()
    QDesktopServices.setUrlHandler("file", opener, "open")
    try:
        (help_menu,) = [a.menu() for a in window.menuBar().actions() if a.text() == "&Help"]
        (action,) = [a for a in help_menu.actions() if a.text() == "Open the &log folder"]
        action.trigger()
    finally:
        QDesktopServices.unsetUrlHandler("file")
    assert [Path(url.toLocalFile()) for url in opener.opened] == [log_folder]


def test_the_window_logs_a_file_it_cannot_write_by_kind(
    qtbot, window: MainWindow, tmp_path: Path, log_folder: Path
) -> None:  # type: ignore[no-untyped-def]
    """The window's answer to a file that cannot be written is logged as the command line's
    is: the kind of failure and its errno, never the file's name (here a person's)."""
    logs.set_up(log_folder)
    target = tmp_path / f"{FOLDER} {'x' * 255}.csv"  # a name longer than a file system takes
    window.files.export_path(target)
    qtbot.waitUntil(lambda: "File name too long" in (window.context.last_explanation or ""))
    log = (log_folder / logs.FILE_NAME).read_text(encoding="utf-8")
    said = [line.split(": ", 1)[1] for line in log.splitlines()]
    assert "a file not to be written: OSError [ENAMETOOLONG]" in said, log
    # Logged once, where the work failed, not again as the window shows it.
    assert "work in the background refused: CaseReviewError" in said, log
    assert not [line for line in said if "the window refused" in line], log
    assert FOLDER not in log and str(tmp_path) not in log


def test_the_window_logs_a_busy_database_by_its_kind_and_cause_once(
    qtbot, window: MainWindow, tmp_path: Path, log_folder: Path, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """A JSON import while another program holds the write lock: a refusal the user is told
    of, logged at INFO by its own kind and the driver's code (SQLITE_BUSY), once."""
    logs.set_up(log_folder)
    path = tmp_path / "plan.json"
    path.write_text(dump_document(sample_document(TODAY)), encoding="utf-8")
    with another_writer(window, monkeypatch):
        window.files.import_path(path)
        qtbot.waitUntil(lambda: "busy" in window.context.last_explanation, timeout=20000)
    lines = (log_folder / logs.FILE_NAME).read_text(encoding="utf-8").splitlines()
    failures = [line.split(" ", 2)[2] for line in lines if "refused" in line or "ERROR" in line]
    assert failures == [
        "INFO desktop.background: work in the background refused: UnwritableError from "
        "OperationalError from OperationalError [sqlite 5]"
    ], lines
