"""Check-out (db.services.checkout): a copy of the shared database, or of part of it, in a new
SQLite file that records where it came from and the base of a later merge; on SQLite and
PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.core.errors import CaseReviewError
from db.exchange import Document, collect_document, parse_document
from db.exchange.records import collect_part
from db.queries.copies import copy_origin, identity
from db.services.checkout import Scope, check_out
from db.services.integrity import check_database
from db.services.meetings import MeetingFields, MeetingKey, create_meeting
from db.store.cipher import Passphrase, is_encrypted
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.migrations import HEAD
from db.store.models import AuditEntry, Checkout, CheckoutOrigin
from tests.helpers import TODAY

MEETING = MeetingKey(dt.date(2026, 12, 5), "Case Review Subgroup")  # the sample's coming one
BEFORE = dt.date(2026, 9, 23)  # the sample's meeting before it


def _export(database: Database) -> Document:
    with database.session() as session:
        return replace(collect_document(session, TODAY), exported_at=None)


def _trail(database: Database) -> list[tuple[int, str, str, str]]:
    with database.session() as session:
        rows = session.execute(
            select(AuditEntry.id, AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _opened(path: Path, passphrase: Passphrase | None = None) -> Database:
    return open_database(resolve_location(str(path)).with_passphrase(passphrase))


def test_a_whole_check_out_round_trips_and_records_its_origin(
    sample_database: Database, tmp_path: Path
) -> None:
    before = _export(sample_database)
    trail = _trail(sample_database)
    target = tmp_path / "laptop.sqlite3"
    done = check_out(sample_database, target, scope=Scope(), actor="Sam", today=TODAY)
    assert done.describe().startswith("Took a copy of the whole database (2 reviews, 3 inspections")
    # Nothing beside it: no temporary file, write-ahead log or audit note of the temporary name.
    assert [p.name for p in tmp_path.iterdir() if "laptop" in p.name] == ["laptop.sqlite3"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]

    with _opened(target) as copy:
        assert _export(copy) == before  # every record, field for field
        with copy.session() as session:
            origin = session.scalars(select(CheckoutOrigin)).one()
            found = copy_origin(session)
            assert identity(session) == done.copy_id == origin.copy_id
    with sample_database.session() as session:
        shared_id = identity(session)
    assert done.origin_id == origin.origin_id == shared_id != done.copy_id
    assert found is not None and found.taken_by == "Sam"
    assert found.location == sample_database.location.display()
    assert found.describe() == (
        f"Copy of {sample_database.location.display()} taken "
        f"{found.taken_at.astimezone().day} {found.taken_at.astimezone():%B %Y} by Sam"
    )
    assert origin.origin_schema == HEAD
    assert (origin.origin_audit_id, origin.origin_audit_hash) == trail_head(sample_database, trail)
    assert json.loads(origin.scope) == {"whole": True}
    base = parse_document(json.loads(origin.base))
    assert replace(base, exported_at=None) == before  # the base is the scope's export
    assert "password" not in origin.origin_location
    assert check_database(resolve_location(str(target))).sound  # the copy's trail chains


def trail_head(database: Database, trail: list[tuple[int, str, str, str]]) -> tuple[int, str]:
    """The id and hash of the newest entry of ``trail`` (the trail before the check-out)."""
    newest = trail[-1][0]
    with database.session() as session:
        row = session.execute(
            select(AuditEntry.id, AuditEntry.hash).where(AuditEntry.id == newest)
        ).one()
    return int(row[0]), str(row[1])


def test_the_shared_database_notes_the_check_out_and_is_otherwise_unchanged(
    sample_database: Database, tmp_path: Path
) -> None:
    before, trail = _export(sample_database), _trail(sample_database)
    done = check_out(
        sample_database, tmp_path / "laptop.sqlite3", scope=Scope(), actor="Sam", today=TODAY
    )
    assert _export(sample_database) == before
    after = _trail(sample_database)
    assert after[: len(trail)] == trail
    assert [(a, e, i) for _, a, e, i in after[len(trail) :]] == [
        ("create", "checkouts", done.copy_id)
    ]
    with sample_database.session() as session:
        noted = session.scalars(select(Checkout)).one()
    assert (noted.copy_id, noted.taken_by, noted.scope) == (
        done.copy_id,
        "Sam",
        "the whole database",
    )
    assert noted.target == str(tmp_path / "laptop.sqlite3")


def test_a_meeting_check_out_holds_the_meeting_its_agenda_s_sources_and_nothing_else(
    sample_database: Database, tmp_path: Path
) -> None:
    target = tmp_path / "meeting.sqlite3"
    done = check_out(
        sample_database, target, scope=Scope(meeting=MEETING), actor="Sam", today=TODAY
    )
    with _opened(target) as copy:
        held = _export(copy)
        with copy.session() as session:
            origin = session.scalars(select(CheckoutOrigin)).one()
    assert [r.reference for r in held.reviews] == ["FSCP-CSPR-CHILD-A"]
    assert [i.reference for i in held.inspections] == ["FICTIONAL-CP-INSPECTION-2"]
    assert [(m.held_on, m.title) for m in held.meetings] == [
        (BEFORE, MEETING.title),
        (MEETING.held_on, MEETING.title),
    ]
    assert held.initiatives == []
    with sample_database.session() as session:
        whole = collect_document(session, TODAY)
        meetings = {(m.held_on, m.title): m for m in whole.meetings}
        expected = collect_part(
            session,
            TODAY,
            reviews={"FSCP-CSPR-CHILD-A"},
            inspections={"FICTIONAL-CP-INSPECTION-2"},
            meetings=[],
        )
    # The meeting itself whole, its agenda and decisions as in the shared database.
    assert held.meetings[1] == meetings[(MEETING.held_on, MEETING.title)]
    assert held.reviews == expected.reviews and held.inspections == expected.inspections
    assert held.organisations == whole.organisations
    base = parse_document(json.loads(origin.base))
    assert replace(base, exported_at=None) == held
    scope = json.loads(origin.scope)
    assert scope["meeting"] == {"held_on": "2026-12-05", "title": MEETING.title}
    assert scope["reviews"] == ["FSCP-CSPR-CHILD-A"]
    assert done.scope == f"the agenda of {MEETING}"
    assert (done.reviews, done.inspections, done.meetings) == (1, 1, 2)
    assert check_database(resolve_location(str(target))).sound


def test_chosen_reviews_and_inspections_are_taken_whole_without_meetings(
    sample_database: Database, tmp_path: Path
) -> None:
    target = tmp_path / "chosen.sqlite3"
    scope = Scope(reviews=("BSCB-SCR-2010",), inspections=("FICTIONAL-CP-INSPECTION-1",))
    done = check_out(sample_database, target, scope=scope, actor="Sam", today=TODAY)
    with sample_database.session() as session:
        expected = collect_part(
            session,
            TODAY,
            reviews={"BSCB-SCR-2010"},
            inspections={"FICTIONAL-CP-INSPECTION-1"},
        )
    with _opened(target) as copy:
        assert _export(copy) == expected
    assert done.scope == "review BSCB-SCR-2010 and inspection FICTIONAL-CP-INSPECTION-1"


@pytest.mark.parametrize(
    ("scope", "said"),
    [
        (
            Scope(reviews=("NO-SUCH-REVIEW",)),
            "There is no review with the reference 'NO-SUCH-REVIEW'.",
        ),
        (
            Scope(inspections=("NO-SUCH",)),
            "There is no inspection with the reference 'NO-SUCH'.",
        ),
        (
            Scope(meeting=MeetingKey(dt.date(2026, 1, 1), "Case Review Subgroup")),
            "There is no meeting called Case Review Subgroup on 1 January 2026.",
        ),
    ],
)
def test_an_unknown_review_inspection_or_meeting_is_refused_with_nothing_written(
    sample_database: Database, tmp_path: Path, scope: Scope, said: str
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    trail = _trail(sample_database)
    with pytest.raises(CaseReviewError) as refused:
        check_out(sample_database, folder / "copy.sqlite3", scope=scope, actor="Sam", today=TODAY)
    assert refused.value.message == said
    assert list(folder.iterdir()) == []
    assert _trail(sample_database) == trail


def test_a_meeting_with_no_agenda_is_refused_not_copied_empty(
    sample_database: Database, tmp_path: Path
) -> None:
    """A new user's copy for a meeting with no agenda held nothing and said only "0 items"."""
    empty = MeetingKey(dt.date(2027, 1, 20), "January Panel")
    with sample_database.transaction("Sam") as session:
        create_meeting(session, MeetingFields(empty.held_on, empty.title))
    trail = _trail(sample_database)
    with pytest.raises(CaseReviewError) as refused:
        check_out(
            sample_database, tmp_path / "copy.sqlite3", scope=Scope(meeting=empty), actor="Sam",
            today=TODAY,
        )  # fmt: skip
    assert refused.value.message == (
        f"The meeting {empty} has no agenda yet, so a copy for it would hold no item to "
        "decide: save its agenda first (the Meetings tab, or casereview meeting agenda "
        "--accept); nothing was copied."
    )
    assert not (tmp_path / "copy.sqlite3").exists()
    assert _trail(sample_database) == trail


