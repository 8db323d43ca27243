"""Importing a file again when nothing in it has changed, against reading that file alone.

    python benchmarks/reimport.py [--recommendations 100000] [--runs 3] [--formats json xlsx]

A copy of the generated data set is exported in each format (JSON, .xlsx action plan).
Then, in fresh processes taking turns, "read" reads and checks the whole file with the
import's own reader (``db.services.transfer.read_source``; for a tracker, whose rows that
reads only as they are imported, also one pass over its rows, ``TrackerFile.check``) and
stops; "re-import" runs ``casereview import FILE --db COPY`` into the copy the file came
from. Each prints its own seconds. The re-import must write nothing: the copy's SHA-256 is
compared before and after every run, and the run stops if it moved (so every row is a
re-import that left the database unchanged).
Target (issue 26): the re-import within 1.2 times the read.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import dataset, environment, machine, median, run_casereview, timed

STEP = r"""
import sys, time
started = time.perf_counter()
step, source, target = sys.argv[1:4]
if step == "read":
    from pathlib import Path
    from db.exchange import Document
    from db.services.transfer import read_source
    read = read_source(Path(source))
    if not isinstance(read, Document):
        read.check()  # a tracker's rows, which read_source leaves to the import
elif step == "reimport":
    from desktop.cli import main
    if main(["import", source, "--db", target]) != 0:
        raise SystemExit("the import failed")
print(f"{time.perf_counter() - started:.3f}", file=sys.stderr)
"""


def _digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _exported(database: Path, folder: Path, fmt: str) -> Path:
    """``database`` exported as ``fmt`` into ``folder``, made afresh every time: a data set
    generated anew has other evidence times, so a file kept from an earlier one would be an
    import of different data, not of the same again."""
    path = folder / f"reimport.{fmt}"
    run_casereview(["export", "--db", str(database), "-o", str(path)])
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recommendations", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--formats", nargs="+", default=["json", "xlsx"])
    args = parser.parse_args()
    source = dataset(args.recommendations)
    print(f"Machine: {machine()}")
    print()
    print("| file | read (s) | re-import (s) | ratio | target | runs: read / re-import (s) |")
    print("|---|---:|---:|---:|---:|---|")
    with tempfile.TemporaryDirectory() as scratch:
        env = environment(Path(scratch))
        copy = Path(scratch) / "copy.sqlite3"
        shutil.copyfile(source, copy)
        files = {fmt: _exported(copy, Path(scratch), fmt) for fmt in args.formats}
        before = _digest(copy)  # the exports are in its audit trail: then nothing more
        for fmt, exported in files.items():
            reads: list[float] = []
            imports: list[float] = []
            for _ in range(args.runs):  # alternately, so both see the same machine
                command = [sys.executable, "-c", STEP]
                reads.append(timed([*command, "read", str(exported), ""], env)[0])
                imports.append(timed([*command, "reimport", str(exported), str(copy)], env)[0])
                if _digest(copy) != before:
                    raise SystemExit(f"re-importing the {fmt} file changed the database")
            read, again = median(reads), median(imports)
            name = f"{exported.stat().st_size / 1e6:.0f} MB .{fmt}"
            runs = f"{_spread(reads)} / {_spread(imports)}"
            print(f"| {name} | {read:.2f} | {again:.2f} | {again / read:.2f} | 1.20 | {runs} |")


def _spread(values: list[float]) -> str:
    """Every run's figure, for how noisy the shared machine was."""
    return ", ".join(f"{v:.1f}" for v in values)


if __name__ == "__main__":
    main()
