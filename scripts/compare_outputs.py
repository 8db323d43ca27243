"""Make casereview's outputs from one source tree, and compare two such sets.

Used to show that a change of structure changed no behaviour (issue 22): the same commands
run in the tree before and the tree after, on the sample data and on a generated set, and
every output is read back and compared apart from the moments it was made.

    python scripts/compare_outputs.py make SOURCE_TREE OUT_FOLDER
    python scripts/compare_outputs.py compare BEFORE_FOLDER AFTER_FOLDER

``make`` runs ``python -m desktop`` with SOURCE_TREE first on the path, so it runs that
tree's code whatever is installed. ``compare`` reads each JSON export as data, each .xlsx
workbook cell by cell with openpyxl (and its sheets' settings: frozen panes, filters, widths,
validations), each CSV as text and each PDF page by page with pypdf (the page size and the
text, as words: a paragraph naming the pack's own audit hash wraps differently), after
replacing times of day and instants (``2026-12-04T20:41:07``, ``20:41``) with a
placeholder. It prints one line per file and exits 1 if any differs.
"""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

MEETING = "2026-12-10"
SINCE = "2026-10-01"
DATA_SETS = {
    "sample": [["demo", "--force"]],
    "generated": [["generate", "--reviews", "40", "--recommendations", "4000", "--seed", "7"]],
}
OUTPUTS = [
    (["export", "--format", "json", "-o", "{out}/export.json"]),
    (["export", "--format", "xlsx", "-o", "{out}/export.xlsx"]),
    (["export", "--format", "csv", "-o", "{out}/export.csv"]),
    (
        [
            "brief",
            "-o",
            "{out}/pack.pdf",
            "--meeting-date",
            MEETING,
            "--since",
            SINCE,
            "--prepared-by",
            "Business manager",
        ]
    ),
    (["brief", "-o", "{out}/pack-redacted.pdf", "--meeting-date", MEETING, "--redact"]),
]

_INSTANT = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?([+-]\d\d:\d\d|Z)?")
_HASH = re.compile(r"\b[0-9a-f]{64}\b")
_TIME = re.compile(r"\b\d\d:\d\d(:\d\d)?\b")


def _plain(text: str) -> str:
    return _TIME.sub("<time>", _INSTANT.sub("<instant>", text))


def _words(text: str) -> str:
    # A pack names the hash of its own audit entry, which holds the moment it was made; the
    # hash's length changes how the paragraph wraps, so words are compared, not lines.
    return " ".join(_HASH.sub("<hash>", _plain(text)).split())


def make(tree: Path, out: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(tree), QT_QPA_PLATFORM="offscreen")
    for name, setup in DATA_SETS.items():
        folder = out / name
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / "data.sqlite"
        database.unlink(missing_ok=True)
        for command in setup + [[a.format(out=folder) for a in o] for o in OUTPUTS]:
            args = [sys.executable, "-m", "desktop", command[0], "--db", str(database)]
            subprocess.run(args + command[1:], cwd=tree, env=env, check=True)
        database.unlink()
        shutil.rmtree(folder / "data.sqlite-backups", ignore_errors=True)


def _json(path: Path) -> Any:
    return json.loads(_plain(path.read_text(encoding="utf-8")))


def _xlsx(path: Path) -> Any:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheets = []
    for sheet in book.worksheets:
        cells = [[_plain(str(v)) if v is not None else None for v in row] for row in sheet.values]
        settings = {
            "freeze": sheet.freeze_panes,
            "filter": sheet.auto_filter.ref,
            "widths": {k: d.width for k, d in sorted(sheet.column_dimensions.items())},
            "validations": [
                (v.type, v.formula1, str(v.sqref)) for v in sheet.data_validations.dataValidation
            ],
        }
        sheets.append((sheet.title, cells, settings))
    return sheets


def _csv(path: Path) -> Any:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [[_plain(c) for c in row] for row in csv.reader(f)]


def _pdf(path: Path) -> Any:
    from pypdf import PdfReader

    reader = PdfReader(path)
    return [
        (tuple(float(x) for x in page.mediabox), _words(page.extract_text() or ""))
        for page in reader.pages
    ]


READERS = {".json": _json, ".xlsx": _xlsx, ".csv": _csv, ".pdf": _pdf}


def compare(before: Path, after: Path) -> int:
    failures = 0
    names = sorted({p.relative_to(before) for p in before.rglob("*") if p.is_file()})
    for name in names:
        read = READERS[name.suffix]
        if not (after / name).exists():
            print(f"missing after: {name}")
            failures += 1
            continue
        same = read(before / name) == read(after / name)
        failures += not same
        size = (before / name).stat().st_size
        print(f"{'same' if same else 'DIFFERENT'}: {name} ({size:,} bytes)")
    return 1 if failures else 0


def main(argv: list[str]) -> int:
    if len(argv) == 3 and argv[0] == "make":
        make(Path(argv[1]).resolve(), Path(argv[2]).resolve())
        return 0
    if len(argv) == 3 and argv[0] == "compare":
        return compare(Path(argv[1]), Path(argv[2]))
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
