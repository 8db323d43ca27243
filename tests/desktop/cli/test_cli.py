"""The casereview command, run as a user runs it: a separate process, real files.

Every expected error must give exit status non-zero, one plain line on stderr, no traceback,
and leave every file exactly as it was.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from db.exchange.json_format import FORMAT
from db.store.backups import kept_copies
from db.store.location import Location
from desktop import __version__
from tests.helpers import ROOT
from tests.helpers.cli import assert_clean_error, assert_loads_no_gui, run, snapshot
from tests.helpers.spreadsheet_files import agencies_workbook
from tests.helpers.word import all_text, headings, open_docx, sections_marked


def test_version(tmp_path: Path) -> None:
    result = run("--version", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.strip() == f"casereview {__version__}"


def test_console_script_is_installed(tmp_path: Path) -> None:
    script = shutil.which("casereview") or str(Path(sys.executable).parent / "casereview")
    result = subprocess.run(
        [script, "--version"], capture_output=True, text=True, check=False, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("casereview ")


def test_demo_then_export_gives_the_seed_facts(demo_db: Path, tmp_path: Path) -> None:
    result = run("export", "--db", str(demo_db), "--format", "json", "-o", "-", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["format"] == FORMAT
    khyra = next(r for r in data["reviews"] if "Khyra Ishaq" in r["title"])
    assert len(khyra["recommendations"]) == 18
    assert sum(r["status"] == "closed" for r in khyra["recommendations"]) == 1
    grades = sorted(
        a["grade"]
        for i in data["inspections"]
        for a in i["areas"]
        if i["published"] == "2025-11-21"
    )
    assert grades == ["Adequate", "Good"] + ["Requires improvement"] * 3
    names = {i["name"] for i in data["initiatives"]}
    assert {"Operation Encompass", "Operation Makesafe"} <= names


def test_demo_refuses_a_database_that_holds_data(demo_db: Path, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run("demo", "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(result, "already holds data", "--force")
    assert snapshot(tmp_path) == before


def test_demo_force_replaces_the_data(demo_db: Path, tmp_path: Path) -> None:
    extra = tmp_path / "extra.json"
    extra.write_text(
        json.dumps(
            {
                "format": FORMAT,
                "reviews": [
                    {"reference": "EXTRA-1", "kind": "sar", "title": "Extra", "recommendations": []}
                ],
            }
        )
    )
    assert run("import", str(extra), "--db", str(demo_db), cwd=tmp_path).returncode == 0
    result = run("demo", "--db", str(demo_db), "--force", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    exported = json.loads(run("export", "--db", str(demo_db), "-o", "-", cwd=tmp_path).stdout)
    assert "EXTRA-1" not in [r["reference"] for r in exported["reviews"]]
    assert len(exported["reviews"]) == 2


def test_import_into_an_empty_database_then_export_is_the_same(
    demo_db: Path, tmp_path: Path
) -> None:
    first = tmp_path / "first.json"
    assert run("export", "--db", str(demo_db), "-o", str(first), cwd=tmp_path).returncode == 0
    fresh = tmp_path / "fresh.sqlite3"
    result = run("import", str(first), "--db", str(fresh), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "added" in result.stdout
    second = json.loads(run("export", "--db", str(fresh), "-o", "-", cwd=tmp_path).stdout)
    original = json.loads(first.read_text(encoding="utf-8"))
    original.pop("exported_at")
    second.pop("exported_at")
    assert second == original
    assert not list(tmp_path.glob("*.part"))


def test_reimport_updates_and_does_not_duplicate(demo_db: Path, tmp_path: Path) -> None:
    exported = tmp_path / "all.json"
    run("export", "--db", str(demo_db), "-o", str(exported), cwd=tmp_path)
    result = run("import", str(exported), "--db", str(demo_db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "added nothing; updated nothing" in result.stdout
    again = json.loads(run("export", "--db", str(demo_db), "-o", "-", cwd=tmp_path).stdout)
    assert len(again["reviews"]) == 2
    assert sum(len(r["recommendations"]) for r in again["reviews"]) == 26


def test_export_of_one_review(demo_db: Path, tmp_path: Path) -> None:
    result = run(
        "export", "--db", str(demo_db), "--review", "FSCP-CSPR-CHILD-A", "-o", "-", cwd=tmp_path
    )
    data = json.loads(result.stdout)
    assert [r["reference"] for r in data["reviews"]] == ["FSCP-CSPR-CHILD-A"]


def test_check_passes_a_sound_database(demo_db: Path, tmp_path: Path) -> None:
    result = run("check", "--db", str(demo_db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "is sound" in result.stdout


def test_check_reports_broken_references(demo_db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(demo_db) as conn:
        conn.execute("PRAGMA foreign_keys = OFF")
        conn.execute("UPDATE recommendations SET review_id = 9999 WHERE id = 1")
    conn.close()
    result = run("check", "--db", str(demo_db), cwd=tmp_path)
    assert result.returncode == 1
    assert "broken references in recommendations" in result.stderr
    assert "Traceback" not in result.stderr


def test_check_reports_a_damaged_file(demo_db: Path, tmp_path: Path) -> None:
    data = bytearray(demo_db.read_bytes())
    page = 4096
    data[page * 3 : page * 3 + 200] = b"\xff" * 200  # scribble over a b-tree page
    demo_db.write_bytes(bytes(data))
    result = run("check", "--db", str(demo_db), cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "demo.sqlite3 is damaged" in result.stderr


def test_check_reports_a_schema_behind_head(tmp_path: Path) -> None:
    path = tmp_path / "empty.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)")
    conn.close()
    result = run("check", "--db", str(path), cwd=tmp_path)
    assert result.returncode == 1
    assert "holds no casereview schema" in result.stderr


# ----------------------------------------------------------------------------- expected errors


def test_missing_database(tmp_path: Path) -> None:
    for command in (["check"], ["export", "-o", "out.json"]):
        result = run(*command, "--db", str(tmp_path / "absent.sqlite3"), cwd=tmp_path)
        assert_clean_error(result, "There is no database at")
    assert snapshot(tmp_path) == {}


def test_a_file_that_is_not_a_database(tmp_path: Path) -> None:
    minutes = tmp_path / "minutes.docx"
    minutes.write_bytes(b"PK\x03\x04 minutes of the meeting")
    before = snapshot(tmp_path)
    for command in (["check"], ["export", "-o", "out.json"], ["demo"]):
        result = run(*command, "--db", str(minutes), cwd=tmp_path)
        assert_clean_error(result, "is not a casereview database")
    assert snapshot(tmp_path) == before


def test_a_database_from_a_newer_version(demo_db: Path, tmp_path: Path) -> None:
    with sqlite3.connect(demo_db) as conn:
        conn.execute("UPDATE alembic_version SET version_num = 'f00d'")
    conn.close()
    before = snapshot(tmp_path)
    for command in (["export", "-o", "out.json"], ["check"], ["demo", "--force"]):
        result = run(*command, "--db", str(demo_db), cwd=tmp_path)
        assert_clean_error(result, "newer version of casereview")
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize(
    ("content", "fragments"),
    [
        ('{"format": "casereview/1", "reviews": [', ("is not valid JSON", "line 1")),
        ("", ("is empty",)),
        (
            '{"format": "casereview/1", "reviews": [{"reference": "X", "kind": "sar", '
            '"title": "T", "published": "2010-13"}]}',
            ("review 'X', published", "not a real date"),
        ),
        ('{"format": "excel"}', ("not a casereview export",)),
        ("\udcff".encode("utf-8", "surrogateescape").decode("latin-1"), ("not valid JSON",)),
    ],
)
def test_a_bad_import_file_changes_nothing(
    demo_db: Path, tmp_path: Path, content: str, fragments: tuple[str, ...]
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    before = snapshot(tmp_path)
    result = run("import", str(bad), "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(result, *fragments)
    assert snapshot(tmp_path) == before


def test_a_bad_import_does_not_create_the_database(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "casereview/1", "reviews": 5}')
    result = run("import", str(bad), "--db", str(tmp_path / "new.sqlite3"), cwd=tmp_path)
    assert_clean_error(result, "reviews: expected a list")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.json"]


def test_an_import_refused_by_a_rule_leaves_a_new_database_uncreated(tmp_path: Path) -> None:
    doc = {
        "format": FORMAT,
        "grading_schemes": [],
        "inspections": [
            {
                "reference": "I",
                "inspectorate": "Insp",
                "programme": "P",
                "title": "T",
                "organisation": "O",
                "scheme": "Undefined",
            }
        ],
    }
    source = tmp_path / "doc.json"
    source.write_text(json.dumps(doc))
    result = run("import", str(source), "--db", str(tmp_path / "new.sqlite3"), cwd=tmp_path)
    assert_clean_error(result, "there is no grading scheme 'Undefined'")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["doc.json"]


def test_a_missing_import_file(demo_db: Path, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run("import", str(tmp_path / "nope.json"), "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(result, "There is no file at")
    assert snapshot(tmp_path) == before


def test_an_unknown_review_is_an_error_and_writes_no_file(demo_db: Path, tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run("export", "--db", str(demo_db), "--review", "NOPE", "-o", "out.json", cwd=tmp_path)
    assert_clean_error(result, "no review with the reference 'NOPE'")
    assert snapshot(tmp_path) == before


def test_export_into_a_missing_folder(demo_db: Path, tmp_path: Path) -> None:
    result = run("export", "--db", str(demo_db), "-o", "no/such/out.json", cwd=tmp_path)
    assert_clean_error(result, "does not exist")


def test_export_keeps_the_old_file_until_the_new_one_is_whole(
    demo_db: Path, tmp_path: Path
) -> None:
    target = tmp_path / "plan.json"
    target.write_text("previous export")
    result = run(
        "export", "--db", str(demo_db), "--review", "NOPE", "-o", str(target), cwd=tmp_path
    )
    assert result.returncode == 1
    assert target.read_text() == "previous export"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["export"], "the following arguments are required: -o/--output"),
        (["export", "-o", "x", "--format", "pdf"], "invalid choice: 'pdf'"),
        (["frobnicate"], "invalid choice: 'frobnicate'"),
        (["import"], "the following arguments are required: FILE"),
    ],
)
def test_usage_errors_are_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    assert_clean_error(run(*args, cwd=tmp_path), fragment, code=2)


def test_an_unsupported_database_url(tmp_path: Path) -> None:
    result = run("check", "--db", "mysql://user@host/db", cwd=tmp_path)
    assert_clean_error(result, "SQLite files and PostgreSQL")


def test_the_environment_variable_names_the_database(demo_db: Path, tmp_path: Path) -> None:
    result = run("check", cwd=tmp_path, env={"CASEREVIEW_DB": str(demo_db)})
    assert result.returncode == 0
    assert str(demo_db) in result.stdout


# ----------------------------------------------------------------------------- the window


def test_the_window_opens_and_reports_when_ready(demo_db: Path, tmp_path: Path) -> None:
    result = run(
        "--db",
        str(demo_db),
        "--exit-when-ready",
        cwd=tmp_path,
        env={"QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == 0, result.stderr
    seconds = float(result.stderr.strip().splitlines()[-1])
    assert 0 < seconds < 120


def test_without_a_display_the_window_is_refused_plainly(tmp_path: Path) -> None:
    before = snapshot(tmp_path)
    result = run("--db", str(tmp_path / "x.sqlite3"), cwd=tmp_path)
    assert_clean_error(result, "There is no display to open the window on")
    assert snapshot(tmp_path) == before


# ----------------------------------------------------------------------------- no window needed


@pytest.mark.parametrize("command", ["demo", "export", "import", "check"])
def test_headless_commands_never_import_qt_or_reportlab(tmp_path: Path, command: str) -> None:
    db = tmp_path / "h.sqlite3"
    setup = run("demo", "--db", str(db), cwd=tmp_path)
    assert setup.returncode == 0
    exported = tmp_path / "h.json"
    run("export", "--db", str(db), "-o", str(exported), cwd=tmp_path)
    args = {
        "demo": ["demo", "--db", str(tmp_path / "n.sqlite3")],
        "export": ["export", "--db", str(db), "-o", str(tmp_path / "o.json")],
        "import": ["import", str(exported), "--db", str(db)],
        "check": ["check", "--db", str(db)],
    }[command]
    assert_loads_no_gui(args, tmp_path)


# ----------------------------------------------------------------------------- both backends


def test_commands_work_with_a_server_url_too(location: Location, tmp_path: Path) -> None:
    url = location.url.render_as_string(hide_password=False)
    assert run("demo", "--db", url, cwd=tmp_path).returncode == 0
    result = run("check", "--db", url, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    exported = run("export", "--db", url, "-o", "-", cwd=tmp_path)
    data = json.loads(exported.stdout)
    assert len(data["reviews"]) == 2


def test_generate_writes_the_asked_size_and_refuses_existing_data(tmp_path: Path) -> None:
    db = tmp_path / "g.sqlite3"
    args = ["generate", "--db", str(db), "--reviews", "3", "--recommendations", "40"]
    result = run(*args, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Generated 3 reviews with 40 recommendations (seed 1)" in result.stdout
    before = snapshot(tmp_path)
    assert_clean_error(run(*args, cwd=tmp_path), "already holds data", "--force")
    assert snapshot(tmp_path) == before
    assert run(*args, "--force", "--seed", "2", cwd=tmp_path).returncode == 0


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--reviews", "0", "--recommendations", "5"], "0 is too small; the least is 1"),
        (["--reviews", "two", "--recommendations", "5"], "'two' is not a whole number"),
        (["--reviews", "2"], "the following arguments are required: --recommendations"),
    ],
)
def test_generate_refuses_bad_sizes(tmp_path: Path, args: list[str], fragment: str) -> None:
    result = run("generate", "--db", str(tmp_path / "g.sqlite3"), *args, cwd=tmp_path)
    assert_clean_error(result, fragment, code=2)
    assert snapshot(tmp_path) == {}


def test_export_into_a_folder_that_cannot_be_written(demo_db: Path, tmp_path: Path) -> None:
    result = run("export", "--db", str(demo_db), "-o", "/proc/casereview.json", cwd=tmp_path)
    assert_clean_error(result, "Cannot write /proc/casereview.json")


# -- Word copies


def test_word_copies_of_the_pack_and_the_action_plan(demo_db: Path, tmp_path: Path) -> None:

    pack = run("brief", "--db", str(demo_db), "-o", "p.docx", "--redact", cwd=tmp_path)
    assert pack.returncode == 0, pack.stderr
    document = open_docx(tmp_path / "p.docx")
    assert {"Summary", "Reviews", "Inspections"} <= set(headings(document))
    assert all(sections_marked(document, "OFFICIAL-SENSITIVE"))
    assert "Khyra" not in all_text(document)  # --redact, as for the PDF
    plan = run("export", "--db", str(demo_db), "-o", "plan.docx", cwd=tmp_path)
    assert plan.returncode == 0, plan.stderr
    assert "BSCB-SCR-2010" in all_text(open_docx(tmp_path / "plan.docx"))
    chosen = run("export", "--db", str(demo_db), "--format", "docx", "-o", "-", cwd=tmp_path)
    assert_clean_error(chosen, "a Word document cannot be written to the terminal", code=2)


@pytest.mark.parametrize("command", ["brief", "export"])
def test_a_word_copy_that_cannot_be_written_is_refused(
    demo_db: Path, tmp_path: Path, command: str
) -> None:
    before = snapshot(tmp_path)
    result = run(command, "--db", str(demo_db), "-o", "/proc/casereview.docx", cwd=tmp_path)
    assert_clean_error(result, "Cannot write /proc/casereview.docx")
    assert not Path("/proc/casereview.docx").exists()
    assert snapshot(tmp_path).keys() == before.keys()  # nothing left beside the database


# -- spreadsheets


def _tracker(tmp_path: Path, bad_date: bool = False) -> Path:
    from tests.helpers.spreadsheet_files import messy_workbook

    path = messy_workbook(tmp_path / "child-a.xlsx")
    if bad_date:
        import openpyxl

        book = openpyxl.load_workbook(path)
        book["Action Plan"]["F10"] = "31/02/2026"
        book.save(path)
    return path


def test_import_a_spreadsheet_dry_run_then_for_real(tmp_path: Path) -> None:
    tracker = _tracker(tmp_path)
    db = tmp_path / "new.sqlite3"
    dry = run("import", str(tracker), "--db", str(db), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "would have added 1 review, 4 organisations, 4 recommendations" in dry.stdout
    assert "nothing was written" in dry.stdout
    assert not db.exists()
    real = run("import", str(tracker), "--db", str(db), "--review", "FEN-SCR-1", cwd=tmp_path)
    assert real.returncode == 0, real.stderr
    before = db.read_bytes()
    again = run(
        "import", str(tracker), "--db", str(db), "--review", "FEN-SCR-1", "--dry-run", cwd=tmp_path
    )
    assert "would have added nothing; updated nothing" in again.stdout
    assert db.read_bytes() == before


def test_import_names_the_columns_it_keeps_and_leaves_out_what_it_is_told(
    tmp_path: Path,
) -> None:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.append(["Rec No.", "Recommendation", "Agency comments", "Officer's phone"])
    book.active.append(["1", "Train staff", "Waiting for the audit", "01234 567890"])
    book.save(tmp_path / "plan.xlsx")
    db = tmp_path / "new.sqlite3"
    kept = (
        "Column C (Agency comments), a heading casereview does not recognise, is kept as a "
        "note in each item's log."
    )
    dry = run("import", "plan.xlsx", "--db", str(db), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert kept in dry.stdout.splitlines()
    assert "Column D (Officer's phone), a heading" in dry.stdout
    real = run(
        "import", "plan.xlsx", "--db", str(db), "--leave-out", "Officer's phone", cwd=tmp_path
    )
    assert real.returncode == 0, real.stderr
    assert real.stdout.splitlines()[:2] == [
        kept,
        "Column D (Officer's phone) is left out, as asked.",
    ]
    exported = run("export", "--db", str(db), "--format", "json", "-o", "-", cwd=tmp_path)
    assert "Waiting for the audit" in exported.stdout
    assert "01234" not in exported.stdout
    before = snapshot(tmp_path)
    missing = run("import", "plan.xlsx", "--db", str(db), "--leave-out", "Phone", cwd=tmp_path)
    assert_clean_error(missing, "has no column 'Phone' to leave out")
    assert snapshot(tmp_path) == before


def test_a_workbook_with_a_sheet_per_agency_is_refused_before_the_database_is_made(
    tmp_path: Path,
) -> None:
    agencies_workbook(tmp_path / "agencies.xlsx")
    db = tmp_path / "new.sqlite3"
    refused = run("import", "agencies.xlsx", "--db", str(db), cwd=tmp_path)
    assert_clean_error(refused, "on 2 sheets, 'Police' and 'Health'", "--sheet NAME")
    assert not db.exists()
    chosen = run("import", "agencies.xlsx", "--db", str(db), "--sheet", "Health", cwd=tmp_path)
    assert chosen.returncode == 0, chosen.stderr


def test_one_agencys_sheet_never_overwrites_what_another_sheet_gave(tmp_path: Path) -> None:
    """Found by a new user: sheets imported one at a time replaced each other's lead agency
    and actions for a joint recommendation held under one number, without a word."""
    import openpyxl

    book = openpyxl.Workbook()
    for number, agency in enumerate(["Police", "Health"]):
        sheet = book.active if number == 0 else book.create_sheet()
        sheet.title = agency
        sheet.append(["Rec No.", "Recommendation", "Lead agency", "Actions"])
        sheet.append(["1", "Joint recommendation", agency, f"{agency} action"])
    book.save(tmp_path / "agencies.xlsx")
    db = tmp_path / "panel.sqlite3"
    health = run("import", "agencies.xlsx", "--db", str(db), "--sheet", "Health", cwd=tmp_path)
    assert health.returncode == 0, health.stderr
    before = snapshot(tmp_path)
    police = run("import", "agencies.xlsx", "--db", str(db), "--sheet", "Police", cwd=tmp_path)
    assert_clean_error(police, "has 2 problems", "recommendation 1 is led by Health", "--review")
    assert snapshot(tmp_path) == before
    plan = json.loads(run("export", "--db", str(db), "-o", "-", cwd=tmp_path).stdout)
    (item,) = plan["reviews"][0]["recommendations"]
    assert (item["lead_agencies"], item["actions"]) == (["Health"], "Health action")
    own = run(
        "import", "agencies.xlsx", "--db", str(db), "--sheet", "Police", "--review", "POLICE",
        cwd=tmp_path,
    )  # fmt: skip
    assert own.returncode == 0, own.stderr


def test_a_wrong_tracker_row_is_named_and_nothing_is_written(demo_db: Path, tmp_path: Path) -> None:
    """One line names the first problem; no file changes, not even a copy kept beside the
    database; --dry-run lists every problem."""
    tracker = _tracker(tmp_path, bad_date=True)
    before = snapshot(tmp_path)
    result = run("import", str(tracker), "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(
        result,
        "Nothing was imported: child-a.xlsx has 1 problem to put right first. "
        "Sheet 'Action Plan', row 10, column F (Target Date): '31/02/2026' is not a real date.",
    )
    assert snapshot(tmp_path) == before
    assert kept_copies(demo_db) == []
    dry = run("import", str(tracker), "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert_clean_error(dry, "has 1 problem")
    assert dry.stdout.splitlines() == [
        "Sheet 'Action Plan', row 10, column F (Target Date): '31/02/2026' is not a real date."
    ]
    assert snapshot(tmp_path) == before


def test_an_import_keeps_a_copy_of_the_database_as_it_was_before(
    demo_db: Path, tmp_path: Path
) -> None:
    result = run("import", str(_tracker(tmp_path)), "--db", str(demo_db), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    (copy,) = kept_copies(demo_db)
    assert copy.path.name.startswith("demo.before-import.")
    copied = json.loads(run("export", "--db", str(copy.path), "-o", "-", cwd=tmp_path).stdout)
    now = json.loads(run("export", "--db", str(demo_db), "-o", "-", cwd=tmp_path).stdout)
    assert len(copied["reviews"]) == len(now["reviews"]) - 1  # the import's review is not in it


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["import", "minutes.docx"], "is not a file casereview can import"),
        (["import", "missing.xlsx"], "There is no file"),
        (["import", "plan.xlsx", "--mapping", "missing.json"], "There is no mapping file"),
        (["import", "plan.xlsx", "--sheet", "Nope"], "has no sheet named 'Nope'"),
    ],
)
def test_bad_spreadsheet_imports_are_one_line(
    demo_db: Path, tmp_path: Path, args: list[str], fragment: str
) -> None:
    _tracker(tmp_path).rename(tmp_path / "plan.xlsx")
    (tmp_path / "minutes.docx").write_text("Minutes")
    before = snapshot(tmp_path)
    assert_clean_error(run(*args, "--db", str(demo_db), cwd=tmp_path), fragment)
    assert snapshot(tmp_path) == before


def test_export_xlsx_and_csv_then_reimport(demo_db: Path, tmp_path: Path) -> None:
    for name in ("plan.xlsx", "plan.csv"):
        result = run("export", "--db", str(demo_db), "-o", name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    assert (tmp_path / "plan.xlsx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "plan.csv").read_bytes().startswith(b"\xef\xbb\xbfReview,Number,")
    again = run("import", "plan.xlsx", "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert "would have added nothing; updated nothing" in again.stdout, again.stderr
    assert_clean_error(
        run("export", "--db", str(demo_db), "--format", "xlsx", "-o", "-", cwd=tmp_path),
        "cannot be written to the terminal",
        code=2,
    )


def test_each_export_says_what_its_format_leaves_out(demo_db: Path, tmp_path: Path) -> None:
    """Found by a new user: ``export -o plan.csv`` said "Exported to plan.csv." and the CSV
    held each item's latest update alone, its earlier updates and evidence nowhere. Each
    format's sentence names what it keeps and what goes only into JSON, and holds true."""
    import openpyxl

    first = "Working group formed with the police public protection"  # an earlier update
    evidence = "Information-sharing protocol as agreed by the executive"
    said = {}
    for name in ("plan.csv", "plan.docx", "plan.xlsx", "all.json"):
        result = run("export", "--db", str(demo_db), "-o", name, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        [said[name]] = result.stderr.splitlines()
    chosen = run("export", "--db", str(demo_db), "-o", "one.json", "--review",
                 "FSCP-CSPR-CHILD-A", cwd=tmp_path)  # fmt: skip
    plan = "Exported the action plans of 2 reviews to"
    rest = "inspections, initiatives and meetings are only in a JSON export."
    for name in ("plan.csv", "plan.docx"):
        assert said[name] == (
            f"{plan} {name}: each item's latest update, without its earlier updates or "
            f"evidence or the review's details (.xlsx keeps those); {rest}"
        )
    assert said["plan.xlsx"] == (
        f"{plan} plan.xlsx, with their updates, evidence lists, review details and "
        f"organisations; evidence files, {rest}"
    )
    assert said["all.json"] == (
        "Exported everything to all.json: 2 reviews, and every inspection, initiative and meeting."
    )
    assert chosen.stderr.strip() == (
        "Exported 1 review to one.json, with its history and evidence files."
    )
    # What each sentence says is so.
    csv_text = (tmp_path / "plan.csv").read_text(encoding="utf-8-sig")
    word_text = all_text(open_docx(tmp_path / "plan.docx"))
    for text in (csv_text, word_text):
        assert first not in text
        assert evidence not in text
        assert "FICTIONAL-CP-INSPECTION" not in text
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx", read_only=True)
    cells = {
        str(value) for name in ("Updates", "Evidence") for row in book[name].values
        for value in row if value
    }  # fmt: skip
    book.close()
    assert any(first in cell for cell in cells)
    assert evidence in cells
    held = json.loads((tmp_path / "all.json").read_text(encoding="utf-8"))
    assert held["inspections"] and held["meetings"]
    summary = next(r["summary"] for r in held["reviews"] if r["summary"])[:60]
    assert summary not in csv_text and summary not in word_text
    book = openpyxl.load_workbook(tmp_path / "plan.xlsx", read_only=True)
    details = [str(v) for row in book["Reviews"].values for v in row if v]
    book.close()
    assert any(summary in value for value in details)
    assert not any(i["reference"] in value for i in held["inspections"] for value in details)


def test_backup_writes_a_checked_copy_and_refuses_bad_targets(
    demo_db: Path, tmp_path: Path
) -> None:
    result = run("backup", "--db", str(demo_db), "-o", "copy.sqlite3", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Backed up" in result.stderr
    check = run("check", "--db", str(tmp_path / "copy.sqlite3"), cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    before = snapshot(tmp_path)
    assert_clean_error(
        run("backup", "--db", str(demo_db), "-o", "nowhere/copy.sqlite3", cwd=tmp_path),
        "does not exist",
    )
    assert_clean_error(
        run("backup", "--db", str(tmp_path / "absent.sqlite3"), "-o", "x.sqlite3", cwd=tmp_path),
        "There is no database",
    )
    assert snapshot(tmp_path) == before


def test_restore_brings_a_backup_back_keeping_what_it_replaced(
    demo_db: Path, tmp_path: Path
) -> None:
    assert run("backup", "--db", str(demo_db), "-o", "monday.sqlite3", cwd=tmp_path).returncode == 0
    before = run("export", "--db", str(demo_db), "-o", "-", cwd=tmp_path).stdout
    emptied = run("demo", "--db", str(demo_db), "--force", cwd=tmp_path)
    assert emptied.returncode == 0, emptied.stderr

    result = run("restore", "monday.sqlite3", "--db", str(demo_db), cwd=tmp_path)

    assert result.returncode == 0, result.stderr
    assert "Restored" in result.stderr
    assert "is kept as" in result.stderr
    after = run("export", "--db", str(demo_db), "-o", "-", cwd=tmp_path).stdout
    assert _without_export_time(after) == _without_export_time(before)
    (kept,) = kept_copies(demo_db)
    assert run("check", "--db", str(kept.path), cwd=tmp_path).returncode == 0


def _without_export_time(text: str) -> list[str]:
    return [line for line in text.splitlines() if "exported_at" not in line]


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(
    demo_db: Path, tmp_path: Path
) -> None:
    (tmp_path / "notes.txt").write_text("not a database")
    before = snapshot(tmp_path)
    assert_clean_error(
        run("restore", "notes.txt", "--db", str(demo_db), cwd=tmp_path),
        "notes.txt is not a casereview backup",
    )
    assert_clean_error(
        run("restore", "absent.sqlite3", "--db", str(demo_db), cwd=tmp_path), "There is no file"
    )
    assert_clean_error(run("restore", "--db", str(demo_db), cwd=tmp_path), code=2)
    assert snapshot(tmp_path) == before
    assert kept_copies(demo_db) == []


def test_databases_backups_and_exports_are_readable_by_their_owner_only(
    demo_db: Path, tmp_path: Path
) -> None:
    made = [demo_db]
    for args, name in (
        (("backup", "-o", "copy.sqlite3"), "copy.sqlite3"),
        (("export", "-o", "plan.xlsx"), "plan.xlsx"),
        (("export", "-o", "plan.csv"), "plan.csv"),
        (("export", "-o", "plan.json"), "plan.json"),
        (("brief", "-o", "pack.pdf"), "pack.pdf"),
    ):
        result = run(*args, "--db", str(demo_db), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        made.append(tmp_path / name)
    for path in made:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


def test_a_damaged_database_is_refused_by_every_command_and_left_as_it_was(
    demo_db: Path, tmp_path: Path
) -> None:
    from tests.helpers.damage import damage

    assert run("backup", "--db", str(demo_db), "-o", "copy.sqlite3", cwd=tmp_path).returncode == 0
    assert run("export", "--db", str(demo_db), "-o", "old.json", cwd=tmp_path).returncode == 0
    damage(demo_db)
    before = snapshot(tmp_path)
    for args in (
        # An export to a file reads beside the file's check and waits for its verdict to
        # record itself; to standard output, which cannot be taken back, after it.
        ("export", "-o", "plan.json"),
        ("export", "-o", "plan.csv"),
        ("export", "-o", "plan.xlsx"),
        ("export", "-o", "-"),
        ("brief", "-o", "pack.pdf"),
        ("check",),
        ("import", "old.json"),
    ):
        result = run(*args, "--db", str(demo_db), cwd=tmp_path)
        assert_clean_error(result, "demo.sqlite3 is damaged", "casereview has not written to it")
        assert result.stdout == "", args
    assert snapshot(tmp_path) == before
    restored = run("restore", "copy.sqlite3", "--db", str(demo_db), cwd=tmp_path)
    assert restored.returncode == 0, restored.stderr
    assert "is kept as" in restored.stderr
    assert run("check", "--db", str(demo_db), cwd=tmp_path).returncode == 0


def test_a_dry_run_import_says_it_brought_an_older_database_up_to_this_version(
    demo_db: Path, tmp_path: Path
) -> None:
    """Opening a database of the previous version upgrades it, as every command does: a dry
    run then says so by name, not that nothing was written; at this version it writes
    nothing and says so."""
    from db.store.database import downgrade_schema, open_database, schema_revision
    from db.store.location import resolve_location

    assert run("export", "--db", str(demo_db), "-o", "plan.json", cwd=tmp_path).returncode == 0
    with open_database(resolve_location(str(demo_db))) as older:
        downgrade_schema(older.engine, "0011")
    dry = run("import", "plan.json", "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert "; nothing was imported. Opening brought demo.sqlite3 up to this version's" in (
        dry.stdout
    ), dry.stdout
    assert schema_revision(resolve_location(str(demo_db))) != "0011"
    again = run("import", "plan.json", "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert "nothing was written." in again.stdout and "Opening brought" not in again.stdout


def test_an_import_keeps_a_copy_of_the_database_first(demo_db: Path, tmp_path: Path) -> None:
    assert run("export", "--db", str(demo_db), "-o", "plan.json", cwd=tmp_path).returncode == 0
    plan = json.loads((tmp_path / "plan.json").read_text(encoding="utf-8"))
    plan["reviews"][0]["recommendations"][0]["owner"] = "Someone Else"  # so it changes a thing
    (tmp_path / "plan.json").write_text(json.dumps(plan), encoding="utf-8")
    before = snapshot(tmp_path)
    dry = run("import", "plan.json", "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert snapshot(tmp_path) == before  # a dry run writes nothing, not even a copy
    done = run("import", "plan.json", "--db", str(demo_db), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (copy,) = kept_copies(demo_db)
    assert copy.path.name.startswith("demo.before-import.")
    assert run("check", "--db", str(copy.path), cwd=tmp_path).returncode == 0
    again = run("import", "plan.json", "--db", str(demo_db), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert "added nothing; updated nothing" in again.stdout
    assert [c.path for c in kept_copies(demo_db)] == [copy.path]  # nothing changed: no copy


def _newest_entries(db: Path, count: int) -> list[tuple[str, str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        rows = conn.execute(
            "SELECT entity, entity_id, hash FROM audit_log ORDER BY id DESC LIMIT ?", (count,)
        ).fetchall()
    conn.close()
    return rows


def test_briefing_packs_and_exports_are_in_the_audit_trail(demo_db: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    made = run("brief", "--db", str(demo_db), "-o", "pack.pdf", "--title", "Panel", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    ((entity, name, head),) = _newest_entries(demo_db, 1)
    assert (entity, name) == ("briefing packs", "Panel")
    last_page = PdfReader(tmp_path / "pack.pdf").pages[-1].extract_text()
    assert head in last_page.replace("\n", "").replace(" ", "")  # the pack names its entry
    exported = run("export", "--db", str(demo_db), "-o", "plan.csv", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    assert _newest_entries(demo_db, 1)[0][:2] == ("exports", "plan.csv")
    # What is not made is not recorded.
    refused = run("export", "--db", str(demo_db), "-o", "x.json", "--review", "NONE", cwd=tmp_path)
    assert refused.returncode != 0
    assert _newest_entries(demo_db, 1)[0][:2] == ("exports", "plan.csv")
    assert run("check", "--db", str(demo_db), cwd=tmp_path).returncode == 0


def test_a_fault_of_casereviews_own_is_one_line_without_record_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from desktop import cli

    def broken(args: object) -> int:
        raise RuntimeError("Child A's mother said something private")

    monkeypatch.delenv("CASEREVIEW_DEBUG", raising=False)
    monkeypatch.setitem(cli._COMMANDS, "check", broken)
    assert cli.main(["check", "--db", str(tmp_path / "x.sqlite3")]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "casereview: error: casereview stopped at a fault of its own (RuntimeError); what this "
        "command was doing was not saved. Run it again with CASEREVIEW_DEBUG=1 to see where, "
        "and report it."
    ]
    monkeypatch.setenv("CASEREVIEW_DEBUG", "1")
    with pytest.raises(RuntimeError):
        cli.main(["check", "--db", str(tmp_path / "x.sqlite3")])


def test_export_to_a_closed_standard_output_is_one_sentence(demo_db: Path, tmp_path: Path) -> None:
    """Found by a new user: ``export -o - >&-`` ended in an AttributeError traceback."""
    result = subprocess.run(
        [sys.executable, "-m", "desktop", "export", "--db", str(demo_db), "-o", "-"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT), "CASEREVIEW_DEBUG": "1"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
        preexec_fn=lambda: os.close(1),  # the child starts with its stdout closed
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        "casereview: error: Standard output is closed, so there is nowhere to write the export; "
        "name a file with -o instead. Nothing was written."
    ]


def test_a_database_path_that_is_a_dangling_link_is_refused_and_kept(tmp_path: Path) -> None:
    """Found by the hostile-input sweep: demo through a link to nowhere failed, then removed
    the link as if it had made the file itself."""
    link = tmp_path / "panel.sqlite3"
    link.symlink_to(tmp_path / "gone" / "panel.sqlite3")
    result = run("demo", "--db", str(link), cwd=tmp_path)
    assert_clean_error(result, "is a symbolic link to a file that does not exist")
    assert link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["panel.sqlite3"]


@pytest.mark.parametrize(("output", "said"), [("plan.txt", "'.txt'"), ("/dev/null", "'null'")])
def test_an_export_to_a_name_of_no_known_format_is_one_whole_sentence(
    demo_db: Path, tmp_path: Path, output: str, said: str
) -> None:
    """A new user read "...give the file name one of those endings, not 'null'" (no full
    stop)."""
    result = run("export", "--db", str(demo_db), "-o", output, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip().endswith(f"not {said}.")
    assert ".docx" in result.stderr
    assert not (tmp_path / "plan.txt").exists()
