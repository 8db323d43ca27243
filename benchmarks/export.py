"""Export of a generated data set in each format, against its anchor, side by side.

    python benchmarks/export.py [--items 100000] [--runs 3]

Each step runs in a fresh process that prints its own seconds and CPU seconds (steadier than
the wall's on a shared machine) and is measured for peak memory (ru_maxrss). casereview's
step is the export as ``casereview export`` and File > Export make it
(``transfer.export_file``: the database read a part at a time, the file written beside the
target as it is read, then recorded and renamed into place), into a copy of the data set, as
an export records itself in the audit trail. The anchors read the same rows with plain
sqlite3: ``json.dump`` of them, ``csv.writer`` of the action plan's rows, and openpyxl's
write-only mode writing the action plan workbook's cells (its four sheets, the plan's cells
wrapped and dated as casereview's are), and for the Word action plan python-docx with the
usual remedy for its quadratic ``add_row`` (a row made once and deep-copied for each item,
its text set; the document whole in memory until saved: 3.6 GB at 100,000 items, so
``--formats json,csv,xlsx`` leaves it out). The steps alternate, run by run. Targets (issue
26): JSON and CSV within 3 s; .xlsx within 1.3 times its anchor; every format under 150 MB of
peak memory, whatever the size.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, dataset, environment, machine, median, timed_lines

STEP = r"""
import sys, time
started = time.perf_counter()
step, source, target = sys.argv[1:4]
if step == "export":
    import datetime as dt
    from pathlib import Path
    from db.services import transfer
    from db.store.database import open_to_read_then_write  # as casereview export opens
    from db.store.location import resolve_location
    with open_to_read_then_write(resolve_location(source)) as database:
        transfer.export_file(database, Path(target), fmt=Path(target).suffix[1:],
                             today=dt.date(2026, 11, 22), actor="benchmark")
