"""An export read a batch at a time and written as it is read (issue 26) writes what the whole
``Document`` wrote: the same records, the same JSON bytes, the same CSV bytes and the same
workbook; and what it writes imports into a new database without losing anything."""

from __future__ import annotations

import datetime as dt
import io
import json
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from db.core.vocabulary import Status
from db.exchange import apply_document, collect_document, dump_document
from db.exchange.document import Document, EvidenceDoc, RepeatDoc, UpdateDoc
from db.exchange.json_format import document_to_json, write_document
from db.exchange.spreadsheets import write_csv, write_xlsx
from db.exchange.spreadsheets.reading import MAX_CELL_CHARS
from db.exchange.spreadsheets.writing import stream_csv, stream_xlsx
from db.exchange.streaming import DocumentStream, stream_document
from db.services import transfer
from db.services.generate import generate
from db.services.sample import sample_document
from db.store.database import Database, open_database
from db.store.location import resolve_location
from tests.helpers import TODAY

EXPORTED_AT = dt.datetime(2026, 11, 22, 10, 30, tzinfo=dt.UTC)


def fixed_document() -> Document:
    """The sample, and in it what an export must carry besides: a withdrawn update, a stored
    evidence file, a confirmed and a dismissed repeat, text longer than a cell holds, text
    that reads as a formula, and text outside ASCII."""
    doc = sample_document(TODAY)
    first, second = doc.reviews[0], doc.reviews[1]
    item = first.recommendations[0]
    item.updates.append(
        UpdateDoc(
            TODAY,
            "Panel secretary",
            Status.IN_PROGRESS,
            "Entered against the wrong item",
            withdrawn_at=dt.datetime(2026, 11, 20, 9, 0, tzinfo=dt.UTC),
            withdrawn_by="Panel secretary",
            withdrawn_reason="wrong item",
        )
    )
    item.evidence.append(
        EvidenceDoc(
            "Audit report",
            "Auditor",
            file_name="audit.pdf",
            media_type="application/pdf",
            content=b"%PDF-1.4 \x00\xff",
            added_at=dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.UTC),
        )
    )
    item.actions = "=SUM(A1:A2) is not a formula; « Zoë's » plan ✓ " + "x" * MAX_CELL_CHARS
    later = second.recommendations[0]
    later.repeats = [
        RepeatDoc(
            item.number,
            review=first.reference,
            decided_by="Chair",
            decided_at=dt.datetime(2026, 11, 2, tzinfo=dt.UTC),
        ),
        RepeatDoc(
            first.recommendations[1].number,
            review=first.reference,
            decided_by="Chair",
            decided_at=dt.datetime(2026, 11, 3, tzinfo=dt.UTC),
            dismissed=True,
        ),
    ]
    return doc


@pytest.fixture
def fixed_database(database: Database) -> Database:
    with database.transaction("tester") as session:
        apply_document(session, fixed_document())
    return database


def whole(database: Database) -> Document:
    with database.session() as session:
        doc = collect_document(session, TODAY)
    doc.exported_at = EXPORTED_AT
    return doc


def streamed(database: Database, write: Any, **options: Any) -> bytes:
    """What ``write`` writes of the database's stream (read a batch at a time)."""
    out = io.BytesIO()
    with database.session() as session:
        stream = stream_document(session, TODAY, **options)
        stream.exported_at = EXPORTED_AT
        write(stream, out)
    return out.getvalue()


@pytest.mark.parametrize("batch_items", [1, 3, 2000])
def test_the_stream_reads_the_records_the_whole_document_holds(
    fixed_database: Database, batch_items: int
) -> None:
    doc = whole(fixed_database)
    assert any(u.withdrawn_at for r in doc.reviews for i in r.recommendations for u in i.updates)
    assert any(i.repeats for r in doc.reviews for i in r.recommendations)
    assert doc.inspections and doc.initiatives and doc.meetings
    with fixed_database.session() as session:
        stream = stream_document(session, TODAY, batch_items=batch_items, batch_records=2)
        assert stream.references == [r.reference for r in doc.reviews]
        assert stream.items == sum(len(r.recommendations) for r in doc.reviews)
        assert stream.has_meetings
        assert stream.organisations == doc.organisations
        assert stream.grading_schemes == doc.grading_schemes
        assert list(stream.reviews) == doc.reviews
        assert list(stream.inspections) == doc.inspections
        assert list(stream.initiatives) == doc.initiatives
        assert list(stream.meetings) == doc.meetings


