"""``casereview similar``, run as a user runs it: the earlier learning like a text or an item,
best first, as text or JSON, an item's own review left out; bad input in one sentence."""

from __future__ import annotations

import hashlib
import itertools
import json
import re
from pathlib import Path

import pytest

from tests.helpers.cli import assert_clean_error, run

REVIEW = "FSCP-CSPR-CHILD-A"


def test_json_lists_other_sources_best_first(demo_db: Path, tmp_path: Path) -> None:
    """The sample's inspection (published last month) asks officers to record what
    children say; the child safeguarding practice review before it said the same. (Asked
    the other way, the inspection is later, so not earlier learning. The sample's dates
    move with today's.)"""
    inspection = "FICTIONAL-CP-INSPECTION-2"
    done = run("similar", "--db", str(demo_db), "--review", inspection, "--number", "1",
               "--format", "json", "--limit", "3", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found and {m["review"] for m in found} == {REVIEW}
    assert set(found[0]) == {"review", "number", "text", "status", "published", "score"}
    scores = [m["score"] for m in found]
    assert scores == sorted(scores, reverse=True)


def test_a_text_is_compared_with_every_source(demo_db: Path, tmp_path: Path) -> None:
    asked = "Capture the child's wishes and feelings at each contact."
    done = run("similar", "--db", str(demo_db), "--text", asked, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    first = done.stdout.splitlines()[0]
    # The sample's dates move with today's: the day is said as "9 January 2026" is.
    assert re.match(
        rf"{REVIEW} 2 \(Implemented, published \d{{1,2}} [A-Z][a-z]+ \d{{4}}; score ", first
    )


def test_a_text_is_trimmed_as_a_search_box_would_be(demo_db: Path, tmp_path: Path) -> None:
    """A new user's text ending in a space was refused as a stored text would be; it is
    looked for, not kept, so it is trimmed and answered as without the spaces."""
    asked = "Capture the child's wishes and feelings at each contact."
    plain = run("similar", "--db", str(demo_db), "--text", asked, cwd=tmp_path)
    spaced = run("similar", "--db", str(demo_db), "--text", f"  {asked}\t ", cwd=tmp_path)
    assert spaced.returncode == 0, spaced.stderr
    assert spaced.stdout == plain.stdout and spaced.stdout


def test_the_nearest_are_listed_whatever_their_score_but_none_shown_as_nought(
    demo_db: Path, tmp_path: Path
) -> None:
    """The window's detail sends a reader here for the nearest whatever their score, weaker
    than it offers (``SHOWN``) included; but a new user was shown "score 0.00", an item
    sharing one ordinary word among thousands of its own: none that would show as 0.00."""
    from db.queries.similar import SHOWN

    asked = "Capture the child's wishes and feelings at each contact; review electric vans."
    done = run("similar", "--db", str(demo_db), "--text", asked, "--limit", "100",
               "--format", "json", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    scores = [m["score"] for m in json.loads(done.stdout)]
    assert scores and min(scores) < SHOWN  # weaker than the window offers, listed here
    words = ["".join(w) for w in itertools.product("bcdfghjklmnpqrstvwxz", repeat=3)][:1500]
    long = {
        "format": "casereview/1",
        "reviews": [
            {"reference": "R-1", "kind": "cspr_local", "title": "One (fictional)",
             "recommendations": [{"number": "1", "text": "Health visitors should contact "
                                  "the family. " + " ".join(f"q{w}" for w in words) + "."}]},
            {"reference": "R-2", "kind": "cspr_local", "title": "Two (fictional)",
             "recommendations": [{"number": "1",
                                  "text": "Schools should train staff on attendance."}]},
        ],
    }  # fmt: skip
    (tmp_path / "long.json").write_text(json.dumps(long), "utf-8")
    db = tmp_path / "long.sqlite3"
    assert run("import", str(tmp_path / "long.json"), "--db", str(db), cwd=tmp_path).returncode == 0
    done = run("similar", "--db", str(db), "--text", "contact the family about attendance",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("R-2 1 ") and "R-1" not in done.stdout  # R-1's was 0.00
    assert "score 0.00" not in done.stdout


@pytest.mark.parametrize(
    ("options", "said", "code"),
    [
        (["--number", "2"], "one of the arguments --text --review is required", 2),
        (["--text", "x", "--number", "2"], "--number is an item of --review", 2),
        (["--review", REVIEW], "--review names the source of --number; give --number too", 2),
        (["--review", REVIEW, "--number", "99"], "There is no recommendation 99", 1),
        (["--text", "x", "--limit", "0"], "--limit", 2),
        (["--text", ""], "--text is empty", 2),
        (["--text", "   "], "--text is empty", 2),  # not "begins or ends with a space"
    ],
)
def test_bad_input_is_one_sentence(
    demo_db: Path, tmp_path: Path, options: list[str], said: str, code: int
) -> None:
    assert_clean_error(run("similar", "--db", str(demo_db), *options, cwd=tmp_path), said,
                       code=code)  # fmt: skip


def _new_review(tmp_path: Path) -> None:
    """new.json: a review whose first item repeats the demo's CHILD-A 2, its second nothing."""
    new = {
        "format": "casereview/1",
        "reviews": [
            {
                "reference": "CSPR-2027-1",
                "kind": "cspr_local",
                "title": "Child Z (fictional)",
                "recommendations": [
                    {"number": "1", "text": "Health visitors should record what the child says "
                     "and their wishes and feelings at each contact where neglect is a concern."},
                    {"number": "2", "text": "The council should review its electric vans."},
                ],
            }
        ],
    }  # fmt: skip
    (tmp_path / "new.json").write_text(json.dumps(new), "utf-8")


def test_an_import_names_the_new_items_that_repeat_earlier_learning(
    demo_db: Path, tmp_path: Path
) -> None:
    _new_review(tmp_path)
    done = run("import", "new.json", "--db", str(demo_db), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    repeats = [line for line in done.stdout.splitlines() if line.startswith("May repeat")]
    assert len(repeats) == 1
    assert re.fullmatch(
        rf"May repeat earlier learning: CSPR-2027-1 1 is like {REVIEW} 2 \(Implemented, "
        r"published \d{1,2} [A-Z][a-z]+ \d{4}; score 0\.\d\d\)\.",
        repeats[0],
    ), repeats


def test_a_dry_run_names_the_same_repeats_and_leaves_the_file_as_it_was(
    demo_db: Path, tmp_path: Path
) -> None:
    _new_review(tmp_path)
    digest = hashlib.sha256(demo_db.read_bytes()).hexdigest()
    dry = run("import", "new.json", "--db", str(demo_db), "--dry-run", cwd=tmp_path)
    assert dry.returncode == 0, dry.stderr
    assert hashlib.sha256(demo_db.read_bytes()).hexdigest() == digest
    lines = dry.stdout.splitlines()
    assert lines[0].startswith("Dry run of new.json: it would have added 1 review")
    done = run("import", "new.json", "--db", str(demo_db), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stdout.splitlines() if line.startswith("May repeat")]
    assert len(said) == 1
    assert lines[1:] == said  # the lines the import itself then prints, score and all


def test_themes_are_listed_renamed_and_merged(demo_db: Path, tmp_path: Path) -> None:
    listed = run("themes", "--db", str(demo_db), cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "Neglect\t3 items\t1 review" in listed.stdout.splitlines()
    done = run("themes", "--db", str(demo_db), "--merge", "Neglect", "--into", "Voice of the child",
               cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr.startswith("Merged the theme Neglect into Voice of the child (")
    again = run("themes", "--db", str(demo_db), cwd=tmp_path).stdout
    assert "Neglect\t" not in again
    assert_clean_error(
        run("themes", "--db", str(demo_db), "--merge", "Neglect", cwd=tmp_path),
        "--merge OLD and --into THEME go together", code=2,
    )  # fmt: skip
    checked = run("check", "--db", str(demo_db), cwd=tmp_path)
    assert checked.returncode == 0, checked.stderr


def test_an_empty_theme_name_is_refused(demo_db: Path, tmp_path: Path) -> None:
    refused = run("themes", "--db", str(demo_db), "--merge", "", "--into", "Neglect",
                  cwd=tmp_path)  # fmt: skip
    assert_clean_error(refused, "--merge and --into each name a theme; one was empty", code=2)


def test_a_text_of_only_common_words_is_told_why_nothing_was_found(tmp_path: Path) -> None:
    """A new user asked for "share information" and was told only that nothing was found."""
    items = [{"number": str(n), "text": f"Agencies should share information about child {n}."}
             for n in range(1, 221)]  # fmt: skip
    plan = tmp_path / "common.json"
    plan.write_text(json.dumps({"format": "casereview/1", "reviews": [
        {"reference": "SCR-COMMON", "kind": "scr", "title": "Fictional", "recommendations": items}
    ]}), encoding="utf-8")  # fmt: skip
    db = tmp_path / "common.sqlite3"
    assert run("import", str(plan), "--db", str(db), cwd=tmp_path).returncode == 0
    for text, said in (
        ("Share information.", "Every word of that text is in more than a twentieth"),
        ("xyzzy information", 'No item holds "xyzzy"; "information" is in more than'),
        ("should", "That text holds no word particular enough to compare"),
        (
            "Hydrotherapy pools",
            'No earlier learning like it was found: no item holds "hydrotherapy" or "pools".',
        ),
    ):
        done = run("similar", "--db", str(db), "--text", text, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        assert done.stdout == ""
        assert done.stderr.startswith(said), (text, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1
    # As JSON the list is empty, and the reason is still told, beside it.
    done = run("similar", "--db", str(db), "--text", "should", "--format", "json", cwd=tmp_path)
    assert json.loads(done.stdout) == []
    assert done.stderr.startswith("That text holds no word particular enough to compare")
    done = run("similar", "--db", str(db), "--text", "Information xyzzy", "--format", "json",
               cwd=tmp_path)  # fmt: skip
    assert json.loads(done.stdout) == []
    assert done.stderr.startswith('No item holds "xyzzy"; "information" is in more than')
    # A new user's words, every one in no item: named too, in both forms.
    for form in ("text", "json"):
        done = run("similar", "--db", str(db), "--text", "zzqq wibble frobnicate", "--format",
                   form, cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() in ("", "[]"), (form, done.stdout)
        assert done.stderr == (
            'No earlier learning like it was found: no item holds "zzqq", "wibble" or '
            '"frobnicate".\n'
        ), form


def test_the_sample_data_names_a_typed_word_no_item_holds(demo_db: Path, tmp_path: Path) -> None:
    """On the sample data "escalation zzqq" found nothing and named neither word (no sample
    item says "escalation" either)."""
    for form in ("text", "json"):
        done = run("similar", "--db", str(demo_db), "--text", "escalation zzqq", "--format",
                   form, cwd=tmp_path)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert '"zzqq"' in done.stderr, (form, done.stderr)


def test_an_items_earlier_learning_is_of_sources_published_before_it(
    demo_db: Path, tmp_path: Path
) -> None:
    """Asked about an item, ``similar`` lists only learning published before the item's own
    source (or not yet published), as the window does; a typed text is compared with every
    source. (A new user found a review of May 2026 offered as earlier learning for one of
    March 2026.)"""
    text = "Health visitors should ask about safe sleep and co-sleeping at every contact."
    reviews = [
        {"reference": ref, "kind": "cspr_local", "title": f"Review {ref} (fictional)",
         "published": day, "recommendations": [{"number": "1", "text": text}]}
        for ref, day in [("SCR-A", "2024-03-01"), ("SCR-B", "2026-03-09"),
                         ("SCR-C", "2026-05-04"), ("SCR-D", None)]
    ]  # fmt: skip
    (tmp_path / "three.json").write_text(
        json.dumps({"format": "casereview/1", "reviews": reviews}), "utf-8"
    )
    assert run("import", "three.json", "--db", str(demo_db), cwd=tmp_path).returncode == 0
    asked = run("similar", "--db", str(demo_db), "--review", "SCR-B", "--number", "1",
                "--format", "json", cwd=tmp_path)  # fmt: skip
    assert asked.returncode == 0, asked.stderr
    assert {m["review"] for m in json.loads(asked.stdout)} >= {"SCR-A", "SCR-D"}
    assert "SCR-C" not in {m["review"] for m in json.loads(asked.stdout)}
    typed = run("similar", "--db", str(demo_db), "--text", text, "--format", "json",
                cwd=tmp_path)  # fmt: skip
    assert {"SCR-A", "SCR-B", "SCR-C", "SCR-D"} <= {m["review"] for m in json.loads(typed.stdout)}
