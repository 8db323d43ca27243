"""Window ready: casereview at 0, 10,000 and 100,000 recommendations against a bare PySide6
window with three empty table tabs, run alternately in one session.

    python benchmarks/window_ready.py [--runs 5] [--tab reviews] [--changed]

The bare window reports the seconds from its own first line to its first paint. casereview
reports two figures: its first paint (a page read from the file with sqlite3 before the
database layer loads, ``first paint: 0.123``) and the moment it is interactive, when a search
answers and an edit can start (what ``--exit-when-ready`` reports): for the Reviews and
Recommendations tabs the same paint, as they answer from the file while the database layer
loads beside the window (``benchmarks/early_answers.py`` checks that they do); for a tab that
cannot, the page from the open database painted. The "from launch" columns are the wall time
from starting each process until its figure arrives, interpreter start-up included (what a
user waits for); "exited" is until the process has ended, which it does once the database is
open and SQLite's check of the file has found it sound. With ``--changed`` casereview opens
a copy of the data set with no copy kept beside it, so every start takes the start-up copy
("a start after any change").

Targets: first paint within 1.5 times the bare window (issue 3); interactive within 2.5 times
the bare window's first paint (issue 26); memory under 300 MB.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, dataset, environment, machine, median, timed, timed_lines

SIZES = (0, 10_000, 100_000)
FIRST_PAINT = "first paint: "


def casereview_run(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """One start of casereview: its own figures and the wall times from launch."""
    said, exited, peak = timed_lines(command, env)
    (painted_at, painted) = next((t, s) for t, s in said if s.startswith(FIRST_PAINT))
    ready_at, ready = said[-1]
    return {
        "paint": float(painted.removeprefix(FIRST_PAINT)),
        "ready": float(ready),
        "launch paint": painted_at,
        "launch ready": ready_at,
        "exited": exited,
        "peak": peak,
    }


def keep_a_copy(db: Path) -> None:
    """The copy a start of casereview keeps when the data set has changed, taken now: an
    unchanged file's start then takes none (``--exit-when-ready`` abandons it)."""
    sys.path.insert(0, str(ROOT))
    from db.store.backups import automatic_backup
    from db.store.location import resolve_location

    automatic_backup(resolve_location(str(db)), "opened")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tab", choices=["reviews", "recommendations"], default="recommendations")
    parser.add_argument("--changed", action="store_true", help="take the start-up copy each time")
    args = parser.parse_args()
    bare = [sys.executable, str(ROOT / "benchmarks" / "bare_window.py")]
    print(f"Machine: {machine()}")
    print(
        f"Tab shown first: {args.tab}; {args.runs} runs each, alternating; medians"
        + ("; the start-up copy taken each time." if args.changed else ".")
    )
    print(
        "| recommendations | bare: first paint (s) | casereview: first paint (s) "
        "| interactive (s) | ratio | from launch: bare (s) | first paint (s) | interactive (s) "
        "| ratio | target | casereview exited (s) | peak MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in SIZES:
        with tempfile.TemporaryDirectory() as config:
            env = environment(Path(config))
            settings = Path(config) / "casereview" / "casereview.conf"
            settings.parent.mkdir(parents=True)
            tab = 1 if args.tab == "recommendations" else 0
            settings.write_text(f"[window]\nlast_tab={tab}\n")
            db = dataset(size)
            if args.changed:
                db = Path(shutil.copy(db, Path(config) / db.name))
            else:
                keep_a_copy(db)  # as a window left open long enough keeps one
            app = [sys.executable, "-m", "desktop", "--db", str(db), "--exit-when-ready"]
            base, base_launch, runs = [], [], []
            for _ in range(args.runs):
                reported, launched, _ = timed(bare, env)
                base.append(reported)
                base_launch.append(launched)
                if args.changed:  # no copy kept: this start takes one
                    shutil.rmtree(db.with_name(f"{db.name}-backups"), ignore_errors=True)
                runs.append(casereview_run(app, env))
        b, lb = median(base), median(base_launch)
        got = {key: median([run[key] for run in runs]) for key in runs[0]}
        print(
            f"| {size:,} | {b:.3f} | {got['paint']:.3f} | {got['ready']:.3f} "
            f"| {got['ready'] / b:.2f} | {lb:.3f} | {got['launch paint']:.3f} "
            f"| {got['launch ready']:.3f} | {got['launch ready'] / lb:.2f} | 2.50 "
            f"| {got['exited']:.3f} | {max(run['peak'] for run in runs):.0f} |"
        )


if __name__ == "__main__":
    main()
