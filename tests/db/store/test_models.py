"""Constraints hold in the database itself, not only in services, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from db.core.errors import CaseReviewError, ConflictError
from db.core.vocabulary import AgencyRole, FindingKind, OrganisationKind, ReviewKind, TrackedKind
from db.store.database import Database
from db.store.models import (
    Evidence,
    Finding,
    Grade,
    GradingScheme,
    Initiative,
    InitiativeLink,
    Inspection,
    Organisation,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    Review,
    Theme,
)


def _review(session, reference: str = "R1") -> Review:  # type: ignore[no-untyped-def]
    org = session.scalar(select(Organisation).where(Organisation.name == "Board"))
    if org is None:
        org = Organisation(name="Board", kind=OrganisationKind.PARTNERSHIP)
    review = Review(reference=reference, kind=ReviewKind.CSPR_LOCAL, title="T", commissioned_by=org)
    session.add(review)
    return review


def _inspection(session) -> Inspection:  # type: ignore[no-untyped-def]
    scheme = GradingScheme(name="S", grades=[Grade(position=1, name="Good")])
    inspection = Inspection(
        reference="I1",
        inspectorate=Organisation(name="Insp", kind=OrganisationKind.INSPECTORATE),
        programme="P",
        title="T",
        organisation=Organisation(name="Force", kind=OrganisationKind.POLICE_FORCE),
        scheme=scheme,
    )
    session.add(inspection)
    return inspection


def test_a_full_graph_saves_and_loads(database: Database) -> None:
    with database.transaction("t") as session:
        review = _review(session)
        joint = Organisation(name="Council", kind=OrganisationKind.LOCAL_AUTHORITY)
        rec = Recommendation(number="3.2", position=1, text="Share information")
        rec.agencies = [
            RecommendationAgency(
                organisation=review.commissioned_by, role=AgencyRole.LEAD, position=1
            ),
            RecommendationAgency(organisation=joint, role=AgencyRole.JOINT, position=2),
        ]
        rec.themes = [Theme(name="Information sharing")]
        review.recommendations.append(rec)
    with database.session() as session:
        loaded = session.scalars(select(Recommendation)).one()
        assert loaded.agency_names(AgencyRole.JOINT) == ("Council",)
        assert loaded.source_reference == "R1"
        assert [t.name for t in loaded.themes] == ["Information sharing"]


def test_review_references_are_unique(database: Database) -> None:
    with database.transaction("t") as session:
        _review(session, "SAME")
    with pytest.raises(IntegrityError), database.transaction("t") as session:
        _review(session, "SAME")


def test_a_row_changed_between_read_and_write_is_a_conflict(database: Database) -> None:
    """Another writer's change landing between this one's read and its write is the
    project's ConflictError, one sentence, not the ORM's StaleDataError; nothing is saved."""
    with database.transaction("t") as session:
        _review(session)
    with (
        pytest.raises(ConflictError, match=r"^Someone else changed this record while") as caught,
        database.transaction("t") as session,
    ):
        review = session.scalars(select(Review)).one()
        session.execute(text("UPDATE reviews SET version = version + 1"))  # theirs, first
        review.title = "Mine"
    assert "\n" not in caught.value.message
    with database.session() as session:
        assert session.scalars(select(Review.title)).one() != "Mine"


def test_a_change_the_database_refuses_is_said_in_one_sentence(database: Database) -> None:
    """A refusal the checks did not foresee reaches the window as the project's own error
    (it never catches SQLAlchemy's); a plain transaction still raises the driver's."""
    with database.transaction("t") as session:
        _review(session, "SAME")
    with (
        pytest.raises(CaseReviewError, match=r"^The change was not saved: the database ") as caught,
        database.change("t") as session,
    ):
        _review(session, "SAME")
    assert isinstance(caught.value.__cause__, IntegrityError)
    assert "\n" not in caught.value.message and caught.value.message.endswith(").")


def test_recommendation_numbers_are_unique_within_a_review(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction("t") as session:
        review = _review(session)
        review.recommendations += [
            Recommendation(number="1", position=1, text="a"),
            Recommendation(number="1", position=2, text="b"),
        ]


def test_a_recommendation_belongs_to_exactly_one_source(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction("t") as session:
        review = _review(session)
        inspection = _inspection(session)
        session.flush()
        session.add(
            Recommendation(
                number="1", position=1, text="x", review_id=review.id, inspection_id=inspection.id
            )
        )
    with pytest.raises(IntegrityError), database.transaction("t") as session:
        session.add(Recommendation(number="1", position=1, text="orphan"))


def test_evidence_needs_a_file_or_a_reference(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction("t") as session:
        review = _review(session)
        rec = Recommendation(number="1", position=1, text="x")
        review.recommendations.append(rec)
        rec.evidence.append(Evidence(description="empty", added_by="A"))


def test_an_initiative_link_names_exactly_one_thing(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction("t") as session:
        session.add(Initiative(name="Op X", links=[InitiativeLink()]))


def test_same_number_may_be_a_recommendation_and_an_area_for_improvement(
    database: Database,
) -> None:
    with database.transaction("t") as session:
        inspection = _inspection(session)
        inspection.recommendations += [
            Recommendation(number="1", position=1, text="r", kind=TrackedKind.RECOMMENDATION),
            Recommendation(number="1", position=2, text="a", kind=TrackedKind.AREA_FOR_IMPROVEMENT),
        ]
        inspection.findings.append(
            Finding(kind=FindingKind.PROMISING_PRACTICE, number="1", position=3, text="p")
        )


def test_foreign_keys_are_enforced(database: Database) -> None:
    with pytest.raises(IntegrityError), database.transaction("t") as session:
        session.add(Review(reference="X", kind=ReviewKind.SAR, title="T", commissioned_by_id=999))


def test_deleting_a_review_removes_its_recommendations_and_their_logs(database: Database) -> None:
    from db.store import lifecycle

    with database.transaction("t") as session:
        review = _review(session)
        rec = Recommendation(number="1", position=1, text="x")
        review.recommendations.append(rec)
        session.flush()
        lifecycle.record_update(session, rec.id, on=rec.created_at.date(), author="A", note="n")
    with database.transaction("t") as session:
        session.delete(session.scalars(select(Review)).one())
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Recommendation)) == 0
        assert session.scalar(select(func.count()).select_from(ProgressUpdate)) == 0