def test_chosen_reviews_are_streamed_alone(fixed_database: Database) -> None:
    doc = whole(fixed_database)
    chosen = doc.reviews[1].reference
    with fixed_database.session() as session:
        stream = stream_document(session, TODAY, [chosen])
        assert stream.references == [chosen]
        assert stream.only_title == doc.reviews[1].title
        assert [r.reference for r in stream.reviews] == [chosen]
        assert not stream.has_meetings
        assert list(stream.inspections) == list(stream.meetings) == []


def test_json_is_byte_for_byte_what_the_whole_document_gave(fixed_database: Database) -> None:
    expected = dump_document(whole(fixed_database)).encode("utf-8")
    assert streamed(fixed_database, write_document, batch_items=1) == expected
    # The file reads back as the document it was written from.
    assert json.loads(expected)["reviews"][0]["recommendations"][0]["updates"][-1]["withdrawn_by"]


def test_json_of_an_empty_database_is_what_the_whole_document_gave(database: Database) -> None:
    assert streamed(database, write_document) == dump_document(whole(database)).encode("utf-8")


def test_csv_is_byte_for_byte_what_the_whole_document_gave(fixed_database: Database) -> None:
    expected = write_csv(whole(fixed_database), TODAY)
    assert streamed(fixed_database, lambda s, out: stream_csv(s, TODAY, out)) == expected


def test_the_action_plans_stream_gives_the_same_csv(fixed_database: Database) -> None:
    """The CSV export reads only what an action plan shows (``plan_only``): of each item's
    updates its latest not withdrawn (the fixed document's latest is withdrawn), and no
    evidence; the same bytes."""
    expected = write_csv(whole(fixed_database), TODAY)
    assert streamed(fixed_database, lambda s, out: stream_csv(s, TODAY, out), plan_only=True) == (
        expected
    )
    items = [i for r in whole(fixed_database).reviews for i in r.recommendations]
    assert any(i.updates and i.updates[-1].withdrawn_at for i in items)
    with fixed_database.session() as session:
        stream = stream_document(session, TODAY, plan_only=True)
        plan = [i for r in stream.reviews for i in r.recommendations]
    assert [i.updates for i in plan] == [
        [u for u in i.updates if u.withdrawn_at is None][-1:] for i in items
    ]
    assert not any(i.evidence or i.repeats for i in plan)


@pytest.fixture
def generated_database(database: Database) -> Database:
    with database.transaction("tester") as session:
        generate(session, reviews=6, recommendations=600, seed=26, today=TODAY)
    return database


def test_a_generated_data_set_exports_as_the_whole_document_gave(
    generated_database: Database, tmp_path: Path
) -> None:
    """Whole files of a generated data set, as ``transfer.export_file`` writes them (in
    batches smaller than the set), against what the whole document gives: JSON and CSV."""
    expected = whole(generated_database)
    assert sum(len(r.recommendations) for r in expected.reviews) == 600
    for fmt in ("json", "csv"):
        target = tmp_path / f"export.{fmt}"
        transfer.export_file(generated_database, target, fmt=fmt, today=TODAY, actor="tester")
        written = target.read_bytes()
        if fmt == "json":
            expected.exported_at = dt.datetime.fromisoformat(json.loads(written)["exported_at"])
            assert written == dump_document(expected).encode("utf-8")
        else:
            assert written == write_csv(expected, TODAY)


