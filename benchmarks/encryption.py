"""What encryption at rest costs: the same work on a plain and an encrypted copy of one
generated database, side by side, alternating, medians.

    python benchmarks/encryption.py [--recommendations 10000] [--runs 5]

Target (issue 6): an encrypted database costs at most 20 % more than a plain one. Measured:
opening (the passphrase's key derivation included), the tracker's pages and counts as the
window asks for them (sorted, filtered, searched), saving edits one transaction at a time,
and a backup.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import dataset, machine, median

SECRET = "correct horse battery staple"
TODAY = dt.date(2026, 11, 22)


def workloads() -> dict[str, Callable[[Any, Path], None]]:
    """Each takes a Location; all but the first time work on a database already open, as the
    window's is (opening, with its key derivation and check, is timed on its own)."""
    from sqlalchemy import select

    from db.core.vocabulary import Status
    from db.queries import tracker
    from db.queries.rows import SortKey, TrackerFilter
    from db.store.backups import back_up
    from db.store.cipher import Passphrase
    from db.store.database import open_database
    from db.store.models import Recommendation

    def opening(location: Any, _scratch: Path) -> None:
        fresh = location.with_passphrase(
            None if location.passphrase is None else Passphrase(SECRET)  # derived anew
        )
        with open_database(fresh) as database, database.session() as session:
            tracker.page(session, TrackerFilter(), TODAY)

    def reading(database: Any, _scratch: Path) -> None:
        filters = [
            TrackerFilter(),
            TrackerFilter(text="information sharing"),
            TrackerFilter(statuses=frozenset({Status.NOT_STARTED}), overdue=True),
            TrackerFilter(text="supervision", due_before=TODAY),
        ]
        with database.session() as session:
            for flt in filters:
                for sort in (SortKey.SOURCE, SortKey.TARGET_DATE):
                    tracker.count(session, flt, TODAY)
                    for offset in (0, 1000, 5000):
                        tracker.page(session, flt, TODAY, sort=sort, offset=offset)

    def saving(database: Any, _scratch: Path) -> None:
        with database.session() as session:
            ids = session.scalars(select(Recommendation.id).limit(100)).all()
        for number, item_id in enumerate(ids):
            with database.transaction("benchmark") as session:
                item = session.get(Recommendation, item_id)
                assert item is not None
                item.owner = f"Owner {number} {time.perf_counter_ns()}"

    def backing_up(database: Any, scratch: Path) -> None:
        back_up(database.location, scratch / "backup.sqlite3")

    return {
        "open and first page": opening,
        "tracker pages and counts (24 queries)": reading,
        "100 edits, one transaction each": saving,
        "backup": backing_up,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recommendations", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from db.services.encrypt import encrypt
    from db.store.cipher import Passphrase
    from db.store.database import open_database
    from db.store.location import resolve_location

    source = dataset(args.recommendations)
    with tempfile.TemporaryDirectory() as folder:
        scratch = Path(folder)
        plain_path, encrypted_path = scratch / "plain.sqlite3", scratch / "encrypted.sqlite3"
        for path in (plain_path, encrypted_path):
            shutil.copyfile(source, path)
        plain = resolve_location(str(plain_path))
        open_database(plain).close()  # both at this version's schema before timing
        open_database(resolve_location(str(encrypted_path))).close()
        encrypt(resolve_location(str(encrypted_path)), Passphrase(SECRET))
        encrypted = resolve_location(str(encrypted_path)).with_passphrase(Passphrase(SECRET))
        databases = {"plain": open_database(plain), "encrypted": open_database(encrypted)}

        print(f"Machine: {machine()}")
        print(
            f"{args.recommendations:,} recommendations; {args.runs} runs each, alternating; "
            "medians. Opening is given the passphrase anew each run, so it includes the key's "
            "derivation; the rest work on a database already open, as the window's is."
        )
        print("| work | plain (s) | encrypted (s) | ratio | target |")
        print("|---|---:|---:|---:|---:|")
        for name, work in workloads().items():
            times: dict[str, list[float]] = {"plain": [], "encrypted": []}
            for _ in range(args.runs):
                for label in ("plain", "encrypted"):
                    database = databases[label]
                    subject = database.location if name == "open and first page" else database
                    start = time.perf_counter()
                    work(subject, scratch)
                    times[label].append(time.perf_counter() - start)
            p, e = median(times["plain"]), median(times["encrypted"])
            print(f"| {name} | {p:.3f} | {e:.3f} | {e / p:.2f} | 1.20 |")
        for database in databases.values():
            database.close()


if __name__ == "__main__":
    main()
