"""The casereview/1 JSON format: lossless round trip, idempotent import, plain-English errors."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import undefer

from db.core.errors import DocumentError
from db.core.vocabulary import Status
from db.exchange import apply_document, collect_document, dump_document, parse_document
from db.exchange.json_format import document_to_json
from db.services.dataset import counts, load_sample
from db.services.sample import sample_document
from db.store.database import Database, open_database
from db.store.location import Location, resolve_location
from db.store.models import AuditEntry, Evidence, Organisation, Recommendation, Review
from tests.helpers import TODAY


def _export(database: Database) -> dict[str, Any]:
    with database.session() as session:
        data = json.loads(dump_document(collect_document(session, TODAY)))
    data.pop("exported_at")
    return data


def _import(database: Database, data: dict[str, Any]) -> None:
    with database.transaction("importer") as session:
        apply_document(session, parse_document(data))


def test_export_then_import_into_an_empty_database_is_lossless(
    sample_database: Database, tmp_path: Path
) -> None:
    """From either backend into a new SQLite file, and back out: the same JSON."""
    exported = _export(sample_database)
    with open_database(resolve_location(str(tmp_path / "copy.sqlite3")), create=True) as target:
        _import(target, copy.deepcopy(exported))
        assert _export(target) == exported


@pytest.mark.postgres
def test_round_trip_through_postgresql(postgres_location: Location, tmp_path: Path) -> None:
    from db.services.dataset import load_sample

    source = open_database(resolve_location(str(tmp_path / "src.sqlite3")), create=True)
    with source:
        with source.transaction("t") as session:
            load_sample(session, TODAY)
        exported = _export(source)
    with open_database(postgres_location, create=True) as target:
        _import(target, copy.deepcopy(exported))
        assert _export(target) == exported


def test_the_export_holds_the_seed_facts(sample_database: Database) -> None:
    data = _export(sample_database)
    assert data["format"] == "casereview/1"
    khyra = next(r for r in data["reviews"] if r["reference"] == "BSCB-SCR-2010")
    assert len(khyra["recommendations"]) == 18
    assert khyra["published"] == "2010"
    closed = [r for r in khyra["recommendations"] if r["status"] == "closed"]
    assert len(closed) == 1 and closed[0]["rating"] == "blue"
    assert closed[0]["lead_agencies"] == ["West Midlands Police"]
    wmp = next(i for i in data["inspections"] if i["organisation"] == "West Midlands Police")
    assert wmp["published"] == "2025-11-21"
    assert {a["grade"] for a in wmp["areas"]} == {"Good", "Adequate", "Requires improvement"}
    assert {i["name"] for i in data["initiatives"]} >= {
        "Operation Encompass",
        "Operation Makesafe",
    }


def test_reimporting_updates_by_reference_and_never_duplicates(sample_database: Database) -> None:
    exported = _export(sample_database)
    with sample_database.session() as session:
        before = counts(session)
    review = next(r for r in exported["reviews"] if r["reference"] == "FSCP-CSPR-CHILD-A")
    rec = review["recommendations"][3]
    rec["owner"] = "New owner"
    rec["updates"].append(
        {"date": "2026-11-20", "author": "Manager", "status": None, "note": "Venue booked."}
    )
    _import(sample_database, exported)
    _import(sample_database, exported)  # twice: still no duplicates
    with sample_database.session() as session:
        assert counts(session) == before
        changed = session.scalars(
            select(Recommendation)
            .join(Review)
            .where(Review.reference == "FSCP-CSPR-CHILD-A", Recommendation.number == rec["number"])
        ).one()
        assert changed.owner == "New owner"
        assert [u.note for u in changed.updates].count("Venue booked.") == 1


def test_an_item_the_file_leaves_out_is_kept_in_its_place_and_named(
    sample_database: Database,
) -> None:
    """A review's item taken out of the file is kept (an import deletes nothing) where it
    was: the other items do not move and nothing unchanged is written (it moved every item
    after it up one, and itself to the end: 197 position updates in a trial's 200-item
    review). The summary names it. Reordering the file still reorders the items, the item
    left out staying after the one it followed."""
    exported = _export(sample_database)
    review = next(r for r in exported["reviews"] if r["reference"] == "FSCP-CSPR-CHILD-A")
    numbers = [r["number"] for r in review["recommendations"]]
    assert len(numbers) >= 4
    left_out = review["recommendations"].pop(1)["number"]
    review["recommendations"][-1]["owner"] = "Owner changed in the file"

    def positions() -> list[str]:
        with sample_database.session() as session:
            return list(
                session.scalars(
                    select(Recommendation.number)
                    .join(Review)
                    .where(Review.reference == "FSCP-CSPR-CHILD-A")
                    .order_by(Recommendation.position)
                )
            )

    def entries() -> int:
        with sample_database.session() as session:
            return session.scalar(select(func.count()).select_from(AuditEntry)) or 0

    before = entries()
    with sample_database.transaction("importer") as session:
        summary = apply_document(session, parse_document(exported))
    assert positions() == numbers
    assert entries() == before + 1  # the owner, and nothing else
    assert summary.describe() == (
        "added nothing; updated 1 recommendation; kept as it was, as the file leaves it out: "
        f"recommendation {left_out} of review FSCP-CSPR-CHILD-A"
    )

    review["recommendations"].reverse()
    _import(sample_database, exported)
    kept = [n for n in reversed(numbers) if n != left_out]
    follows = numbers[numbers.index(left_out) - 1]  # in the held order
    kept.insert(kept.index(follows) + 1, left_out)
    assert positions() == kept


def test_the_same_evidence_added_at_another_time_is_not_added_again(
    sample_database: Database, tmp_path: Path
) -> None:
    """Found by a new user: two databases loaded with the sample stamp its seed evidence when
    each is loaded, so importing one's export into the other added that evidence twice. The
    same evidence (what it is, who added it, its content) at another time is the same item;
    two alike in one file stay two."""
    other = open_database(resolve_location(str(tmp_path / "other.sqlite3")), create=True)
    with other:
        with other.transaction("tester") as session:
            load_sample(session, TODAY)
        exported = _export(other)
    stamps = [
        e["added_at"] for r in exported["reviews"] for i in r["recommendations"]
        for e in i.get("evidence", [])
    ]  # fmt: skip
    assert stamps and all(stamps)
    for review in exported["reviews"]:  # as a database loaded at another moment has them
        for item in review["recommendations"]:
            for evidence in item.get("evidence", []):
                evidence["added_at"] = "2020-01-01T09:00:00+00:00"

    def evidence() -> int:
        with sample_database.session() as session:
            return session.scalar(select(func.count()).select_from(Evidence)) or 0

    before = evidence()
    _import(sample_database, exported)
    assert evidence() == before

    doubled = copy.deepcopy(exported)
    first = next(i for r in doubled["reviews"] for i in r["recommendations"] if i.get("evidence"))
    first["evidence"].append({**first["evidence"][0], "added_at": "2020-01-02T09:00:00+00:00"})
    _import(sample_database, doubled)
    assert evidence() == before + 1


def test_a_failed_import_changes_nothing(sample_database: Database) -> None:
    exported = _export(sample_database)
    exported["reviews"][0]["title"] = "Changed title"
    exported["inspections"][0]["scheme"] = "A scheme nobody defined"
    exported["grading_schemes"] = [
        s for s in exported["grading_schemes"] if s["name"] != "A scheme nobody defined"
    ]
    with sample_database.session() as session:
        audit_before = len(session.scalars(select(AuditEntry)).all())
    with pytest.raises(DocumentError, match="there is no grading scheme 'A scheme nobody defined'"):
        _import(sample_database, exported)
    with sample_database.session() as session:
        assert "Changed title" not in [r.title for r in session.scalars(select(Review))]
        assert len(session.scalars(select(AuditEntry)).all()) == audit_before


def _minimal() -> dict[str, Any]:
    return {
        "format": "casereview/1",
        "exported_at": "2026-11-22T10:00:00+00:00",
        "organisations": [],
        "reviews": [
            {
                "reference": "R-1",
                "kind": "cspr_local",
                "title": "A review",
                "recommendations": [{"number": "1", "text": "Do it", "status": "not_started"}],
            }
        ],
        "inspections": [],
        "initiatives": [],
    }


def _with(path: str, value: Any) -> dict[str, Any]:
    data = _minimal()
    target: Any = data
    parts = path.split(".")
    for part in parts[:-1]:
        target = target[int(part)] if part.isdigit() else target[part]
    last = parts[-1]
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return data


_DELETE = object()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "the file: expected an object"),
        ({"format": "something/2"}, "its format is 'something/2', expected 'casereview/1'"),
        (_with("reviews.0.kind", "inquiry"), "review 'R-1', kind: 'inquiry' is not one of"),
        (
            _with("reviews.0.recommendations.0.target_date", "2024-02-30"),
            "review 'R-1', recommendation '1', target_date: '2024-02-30' is not a real date",
        ),
        (
            _with("reviews.0.recommendations.0.target_date", "31/01/2024"),
            "target_date: '31/01/2024' is not a date in the form YYYY-MM-DD",
        ),
        (
            _with("reviews.0.recommendations.0.status", "done"),
            "status: 'done' is not one of: not_started",
        ),
        (
            _with("reviews.0.recommendations.0.status", "closed"),
            "a closed item needs at least one evidence item",
        ),
        (
            _with("reviews.0.recommendations.0.status", "not_accepted"),
            "an item that is not accepted needs the reason",
        ),
        (_with("reviews.0.title", 42), "title: expected text, found the number 42"),
        (_with("reviews.0.reference", _DELETE), "review 1, reference: is missing"),
        (_with("reviews.0.recommendations.0.text", _DELETE), "text: is missing (use null"),
        (_with("reviews.0.colour", "red"), "review 'R-1': unknown field 'colour'"),
        (_with("reviews.0.recommendations", {}), "recommendations: expected a list"),
        (
            _with("reviews.0.recommendations.0.evidence", [{"description": "x", "added_by": "y"}]),
            "evidence needs a reference or a file's content",
        ),
        (
            _with("reviews.0.recommendations.0.lead_agencies", ["Police", "Police"]),
            "'Police' is listed twice",
        ),
    ],
)
def test_bad_documents_are_refused_with_a_plain_message(data: Any, message: str) -> None:
    with pytest.raises(DocumentError) as caught:
        parse_document(data)
    assert message in caught.value.message


def test_duplicate_review_references_are_refused() -> None:
    data = _minimal()
    data["reviews"].append(copy.deepcopy(data["reviews"][0]))
    with pytest.raises(DocumentError, match="review 'R-1' appears twice"):
        parse_document(data)


def test_parse_then_write_gives_the_same_json(sample_database: Database) -> None:
    exported = _export(sample_database)
    exported["exported_at"] = "2026-11-22T10:00:00+00:00"
    again = document_to_json(parse_document(copy.deepcopy(exported)))
    assert again == exported


def test_a_minimal_hand_written_file_imports(database: Database) -> None:
    _import(database, _minimal())
    with database.session() as session:
        rec = session.scalars(select(Recommendation)).one()
        assert (rec.number, rec.text, rec.status) == ("1", "Do it", Status.NOT_STARTED)


def test_items_added_in_bulk_are_audited_and_searchable_as_one_by_one(
    sample_database: Database,
) -> None:
    """Import writes new items in bulk (db/exchange/bulk.py); what it records must be what the
    ORM records for an object: one "create" entry per row with the same snapshot."""
    from db.store import audit, search
    from db.store.models import Evidence, ProgressUpdate, RecommendationAgency

    with sample_database.session() as session:
        snapshots = {
            (e.entity, e.entity_id): e.new
            for e in session.scalars(select(AuditEntry).where(AuditEntry.action == "create"))
        }
        checked = 0
        for model in (Recommendation, RecommendationAgency, ProgressUpdate, Evidence):
            query = select(model)
            if model is Evidence:  # a new object holds its file; a loaded one defers it
                query = query.options(undefer(Evidence.content))
            for obj in session.scalars(query):
                key = (model.__tablename__, audit._identity(obj))
                assert snapshots[key] == audit._snapshot(obj), key
                checked += 1
        assert checked >= 50  # every item, agency, update and evidence row of the sample
        for rec in session.scalars(select(Recommendation)):
            assert rec.search_text == search.search_text_for(rec)
            assert rec.source_key == search.source_key_for(rec)


def test_a_finding_whose_kind_is_not_text_is_refused_in_one_sentence() -> None:
    """Found by Hypothesis: a list as a finding's kind raised TypeError (unhashable)."""
    data = document_to_json(sample_document(dt.date(2026, 11, 22)))
    data["inspections"][0]["findings"][0]["kind"] = []
    with pytest.raises(DocumentError) as caught:
        parse_document(data)
    assert caught.value.message.endswith("kind: expected text, found a list")


