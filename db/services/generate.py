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

from db.core.dates import PartialDate, utc_now
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
THEMES = (
    "Information sharing",
    "Neglect",
    "Voice of the child",
    "Domestic abuse",
    "Multi-agency working",
    "Exploitation",
    "Mental health",
    "Substance misuse",
    "Supervision",
    "Escalation",
)
SUBJECTS = ("review a", "audit the", "train staff on", "agree a protocol for", "strengthen")
TOPICS = (
    "information sharing at the front door",
    "recording the child's own words",
    "strategy discussions",
    "escalation between agencies",
    "assessment of fathers",
    "referrals after domestic abuse incidents",
    "supervision of complex cases",
    "safety planning for older children",
    "the transition to adult services",
    "missing episodes and return interviews",
)
OWNERS = (
    "Head of Safeguarding",
    "Designated Nurse",
    "Detective Chief Inspector",
    "Partnership Business Manager",
    "Principal Social Worker",
    "Head of Public Protection",
)
NOTES = (
    "Working group met; actions agreed.",
    "Draft guidance circulated for comment.",
    "Training sessions booked across the partnership.",
    "Audit of twenty cases completed.",
    "Delayed by staff shortages; new date proposed.",
    "Evidence gathered for assurance.",
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
    theme_ids = _bulk(session, Theme, [{"name": name} for name in THEMES])
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
class _Item:
    """A generated recommendation, as its agencies, themes, log and evidence need it."""

    id: int
    place: int
    status: Status
    notes: list[str]


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
) -> list[tuple[int, str, int]]:
    """The reviews, each in a place and with two themes: (id, reference, place) of each."""
    review_rows: list[dict[str, Any]] = []
    review_place: list[int] = []
    for n in range(1, reviews + 1):
        place = run.rng.randrange(len(PLACES))
        review_place.append(place)
        published = run.today - dt.timedelta(days=run.rng.randint(30, 2000))
        review_rows.append(
            {
                "reference": f"GEN-{run.seed}-{n:05d}",
                "kind": run.rng.choice(list(ReviewKind)),
                "title": f"Child {n}: generated review for {PLACES[place]} (fictional)",
                "subject": f"Child {n}",
                "commissioned_by_id": partnerships[place],
                "published": PartialDate.from_date(published),
                "incident_on": published - dt.timedelta(days=run.rng.randint(200, 500)),
                "summary": "Generated, fictional data for trying casereview at scale.",
                "created_at": run.now,
                "updated_at": run.now,
            }
        )
    review_ids = _bulk(run.session, Review, review_rows)
    _bulk_plain(
        run.session,
        review_themes,
        [
            {"review_id": rid, "theme_id": tid}
            for rid in review_ids
            for tid in run.rng.sample(theme_ids, 2)
        ],
    )
    return [
        (review_id, row["reference"], place)
        for review_id, row, place in zip(review_ids, review_rows, review_place, strict=True)
    ]


def _add_recommendations(
    run: _Run, recommendations: int, reviews: list[tuple[int, str, int]]
) -> list[_Item]:
    """``recommendations`` items shared out among ``reviews`` (the first ones one more each
    when they do not divide evenly), with their notes drawn but not yet written."""
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]
    rec_rows: list[dict[str, Any]] = []
    rec_meta: list[tuple[int, Status, list[str]]] = []
    base, extra = divmod(recommendations, len(reviews))
    for index, (review_id, reference, place) in enumerate(reviews):
        for number in range(1, base + (1 if index < extra else 0) + 1):
            status = run.rng.choices(statuses, weights)[0]
            target = run.today + dt.timedelta(days=run.rng.randint(-400, 400))
            text = (
                f"The partnership should {run.rng.choice(SUBJECTS)} {run.rng.choice(TOPICS)} "
                f"in {PLACES[place]}."
            )
            actions = f"Lead officer to {run.rng.choice(SUBJECTS)} {run.rng.choice(TOPICS)}."
            owner = run.rng.choice(OWNERS)
            notes = [run.rng.choice(NOTES) for _ in range(run.rng.randint(0, 3))]
            closed = status is Status.CLOSED
            rec_rows.append(
                {
                    "review_id": review_id,
                    "number": str(number),
                    "position": number,
                    "text": text,
                    "actions": actions,
                    "owner": owner,
                    "target_date": target,
                    "status": status,
                    "status_reason": (
                        "Generated reason."
                        if status in (Status.SUPERSEDED, Status.NOT_ACCEPTED)
                        else ""
                    ),
                    "assured_by": "Independent Chair (fictional)" if closed else None,
                    "assured_on": target if closed else None,
                    "closed_on": target if closed else None,
                    "search_text": search_text_of(str(number), text, actions, owner, notes),
                    "source_key": source_key_of(review=reference),
                    "created_at": run.now,
                    "updated_at": run.now,
                }
            )
            rec_meta.append((place, status, notes))
    rec_ids = _bulk(run.session, Recommendation, rec_rows)
    return [
        _Item(rec_id, place, status, notes)
        for rec_id, (place, status, notes) in zip(rec_ids, rec_meta, strict=True)
    ]


def _add_agencies_themes_and_logs(
    run: _Run, items: list[_Item], agencies: list[list[int]], theme_ids: list[int]
) -> int:
    """Each item's agencies (the first leads), a theme, its progress log, and evidence for a
    closed one; returns how many log entries were written."""
    agency_rows: list[dict[str, Any]] = []
    theme_rows: list[dict[str, Any]] = []
    update_rows: list[dict[str, Any]] = []
    evidence_rows: list[dict[str, Any]] = []
    for item in items:
        chosen = run.rng.sample(agencies[item.place], run.rng.choice((1, 1, 2, 3)))
        for position, org_id in enumerate(chosen, start=1):
            role = AgencyRole.LEAD if position == 1 else AgencyRole.JOINT
            agency_rows.append(
                {
                    "recommendation_id": item.id,
                    "organisation_id": org_id,
                    "role": role,
                    "position": position,
                }
            )
        theme_rows.append({"recommendation_id": item.id, "theme_id": run.rng.choice(theme_ids)})
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
