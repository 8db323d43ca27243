"""A deterministic, entirely fictional data set of any size, for trying casereview at scale
and for benchmarks: ``casereview generate --reviews N --recommendations M --seed S``.

The same seed and day give the same data. Rows are written with bulk INSERTs (the unit of
work would take minutes at 100,000 items); the audit log records the generation as one entry.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from db.core.dates import PartialDate, format_date, utc_now
from db.core.vocabulary import AgencyRole, OrganisationKind, ReviewKind, Status
from db.store.audit import ACTOR_KEY, append, default_actor
from db.store.models import (
    Evidence,
    Organisation,
    ProgressUpdate,
    Recommendation,
    RecommendationAgency,
    Review,
    Theme,
    recommendation_themes,
    review_themes,
)
from db.store.search import search_text_of, source_key_of

PLACES = (
    "Ashcombe",
    "Brindlemoor",
    "Caldwater",
    "Dunmere",
    "Eastholt",
    "Fenmarsh",
    "Greyhaven",
    "Harrowfield",
    "Ivybridge Vale",
    "Kestrel Downs",
    "Larkspur",
    "Millbrook Fen",
)
AGENCY_KINDS = (
    ("Council Children's Services", OrganisationKind.LOCAL_AUTHORITY),
    ("Constabulary", OrganisationKind.POLICE_FORCE),
    ("Integrated Care Board", OrganisationKind.HEALTH_BODY),
    ("Schools Alliance", OrganisationKind.EDUCATION),
    ("Probation Delivery Unit", OrganisationKind.PROBATION),
)
# Each theme: its name, the words a summary says it in, and the topics of its
# recommendations. A topic is a noun phrase that reads after "review", "guidance on",
# "training in" or "a multi-agency audit of", so any frame below can take any topic.
THEMES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "Information sharing",
        "information sharing",
        (
            "information sharing at the front door",
            "the sharing of information between schools and children's social care",
            "information sharing when a family moves between areas",
            "the recording of consent to share information",
        ),
    ),
    (
        "Voice of the child",
        "the voice of the child",
        (
            "the recording of the child's own words and wishes",
            "direct work with children to understand their daily lives",
            "the voice of the child in assessments and plans",
            "the use of advocates for disabled children",
        ),
    ),
    (
        "Professional curiosity",
        "professional curiosity",
        (
            "professional curiosity about who lives in the household",
            "professional curiosity when a parent's account does not match what is seen",
            "the checking of parents' accounts against other agencies' records",
        ),
    ),
    (
        "Risk assessment",
        "the assessment of risk",
        (
            "risk assessment when a family's circumstances change",
            "the use of chronologies to show cumulative harm",
            "the review of risk when a child protection plan ends",
        ),
    ),
    (
        "Fathers and male carers",
        "fathers and male carers",
        (
            "the involvement of fathers and male carers in assessments",
            "checks on new partners joining a household",
            "the recording of fathers' details by midwives and health visitors",
        ),
    ),
    (
        "Neglect",
        "neglect",
        (
            "the recognition of chronic neglect",
            "the use of the neglect assessment tool",
            "responses to missed health appointments",
            "the oversight of children who are electively home educated",
        ),
    ),
    (
        "Domestic abuse",
        "domestic abuse",
        (
            "responses to domestic abuse incidents where children are present",
            "the referral of high-risk victims to the risk assessment conference",
            "routine enquiry about domestic abuse in health settings",
            "notifications to schools after domestic abuse incidents",
        ),
    ),
    (
        "Transition to adult services",
        "the transition to adult services",
        (
            "the transition of young people to adult services",
            "planning for care leavers' move to adult mental health services",
            "the hand-over of cases from children's to adult social care",
        ),
    ),
    (
        "Escalation",
        "escalation",
        (
            "escalation when professionals disagree",
            "the resolution of disagreements between professionals",
            "challenge to decisions to close a case",
        ),
    ),
    (
        "Strategy discussions",
        "strategy discussions",
        (
            "the timeliness of strategy discussions",
            "the attendance of health and education at strategy discussions",
            "the recording of decisions made in strategy discussions",
        ),
    ),
    (
        "Non-mobile babies and bruising",
        "bruising in non-mobile babies",
        (
            "the response to bruising in non-mobile babies",
            "the use of the bruising protocol by GPs and emergency departments",
            "advice to parents on coping with a crying baby",
        ),
    ),
    (
        "Contextual safeguarding",
        "contextual safeguarding",
        (
            "contextual safeguarding of young people outside the home",
            "the mapping of places where young people are at risk",
            "the response to young people found far from home",
        ),
    ),
    (
        "Exploitation",
        "exploitation",
        (
            "missing episodes and return interviews",
            "the identification of child criminal exploitation",
            "the response to children exploited through county lines",
        ),
    ),
    (
        "Mental health",
        "mental health",
        (
            "the assessment of parental mental health",
            "support for young people who self-harm",
            "the sharing of concerns about a parent's mental health with children's services",
        ),
    ),
    (
        "Substance misuse",
        "substance misuse",
        (
            "the impact of parental substance misuse on children",
            "the safe storage of medicines and drugs in homes with children",
            "joint working between drug and alcohol services and children's social care",
        ),
    ),
    (
        "Training",
        "training",
        (
            "the partnership's threshold document",
            "safeguarding induction for new staff",
            "trauma-informed practice",
        ),
    ),
    (
        "Supervision",
        "supervision",
        (
            "supervision of practitioners holding complex cases",
            "the quality of management oversight in long-running cases",
            "reflective supervision for health visitors and school nurses",
        ),
    ),
    (
        "Multi-agency audit",
        "multi-agency audit",
        (
            "the quality of referrals to children's social care",
            "the quality of child protection plans",
            "the follow-up of actions from earlier reviews",
        ),
    ),
)
# How a recommendation names each of AGENCY_KINDS (in its order) alone, and within a list.
ADDRESSEES = (
    ("The local authority", "Children's social care", "The council"),
    ("The police", "The constabulary"),
    ("The ICB", "The integrated care board", "Health partners"),
    ("Schools", "The schools alliance", "Education settings"),
    ("The probation service", "Probation"),
)
JOINT_NAMES = ("children's social care", "police", "health", "schools", "probation")
PARTNERS = ("The partnership", "The safeguarding partners", "Partners", "The three partners")
VERBS = (
    "review",
    "strengthen",
    "improve",
    "evaluate",
    "set clear expectations for",
    "agree a protocol for",
    "develop guidance on",
    "commission training in",
    "refresh the guidance on",
)
FRAMES = (
    "{S} should {verb} {topic}{purpose}.",
    "{S} should {verb} {topic}{purpose}.",
    "{S} should work with other agencies to {verb} {topic}{purpose}.",
    "Within {period}, {s} should {verb} {topic}{purpose}.",
    "{S} should make sure that {audience} receive guidance and training on {topic}{purpose}.",
    "{S} should assure the {board} that {audience} have had guidance on {topic}.",
    "{S} should assure the {board} that practice in {topic} has improved, as shown by {evidence}.",
    "{S} should carry out a multi-agency audit of {topic}, sampling {cases} cases, and report "
    "the findings to the {board} within {period}.",
    "{S} should report to the {board}, within {period}, on what has been done to {verb} {topic}.",
    "To make sure that {outcome}, {s} should {verb} {topic}.",
    "{S} should {verb} {topic}, drawing on the learning from this review and from {audience}.",
)
JOINT_FRAMES = (
    "{S} should agree a joint approach to {topic}{purpose}.",
    "{S} should jointly {verb} {topic} and report to the {board} within {period}.",
)
PURPOSES = (
    "",
    " so that {outcome}",
    " so that {outcome}",
    " so that {outcome}",
    " across {place}",
    " with {audience} in {place}",
    " and report progress to the {board} within {period}",
    " and share the findings with {audience}",
    ", in line with the partnership's procedures, so that {outcome}",
    ", and the {board} should test the difference made within {period}",
)
OUTCOMES = (
    "children's experiences shape the plans made for them",
    "risks are identified and acted on early",
    "concerns are escalated without delay",
    "practitioners share what they know in time to make a difference",
    "families get help before problems grow",
    "decisions are recorded and reviewed",
    "the learning from this review is part of everyday practice",
    "children are seen and spoken to alone",
    "every agency knows who is responsible for the next step",
    "the help offered matches what the child and family need",
    "a child's lived experience is understood and recorded",
)
AUDIENCES = (
    "front-line practitioners",
    "designated safeguarding leads",
    "health visitors and midwives",
    "call handlers and response officers",
    "social workers and their managers",
    "GPs and practice nurses",
    "probation officers",
    "school nurses",
    "staff in every agency",
)
BOARDS = (
    "board",
    "partnership board",
    "Learning and Improvement subgroup",
    "Quality Assurance subgroup",
    "partners' executive group",
)
EVIDENCE = (
    "case file audit",
    "feedback from children and families",
    "a survey of {audience}",
    "performance data",
    "observation of practice",
)
PERIODS = ("three months", "six months", "nine months", "twelve months")
CASES = ("ten", "twelve", "fifteen", "twenty", "twenty-five", "thirty")
ACTIONS = (
    "Review {topic} against the partnership's procedures and present the findings to the {board}.",
    "Deliver briefings on {topic} to {audience}; record attendance for assurance.",
    "Audit {cases} cases for evidence of better practice in {topic}; report the findings to "
    "the {board}.",
    "Revise the single-agency policy on {topic} and circulate it to partners by {date}.",
    "Add {topic} to the supervision template and the induction programme.",
    "Task and finish group to agree a protocol for {topic} by {date}.",
    "Run a practice week on {topic}, with a survey of {audience} before and after.",
    "Publish a seven-minute briefing on {topic} and test its use through audit.",
)
NOTES = (
    "Working group met; actions agreed.",
    "Task and finish group met; terms of reference agreed.",
    "Draft guidance on {topic} circulated for comment.",
    "Briefing sessions delivered to {audience}.",
    "Audit of {cases} cases completed; findings to go to the {board}.",
    "Delayed by staff shortages; a new target date has been proposed.",
    "Evidence gathered for assurance and sent to the {board}.",
    "Protocol agreed by all agencies and published on the partnership website.",
    "Survey of {audience} shows better understanding of {topic}.",
    "Progress reported to the {board}; on track.",
    "Policy revised; training materials are being updated.",
    "Delayed while the service is restructured; a new lead has been named.",
)
REASONS = {
    Status.SUPERSEDED: (
        "Superseded by a later review's recommendation on the same learning.",
        "Superseded by the partnership's new strategy, which covers this work.",
    ),
    Status.NOT_ACCEPTED: (
        "Not accepted: the agency's existing procedures already meet it.",
        "Not accepted: the partners agreed that another route would have more effect.",
    ),
}
SUMMARIES = (
    "Agencies in {place} knew Child {n} and the family for {years} years. The review's "
    "learning is about {first} and {second}.",
    "A review of how agencies in {place} worked together to help Child {n}. It found "
    "learning about {first} and {second}.",
    "Child {n} was known to several agencies in {place}. The review sets out learning about "
    "{first} and {second}.",
)
OWNERS = (
    "Head of Safeguarding",
    "Designated Nurse",
    "Detective Chief Inspector",
    "Partnership Business Manager",
    "Principal Social Worker",
    "Head of Public Protection",
)
STATUS_WEIGHTS = (
    (Status.NOT_STARTED, 20),
    (Status.IN_PROGRESS, 40),
    (Status.IMPLEMENTED, 12),
    (Status.CLOSED, 22),
    (Status.SUPERSEDED, 3),
    (Status.NOT_ACCEPTED, 3),
)
BATCH = 5_000


@dataclass(frozen=True)
class Generated:
    reviews: int
    recommendations: int
    updates: int


def _bulk(session: Session, model: Any, rows: list[dict[str, Any]]) -> list[int]:
    """Insert rows in batches, returning their ids in the order given."""
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        chunk = rows[start : start + BATCH]
        ids += session.scalars(
            insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        ).all()
    return ids


def _bulk_plain(session: Session, target: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        session.execute(insert(target), rows[start : start + BATCH])


def generate(
    session: Session, *, reviews: int, recommendations: int, seed: int, today: dt.date
) -> Generated:
    """Add ``reviews`` fictional reviews sharing ``recommendations`` tracked items.

    Each step draws from the one random generator in turn, so the steps keep their order: the
    same seed gives the same data only while they do."""
    if reviews < 1:
        raise ValueError("at least one review is needed")
    if recommendations < 0:
        raise ValueError("the number of recommendations cannot be negative")
    run = _Run(session, random.Random(seed), seed, today, utc_now())
    partnerships, agencies = _add_organisations(run)
    theme_ids = _bulk(session, Theme, [{"name": name} for name, _, _ in THEMES])
    places = _add_reviews(run, reviews, partnerships, theme_ids)
    items = _add_recommendations(run, recommendations, places)
    updates = _add_agencies_themes_and_logs(run, items, agencies, theme_ids)
    _record_generation(run, reviews, recommendations)
    return Generated(reviews=reviews, recommendations=len(items), updates=updates)


@dataclass(frozen=True)
class _Run:
    """What every step of one generation shares: the one random generator (drawn from in
    the steps' order), the seed and day asked for, and the moment the rows are stamped with."""

    session: Session
    rng: random.Random
    seed: int
    today: dt.date
    now: dt.datetime


@dataclass(frozen=True)
class _Review:
    """A generated review, as its recommendations need it: its themes are indexes in THEMES."""

    id: int
    reference: str
    place: int
    themes: tuple[int, ...]


@dataclass(frozen=True)
class _Item:
    """A generated recommendation, as its agencies, themes, log and evidence need it: the
    agencies are indexes in AGENCY_KINDS (the lead first), the theme an index in THEMES."""

    id: int
    place: int
    status: Status
    notes: list[str]
    agencies: list[int]
    theme: int


def _add_organisations(run: _Run) -> tuple[list[int], list[list[int]]]:
    """A partnership and its agencies in every place: the partnerships' ids, and each
    place's agencies' ids."""
    org_rows: list[dict[str, Any]] = []
    for town in PLACES:
        org_rows.append(
            {
                "name": f"{town} Safeguarding Partnership (fictional)",
                "kind": OrganisationKind.PARTNERSHIP,
                "notes": "Generated data.",
                "created_at": run.now,
                "updated_at": run.now,
            }
        )
        for suffix, kind in AGENCY_KINDS:
            org_rows.append(
                {
                    "name": f"{town} {suffix} (fictional)",
                    "kind": kind,
                    "notes": "Generated data.",
                    "created_at": run.now,
                    "updated_at": run.now,
                }
            )
    org_ids = _bulk(run.session, Organisation, org_rows)
    per_place = len(AGENCY_KINDS) + 1
    partnerships = [org_ids[i * per_place] for i in range(len(PLACES))]
    agencies = [org_ids[i * per_place + 1 : (i + 1) * per_place] for i in range(len(PLACES))]
    return partnerships, agencies


def _add_reviews(
    run: _Run, reviews: int, partnerships: list[int], theme_ids: list[int]
) -> list[_Review]:
    """The reviews, each in a place, with two themes its summary names."""
    review_rows: list[dict[str, Any]] = []
    review_place: list[int] = []
    review_themes_drawn: list[tuple[int, ...]] = []
    for n in range(1, reviews + 1):
        place = run.rng.randrange(len(PLACES))
        review_place.append(place)
        themes = tuple(run.rng.sample(range(len(THEMES)), 2))
        review_themes_drawn.append(themes)
        published = run.today - dt.timedelta(days=run.rng.randint(30, 2000))
        summary = run.rng.choice(SUMMARIES).format(
            place=PLACES[place],
            n=n,
            years=run.rng.choice(("two", "three", "four", "six")),
            first=THEMES[themes[0]][1],
            second=THEMES[themes[1]][1],
        )
        review_rows.append(
            {
                "reference": f"GEN-{run.seed}-{n:05d}",
                "kind": run.rng.choice(list(ReviewKind)),
                "title": f"Child {n}: generated review for {PLACES[place]} (fictional)",
                "subject": f"Child {n}",
                "commissioned_by_id": partnerships[place],
                "published": PartialDate.from_date(published),
                "incident_on": published - dt.timedelta(days=run.rng.randint(200, 500)),
                "summary": f"{summary} Generated, fictional data.",
                "created_at": run.now,
                "updated_at": run.now,
            }
        )
    review_ids = _bulk(run.session, Review, review_rows)
    _bulk_plain(
        run.session,
        review_themes,
        [
            {"review_id": rid, "theme_id": theme_ids[theme]}
            for rid, themes in zip(review_ids, review_themes_drawn, strict=True)
            for theme in themes
        ],
    )
    return [
        _Review(review_id, row["reference"], place, themes)
        for review_id, row, place, themes in zip(
            review_ids, review_rows, review_place, review_themes_drawn, strict=True
        )
    ]


def _lower_first(words: str) -> str:
    """An addressee moved inside a sentence: "The ICB" becomes "the ICB"; an initialism
    would keep its capital."""
    return words[0].lower() + words[1:] if words[1:2].islower() else words


def _addressee(rng: random.Random, agencies: list[int]) -> tuple[str, bool]:
    """Whom a recommendation addresses, as it would name them, and whether jointly: now
    and then the partners as a whole, else its lead agency, alone or with the others."""
    roll = rng.random()
    if roll < 0.2:
        return rng.choice(PARTNERS), False
    if len(agencies) == 1:
        return rng.choice(ADDRESSEES[agencies[0]]), False
    if roll < 0.6:
        names = [JOINT_NAMES[kind] for kind in agencies]
        listed = f"{', '.join(names[:-1])} and {names[-1]}"
        return listed[0].upper() + listed[1:], True
    others = " and ".join(JOINT_NAMES[kind] for kind in agencies[1:])
    return f"{rng.choice(ADDRESSEES[agencies[0]])}, with {others},", True


def _recommendation_text(rng: random.Random, agencies: list[int], topic: str, place: int) -> str:
    """One sentence from the template grammar: a frame, its addressee, a verb, the topic
    and perhaps a purpose. Every part is drawn every time, so the draws stay in step."""
    subject, joint = _addressee(rng, agencies)
    frame = rng.choice(FRAMES + JOINT_FRAMES if joint else FRAMES)
    purpose = rng.choice(PURPOSES)
    filled = frame.replace("{purpose}", purpose).replace("{evidence}", rng.choice(EVIDENCE))
    return filled.format(
        S=subject,
        s=_lower_first(subject),
        verb=rng.choice(VERBS),
        topic=topic,
        outcome=rng.choice(OUTCOMES),
        audience=rng.choice(AUDIENCES),
        board=rng.choice(BOARDS),
        period=rng.choice(PERIODS),
        place=PLACES[place],
        cases=rng.choice(CASES),
    )


def _item_theme(rng: random.Random, review: _Review) -> int:
    """Mostly one of the review's own themes, sometimes another."""
    if rng.random() < 0.7:
        return rng.choice(review.themes)
    return rng.randrange(len(THEMES))


def _add_recommendations(run: _Run, recommendations: int, reviews: list[_Review]) -> list[_Item]:
    """``recommendations`` items shared out among ``reviews`` (the first ones one more each
    when they do not divide evenly), with their agencies, theme and notes drawn but not yet
    written: the text names the agencies and the theme's topic."""
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    rng = run.rng
    rec_rows: list[dict[str, Any]] = []
    rec_meta: list[tuple[int, Status, list[str], list[int], int]] = []
    base, extra = divmod(recommendations, len(reviews))
    for index, review in enumerate(reviews):
        for number in range(1, base + (1 if index < extra else 0) + 1):
            status = rng.choices(statuses, weights)[0]
            target = run.today + dt.timedelta(days=rng.randint(-400, 400))
            agencies = rng.sample(range(len(AGENCY_KINDS)), rng.choice((1, 1, 2, 3)))
            theme = _item_theme(rng, review)
            topics = THEMES[theme][2]
            text = _recommendation_text(rng, agencies, rng.choice(topics), review.place)
            topic = rng.choice(topics)
            words = {
                "topic": topic,
                "audience": rng.choice(AUDIENCES),
                "board": rng.choice(BOARDS),
                "cases": rng.choice(CASES),
                "date": format_date(target),
            }
            actions = rng.choice(ACTIONS).format(**words)
            owner = rng.choice(OWNERS)
            notes = [rng.choice(NOTES).format(**words) for _ in range(rng.randint(0, 3))]
            closed = status is Status.CLOSED
            reasons = REASONS.get(status)
            rec_rows.append(
                {
                    "review_id": review.id,
                    "number": str(number),
                    "position": number,
                    "text": text,
                    "actions": actions,
                    "owner": owner,
                    "target_date": target,
                    "status": status,
                    "status_reason": rng.choice(reasons) if reasons else "",
                    "assured_by": "Independent Chair (fictional)" if closed else None,
                    "assured_on": target if closed else None,
                    "closed_on": target if closed else None,
                    "search_text": search_text_of(str(number), text, actions, owner, notes),
                    "source_key": source_key_of(review=review.reference),
                    "created_at": run.now,
                    "updated_at": run.now,
                }
            )
            rec_meta.append((review.place, status, notes, agencies, theme))
    rec_ids = _bulk(run.session, Recommendation, rec_rows)
    return [_Item(rec_id, *meta) for rec_id, meta in zip(rec_ids, rec_meta, strict=True)]


def _add_agencies_themes_and_logs(
    run: _Run, items: list[_Item], agencies: list[list[int]], theme_ids: list[int]
) -> int:
    """Each item's agencies (the first leads), its theme, its progress log, and evidence for
    a closed one; returns how many log entries were written."""
    agency_rows: list[dict[str, Any]] = []
    theme_rows: list[dict[str, Any]] = []
    update_rows: list[dict[str, Any]] = []
    evidence_rows: list[dict[str, Any]] = []
    for item in items:
        for position, kind in enumerate(item.agencies, start=1):
            role = AgencyRole.LEAD if position == 1 else AgencyRole.JOINT
            agency_rows.append(
                {
                    "recommendation_id": item.id,
                    "organisation_id": agencies[item.place][kind],
                    "role": role,
                    "position": position,
                }
            )
        theme_rows.append({"recommendation_id": item.id, "theme_id": theme_ids[item.theme]})
        for step, note in enumerate(item.notes):
            update_rows.append(
                {
                    "recommendation_id": item.id,
                    "on": run.today - dt.timedelta(days=30 * (3 - step)),
                    "author": run.rng.choice(OWNERS),
                    "status": None,
                    "note": note,
                    "recorded_at": run.now,
                }
            )
        if item.status is Status.CLOSED:
            evidence_rows.append(
                {
                    "recommendation_id": item.id,
                    "description": "Audit report (generated)",
                    "reference": f"Document library item {item.id}",
                    "added_by": "Generator",
                    "added_at": run.now,
                }
            )
    _bulk_plain(run.session, RecommendationAgency, agency_rows)
    _bulk_plain(run.session, recommendation_themes, theme_rows)
    _bulk_plain(run.session, ProgressUpdate, update_rows)
    _bulk_plain(run.session, Evidence, evidence_rows)
    return len(update_rows)


def _record_generation(run: _Run, reviews: int, recommendations: int) -> None:
    """One entry in the audit trail for the whole generation (rows written in bulk make none
    of their own), saying what was asked for."""
    described = {
        "reviews": reviews,
        "recommendations": recommendations,
        "seed": run.seed,
        "day": run.today.isoformat(),
    }
    append(
        run.session.connection(),
        [
            {
                "at": run.now,
                "actor": str(run.session.info.get(ACTOR_KEY) or default_actor()),
                "action": "create",
                "entity": "database",
                "entity_id": "*",
                "field": "generated",
                "old": None,
                "new": json.dumps(described),
            }
        ],
    )
