"""The meeting laptop at 4,000 items: a whole shared database checked out into a new SQLite
file, 500 items changed in the copy (20 of them changed differently in the shared database
meanwhile: the conflicts), the merge planned and written, and ``casereview check`` of the
shared database after it; on SQLite and, with ``--postgres``, on PostgreSQL. Medians of fresh
runs, each on a fresh copy of the generated database.

    python benchmarks/laptop.py [--runs 3] [--postgres URL]

The anchor, timed beside the steps in every run, is the same data moved without casereview's
rules: the whole shared database exported as a ``Document`` (``collect_document``) and
imported into a new SQLite file (``apply_document``). That round trip is what the check-out
is built on, and the merge is made of its halves (it reads both databases as documents and
writes through the import's ``Importer``), so a step's ratio to it is what the rules cost
beyond moving the records once: the base kept in the copy and the copy exported again to
check it; the three-way comparison and the audit trail's attribution. A ``sqlite3`` backup of
the file would be no anchor: it copies pages, not records, cannot be taken of PostgreSQL, and
the ratio to it would mostly measure the ORM.

Besides the 500 items' owner changed in the copy (480 applied as they are, 20 conflicts
answered "copy"), 100 other items' actions are changed in the shared database only, and kept.
Every run checks that the merge saw exactly those 20 conflicts and wrote 500 changes, that
the shared database then holds the copy's 500 owners and its own 100 actions, and that
``casereview check`` finds it sound; it stops with an error otherwise.

With ``--postgres URL`` (a server where the user may create databases), the data set is
generated once into a new database there, each run works on a fresh database made from it
as a template, and all of them are dropped at the end.

Target (issue 24): check-out and merge complete in seconds on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from common import dataset, generate, machine, median

from db.services.editing import ItemKey

ITEMS = 4_000
CHANGED, CONFLICTS, KEPT = 500, 20, 100
ACTOR = "Benchmark"
STEPS = (
    "export and import (anchor)",
    "check-out",
    "merge planned",
    "merge written",
    "check-out + merge",
    "casereview check",
)
Fresh = Callable[[Path], Iterator[Any]]  # a fresh shared database's Location for one run


def sqlite_shared(size: int) -> Fresh:
    """Each run's shared database: a copy of the generated file in the run's folder."""
    from db.store.location import resolve_location

    source = dataset(size)

    @contextmanager
    def fresh(folder: Path) -> Iterator[Any]:
        path = folder / "shared.sqlite3"
        shutil.copy(source, path)
        yield resolve_location(str(path))

    return fresh


@contextmanager
def postgres_shared(server_url: str, size: int) -> Iterator[Fresh]:
    """The data set generated once into a new database on the server; each run's shared
    database made from it as a template and dropped after the run; the template dropped
    at the end."""
    from sqlalchemy import create_engine, text

    from db.store.location import Location, resolve_location

    server = resolve_location(server_url)
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    base = f"casereview_bench_{uuid.uuid4().hex[:12]}"

    def run_sql(statement: str) -> None:
        with admin.connect() as conn:
            conn.execute(text(statement))

    @contextmanager
    def fresh(folder: Path) -> Iterator[Any]:
        name = f"{base}_{folder.name}"
        run_sql(f'CREATE DATABASE "{name}" TEMPLATE "{base}"')
        try:
            yield Location(server.url.set(database=name))
        finally:
            run_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    try:
        run_sql(f'CREATE DATABASE "{base}"')
        generate(server.url.set(database=base).render_as_string(hide_password=False), size)
        yield fresh
    finally:
        run_sql(f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)')
        admin.dispose()


def item_keys(database: Any) -> list[ItemKey]:
    """Every item's key, in the order they were made."""
    from sqlalchemy import select

    from db.services.editing import key_of
    from db.store.models import Recommendation

    with database.session() as session:
        return [key_of(r) for r in session.scalars(select(Recommendation).order_by("id"))]


def change(database: Any, keys: list[ItemKey], field: str, value: Callable[[int], str]) -> None:
    """Set ``field`` of each item to ``value(n)`` through the service layer, in one
    transaction, as the window's edits would."""
    from db.services.editing import item_fields, update_item

    with database.transaction(ACTOR) as session:
        for n, key in enumerate(keys):
            update_item(session, key, replace(item_fields(session, key), **{field: value(n)}))


def in_the_meeting(n: int) -> str:
    return f"Owner agreed in the meeting ({n})"


def in_the_office(n: int) -> str:
    return f"Owner set in the office ({n})"


def actions_in_the_office(n: int) -> str:
    return f"Actions set in the office ({n})"


def expect(condition: bool, what: str) -> None:
    """Stop the benchmark, loudly: a fast merge that merged the wrong thing measures nothing."""
    if not condition:
        raise SystemExit(f"The benchmark's merge went wrong: {what}.")


