"""progress updates entered in error are withdrawn, never erased

A withdrawn update stays in the log, marked with who withdrew it, when and why; it no longer
counts as the item's latest progress.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-04 17:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("withdrawn_at", "withdrawn_by", "withdrawn_reason")


def upgrade() -> None:
    with op.batch_alter_table("progress_updates") as batch:
        batch.add_column(sa.Column("withdrawn_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("withdrawn_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("withdrawn_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    for column in reversed(COLUMNS):
        if op.get_bind().dialect.name == "sqlite":
            # In place, as 0005 does: a batch rebuild is not needed to drop a plain column.
            op.execute(f"ALTER TABLE progress_updates DROP COLUMN {column}")
        else:
            op.drop_column("progress_updates", column)
