"""The sample data: the seed facts, faithfully, and a fictional review using every feature."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from db.core.dates import PartialDate
from db.core.rules import rating_for
from db.core.vocabulary import AgencyRole, FindingKind, Rating, Status
from db.exchange.document import NotedFindingDoc, TrackedDoc
from db.services.sample import sample_document, seed_facts
from db.store.database import Database
from db.store.models import (
    Initiative,
    Inspection,
    Organisation,
    Recommendation,
    Review,
)
from tests.helpers import TODAY

KHYRA = "BSCB-SCR-2010"
WMP_INSPECTION = "HMICFRS-WMP-CHILD-PROTECTION-2025"


def test_khyra_ishaq_review_has_18_recommendations_one_closed_jointly_with_wmp(
    sample_database: Database,
) -> None:
    with sample_database.session() as session:
        review = session.scalars(select(Review).where(Review.reference == KHYRA)).one()
        assert review.title == "Serious Case Review into the death of Khyra Ishaq"
        assert review.kind.value == "scr"
        assert review.commissioned_by is not None
        assert review.commissioned_by.name == "Birmingham Safeguarding Children Board"
        assert review.published == PartialDate(2010)
        recs = review.recommendations
        assert len(recs) == 18
        assert [r.number for r in recs] == [str(n) for n in range(1, 19)]
        closed = [r for r in recs if r.status is Status.CLOSED]
        assert len(closed) == 1
        joint = closed[0]
        assert joint.agency_names(AgencyRole.LEAD) == ("West Midlands Police",)
        assert len(joint.agency_names(AgencyRole.JOINT)) == 1
        assert joint.evidence and joint.assured_by
        # Nothing invented: no recommendation's text is in the source.
        assert all(r.text is None for r in recs)
        others = [r for r in recs if r is not joint]
        assert all(not r.agencies and r.target_date is None and not r.updates for r in others)


def test_wmp_child_protection_inspection_has_the_five_published_grades(
    sample_database: Database,
) -> None:
    with sample_database.session() as session:
        inspection = session.scalars(
            select(Inspection).where(Inspection.reference == WMP_INSPECTION)
        ).one()
        assert inspection.inspectorate.name == "HMICFRS"
        assert inspection.organisation.name == "West Midlands Police"
        assert inspection.published_on is not None
        assert inspection.published_on.isoformat() == "2025-11-21"
        grades = {a.name: a.grade.name if a.grade else None for a in inspection.areas}
        assert grades == {
            "Leadership of child protection arrangements": "Adequate",
            "Working with safeguarding partners": "Good",
            "Responding to children at risk of harm": "Requires improvement",
            "Assessing risk to children and making appropriate referrals": "Requires improvement",
            "Investigating reports of abuse, neglect and exploitation of children": (
                "Requires improvement"
            ),
        }
        assert [g.name for g in inspection.scheme.grades] == [
            "Outstanding",
            "Good",
            "Adequate",
            "Requires improvement",
            "Inadequate",
        ]
        practice = [f for f in inspection.findings if f.kind is FindingKind.PROMISING_PRACTICE]
        assert len(practice) == 2
        assert not inspection.recommendations  # the source lists no recommendations


def test_encompass_and_makesafe_are_noted_initiatives(sample_database: Database) -> None:
    with sample_database.session() as session:
        initiatives = {
            i.name: i
            for i in session.scalars(select(Initiative).where(Initiative.name.like("Operation %")))
        }
        assert set(initiatives) == {"Operation Encompass", "Operation Makesafe"}
        encompass = initiatives["Operation Encompass"]
        assert encompass.started == PartialDate(2021)
        assert initiatives["Operation Makesafe"].started is None
        for initiative in initiatives.values():
            assert initiative.organisation is not None
            assert initiative.organisation.name == "West Midlands Police"
            assert len(initiative.links) == 1
            finding = initiative.links[0].finding
            assert finding is not None and finding.inspection.reference == WMP_INSPECTION


def test_west_midlands_police_has_its_department_and_ten_units(sample_database: Database) -> None:
    with sample_database.session() as session:
        wmp = session.scalars(
            select(Organisation).where(Organisation.name == "West Midlands Police")
        ).one()
        names = [p.name for p in wmp.parts]
        assert "West Midlands Police public protection department" in names
        units = [n for n in names if "local policing unit" in n]
        assert len(units) == 10
        assert "171 neighbourhoods" in wmp.notes


def test_the_fictional_review_exercises_every_feature(sample_database: Database) -> None:
    with sample_database.session() as session:
        review = session.scalars(select(Review).where(Review.subject == "Child A")).one()
        assert "fictional" in review.title.lower()
        assert review.commissioned_by is not None
        assert "(fictional)" in review.commissioned_by.name
        recs = review.recommendations
        ratings = {rating_for(r.status, r.target_date, TODAY) for r in recs}
        assert ratings == set(Rating)
        statuses = {r.status for r in recs}
        assert statuses == set(Status)
        assert any(r.updates for r in recs)
        assert any(r.evidence and any(e.content for e in r.evidence) for r in recs)
        assert any(r.assured_by and r.status is Status.CLOSED for r in recs)
        assert any(r.agency_names(AgencyRole.JOINT) for r in recs)
        assert review.themes and all(r.themes for r in recs if r.status is not Status.NOT_ACCEPTED)


def test_fictional_organisations_say_so() -> None:
    seed_names = {o.name for o in seed_facts().organisations}
    for org in sample_document(TODAY).organisations:
        if org.name not in seed_names:
            assert org.name.endswith("(fictional)"), org.name


def test_the_fictional_dates_follow_the_day_the_sample_is_made() -> None:
    """The fictional file's dates are moved to today, so the sample never goes stale: made
    three years later it shows the same overdue, at-risk and on-track items."""
    later = TODAY + dt.timedelta(days=1100)

    def ratings(today: dt.date) -> list[Rating]:
        (review,) = [r for r in sample_document(today).reviews if r.subject == "Child A"]
        return [rating_for(r.status, r.target_date, today) for r in review.recommendations]

    assert ratings(later) == ratings(TODAY)
    (lantern,) = [i for i in sample_document(later).initiatives if "fictional" in i.name]
    start = later - dt.timedelta(days=400)
    assert lantern.started == PartialDate(start.year, start.month)


def test_the_sample_has_tracked_and_noted_inspection_findings() -> None:
    findings = [f for i in sample_document(TODAY).inspections for f in i.findings]
    kinds = {f.kind.value for f in findings}
    assert kinds == {
        "cause_of_concern",
        "recommendation",
        "area_for_improvement",
        "promising_practice",
    }
    assert any(isinstance(f, TrackedDoc) and f.concern for f in findings)
    assert any(isinstance(f, NotedFindingDoc) for f in findings)


def test_loading_the_sample_twice_does_not_duplicate(sample_database: Database) -> None:
    from db.services.dataset import counts, load_sample

    with sample_database.session() as session:
        before = counts(session)
    with sample_database.transaction("again") as session:
        load_sample(session, TODAY)
    with sample_database.session() as session:
        assert counts(session) == before
        assert session.query(Recommendation).count() == before.recommendations


def test_counts_are_said_in_the_singular_for_one() -> None:
    """A new user saw "1 reviews" in the status bar."""
    from db.services.dataset import Counts

    one = Counts(reviews=1, recommendations=1, inspections=1, initiatives=1, organisations=3)
    assert one.describe() == "1 review, 1 tracked item, 1 inspection, 1 initiative"
    many = Counts(reviews=0, recommendations=2345, inspections=2, initiatives=0, organisations=0)
    assert many.describe() == "0 reviews, 2,345 tracked items, 2 inspections, 0 initiatives"
