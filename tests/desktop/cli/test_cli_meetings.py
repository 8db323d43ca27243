"""Panel meetings from the command line, run as a user runs it: ``meeting add``, ``meeting
agenda``, ``meeting decide``, ``minutes`` and ``brief --meeting``. Every refusal is one plain
line and leaves the folder (the database with it) exactly as it was."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
from collections.abc import Callable
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from db.core.dates import format_date
from db.services.meetings import AGENDA_LIMIT
from tests.helpers import cli
from tests.helpers.cli import assert_clean_error, assert_loads_no_gui, snapshot
from tests.helpers.word import all_text, headings, open_docx, sections_marked, tables

REVIEW = "FSCP-CSPR-CHILD-A"  # the sample's fictional review
INSPECTION = "FICTIONAL-CP-INSPECTION-2"  # on the sample's coming agenda as a whole
NEW_MEETING = "2030-02-10"  # after the sample's meetings, whatever day the tests run
DAY = dt.date.today()  # the tests' today, the command's too: decisions are recorded from its day
TODAY = DAY.isoformat()


def run(*args: str, **options: Any) -> Any:
    """The command run on the tests' today, even when the clock passes midnight meanwhile."""
    return cli.run(*args, today=DAY, **options)


@pytest.fixture
def meeting_day_db(demo_db: Path) -> Path:
    """The sample with its coming meeting moved to today (through the service, audited), as
    if the tests ran on the meeting's day: a meeting still to come takes no decisions."""
    from db.services import meetings
    from db.store.database import open_database
    from db.store.location import resolve_location

    coming = dt.date.fromisoformat(_meetings(demo_db)[-1])
    database = open_database(resolve_location(str(demo_db)))
    try:
        with database.transaction("tester") as session:
            key = meetings.meeting_by_date(session, coming)
            fields = meetings.meeting_fields(session, key)
            moved = meetings.MeetingFields(**{**fields.__dict__, "held_on": DAY})
            meetings.update_meeting(session, key, moved)
    finally:
        database.close()
    return demo_db


def _query(db: Path, sql: str, *params: object) -> list[tuple[object, ...]]:
    with closing(sqlite3.connect(db)) as connection:
        return connection.execute(sql, params).fetchall()


def _meetings(db: Path) -> list[str]:
    """The sample's meetings' dates (ISO), the earliest first: one past, one coming."""
    return [str(d) for (d,) in _query(db, "SELECT held_on FROM meetings ORDER BY held_on")]


def _agenda(db: Path, held_on: str) -> list[tuple[object, ...]]:
    return _query(
        db,
        "SELECT a.position, a.reason FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id "
        "WHERE m.held_on = ? ORDER BY a.position",
        held_on,
    )


def _flat(text: str) -> str:
    """Text as extracted, with line breaks and runs of spaces as one space (a table cell
    wraps its words over lines)."""
    return " ".join(text.split())


def _broken_at_hyphens(raw: str, reference: str) -> bool:
    """Whether ``reference`` is in the PDF's text ``raw`` and every line break inside it
    comes after one of its hyphens (ReportLab cut "FICTIONAL-CP-INSPECT / ION-2")."""
    anywhere = "\n?".join(re.escape(c) for c in reference)
    at_hyphens = "-\n?".join(re.escape(part) for part in reference.split("-"))
    return len(re.findall(anywhere, raw)) == len(re.findall(at_hyphens, raw)) > 0


def _uk(iso: str) -> str:
    return format_date(dt.date.fromisoformat(iso))


# ----------------------------------------------------------------------------- happy paths


