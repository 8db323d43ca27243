"""`casereview import` on trackers that are damaged or would break the lifecycle: a plain
refusal, no traceback, and the database file exactly as it was."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers.cli import assert_clean_error, run, snapshot

HEADER = "Number,Recommendation,Lead agency,Joint agencies,Target date,Status,Assured by,Evidence\n"


def _csv(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_bytes((HEADER + "".join(f"{line}\n" for line in lines)).encode())
    return path


def _panel(tmp_path: Path) -> Path:
    """A database holding item 1, signed off on evidence, and item 2, in progress."""
    db = tmp_path / "panel.sqlite3"
    first = _csv(
        tmp_path,
        "first.csv",
        "1,Train staff.,Police,,31/3/2027,Closed,A Assurer,Audit of 50 records",
        "2,Share information.,Council,Health,30/6/2027,In progress,,",
    )
    result = run("import", str(first), "--db", str(db), "--review", "PLAN", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    return db


def _refused_row(result, problem: str) -> None:  # type: ignore[no-untyped-def]
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr and "Error:" not in result.stderr
    (line,) = result.stderr.strip().splitlines()  # one line, naming the (only) problem
    assert line.startswith("casereview: error: Nothing was imported: ")
    assert line.endswith(f"has 1 problem to put right first. {problem}")


def _files(folder: Path) -> dict[str, bytes]:
    """Every file but the copies an import keeps before it starts (README, "Using it")."""
    return {name: data for name, data in snapshot(folder).items() if "-backups/" not in name}


def _plan(db: Path, tmp_path: Path) -> dict[str, dict[str, object]]:
    exported = run("export", "--db", str(db), "--format", "json", "-o", "-", cwd=tmp_path)
    assert exported.returncode == 0, exported.stderr
    (review,) = json.loads(exported.stdout)["reviews"]
    return {rec["number"]: rec for rec in review["recommendations"]}


def test_an_unbalanced_quote_is_one_line_and_changes_nothing(tmp_path: Path) -> None:
    db = _panel(tmp_path)
    bad = _csv(tmp_path, "bad.csv", "1,Train staff.,Police", '2,"Share,Council', "3,x,Health")
    before = snapshot(tmp_path)
    result = run("import", str(bad), "--db", str(db), "--review", "PLAN", cwd=tmp_path)
    assert_clean_error(result, 'bad.csv has a quote (") opening a cell on row 3')
    assert snapshot(tmp_path) == before


def test_a_closed_item_is_not_moved_back_to_not_started(tmp_path: Path) -> None:
    db = _panel(tmp_path)
    back = _csv(tmp_path, "back.csv", "1,Train staff.,Police,,31/3/2027,Not started,,")
    before = _files(tmp_path)
    result = run("import", str(back), "--db", str(db), "--review", "PLAN", cwd=tmp_path)
    _refused_row(
        result,
        "Sheet 'back', row 2, column F (Status): 'Not started' would move recommendation 1 "
        "from closed to not started, which casereview does not allow (from closed it can go "
        "to in progress).",
    )
    assert _files(tmp_path) == before

    reopen = _csv(tmp_path, "reopen.csv", "1,Train staff.,Police,,31/3/2027,In progress,,")
    result = run("import", str(reopen), "--db", str(db), "--review", "PLAN", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    item = _plan(db, tmp_path)["1"]
    assert (item["status"], item["assured_by"], item["closed_on"]) == ("in_progress", None, None)


def test_one_agency_as_lead_and_joint_is_refused_not_a_traceback(tmp_path: Path) -> None:
    db = _panel(tmp_path)
    both = _csv(tmp_path, "both.csv", "2,Share information.,Council,Health; Council,,,,")
    before = _files(tmp_path)
    result = run("import", str(both), "--db", str(db), "--review", "PLAN", cwd=tmp_path)
    _refused_row(
        result,
        "Sheet 'both', row 2, column D (Joint agencies): 'Council' is also a lead agency.",
    )
    assert _files(tmp_path) == before


def test_dates_as_trackers_write_them_import_and_keep_their_remarks(tmp_path: Path) -> None:
    db = _panel(tmp_path)
    dates = _csv(
        tmp_path,
        "dates.csv",
        "2,Share information.,Council,Health,31/3/2028 (revised),In progress,,",
        "3,Audit.,Council,,Q1 2027/28,Not started,,",
        "4,Report.,Council,,w/c 11/01/2027,Not started,,",
    )
    result = run("import", str(dates), "--db", str(db), "--review", "PLAN", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    plan = _plan(db, tmp_path)
    assert [plan[n]["target_date"] for n in "234"] == ["2028-03-31", "2027-06-30", "2027-01-17"]
    notes = [u["note"] for u in plan["2"]["updates"]]  # type: ignore[attr-defined]
    assert "Target date given in the imported tracker as '31/3/2028 (revised)'." in notes

    bad = _csv(tmp_path, "bad.csv", "2,Share information.,Council,Health,Q1 2027/29,,,")
    before = _files(tmp_path)
    result = run("import", str(bad), "--db", str(db), "--review", "PLAN", cwd=tmp_path)
    _refused_row(
        result,
        "Sheet 'bad', row 2, column E (Target date): 'Q1 2027/29' names no financial year: it "
        "runs April to March, as in Q1 2027/28.",
    )
    assert _files(tmp_path) == before


def test_a_renamed_copy_of_a_tracker_is_not_made_a_second_review(tmp_path: Path) -> None:
    """Found by a new user: this month's copy of a tracker, saved under a new name and
    imported as before (no --review), became a second review holding every item again, its
    reference guessed from the new name. Refused, naming the review that holds its items;
    with that review's reference given, the copy updates it. A tracker with no title rows is
    caught as well; another child's tracker, titled alike, is not (a trial's first version of
    this compared titles, and refused it)."""
    from tests.helpers.spreadsheet_files import messy_workbook, workbook_of

    db = tmp_path / "panel.sqlite3"
    first = run("import", str(messy_workbook(tmp_path / "tracker.xlsx")), "--db", str(db),
                cwd=tmp_path)  # fmt: skip
    assert first.returncode == 0, first.stderr
    renamed = messy_workbook(tmp_path / "tracker January update.xlsx")
    before = _files(tmp_path)
    for dry in ((), ("--dry-run",)):
        refused = run("import", str(renamed), "--db", str(db), *dry, cwd=tmp_path)
        assert_clean_error(
            refused,
            "Nothing was imported: tracker January update.xlsx would make a new review, "
            "TRACKER-JANUARY-UPDATE, though review TRACKER holds its recommendations already; "
            "to update TRACKER, import into it by its reference (--review, or the Import "
            "wizard's Review reference), or, to keep both, give the new review a reference of "
            "its own.",
        )
        assert _files(tmp_path) == before
    updated = run("import", str(renamed), "--db", str(db), "--review", "TRACKER", cwd=tmp_path)
    assert "added nothing; updated nothing" in updated.stdout, updated.stderr
    both = run("import", str(renamed), "--db", str(db), "--review", "TRACKER-2", cwd=tmp_path)
    assert "added 1 review" in both.stdout, both.stderr
    # --review is never second-guessed, even when it is the reference the name would give
    named = run("import", str(renamed), "--db", str(db), "--review", "TRACKER-JANUARY-UPDATE",
                cwd=tmp_path)  # fmt: skip
    assert "added 1 review" in named.stdout, named.stderr

    header = ["No.", "Recommendation", "Lead agency", "Status"]
    for child in ("Q", "R"):  # titled alike; the line naming the subgroup mentions "review"
        item = [1, f"Recommendation for child {child}.", "Police", "In progress"]
        rows = [[f"LCSPR Child {child} - Action Plan"], ["Monitored by the Case Review Subgroup"],
                header, item]  # fmt: skip
        made = run("import", str(workbook_of(rows, tmp_path / f"child-{child}.xlsx")), "--db",
                   str(db), cwd=tmp_path)  # fmt: skip
        assert "added 1 review" in made.stdout, made.stderr
    for adult in ("D", "E"):  # one item worded as the other's: two reviews (a trial's)
        rows = [[f"DHR Adult {adult}"], header, [1, "Train staff.", "Police", "Not started"]]
        made = run("import", str(workbook_of(rows, tmp_path / f"adult-{adult}.xlsx")), "--db",
                   str(db), cwd=tmp_path)  # fmt: skip
        assert "added 1 review" in made.stdout, made.stderr
    plain = [header, [1, "Share the plan with schools.", "Council", "Not started"],
             [2, "Audit the referrals.", "Police", "Not started"],
             [3, "Brief the GPs.", "Health", "Not started"]]  # fmt: skip
    assert run("import", str(workbook_of(plain, tmp_path / "untitled.xlsx")), "--db", str(db),
               cwd=tmp_path).returncode == 0  # fmt: skip
    copy = run("import", str(workbook_of(plain, tmp_path / "untitled (1).xlsx")), "--db", str(db),
               cwd=tmp_path)  # fmt: skip
    assert_clean_error(copy, "though review UNTITLED holds its recommendations already")


def test_several_problems_name_the_first_and_point_to_the_dry_run_that_lists_them(
    tmp_path: Path,
) -> None:
    """A trial's refusal named one problem and counted the rest, not saying where to see them."""
    db = _panel(tmp_path)
    back = _csv(
        tmp_path,
        "back.csv",
        "1,Train staff.,Police,,31/3/2027,Not started,,",
        "2,Share information.,Council,Health,30/6/2027,Sort of done,,",
    )
    before = _files(tmp_path)
    result = run("import", str(back), "--db", str(db), "--review", "PLAN", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert "back.csv has 2 problems to put right first. Sheet 'back', row 2," in line
    assert line.endswith("(and 1 more). The same command with --dry-run lists every one.")
    assert _files(tmp_path) == before

    listed = run(
        "import", str(back), "--db", str(db), "--review", "PLAN", "--dry-run", cwd=tmp_path
    )
    assert listed.returncode == 1, listed.stderr
    rows = [line.split(",")[1] for line in listed.stdout.splitlines()]
    assert rows == [" row 2", " row 3"]  # every one, in the file's order
    assert "--dry-run lists" not in listed.stderr
    assert _files(tmp_path) == before