def test_an_existing_target_is_refused_and_left_as_it_was(
    sample_database: Database, tmp_path: Path
) -> None:
    target = tmp_path / "laptop.sqlite3"
    target.write_bytes(b"kept")
    trail = _trail(sample_database)
    with pytest.raises(CaseReviewError) as refused:
        check_out(sample_database, target, scope=Scope(), actor="Sam", today=TODAY)
    assert refused.value.message.startswith(f"{target} exists already")
    assert target.read_bytes() == b"kept"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".laptop")]
    assert _trail(sample_database) == trail
    with sample_database.session() as session:
        assert session.scalar(select(func.count()).select_from(Checkout)) == 0


def test_a_plain_database_gives_an_encrypted_copy_when_asked(
    sample_database: Database, tmp_path: Path
) -> None:
    target = tmp_path / "laptop.sqlite3"
    done = check_out(
        sample_database,
        target,
        scope=Scope(meeting=MEETING),
        actor="Sam",
        today=TODAY,
        passphrase=Passphrase("a long laptop passphrase"),
    )
    assert done.encrypted and is_encrypted(target)
    with _opened(target, Passphrase("a long laptop passphrase")) as copy:
        assert [r.reference for r in _export(copy).reviews] == ["FSCP-CSPR-CHILD-A"]


