"""Every change is audited in the same transaction, with who, when, what, old and new."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.core.vocabulary import OrganisationKind, ReviewKind, Status
from db.store import lifecycle
from db.store.audit import newest_entry_id
from db.store.database import Database, open_database
from db.store.location import Location
from db.store.models import AuditEntry, Organisation, Recommendation, Review


def _entries(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_create_update_and_delete_are_recorded_with_the_actor(database: Database) -> None:
    with database.transaction("Panel secretary") as session:
        org = Organisation(name="Board", kind=OrganisationKind.PARTNERSHIP)
        session.add(org)
    with database.transaction("Chair") as session:
        loaded = session.scalars(select(Organisation)).one()
        loaded.notes = "Meets monthly"
    with database.transaction("Chair") as session:
        session.delete(session.scalars(select(Organisation)).one())
    entries = _entries(database)
    assert [(e.actor, e.action, e.entity, e.field) for e in entries] == [
        ("Panel secretary", "create", "organisations", None),
        ("Chair", "update", "organisations", "notes"),
        ("Chair", "delete", "organisations", None),
    ]
    assert entries[1].old == "" and entries[1].new == "Meets monthly"
    assert '"name": "Board"' in (entries[0].new or "")
    assert entries[0].entity_id == entries[1].entity_id == entries[2].entity_id
    assert all(e.at.tzinfo is not None for e in entries)
    assert all(abs(e.at - dt.datetime.now(dt.UTC)) < dt.timedelta(minutes=5) for e in entries)


def test_a_rolled_back_change_leaves_no_audit_entry(database: Database) -> None:
    with pytest.raises(RuntimeError), database.transaction("someone") as session:
        session.add(Organisation(name="Board", kind=OrganisationKind.PARTNERSHIP))
        session.flush()
        raise RuntimeError("the user cancelled")
    assert _entries(database) == []


def test_a_status_change_is_audited_field_by_field(database: Database) -> None:
    with database.transaction("setup") as session:
        review = Review(reference="R", kind=ReviewKind.DHR, title="T")
        review.recommendations.append(Recommendation(number="1", position=1, text="x"))
        session.add(review)
        session.flush()
        rec_id = review.recommendations[0].id
    with database.transaction("Lead officer") as session:
        lifecycle.record_update(
            session, rec_id, on=dt.date(2026, 1, 5), author="Lead", status=Status.IN_PROGRESS
        )
    status_changes = [
        (e.actor, e.old, e.new)
        for e in _entries(database)
        if e.entity == "recommendations" and e.field == "status"
    ]
    assert status_changes == [("Lead officer", "not_started", "in_progress")]
    assert any(e.entity == "progress_updates" and e.action == "create" for e in _entries(database))


def test_theme_changes_are_audited(database: Database) -> None:
    from db.store.models import Theme

    with database.transaction("a") as session:
        session.add(Review(reference="R", kind=ReviewKind.DHR, title="T"))
    with database.transaction("b") as session:
        review = session.scalars(select(Review)).one()
        review.themes = [Theme(name="Neglect")]
    change = [e for e in _entries(database) if e.field == "themes"]
    assert [(c.old, c.new) for c in change] == [("[]", '["Neglect"]')]


def test_the_newest_entry_moves_on_with_a_change_made_through_another_connection(
    database: Database, location: Location
) -> None:
    """What a window compares to see whether another process has changed the database: a
    second ``Database`` on the same file or server stands in for the other process."""
    with database.session() as session:
        empty = newest_entry_id(session)
    assert empty == 0
    with open_database(location) as other:
        with other.transaction("Other") as session:
            session.add(Organisation(name="Board", kind=OrganisationKind.PARTNERSHIP))
        with database.session() as session:
            first = newest_entry_id(session)
        assert first == max(e.id for e in _entries(database))
        with other.transaction("Other") as session:
            session.scalars(select(Organisation)).one().notes = "Meets monthly"
    with database.session() as session:
        second = newest_entry_id(session)
        assert newest_entry_id(session) == second  # reading writes nothing
    assert second > first


def test_rows_deleted_as_orphans_are_in_the_trail(database: Database) -> None:
    """Found by a new user: the entries taken off a meeting's agenda were in no audit entry
    (an orphan deleted by the flush is not in session.deleted)."""
    from sqlalchemy import func

    from db.services import meetings
    from db.services.dataset import load_sample
    from db.store.models import Meeting
    from tests.helpers import TODAY

    with database.transaction("setup") as session:
        load_sample(session, TODAY)
    with database.session() as session:
        meeting = next(m for m in session.scalars(select(Meeting)) if m.agenda and not m.decisions)
        key, held = meetings.MeetingKey(meeting.held_on, meeting.title), len(meeting.agenda)
        before = session.scalar(select(func.max(AuditEntry.id)))
    assert held > 0
    with database.transaction("Chair") as session:
        meetings.set_agenda(session, key, [])
    with database.session() as session:
        entries = session.execute(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.actor).where(
                AuditEntry.id > before
            )
        ).all()
    assert entries.count(("delete", "agenda_items", "Chair")) == held


def test_rows_audited_in_bulk_are_snapshotted_as_one_by_one() -> None:
    """created_entries works each value's text out once per call (db.store.audit's
    _cached_text); every snapshot must still be what snapshot_of gives the row alone, and two
    timestamps of the same instant in different zones keep their own texts."""
    from sqlalchemy import inspect
    from sqlalchemy.orm import Session

    from db.store.audit import created_entries, snapshot_of
    from db.store.models import ProgressUpdate

    utc = dt.datetime(2026, 11, 22, 9, 30, tzinfo=dt.UTC)
    same_instant = utc.astimezone(dt.timezone(dt.timedelta(hours=1)))
    rows = [
        {"id": n, "recommendation_id": 7, "on": dt.date(2026, 11, 1 + n % 2), "author": "A",
         "status": Status.IN_PROGRESS if n % 3 else None, "note": f"Note {n}",
         "recorded_at": (utc, same_instant)[n % 2], "withdrawn_at": None}
        for n in range(6)
    ]  # fmt: skip
    mapper = inspect(ProgressUpdate)
    entries = created_entries(Session(), mapper, rows, [str(row["id"]) for row in rows])
    assert [e["new"] for e in entries] == [snapshot_of(mapper, row) for row in rows]
    assert '"recorded_at": "2026-11-22T10:30:00+01:00"' in entries[1]["new"]
