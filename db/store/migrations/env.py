"""Alembic environment: batch mode for SQLite, our metadata, a connection handed in or a URL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection, Engine, create_engine

from db.store import audit  # noqa: F401  (registers the audit hook before any data migration)
from db.store.models import Base

config = context.config
target_metadata = Base.metadata


# Search machinery made by migration 0002 in SQL, outside the ORM metadata: the FTS5 table
# and its shadow tables on SQLite, the expression index on PostgreSQL.
UNMODELLED = ("recommendation_fts", "ix_recommendations_search")


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    return not (name or "").startswith(UNMODELLED)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=True,
        compare_type=True,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if isinstance(connection, Engine):  # pytest-alembic hands over an engine at times
        with connection.connect() as conn:
            _run(conn)
            conn.commit()
        return
    if connection is not None:
        _run(connection)
        return
    url = config.get_main_option("sqlalchemy.url")
    if url is None:
        raise RuntimeError("no connection and no sqlalchemy.url given to Alembic")
    engine = create_engine(url)
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        render_as_batch=True,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    run_migrations_online()
