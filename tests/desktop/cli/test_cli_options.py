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


@pytest.mark.parametrize(
    "db",
    ["~nosuchuser-casereview", "~nosuchuser-casereview/p.sqlite3", "sqlite:///~0/p.sqlite3"],
)
def test_a_home_folder_of_no_user_is_refused_in_one_line(tmp_path: Path, db: str) -> None:
    # Found by Hypothesis: Python's expanduser raised RuntimeError for "~0", a traceback.
    before = snapshot(tmp_path)
    result = run("export", "--db", db, "-o", "out.json", cwd=tmp_path)
    assert_clean_error(result, "names no home folder on this computer")
    assert snapshot(tmp_path) == before


def test_a_log_folder_in_the_home_of_no_user_keeps_no_log_and_stops_nothing(
    tmp_path: Path,
) -> None:
    env = {"CASEREVIEW_LOG_DIR": "~nosuchuser-casereview/logs"}
    result = run("demo", "--db", str(tmp_path / "p.sqlite3"), cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert not list(tmp_path.glob("**/*.log"))
