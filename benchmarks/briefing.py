"""Briefing packs at 250, 1,000 and 4,000 recommendations against a plain ReportLab table of
the same rows, side by side in one run; and the pack's growth from 1,000 to 4,000.

    python benchmarks/briefing.py [--runs 3]

Targets (issue 4): four times the recommendations at most 4.5 times the time; a pack of
1,000 within 2 times the plain table.
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
from common import dataset, machine

SIZES = (250, 1_000, 4_000)


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
    args = parser.parse_args()
    today = dt.date.today()
    print(f"Machine: {machine()}")
    print(f"{args.runs} runs each, alternating; medians.")
    print(
        "| recommendations | plain table (s) | wrapped table (s) | briefing pack (s) "
        "| pack / plain | pack / wrapped | pages | peak MB |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    pack_times: dict[int, float] = {}
    for size in SIZES:
        database = open_database(resolve_location(str(dataset(size))))
        base, wrapped, full = [], [], []
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
        rows = [["No.", "Text", "Lead", "Joint", "Target", "Status", "Rating"]] + [
            [
                i.number,
                (i.text or "")[:220],
                i.lead,
                i.joint,
                str(i.target_date or ""),
                i.status.label,
                i.rating.label if i.rating else "",
            ]
            for i in pack.items
        ]
        for _ in range(args.runs):
            start = time.perf_counter()
            plain_table(rows)
            base.append(time.perf_counter() - start)
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
        b, w, f = statistics.median(base), statistics.median(wrapped), statistics.median(full)
        pack_times[size] = f
        # One process runs every size in turn, smallest first: its peak so far is this size's.
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(
            f"| {size:,} | {b:.2f} | {w:.2f} | {f:.2f} | {f / b:.2f} | {f / w:.2f} | {pages} "
            f"| {peak} |"
        )
    growth = pack_times[4_000] / pack_times[1_000]
    print(f"\nGrowth from 1,000 to 4,000 recommendations: {growth:.2f} times (target at most 4.5)")


if __name__ == "__main__":
    main()
