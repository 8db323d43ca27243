"""The window's memory at 100,000 items (issue 26: under 150 MB with meetings and similarity
loaded), against a bare PySide6 window that has imported SQLAlchemy, run alternately in one
session, each in a fresh process.

    python benchmarks/window_memory.py [--runs 3] [--recommendations 100000] [--hurried]

casereview opens a copy of the generated data set with a meeting today and its proposed
agenda (as benchmarks/meetings.py makes it), offscreen at 1440x900 on the Recommendations
tab, and says its resident memory (``VmRSS``) and its peak so far (``VmHWM``), from
/proc/self/status, at three stages:

- open: interactive (what ``--exit-when-ready`` waits for);
- similar: the first item selected and its similar earlier learning shown (the index built);
- every tab: each tab shown in turn, the meeting selected and meeting mode opened.

``--hurried`` moves on as a new user's trial did: half a second after selecting the item,
before its similar learning is shown (the index still being built), the Overview first; its
last stage is said once the similar learning has been shown as well.

The bare window (three empty table tabs and ``import sqlalchemy``) is the fixed cost of the
toolkit and the library that no change to casereview can take away.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, environment, machine, median, timed_lines

STAGES = ("open", "similar", "every tab")
SETTLE_MS = 300  # after a tab is shown: its rows, loaded off the GUI thread, arrive
WAIT_MS = 60_000  # at most, for the similar learning to be shown


def status() -> tuple[float, float]:
    """(VmRSS, VmHWM) of this process in MB."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0]) / 1024
    return found["VmRSS"], found["VmHWM"]


def say(stage: str) -> None:
    rss, hwm = status()
    print(f"{stage}: {rss:.1f} {hwm:.1f}", file=sys.stderr, flush=True)


def bare() -> None:
    """The anchor: a bare window as benchmarks/bare_window.py makes it, with SQLAlchemy
    imported, its memory said once it has painted and settled."""
    import sqlalchemy  # noqa: F401
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow, QTableView, QTabWidget

    app = QApplication(sys.argv[:1])
    window = QMainWindow()
    tabs = QTabWidget()
    for title in ("Reviews", "Recommendations", "Inspection grades"):
        tabs.addTab(QTableView(), title)
    window.setCentralWidget(tabs)
    window.resize(1440, 900)
    window.show()

    def done() -> None:
        say("open")
        app.quit()

    QTimer.singleShot(SETTLE_MS, done)
    app.exec()


def casereview(db: str, hurried: bool = False) -> None:
    """The real window (``desktop.app.run``) over ``db``; once it is interactive, the
    stages are gone through and said, then it quits."""
    sys.path.insert(0, str(ROOT))
    from desktop import app

    reported = app._report_ready

    def report(window, started_at, then=None):  # type: ignore[no-untyped-def]
        reported(window, started_at, lambda: stages(window, hurried))

    app._report_ready = report  # type: ignore[assignment]
    app.run(db, exit_when_ready=True)


def stages(window, hurried: bool = False) -> None:  # type: ignore[no-untyped-def]
    from PySide6.QtWidgets import QApplication

    say("open")
    window.resize(1440, 900)
    tab = window.recommendations_tab
    window.tabs.setCurrentWidget(tab)
    tab.view.selectRow(0)

    def shown() -> bool:
        text = tab.detail.toPlainText()  # its heading is there while it is looked for
        return "Similar earlier learning" in text and "Looking for similar" not in text

    def every_tab() -> None:
        say("similar")
        order = list(range(window.tabs.count()))
        if hurried:  # the Overview first, as the trial went
            overview = window.tabs.indexOf(window.overview_tab)
            order = [overview, *(n for n in order if n != overview)]
        steps: list[Callable[[], None]] = [
            lambda n=n: window.tabs.setCurrentIndex(n) for n in order
        ]
        meetings = window.meetings_tab
        steps += [lambda: meetings.view.selectRow(0), meetings.meeting_mode]
        step_through(steps, settled)

    def finish() -> None:
        say("every tab")
        QApplication.quit()

    def settled() -> None:  # the Overview reads its figures beside the window: all of them in
        # Hurried, the similar learning is still being worked out as the tabs are gone
        # through: waited for too, so that the peak of its build is in the last figure.
        done = finish if not hurried else lambda: wait_for(shown, finish)
        wait_for(lambda: not window.overview_tab.reading, done, "the Overview's figures")

    if hurried:
        from PySide6.QtCore import QTimer

        QTimer.singleShot(500, every_tab)
    else:
        wait_for(shown, every_tab)