def verify_merged(database: Any, changed: list[ItemKey], kept: list[ItemKey]) -> None:
    """The shared database holds the copy's owners (the conflicts answered "copy") and its
    own actions."""
    from db.services.editing import item_fields

    with database.session() as session:
        owners = [item_fields(session, key).owner for key in changed]
        actions = [item_fields(session, key).actions for key in kept]
    expect(owners == [in_the_meeting(n) for n in range(len(changed))], "an owner is not merged")
    expect(actions == [actions_in_the_office(n) for n in range(len(kept))], "actions were lost")


def one_run(location: Any, folder: Path, today: dt.date) -> list[float]:
    """The steps' seconds, in STEPS' order, on the fresh shared database at ``location``."""
    from db.exchange import apply_document, collect_document
    from db.services.checkout import Scope, check_out
    from db.services.integrity import check_database
    from db.services.merge import Answer, merge_copy, plan_merge
    from db.store.database import open_database
    from db.store.location import resolve_location

    seconds = []
    with open_database(location) as shared:
        start = time.perf_counter()
        with shared.session() as session:
            document = collect_document(session, today)
        plain = resolve_location(str(folder / "plain.sqlite3"))
        with open_database(plain, create=True) as target, target.transaction(ACTOR) as session:
            apply_document(session, document)
        seconds.append(time.perf_counter() - start)

        laptop = folder / "laptop.sqlite3"
        start = time.perf_counter()
        check_out(shared, laptop, scope=Scope(), actor=ACTOR, today=today)
        seconds.append(time.perf_counter() - start)

        keys = item_keys(shared)
        expect(len(keys) == ITEMS, f"the data set holds {len(keys):,} items, not {ITEMS:,}")
        changed = keys[:: ITEMS // CHANGED][:CHANGED]
        conflicting = changed[:: CHANGED // CONFLICTS][:CONFLICTS]
        kept = keys[1 :: ITEMS // KEPT][:KEPT]  # none of them changed in the copy
        with open_database(resolve_location(str(laptop))) as copy:
            change(copy, changed, "owner", in_the_meeting)
            change(shared, conflicting, "owner", in_the_office)
            change(shared, kept, "actions", actions_in_the_office)

            start = time.perf_counter()
            plan = plan_merge(copy, shared, today=today)
            seconds.append(time.perf_counter() - start)
            conflicts = plan.merge.conflicts
            expect(len(conflicts) == CONFLICTS, f"the plan saw {len(conflicts)} conflicts")
            answers = {c.key: Answer("copy") for c in conflicts}

            start = time.perf_counter()
            summary = merge_copy(copy, shared, actor=ACTOR, today=today, answers=answers, plan=plan)
            seconds.append(time.perf_counter() - start)
            expect(summary.conflicts == CONFLICTS, f"the merge saw {summary.conflicts} conflicts")
            expect(len(summary.applied) == CHANGED, f"it wrote {len(summary.applied)} changes")
            expect(summary.copy_marked is None, "the copy was not marked merged")
        verify_merged(shared, changed, kept)
    seconds.append(sum(seconds[1:4]))

    start = time.perf_counter()
    report = check_database(location)
    seconds.append(time.perf_counter() - start)
    expect(report.sound, f"casereview check found {len(report.problems)} problems")
    return seconds


def measure(name: str, fresh: Fresh, runs: int, folder: Path) -> None:
    """Print one backend's table: each step's median over ``runs`` and its ratio to the
    anchor's."""
    today = dt.date.today()
    times = []
    for number in range(runs):
        run_folder = folder / f"{name.lower()}{number}"
        run_folder.mkdir()
        with fresh(run_folder) as location:
            times.append(one_run(location, run_folder, today))
    medians = [median([run[index] for run in times]) for index in range(len(STEPS))]
    print(f"\n{name}: {ITEMS:,} items, {CHANGED} changed in the copy, {CONFLICTS} conflicts.")
    print("| step | seconds | / anchor |")
    print("|---|---:|---:|")
    for step, seconds in zip(STEPS, medians, strict=True):
        print(f"| {step} | {seconds:.2f} | {seconds / medians[0]:.2f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--postgres", metavar="URL", help="also on this PostgreSQL server")
    args = parser.parse_args()
    print(f"Machine: {machine()}")
    print(f"{args.runs} runs on each backend, each on a fresh copy of the data set; medians.")
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite", sqlite_shared(ITEMS), args.runs, Path(folder))
        if args.postgres:
            with postgres_shared(args.postgres, ITEMS) as fresh:
                measure("PostgreSQL", fresh, args.runs, Path(folder))


if __name__ == "__main__":
    main()
