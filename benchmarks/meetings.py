"""A panel meeting in the window at 100,000 items: the Meetings tab's first show, meeting
mode's open, one "noted" decision recorded and its undo, each timed from the call until the
window has handled what it set off (data_changed included); medians of fresh windows.

    python benchmarks/meetings.py [--runs 5] [--recommendations 100000]

The meeting is held today, with the agenda ``casereview meeting agenda --accept`` stores (the
first meetings.AGENDA_LIMIT of the proposals); each run works on a copy of that database.
Target (issue 23): each step well under a second.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import dataset, machine, median, run_casereview

STEPS = ("Meetings tab first shown", "meeting mode opened", "decision recorded", "decision undone")


def with_agenda(size: int, folder: Path) -> Path:
    """The generated data set with a meeting today whose agenda is the one proposed."""
    path = folder / "meeting.sqlite3"
    shutil.copy(dataset(size), path)
    today = dt.date.today().isoformat()
    run_casereview(["meeting", "add", "--db", str(path), "--date", today, "--title", "Panel"])
    run_casereview(["meeting", "agenda", "--db", str(path), "--meeting", today, "--accept"])
    return path


def one_run(source: Path, folder: Path) -> list[float]:
    """The steps' seconds in a window of its own on a copy of ``source``."""
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from db.core.vocabulary import DecisionKind
    from db.services.meetings import DecisionEntry
    from db.store.database import open_database
    from db.store.location import resolve_location
    from desktop import commands
    from desktop.context import AppContext
    from desktop.settings import Settings
    from desktop.window import MainWindow

    path = folder / "copy.sqlite3"
    shutil.copy(source, path)
    app = QApplication.instance() or QApplication([])
    database = open_database(resolve_location(str(path)))
    settings = Settings(QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat))
    context = AppContext(database, settings, today=dt.date.today, actor="Benchmark")
    window = MainWindow(context)
    window.show()
    window.refresh()
    app.processEvents()
    tab = window.meetings_tab

    def decide() -> None:
        mode = tab.mode
        assert mode is not None
        line = mode.current()
        assert line is not None, "the meeting has no agenda"
        noted = DecisionEntry(DecisionKind.NOTED, "Benchmark.")
        assert commands.run(commands.RecordDecision(context, mode.key, line.entry.what, noted))

    def undo() -> None:
        assert tab.mode is not None
        tab.mode.undo()

    steps: list[Callable[[], None]] = [
        lambda: window.tabs.setCurrentWidget(tab),
        tab.meeting_mode,
        decide,
        undo,
    ]
    seconds = []
    for step in steps:
        start = time.perf_counter()
        step()
        app.processEvents()
        seconds.append(time.perf_counter() - start)
    if tab.mode is not None:
        tab.mode.close()
    window.close()
    database.close()
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--recommendations", type=int, default=100_000)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    with tempfile.TemporaryDirectory() as folder:
        source = with_agenda(args.recommendations, Path(folder))
        runs = []
        for number in range(args.runs):
            run_folder = Path(folder) / str(number)
            run_folder.mkdir()
            runs.append(one_run(source, run_folder))
    print(f"Machine: {machine()}")
    print(f"{args.recommendations:,} recommendations; {args.runs} runs; medians.")
    print("| step | seconds |")
    print("|---|---:|")
    for index, step in enumerate(STEPS):
        print(f"| {step} | {median([run[index] for run in runs]):.2f} |")


if __name__ == "__main__":
    main()
