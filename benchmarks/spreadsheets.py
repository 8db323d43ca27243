"""Spreadsheet import and export at 100,000 rows against openpyxl's raw read and write.

    python benchmarks/spreadsheets.py [--rows 100000] [--runs 1] [--own]

Each step runs in a fresh process that prints its own seconds (and is measured for peak
memory): the baseline reads every cell of the workbook with openpyxl's read-only mode; the
import reads, checks and writes the same file into an empty SQLite database; the export
writes the database back out as an .xlsx action plan, against openpyxl's write-only mode
writing the same number of rows and columns.
Targets (issue 26): import within 1.5 times the raw read; peak memory under 150 MB whatever
the size (issue 5 set 2.5 times and 300 MB).

``--own`` imports casereview's own .xlsx export of the generated data set of that many items
instead (500 reviews at 100,000, with its Updates, Evidence and Reviews sheets: about 150,000
rows of log), into an empty database, against openpyxl reading every cell of every sheet.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, dataset, environment, machine, median, run_casereview, timed

STEP = r"""
import sys, time
started = time.perf_counter()
step, source, target = sys.argv[1:4]
if step in ("read", "read-all"):
    import openpyxl
    book = openpyxl.load_workbook(source, read_only=True, data_only=True)
    sheets = book.worksheets if step == "read-all" else book.worksheets[:1]
    cells = sum(1 for sheet in sheets for row in sheet.iter_rows(values_only=True) for _ in row)
elif step == "import":
    import datetime as dt
    from pathlib import Path
    from db.store.database import open_database
    from db.store.location import resolve_location
    from db.exchange.spreadsheets import import_tracker, read_tracker
    tracker = read_tracker(Path(source))
    with open_database(resolve_location(target), create=True) as database:
        with database.transaction("benchmark") as session:
            import_tracker(session, tracker, today=dt.date(2026, 11, 22), actor="benchmark",
                           review=None if sys.argv[4:] == ["own"] else "BENCH")
elif step == "export":
    import datetime as dt
    from pathlib import Path
    from db.store.database import open_database
    from db.store.location import resolve_location
    from db.exchange.spreadsheets.writing import stream_xlsx
    from db.exchange.streaming import stream_document
    with open_database(resolve_location(source)) as database, database.session() as session:
        with open(target, "wb") as out:  # read and written a batch at a time (issue 26)
            stream_xlsx(stream_document(session, dt.date(2026, 11, 22)), dt.date(2026, 11, 22), out)
elif step == "write":
    import openpyxl
    rows = int(source)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Sheet")
    for n in range(rows):
        sheet.append([f"BENCH", str(n + 1), "Recommendation text " * 6, "Agency", "",
                      "Actions agreed", "Owner", "2027-01-01", "In progress", "Green", "",
                      "", "", "", "", ""])
    book.save(target)
print(f"{time.perf_counter() - started:.3f}", file=sys.stderr)
"""


def tracker_file(rows: int) -> Path:
    """A tracker of ``rows`` items in the shape panels keep: title rows, then a header."""
    import openpyxl

    path = DATA / f"tracker-{rows}.xlsx"
    if path.exists():
        return path
    DATA.mkdir(parents=True, exist_ok=True)
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Action plan")
    sheet.append(["Benchmark Safeguarding Partnership (fictional)"])
    sheet.append(["Learning Review: Generated - Action Plan"])
    sheet.append([])
    sheet.append(["Rec No.", "Recommendation", "Lead Agency", "Action(s)", "Lead Officer",
                  "Target Date", "RAG", "Progress Update"])  # fmt: skip
    agencies = ["Fenmarsh Police", "Fenmarsh Council", "Fenmarsh Health Trust; Fenmarsh Council"]
    statuses = ["Not started", "Green", "Amber", "Complete", "Red"]
    import datetime as dt

    for n in range(1, rows + 1):
        sheet.append(
            [
                f"{n // 10 + 1}.{n % 10}",
                f"Agencies should make sure that practice point {n} is followed in every case "
                "where a child is seen by more than one service.",
                agencies[n % 3],
                f"Brief staff; audit a sample of cases ({n})",
                "Head of Safeguarding",
                dt.datetime(2026, 1, 1) + dt.timedelta(days=n % 700),
                statuses[n % 5],
                f"Update {n}: work under way" if n % 4 == 0 else None,
            ]
        )
    book.save(path)
    return path


def own_export(rows: int) -> Path:
    """casereview's own .xlsx export of the generated data set of ``rows`` items."""
    path = DATA / f"own-export-{rows}.xlsx"
    if not path.exists():
        run_casereview(["export", "--db", str(dataset(rows)), "-o", str(path)])
    return path


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--import-only", action="store_true", help="leave out the export")
    parser.add_argument(
        "--own", action="store_true", help="import casereview's own export (and no export)"
    )
    args = parser.parse_args()
    source = own_export(args.rows) if args.own else tracker_file(args.rows)
    args.import_only = args.import_only or args.own
    env = environment(DATA)
    step = [sys.executable, "-c", STEP]
    print(f"Machine: {machine()}")
    print(f"{args.rows:,} rows; {args.runs} run(s) each; medians.")
    results: dict[str, list[tuple[float, int]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        for run in range(args.runs):
            db = Path(folder) / f"import-{run}.sqlite3"
            out = Path(folder) / f"export-{run}.xlsx"
            raw = Path(folder) / f"raw-{run}.xlsx"
            steps = [
                ("read-all" if args.own else "read", [str(source), "-"]),
                ("import", [str(source), str(db), *(["own"] if args.own else [])]),
                ("write", [str(args.rows), str(raw)]),
                ("export", [str(db), str(out)]),
            ]
            for name, extra in steps[:2] if args.import_only else steps:
                seconds, _, peak = timed([*step, name, *extra], env)
                results.setdefault(name, []).append((seconds, peak))

    def figure(name: str) -> tuple[float, int]:
        return median([s for s, _ in results[name]]), max(p for _, p in results[name])

    print("| step | baseline (s) | casereview (s) | ratio | target | peak MB |")
    print("|---|---:|---:|---:|---:|---:|")
    rows = [("import .xlsx", "read", "import", "1.5"), ("export .xlsx", "write", "export", "-")]
    if args.own:
        rows = [("import own .xlsx", "read-all", "import", "1.5")]
    for label, base, ours, target in rows[:1] if args.import_only else rows:
        (b, _), (a, peak) = figure(base), figure(ours)
        print(f"| {label} | {b:.2f} | {a:.2f} | {a / b:.2f} | {target} | {peak} |")


if __name__ == "__main__":
    main()