else:
    import sqlite3
    db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    items = db.execute(
        "SELECT v.reference, r.number, r.text, "
        " (SELECT group_concat(o.name, '; ') FROM recommendation_agencies a"
        "  JOIN organisations o ON o.id = a.organisation_id"
        "  WHERE a.recommendation_id = r.id AND a.role = 'lead'),"
        " (SELECT group_concat(o.name, '; ') FROM recommendation_agencies a"
        "  JOIN organisations o ON o.id = a.organisation_id"
        "  WHERE a.recommendation_id = r.id AND a.role = 'joint'),"
        " r.actions, r.owner, r.target_date, r.status, r.status, r.status_reason, r.assured_by,"
        " r.assured_on, r.closed_on, "
        " (SELECT group_concat(t.name, '; ') FROM recommendation_themes x"
        "  JOIN themes t ON t.id = x.theme_id WHERE x.recommendation_id = r.id),"
        " (SELECT note FROM progress_updates u WHERE u.recommendation_id = r.id"
        "  ORDER BY dated DESC, id DESC LIMIT 1)"
        " FROM recommendations r JOIN reviews v ON v.id = r.review_id"
        " ORDER BY v.reference, r.position"
    )
    def logs():
        updates = db.execute(
            "SELECT v.reference, r.number, u.dated, u.author, u.status, u.note"
            " FROM progress_updates u JOIN recommendations r ON r.id = u.recommendation_id"
            " JOIN reviews v ON v.id = r.review_id ORDER BY v.reference, r.position, u.dated")
        evidence = db.execute(
            "SELECT v.reference, r.number, e.description, e.reference, e.file_name,"
            " e.added_by, e.added_at FROM evidence e"
            " JOIN recommendations r ON r.id = e.recommendation_id"
            " JOIN reviews v ON v.id = r.review_id ORDER BY v.reference, r.position")
        reviews = db.execute(
            "SELECT reference, kind, title, subject, anonymised_label, names_to_redact,"
            " commissioned_by_id, incident_on, notified_on, commissioned_on, published, summary,"
            " '' FROM reviews ORDER BY reference")
        return {"Updates": updates, "Evidence": evidence, "Reviews": reviews}
    if step == "json":
        import json
        rows = {"items": items.fetchall(), **{k: v.fetchall() for k, v in logs().items()}}
        with open(target, "w", encoding="utf-8") as out:
            json.dump(rows, out, ensure_ascii=False)
    elif step == "csv":
        import csv
        with open(target, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")
            for row in items:
                writer.writerow(["" if v is None else v for v in row])
    elif step == "xlsx":
        import datetime as dt
        import openpyxl
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Alignment
        book = openpyxl.Workbook(write_only=True)
        plan = book.create_sheet("Action plan")
        wrap = Alignment(wrap_text=True, vertical="top")
        def cell(ws, value, **style):
            if isinstance(value, str) and len(value) == 10 and value[4] == "-":
                value = dt.date.fromisoformat(value)
            item = WriteOnlyCell(ws, value=value)
            if isinstance(value, dt.date):
                item.number_format = "d mmmm yyyy"
            for name, setting in style.items():
                setattr(item, name, setting)
            return item
        sheets = {name: book.create_sheet(name) for name in ("Updates", "Evidence", "Reviews")}
        for row in items:
            plan.append([cell(plan, v, alignment=wrap) for v in row])
        for name, rows in logs().items():
            for row in rows:
                sheets[name].append([cell(sheets[name], v) for v in row])
        book.save(target)
    elif step == "docx":
        # python-docx with the usual remedy for its quadratic add_row: a formatted row made
        # once, deep-copied for each item with its text set, the whole document in memory.
        import copy
        from docx import Document
        from docx.oxml.ns import qn
        from docx.shared import Pt
        document = Document()
        document.add_heading("Action plan: recommendations of every review", level=1)
        table = document.add_table(rows=1, cols=16)
        table.style = "Table Grid"
        for number, cell in enumerate(table.rows[0].cells):
            cell.paragraphs[0].add_run(f"Column {number + 1}").bold = True
        pattern = table.add_row()
        for cell in pattern.cells:
            cell.paragraphs[0].add_run().font.size = Pt(7)
        tbl, tr = table._tbl, pattern._tr
        tbl.remove(tr)
        t = qn("w:t")
        for row in items:
            new = copy.deepcopy(tr)
            for tc, value in zip(new.iterchildren(qn("w:tc")), row):
                text = tc[-1][-1].makeelement(t, {})
                text.text = "" if value is None else str(value)
                tc[-1][-1].append(text)
            tbl.append(new)
        document.save(target)
print(f"cpu {time.process_time():.3f}", file=sys.stderr)
print(f"{time.perf_counter() - started:.3f}", file=sys.stderr)
"""

FORMATS = ("json", "csv", "xlsx", "docx")
TARGETS = {"json": "3 s", "csv": "3 s", "xlsx": "1.3 × anchor", "docx": "150 MB"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    source = dataset(args.items)
    formats = args.formats.split(",")
    env = environment(DATA)
    step = [sys.executable, "-c", STEP]
    print(f"Machine: {machine()}")
    print(f"{args.items:,} items; {args.runs} run(s) each, alternating; medians (min-max).")
    results: dict[str, list[tuple[float, float, int]]] = {}
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(folder) / "export.sqlite3"  # an export writes its audit entry
        shutil.copyfile(source, copy)
        for run in range(args.runs):
            for fmt in formats:
                # The anchors' step is named by its format; they only read the data set.
                for name, kind, db in (
                    (f"anchor-{fmt}", fmt, source),
                    (f"export-{fmt}", "export", copy),
                ):
                    out = Path(folder) / f"{name}-{run}.{fmt}"
                    said, _, peak = timed_lines([*step, kind, str(db), str(out)], env)
                    cpu = next(float(line[4:]) for _, line in said if line.startswith("cpu "))
                    results.setdefault(name, []).append((float(said[-1][1]), cpu, peak))
                    out.unlink()

    # CPU seconds (the process's own, median) say more than the wall's on a shared machine.
    print(
        "| format | anchor (s) | casereview (s) | ratio | target | anchor CPU (s) "
        "| casereview CPU (s) | anchor MB | casereview MB |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for fmt in formats:
        anchor, ours = results[f"anchor-{fmt}"], results[f"export-{fmt}"]
        a, o = median([s for s, _, _ in anchor]), median([s for s, _, _ in ours])
        spread = f"{min(s for s, _, _ in ours):.2f}-{max(s for s, _, _ in ours):.2f}"
        cpus = f"{median([c for _, c, _ in anchor]):.2f} | {median([c for _, c, _ in ours]):.2f}"
        print(
            f"| {fmt} | {a:.2f} | {o:.2f} ({spread}) | {o / a:.2f} | {TARGETS[fmt]} | {cpus} | "
            f"{max(p for _, _, p in anchor)} | {max(p for _, _, p in ours)} |"
        )


if __name__ == "__main__":
    main()
