"""The sample data: the seed facts, faithfully, and one clearly fictional review.

The seed facts (``resources/sample/seed-facts.json``) hold only what the two public
statements say. The fictional part - a made-up partnership, its agencies and "Child A" -
exercises every feature; its dates are set relative to ``today`` so that it always shows
overdue, at-risk, on-track and closed items.
"""

from __future__ import annotations

import datetime as dt
import json

import resources
from db.core.dates import PartialDate
from db.core.vocabulary import FindingKind, OrganisationKind, ReviewKind, Status, TrackedKind
from db.exchange.document import (
    AreaDoc,
    Document,
    EvidenceDoc,
    InitiativeDoc,
    InspectionDoc,
    LinkDoc,
    NotedFindingDoc,
    OrganisationDoc,
    ReviewDoc,
    TrackedDoc,
    UpdateDoc,
)
from db.exchange.json_format import parse_document

SEED_FILE = ("sample", "seed-facts.json")

PARTNERSHIP = "Fenmarsh Safeguarding Children Partnership (fictional)"
COUNCIL = "Fenmarsh Council Children's Services (fictional)"
POLICE = "Fenmarsh Constabulary (fictional)"
HEALTH = "Fenmarsh Integrated Care Board (fictional)"
SCHOOLS = "Fenmarsh Schools Alliance (fictional)"
CHAIR = "Independent Chair, Fenmarsh partnership (fictional)"
FICTIONAL_REVIEW = "FSCP-CSPR-CHILD-A"
FICTIONAL_INSPECTIONS = ("FICTIONAL-CP-INSPECTION-1", "FICTIONAL-CP-INSPECTION-2")
CP_AREAS = (
    "Leadership of child protection arrangements",
    "Working with safeguarding partners",
    "Responding to children at risk of harm",
    "Assessing risk to children and making appropriate referrals",
    "Investigating reports of abuse, neglect and exploitation of children",
)


def seed_facts() -> Document:
    """The facts from the two seed statements, and nothing more."""
    return parse_document(json.loads(resources.read_bytes(*SEED_FILE).decode("utf-8")))


def sample_document(today: dt.date) -> Document:
    """The whole sample: seed facts plus the fictional partnership's review and inspections."""
    doc = seed_facts()
    fictional = _fictional(today)
    doc.organisations += fictional.organisations
    doc.reviews += fictional.reviews
    doc.inspections += fictional.inspections
    doc.initiatives += fictional.initiatives
    return doc


