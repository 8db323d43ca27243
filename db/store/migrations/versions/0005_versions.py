"""a version number on reviews and recommendations, for edits made in two windows at once

Each UPDATE of a row through the ORM raises its version by one (SQLAlchemy's version counter);
an edit checks that the version is still the one its window read, so a second writer is told
the record changed rather than silently overwriting it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 08:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table in ("reviews", "recommendations"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    for table in ("recommendations", "reviews"):
        if op.get_bind().dialect.name == "sqlite":
            # SQLite drops a column in place (3.35 and later); Alembic's batch mode would
            # rebuild the table and lose the full-text search triggers migration 0002 made.
            op.execute(f"ALTER TABLE {table} DROP COLUMN version")
        else:
            op.drop_column(table, "version")
