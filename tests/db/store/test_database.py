"""Opening databases: where they live, how SQLite is configured, what is refused untouched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from db.core.errors import DatabaseOpenError
from db.store.database import open_database, schema_revision
from db.store.location import Location, resolve_location
from db.store.migrations import HEAD
from db.store.paths import ENV_VAR


def test_a_path_means_an_sqlite_file(tmp_path: Path) -> None:
    location = resolve_location(str(tmp_path / "panel.sqlite3"), environ={})
    assert location.is_sqlite
    assert location.path == tmp_path / "panel.sqlite3"
    assert location.name == "panel.sqlite3"


def test_relative_paths_become_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert resolve_location("data.sqlite3", environ={}).path == tmp_path / "data.sqlite3"


def test_environment_variable_gives_the_default(tmp_path: Path) -> None:
    target = str(tmp_path / "env.sqlite3")
    assert resolve_location(None, environ={ENV_VAR: target}).path == Path(target)
    # --db wins over the environment.
    other = str(tmp_path / "arg.sqlite3")
    assert resolve_location(other, environ={ENV_VAR: target}).path == Path(other)


def test_without_either_the_file_is_in_the_user_data_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    location = resolve_location(None, environ={})
    assert location.path == tmp_path / "xdg" / "casereview" / "casereview.sqlite3"
    database = open_database(location, create=True)
    database.close()
    assert location.path.exists()


def test_postgresql_urls_use_psycopg_3() -> None:
    location = resolve_location("postgresql://panel:secret@db.example/casereview", environ={})
    assert location.url.drivername == "postgresql+psycopg"
    assert "secret" not in location.display()
    assert location.name == "casereview"


def test_other_database_kinds_are_refused() -> None:
    with pytest.raises(DatabaseOpenError, match="SQLite files and PostgreSQL, not 'mysql'"):
        resolve_location("mysql://x@y/z", environ={})


def test_sqlite_is_opened_with_foreign_keys_wal_full_sync_and_a_small_page_cache(
    tmp_path: Path,
) -> None:
    database = open_database(resolve_location(str(tmp_path / "p.sqlite3")), create=True)
    with database:
        with database.engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            # A page cache of 512 KB, not SQLite's 2 MB: the window's connections' caches
            # took it past 150 MB at 100,000 items (issue 26)
            assert conn.exec_driver_sql("PRAGMA cache_size").scalar() == -512
        with database.session() as session:  # the sessions that only read, too
            assert session.execute(text("PRAGMA cache_size")).scalar() == -512


def test_new_database_is_at_head(location: Location) -> None:
    open_database(location, create=True).close()
    assert schema_revision(location) == HEAD


def test_a_missing_file_is_not_created_unless_asked(tmp_path: Path) -> None:
    location = resolve_location(str(tmp_path / "absent.sqlite3"))
    with pytest.raises(DatabaseOpenError, match="There is no database at"):
        open_database(location)
    assert not (tmp_path / "absent.sqlite3").exists()


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}


def test_a_file_that_is_not_sqlite_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "minutes.sqlite3"
    path.write_text("Minutes of the panel meeting held on 21 November 2025\n")
    before = _files(tmp_path)
    with pytest.raises(DatabaseOpenError, match="is not a casereview database"):
        open_database(resolve_location(str(path)), create=True)
    assert _files(tmp_path) == before


def test_another_programs_sqlite_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE contacts (name TEXT)")
    before = _files(tmp_path)
    with pytest.raises(DatabaseOpenError, match="of another program"):
        open_database(resolve_location(str(path)), create=True)
    assert _files(tmp_path) == before


def test_a_newer_sqlite_schema_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "newer.sqlite3"
    open_database(resolve_location(str(path)), create=True).close()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(DatabaseOpenError, match=r"newer version of casereview \(schema 9999\)"):
        open_database(resolve_location(str(path)))
    assert path.read_bytes() == before


@pytest.mark.postgres
def test_a_newer_postgresql_schema_is_refused_untouched(postgres_location: Location) -> None:
    database = open_database(postgres_location, create=True)
    with database.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    database.close()
    with pytest.raises(DatabaseOpenError, match="newer version of casereview"):
        open_database(postgres_location)
    assert schema_revision_unchecked(postgres_location) == "9999"


def schema_revision_unchecked(location: Location) -> str:
    from sqlalchemy import create_engine

    engine = create_engine(location.url)
    try:
        with engine.connect() as conn:
            return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar())
    finally:
        engine.dispose()


def test_a_database_behind_head_is_upgraded_when_opened(location: Location) -> None:
    from db.store.database import downgrade_schema

    database = open_database(location, create=True)
    downgrade_schema(database.engine, "base")
    with database.engine.connect() as conn:
        assert "reviews" not in inspect(conn).get_table_names()
    database.close()
    database = open_database(location)
    with database, database.engine.connect() as conn:
        assert "reviews" in inspect(conn).get_table_names()
    assert schema_revision(location) == HEAD


@pytest.mark.postgres
def test_an_unreachable_server_is_a_clear_error() -> None:
    location = resolve_location("postgresql://nobody@127.0.0.1:1/none")
    with pytest.raises(DatabaseOpenError, match="Cannot connect to the database"):
        open_database(location)


def test_a_closed_database_is_let_go_with_its_engine(tmp_path: Path) -> None:
    """Found in the test suite's memory (4.5 GB): each database's session listeners, bound
    to it, were kept by SQLAlchemy's registry of its session class, so no database, engine
    or compiled statement was ever freed, and every later session ran them all."""
    import gc
    import weakref

    database = open_database(resolve_location(str(tmp_path / "let-go.sqlite3")), create=True)
    with database.transaction("tester") as session:
        session.execute(text("SELECT 1"))
    gone, engine_gone = weakref.ref(database), weakref.ref(database.engine)
    database.close()
    del database, session
    gc.collect()
    assert gone() is None
    assert engine_gone() is None
