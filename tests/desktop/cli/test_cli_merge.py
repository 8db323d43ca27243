"""``casereview merge``, run as a separate process on real files: a dry run lists what would be
written and the conflicts, writing nothing; conflicts are answered with --prefer or an answers
file; bad input is one sentence with the shared database as it was; a merge killed half way
leaves the shared database as before (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from db.store.location import Location
from tests.helpers import ROOT
from tests.helpers.cli import assert_clean_error, run

REVIEW = "FSCP-CSPR-CHILD-A"
SECRET = "correct horse battery staple"


def _export(db: str, cwd: Path) -> str:
    done = run("export", "--db", db, "-o", "-", "--format", "json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return "\n".join(line for line in done.stdout.splitlines() if '"exported_at"' not in line)


def _set_owner(path: Path, number: str, owner: str) -> None:
    """An edit as the window makes it (the service, with its audit entry)."""
    code = (
        "import sys\n"
        "from db.services import editing\n"
        "from db.store.database import open_database\n"
        "from db.store.location import resolve_location\n"
        "with open_database(resolve_location(sys.argv[1])) as d, d.transaction('Sam') as s:\n"
        f"    k = editing.ItemKey({REVIEW!r}, sys.argv[2])\n"
        "    f = editing.item_fields(s, k)\n"
        "    new = editing.ItemFields(**{**f.__dict__, 'owner': sys.argv[3]})\n"
        "    editing.update_item(s, k, new)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(path), number, owner],
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


@pytest.fixture
def laptop(demo_db: Path, tmp_path: Path) -> Path:
    """A whole copy of the demo database: item 3 changed offline, item 5 on both sides."""
    target = tmp_path / "laptop.sqlite3"
    done = run("checkout", "--db", str(demo_db), "-o", str(target), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _set_owner(target, "3", "Owner set in the meeting")
    _set_owner(target, "5", "Offline owner")
    _set_owner(demo_db, "5", "Office owner")
    return target


def test_a_dry_run_lists_changes_and_conflicts_and_writes_nothing(
    demo_db: Path, laptop: Path, tmp_path: Path
) -> None:
    before = _export(str(demo_db), tmp_path)
    done = run(
        "merge", str(laptop), "--db", str(demo_db), "--dry-run",
        "--write-answers", "answers.json", cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[1:3] == [
        "1 change from the copy to write:",
        f"  recommendation 3 of review {REVIEW}, owner: Owner set in the meeting",
    ]
    assert lines[3:5] == ["1 conflict:", f"  1. recommendation 5 of review {REVIEW}, owner"]
    assert lines[6].startswith("     in the copy: Offline owner (Sam, ")
    assert lines[7].startswith("     in the shared database: Office owner (Sam, ")
    assert done.stderr.strip().endswith("Dry run: nothing was written.")
    assert _export(str(demo_db), tmp_path) == before
    (entry,) = json.loads((tmp_path / "answers.json").read_text("utf-8"))["conflicts"]
    assert (entry["copy"], entry["shared"]) == ("Offline owner", "Office owner")
    assert entry["take"] is None


def test_a_dry_run_says_it_brought_an_older_copy_up_to_this_version(
    demo_db: Path, laptop: Path, tmp_path: Path
) -> None:
    """Opening a copy taken by the previous version upgrades it (a backup of it kept first),
    as every command's opening does: the dry run says so by name rather than "nothing was
    written", and merges nothing."""
    from db.store.database import downgrade_schema, open_database, schema_revision
    from db.store.location import resolve_location

    with open_database(resolve_location(str(laptop))) as copy:
        downgrade_schema(copy.engine, "0011")  # the layout a copy of the previous version has
    before = _export(str(demo_db), tmp_path)
    done = run("merge", str(laptop), "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith(
        "Dry run: nothing was merged. Opening brought laptop.sqlite3 up to this version's "
        "database layout first, as any casereview command does, keeping a backup of it beside "
        "it."
    ), done.stderr
    assert _export(str(demo_db), tmp_path) == before
    assert schema_revision(resolve_location(str(laptop))) != "0011"
    again = run("merge", str(laptop), "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert again.stderr.strip().endswith("Dry run: nothing was written."), again.stderr


def test_a_refused_dry_run_says_it_brought_an_older_database_up_to_this_version(
    demo_db: Path, tmp_path: Path
) -> None:
    """Refused (the file is no copy), a dry run that had upgraded a database on opening says
    that too: a trial found both files changed and a backups folder with no word of it."""
    from db.store.database import downgrade_schema, open_database
    from db.store.location import resolve_location

    other = tmp_path / "other.sqlite3"
    other.write_bytes(demo_db.read_bytes())
    with open_database(resolve_location(str(other))) as older:
        downgrade_schema(older.engine, "0011")
    done = run("merge", str(other), "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert_clean_error(
        done,
        "That database is no copy taken offline, so it has nothing to merge. Opening brought "
        "other.sqlite3 up to this version's database layout first",
    )


def test_conflicts_unanswered_refuse_and_an_answers_file_merges(
    demo_db: Path, laptop: Path, tmp_path: Path
) -> None:
    before = _export(str(demo_db), tmp_path)
    refused = run("merge", str(laptop), "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(refused, "1 conflict has no answer", "nothing was merged")
    assert _export(str(demo_db), tmp_path) == before
    run("merge", str(laptop), "--db", str(demo_db), "--dry-run", "--write-answers", "a.json",
        cwd=tmp_path)  # fmt: skip
    answers = json.loads((tmp_path / "a.json").read_text("utf-8"))
    answers["conflicts"][0]["take"] = "shared"
    (tmp_path / "a.json").write_text(json.dumps(answers), "utf-8")
    done = run("merge", str(laptop), "--db", str(demo_db), "--answers", "a.json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "Merged the copy: 1 change written, 1 conflict answered."
    )
    after = _export(str(demo_db), tmp_path)
    assert '"owner": "Owner set in the meeting"' in after
    assert '"owner": "Office owner"' in after and "Offline owner" not in after
    checked = run("check", "--db", str(demo_db), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    again = run("merge", str(laptop), "--db", str(demo_db), "--prefer", "copy", cwd=tmp_path)
    assert_clean_error(again, "so it cannot be merged again: take a new copy")
    assert _export(str(demo_db), tmp_path) == after
    # Found by a new user: a decision recorded in the merged copy was taken without a word.
    copy_before = laptop.read_bytes()
    late = run("meeting", "add", "--db", str(laptop), "--date", "2026-11-20", "--title",
               "Recorded after the merge", "--chair", "A. Chair", cwd=tmp_path)  # fmt: skip
    assert_clean_error(late, "This copy was merged back on", "could never reach the database")
    assert laptop.read_bytes() == copy_before


def test_a_dry_run_with_answers_tries_every_rule_and_writes_nothing(
    demo_db: Path, laptop: Path, tmp_path: Path
) -> None:
    before = _export(str(demo_db), tmp_path)
    done = run("merge", str(laptop), "--db", str(demo_db), "--dry-run", "--prefer", "copy",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        "Tried with every rule, the merge would write 1 change from the copy, 1 conflict answered.",
        "Dry run: nothing was written.",
    ]
    assert _export(str(demo_db), tmp_path) == before
    merged = run("merge", str(laptop), "--db", str(demo_db), "--prefer", "copy", cwd=tmp_path)
    assert merged.returncode == 0, merged.stderr  # the rehearsal marked nothing merged


def test_a_plain_database_s_encrypted_copy_takes_the_first_line(
    demo_db: Path, tmp_path: Path
) -> None:
    """Found by a new user: the first line went to the plain shared database, and the copy
    then found none ("standard input held no passphrase")."""
    target = tmp_path / "laptop.sqlite3"
    done = run("checkout", "--db", str(demo_db), "-o", str(target), "--passphrase-stdin",
               cwd=tmp_path, stdin=SECRET + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    merged = run("merge", str(target), "--db", str(demo_db), "--passphrase-stdin",
                 cwd=tmp_path, stdin=SECRET + "\n")  # fmt: skip
    assert merged.returncode == 0, merged.stderr
    assert "Merged the copy" in merged.stderr


def test_prefer_copy_takes_the_copy_s_values(demo_db: Path, laptop: Path, tmp_path: Path) -> None:
    done = run("merge", str(laptop), "--db", str(demo_db), "--prefer", "copy", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert '"owner": "Offline owner"' in _export(str(demo_db), tmp_path)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (b"\xff\xfe not json", "is not an answers file as merge --write-answers writes it (it "
         "is not JSON text)"),
        (b'{"conflicts": 3}', "(it has no list of conflicts)"),
        (b'{"conflicts": [{"record": "x", "field": "y", "take": "mine"}]}', "conflict 1 needs"),
        (b'{"copy": "another", "conflicts": []}', "answers the conflicts of another copy"),
        (b'{"conflicts": [{"record": "x", "field": "y", "take": "copy", "value": "both"}]}',
         "not both"),
        (b'{"conflicts": [{"record": "x", "field": "y", "value": "  "}]}', "not empty"),
    ],
    ids=["not-json", "no-list", "bad-take", "other-copy", "take-and-value", "empty-value"],
)  # fmt: skip
def test_a_bad_answers_file_is_one_sentence_and_nothing_is_merged(
    demo_db: Path, laptop: Path, tmp_path: Path, content: bytes, said: str
) -> None:
    (tmp_path / "answers.json").write_bytes(content)
    before = _export(str(demo_db), tmp_path)
    refused = run("merge", str(laptop), "--db", str(demo_db), "--answers", "answers.json",
                  cwd=tmp_path)  # fmt: skip
    assert_clean_error(refused, said)
    assert _export(str(demo_db), tmp_path) == before


@pytest.mark.parametrize(
    ("options", "said", "code"),
    [
        (["no-such.sqlite3"], "There is no file no-such.sqlite3; nothing was merged.", 1),
        (["LAPTOP", "--prefer", "copy", "--answers", "a.json"], "not both", 2),
        (["LAPTOP", "--write-answers", "a.json"], "--write-answers goes with --dry-run", 2),
        (["OTHER"], "That database is no copy taken offline", 1),
        ([".", "--prefer", "copy"], "is a folder, not a copy's file; nothing was merged.", 1),
        (["EMPTY"], "empty.sqlite3 is empty, not a copy taken offline; nothing was merged.", 1),
        (["/dev/null"], "/dev/null is not a plain file (a device, say), not a copy's file", 1),
        (["CUT"], "cut.sqlite3 is damaged (SQLite's check of it failed), so it cannot be "
                  "merged; nothing was merged. Copy it from the laptop again", 1),
    ],
    ids=["missing", "both-answers", "write-without-dry-run", "no-copy", "folder", "empty",
         "device", "truncated"],
)  # fmt: skip
def test_bad_input_is_one_sentence(  # noqa: PLR0917 (fixtures and parameters)
    demo_db: Path, laptop: Path, tmp_path: Path, options: list[str], said: str, code: int
) -> None:
    other = tmp_path / "other.sqlite3"
    assert run("demo", "--db", str(other), cwd=tmp_path).returncode == 0
    (tmp_path / "empty.sqlite3").write_bytes(b"")  # left as it is (it became a database)
    # A copy cut short on its way from the laptop (found by a new user: the refusal sent
    # them to the backups beside it and 'casereview restore', which do not fit a copy).
    cut = tmp_path / "cut.sqlite3"
    cut.write_bytes(laptop.read_bytes()[:50_000])
    named = {"LAPTOP": str(laptop), "OTHER": str(other), "EMPTY": "empty.sqlite3", "CUT": str(cut)}
    before = _export(str(demo_db), tmp_path)
    files_before = sorted(p.name for p in tmp_path.iterdir())
    refused = run("merge", *[named.get(o, o) for o in options], "--db", str(demo_db),
                  cwd=tmp_path)  # fmt: skip
    assert_clean_error(refused, said, code=code)
    assert _export(str(demo_db), tmp_path) == before
    assert (tmp_path / "empty.sqlite3").read_bytes() == b""
    assert cut.read_bytes() == laptop.read_bytes()[:50_000]
    assert sorted(p.name for p in tmp_path.iterdir()) == files_before  # nothing made beside


def test_a_copy_of_another_database_is_refused(laptop: Path, tmp_path: Path) -> None:
    other = tmp_path / "other.sqlite3"
    assert run("demo", "--db", str(other), cwd=tmp_path).returncode == 0
    before = _export(str(other), tmp_path)
    refused = run("merge", str(laptop), "--db", str(other), "--prefer", "copy", cwd=tmp_path)
    assert_clean_error(refused, "The copy was taken from another database (")
    assert _export(str(other), tmp_path) == before


def _checked_out(demo_db: Path, tmp_path: Path) -> Path:
    target = tmp_path / "l2.sqlite3"
    done = run("checkout", "--db", str(demo_db), "-o", str(target), "--review", REVIEW,
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    return target


def _edit_outside(path: Path, statement: str) -> None:
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute(statement)


def test_a_copy_edited_outside_casereview_is_refused_the_database_untouched(
    demo_db: Path, tmp_path: Path
) -> None:
    copy = _checked_out(demo_db, tmp_path)
    _set_owner(copy, "3", "Owner set in the meeting")
    _edit_outside(copy, "UPDATE recommendations SET owner = 'SQLITE-EDIT owner' WHERE number = '7'")
    before = demo_db.read_bytes()
    refused = run("merge", str(copy), "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(
        refused,
        "casereview: error: The copy holds changes its own record does not account for (the "
        f"owner of {REVIEW} 7): it may have been edited outside casereview, so it is not merged.",
    )
    assert demo_db.read_bytes() == before
    # casereview check says so of the copy too, reading only; a copy as taken is sound.
    held = copy.read_bytes()
    checked = run("check", "--db", str(copy), cwd=tmp_path)
    assert_clean_error(
        checked,
        "is not sound: it holds changes its own audit trail does not account for (the owner of "
        f"{REVIEW} 7): it may have been edited outside casereview.",
    )
    assert copy.read_bytes() == held
    pristine = tmp_path / "pristine.sqlite3"
    done = run("checkout", "--db", str(demo_db), "-o", str(pristine), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    _set_owner(pristine, "3", "Owner set in the meeting")
    checked = run("check", "--db", str(pristine), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr


def test_a_copy_the_database_never_issued_is_refused_the_database_untouched(
    demo_db: Path, tmp_path: Path
) -> None:
    copy = _checked_out(demo_db, tmp_path)
    _edit_outside(
        copy, "UPDATE checkout_origin SET copy_id = '11111111-1111-1111-1111-111111111111'"
    )
    _set_owner(copy, "3", "Owner set in the meeting")
    before = demo_db.read_bytes()
    refused = run("merge", str(copy), "--db", str(demo_db), cwd=tmp_path)
    assert_clean_error(
        refused, "The copy (identity 11111111) was not checked out from this database"
    )
    assert demo_db.read_bytes() == before


def test_an_encrypted_database_s_encrypted_copy_merges_with_its_passphrase(
    demo_db: Path, tmp_path: Path
) -> None:
    done = run("encrypt", "--db", str(demo_db), "--passphrase-stdin", cwd=tmp_path,
               stdin=SECRET + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    target = tmp_path / "laptop.sqlite3"
    done = run("checkout", "--db", str(demo_db), "-o", str(target), "--passphrase-stdin",
               cwd=tmp_path, stdin=SECRET + "\n")  # fmt: skip
    assert done.returncode == 0, done.stderr
    dry = run("merge", str(target), "--db", str(demo_db), "--passphrase-stdin", "--dry-run",
              cwd=tmp_path, stdin=SECRET + "\n")  # fmt: skip
    assert dry.returncode == 0, dry.stderr
    assert "0 changes from the copy to write." in dry.stdout


# -- a merge killed half way


def _changed_everywhere(copy: Path) -> None:
    """Every item of the copy given a new owner, in one transaction through casereview's
    models, so each change has its audit entry (a change without one is refused)."""
    code = (
        "import sys\n"
        "from sqlalchemy import select\n"
        "from db.store.database import open_database\n"
        "from db.store.location import resolve_location\n"
        "from db.store.models import Recommendation\n"
        "with open_database(resolve_location(sys.argv[1])) as d, d.transaction('Sam') as s:\n"
        "    for r in s.scalars(select(Recommendation)):\n"
        "        r.owner = f'Owner set offline {r.id}'\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(copy)],
        env={"PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def _kill_mid_merge(copy: Path, shared: str, cwd: Path, holding: Callable[[], bool]) -> None:
    merging = subprocess.Popen(
        [sys.executable, "-m", "desktop", "merge", str(copy), "--db", shared, "--prefer", "copy"],
        cwd=cwd,
        env={"PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not holding():
        assert merging.poll() is None, "the merge ended before it was seen writing"
        assert time.monotonic() < deadline
        time.sleep(0.005)
    merging.send_signal(signal.SIGKILL)
    merging.communicate(timeout=30)
    assert merging.returncode == -signal.SIGKILL


def _generated(db: str, cwd: Path) -> Path:
    done = run("generate", "--db", db, "--reviews", "60", "--recommendations", "40", cwd=cwd)
    assert done.returncode == 0, done.stderr
    copy = cwd / "laptop.sqlite3"
    done = run("checkout", "--db", db, "-o", str(copy), cwd=cwd)
    assert done.returncode == 0, done.stderr
    _changed_everywhere(copy)
    return copy


def test_a_merge_killed_half_way_leaves_the_sqlite_database_as_before(tmp_path: Path) -> None:
    shared = tmp_path / "shared.sqlite3"
    copy = _generated(str(shared), tmp_path)
    before = _export(str(shared), tmp_path)

    def holding() -> bool:
        """The merge holds the write lock: its transaction has begun and not ended."""
        with closing(sqlite3.connect(shared, timeout=0)) as probe:
            try:
                probe.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError:
                return True
            probe.rollback()
            return False

    _kill_mid_merge(copy, str(shared), tmp_path, holding)
    assert _export(str(shared), tmp_path) == before
    checked = run("check", "--db", str(shared), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    # The copy was not marked merged: merged again, all of it is written.
    done = run("merge", str(copy), "--db", str(shared), "--prefer", "copy", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Owner set offline" in _export(str(shared), tmp_path)


def test_a_merge_killed_half_way_leaves_the_postgresql_database_as_before(
    postgres_location: Location, tmp_path: Path
) -> None:
    url = postgres_location.url.render_as_string(hide_password=False)
    copy = _generated(url, tmp_path)
    before = _export(url, tmp_path)
    probe = create_engine(url)

    def holding() -> bool:
        """The merge has written audit entries: it holds the trail's lock
        (db.store.audit.chain_head), taken at its first write and kept until the commit."""
        with probe.connect() as conn:
            held = conn.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted")
            ).scalar()
        return bool(held)

    try:
        _kill_mid_merge(copy, url, tmp_path, holding)
    finally:
        probe.dispose()
    time.sleep(0.5)  # the server notices the closed connection and rolls its work back
    assert _export(url, tmp_path) == before
    checked = run("check", "--db", url, cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