def test_a_meeting_added_its_agenda_proposed_then_stored_and_a_decision_recorded(
    demo_db: Path, tmp_path: Path
) -> None:
    db = str(demo_db)
    added = run(
        "meeting", "add", "--db", db, "--date", TODAY, "--title", "Case Review Subgroup",
        "--chair", "Jo Chair", cwd=tmp_path,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stderr.strip() == f"Meeting added: Case Review Subgroup, {_uk(TODAY)}."

    proposed = run("meeting", "agenda", "--db", db, "--meeting", TODAY, cwd=tmp_path)
    assert proposed.returncode == 0, proposed.stderr
    lines = proposed.stdout.splitlines()
    assert lines[0] == f"Proposed agenda for Case Review Subgroup, {_uk(TODAY)}:"
    entries = [line for line in lines if re.match(r"\s*\d+\. ", line)]
    assert entries, proposed.stdout
    # Each entry names its item as --item takes it, and says why it is there.
    assert all(" — " in line and line.split(" — ", 1)[1] for line in entries)
    assert any(f"{REVIEW}:" in line and "Overdue: the target was" in line for line in entries)
    assert lines[-1] == "Nothing was stored: add --accept to store this agenda."
    assert _agenda(demo_db, TODAY) == []

    accepted = run("meeting", "agenda", "--db", db, "--meeting", TODAY, "--accept", cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    stored = _agenda(demo_db, TODAY)
    assert len(stored) == len(entries)
    assert [line.split(" — ", 1)[1] for line in entries] == [reason for _, reason in stored]

    overdue = next(line for line in entries if f"{REVIEW}:" in line and "Overdue" in line)
    item = overdue.split(". ", 1)[1].split(" — ", 1)[0]
    decided = run(
        "meeting", "decide", "--db", db, "--meeting", TODAY, "--item", item,
        "--decision", "extended", "--until", "2030-06-30", "--note", "Training moved.",
        cwd=tmp_path,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    assert decided.stdout == ""
    assert decided.stderr.strip() == (
        f"Recorded for {item}: Case Review Subgroup, {_uk(TODAY)}: target extended to "
        "30 June 2030. Training moved."
    )
    number = item.rsplit(":", 1)[1]
    target = _query(
        demo_db,
        "SELECT r.target_date FROM recommendations r JOIN reviews v ON v.id = r.review_id "
        "WHERE v.reference = ? AND r.number = ?",
        REVIEW,
        number,
    )
    assert target == [("2030-06-30",)]
    logged = _query(
        demo_db,
        "SELECT kind, note, until, decided_by FROM decisions d JOIN meetings m "
        "ON m.id = d.meeting_id WHERE m.held_on = ?",
        TODAY,
    )
    assert [row[:3] for row in logged] == [("extended", "Training moved.", "2030-06-30")]


def test_an_agenda_accepted_holds_the_most_pressing_entries_as_many_as_it_holds(
    tmp_path: Path,
) -> None:
    """Found by new users: --accept stored all 41,557 entries a generated data set proposed
    (20 seconds, 415 MB), an agenda no panel can run; then the ``AGENDA_LIMIT`` it kept were
    the first reviews' by reference, in item order, and nothing said what was left out. It
    keeps the most pressing of each reason across all reviews, and both runs say in one
    sentence how many are left out, and for which reasons."""
    db = str(tmp_path / "many.sqlite3")
    for args in (
        ("generate", "--db", db, "--reviews", "3", "--recommendations", "300", "--seed", "1"),
        ("meeting", "add", "--db", db, "--date", NEW_MEETING, "--title", "Panel"),
    ):
        made = run(*args, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
    shown = run("meeting", "agenda", "--db", db, "--meeting", NEW_MEETING, cwd=tmp_path)
    accepted = run(
        "meeting", "agenda", "--db", db, "--meeting", NEW_MEETING, "--accept", cwd=tmp_path
    )
    assert shown.returncode == accepted.returncode == 0, shown.stderr + accepted.stderr
    said = re.fullmatch(
        rf"An agenda holds at most {AGENDA_LIMIT} entries, so (\d+) of the (\d+) proposed are "
        r"left out: (.+)\.",
        shown.stdout.splitlines()[-2],
    )
    assert said is not None, shown.stdout
    left_out, proposed = int(said[1]), int(said[2])
    assert proposed > AGENDA_LIMIT and left_out == proposed - AGENDA_LIMIT
    counts = re.findall(r"(\d+) (overdue|falling due)", said[3])
    assert sum(int(n) for n, _ in counts) == left_out, said[3]
    assert shown.stdout.splitlines()[-1] == "Nothing was stored: add --accept to store this agenda."
    lines = accepted.stdout.splitlines()
    assert lines[:-1] == shown.stdout.splitlines()[:-1]  # the same proposal, the same line
    assert lines[-1] == (
        f"Stored as the agenda of Panel, {_uk(NEW_MEETING)}: the {AGENDA_LIMIT} listed above, "
        f"of the {proposed} entries proposed."
    )
    entries = [line for line in lines if re.match(r"\s*\d+\. ", line)]
    assert len(entries) == AGENDA_LIMIT
    stored = _agenda(Path(db), NEW_MEETING)
    assert [reason for _, reason in stored] == [line.split(" — ", 1)[1] for line in entries]
    # The longest overdue first, across all three reviews; no overdue item left out is
    # more overdue than the last one kept.
    overdue = [
        (dt.datetime.strptime(found[2], "%d %B %Y").date(), found[1])
        for found in (
            re.match(r"\s*\d+\. (GEN-[\d-]+):\S+ — Overdue: the target was (\d+ \w+ \d{4})", line)
            for line in entries
        )
        if found is not None
    ]
    assert overdue and [when for when, _ in overdue] == sorted(when for when, _ in overdue)
    assert len({review for _, review in overdue}) == 3
    if len(overdue) == AGENDA_LIMIT:
        (more_overdue,) = _query(
            Path(db),
            "SELECT count(*) FROM recommendations WHERE target_date < ? "
            "AND status IN ('not_started', 'in_progress', 'implemented')",
            overdue[-1][0].isoformat(),
        )[0]
        assert more_overdue < AGENDA_LIMIT


def test_a_full_agenda_takes_no_more_and_accept_keeps_a_decision_within_the_limit(
    tmp_path: Path,
) -> None:
    """An agenda at ``AGENDA_LIMIT`` refuses ``--add`` in one sentence; once one is taken off,
    an item the proposal would not hold is added and decided about, and ``--accept`` keeps
    it first, the proposal giving up a place for it, and says so."""
    db = str(tmp_path / "many.sqlite3")
    agenda = ["meeting", "agenda", "--db", db, "--meeting", TODAY]
    for args in (
        ("generate", "--db", db, "--reviews", "3", "--recommendations", "800", "--seed", "1"),
        ("meeting", "add", "--db", db, "--date", TODAY, "--title", "Panel"),
        (*agenda, "--accept"),
    ):
        made = run(*args, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
    stored = _agenda(Path(db), TODAY)
    assert len(stored) == AGENDA_LIMIT
    (closed,) = _query(
        Path(db),
        "SELECT rv.reference || ':' || r.number FROM recommendations AS r "
        "JOIN reviews AS rv ON rv.id = r.review_id WHERE r.status = 'closed' LIMIT 1",
    )
    before = snapshot(tmp_path)
    full = run(*agenda, "--add", str(closed[0]), cwd=tmp_path)
    assert_clean_error(full, f"holds {AGENDA_LIMIT} entries, as many as an agenda can", code=1)
    assert snapshot(tmp_path) == before
    last = run(*agenda, cwd=tmp_path).stdout.splitlines()[AGENDA_LIMIT]
    taken = last.split(". ", 1)[1].split(" — ", 1)[0]
    for args in (
        (*agenda, "--remove", taken),
        (*agenda, "--add", str(closed[0]), "--reason", "Asked for by the chair"),
        ("meeting", "decide", "--db", db, "--meeting", TODAY, "--item", str(closed[0]),
         "--decision", "noted"),
    ):  # fmt: skip
        made = run(*args, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
    accepted = run(*agenda, "--accept", cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    lines = accepted.stdout.splitlines()
    assert lines[1] == f"  1. {closed[0]} — Asked for by the chair"
    assert "The first entry stays on the agenda: the meeting has decided about it." in lines
    assert re.fullmatch(
        rf"An agenda holds at most {AGENDA_LIMIT} entries, 1 of them for what the meeting has "
        r"decided about, so \d+ of the \d+ proposed are left out: .+\.",
        lines[-2],
    ), lines[-2]
    assert re.fullmatch(
        rf"Stored as the agenda of Panel, {_uk(TODAY)}: the {AGENDA_LIMIT} listed above, "
        rf"{AGENDA_LIMIT - 1} of the \d+ entries proposed and 1 the meeting has decided about\.",
        lines[-1],
    ), lines[-1]
    stored = _agenda(Path(db), TODAY)
    assert len(stored) == AGENDA_LIMIT and stored[0] == (1, "Asked for by the chair")


def test_a_meeting_still_to_come_takes_no_decision(demo_db: Path, tmp_path: Path) -> None:
    coming = _meetings(demo_db)[-1]
    before = snapshot(tmp_path)
    refused = run(
        "meeting", "decide", "--db", str(demo_db), "--meeting", coming,
        "--item", f"{REVIEW}:3", "--decision", "noted", cwd=tmp_path,
    )  # fmt: skip
    assert_clean_error(
        refused, f"is still to come: its decisions can be recorded from {_uk(coming)}"
    )
    assert snapshot(tmp_path) == before


def test_an_item_numbered_alike_twice_on_the_agenda_is_chosen_by_kind(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """The sample's coming meeting has an inspection's recommendation 1 and its area for
    improvement 1 on its agenda: --item alone cannot say which, --kind does."""
    demo_db = meeting_day_db
    coming = _meetings(demo_db)[-1]
    item = ["--item", "FICTIONAL-CP-INSPECTION-2:1", "--decision", "noted"]
    args = ["meeting", "decide", "--db", str(demo_db), "--meeting", coming, *item]
    before = snapshot(tmp_path)
    refused = run(*args, cwd=tmp_path)
    assert_clean_error(
        refused, "has recommendation 1 and area for improvement 1 on the agenda", "say which"
    )
    assert snapshot(tmp_path) == before
    chosen = run(*args, "--kind", "area-for-improvement", cwd=tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    assert _query(demo_db, "SELECT r.kind FROM decisions d JOIN recommendations r "
                  "ON r.id = d.recommendation_id WHERE d.note = '' AND d.kind = 'noted'") == [
        ("area_for_improvement",)
    ]  # fmt: skip


def _edit_agenda(db: Path, held_on: str, keep: Callable[[Any], bool]) -> None:
    """Store the meeting's agenda with only the entries ``keep`` keeps (through the service)."""
    from db.services import meetings
    from db.store.database import open_database
    from db.store.location import resolve_location

    database = open_database(resolve_location(str(db)))
    try:
        with database.transaction("tester") as session:
            key = meetings.meeting_by_date(session, dt.date.fromisoformat(held_on))
            entries = [line.entry for line in meetings.agenda(session, key)]
            meetings.set_agenda(session, key, [e for e in entries if keep(e.what)])
    finally:
        database.close()


def test_the_item_on_the_agenda_by_itself_is_chosen_over_one_there_with_its_inspection(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """Found by a new user: with recommendation 1 on the agenda by itself and the whole
    inspection there too (which puts its area for improvement 1 there), --item REF:1 was
    refused as both; the one on the agenda by itself is meant."""
    from db.core.vocabulary import TrackedKind
    from db.services.editing import ItemKey

    demo_db = meeting_day_db
    coming = _meetings(demo_db)[-1]
    _edit_agenda(
        demo_db,
        coming,
        lambda what: (
            not (isinstance(what, ItemKey) and what.kind is TrackedKind.AREA_FOR_IMPROVEMENT)
        ),
    )
    decided = run(
        "meeting", "decide", "--db", str(demo_db), "--meeting", coming,
        "--item", f"{INSPECTION}:1", "--decision", "noted", cwd=tmp_path,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    assert _query(demo_db, "SELECT r.kind FROM decisions d JOIN recommendations r "
                  "ON r.id = d.recommendation_id WHERE d.note = '' AND d.kind = 'noted'") == [
        ("recommendation",)
    ]  # fmt: skip


@pytest.mark.parametrize("ending", ["pdf", "docx"])
def test_minutes_hold_every_decision_attendee_and_apology_and_the_marking(
    demo_db: Path, tmp_path: Path, ending: str
) -> None:
    past = _meetings(demo_db)[0]
    marking = "OFFICIAL-SENSITIVE PANEL"
    target = tmp_path / f"minutes.{ending}"
    result = run(
        "minutes", "--db", str(demo_db), "--meeting", past, "-o", str(target),
        "--marking", marking, cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"Minutes written to {target}."
    if ending == "pdf":
        pages = [page.extract_text() for page in PdfReader(target).pages]
        assert all(page.count(marking) == 2 for page in pages)  # the top and the foot
        assert all(f"of {len(pages)}" in page for page in pages)
        text = _flat("\n".join(pages))
        attending = text.split("Present", 1)[1].split("Apologies", 1)[0]
        apologies = text.split("Apologies", 1)[1].split("Decisions", 1)[0]
        decisions = text.split("Decisions", 1)[1].split("Action log", 1)[0]
        actions = text.split("Action log", 1)[1]
    else:
        document = open_docx(target)
        assert all(sections_marked(document, marking))
        assert [
            h
            for h in headings(document)
            if h in {"Present", "Apologies", "Decisions", "Action log"}
        ] == ["Present", "Apologies", "Decisions", "Action log"]
        attending, apologies, decisions, actions = (
            _flat(" ".join(" ".join(row) for row in table)) for table in tables(document)
        )
    people = _query(
        demo_db,
        "SELECT p.name, p.agency, p.present FROM meeting_people p JOIN meetings m "
        "ON m.id = p.meeting_id WHERE m.held_on = ?",
        past,
    )
    assert any(not present for *_, present in people)  # the sample sends apologies
    for name, agency, present in people:
        assert _flat(f"{name}") in (attending if present else apologies)
        assert _flat(f"{agency}") in (attending if present else apologies)
    decided = _query(
        demo_db,
        "SELECT d.kind, d.note, d.until, d.whom FROM decisions d "
        "JOIN meetings m ON m.id = d.meeting_id WHERE m.held_on = ?",
        past,
    )
    assert len(decided) == 5
    labels = {"signed-off": "Signed off", "extended": "Target extended",
              "evidence-requested": "Evidence requested", "escalated": "Escalated",
              "noted": "Noted"}  # fmt: skip
    for kind, note, until, whom in decided:
        assert _flat(str(note)) in decisions
        assert labels[str(kind)] in decisions
        if until:
            assert _uk(str(until)) in decisions
        if whom:
            assert _flat(str(whom)) in decisions
    assert "Evidence to be provided to the panel by Fenmarsh Constabulary (fictional)" in actions
    assert "Escalated to Partnership executive (fictional)" in actions
    assert "Complete by the extended target date" in actions


def test_a_pack_for_a_meeting_follows_its_agenda_and_lists_changes_since_the_one_before(
    demo_db: Path, tmp_path: Path
) -> None:
    past, coming = _meetings(demo_db)
    result = run("brief", "--db", str(demo_db), "--meeting", coming, "-o", "p.pdf", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pages = [_flat(page.extract_text()) for page in PdfReader(tmp_path / "p.pdf").pages]
    assert f"Meeting: Case Review Subgroup, {_uk(coming)}" in pages[0]
    text = " ".join(pages)
    assert f"Changes since {_uk(past)}" in text
    # The agenda's first item of the review leads the review's table.
    first = next(
        number
        for (number,) in _query(
            demo_db,
            "SELECT r.number FROM agenda_items a JOIN meetings m ON m.id = a.meeting_id "
            "JOIN recommendations r ON r.id = a.recommendation_id "
            "JOIN reviews v ON v.id = r.review_id WHERE m.held_on = ? AND v.reference = ? "
            "ORDER BY a.position",
            coming,
            REVIEW,
        )
    )
    table = text.split("Latest update", 1)[1]
    assert table.split()[0] == str(first)
    # The pack holds what the agenda names: the sample's other review is not on it.
    assert "BSCB-SCR-2010" not in text
    word = run("brief", "--db", str(demo_db), "--meeting", coming, "-o", "p.docx", cwd=tmp_path)
    assert word.returncode == 0, word.stderr
    words = _flat(all_text(open_docx(tmp_path / "p.docx")))
    assert f"Meeting: Case Review Subgroup, {_uk(coming)}" in words
    assert f"Changes since {_uk(past)}" in words


def test_a_decision_about_a_whole_inspection_is_in_the_next_meeting_s_pack(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """Found by a new user: a decision about a whole inspection never reached the next pack
    (an item's does, through its log). It is a row of the inspection's changes in the PDF and
    the .docx, naming the meeting and what it decided."""
    demo_db = meeting_day_db
    coming = _meetings(demo_db)[-1]
    decided = run(
        "meeting", "decide", "--db", str(demo_db), "--meeting", coming, "--item", INSPECTION,
        "--decision", "escalated", "--whom", "Exec board (fictional)", cwd=tmp_path,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    added = run("meeting", "add", "--db", str(demo_db), "--date", NEW_MEETING,
                "--title", "Case Review Subgroup", cwd=tmp_path)  # fmt: skip
    assert added.returncode == 0, added.stderr
    said = f"Case Review Subgroup, {_uk(coming)}: escalated to Exec board (fictional)."
    for ending in ("pdf", "docx"):
        target = f"next.{ending}"
        made = run("brief", "--db", str(demo_db), "--meeting", NEW_MEETING, "-o", target,
                   cwd=tmp_path)  # fmt: skip
        assert made.returncode == 0, made.stderr
        if ending == "pdf":
            raw = "\n".join(p.extract_text() for p in PdfReader(tmp_path / target).pages)
            text = _flat(raw)
            changes = text.rsplit(f"Changes since {_uk(coming)}", 1)[1]  # (not the contents')
            assert _broken_at_hyphens(raw.rsplit("Changes since", 1)[1], INSPECTION)
            assert f"All {said}" in changes
        else:
            (table,) = [t for t in tables(open_docx(tmp_path / target)) if t[0][-1] == "Change"]
            assert [_uk(coming), INSPECTION, "All", said] in table


def test_one_entry_is_added_to_the_agenda_stored_decided_and_kept_by_accept(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """``meeting agenda --add`` puts one item or a whole review at the end of the agenda
    stored (``meeting decide``'s refusal names it), ``--remove`` takes one off; and
    ``--accept`` on a meeting that has decided about something the proposal leaves out keeps
    it, first (it was refused outright)."""
    db = str(meeting_day_db)
    before = _agenda(meeting_day_db, TODAY)
    agenda = ["meeting", "agenda", "--db", db, "--meeting", TODAY]
    decide = ["meeting", "decide", "--db", db, "--meeting", TODAY]
    refused = run(*decide, "--item", REVIEW, "--decision", "noted", cwd=tmp_path)
    hint = "add it to the agenda first, with casereview meeting agenda --add and the same --item."
    assert_clean_error(refused, hint, code=1)

    added = run(*agenda, "--add", REVIEW, "--reason", "The panel asked", cwd=tmp_path)
    assert added.returncode == 0, added.stderr
    assert added.stdout == ""
    assert added.stderr.strip() == (
        f"Added to the agenda of Case Review Subgroup, {_uk(TODAY)}: review {REVIEW} "
        f"({len(before) + 1} entries)."
    )
    assert _agenda(meeting_day_db, TODAY) == [*before, (len(before) + 1, "The panel asked")]
    item = run(*agenda, "--add", f"{REVIEW}:1", cwd=tmp_path)
    assert item.returncode == 0, item.stderr
    assert _agenda(meeting_day_db, TODAY)[-1] == (len(before) + 2, "Added by the chair")
    removed = run(*agenda, "--remove", f"{REVIEW}:1", cwd=tmp_path)
    assert removed.returncode == 0, removed.stderr
    assert f"Taken off the agenda of Case Review Subgroup, {_uk(TODAY)}: {REVIEW}:1" in (
        removed.stderr
    )
    assert len(_agenda(meeting_day_db, TODAY)) == len(before) + 1

    decided = run(*decide, "--item", REVIEW, "--decision", "noted", cwd=tmp_path)
    assert decided.returncode == 0, decided.stderr
    off = run(*agenda, "--remove", REVIEW, cwd=tmp_path)
    assert_clean_error(
        off,
        f"The meeting decided about review {REVIEW}, so it stays on its agenda (a decision is "
        "undone only in the window that recorded it, with Edit ▸ Undo); nothing was changed.",
        code=1,
    )

    accepted = run(*agenda, "--accept", cwd=tmp_path)
    assert accepted.returncode == 0, accepted.stderr
    lines = accepted.stdout.splitlines()
    assert lines[1] == f"  1. review {REVIEW} — The panel asked"
    assert "The first entry stays on the agenda: the meeting has decided about it." in lines
    stored = _agenda(meeting_day_db, TODAY)
    assert stored[0] == (1, "The panel asked")
    assert lines[-1] == (
        f"Stored as the agenda of Case Review Subgroup, {_uk(TODAY)}: {len(stored)} entries."
    )
    shown = [line for line in lines if re.match(r"\s*\d+\. ", line)]
    assert len(shown) == len(stored)


def test_accept_keeps_a_held_meeting_s_decided_entries_as_they_were(
    demo_db: Path, tmp_path: Path
) -> None:
    """Found by a new user: --accept on the sample's past meeting, every entry of which was
    decided about, kept some in the proposal's order with reasons worked out from today's
    items. Every decided entry now stays first, in its order, with its reason."""
    past = _meetings(demo_db)[0]
    before = _agenda(demo_db, past)
    (decided,) = _query(
        demo_db,
        "SELECT count(DISTINCT coalesce(d.recommendation_id, -d.review_id)) FROM decisions d "
        "JOIN meetings m ON m.id = d.meeting_id WHERE m.held_on = ?",
        past,
    )[0]
    assert before and decided == len(before)  # the sample: each entry decided about
    accepted = run("meeting", "agenda", "--db", str(demo_db), "--meeting", past, "--accept",
                   cwd=tmp_path)  # fmt: skip
    assert accepted.returncode == 0, accepted.stderr
    assert _agenda(demo_db, past)[: len(before)] == before
    assert (
        f"The first {len(before)} entries stay on the agenda: the meeting has decided about them."
        in accepted.stdout.splitlines()
    )


def test_accept_names_what_it_takes_off_the_agenda_stored(demo_db: Path, tmp_path: Path) -> None:
    """Found by a new user: --accept took entries added by hand off the agenda without a
    word. What it would take off is named before, and what it took off after."""
    held = (DAY - dt.timedelta(days=3)).isoformat()
    agenda = ["meeting", "agenda", "--db", str(demo_db), "--meeting", held]
    for args in (
        ("meeting", "add", "--db", str(demo_db), "--date", held, "--title", "Hand"),
        (*agenda, "--add", REVIEW, "--reason", ""),  # nothing typed: the window's words
    ):
        made = run(*args, cwd=tmp_path)
        assert made.returncode == 0, made.stderr
    assert _agenda(demo_db, held) == [(1, "Added by the chair")]
    said = f" off the agenda stored (neither decided about nor above): review {REVIEW}."
    shown = run(*agenda, cwd=tmp_path)
    assert f"Accepting it would take{said}" in shown.stdout.splitlines()
    assert _agenda(demo_db, held) == [(1, "Added by the chair")]
    accepted = run(*agenda, "--accept", cwd=tmp_path)
    assert f"Taken{said}" in accepted.stdout.splitlines()
    assert (1, "Added by the chair") not in _agenda(demo_db, held)


def test_references_holding_colons_are_named_whole_or_with_their_item(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """A trial's references "LCSPR:2025:7" and an item numbered "2:3": REF:NUMBER is read at
    the colon that names something, and a reference alone as a whole review."""
    from db.core.items import ItemFields, ReviewFields
    from db.core.vocabulary import ReviewKind
    from db.services import editing
    from db.store.database import open_database
    from db.store.location import resolve_location

    location = resolve_location(str(meeting_day_db))
    with open_database(location) as database, database.transaction("tester") as session:
        for reference in ("LCSPR:2025:7", "SCR 2024 Child B", INSPECTION):
            fields = ReviewFields(reference, ReviewKind.LEARNING_REVIEW, "Colons")
            editing.create_review(session, fields)
        editing.create_item(session, "LCSPR:2025:7", ItemFields("1", "First"))
        editing.create_item(session, "SCR 2024 Child B", ItemFields("2:3", "Numbered so"))
    agenda = ["meeting", "agenda", "--db", str(meeting_day_db), "--meeting", TODAY]
    for named, label in (
        ("LCSPR:2025:7", "review LCSPR:2025:7"),
        ("LCSPR:2025:7:1", "LCSPR:2025:7:1"),
        ("SCR 2024 Child B:2:3", "SCR 2024 Child B:2:3"),
    ):
        added = run(*agenda, "--add", named, cwd=tmp_path)
        assert added.returncode == 0, added.stderr
        assert f": {label} (" in added.stderr, added.stderr
    decided = run("meeting", "decide", "--db", str(meeting_day_db), "--meeting", TODAY,
                  "--item", "LCSPR:2025:7", "--kind", "review", "--decision", "noted",
                  cwd=tmp_path)  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    # A review now shares the inspection's reference; neither is on the past meeting's
    # agenda, and the refusal no longer says both are (a trial found it said so).
    past = _meetings(meeting_day_db)[0]
    shared = run("meeting", "agenda", "--db", str(meeting_day_db), "--meeting", past,
                 "--add", INSPECTION, cwd=tmp_path)  # fmt: skip
    assert_clean_error(
        shared, f"A review and an inspection are both called {INSPECTION}: say which.", code=1
    )


def test_a_reference_is_never_echoed_into_a_command_to_paste(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """Found by a new user: the hint quoted the typed reference inside a command, and pasted
    into bash a reference holding $(...) ran it. The hint names no typed text now."""
    from db.core.items import ReviewFields
    from db.core.vocabulary import ReviewKind
    from db.services import editing
    from db.store.database import open_database
    from db.store.location import resolve_location

    hostile = "A$(touch PWNED)"
    location = resolve_location(str(meeting_day_db))
    with open_database(location) as database, database.transaction("tester") as session:
        editing.create_review(session, ReviewFields(hostile, ReviewKind.LEARNING_REVIEW, "Hostile"))
    refused = run("meeting", "decide", "--db", str(meeting_day_db), "--meeting", TODAY,
                  "--item", hostile, "--decision", "noted", cwd=tmp_path)  # fmt: skip
    assert_clean_error(refused, "add it to the agenda first", code=1)
    assert "$(" not in refused.stderr.split(": add it", 1)[1]


def test_meeting_agenda_never_imports_qt_or_reportlab(demo_db: Path, tmp_path: Path) -> None:
    args = ["meeting", "agenda", "--db", str(demo_db), "--meeting", _meetings(demo_db)[-1]]
    assert_loads_no_gui(args, tmp_path)


# ----------------------------------------------------------------------------- refusals


def _refusals(past: str, coming: str) -> list[tuple[list[str], str, int]]:
    """Each command with bad input, the words its one line must hold, and its exit code."""
    decide = ["meeting", "decide", "--meeting", coming]
    agenda = ["meeting", "agenda", "--meeting", coming]
    return [
        (["meeting", "agenda", "--meeting", "2031-01-01"], "no meeting on 1 January 2031", 1),
        (["meeting", "agenda", "--meeting", "10/12/2026"], "not a date in the form YYYY-MM-DD", 2),
        (["meeting", "add", "--date", "2026-13-01", "--title", "X"], "--date", 2),
        (["meeting", "add", "--date", past, "--title", "Case Review Subgroup"],
         "There is already a meeting called Case Review Subgroup", 1),
        (["meeting", "add", "--date", NEW_MEETING, "--title", "  "],
         "Give the meeting a title.", 1),
        (["meeting", "add", "--date", NEW_MEETING, "--title", "\u200b"],  # shows nothing
         "Give the meeting a title.", 1),
        (["meeting", "add", "--date", NEW_MEETING, "--title", " X"], "ends with a space", 2),
        (["meeting", "add", "--date", NEW_MEETING, "--title", "Case\u200bReview"],
         "title holds the character U+200B (a zero-width space), which does not show", 1),
        (["meeting", "add", "--date", NEW_MEETING, "--title", "Case  Review"],
         "The meeting's title holds two spaces together; a title's words are separated", 1),
        (["meeting", "add", "--date", NEW_MEETING, "--title", "Case\tReview"],
         "The meeting's title holds a tab; a title's words are separated", 1),
        ([*decide, "--item", f"{REVIEW}:1", "--decision", "noted"],
         "is not on the agenda of Case Review Subgroup", 1),
        ([*decide, "--item", f"{REVIEW}:99", "--decision", "noted"], "There is no item 99", 1),
        ([*decide, "--item", REVIEW, "--decision", "noted"],
         "as a whole: add it to the agenda first, with casereview meeting agenda --add and the "
         "same --item.", 1),
        ([*decide, "--item", "NO-SUCH-REF", "--decision", "noted"],
         "There is no review or inspection with the reference 'NO-SUCH-REF'.", 1),
        ([*decide, "--item", f"{REVIEW}:", "--decision", "noted"], "is not REF:NUMBER", 2),
        ([*decide, "--item", INSPECTION, "--decision", "signed-off"],
         "An inspection is signed off item by item: record the sign-off on each of its items.", 1),
        ([*decide, "--item", INSPECTION, "--decision", "extended", "--until", "2031-01-01"],
         "An inspection is given a new target item by item", 1),
        ([*decide, "--item", INSPECTION, "--decision", "escalated"],
         "Say to whom the inspection is escalated.", 1),
        ([*decide, "--item", INSPECTION, "--kind", "recommendation", "--decision", "noted"],
         "--kind recommendation is for REF:NUMBER", 2),
        ([*decide, "--item", f"{REVIEW}:4", "--decision", "signed-off"], "it has no evidence", 1),
        ([*decide, "--item", f"{REVIEW}:6", "--decision", "extended"], "Give the new target", 1),
        ([*decide, "--item", f"{REVIEW}:6", "--decision", "noted", "--until", "2031-01-01"],
         "--until is for extended and evidence-requested", 2),
        ([*decide, "--item", f"{REVIEW}:6", "--decision", "noted", "--whom", "Someone"],
         "--whom is for evidence-requested and escalated", 2),
        ([*decide, "--item", f"{REVIEW}:6", "--decision", "approved"], "invalid choice", 2),
        ([*agenda, "--add", f"{REVIEW}:99"], "There is no item 99", 1),
        ([*agenda, "--add", INSPECTION], f"inspection {INSPECTION} is on the agenda of", 1),
        ([*agenda, "--remove", f"{REVIEW}:1"], f"{REVIEW}:1 is not on the agenda of", 1),
        ([*agenda, "--reason", "Why"], "--kind and --reason are for --add or --remove", 2),
        ([*agenda, "--remove", INSPECTION, "--reason", "Why"], "--reason is for --add", 2),
        ([*agenda, "--accept", "--add", INSPECTION], "not allowed with argument", 2),
        ([*agenda, "--add", INSPECTION, "--kind", "recommendation"],
         "--kind recommendation is for REF:NUMBER", 2),
        ([*agenda, "--add", f"{REVIEW}:1", "--reason", "Two\nlines"], "--reason", 2),
        ([*agenda, "--add", f"{REVIEW}:1", "--reason", "x" * 401], "the reason", 2),
        ([*agenda, "--add", f"{INSPECTION}:1"],  # on the agenda with their whole inspection
         f"{INSPECTION} has recommendation 1 and area for improvement 1 on the agenda of", 1),
        (["meeting", "agenda", "--meeting", past, "--add", f"{INSPECTION}:1"],  # neither there
         f"{INSPECTION} has recommendation 1 and area for improvement 1: say which kind", 1),
        (["minutes", "--meeting", "2031-01-01", "-o", "m.pdf"], "There is no meeting on", 1),
        (["minutes", "--meeting", past, "-o", "m.txt"], "a PDF or a Word document", 2),
        (["brief", "--meeting", "2031-01-01", "-o", "p.pdf"], "There is no meeting on", 1),
        (["brief", "--meeting-title", "Case Review Subgroup", "-o", "p.pdf"],
         "--meeting-title chooses among the meetings given by --meeting", 2),
    ]  # fmt: skip


def test_bad_input_is_one_sentence_and_changes_nothing(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    demo_db = meeting_day_db
    past, coming = _meetings(demo_db)
    for args, fragment, code in _refusals(past, coming):
        before = snapshot(tmp_path)
        command = [*args[:2], "--db", str(demo_db), *args[2:]] if args[0] == "meeting" else [
            args[0], "--db", str(demo_db), *args[1:]
        ]  # fmt: skip
        result = run(*command, cwd=tmp_path)
        assert_clean_error(result, fragment, code=code)
        assert snapshot(tmp_path) == before, args


def test_a_note_longer_than_a_page_still_makes_the_minutes_and_the_pack(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """Found by a new user: a 10,000-character decision note made a table row taller than a
    page, and ReportLab refused both documents (LayoutError); the row now runs on."""
    demo_db = meeting_day_db
    coming = _meetings(demo_db)[-1]
    note = " ".join(["The panel discussed the audit at length and agreed the next steps."] * 150)
    decided = run(
        "meeting", "decide", "--db", str(demo_db), "--meeting", coming,
        "--item", f"{REVIEW}:3", "--decision", "noted", "--note", note, cwd=tmp_path,
    )  # fmt: skip
    assert decided.returncode == 0, decided.stderr
    for args in (["minutes", "-o", "m.pdf"], ["brief", "-o", "p.pdf"]):
        made = run(args[0], "--db", str(demo_db), "--meeting", coming, *args[1:], cwd=tmp_path)
        assert made.returncode == 0, made.stderr
        text = _flat(" ".join(p.extract_text() for p in PdfReader(tmp_path / args[2]).pages))
        assert text.count("agreed the next steps") >= 140  # the note, all of it, over pages


def test_a_whole_inspection_on_the_agenda_is_decided_and_in_the_minutes(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """Found by a new user: ``meeting decide`` refused an inspection on the agenda as a whole
    ("is not REF:NUMBER") and the minutes never mentioned it. --item REF decides about it."""
    demo_db = meeting_day_db
    coming = _meetings(demo_db)[-1]
    on_agenda = _query(
        demo_db,
        "SELECT i.reference FROM agenda_items a JOIN inspections i ON i.id = a.inspection_id "
        "JOIN meetings m ON m.id = a.meeting_id WHERE m.held_on = ?",
        coming,
    )
    assert (INSPECTION,) in on_agenda
    decide = ["meeting", "decide", "--db", str(demo_db), "--meeting", coming, "--item", INSPECTION]
    for extra in (
        ["--decision", "noted", "--note", "Action plan seen"],
        ["--decision", "escalated", "--whom", "Partnership executive (fictional)"],
    ):
        result = run(*decide, *extra, cwd=tmp_path)
        assert result.returncode == 0, result.stderr
        assert result.stderr.startswith(f"Recorded for inspection {INSPECTION}: ")
    assert _query(
        demo_db,
        "SELECT d.kind, d.note, d.recommendation_id, d.review_id FROM decisions d "
        "JOIN inspections i ON i.id = d.inspection_id WHERE i.reference = ? ORDER BY d.id",
        INSPECTION,
    ) == [("noted", "Action plan seen", None, None), ("escalated", "", None, None)]
    for ending in ("pdf", "docx"):
        target = tmp_path / f"minutes.{ending}"
        made = run("minutes", "--db", str(demo_db), "--meeting", coming, "-o", str(target),
                   cwd=tmp_path)  # fmt: skip
        assert made.returncode == 0, made.stderr
        if ending == "pdf":
            raw = "\n".join(page.extract_text() for page in PdfReader(target).pages)
            assert _broken_at_hyphens(raw, INSPECTION)
            text = _flat(raw)
            decisions, actions = text.split("Decisions", 1)[1].split("Action log", 1)
        else:
            *_, decided, acted = tables(open_docx(target))
            decisions, actions = (_flat(" ".join(" ".join(r) for r in t)) for t in (decided, acted))
        assert "Whole inspection:" in decisions and "Action plan seen" in decisions
        assert "Whole inspection: Escalated to Partnership executive (fictional)" in actions


def test_a_review_and_an_inspection_of_one_reference_are_chosen_by_kind(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """A review may share an inspection's reference: with both on the agenda as a whole,
    --item REF alone cannot say which, --kind does."""
    from db.exchange.json_format import parse_document
    from db.exchange.records import apply_document
    from db.services import meetings
    from db.store.database import open_database
    from db.store.location import resolve_location

    demo_db = meeting_day_db
    coming = _meetings(demo_db)[-1]
    database = open_database(resolve_location(str(demo_db)))
    try:
        with database.transaction("tester") as session:
            review = {"reference": INSPECTION, "kind": "scr", "title": "Same reference (fictional)"}
            apply_document(session, parse_document({"format": "casereview/1", "reviews": [review]}))
            key = meetings.meeting_by_date(session, dt.date.fromisoformat(coming))
            entries = [line.entry for line in meetings.agenda(session, key)]
            whole = meetings.AgendaEntry(meetings.SourceKey(INSPECTION), "Same reference")
            meetings.set_agenda(session, key, [*entries, whole])
    finally:
        database.close()
    args = ["meeting", "decide", "--db", str(demo_db), "--meeting", coming,
            "--item", INSPECTION, "--decision", "noted"]  # fmt: skip
    before = snapshot(tmp_path)
    refused = run(*args, cwd=tmp_path)
    assert_clean_error(refused, "A review and an inspection are both called", "say which")
    assert snapshot(tmp_path) == before
    chosen = run(*args, "--kind", "review", cwd=tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    assert chosen.stderr.startswith(f"Recorded for review {INSPECTION}: ")
    assert _query(demo_db, "SELECT r.title FROM decisions d JOIN reviews r ON r.id = d.review_id"
                  ) == [("Same reference (fictional)",)]  # fmt: skip


def test_minutes_tell_an_inspection_s_recommendation_from_its_area_for_improvement(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """An older fault: the minutes listed an inspection's recommendation 1 and its area for
    improvement 1 both as "No. 1" (and took their decisions for one item's). They print "1"
    and "AFI 1", as the tracker and the pack do, each with its own decisions and action."""
    demo_db = meeting_day_db
    coming = _meetings(demo_db)[-1]
    decide = ["meeting", "decide", "--db", str(demo_db), "--meeting", coming,
              "--item", f"{INSPECTION}:1"]  # fmt: skip
    for extra in (
        ["--kind", "recommendation", "--decision", "noted", "--note", "Recommendation heard."],
        ["--kind", "area-for-improvement", "--decision", "evidence-requested",
         "--whom", "Audit lead (fictional)", "--until", "2031-01-31", "--note", "AFI heard."],
        ["--kind", "recommendation", "--decision", "noted", "--note", "Recommendation again."],
    ):  # fmt: skip
        done = run(*decide, *extra, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    target = tmp_path / "minutes.docx"
    made = run("minutes", "--db", str(demo_db), "--meeting", coming, "-o", str(target),
               cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    *_, decisions, actions = tables(open_docx(target))
    ours = [(row[1], row[4]) for row in decisions[1:] if row[0] == INSPECTION]
    assert sorted(ours) == [
        ("1", "Recommendation again."),
        ("1", "Recommendation heard."),
        ("AFI 1", "AFI heard."),
    ]
    # An item's decisions together, in the order made (the items in the agenda's order).
    heard = ours.index(("1", "Recommendation heard."))
    assert ours[heard + 1] == ("1", "Recommendation again.")
    assert [(row[1], row[2]) for row in actions[1:] if row[0] == INSPECTION] == [
        ("AFI 1", "Evidence to be provided to the panel by Audit lead (fictional)")
    ]
    pdf = tmp_path / "minutes.pdf"
    made = run("minutes", "--db", str(demo_db), "--meeting", coming, "-o", str(pdf),
               cwd=tmp_path)  # fmt: skip
    assert made.returncode == 0, made.stderr
    text = _flat(" ".join(page.extract_text() for page in PdfReader(pdf).pages))
    assert "AFI 1" in text


def test_an_item_of_an_inspection_sharing_a_review_s_reference_is_the_one_on_the_agenda(
    meeting_day_db: Path, tmp_path: Path
) -> None:
    """A review may share an inspection's reference, each with a recommendation 1: --item
    REF:1 took the review's (found first), though the inspection's was on the agenda. The
    one on the agenda is meant; with both there, one sentence, nothing written."""
    from db.core.vocabulary import TrackedKind
    from db.exchange.json_format import parse_document
    from db.exchange.records import apply_document
    from db.services import meetings
    from db.services.editing import ItemKey
    from db.store.database import open_database
    from db.store.location import resolve_location

    demo_db = meeting_day_db
    coming = _meetings(demo_db)[-1]
    review = {"reference": INSPECTION, "kind": "scr", "title": "Same reference (fictional)",
              "recommendations": [{"number": "1", "text": "The review's item one."}]}  # fmt: skip
    database = open_database(resolve_location(str(demo_db)))
    try:
        with database.transaction("tester") as session:
            apply_document(session, parse_document({"format": "casereview/1", "reviews": [review]}))
    finally:
        database.close()
    args = ["meeting", "decide", "--db", str(demo_db), "--meeting", coming,
            "--item", f"{INSPECTION}:1", "--kind", "recommendation", "--decision", "noted",
            "--note", "Heard."]  # fmt: skip
    chosen = run(*args, cwd=tmp_path)
    assert chosen.returncode == 0, chosen.stderr
    assert _query(demo_db, "SELECT r.inspection_id IS NOT NULL FROM decisions d JOIN "
                  "recommendations r ON r.id = d.recommendation_id WHERE d.note = 'Heard.'"
                  ) == [(1,)]  # fmt: skip
    database = open_database(resolve_location(str(demo_db)))
    try:
        with database.transaction("tester") as session:
            key = meetings.meeting_by_date(session, dt.date.fromisoformat(coming))
            entries = [line.entry for line in meetings.agenda(session, key)]
            of_review = ItemKey(INSPECTION, "1", TrackedKind.RECOMMENDATION, inspection=False)
            meetings.set_agenda(session, key, [*entries, meetings.AgendaEntry(of_review, "Too")])
    finally:
        database.close()
    before = snapshot(tmp_path)
    refused = run(*args[:-2], "--note", "Again.", cwd=tmp_path)
    assert_clean_error(
        refused, f"A review and an inspection are both called {INSPECTION}", "choose the item"
    )
    assert snapshot(tmp_path) == before
