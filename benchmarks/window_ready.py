"""Window ready: casereview at 0, 10,000 and 100,000 recommendations against a bare PySide6
window with three empty table tabs, run alternately in one session.

    python benchmarks/window_ready.py [--runs 5]

Each program reports the seconds from its own first line to its window being ready; the
"from launch" columns are the wall time from starting the process until that report arrives,
interpreter start-up included (what a user waits for).

Target (issue 3): casereview ready within 1.5 times the bare window; memory under 300 MB.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, dataset, environment, machine, median, timed

SIZES = (0, 10_000, 100_000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--tab", choices=["reviews", "recommendations"], default="recommendations")
    args = parser.parse_args()
    bare = [sys.executable, str(ROOT / "benchmarks" / "bare_window.py")]
    print(f"Machine: {machine()}")
    print(f"Tab shown first: {args.tab}; {args.runs} runs each, alternating; medians.")
    print(
        "| recommendations | bare window (s) | casereview (s) | ratio "
        "| from launch: bare (s) | casereview (s) | ratio | target | peak MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in SIZES:
        db = dataset(size)
        with tempfile.TemporaryDirectory() as config:
            env = environment(Path(config))
            settings = Path(config) / "casereview" / "casereview.conf"
            settings.parent.mkdir(parents=True)
            tab = 1 if args.tab == "recommendations" else 0
            settings.write_text(f"[window]\nlast_tab={tab}\n")
            app = [sys.executable, "-m", "desktop", "--db", str(db), "--exit-when-ready"]
            base_times, app_times, base_launch, app_launch, peaks = [], [], [], [], []
            for _ in range(args.runs):
                reported, launched, _ = timed(bare, env)
                base_times.append(reported)
                base_launch.append(launched)
                reported, launched, peak = timed(app, env)
                app_times.append(reported)
                app_launch.append(launched)
                peaks.append(peak)
        b, a = median(base_times), median(app_times)
        lb, la = median(base_launch), median(app_launch)
        print(
            f"| {size:,} | {b:.3f} | {a:.3f} | {a / b:.2f} | {lb:.3f} | {la:.3f} | {la / lb:.2f} "
            f"| 1.50 | {max(peaks)} |"
        )


if __name__ == "__main__":
    main()
