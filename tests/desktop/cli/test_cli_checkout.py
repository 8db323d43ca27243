"""``casereview checkout``, run as a separate process on real files: one plain line naming what
was taken; bad input one sentence, with no file left behind and the database as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.store.cipher import is_encrypted
from tests.helpers.cli import assert_clean_error, run, snapshot

SECRET = "correct horse battery staple"
LAPTOP = "a different laptop passphrase"


def test_checkout_of_a_meeting_says_what_it_took_and_the_copy_checks(
    sample_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "laptop.sqlite3"
    done = run(
        "checkout", "--db", str(sample_path), "-o", str(target), "--meeting", "2026-12-05",
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert done.stderr.strip().splitlines() == [
        "Took a copy of the agenda of Case Review Subgroup, 5 December 2026 (1 review, "
        f"1 inspection, 10 items, 2 meetings) to {target}."
    ]
    assert not is_encrypted(target)
    checked = run("check", "--db", str(target), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr
    exported = run("export", "--db", str(target), "-o", "-", cwd=tmp_path)
    assert '"FSCP-CSPR-CHILD-A"' in exported.stdout
    assert '"BSCB-SCR-2010"' not in exported.stdout


@pytest.mark.parametrize(
    ("options", "said", "code"),
    [
        (["--review", "NO-SUCH"], "There is no review with the reference 'NO-SUCH'.", 1),
        (["--inspection", "NO-SUCH"], "There is no inspection with the reference 'NO-SUCH'.", 1),
        (["--meeting", "2031-01-01"], "There is no meeting on 1 January 2031", 1),
        (["--meeting-title", "Subgroup"], "give --meeting", 2),
        (["-o", "elsewhere/copy.sqlite3"], "does not exist", 1),
        # a folder no file can be made in: the path named (it said the system's words alone)
        (["-o", "/proc/copy.sqlite3"], "Cannot write /proc/copy.sqlite3: ", 1),
    ],
)
def test_bad_input_is_one_sentence_with_nothing_written(
    sample_path: Path, tmp_path: Path, options: list[str], said: str, code: int
) -> None:
    before = snapshot(tmp_path)
    refused = run(
        "checkout", "--db", str(sample_path), "-o", "copy.sqlite3", *options, cwd=tmp_path
    )
    assert_clean_error(refused, said, code=code)
    assert snapshot(tmp_path) == before


def test_an_existing_target_is_refused_and_kept(sample_path: Path, tmp_path: Path) -> None:
    target = tmp_path / "laptop.sqlite3"
    target.write_bytes(b"the panel's notes")
    before = snapshot(tmp_path)
    refused = run("checkout", "--db", str(sample_path), "-o", str(target), cwd=tmp_path)
    assert_clean_error(refused, f"{target} exists already", "give another name")
    assert snapshot(tmp_path) == before


def test_a_plain_database_s_copy_takes_a_passphrase_from_stdin(
    sample_path: Path, tmp_path: Path
) -> None:
    target = tmp_path / "laptop.sqlite3"
    done = run(
        "checkout", "--db", str(sample_path), "-o", str(target), "--passphrase-stdin",
        cwd=tmp_path, stdin=LAPTOP + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().endswith(f"to {target}, encrypted.")
    assert is_encrypted(target) and not is_encrypted(sample_path)
    checked = run("check", "--db", str(target), "--passphrase-stdin", cwd=tmp_path, stdin=LAPTOP)
    assert checked.returncode == 0, checked.stderr


def test_an_encrypted_database_gives_a_copy_with_its_passphrase(
    sample_path: Path, tmp_path: Path
) -> None:
    made = run(
        "encrypt", "--db", str(sample_path), "--passphrase-stdin", cwd=tmp_path, stdin=SECRET
    )
    assert made.returncode == 0, made.stderr
    target = tmp_path / "laptop.sqlite3"
    done = run(
        "checkout", "--db", str(sample_path), "-o", str(target), "--review", "BSCB-SCR-2010",
        "--passphrase-stdin", cwd=tmp_path, stdin=SECRET + "\n",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "review BSCB-SCR-2010 (1 review, 0 inspections" in done.stderr
    assert is_encrypted(target)
    checked = run("check", "--db", str(target), "--passphrase-stdin", cwd=tmp_path, stdin=SECRET)
    assert checked.returncode == 0, checked.stderr
