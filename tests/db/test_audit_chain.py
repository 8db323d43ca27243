"""The audit trail is append-only and hash-chained: the database refuses to change or delete
an entry, and ``casereview check`` finds an entry altered, removed or moved by someone who
went round the refusal."""

from __future__ import annotations

import datetime as dt
import itertools
import sqlite3
from contextlib import closing
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from db.audit import record
from db.chain import GENESIS
from db.dataset import erase_all, load_sample
from db.editing import ItemFields, create_item
from db.engine import Database, downgrade_schema, open_database, resolve_location
from db.generate import generate
from db.integrity import check_database
from db.models import AuditEntry
from tests.conftest import TODAY


def entries(database: Database) -> list[AuditEntry]:
    with database.session() as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))


def test_every_way_of_writing_chains_its_entries(database: Database):
    with database.transaction("tester") as session:  # generated rows, written in bulk
        generate(session, reviews=2, recommendations=50, seed=3, today=TODAY)
    with database.transaction("tester") as session:  # the erasure, one entry
        erase_all(session)
    with database.transaction("tester") as session:  # an import
        load_sample(session, TODAY)
    with database.transaction("tester") as session:  # one change, through the ORM
        create_item(session, "FSCP-CSPR-CHILD-A", ItemFields(number="99", text="Chained."))
    with database.transaction("tester") as session:  # an export, recorded
        record(session, entity="exports", entity_id="plan.xlsx", new={"format": "xlsx"})
    chain = entries(database)
    assert chain[0].prev_hash == GENESIS
    for before, entry in itertools.pairwise(chain):
        assert entry.prev_hash == before.hash
    assert len({e.hash for e in chain}) == len(chain)
    assert chain[-1].entity == "exports"
    assert check_database(database.location).sound


def test_entries_cannot_be_changed_or_deleted(sample_database: Database):
    for statement in (
        "UPDATE audit_log SET actor = 'someone else'",
        "DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)",
    ):
        with (
            pytest.raises(DBAPIError, match="append-only"),
            sample_database.transaction("tester") as session,
        ):
            session.execute(text(statement))
    assert check_database(sample_database.location).sound


def _tamper(path: Path, *statements: str) -> None:
    """What someone with the file and an SQLite tool could do: drop the refusal, then edit."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("DROP TRIGGER audit_log_no_update")
        conn.execute("DROP TRIGGER audit_log_no_delete")
        for statement in statements:
            conn.execute(statement)
        conn.commit()


@pytest.mark.parametrize(
    ("statements", "found"),
    [
        (["UPDATE audit_log SET actor = 'Nobody' WHERE id = 5"], "entry 5 was altered"),
        (["DELETE FROM audit_log WHERE id = 5"], "entry 6 does not follow the one before it"),
        (
            [  # entries 5 and 6 swapped
                "UPDATE audit_log SET id = -5 WHERE id = 5",
                "UPDATE audit_log SET id = 5 WHERE id = 6",
                "UPDATE audit_log SET id = 6 WHERE id = -5",
            ],
            "entry 5 does not follow the one before it",
        ),
    ],
    ids=["altered", "removed", "reordered"],
)
def test_tampering_is_found(sample_path: Path, statements: list[str], found: str):
    location = resolve_location(str(sample_path))
    assert check_database(location).sound
    _tamper(sample_path, *statements)
    report = check_database(location)
    assert not report.sound
    assert any(found in problem for problem in report.problems), report.problems


def test_entries_written_before_the_chain_are_chained_on_upgrade(tmp_path: Path):
    path = tmp_path / "old.sqlite3"
    with open_database(resolve_location(str(path)), create=True) as database:
        with database.transaction("tester") as session:
            load_sample(session, TODAY)
        downgrade_schema(database.engine, "0003")  # as a database of the previous version
    with open_database(resolve_location(str(path))) as database:  # upgraded, then chained
        with database.session() as session:
            unchained = session.scalar(
                select(func.count()).select_from(AuditEntry).where(AuditEntry.hash.is_(None))
            )
        assert unchained == 0
        assert len(entries(database)) > 50
    assert check_database(resolve_location(str(path))).sound


def test_the_chain_survives_a_round_trip_through_the_database_clock(database: Database):
    """Timestamps come back from SQLite as text and from PostgreSQL as values: both hash alike."""
    moment = dt.datetime(2026, 11, 22, 8, 30, 0, 1, tzinfo=dt.UTC)
    with database.transaction("tester") as session:
        from db.audit import append

        append(
            session.connection(),
            [
                {
                    "at": moment,
                    "actor": "Zoë Ńowak-Şahin",
                    "action": "create",
                    "entity": "exports",
                    "entity_id": "plan.csv",
                    "field": None,
                    "old": None,
                    "new": '{"rows": 1}',
                }
            ],
        )
    assert check_database(database.location).sound
