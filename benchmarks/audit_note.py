"""What noting the audit trail's head after each commit costs (db.store.audit_anchor): the same
small commits with the note and, as the baseline, with it switched off, alternating, medians.

    python benchmarks/audit_note.py [--commits 300] [--runs 5]

Each commit records one audit entry (an export, as the window records one), the smallest
change a user makes; larger commits pay the same fixed cost.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import machine, median


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=300)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from db.store.audit import record
    from db.store.database import Database, open_database
    from db.store.location import resolve_location

    noting = Database._find_audit_head

    def commits(database: Database) -> float:
        start = time.perf_counter()
        for number in range(args.commits):
            with database.transaction("benchmark") as session:
                record(session, entity="exports", entity_id=f"plan-{number}.xlsx")
        return (time.perf_counter() - start) / args.commits * 1000

    times: dict[str, list[float]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.runs):
            for label in ("off", "on"):
                # The baseline: the same database layer with the lookup before commit
                # switched off, so nothing is noted.
                Database._find_audit_head = (  # type: ignore[method-assign]
                    noting if label == "on" else lambda self, session: None
                )
                path = Path(folder) / f"{label}-{len(times[label])}.sqlite3"
                with open_database(resolve_location(str(path)), create=True) as database:
                    commits(database)  # warm: connections made, statements cached
                    times[label].append(commits(database))
    Database._find_audit_head = noting  # type: ignore[method-assign]
    off, on = median(times["off"]), median(times["on"])
    print(f"Machine: {machine()}")
    print(f"{args.commits} commits of one audit entry each; {args.runs} runs; medians.")
    print("| per commit | without the note (ms) | with it (ms) | difference (ms) | ratio |")
    print("|---|---:|---:|---:|---:|")
    print(f"| SQLite file | {off:.3f} | {on:.3f} | {on - off:+.3f} | {on / off:.2f} |")


if __name__ == "__main__":
    main()
