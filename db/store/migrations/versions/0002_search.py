"""full-text search over recommendations, the tracker's default order, theme indexes

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:00:00

``recommendations.search_text`` holds the number, text, actions, owner and every update's
note (kept by ``db.store.search``). SQLite searches it through an FTS5 table kept in step by
triggers; PostgreSQL through a GIN index on its 'simple' tsvector (no stemming, so prefixes
typed into the search box match as on SQLite).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SQLITE_FTS = [
    "CREATE VIRTUAL TABLE recommendation_fts USING fts5("
    "search_text, content='recommendations', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2', prefix='1 2 3')",
    "CREATE TRIGGER recommendation_fts_insert AFTER INSERT ON recommendations BEGIN "
    "INSERT INTO recommendation_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
    "CREATE TRIGGER recommendation_fts_delete AFTER DELETE ON recommendations BEGIN "
    "INSERT INTO recommendation_fts(recommendation_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); END",
    "CREATE TRIGGER recommendation_fts_update AFTER UPDATE OF search_text ON recommendations "
    "BEGIN "
    "INSERT INTO recommendation_fts(recommendation_fts, rowid, search_text) "
    "VALUES ('delete', old.id, old.search_text); "
    "INSERT INTO recommendation_fts(rowid, search_text) VALUES (new.id, new.search_text); END",
]


def upgrade() -> None:
    with op.batch_alter_table("recommendations") as batch:
        batch.add_column(sa.Column("search_text", sa.Text(), server_default="", nullable=False))
        batch.add_column(
            sa.Column("source_key", sa.String(length=80), server_default="", nullable=False)
        )
        batch.create_index(
            "ix_recommendations_source_key_position", ["source_key", "position"], unique=False
        )
        batch.create_index(
            "ix_recommendations_review_rollup",
            ["review_id", "status", "target_date"],
            unique=False,
        )
    with op.batch_alter_table("review_themes") as batch:
        batch.create_index(batch.f("ix_review_themes_theme_id"), ["theme_id"])
    with op.batch_alter_table("recommendation_themes") as batch:
        batch.create_index(batch.f("ix_recommendation_themes_theme_id"), ["theme_id"])
    bind = op.get_bind()
    separator = "' '"
    notes = (
        "(SELECT group_concat(note, ' ') FROM progress_updates u "
        "WHERE u.recommendation_id = recommendations.id)"
        if bind.dialect.name == "sqlite"
        else "(SELECT string_agg(note, ' ') FROM progress_updates u "
        "WHERE u.recommendation_id = recommendations.id)"
    )
    op.execute(
        "UPDATE recommendations SET search_text = "
        f"number || {separator} || coalesce(text, '') || {separator} || actions || {separator} "
        f"|| owner || {separator} || coalesce({notes}, '')"
    )
    op.execute(
        "UPDATE recommendations SET source_key = coalesce("
        "(SELECT '0 ' || reference FROM reviews WHERE reviews.id = review_id), "
        "(SELECT '1 ' || reference FROM inspections WHERE inspections.id = inspection_id), '')"
    )
    if bind.dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
        op.execute("INSERT INTO recommendation_fts(recommendation_fts) VALUES ('rebuild')")
    else:
        op.execute(
            "CREATE INDEX ix_recommendations_search ON recommendations "
            "USING gin (to_tsvector('simple', search_text))"
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        for trigger in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER IF EXISTS recommendation_fts_{trigger}")
        op.execute("DROP TABLE IF EXISTS recommendation_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_recommendations_search")
    with op.batch_alter_table("recommendation_themes") as batch:
        batch.drop_index(batch.f("ix_recommendation_themes_theme_id"))
    with op.batch_alter_table("review_themes") as batch:
        batch.drop_index(batch.f("ix_review_themes_theme_id"))
    with op.batch_alter_table("recommendations") as batch:
        batch.drop_index("ix_recommendations_review_rollup")
        batch.drop_index("ix_recommendations_source_key_position")
        batch.drop_column("source_key")
        batch.drop_column("search_text")
