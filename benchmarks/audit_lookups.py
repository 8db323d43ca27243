"""What the window's reads of the audit trail cost at scale: an item's history (read at each
selection) in a database whose trail holds ten entries for each of 100,000 items, as an
imported tracker's does, with the trail's index (revision 0012) and, as the baseline, on a
copy with it dropped, alternating, medians.

    python benchmarks/audit_lookups.py [--items 100000] [--runs 5]

The generated data set writes one audit entry in all (its rows are made in bulk), so the
entries are added here, without their hash chain, which the lookups do not read.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import dataset, machine, median

FIELDS = ("text", "owner", "actions", "target_date", "number", "kind", "review_id", "status")


def _with_a_trail(source: Path, target: Path, items: int) -> None:
    shutil.copyfile(source, target)
    with sqlite3.connect(target) as conn:
        conn.executemany(
            "INSERT INTO audit_log (at, actor, action, entity, entity_id, field, old, new) "
            "VALUES ('2026-01-01 00:00:00', 'import', ?, 'recommendations', ?, ?, NULL, ?)",
            (
                (action, str(item), field, "x" * 40)
                for item in range(1, items + 1)
                for action, field in (("create", None), *(("update", f) for f in FIELDS))
            ),
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from db.queries.details import item_history
    from db.store.database import open_database
    from db.store.location import resolve_location
    from db.store.models import Recommendation

    with tempfile.TemporaryDirectory() as folder:
        indexed, bare = Path(folder) / "indexed.sqlite3", Path(folder) / "bare.sqlite3"
        _with_a_trail(dataset(args.items), indexed, args.items)
        open_database(resolve_location(str(indexed))).close()  # migrated: the index made
        shutil.copyfile(indexed, bare)
        with sqlite3.connect(bare) as conn:
            conn.execute("DROP INDEX ix_audit_log_entity_entity_id")
        chosen = (1, args.items // 2, args.items)  # the oldest items are read back furthest
        times: dict[str, list[float]] = {"with the index": [], "without it": []}
        for _ in range(args.runs):
            for name, path in (("with the index", indexed), ("without it", bare)):
                opened = open_database(resolve_location(str(path)))
                with opened as database, database.session() as session:
                    for item in chosen:
                        rec = session.get(Recommendation, item)
                        start = time.perf_counter()
                        item_history(session, rec)
                        times[name].append((time.perf_counter() - start) * 1000)
    print(machine())
    print(f"An item's history at {args.items:,} items, {args.items * 9:,} audit entries:")
    for name, taken in times.items():
        print(f"  {name}: median {median(taken):.1f} ms, worst {max(taken):.1f} ms")


if __name__ == "__main__":
    main()
