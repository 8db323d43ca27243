"""The services behind inspections edited in the window, and their undo, on both databases."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import pytest

from db.core.errors import NotFoundError, RuleError
from db.core.vocabulary import FindingKind, Status, TrackedKind
from db.exchange import apply_document, collect_document, dump_document, parse_document
from db.queries import tracker
from db.queries.rows import TrackerFilter
from db.services import editing, inspecting
from db.services.inspecting import AreaFields, FindingFields, InspectionFields
from db.services.sample import CP_AREAS, FICTIONAL_INSPECTIONS
from db.store import lifecycle
from db.store.database import Database
from tests.helpers import TODAY

LATER = FICTIONAL_INSPECTIONS[1]
FIRE = ("Outstanding", "Good", "Requires improvement", "Inadequate")


def _everything(database: Database) -> dict[str, Any]:
    """The whole data set as an export writes it (ratings aside: they follow the clock)."""
    with database.session() as session:
        data: dict[str, Any] = json.loads(dump_document(collect_document(session, TODAY)))
    data.pop("exported_at", None)
    return data


def _new_fields(reference: str = "HMICFRS-FRS-1") -> InspectionFields:
    return InspectionFields(
        reference=reference,
        inspectorate="HMICFRS",
        organisation="Fenmarsh Fire and Rescue (fictional)",
        programme="Fire and rescue inspection",
        title="Effectiveness, efficiency and people",
        scheme="Fire and rescue",
        fieldwork_start=dt.date(2026, 3, 2),
        fieldwork_end=dt.date(2026, 3, 13),
        published_on=dt.date(2026, 6, 30),
        summary="Made up for a test.",
        areas=(
            AreaFields("Preventing fires", "Good", "Clear plans."),
            AreaFields("Protecting the public", "Requires improvement"),
        ),
        findings=(
            FindingFields(
                FindingKind.CAUSE_OF_CONCERN, "1", "Too few audits.", "Protecting the public"
            ),
            FindingFields(
                TrackedKind.AREA_FOR_IMPROVEMENT, "1", "Audit more.", "Protecting the public"
            ),
            FindingFields(TrackedKind.RECOMMENDATION, "1", "Train staff.", None),
        ),
    )


def _create(database: Database, fields: InspectionFields | None = None) -> InspectionFields:
    fields = fields or _new_fields()
    with database.transaction("t") as session:
        if "Fire and rescue" not in inspecting.scheme_grades(session):
            inspecting.create_scheme(session, "Fire and rescue", FIRE)
        inspecting.save_inspection(session, fields, editing=None)
    return fields


def test_an_inspection_made_in_the_window_reads_back_and_is_tracked(database: Database) -> None:
    fields = _create(database)
    with database.session() as session:
        back = inspecting.inspection_fields(session, fields.reference)
        rows = tracker.page(session, TrackerFilter(source=fields.reference), TODAY)
    assert dataclasses.replace(back, areas=(), findings=()) == dataclasses.replace(
        fields, areas=(), findings=()
    )
    assert [(a.name, a.grade, a.narrative) for a in back.areas] == [
        (a.name, a.grade, a.narrative) for a in fields.areas
    ]
    assert [(f.kind, f.number, f.text, f.area) for f in back.findings] == [
        (f.kind, f.number, f.text, f.area) for f in fields.findings
    ]
    # Its area for improvement and recommendation are on the Recommendations tab's list.
    assert {(r.kind, r.number) for r in rows} == {
        (TrackedKind.RECOMMENDATION, "1"),
        (TrackedKind.AREA_FOR_IMPROVEMENT, "1"),
    }


def test_problems_are_reported_by_field(sample_database: Database) -> None:
    bad = InspectionFields(
        reference=LATER,
        inspectorate=" ",
        organisation="Police",
        programme="P",
        title="",
        scheme="HMICFRS PEEL",
        fieldwork_start=dt.date(2026, 3, 2),
        fieldwork_end=dt.date(2026, 3, 1),
        areas=(AreaFields("Leadership", "Superb"), AreaFields("leadership")),
        findings=(FindingFields(FindingKind.PROMISING_PRACTICE, "1", "Good work.", "Nowhere"),),
    )
    with sample_database.session() as session:
        problems = inspecting.check_inspection(session, bad)
    assert set(problems.by_field) == {
        "reference",
        "inspectorate",
        "title",
        "fieldwork_end",
        "areas",
        "findings",
    }
    assert "already has the reference" in problems.by_field["reference"]
    assert (
        problems.by_field["areas"]
        == "Superb is not a grade of HMICFRS PEEL; choose one of its own."
    )
    assert "not one of this inspection's areas" in problems.by_field["findings"]
    with sample_database.session() as session:
        twice = dataclasses.replace(bad, areas=(AreaFields("Leadership"), AreaFields("leadership")))
        assert inspecting.check_inspection(session, twice).by_field["areas"] == (
            "The area leadership is listed twice."
        )
    with sample_database.transaction("t") as session, pytest.raises(RuleError):
        inspecting.save_inspection(session, bad, editing=None)


@pytest.mark.parametrize(
    ("reference", "said"),
    [
        ("HMICFRS-2026\U0001f600", "holds the character U+1F600"),
        ("HMICFRS-2026\u200b", "holds the character U+200B"),
        (" HMICFRS-2026", "begins or ends with a space"),
    ],
)
def test_an_inspection_reference_keeps_the_rule_a_review_reference_keeps(
    database: Database, reference: str, said: str
) -> None:
    """The window refused such a review reference but took it for an inspection, whose
    reference the command line and the packs then could not match as typed."""
    with database.session() as session:
        problems = inspecting.check_inspection(session, _new_fields(reference))
    assert said in problems.by_field["reference"]
    assert problems.by_field["reference"].startswith("The inspection's reference ")
    with database.transaction("t") as session, pytest.raises(RuleError):
        inspecting.save_inspection(session, _new_fields(reference), editing=None)


def test_an_edit_keeps_logs_and_links_and_undoes_exactly(sample_database: Database) -> None:
    before = _everything(sample_database)
    with sample_database.session() as session:
        old = inspecting.inspection_fields(session, LATER)
    areas = list(old.areas)
    areas[2] = dataclasses.replace(areas[2], name="Responding to children", grade="Good")
    findings = [
        # The recommendation renumbered; promising practice removed; a cause of concern added.
        dataclasses.replace(f, number="R1") if f.kind is TrackedKind.RECOMMENDATION else f
        for f in old.findings
        if f.kind is not FindingKind.PROMISING_PRACTICE
    ]
    findings = [
        dataclasses.replace(f, area="Responding to children") if f.area == CP_AREAS[2] else f
        for f in findings
    ]
    findings.append(FindingFields(FindingKind.CAUSE_OF_CONCERN, "2", "A new concern.", None))
    new = dataclasses.replace(
        old, reference="CP-2", title="Renamed", areas=tuple(areas), findings=tuple(findings)
    )
    with sample_database.transaction("t") as session:
        snapshot = inspecting.inspection_snapshot(session, LATER)
        inspecting.save_inspection(session, new, editing=LATER)
    with sample_database.session() as session:
        rec = editing.item_by_key(session, editing.ItemKey("CP-2", "R1"))
        assert rec.status is Status.IN_PROGRESS
        assert [u.note for u in rec.updates] == ["Action plan sent to the inspectorate."]
        assert rec.area is not None and rec.area.name == "Responding to children"
        assert rec.concern is not None and rec.concern.number == "1"
        back = inspecting.inspection_fields(session, "CP-2")
    assert [a.name for a in back.areas][2] == "Responding to children"
    assert [a.grade for a in back.areas][2] == "Good"
    assert (FindingKind.PROMISING_PRACTICE, "1") not in {(f.kind, f.number) for f in back.findings}
    with sample_database.transaction("t") as session:
        inspecting.save_inspection(session, inspecting.reverse_edit(old, new), editing="CP-2")
        inspecting.restore_inspection(session, snapshot)
    assert _everything(sample_database) == before


def test_a_new_scheme_regrades_an_edited_inspection(sample_database: Database) -> None:
    with sample_database.transaction("t") as session:
        inspecting.create_scheme(session, "Fire and rescue", FIRE)
        old = inspecting.inspection_fields(session, LATER)
        areas = tuple(dataclasses.replace(a, grade="Inadequate") for a in old.areas)
        new = dataclasses.replace(old, scheme="Fire and rescue", areas=areas)
        inspecting.save_inspection(session, new, editing=LATER)
    with sample_database.session() as session:
        back = inspecting.inspection_fields(session, LATER)
    assert back.scheme == "Fire and rescue"
    assert {a.grade for a in back.areas} == {"Inadequate"}


def test_swapped_area_names_do_not_collide(sample_database: Database) -> None:
    with sample_database.session() as session:
        old = inspecting.inspection_fields(session, LATER)
    first, second, *rest = old.areas
    swapped = (
        dataclasses.replace(first, name=second.name),
        dataclasses.replace(second, name=first.name),
        *rest,
    )
    with sample_database.transaction("t") as session:
        inspecting.save_inspection(session, dataclasses.replace(old, areas=swapped), editing=LATER)
    with sample_database.session() as session:
        back = inspecting.inspection_fields(session, LATER)
    assert [(a.name, a.grade) for a in back.areas[:2]] == [
        (second.name, first.grade),
        (first.name, second.grade),
    ]


def test_deleting_and_restoring_an_inspection_loses_nothing(sample_database: Database) -> None:
    with sample_database.transaction("t") as session:
        rec = editing.item_by_key(
            session, editing.ItemKey(LATER, "1", TrackedKind.AREA_FOR_IMPROVEMENT)
        )
        lifecycle.add_evidence(
            session, rec.id, description="Audit", reference="Doc 7", added_by="t"
        )
    before = _everything(sample_database)
    with sample_database.transaction("t") as session:
        snapshot = inspecting.delete_inspection(session, LATER)
    with sample_database.session() as session, pytest.raises(NotFoundError):
        inspecting.inspection_by_reference(session, LATER)
    assert _everything(sample_database) != before
    with sample_database.transaction("t") as session:
        inspecting.restore_inspection(session, snapshot)
    assert _everything(sample_database) == before


def test_grading_scheme_rules(database: Database) -> None:
    with database.transaction("t") as session:
        inspecting.create_scheme(session, "Ofsted", ("Outstanding", "Good", "Inadequate"))
    with database.session() as session:
        assert inspecting.scheme_grades(session)["Ofsted"] == ["Outstanding", "Good", "Inadequate"]
        problems = inspecting.check_scheme(session, "ofsted", ("Good",))
        assert problems.by_field == {
            "name": "There is already a grading scheme called ofsted.",
            "grades": "A grading scheme needs at least two grades, best first.",
        }
        assert inspecting.check_scheme(session, "New", ("Good", "good")).by_field == {
            "grades": "The grade good is listed twice."
        }
        assert "name" in inspecting.check_scheme(session, " ", ("A", "B")).by_field
    with database.transaction("t") as session, pytest.raises(RuleError):
        inspecting.create_scheme(session, "Other", ("Good", " Bad"))
    with database.transaction("t") as session:
        inspecting.delete_scheme(session, "Ofsted")
    with database.session() as session:
        assert inspecting.scheme_grades(session) == {}


def test_a_scheme_in_use_is_not_removed(database: Database) -> None:
    _create(database)
    with database.transaction("t") as session, pytest.raises(RuleError, match="graded on"):
        inspecting.delete_scheme(session, "Fire and rescue")


def test_an_inspection_made_here_round_trips_through_json(database: Database) -> None:
    fields = _create(database)
    before = _everything(database)
    with database.session() as session:
        text = dump_document(collect_document(session, TODAY))
    with database.transaction("t") as session:
        summary = apply_document(session, parse_document(json.loads(text)))
    assert summary.added == {} and summary.updated == {}
    with database.transaction("t") as session:
        inspecting.delete_inspection(session, fields.reference)
        inspecting.delete_scheme(session, "Fire and rescue")
    with database.transaction("t") as session:
        apply_document(session, parse_document(json.loads(text)))
    assert _everything(database) == before