def wait_for(
    condition: Callable[[], bool], then: Callable[[], None], what: str = "the similar learning"
) -> None:
    from PySide6.QtCore import QElapsedTimer, QTimer

    clock = QElapsedTimer()
    clock.start()

    def check() -> None:
        if condition():
            then()
        elif clock.elapsed() > WAIT_MS:
            raise SystemExit(f"{what} was not shown")
        else:
            QTimer.singleShot(50, check)

    check()


def step_through(steps: list[Callable[[], None]], then: Callable[[], None]) -> None:
    """Each step, with time to settle after it, then ``then``."""
    from PySide6.QtCore import QTimer

    if not steps:
        then()
        return
    steps[0]()
    QTimer.singleShot(SETTLE_MS, lambda: step_through(steps[1:], then))


def one_run(command: list[str], env: dict[str, str]) -> dict[str, tuple[float, float]]:
    said, _, _ = timed_lines(command, env)
    found = {}
    for _, line in said:
        stage, _, figures = line.partition(": ")
        if stage in STAGES:
            rss, hwm = figures.split()
            found[stage] = (float(rss), float(hwm))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--recommendations", type=int, default=100_000)
    parser.add_argument("--bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument(
        "--hurried",
        action="store_true",
        help="move on before the similar learning is shown, the Overview first (as a trial did)",
    )
    args = parser.parse_args()
    if args.bare:
        bare()
        return
    if args.db:
        casereview(args.db, args.hurried)
        return
    from meetings import with_agenda

    me = [sys.executable, str(Path(__file__).resolve())]
    bares, runs = [], []
    with tempfile.TemporaryDirectory() as folder:
        source = with_agenda(args.recommendations, Path(folder))
        env = environment(Path(folder))
        settings = Path(folder) / "casereview" / "casereview.conf"
        settings.parent.mkdir(parents=True)
        for number in range(args.runs):
            settings.write_text("[window]\nlast_tab=1\n")  # the last run's tabs forgotten
            bares.append(one_run([*me, "--bare"], env)["open"])
            copy = Path(folder) / f"copy-{number}.sqlite3"
            shutil.copy(source, copy)
            hurried = ["--hurried"] if args.hurried else []
            runs.append(one_run([*me, "--db", str(copy), *hurried], env))
            copy.unlink()
            shutil.rmtree(copy.with_name(f"{copy.name}-backups"), ignore_errors=True)
    print(f"Machine: {machine()}")
    print(
        f"{args.recommendations:,} recommendations, a meeting with its agenda; offscreen, "
        f"1440x900{'; hurried' if args.hurried else ''}; {args.runs} runs each, alternating; "
        "medians (range)."
    )
    print("| stage | bare window + SQLAlchemy: VmRSS MB | casereview: VmRSS MB | VmHWM MB "
          "| target |")  # fmt: skip
    print("|---|---:|---:|---:|---:|")
    b = median([rss for rss, _ in bares])
    for stage in STAGES:
        rss = [run[stage][0] for run in runs]
        hwm = [run[stage][1] for run in runs]
        print(
            f"| {stage} | {b:.0f} | {median(rss):.0f} ({min(rss):.0f}-{max(rss):.0f}) "
            f"| {median(hwm):.0f} ({min(hwm):.0f}-{max(hwm):.0f}) | 150 |"
        )


if __name__ == "__main__":
    main()