def workbook(data: bytes) -> list[Any]:
    """Every sheet's settings and every cell's value and look, as openpyxl reads them back."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    seen: list[Any] = []
    for ws in book.worksheets:
        checks = [(str(v.sqref), v.formula1, v.type) for v in ws.data_validations.dataValidation]
        widths = {k: v.width for k, v in ws.column_dimensions.items()}
        seen.append((ws.title, ws.freeze_panes, ws.auto_filter.ref, checks, widths))
        seen += [
            (c.coordinate, c.value, c.number_format, c.font.b, c.font.i, c.fill.fgColor.rgb)
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
        seen += [
            (c.coordinate, c.alignment.wrap_text, c.quotePrefix, c.data_type)
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
    return seen


def test_the_workbook_reads_back_as_the_whole_document_gave(fixed_database: Database) -> None:
    expected = workbook(write_xlsx(whole(fixed_database), TODAY))
    assert [s[0] for s in expected if len(s) == 5] == [
        "Action plan",
        "Updates",
        "Evidence",
        "Reviews",
        "Organisations",
        "Continued",
    ]
    written = streamed(fixed_database, lambda s, out: stream_xlsx(s, TODAY, out), batch_items=1)
    assert workbook(written) == expected


def test_the_file_is_what_the_standard_librarys_json_writes(fixed_database: Database) -> None:
    """The file is written by orjson; its bytes are still those of ``json.dumps(...,
    ensure_ascii=False, indent=2)``, the format's definition (docs/json-format.md), whatever
    the text holds: every control character, quotes and backslashes, the line and paragraph
    separators, a byte-order mark, right-to-left and combining letters, characters beyond the
    Basic Multilingual Plane, empty text and empty lists."""
    doc = fixed_document()
    doc.exported_at = EXPORTED_AT
    hostile = (
        "".join(map(chr, range(32))) + '"\\/\u007f\u2028\u2029\ufeff مريم e\u0301 😀\U0010ffff'
    )
    review = doc.reviews[0]
    review.summary = hostile
    review.names_to_redact = [hostile, ""]
    item = review.recommendations[0]
    item.text, item.owner, item.themes, item.joint_agencies = hostile, "", [], []
    item.updates[0].note = hostile
    expected = json.dumps(document_to_json(doc), ensure_ascii=False, indent=2) + "\n"
    assert dump_document(doc) == expected
    out = io.BytesIO()
    write_document(DocumentStream.of(doc), out)
    assert out.getvalue() == expected.encode("utf-8")
    assert json.loads(out.getvalue())["reviews"][0]["summary"] == hostile


def test_a_document_in_memory_streams_as_it_is_dumped() -> None:
    doc = fixed_document()
    doc.exported_at = EXPORTED_AT
    out = io.BytesIO()
    write_document(DocumentStream.of(doc), out)
    assert out.getvalue() == dump_document(doc).encode("utf-8")


@pytest.mark.postgres
@pytest.mark.parametrize("fmt", ["json", "xlsx"])
def test_an_export_imports_into_a_new_database_losing_nothing(
    fixed_database: Database, tmp_path: Path, request: pytest.FixtureRequest, fmt: str
) -> None:
    """Export (streamed) from either backend and import into a new database of the other:
    the same records. A workbook carries no evidence files or withdrawn updates
    (docs/spreadsheets.md), so it is compared on what it carries."""
    target = tmp_path / f"export.{fmt}"
    transfer.export_file(fixed_database, target, fmt=fmt, today=TODAY, actor="tester")
    expected = whole(fixed_database)
    other = (
        request.getfixturevalue("postgres_location")
        if fixed_database.location.path is not None
        else resolve_location(str(tmp_path / "new.sqlite3"))
    )
    with open_database(other, create=True) as new:
        transfer.apply_import(
            new, transfer.read_source(target), today=TODAY, actor="tester", keep_copy=False
        )
        got = whole(new)
    if fmt == "json":
        assert got == expected
        return
    assert [r.reference for r in got.reviews] == [r.reference for r in expected.reviews]

    def carried(doc: Document) -> list[Any]:
        return [
            (i.number, i.text, i.actions, i.status, i.lead_agencies, i.themes, i.target_date)
            for r in doc.reviews
            for i in r.recommendations
        ]

    assert carried(got) == carried(expected)
