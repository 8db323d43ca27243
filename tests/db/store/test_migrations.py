"""The migration chain, with pytest-alembic's standard tests, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from alembic.script import ScriptDirectory
from pytest_alembic import Config as AlembicTestConfig
from pytest_alembic.plugin.fixtures import alembic_runner  # noqa: F401  (the tests' fixture)
from pytest_alembic.tests import (  # noqa: F401  (collected as tests)
    test_model_definitions_match_ddl,
    test_single_head_revision,
    test_up_down_consistency,
    test_upgrade,
)
from sqlalchemy import Engine

from db.store.database import Database, _make_engine
from db.store.location import Location
from db.store.migrations import HEAD, REVISIONS, SCRIPT_LOCATION
from tests.helpers import BACKENDS


@pytest.fixture
def alembic_config() -> AlembicTestConfig:
    return AlembicTestConfig(config_options={"script_location": str(SCRIPT_LOCATION)})


@pytest.fixture(params=BACKENDS)
def alembic_engine(request: pytest.FixtureRequest, tmp_path) -> Iterator[Engine]:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        from db.store.location import resolve_location

        location: Location = resolve_location(str(tmp_path / "alembic.sqlite3"))
    else:
        location = request.getfixturevalue("postgres_location")
    engine = _make_engine(location)
    yield engine
    engine.dispose()


def test_revision_list_matches_the_scripts() -> None:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    scripts = ScriptDirectory.from_config(config)
    chain = [rev.revision for rev in scripts.walk_revisions()][::-1]
    assert tuple(chain) == REVISIONS
    assert scripts.get_current_head() == HEAD


def test_stepping_back_a_version_keeps_the_search_triggers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    import sqlite3
    from contextlib import closing

    from db.store.database import downgrade_schema, open_database
    from db.store.location import resolve_location

    path = tmp_path / "steps.sqlite3"
    with open_database(resolve_location(str(path)), create=True) as database:
        downgrade_schema(database.engine, "0004")
    with closing(sqlite3.connect(path)) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        triggers = {row[0] for row in rows}
    assert "recommendation_fts_insert" in triggers


def test_a_database_with_decisions_is_upgraded_to_decisions_about_whole_sources(
    location: Location,
) -> None:
    """0008 keeps every decision of a 0007 database, and from then on a decision may name a
    whole review or inspection, exactly one subject (the CHECK) as an agenda entry."""
    from sqlalchemy import func, select
    from sqlalchemy.exc import IntegrityError

    from db.core.vocabulary import DecisionKind
    from db.services.dataset import load_sample
    from db.store.database import downgrade_schema, open_database, schema_revision
    from db.store.models import Decision, Inspection, Meeting
    from tests.helpers import TODAY

    def held(database: Database) -> list[tuple[object, ...]]:
        with database.session() as session:
            return [
                tuple(row)
                for row in session.execute(
                    select(Decision.recommendation_id, Decision.kind, Decision.note).order_by(
                        Decision.id
                    )
                )
            ]

    with open_database(location, create=True) as database:
        with database.transaction("tester") as session:
            load_sample(session, TODAY)
        before = held(database)
        downgrade_schema(database.engine, "0007")  # as a database of the previous version
    assert schema_revision(location) == "0007" and before
    with open_database(location) as database:  # upgraded
        assert schema_revision(location) == HEAD
        assert held(database) == before
        with database.transaction("tester") as session:
            meeting = session.scalars(select(Meeting)).first()
            inspection = session.scalars(select(Inspection)).first()
            assert meeting is not None and inspection is not None
            session.add(
                Decision(
                    meeting=meeting,
                    inspection=inspection,
                    kind=DecisionKind.NOTED,
                    decided_on=meeting.held_on,
                    decided_by="tester",
                )
            )
        with database.session() as session:
            count = select(func.count(Decision.id)).where(Decision.inspection_id.is_not(None))
            assert session.scalar(count) == 1
        with pytest.raises(IntegrityError), database.transaction("tester") as session:
            meeting = session.scalars(select(Meeting)).first()
            session.add(
                Decision(
                    meeting=meeting,
                    kind=DecisionKind.NOTED,
                    decided_on=TODAY,
                    decided_by="tester",
                )
            )


def test_every_database_gets_one_identity_made_once(location: Location, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """0009 gives a database upgraded from 0008 an identity, as it does a new one; it is kept
    on every opening and when the data is erased, and another database has another."""
    from sqlalchemy import func, inspect, select

    from db.queries.copies import identity
    from db.services.dataset import erase_all, load_sample
    from db.store.database import downgrade_schema, open_database, schema_revision
    from db.store.location import resolve_location
    from db.store.models import DatabaseIdentity
    from tests.helpers import TODAY

    with open_database(location, create=True) as database:
        with database.transaction("tester") as session:
            load_sample(session, TODAY)
        downgrade_schema(database.engine, "0008")  # as a database of the previous version
        with database.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        assert not tables & {"database_identity", "checkout_origin", "checkouts"}
    assert schema_revision(location) == "0008"
    with open_database(location) as database, database.session() as session:  # upgraded
        made = identity(session)
        assert session.scalar(select(func.count()).select_from(DatabaseIdentity)) == 1
    with open_database(location) as database, database.transaction("tester") as session:
        assert identity(session) == made
        erase_all(session)
    with open_database(location) as database, database.session() as session:
        assert identity(session) == made
    other = resolve_location(str(tmp_path / "other.sqlite3"))
    with open_database(other, create=True) as database, database.session() as session:
        assert identity(session) not in ("", made)
