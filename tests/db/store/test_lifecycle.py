"""The lifecycle rules and the derived rating, through the services, on both databases."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from db.core.errors import RuleError
from db.core.rules import Closure, rating_for
from db.core.vocabulary import OrganisationKind, Rating, ReviewKind, Status
from db.store import lifecycle
from db.store.database import Database
from db.store.models import Organisation, ProgressUpdate, Recommendation, Review

TODAY = dt.date(2026, 11, 22)


@pytest.mark.parametrize(
    ("status", "target", "rating"),
    [
        (Status.CLOSED, TODAY - dt.timedelta(days=400), Rating.BLUE),
        (Status.SUPERSEDED, None, Rating.BLUE),
        (Status.NOT_ACCEPTED, None, Rating.BLUE),
        (Status.IMPLEMENTED, TODAY - dt.timedelta(days=3), Rating.GREEN),
        (Status.IN_PROGRESS, TODAY - dt.timedelta(days=1), Rating.RED),
        (Status.NOT_STARTED, TODAY - dt.timedelta(days=1), Rating.RED),
        (Status.IN_PROGRESS, TODAY, Rating.GREEN),
        (Status.NOT_STARTED, TODAY + dt.timedelta(days=28), Rating.AMBER),
        (Status.NOT_STARTED, TODAY + dt.timedelta(days=29), Rating.GREEN),
        (Status.IN_PROGRESS, TODAY + dt.timedelta(days=5), Rating.GREEN),
        (Status.IN_PROGRESS, None, Rating.AMBER),
        (Status.NOT_STARTED, None, Rating.AMBER),
    ],
)
def test_rating_is_derived_from_status_target_and_today(
    status: Status, target: dt.date | None, rating: Rating
) -> None:
    assert rating_for(status, target, TODAY) is rating


def test_rating_is_not_a_column() -> None:
    assert "rating" not in Recommendation.__table__.columns


@pytest.fixture
def rec_id(database: Database) -> int:
    with database.transaction("tester") as session:
        org = Organisation(name="Police (test)", kind=OrganisationKind.POLICE_FORCE)
        review = Review(
            reference="REV-1", kind=ReviewKind.SAR, title="A review", commissioned_by=org
        )
        rec = Recommendation(number="4.2", position=1, text="Do the thing")
        review.recommendations.append(rec)
        session.add(review)
        session.flush()
        return rec.id


def _state(database: Database, rec_id: int) -> tuple[Status, str | None, int]:
    with database.session() as session:
        rec = session.get(Recommendation, rec_id)
        assert rec is not None
        updates = session.scalars(
            select(ProgressUpdate).where(ProgressUpdate.recommendation_id == rec_id)
        ).all()
        return rec.status, rec.assured_by, len(updates)


def test_update_with_status_change_is_logged(database: Database, rec_id: int) -> None:
    with database.transaction("tester") as session:
        lifecycle.record_update(
            session, rec_id, on=TODAY, author="Lead", note="Started", status=Status.IN_PROGRESS
        )
    with database.session() as session:
        rec = session.get(Recommendation, rec_id)
        assert rec is not None
        assert rec.status is Status.IN_PROGRESS
        assert [(u.on, u.author, u.status, u.note) for u in rec.updates] == [
            (TODAY, "Lead", Status.IN_PROGRESS, "Started")
        ]


def test_closing_without_evidence_is_refused_and_changes_nothing(
    database: Database, rec_id: int
) -> None:
    with (
        pytest.raises(
            RuleError, match=r"Recommendation 4\.2 of REV-1 cannot be closed: it has no evidence"
        ),
        database.transaction("tester") as session,
    ):
        lifecycle.sign_off(session, rec_id, assured_by="Chair", on=TODAY, author="Sec")
    assert _state(database, rec_id) == (Status.NOT_STARTED, None, 0)


def test_closing_without_an_assurer_is_refused(database: Database, rec_id: int) -> None:
    with database.transaction("tester") as session:
        lifecycle.add_evidence(
            session, rec_id, description="Audit", reference="Doc 7", added_by="A"
        )
    with (
        pytest.raises(RuleError, match="without the name of the person who gave assurance"),
        database.transaction("tester") as session,
    ):
        lifecycle.record_update(session, rec_id, on=TODAY, author="Sec", status=Status.CLOSED)
    assert _state(database, rec_id)[0] is Status.NOT_STARTED


def test_sign_off_on_evidence_closes(database: Database, rec_id: int) -> None:
    with database.transaction("tester") as session:
        lifecycle.add_evidence(
            session, rec_id, description="Policy", file_name="p.txt", content=b"x", added_by="A"
        )
        lifecycle.sign_off(session, rec_id, assured_by="Independent Chair", on=TODAY, author="Sec")
    with database.session() as session:
        rec = session.get(Recommendation, rec_id)
        assert rec is not None
        assert (rec.status, rec.assured_by, rec.assured_on, rec.closed_on) == (
            Status.CLOSED,
            "Independent Chair",
            TODAY,
            TODAY,
        )
        assert rec.updates[-1].status is Status.CLOSED


def test_not_accepted_needs_a_reason(database: Database, rec_id: int) -> None:
    with (
        pytest.raises(RuleError, match="not accepted without a reason"),
        database.transaction("tester") as session,
    ):
        lifecycle.record_update(
            session, rec_id, on=TODAY, author="Lead", status=Status.NOT_ACCEPTED
        )
    with database.transaction("tester") as session:
        lifecycle.record_update(
            session,
            rec_id,
            on=TODAY,
            author="Lead",
            status=Status.NOT_ACCEPTED,
            reason="Duplicates recommendation 3",
        )
    with database.session() as session:
        rec = session.get(Recommendation, rec_id)
        assert rec is not None
        assert rec.status_reason == "Duplicates recommendation 3"


def test_transitions_follow_the_lifecycle(database: Database, rec_id: int) -> None:
    with database.transaction("tester") as session:
        lifecycle.record_update(session, rec_id, on=TODAY, author="L", status=Status.IN_PROGRESS)
    with (
        pytest.raises(RuleError, match="cannot move from in progress to not started"),
        database.transaction("tester") as session,
    ):
        lifecycle.record_update(session, rec_id, on=TODAY, author="L", status=Status.NOT_STARTED)


def test_closed_item_can_be_reopened(database: Database, rec_id: int) -> None:
    with database.transaction("tester") as session:
        lifecycle.add_evidence(session, rec_id, description="D", reference="R", added_by="A")
        lifecycle.record_update(
            session,
            rec_id,
            on=TODAY,
            author="S",
            status=Status.CLOSED,
            closure=Closure("Chair", TODAY),
        )
        lifecycle.record_update(
            session, rec_id, on=TODAY, author="S", note="Audit failed", status=Status.IN_PROGRESS
        )
    with database.session() as session:
        rec = session.get(Recommendation, rec_id)
        assert rec is not None
        assert rec.status is Status.IN_PROGRESS
        assert rec.closed_on is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"author": " ", "note": "x"}, "needs the name of its author"),
        ({"author": "A", "note": ""}, "needs a note or a change of status"),
    ],
)
def test_update_needs_author_and_substance(
    database: Database, rec_id: int, kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(RuleError, match=message), database.transaction("t") as session:
        lifecycle.record_update(session, rec_id, on=TODAY, **kwargs)


def test_evidence_needs_substance(database: Database, rec_id: int) -> None:
    with pytest.raises(RuleError, match="a file or a reference"), database.transaction("t") as s:
        lifecycle.add_evidence(s, rec_id, description="Nothing attached", added_by="A")
