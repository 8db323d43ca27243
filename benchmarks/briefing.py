"""Briefing packs at 250, 1,000, 4,000 and 8,000 recommendations against a plain ReportLab
table of the same rows, side by side in one run; and the pack's growth with the items.

    python benchmarks/briefing.py [--runs 3]
    python benchmarks/briefing.py --growth 3   # packs only, the sizes interleaved

Targets (issue 4): four times the recommendations at most 4.5 times the time; a pack of
1,000 within 2 times the plain table. Issue 26: 8,000 items over 500 reviews (a heading, a
table and its headers each) within 2.5 times the plain table, and linear in items (8,000 over
40 reviews, as the smaller sets, against 4,000). The wrapped table, which splits
quadratically, is left out at 8,000.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import DATA, dataset, machine, run_casereview

from db.queries.briefing_content import PackItem

# (recommendations, reviews): None as ``dataset`` makes them, 200 a review. 8,000 items in both
# shapes: their growth from 4,000 is the items' alone, and 500 reviews add the reviews' cost.
SIZES = ((250, None), (1_000, None), (4_000, None), (8_000, None), (8_000, 500))
WRAPPED_UP_TO = 4_000


def dataset_of(recommendations: int, reviews: int | None) -> Path:
    """``dataset``, or a generated database with this many reviews, made once and kept."""
    if reviews is None:
        return dataset(recommendations)
    path = DATA / f"generated-{recommendations}-{reviews}.sqlite3"
    if not path.exists():
        run_casereview(
            ["generate", "--db", str(path), "--reviews", str(reviews),
             "--recommendations", str(recommendations), "--seed", "1"]
        )  # fmt: skip
    return path


def plain_table(rows: list[list[str]]) -> bytes:
    """The baseline: one ReportLab table of the same rows, same font, repeated header."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from desktop.briefing.pack import FONT, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, initialFontName=FONT)
    widths = [doc.width * f for f in (0.06, 0.34, 0.15, 0.15, 0.1, 0.1, 0.1)]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 7.6)]))
    doc.build([table])
    return buffer.getvalue()


def plain_tables(groups: list[list[list[str]]]) -> bytes:
    """The baseline again, one table a review: the same rows and font, each review's rows a
    table with its own repeated header. A single Table lays out all that is left of itself
    again at each page break, so its time grows faster than its rows (6 s at 8,000 against
    2.2 s at 4,000); split by review, as the pack is, it grows with them."""
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import SimpleDocTemplate, Table, TableStyle

    from desktop.briefing.pack import FONT, register_fonts

    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, initialFontName=FONT)
    widths = [doc.width * f for f in (0.06, 0.34, 0.15, 0.15, 0.1, 0.1, 0.1)]
    style = TableStyle([("FONT", (0, 0), (-1, -1), FONT, 7.6)])
    tables = []
    for rows in groups:
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(style)
        tables.append(table)
    doc.build(tables)
    return buffer.getvalue()


def _row(item: PackItem) -> list[str]:
    return [
        item.number,
        (item.text or "")[:220],
        item.lead,
        item.joint,
        str(item.target_date or ""),
        item.status.label,
        item.rating.label if item.rating else "",
    ]


HEADER = ["No.", "Text", "Lead", "Joint", "Target", "Status", "Rating"]


