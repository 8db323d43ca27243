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
    """Add ``reviews`` fictional reviews sharing ``recommendations`` tracked items."""
    if reviews < 1:
        raise ValueError("at least one review is needed")
    if recommendations < 0:
        raise ValueError("the number of recommendations cannot be negative")
    rng = random.Random(seed)
    now = utc_now()
    statuses = [s for s, _ in STATUS_WEIGHTS]
    weights = [w for _, w in STATUS_WEIGHTS]

    org_rows: list[dict[str, Any]] = []
    for town in PLACES:
        org_rows.append(
            {
                "name": f"{town} Safeguarding Partnership (fictional)",
                "kind": OrganisationKind.PARTNERSHIP,
                "notes": "Generated data.",
                "created_at": now,
                "updated_at": now,
            }
        )
        for suffix, kind in AGENCY_KINDS:
            org_rows.append(
                {
                    "name": f"{town} {suffix} (fictional)",
                    "kind": kind,
                    "notes": "Generated data.",
                    "created_at": now,
                    "updated_at": now,
                }
            )
    org_ids = _bulk(session, Organisation, org_rows)
    per_place = len(AGENCY_KINDS) + 1
    partnerships = [org_ids[i * per_place] for i in range(len(PLACES))]
    agencies = [org_ids[i * per_place + 1 : (i + 1) * per_place] for i in range(len(PLACES))]
    theme_ids = _bulk(session, Theme, [{"name": name} for name in THEMES])

    review_rows: list[dict[str, Any]] = []
    review_place: list[int] = []
    for n in range(1, reviews + 1):
        place = rng.randrange(len(PLACES))
        review_place.append(place)
        published = today - dt.timedelta(days=rng.randint(30, 2000))
        review_rows.append(
            {
                "reference": f"GEN-{seed}-{n:05d}",
                "kind": rng.choice(list(ReviewKind)),
                "title": f"Child {n}: generated review for {PLACES[place]} (fictional)",
                "subject": f"Child {n}",
                "commissioned_by_id": partnerships[place],
                "published": PartialDate.from_date(published),
                "incident_on": published - dt.timedelta(days=rng.randint(200, 500)),
                "summary": "Generated, fictional data for trying casereview at scale.",
                "created_at": now,
                "updated_at": now,
            }
        )
    review_ids = _bulk(session, Review, review_rows)
    _bulk_plain(
        session,
        review_themes,
        [
            {"review_id": rid, "theme_id": tid}
            for rid in review_ids
            for tid in rng.sample(theme_ids, 2)
        ],
    )

    rec_rows: list[dict[str, Any]] = []
    rec_meta: list[tuple[int, Status, list[str]]] = []
    base, extra = divmod(recommendations, reviews)
    for index, review_id in enumerate(review_ids):
        place = review_place[index]
        for number in range(1, base + (1 if index < extra else 0) + 1):
            status = rng.choices(statuses, weights)[0]
            target = today + dt.timedelta(days=rng.randint(-400, 400))
            text = (
                f"The partnership should {rng.choice(SUBJECTS)} {rng.choice(TOPICS)} "
                f"in {PLACES[place]}."
            )
            actions = f"Lead officer to {rng.choice(SUBJECTS)} {rng.choice(TOPICS)}."
            owner = rng.choice(OWNERS)
            notes = [rng.choice(NOTES) for _ in range(rng.randint(0, 3))]
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
                    "source_key": source_key_of(review=review_rows[index]["reference"]),
                    "created_at": now,
                    "updated_at": now,
                }
            )
            rec_meta.append((place, status, notes))
    rec_ids = _bulk(session, Recommendation, rec_rows)

    agency_rows: list[dict[str, Any]] = []
    theme_rows: list[dict[str, Any]] = []
    update_rows: list[dict[str, Any]] = []
    evidence_rows: list[dict[str, Any]] = []
    for rec_id, (place, status, notes) in zip(rec_ids, rec_meta, strict=True):
        chosen = rng.sample(agencies[place], rng.choice((1, 1, 2, 3)))
        for position, org_id in enumerate(chosen, start=1):
            role = AgencyRole.LEAD if position == 1 else AgencyRole.JOINT
            agency_rows.append(
                {
                    "recommendation_id": rec_id,
                    "organisation_id": org_id,
                    "role": role,
                    "position": position,
                }
            )
        theme_rows.append({"recommendation_id": rec_id, "theme_id": rng.choice(theme_ids)})
        for step, note in enumerate(notes):
            update_rows.append(
                {
                    "recommendation_id": rec_id,
                    "on": today - dt.timedelta(days=30 * (3 - step)),
                    "author": rng.choice(OWNERS),
                    "status": None,
                    "note": note,
                    "recorded_at": now,
                }
            )
        if status is Status.CLOSED:
            evidence_rows.append(
                {
                    "recommendation_id": rec_id,
                    "description": "Audit report (generated)",
                    "reference": f"Document library item {rec_id}",
                    "added_by": "Generator",
                    "added_at": now,
                }
            )
    _bulk_plain(session, RecommendationAgency, agency_rows)
    _bulk_plain(session, recommendation_themes, theme_rows)
    _bulk_plain(session, ProgressUpdate, update_rows)
    _bulk_plain(session, Evidence, evidence_rows)
    described = {
        "reviews": reviews,
        "recommendations": recommendations,
        "seed": seed,
        "day": today.isoformat(),
    }
    append(
        session.connection(),
        [
            {
                "at": now,
                "actor": str(session.info.get(ACTOR_KEY) or default_actor()),
                "action": "create",
                "entity": "database",
                "entity_id": "*",
                "field": "generated",
                "old": None,
                "new": json.dumps(described),
            }
        ],
    )
    return Generated(reviews=reviews, recommendations=len(rec_ids), updates=len(update_rows))