def _organisations_held(database: Database) -> dict[str, str | None]:
    with database.session() as session:
        return {
            o.name: o.parent.name if o.parent is not None else None
            for o in session.scalars(select(Organisation))
        }


def test_organisations_parents_are_checked_as_the_file_leaves_them(database: Database) -> None:
    """A file may turn a held pair round (B under A, A from under B): that is no loop. One that
    leaves a loop, or names a parent neither listed nor held, is refused, changing nothing."""
    a, b = "Northby Council (fictional)", "Northby Early Help (fictional)"
    first = _minimal()
    first["organisations"] = [{"name": b}, {"name": a, "parent": b}]
    _import(database, first)
    assert _organisations_held(database) == {a: b, b: None}

    with database.session() as session:
        audited = len(session.scalars(select(AuditEntry)).all())
    turned = _minimal()
    turned["organisations"] = [{"name": b, "parent": a}, {"name": a}]
    _import(database, turned)
    assert _organisations_held(database) == {a: None, b: a}
    with database.session() as session:  # each change audited once, with no state between
        entries = session.scalars(select(AuditEntry).offset(audited)).all()
        assert sorted((e.field, e.old is None, e.new is None) for e in entries) == [
            ("parent_id", False, True),
            ("parent_id", True, False),
        ]

    for listed, said in [
        (
            [{"name": a, "parent": b}],  # b is held under a: a loop once a is under b
            f"organisation '{a}', parent: '{b}' is itself part of '{a}', so it cannot also "
            "contain it",
        ),
        (
            [{"name": a, "parent": "Nowhere (fictional)"}],
            f"organisation '{a}', parent: 'Nowhere (fictional)' is neither listed in the file "
            "nor held in the database",
        ),
        (
            [
                {"name": "C (fictional)", "parent": "D (fictional)"},
                {"name": "D (fictional)", "parent": "C (fictional)"},
            ],
            "organisation 'C (fictional)', parent: 'D (fictional)' is itself part of "
            "'C (fictional)', so it cannot also contain it",
        ),
    ]:
        refused = _minimal()
        refused["organisations"] = listed
        with pytest.raises(DocumentError) as caught:
            _import(database, refused)
        assert caught.value.message == said
        assert _organisations_held(database) == {a: None, b: a}
