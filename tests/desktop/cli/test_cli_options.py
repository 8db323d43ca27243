"""The command line's options keep db/core/fields.py's rules: refused in one line, never trimmed
or cut, and no file is touched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers.cli import assert_clean_error, run, snapshot


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["export", "--db", "", "-o", "out.json"], "argument --db: give an SQLite file"),
        (["export", "--db", "p.sqlite3", "-o", "out.json", "--review", ""], "give a reference"),
        (["export", "--db", "p.sqlite3", "-o", "o.json", "--review", "R-1 "], "begins or ends"),
        (["import", "t.csv", "--db", "p.sqlite3", "--review", "R" * 61], "longer than the 60"),
        (["brief", "--db", "p.sqlite3", "-o", "p.pdf", "--inspection", " I-1"], "begins or ends"),
        # Found by a new user: these ran off the page, or were taken as no choice at all.
        (["brief", "--db", "p.sqlite3", "-o", "p.pdf", "--marking", "M" * 61], "longer than"),
        (["brief", "--db", "p.sqlite3", "-o", "p.pdf", "--marking", "A\nB"], "line break"),
        (["brief", "--db", "p.sqlite3", "-o", "p.pdf", "--title", "T" * 401], "longer than"),
        (["brief", "--db", "p.sqlite3", "-o", "p.pdf", "--prepared-by", " "], "begins or ends"),
        (["import", "t.csv", "--db", "p.sqlite3", "--sheet", ""], "give the sheet's name"),
    ],
)
def test_bad_option_values_are_refused_in_one_line(
    tmp_path: Path, args: list[str], fragment: str
) -> None:
    (tmp_path / "t.csv").write_text("Number,Recommendation\n1,Share information\n")
    before = snapshot(tmp_path)
    assert_clean_error(run(*args, cwd=tmp_path), fragment, code=2)
    assert snapshot(tmp_path) == before