def test_an_encrypted_database_gives_an_encrypted_copy(tmp_path: Path) -> None:
    from db.services.dataset import load_sample

    secret = Passphrase("the shared database's passphrase")
    shared_path = tmp_path / "shared.sqlite3"
    with open_database(
        resolve_location(str(shared_path)).with_passphrase(secret), create=True
    ) as shared:
        with shared.transaction("setup") as session:
            load_sample(session, TODAY)
        before = _export(shared)
        same = check_out(shared, tmp_path / "same.sqlite3", scope=Scope(), actor="Sam", today=TODAY)
        other = check_out(
            shared,
            tmp_path / "other.sqlite3",
            scope=Scope(),
            actor="Sam",
            today=TODAY,
            passphrase=Passphrase("another passphrase for the laptop"),
        )
    assert same.encrypted and other.encrypted
    assert is_encrypted(tmp_path / "same.sqlite3") and is_encrypted(tmp_path / "other.sqlite3")
    with _opened(tmp_path / "same.sqlite3", secret) as copy:
        assert _export(copy) == before
    with _opened(
        tmp_path / "other.sqlite3", Passphrase("another passphrase for the laptop")
    ) as copy:
        assert _export(copy) == before
    located = resolve_location(str(tmp_path / "same.sqlite3")).with_passphrase(secret)
    assert check_database(located).sound


def test_a_check_out_stopped_before_the_notice_leaves_no_file_and_notes_nothing(
    sample_database: Database, tmp_path: Path
) -> None:
    """The window's Cancel: ``check`` raising once the copy is made but before the shared
    database notes it."""
    folder = tmp_path / "out"
    folder.mkdir()
    trail = _trail(sample_database)
    asked: list[int] = []

    def stop_at_the_second() -> None:
        asked.append(1)
        if len(asked) == 2:
            raise CaseReviewError("Cancelled; nothing was changed.")

    with pytest.raises(CaseReviewError):
        check_out(
            sample_database,
            folder / "copy.sqlite3",
            scope=Scope(),
            actor="Sam",
            today=TODAY,
            check=stop_at_the_second,
        )
    assert len(asked) == 2  # the copy was made, then stopped
    assert list(folder.iterdir()) == []
    assert _trail(sample_database) == trail


def test_an_item_s_history_in_a_copy_says_it_was_taken_into_the_copy(
    sample_database: Database, tmp_path: Path
) -> None:
    """A trial read "root: created it", at the moment the copy was taken, as an item's whole
    history in a copy: the item was made with the copy, its history before kept in the
    database the copy came from. Said so; the shared database's own history is unchanged."""
    from db.queries.details import item_history
    from db.services import editing
    from desktop.tabs.recommendations import describe_change

    key = editing.ItemKey("FSCP-CSPR-CHILD-A", "3")
    target = tmp_path / "laptop.sqlite3"
    check_out(sample_database, target, scope=Scope(), actor="Sam", today=TODAY)
    with open_database(resolve_location(str(target))) as copy:
        with copy.transaction("Sam") as session:
            fields = editing.item_fields(session, key)
            editing.update_item(session, key, replace(fields, owner="Set on the laptop"))
        with copy.session() as session:
            history = item_history(session, editing.item_by_key(session, key))
    assert [line.action for line in history][-1] == "copy"
    assert describe_change(history[-1]).startswith("took it into this copy to work on offline")
    assert history[0].action == "update"
    with sample_database.session() as session:
        shared = item_history(session, editing.item_by_key(session, key))
    assert "copy" not in [line.action for line in shared]
