"""``casereview --exit-when-ready``: the window starts, says how long until it was interactive
(its database open, the current tab's page painted from it), and exits, whatever becomes of
the figure."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from db.queries import first_page
from db.store.paths import backups_folder
from desktop import settings as keys
from desktop.app import _report_ready
from desktop.context import AppContext, PendingDatabase
from desktop.settings import Settings
from desktop.tabs import read_ahead
from desktop.window import MainWindow
from tests.helpers import ROOT, TODAY
from tests.helpers.cli import assert_clean_error, run, snapshot
from tests.helpers.damage import damage


def _start(db: Path, config: Path) -> subprocess.Popen[str]:
    """The window over ``db`` with ``--exit-when-ready``, its stderr a pipe to this test."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(config),
        CASEREVIEW_LOG_DIR=str(config / "log"),  # its log, read by the tests
    )
    env.pop("CASEREVIEW_DB", None)
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "desktop", "--db", str(db), "--exit-when-ready"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, cwd=ROOT, text=True,
    )  # fmt: skip


def _ended(process: subprocess.Popen[str]) -> str:
    """What ``process`` said on stderr once it has ended (killed after a minute)."""
    try:
        return process.communicate(timeout=60)[1]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_it_exits_when_nobody_reads_the_figure(sample_path: Path, tmp_path: Path) -> None:
    process = _start(sample_path, tmp_path)
    assert process.stderr is not None
    process.stderr.close()  # long before the window is ready: the figure meets a closed pipe
    try:
        code = process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert code == 0
    # Said once in the log, not for each line it could not write (a trial saw it twice).
    (log,) = (tmp_path / "log").glob("*.log")
    assert log.read_text(encoding="utf-8").count("start-up time not reported") == 1


def test_with_stderr_closed_nothing_goes_to_stdout(sample_path: Path, tmp_path: Path) -> None:
    """Started with its stderr closed (``2>&-``), the figures are not said at all, rather than
    on standard output, which a script may be reading for something else (a trial saw them
    there; the README says stderr)."""
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path),
        CASEREVIEW_LOG_DIR=str(tmp_path / "log"),
        PYTHONPATH=str(ROOT),
    )
    env.pop("CASEREVIEW_DB", None)
    done = subprocess.run(
        ["sh", "-c", f'"{sys.executable}" -m desktop --db "{sample_path}" --exit-when-ready 2>&-'],
        capture_output=True, env=env, cwd=ROOT, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0
    assert done.stdout == ""


def _figure(  # type: ignore[no-untyped-def]
    qtbot, path: Path, settings: Settings, tab: int, capsys
) -> tuple[MainWindow, float, float]:
    """The window over ``path`` with the tab at ``tab`` shown first, started as
    ``--exit-when-ready`` starts it: the figure it said (on the ``time.perf_counter`` clock),
    and when its database had opened."""
    settings.set(keys.LAST_TAB, tab)
    reads = first_page.ReadAhead(path)
    read_ahead(tab, reads, TODAY)
    window = MainWindow(AppContext(PendingDatabase(path, reads), settings, lambda: TODAY))
    qtbot.addWidget(window)
    opened: list[float] = []
    window.data_loaded.connect(
        lambda: opened.append(time.perf_counter()) if window.context.is_open else None
    )
    finished: list[str] = []
    _report_ready(window, 0.0, then=lambda: finished.append(capsys.readouterr().err))
    window.show()
    window.start()
    qtbot.waitUntil(lambda: finished != [])
    # It finishes once the database is open and the file's check has found it sound.
    assert window.context.is_open
    assert window.database.check is None
    first, figure = finished[0].splitlines()
    assert first.startswith("first paint: ")  # the page from the file, said first
    assert 0 < float(first.removeprefix("first paint: ")) <= float(figure)
    return window, float(figure), opened[0]


def test_the_figure_comes_with_the_first_paint_of_a_tab_that_answers_from_the_file(
    qtbot, sample_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    for tab in (0, 1):  # the Reviews and Recommendations tabs
        window, figure, opened = _figure(qtbot, sample_path, settings, tab, capsys)
        assert window.answers_early
        assert figure < opened  # interactive before the database layer had loaded
    # Interactive: a search answers, from the file while the database layer loads, and from
    # the database once it is open.
    tab = window.recommendations_tab
    assert len(tab.model.rows) == 28
    tab.filters.search.setText("strategy")
    qtbot.waitUntil(lambda: 0 < len(tab.model.rows) < 28)


def test_the_figure_waits_for_the_database_where_the_tab_needs_it(
    qtbot, sample_path: Path, settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    window, figure, opened = _figure(qtbot, sample_path, settings, 2, capsys)  # inspections
    assert not window.answers_early
    assert figure >= opened
    assert window.inspections_tab.loaded


def test_a_damaged_file_is_refused_in_the_sentence_the_commands_use(
    sample_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    db = folder / "panel.sqlite3"
    db.write_bytes(sample_path.read_bytes())
    damage(db)
    before = snapshot(folder)
    export = run("export", "--db", str(db), "-o", str(tmp_path / "out.json"), cwd=tmp_path)
    assert_clean_error(export, "panel.sqlite3 is damaged", "casereview has not written to it")
    process = _start(db, tmp_path)
    said = _ended(process)
    assert process.returncode == 1, said
    assert said.splitlines()[-1] == export.stderr.strip()
    assert snapshot(folder) == before  # not a byte written, nothing left beside it


def _with_ballast(path: Path) -> Path:
    """``path`` with 60 MB more to copy, so that its start-up copy takes a while."""
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("CREATE TABLE ballast (b BLOB)")
        conn.execute(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 600) "
            "INSERT INTO ballast SELECT randomblob(100000) FROM n"
        )
    return path


def _left_in(folder: Path) -> list[str]:
    """The copies, whole or partial, in a database's backups folder."""
    return sorted(p.name for p in folder.iterdir() if p.suffix in (".sqlite3", ".part"))


def test_quitting_abandons_the_start_up_copy_and_leaves_nothing(
    qtbot, sample_path: Path, settings: Settings
) -> None:
    window = MainWindow(AppContext(PendingDatabase(_with_ballast(sample_path)), settings))
    qtbot.addWidget(window)
    window.show()
    window.start()
    qtbot.waitUntil(lambda: window.files.copying is not None)
    copying = window.files.copying
    assert copying is not None and copying.is_alive()
    window.files.abandon_copy()  # as the application quits (Controller.remove_copies)
    assert not copying.is_alive()
    assert _left_in(backups_folder(sample_path)) == []  # not finished, nothing of it left
    window.files.keep_a_copy()  # quitting: no copy begins now
    assert window.files.copying is copying


def test_the_window_exits_at_once_with_a_copy_to_take(sample_path: Path, tmp_path: Path) -> None:
    process = _start(_with_ballast(sample_path), tmp_path)
    said = _ended(process)
    assert process.returncode == 0, said
    assert _left_in(backups_folder(sample_path)) == []  # nothing begun, nothing left
