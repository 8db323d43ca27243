"""Profiles, with pyinstrument, of the three measurements whose targets are not met: the
window's start-up, a briefing pack of 1,000 recommendations, and an import of a tracker.

    python benchmarks/profiles.py [--rows 10000] [--output docs/profiles]

Writes one text report per measurement (a call tree, with the time spent in each frame) to the
output folder; docs/performance.md explains what they show. The start-up runs in a fresh
process, as a user starts the program; the others run in this one.
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import ROOT, dataset, environment

# Profiled from the first line until --exit-when-ready reports the window ready (the line it
# prints on stderr), which is what the benchmark times; opening the database comes after.
START_UP = r"""
import sys
from pyinstrument import Profiler
profiler = Profiler(interval=0.0005)


class UntilReady:
    def __init__(self, stream):
        self.stream = stream

    def write(self, text):
        if profiler.is_running and text.strip().replace(".", "", 1).isdigit():
            profiler.stop()
        return self.stream.write(text)

    def __getattr__(self, name):
        return getattr(self.stream, name)


sys.stderr = UntilReady(sys.stderr)
profiler.start()
from desktop.cli import main
try:
    main(sys.argv[2:])
finally:
    if profiler.is_running:
        profiler.stop()
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        out.write(profiler.output_text(unicode=True, color=False, show_all=False))
"""


def start_up(output: Path) -> Path:
    report = output / "window-start-up.txt"
    db = dataset(100_000)
    with tempfile.TemporaryDirectory() as config:
        env = environment(Path(config))
        settings = Path(config) / "casereview" / "casereview.conf"
        settings.parent.mkdir(parents=True)
        settings.write_text("[window]\nlast_tab=1\n")  # the Recommendations tab first
        subprocess.run(
            [sys.executable, "-c", START_UP, str(report), "--db", str(db), "--exit-when-ready"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
        )
    return report


def briefing(output: Path) -> Path:
    from pyinstrument import Profiler

    from db.queries.briefing_content import PackOptions, gather
    from db.store.database import open_database
    from db.store.location import resolve_location
    from desktop.briefing import render_pack

    report = output / "briefing-1000.txt"
    with open_database(resolve_location(str(dataset(1_000)))) as database:
        profiler = Profiler(interval=0.001)
        profiler.start()
        with database.session() as session:
            pack = gather(
                session,
                PackOptions(
                    today=dt.date.today(),
                    title="Benchmark",
                    marking="OFFICIAL-SENSITIVE",
                    prepared_by="benchmark",
                ),
            )
        render_pack(pack)
        profiler.stop()
    report.write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    return report


def spreadsheet_import(output: Path, rows: int) -> Path:
    from pyinstrument import Profiler
    from spreadsheets import tracker_file

    from db.exchange.spreadsheets import import_tracker, read_tracker
    from db.store.database import open_database
    from db.store.location import resolve_location

    report = output / f"import-{rows}.txt"
    source = tracker_file(rows)
    with tempfile.TemporaryDirectory() as folder:
        profiler = Profiler(interval=0.001)
        profiler.start()
        tracker = read_tracker(source)
        target = resolve_location(f"{folder}/import.sqlite3")
        with (
            open_database(target, create=True) as database,
            database.transaction("benchmark") as session,
        ):
            import_tracker(
                session, tracker, today=dt.date(2026, 11, 22), actor="benchmark", review="BENCH"
            )
        profiler.stop()
    report.write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000, help="tracker rows to import")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "profiles")
    args = parser.parse_args()
    args.output.mkdir(parents=True, exist_ok=True)
    for report in (
        start_up(args.output),
        briefing(args.output),
        spreadsheet_import(args.output, args.rows),
    ):
        print(f"wrote {report.relative_to(ROOT) if report.is_relative_to(ROOT) else report}")


if __name__ == "__main__":
    main()
