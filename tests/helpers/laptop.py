"""What the meeting laptop's tests share (issue 24): the sample's review and meeting a copy is
taken of, an item edited as the window edits it, and a database's data for comparing."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from db.exchange import Document, collect_document
from db.services import editing, meetings
from db.store.database import Database
from tests.helpers import TODAY

REVIEW = "FSCP-CSPR-CHILD-A"
MEETING = meetings.MeetingKey(dt.date(2026, 12, 5), "Case Review Subgroup")  # the sample's
WHERE = f"recommendation 3 of review {REVIEW}"


def item(number: str) -> editing.ItemKey:
    return editing.ItemKey(REVIEW, number)


def set_fields(database: Database, number: str, actor: str = "tester", **changed: object) -> None:
    """Change an item of REVIEW as an edit in the window does (the service, audited)."""
    with database.transaction(actor) as session:
        fields = editing.item_fields(session, item(number))
        editing.update_item(
            session, item(number), editing.ItemFields(**{**fields.__dict__, **changed})
        )


def snapshot(database: Database) -> Document:
    """The database's data, as an export holds it, for comparing before and after."""
    with database.session() as session:
        return replace(collect_document(session, TODAY), exported_at=None)
