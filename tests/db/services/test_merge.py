"""Planning a merge (db.services.merge): a copy taken to a meeting compared with the database it
came from, against its base, on SQLite and PostgreSQL; a database that is no copy, a copy of
another database and a copy at another schema refused in one sentence. Nothing is written."""

from __future__ import annotations

from pathlib import Path

import pytest

from db.core.errors import RuleError
from db.core.vocabulary import DecisionKind
from db.services import meetings
from db.services.checkout import Scope, check_out
from db.services.merge import plan_merge
from db.store.database import Database, open_database
from db.store.location import resolve_location
from db.store.migrations import HEAD
from tests.helpers import TODAY
from tests.helpers.laptop import MEETING, REVIEW, WHERE
from tests.helpers.laptop import item as _item
from tests.helpers.laptop import set_fields as _set
from tests.helpers.laptop import snapshot as _snapshot


def _copy(shared: Database, tmp_path: Path, scope: Scope) -> Database:
    target = tmp_path / "laptop.sqlite3"
    check_out(shared, target, scope=scope, actor="Sam", today=TODAY)
    return open_database(resolve_location(str(target)))


@pytest.mark.parametrize("scope", [Scope(), Scope(meeting=MEETING)], ids=["whole", "meeting"])
def test_a_plan_says_what_the_copy_changed_and_what_conflicts(
    sample_database: Database, tmp_path: Path, scope: Scope
) -> None:
    with _copy(sample_database, tmp_path, scope) as laptop:
        _set(laptop, "3", owner="Owner set in the meeting")  # the copy only
        _set(sample_database, "3", actions="Actions set in the office")  # the office only
        _set(laptop, "5", owner="Offline owner")  # both, differently
        _set(sample_database, "5", owner="Office owner")
        with laptop.transaction("Sam") as session:  # a decision recorded in the meeting
            meetings.decide(
                session,
                MEETING,
                _item("4"),
                meetings.DecisionEntry(DecisionKind.NOTED, "Seen in the meeting"),
                on=MEETING.held_on,
                actor="Sam",
            )
        before = (_snapshot(laptop), _snapshot(sample_database))
        plan = plan_merge(laptop, sample_database, today=TODAY)
        assert (_snapshot(laptop), _snapshot(sample_database)) == before  # nothing written
    merge = plan.merge
    applied = {(a.where, a.field) for a in merge.applied}
    assert (WHERE, "owner") in applied
    assert ("recommendation 5 of review " + REVIEW, "owner") in {
        (c.where, c.field) for c in merge.conflicts
    }
    assert not [a for a in merge.applied if a.field == "actions"]  # the office's change kept
    assert any("Seen in the meeting" in str(a.new) for a in merge.applied)  # log entry, decision
    assert plan.taken_by == "Sam"


def test_a_database_that_is_no_copy_is_refused(sample_database: Database, tmp_path: Path) -> None:
    other = open_database(resolve_location(str(tmp_path / "other.sqlite3")), create=True)
    with other, pytest.raises(RuleError) as caught:
        plan_merge(other, sample_database, today=TODAY)
    assert caught.value.message == (
        "That database is no copy taken offline, so it has nothing to merge."
    )


def test_a_copy_of_another_database_is_refused(sample_database: Database, tmp_path: Path) -> None:
    other = open_database(resolve_location(str(tmp_path / "other.sqlite3")), create=True)
    laptop = _copy(sample_database, tmp_path, Scope())
    with other, laptop, pytest.raises(RuleError) as caught:
        plan_merge(laptop, other, today=TODAY)
    assert caught.value.message.startswith("The copy was taken from another database (")
    assert caught.value.message.count(". ") == 0


def test_a_copy_taken_before_an_index_only_upgrade_merges(
    sample_database: Database, tmp_path: Path
) -> None:
    """Revision 0012 added an index alone: a copy taken from a shared database at 0011, which
    was upgraded to 0012 since, holds its data as the shared database does, so it merges
    (refused for its schema, the work of a laptop out at the upgrade was lost to the merge);
    and its trail is still replayed, so an outside edit is still refused."""
    import sqlite3
    from contextlib import closing

    from sqlalchemy import text

    from tests.helpers.laptop import set_fields

    def shared_at(revision: str) -> None:
        with sample_database.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = :r"), {"r": revision})

    shared_at("0011")  # as before the upgrade (its index is harmless to the check-out)
    _copy(sample_database, tmp_path, Scope()).close()
    shared_at("0012")  # upgraded since
    path = tmp_path / "laptop.sqlite3"
    with open_database(resolve_location(str(path))) as laptop:
        with laptop.session() as session:
            assert session.scalar(text("SELECT origin_schema FROM checkout_origin")) == "0011"
        set_fields(laptop, "3", actor="Sam", owner="Owner set offline")
        plan = plan_merge(laptop, sample_database, today=TODAY)
        assert plan.merge.applied and not plan.merge.conflicts
    with closing(sqlite3.connect(path)) as raw, raw:
        raw.execute("UPDATE recommendations SET owner = 'FORGED' WHERE number = '5'")
    with open_database(resolve_location(str(path))) as laptop, pytest.raises(RuleError) as no:
        plan_merge(laptop, sample_database, today=TODAY)
    assert "does not account for" in no.value.message


def test_a_copy_taken_at_another_schema_is_refused(
    sample_database: Database, tmp_path: Path
) -> None:
    """A copy taken by an older casereview (its origin row says so) is refused, naming both."""
    import sqlite3
    from contextlib import closing

    _copy(sample_database, tmp_path, Scope()).close()
    with closing(sqlite3.connect(tmp_path / "laptop.sqlite3")) as raw, raw:
        raw.execute("UPDATE checkout_origin SET origin_schema = '0008'")
    laptop = open_database(resolve_location(str(tmp_path / "laptop.sqlite3")))
    with laptop, pytest.raises(RuleError) as caught:
        plan_merge(laptop, sample_database, today=TODAY)
    assert caught.value.message == (
        f"The copy was taken at schema 0008 and this database is at {HEAD} now, so they cannot "
        "be compared: merge it with the casereview that took it."
    )
