"""Every change is audited in the same transaction, with who, when, what, old and new."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.core.vocabulary import OrganisationKind, ReviewKind, Status
from db.store import lifecycle
from db.store.database import Database
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
