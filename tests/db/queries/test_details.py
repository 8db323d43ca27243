"""The detail pane's read model (db.queries.details): an item's history across the rows an
undone deletion made of it; on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

from db.queries import details
from db.services import editing
from db.services.editing import ItemFields, ItemKey
from db.store.database import Database
from tests.helpers import TODAY

CHILD_A = "FSCP-CSPR-CHILD-A"
EIGHT = ItemKey(CHILD_A, "8")


def _history(database: Database, key: ItemKey) -> list[tuple[str, str, str | None]]:
    """The item's history, oldest first: who, what and which field."""
    with database.session() as session:
        rec = editing.item_by_key(session, key)
        found = details.item_detail(session, rec.id, TODAY)
        assert found is not None
        return [(line.actor, line.action, line.field) for line in reversed(found.history)]


def test_an_item_put_back_by_undo_keeps_its_history(sample_database: Database) -> None:
    """Found in a two-user trial: after the undo of a deletion the History pane showed only
    "created it" by whoever undid it. The entries of the row it was (its creation, changes
    and deletion) are its history, and its making again reads as its restoring; twice over."""
    before = _history(sample_database, EIGHT)
    assert before[0] == ("tester", "create", None)
    for round_ in range(2):
        with sample_database.transaction("bob") as session:
            snapshot = editing.remove_item(session, EIGHT, TODAY)
        with sample_database.transaction("bob") as session:
            editing.restore_item(session, snapshot, TODAY)
        with sample_database.transaction("alice") as session:
            read = editing.item_fields(session, EIGHT)
            editing.update_item(session, EIGHT, replace(read, owner=f"Owner {round_}"))
        before += [
            ("bob", "delete", None),
            ("bob", "restore", None),
            ("alice", "update", "owner"),
        ]
        assert _history(sample_database, EIGHT) == before


def test_an_item_made_anew_after_a_deletion_has_only_its_own_history(
    sample_database: Database,
) -> None:
    with sample_database.transaction("bob") as session:
        editing.remove_item(session, EIGHT, TODAY)
    with sample_database.transaction("carol") as session:
        editing.create_item(session, CHILD_A, ItemFields(number="8", text="Another item."))
    assert _history(sample_database, EIGHT) == [("carol", "create", None)]
