"""Shared fixtures: a fresh database per test, on SQLite and on a real PostgreSQL server.

PostgreSQL tests run against the server named by CASEREVIEW_TEST_POSTGRES_URL (``.ci/run``
starts one). Without it they are skipped with a visible reason, except in CI (CI=true), where
a missing server is a failure rather than a silent skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from db.store.database import Database, open_database
from db.store.location import Location, resolve_location
from tests.helpers import BACKENDS, TODAY

PG_ENV = "CASEREVIEW_TEST_POSTGRES_URL"


@pytest.fixture(autouse=True)
def log_folder(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """casereview's log folder (``db.store.logs``): a fresh one for each test, never the real one,
    and apart from ``tmp_path`` so that snapshots of it do not see the log."""
    from db.store import logs

    folder = tmp_path_factory.mktemp("log")
    monkeypatch.setenv(logs.ENV_VAR, str(folder))
    yield folder
    logs.shut_down()


def _server_url() -> str:
    url = os.environ.get(PG_ENV, "").strip()
    if not url:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must run the PostgreSQL tests, but {PG_ENV} is not set")
        pytest.skip(f"no PostgreSQL server configured: set {PG_ENV} to run these tests")
    return url


@pytest.fixture
def postgres_location() -> Iterator[Location]:
    """A new, empty PostgreSQL database on the test server, dropped afterwards."""
    server = resolve_location(_server_url())
    name = f"casereview_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server.url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield Location(make_url(server.url).set(database=name))
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(params=BACKENDS)
def location(request: pytest.FixtureRequest, tmp_path) -> Location:  # type: ignore[no-untyped-def]
    """An address for a database that does not exist yet (SQLite) or is empty (PostgreSQL)."""
    if request.param == "sqlite":
        return resolve_location(str(tmp_path / "test.sqlite3"))
    return request.getfixturevalue("postgres_location")


@pytest.fixture
def database(location: Location) -> Iterator[Database]:
    db = open_database(location, create=True)
    try:
        yield db
    finally:
        db.close()


@pytest.fixture
def sample_database(database: Database) -> Database:
    from db.services.dataset import load_sample

    with database.transaction("tester") as session:
        load_sample(session, TODAY)
    return database


@pytest.fixture
def sample_path(tmp_path) -> Path:  # type: ignore[no-untyped-def]
    """A closed SQLite file holding the sample data."""
    from db.services.dataset import load_sample

    path = tmp_path / "panel.sqlite3"
    database = open_database(resolve_location(str(path)), create=True)
    with database, database.transaction("setup") as session:
        load_sample(session, TODAY)
    return path
