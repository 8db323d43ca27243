"""What the import compares a file's items with (db.exchange.held): every item the database
holds is recognised as unchanged when the file says what the database says, on both backends,
and the difference in any one field is seen."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select

from db.core.vocabulary import Status
from db.exchange import collect_document
from db.exchange.document import EvidenceDoc, TrackedDoc, UpdateDoc
from db.exchange.held import Held, held_items
from db.services import transfer
from db.store.database import Database
from db.store.models import ProgressUpdate, Review, Theme
from tests.helpers import TODAY


def _held(database: Database) -> tuple[list[tuple[Held, TrackedDoc, int]], dict[str, int]]:
    """Each item held, with the file's record of it and its position in the file."""
    with database.session() as session:
        doc = collect_document(session, TODAY)
        ids = {r.reference: r.id for r in session.scalars(select(Review))}
        held = held_items(session, list(ids.values()))
        themes = {t.name.casefold(): t.id for t in session.scalars(select(Theme))}
    pairs = [
        (held[ids[review.reference]][item.number], item, position)
        for review in doc.reviews
        for position, item in enumerate(review.recommendations, start=1)
    ]
    return pairs, themes


def test_every_item_exported_is_unchanged_against_itself(sample_database: Database) -> None:
    pairs, themes = _held(sample_database)
    assert len(pairs) > 20
    assert any(item.updates for _, item, _ in pairs) and any(item.evidence for _, item, _ in pairs)
    assert all(held.unchanged(item, position, themes) for held, item, position in pairs)


_CHANGES: dict[str, Any] = {
    "text": lambda d: dataclasses.replace(d, text=(d.text or "") + " More."),
    "owner": lambda d: dataclasses.replace(d, owner=d.owner + " Jr"),
    "target_date": lambda d: dataclasses.replace(d, target_date=dt.date(2031, 1, 1)),
    "status": lambda d: dataclasses.replace(
        d, status=Status.SUPERSEDED if d.status is not Status.SUPERSEDED else Status.IN_PROGRESS
    ),
    "a theme": lambda d: dataclasses.replace(d, themes=[*d.themes, "A theme not held"]),
    "an agency": lambda d: dataclasses.replace(d, joint_agencies=[*d.joint_agencies, "Other"]),
    "another agency, as many": lambda d: dataclasses.replace(
        d, lead_agencies=["Other", *d.lead_agencies[1:]]
    ),
    "a log entry reworded": lambda d: dataclasses.replace(
        d, updates=[dataclasses.replace(d.updates[0], note="Reworded."), *d.updates[1:]]
    ),
    "an update": lambda d: dataclasses.replace(
        d, updates=[*d.updates, UpdateDoc(TODAY, "Tester", note="More.")]
    ),
    "a withdrawal": lambda d: dataclasses.replace(
        d,
        updates=[
            dataclasses.replace(u, withdrawn_at=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
            for u in d.updates
        ],
    ),
    "evidence": lambda d: dataclasses.replace(
        d, evidence=[*d.evidence, EvidenceDoc("A new audit", "Tester")]
    ),
}


@pytest.mark.parametrize("change", list(_CHANGES))
def test_a_change_to_any_field_is_seen(sample_database: Database, change: str) -> None:
    pairs, themes = _held(sample_database)
    held, item, position = next(p for p in pairs if p[1].updates and p[1].lead_agencies)
    assert not held.unchanged(_CHANGES[change](item), position, themes)
    assert not held.unchanged(item, position + 1, themes)  # moved in the file


def test_an_unchanged_import_reads_each_kind_of_row_once_not_each_item(
    sample_database: Database, tmp_path: Path
) -> None:
    """The statements an import of reviews runs do not grow with the items it passes over
    (each item's log was read on its own: 40,000 statements at 10,000 items)."""
    with sample_database.session() as session:
        references = list(session.scalars(select(Review.reference)))
    doc = transfer.collect(sample_database, TODAY, references)  # the reviews alone
    path = tmp_path / "plan.json"
    path.write_bytes(transfer.render(doc, "json", TODAY))
    source = transfer.read_source(path)
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(args[2])

    event.listen(sample_database.engine, "before_cursor_execute", count)
    try:
        transfer.apply_import(sample_database, source, actor="Tester", today=TODAY)
    finally:
        event.remove(sample_database.engine, "before_cursor_execute", count)
    assert sum(len(r.recommendations) for r in doc.reviews) > 20
    assert len([s for s in statements if "FROM progress_updates" in s]) == 1


def test_an_item_read_whole_is_the_item_a_file_gives(sample_database: Database) -> None:
    """``Held.doc``, a tracker's merge base (db.exchange.spreadsheets), is the item as the
    export reads it, withdrawn log entries and evidence included (its files left out)."""
    with sample_database.transaction("Tester") as session:
        update = session.scalars(select(ProgressUpdate).order_by(ProgressUpdate.id)).first()
        assert update is not None
        update.withdrawn_at = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
        update.withdrawn_by, update.withdrawn_reason = "Chair", "Entered against the wrong item."
    with sample_database.session() as session:
        doc = collect_document(session, TODAY)
        ids = {r.reference: r.id for r in session.scalars(select(Review))}
        held = held_items(session, list(ids.values()), whole=True)
        names = {t.id: t.name for t in session.scalars(select(Theme))}
    compared = 0
    for review in doc.reviews:
        for item in review.recommendations:
            for evidence in item.evidence:
                evidence.content = None
            expected = dataclasses.replace(item, rating=None, repeats=[])
            assert held[ids[review.reference]][item.number].doc(names) == expected
            compared += 1
    assert compared > 20
    withdrawn = [u for r in doc.reviews for i in r.recommendations for u in i.updates]
    assert any(u.withdrawn_by == "Chair" for u in withdrawn)
