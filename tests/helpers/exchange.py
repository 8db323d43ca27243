"""Imports run straight against a database, and what a database or an exported review holds,
for the tests that check what an import or a round trip changes."""

from __future__ import annotations

import copy
from pathlib import Path

from sqlalchemy import func, select

from db.exchange import collect_document, dump_document
from db.exchange.document import ReviewDoc
from db.exchange.spreadsheets import import_tracker, read_tracker
from db.store.database import Database
from db.store.models import AuditEntry
from tests.helpers import TODAY


def state(database: Database) -> tuple[str, int]:
    """Everything the database holds, to prove a refused import changed nothing."""
    with database.session() as session:
        text = dump_document(collect_document(session, TODAY))
        audit = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
    # The export's own time stamp is not part of the data.
    kept = [line for line in text.splitlines() if '"exported_at"' not in line]
    return "\n".join(kept), audit


def run_import(database: Database, path: Path, **options: object) -> str:
    tracker = read_tracker(path, options.pop("mapping", None))  # type: ignore[arg-type]
    with database.transaction("tester") as session:
        summary = import_tracker(session, tracker, today=TODAY, actor="tester", **options)  # type: ignore[arg-type]
    return summary.describe()


def review(database: Database, reference: str):  # type: ignore[no-untyped-def]
    with database.session() as session:
        docs = collect_document(session, TODAY, [reference]).reviews
    assert docs, f"no review {reference}"
    return docs[0]


def without_files(review: ReviewDoc) -> ReviewDoc:
    """A review as an .xlsx file carries it: evidence files travel only in casereview JSON."""
    review = copy.deepcopy(review)
    for rec in review.recommendations:
        for evidence in rec.evidence:
            evidence.content = evidence.media_type = None
            if evidence.file_name and evidence.reference and "kept in" in evidence.reference:
                evidence.reference = None
    return review