def _fictional(today: dt.date) -> Document:
    def day(offset: int) -> dt.date:
        return today + dt.timedelta(days=offset)

    def stamp(offset: int) -> dt.datetime:
        return dt.datetime.combine(day(offset), dt.time(10, 30), tzinfo=dt.UTC)

    note = "Fictional example data for trying casereview; it describes no real person or case."
    organisations = [
        OrganisationDoc(PARTNERSHIP, OrganisationKind.PARTNERSHIP, notes=note),
        OrganisationDoc(COUNCIL, OrganisationKind.LOCAL_AUTHORITY, notes=note),
        OrganisationDoc(POLICE, OrganisationKind.POLICE_FORCE, notes=note),
        OrganisationDoc(HEALTH, OrganisationKind.HEALTH_BODY, notes=note),
        OrganisationDoc(SCHOOLS, OrganisationKind.EDUCATION, notes=note),
    ]
    recommendations = [
        TrackedDoc(
            number="1",
            text=(
                "Children's services and the police should agree a single written protocol for "
                "sharing information about a child on the day a concern is raised."
            ),
            status=Status.CLOSED,
            lead_agencies=[COUNCIL],
            joint_agencies=[POLICE],
            actions="Draft the protocol; agree it at the partnership's executive; train staff.",
            owner="Head of Safeguarding, Children's Services",
            target_date=day(-120),
            closed_on=day(-60),
            assured_by=CHAIR,
            assured_on=day(-60),
            themes=["Information sharing"],
            updates=[
                UpdateDoc(
                    day(-300),
                    "Head of Safeguarding",
                    Status.IN_PROGRESS,
                    "Working group formed with the police public protection lead.",
                ),
                UpdateDoc(
                    day(-150),
                    "Head of Safeguarding",
                    Status.IMPLEMENTED,
                    "Protocol agreed by the executive and published to staff.",
                ),
                UpdateDoc(
                    day(-60),
                    "Panel secretariat",
                    Status.CLOSED,
                    "Signed off on the audit evidence by the independent chair.",
                ),
            ],
            evidence=[
                EvidenceDoc(
                    description="Information-sharing protocol as agreed by the executive",
                    added_by="Head of Safeguarding",
                    reference="Partnership document library: Protocols/Information sharing v2",
                    added_at=stamp(-150),
                ),
                EvidenceDoc(
                    description="Multi-agency audit of 20 cases after the protocol began",
                    added_by="Quality Assurance Officer",
                    file_name="audit-summary.txt",
                    media_type="text/plain",
                    content=(
                        b"Fictional audit summary for the casereview sample data.\n"
                        b"20 cases sampled; information shared on the day in 18.\n"
                    ),
                    added_at=stamp(-70),
                ),
            ],
        ),
        TrackedDoc(
            number="2",
            text=(
                "The integrated care board should make sure every health visitor records the "
                "child's own words at each contact where neglect is suspected."
            ),
            status=Status.IMPLEMENTED,
            lead_agencies=[HEALTH],
            actions="Change the contact template; audit a sample of records.",
            owner="Designated Nurse for Safeguarding",
            target_date=day(-20),
            themes=["Voice of the child", "Neglect"],
            updates=[
                UpdateDoc(
                    day(-200),
                    "Designated Nurse",
                    Status.IN_PROGRESS,
                    "Template change requested from the records team.",
                ),
                UpdateDoc(
                    day(-25),
                    "Designated Nurse",
                    Status.IMPLEMENTED,
                    "New template live; first audit booked. Awaiting assurance.",
                ),
            ],
            evidence=[
                EvidenceDoc(
                    description="Screenshot of the revised contact template",
                    added_by="Designated Nurse",
                    reference="Health records system change request 4471 (fictional)",
                    added_at=stamp(-25),
                )
            ],
        ),
        TrackedDoc(
            number="3",
            text=(
                "The police should review how officers attending domestic abuse incidents "
                "identify and record every child living in the household."
            ),
            status=Status.IN_PROGRESS,
            lead_agencies=[POLICE],
            joint_agencies=[COUNCIL, SCHOOLS],
            actions="Dip-sample incident records; refresh guidance; brief response officers.",
            owner="Detective Chief Inspector, Public Protection",
            target_date=day(-45),
            themes=["Domestic abuse", "Voice of the child"],
            updates=[
                UpdateDoc(
                    day(-180),
                    "DCI Public Protection",
                    Status.IN_PROGRESS,
                    "Dip sample of 50 incidents under way.",
                ),
                UpdateDoc(
                    day(-50),
                    "DCI Public Protection",
                    None,
                    "Guidance drafted; briefing delayed by staff shortages.",
                ),
            ],
        ),
        TrackedDoc(
            number="4",
            text=(
                "The partnership should commission multi-agency training on recognising "
                "neglect, including the impact of parental substance misuse."
            ),
            status=Status.IN_PROGRESS,
            lead_agencies=[PARTNERSHIP],
            owner="Partnership Business Manager",
            target_date=day(90),
            themes=["Neglect", "Multi-agency working"],
            updates=[
                UpdateDoc(
                    day(-30),
                    "Partnership Business Manager",
                    Status.IN_PROGRESS,
                    "Training provider chosen; first sessions booked.",
                ),
            ],
        ),
        TrackedDoc(
            number="5",
            text=(
                "Schools should have a named lead who receives notifications from the police "
                "about incidents affecting pupils before the next school day."
            ),
            status=Status.NOT_STARTED,
            lead_agencies=[SCHOOLS],
            joint_agencies=[POLICE],
            owner="Chair of the Schools Alliance",
            target_date=day(14),
            themes=["Information sharing"],
        ),
        TrackedDoc(
            number="6",
            text=(
                "Children's services should audit how often assessments record the views of "
                "fathers and other men in the household."
            ),
            status=Status.NOT_STARTED,
            lead_agencies=[COUNCIL],
            owner="Principal Social Worker",
            target_date=day(-10),
            themes=["Multi-agency working"],
        ),
        TrackedDoc(
            number="7",
            text=("The partnership should create a separate neglect strategy group."),
            status=Status.SUPERSEDED,
            status_reason="Replaced by recommendation 4 when the partnership merged its groups.",
            lead_agencies=[PARTNERSHIP],
            owner="Partnership Business Manager",
            themes=["Neglect"],
            updates=[
                UpdateDoc(
                    day(-90),
                    "Partnership Business Manager",
                    Status.SUPERSEDED,
                    "Replaced by recommendation 4 when the partnership merged its groups.",
                ),
            ],
        ),
        TrackedDoc(
            number="8",
            text="Every GP practice should employ its own safeguarding social worker.",
            status=Status.NOT_ACCEPTED,
            status_reason=(
                "Not affordable; the named GP for safeguarding arrangement meets the need."
            ),
            lead_agencies=[HEALTH],
            owner="Designated Doctor for Safeguarding",
            updates=[
                UpdateDoc(
                    day(-240),
                    "Designated Doctor",
                    Status.NOT_ACCEPTED,
                    "Not affordable; the named GP for safeguarding arrangement meets the need.",
                ),
            ],
        ),
    ]
    review = ReviewDoc(
        reference=FICTIONAL_REVIEW,
        kind=ReviewKind.CSPR_LOCAL,
        title="Child A: local child safeguarding practice review (fictional example)",
        subject="Child A",
        anonymised_label="Child A",
        names_to_redact=["Amelia Thorne", "Dean Thorne"],
        commissioned_by=PARTNERSHIP,
        incident=day(-700),
        notified=day(-697),
        commissioned=day(-660),
        published=PartialDate.from_date(day(-330)),
        summary=(
            "A made-up review that shows every part of casereview: overdue and at-risk items, "
            "progress updates, evidence, sign-off, joint agencies and themes. Child A (the "
            "made-up Amelia Thorne), her father Dean Thorne, the Fenmarsh partnership and its "
            'agencies are fictional; a redacted briefing pack shows only "Child A".'
        ),
        themes=["Domestic abuse", "Information sharing", "Neglect", "Voice of the child"],
        recommendations=recommendations,
    )
    earlier = InspectionDoc(
        reference=FICTIONAL_INSPECTIONS[0],
        inspectorate="HMICFRS",
        programme="National child protection inspection",
        title="Child protection inspection of Fenmarsh Constabulary (fictional example)",
        organisation=POLICE,
        scheme="HMICFRS PEEL",
        fieldwork_start=day(-1200),
        fieldwork_end=day(-1190),
        published=day(-1100),
        summary="A made-up earlier inspection, so that grades can be compared over time.",
        areas=[
            AreaDoc(CP_AREAS[0], "Requires improvement"),
            AreaDoc(CP_AREAS[1], "Adequate"),
            AreaDoc(CP_AREAS[2], "Inadequate"),
            AreaDoc(CP_AREAS[3], "Requires improvement"),
            AreaDoc(CP_AREAS[4], "Requires improvement"),
        ],
    )
    later = InspectionDoc(
        reference=FICTIONAL_INSPECTIONS[1],
        inspectorate="HMICFRS",
        programme="National child protection inspection",
        title="Child protection re-inspection of Fenmarsh Constabulary (fictional example)",
        organisation=POLICE,
        scheme="HMICFRS PEEL",
        fieldwork_start=day(-80),
        fieldwork_end=day(-70),
        published=day(-30),
        summary="A made-up re-inspection with a cause of concern, a recommendation, an area "
        "for improvement and promising practice.",
        areas=[
            AreaDoc(CP_AREAS[0], "Good", "Leaders have a clear plan for child protection."),
            AreaDoc(CP_AREAS[1], "Good"),
            AreaDoc(
                CP_AREAS[2],
                "Requires improvement",
                "Officers do not always speak to children at incidents.",
            ),
            AreaDoc(CP_AREAS[3], "Adequate"),
            AreaDoc(CP_AREAS[4], "Requires improvement"),
        ],
        findings=[
            NotedFindingDoc(
                FindingKind.CAUSE_OF_CONCERN,
                "1",
                "The force does not make sure that the voice of the child is heard and recorded "
                "at incidents.",
                CP_AREAS[2],
            ),
            TrackedDoc(
                number="1",
                kind=TrackedKind.RECOMMENDATION,
                text=(
                    "Within six months, the force should make sure officers speak to children "
                    "at incidents and record what they say."
                ),
                status=Status.IN_PROGRESS,
                lead_agencies=[POLICE],
                owner="Head of Public Protection",
                target_date=day(150),
                area=CP_AREAS[2],
                concern="1",
                themes=["Voice of the child"],
                updates=[
                    UpdateDoc(
                        day(-10),
                        "Head of Public Protection",
                        Status.IN_PROGRESS,
                        "Action plan sent to the inspectorate.",
                    ),
                ],
            ),
            TrackedDoc(
                number="1",
                kind=TrackedKind.AREA_FOR_IMPROVEMENT,
                text="The force should improve the timeliness of referrals to children's services.",
                status=Status.NOT_STARTED,
                lead_agencies=[POLICE],
                joint_agencies=[COUNCIL],
                owner="Superintendent, Safeguarding",
                target_date=day(20),
                area=CP_AREAS[3],
                themes=["Information sharing"],
            ),
            NotedFindingDoc(
                FindingKind.PROMISING_PRACTICE,
                "1",
                "Project Lantern pairs a specialist officer with each secondary school.",
                CP_AREAS[1],
            ),
        ],
    )
    initiative = InitiativeDoc(
        name="Project Lantern (fictional)",
        organisation=POLICE,
        started=PartialDate(day(-400).year, day(-400).month),
        description="A made-up initiative: a specialist officer paired with each secondary school.",
        links=[
            LinkDoc(review=FICTIONAL_REVIEW, recommendation="3"),
            LinkDoc(inspection=FICTIONAL_INSPECTIONS[1], area=CP_AREAS[2]),
            LinkDoc(
                inspection=FICTIONAL_INSPECTIONS[1],
                finding="1",
                kind=FindingKind.PROMISING_PRACTICE,
            ),
            LinkDoc(
                inspection=FICTIONAL_INSPECTIONS[1],
                finding="1",
                kind=TrackedKind.AREA_FOR_IMPROVEMENT,
            ),
        ],
    )
    return Document(
        organisations=organisations,
        reviews=[review],
        inspections=[earlier, later],
        initiatives=[initiative],
    )