def wrapped_table(rows: list[list[str]]) -> bytes:
    """A second baseline: the same rows as one table of wrapping Paragraph cells, the
    straightforward way to make them readable (and the one that splits quadratically)."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    from desktop.briefing.pack import FONT, register_fonts

    register_fonts()
    style = ParagraphStyle("cell", fontName=FONT, fontSize=7.6, leading=9.4)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, initialFontName=FONT)
    widths = [doc.width * f for f in (0.06, 0.34, 0.15, 0.15, 0.1, 0.1, 0.1)]
    cells = [[Paragraph(c, style) for c in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), FONT, 7.6)]))
    doc.build([table])
    return buffer.getvalue()


def main() -> None:
    from db.queries.briefing_content import PackOptions, gather
    from db.store.database import open_database
    from db.store.location import resolve_location
    from desktop.briefing import render_pack

    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--growth", type=int, metavar="RUNS", help="time only the packs, sizes interleaved"
    )
    args = parser.parse_args()
    if args.growth:
        interleaved(args.growth)
        return
    today = dt.date.today()
    print(f"Machine: {machine()}")
    print(f"{args.runs} runs each, alternating; medians.")
    print(
        "| recommendations | reviews | plain table (s) | plain, a table a review (s) "
        "| wrapped table (s) | briefing pack (s) | pack / plain | pack / a table a review "
        "| pack / wrapped | pages | peak MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    pack_times: dict[tuple[int, int | None], float] = {}
    for size, reviews in SIZES:
        database = open_database(resolve_location(str(dataset_of(size, reviews))))
        base, split, wrapped, full = [], [], [], []
        pages = 0
        # The baselines get the rows ready-made; the pack's time includes gathering them.
        with database.session() as session:
            pack = gather(
                session,
                PackOptions(
                    today=today,
                    title="Benchmark",
                    marking="OFFICIAL-SENSITIVE",
                    prepared_by="benchmark",
                ),
            )
        rows = [HEADER, *(_row(i) for i in pack.items)]
        groups = [[HEADER, *(_row(i) for i in r.items)] for r in pack.reviews if r.items]
        findings = [_row(f) for i in pack.inspections for f in i.findings if f.rating]
        groups += [[HEADER, *findings]] if findings else []
        for _ in range(args.runs):
            start = time.perf_counter()
            plain_table(rows)
            base.append(time.perf_counter() - start)
            start = time.perf_counter()
            plain_tables(groups)
            split.append(time.perf_counter() - start)
            if size <= WRAPPED_UP_TO:
                start = time.perf_counter()
                wrapped_table(rows)
                wrapped.append(time.perf_counter() - start)
            start = time.perf_counter()
            with database.session() as session:
                pack = gather(
                    session,
                    PackOptions(
                        today=today,
                        title="Benchmark",
                        marking="OFFICIAL-SENSITIVE",
                        prepared_by="benchmark",
                    ),
                )
            pdf = render_pack(pack)
            full.append(time.perf_counter() - start)
            pages = pdf.count(b"/Type /Page\n") or pdf.count(b"/Type /Page")
        database.close()
        b, t, f = statistics.median(base), statistics.median(split), statistics.median(full)
        w = statistics.median(wrapped) if wrapped else None
        pack_times[size, reviews] = f
        # One process runs every size in turn, smallest first: its peak so far is this size's.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        count = len(pack.reviews)
        print(
            f"| {size:,} | {count:,} | {b:.2f} | {t:.2f} | {f'{w:.2f}' if w else '-'} | {f:.2f} "
            f"| {f / b:.2f} | {f / t:.2f} | {f'{f / w:.2f}' if w else '-'} | {pages} | {peak} |"
        )
    growth = pack_times[4_000, None] / pack_times[1_000, None]
    print(f"\nGrowth from 1,000 to 4,000 recommendations: {growth:.2f} times (target at most 4.5)")
    growth = pack_times[8_000, None] / pack_times[4_000, None]
    print(f"Growth from 4,000 to 8,000 recommendations: {growth:.2f} times (linear: 2)")
    more = pack_times[8_000, 500] / pack_times[8_000, None]
    print(f"8,000 recommendations over 500 reviews rather than 40: {more:.2f} times")
    for (size, reviews), f in pack_times.items():
        print(f"  {size:,} over {reviews or size // 200} reviews: {f / size * 1000:.3f} ms an item")


def interleaved(runs: int) -> None:
    """The pack alone at 1,000, 4,000 and 8,000 items (200 a review), one size after the
    other, ``runs`` times: interleaved, a busy machine's changes of load fall on every size
    alike, which the main table, size after size, cannot promise."""
    from db.queries.briefing_content import PackOptions, gather
    from db.store.database import open_database
    from db.store.location import resolve_location
    from desktop.briefing import render_pack

    options = PackOptions(
        today=dt.date.today(), title="Benchmark", marking="OFFICIAL-SENSITIVE", prepared_by="b"
    )
    sizes = (1_000, 4_000, 8_000)
    databases = {size: open_database(resolve_location(str(dataset(size)))) for size in sizes}
    times: dict[int, list[float]] = {size: [] for size in sizes}
    for _ in range(runs):
        for size, database in databases.items():
            start = time.perf_counter()
            with database.session() as session:
                pack = gather(session, options)
            render_pack(pack)
            times[size].append(time.perf_counter() - start)
    print(f"Machine: {machine()}\n{runs} runs, the sizes interleaved; medians.")
    for size in sizes:
        median = statistics.median(times[size])
        print(f"  {size:,}: {median:.2f} s, {median / size * 1000:.3f} ms an item")
    for database in databases.values():
        database.close()


if __name__ == "__main__":
    main()
