"""``casereview merge`` with decisions recorded at one meeting both offline and in the office
(issue 26), as a new user's trial ran it: a separate process on real files. The two
contradicting decisions are listed as a conflict, with who decided each, and the answer given
in an answers file decides which one the shared database keeps."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from db.core.dates import format_date
from tests.helpers.cli import run

ITEM = "FSCP-CSPR-CHILD-A:2"
TITLE = "Case Review Subgroup (extra)"


TODAY = dt.date.today()  # the day every command of a test runs on, midnight or not


def _ok(*args: str, cwd: Path) -> str:
    done = run(*args, cwd=cwd, today=TODAY)
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_contradicting_decisions_are_listed_and_answered(demo_db: Path, tmp_path: Path) -> None:
    # The meeting is today's (a decision is recorded from its meeting's day on).
    today = TODAY
    office, laptop = str(demo_db), str(tmp_path / "laptop.sqlite3")
    _ok("meeting", "add", "--db", office, "--date", today.isoformat(), "--title", TITLE,
        "--chair", "Jane Chair", cwd=tmp_path)  # fmt: skip
    _ok("meeting", "agenda", "--db", office, "--meeting", today.isoformat(), "--accept",
        cwd=tmp_path)  # fmt: skip
    _ok("checkout", "--db", office, "-o", laptop, "--meeting", today.isoformat(), cwd=tmp_path)
    _ok("meeting", "decide", "--db", laptop, "--meeting", today.isoformat(), "--item", ITEM,
        "--decision", "signed-off", "--note", "LAPTOP: done", cwd=tmp_path)  # fmt: skip
    due = today + dt.timedelta(days=40)
    _ok("meeting", "decide", "--db", office, "--meeting", today.isoformat(), "--item", ITEM,
        "--decision", "evidence-requested", "--whom", "ICB", "--until", due.isoformat(),
        "--note", "OFFICE: want the audit first", cwd=tmp_path)  # fmt: skip
    listed = _ok("merge", laptop, "--db", office, "--dry-run", "--write-answers", "answers.json",
                 cwd=tmp_path)  # fmt: skip
    where = (
        "the decisions about recommendation 2 of review FSCP-CSPR-CHILD-A of the meeting of "
        f"{format_date(today)} '{TITLE}'"
    )
    assert f"{where}: the copy and the shared database recorded different decisions" in listed
    assert "     in the copy: Signed off, recorded by " in listed
    assert "     in the shared database: Evidence requested from ICB by " in listed
    assert "closed" not in listed.lower()  # the sign-off is no change until answered
    answers = json.loads((tmp_path / "answers.json").read_text(encoding="utf-8"))
    [conflict] = [c for c in answers["conflicts"] if c["record"] == where]
    assert conflict["field"] == "decision"
    for c in answers["conflicts"]:
        c["take"] = "shared"
    (tmp_path / "answers.json").write_text(json.dumps(answers), encoding="utf-8")
    _ok("merge", laptop, "--db", office, "--answers", "answers.json", cwd=tmp_path)
    exported = json.loads(_ok("export", "--db", office, "-o", "-", "--format", "json",
                              cwd=tmp_path))  # fmt: skip
    [meeting] = [m for m in exported["meetings"] if m["title"] == TITLE]
    assert [(d["decision"], d["number"]) for d in meeting["decisions"]] == [
        ("evidence-requested", "2")
    ]
    [review] = [r for r in exported["reviews"] if r["reference"] == "FSCP-CSPR-CHILD-A"]
    [item] = [t for t in review["recommendations"] if t["number"] == "2"]
    assert item["status"] != "closed"
