"""Confirmed repeats of earlier learning (issue 25) in the JSON format, on SQLite and
PostgreSQL: exported with the item that repeats, imported back once, and a repeat naming an
item in neither the file nor the database refused by name."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from db.core.errors import DocumentError
from db.core.vocabulary import ReviewKind
from db.exchange import collect_document, dump_document, parse_document
from db.exchange.document import Document, RepeatDoc, ReviewDoc, TrackedDoc
from db.exchange.records import apply_document
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.models import RepeatLink
from tests.helpers import TODAY


def _doc(repeats: list[RepeatDoc]) -> Document:
    return Document(
        reviews=[
            ReviewDoc("SCR-2019", ReviewKind.SCR, "Earlier (fictional)",
                      recommendations=[TrackedDoc("4", "Give safe sleep advice at every visit.")]),
            ReviewDoc("CSPR-2026", ReviewKind.CSPR_LOCAL, "New (fictional)",
                      recommendations=[TrackedDoc("1", "Discuss safe sleep before discharge.",
                                                  repeats=repeats)]),
        ]
    )  # fmt: skip


def test_a_confirmed_repeat_goes_out_and_comes_back_once(
    database: Database, tmp_path: Path
) -> None:
    repeat = RepeatDoc(number="4", review="SCR-2019", decided_by="Chair (fictional)")
    with database.transaction("t") as session:
        apply_document(session, _doc([repeat]))
    with database.session() as session:
        exported = collect_document(session, TODAY)
    (new,) = [r for r in exported.reviews if r.reference == "CSPR-2026"]
    (held,) = new.recommendations[0].repeats
    assert (held.review, held.number, held.decided_by) == ("SCR-2019", "4", "Chair (fictional)")
    text = dump_document(exported)
    assert '"repeats"' in text
    parsed = parse_document(json.loads(text))
    with open_database(resolve_location(str(tmp_path / "other.sqlite3")), create=True) as other:
        for _ in range(2):  # twice: the second import adds nothing
            with other.transaction("t") as session:
                apply_document(session, parsed)
        with other.session() as session:
            assert session.scalar(select(func.count(RepeatLink.id))) == 1
            again = collect_document(session, TODAY)
    assert replace(again, exported_at=None).reviews == replace(exported, exported_at=None).reviews


def test_a_repeat_of_an_item_that_is_nowhere_is_refused(database: Database) -> None:
    with database.transaction("t") as session, pytest.raises(DocumentError) as caught:
        apply_document(session, _doc([RepeatDoc(number="9", review="SCR-2019", decided_by="x")]))
    assert caught.value.message == (
        "review 'CSPR-2026', item '1', repeat 1: review 'SCR-2019' has no item '9'"
    )


def test_a_dismissed_suggestion_goes_out_and_comes_back_dismissed(
    database: Database, tmp_path: Path
) -> None:
    """Found by a new user: dismissals were left out of the export (and so of a copy taken
    offline), and the suggestion came back."""
    repeat = RepeatDoc(number="4", review="SCR-2019", decided_by="Chair", dismissed=True)
    with database.transaction("t") as session:
        apply_document(session, _doc([repeat]))
    with database.session() as session:
        text = dump_document(collect_document(session, TODAY))
    assert '"verdict": "dismissed"' in text
    with open_database(resolve_location(str(tmp_path / "other.sqlite3")), create=True) as other:
        with other.transaction("t") as session:
            apply_document(session, parse_document(json.loads(text)))
        with other.session() as session:
            (link,) = session.scalars(select(RepeatLink))
            assert link.verdict == "dismissed"
