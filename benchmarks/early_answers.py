"""What the window answers while its database layer loads, at 100,000 recommendations.

    python benchmarks/early_answers.py [--runs 5]

``casereview --exit-when-ready`` reports the window interactive at its first paint when the
tab shown first answers searches and starts edits from the file while the database layer
loads beside it (docs/performance.md, "Window interactive"). This checks that claim the way
a user would meet it, in fresh processes started as ``casereview --db DB`` starts (the
Recommendations tab first): at the moment the window says it is interactive it opens the
Edit dialog of the first row, timing until the dialog is on screen, and cancels it; then it
types "staff" into the search box a key every 60 ms (a quick typist), timing each key until
the window has repainted with the rows; and it notes when the database opened, and whether
each answer was asked for before it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, dataset, environment, machine

TYPED = "staff"
KEY_GAP_MS = 60


def child(db: str) -> None:
    """One start of the window over ``db``; prints what it measured as one line of JSON."""
    sys.path.insert(0, str(ROOT))
    import desktop.app as app_module

    started_at = time.perf_counter()
    real_report = app_module._report_ready
    found: dict[str, Any] = {"keys": []}

    def report(window: Any, started: float, then: Any = None) -> None:
        from PySide6.QtCore import QTimer
        from PySide6.QtTest import QTest
        from PySide6.QtWidgets import QApplication

        tab = window.recommendations_tab

        def opened_yet() -> None:
            if window.context.is_open:
                found["opened"] = time.perf_counter() - started
                QApplication.quit()
            else:
                QTimer.singleShot(5, opened_yet)

        def edit() -> None:
            tab.view.selectRow(0)
            found["edit_before_open"] = not window.context.is_open  # as it was asked for
            asked = time.perf_counter()

            def shown() -> None:
                dialog = QApplication.activeModalWidget()
                if dialog is None:
                    QTimer.singleShot(1, shown)
                    return
                found["edit_ms"] = (time.perf_counter() - asked) * 1000
                dialog.reject()

            QTimer.singleShot(0, shown)
            tab.edit_item()
            tab.view.clearSelection()
            QTimer.singleShot(KEY_GAP_MS, lambda: key(0))

        def key(number: int) -> None:
            if number == len(TYPED):
                opened_yet()
                return
            was_open = window.context.is_open
            asked = time.perf_counter()
            QTest.keyClick(tab.filters.search, TYPED[number])
            while tab.typed.pending:  # searched once the keys typed with it are taken
                QApplication.processEvents()
            window.repaint()  # the table, with the rows found, on screen
            found["keys"].append([(time.perf_counter() - asked) * 1000, was_open])
            QTimer.singleShot(KEY_GAP_MS, lambda: key(number + 1))

        def interactive() -> None:
            found["interactive"] = time.perf_counter() - started
            found["rows"] = len(tab.model.rows)
            edit()

        real_say = app_module._say

        def say(line: str) -> None:
            real_say(line)
            if not line.startswith("first paint"):  # the figure: interactive from now on
                interactive()

        app_module._say = say
        # The command would quit once the database is open and sound; this quits itself.
        real_report(window, started, then=lambda: None)

    app_module._report_ready = report
    app_module.run(db, exit_when_ready=True, started_at=started_at)
    found["rows_found"] = found.pop("rows", None)
    print(json.dumps(found))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"Machine: {machine()}")
    runs = []
    db = dataset(100_000)
    for _ in range(args.runs):
        # Fresh settings each time: a search typed is remembered, and a start with a
        # remembered filter waits for the database.
        with tempfile.TemporaryDirectory() as config:
            env = environment(Path(config))
            settings = Path(config) / "casereview" / "casereview.conf"
            settings.parent.mkdir(parents=True)
            settings.write_text("[window]\nlast_tab=1\n")
            said = subprocess.run(
                [sys.executable, __file__, "--child", str(db)],
                env=env, capture_output=True, text=True, check=True, cwd=ROOT,
            ).stdout  # fmt: skip
            runs.append(json.loads(said.strip().splitlines()[-1]))
    early = [ms for run in runs for ms, was_open in run["keys"] if not was_open]
    late = [ms for run in runs for ms, was_open in run["keys"] if was_open]
    edits = [run["edit_ms"] for run in runs]
    print(f"{args.runs} fresh starts at 100,000 items, '{TYPED}' typed a key every {KEY_GAP_MS} ms")
    print("| | median | worst | runs or keys |")
    print("|---|---:|---:|---:|")
    interactive = [run["interactive"] for run in runs]
    opened = [run["opened"] for run in runs]
    print(f"| interactive (s) | {statistics.median(interactive):.3f} | {max(interactive):.3f} "
          f"| {len(runs)} |")  # fmt: skip
    if early:
        print(f"| a key, database layer loading (ms) | {statistics.median(early):.1f} "
              f"| {max(early):.1f} | {len(early)} |")  # fmt: skip
    if late:
        print(f"| a key, database open (ms) | {statistics.median(late):.1f} | {max(late):.1f} "
              f"| {len(late)} |")  # fmt: skip
    before = sum(run["edit_before_open"] for run in runs)
    print(f"| Edit dialog on screen (ms) | {statistics.median(edits):.1f} | {max(edits):.1f} "
          f"| {len(runs)} ({before} asked before the database opened) |")  # fmt: skip
    print(f"| database open (s) | {statistics.median(opened):.3f} | {max(opened):.3f} "
          f"| {len(runs)} |")  # fmt: skip


if __name__ == "__main__":
    main()
