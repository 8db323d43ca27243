"""Every benchmark, one after another, each against its baseline in the same run.

    python benchmarks/run_all.py [--quick] [--output FILE]

Prints the machine's details and each benchmark's Markdown table, as docs/performance.md
records them, and with ``--output`` also writes them to FILE. ``--quick`` takes fewer runs
and 10,000 spreadsheet rows instead of 100,000 (minutes instead of half an hour); the figures
in docs/performance.md come from the full run. Generated data sets are kept in
benchmarks/.data between runs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from common import ROOT, machine  # noqa: E402


def _versions() -> str:
    import sqlite3

    import openpyxl
    import PySide6
    import reportlab
    import sqlalchemy

    return (
        f"SQLite {sqlite3.sqlite_version}, PySide6 {PySide6.__version__}, SQLAlchemy "
        f"{sqlalchemy.__version__}, ReportLab {reportlab.Version}, openpyxl {openpyxl.__version__}"
    )


def _plan(quick: bool) -> list[tuple[str, list[str]]]:
    runs = ["--runs", "3" if quick else "7"]
    sheet = ["--rows", "10000", "--runs", "1"] if quick else ["--rows", "100000", "--runs", "3"]
    return [
        ("Window ready, Recommendations tab first (issue 3)", ["window_ready.py", *runs]),
        (
            "Window ready, Reviews tab first (issue 3)",
            ["window_ready.py", *runs, "--tab", "reviews"],
        ),
        (
            "What the window answers while its database layer loads (issue 26)",
            ["early_answers.py", "--runs", "3" if quick else "7"],
        ),
        (
            "Typing as the window appears, under X (issue 26)",
            ["typing_at_start.py", "--runs", "3" if quick else "5"],
        ),
        ("Search as you type at 100,000 (issue 3)", ["search_latency.py"]),
        ("Briefing packs (issue 4)", ["briefing.py", "--runs", "1" if quick else "3"]),
        (
            "Spreadsheet import and export (issue 5)",
            ["spreadsheets.py", *sheet],
        ),
        (
            "Export of a data set, every format (issue 26)",
            [
                "export.py",
                "--items",
                "10000" if quick else "100000",
                "--runs",
                "1" if quick else "3",
            ],
        ),
        ("Encryption at rest (issue 6)", ["encryption.py", "--runs", "3" if quick else "5"]),
        ("Noting the audit head (issue 6)", ["audit_note.py", "--runs", "3" if quick else "5"]),
        (
            "The audit trail's lookups (issue 26)",
            ["audit_lookups.py", "--items", "10000" if quick else "100000", "--runs", "3"],
        ),
        ("A panel meeting at 100,000 items (issue 23)", ["meetings.py", "--runs", "3"]),
        (
            "The window's memory at 100,000 items (issue 26)",
            ["window_memory.py", "--runs", "1" if quick else "3"],
        ),
        (
            "The meeting laptop, SQLite (issue 24)",
            ["laptop.py", "--runs", "1" if quick else "3"],
        ),
        (
            "Re-importing unchanged data (issue 26)",
            ["reimport.py", "--runs", "1" if quick else "3"]
            + (["--recommendations", "10000"] if quick else []),
        ),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, smaller spreadsheets")
    parser.add_argument("--output", type=Path, metavar="FILE", help="also write the report here")
    args = parser.parse_args()
    lines = [
        f"# Benchmarks, {dt.date.today().isoformat()}{' (quick)' if args.quick else ''}",
        "",
        f"Machine: {machine()}, {platform.processor() or platform.machine()}",
        f"Software: {_versions()}",
    ]
    print("\n".join(lines), flush=True)
    failed = []
    for title, command in _plan(args.quick):
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, str(HERE / command[0]), *command[1:]],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
        section = [
            "",
            f"## {title}",
            "",
            f"`python benchmarks/{' '.join(command)}` ({time.perf_counter() - started:.0f} s)",
            "",
            result.stdout.rstrip(),
        ]
        if result.returncode != 0:
            failed.append(title)
            section += ["", "**Failed:**", "", "```", result.stderr.rstrip()[-3000:], "```"]
        print("\n".join(section), flush=True)
        lines += section
    if args.output:
        args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if failed:
        print(f"\n{len(failed)} benchmark(s) failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
