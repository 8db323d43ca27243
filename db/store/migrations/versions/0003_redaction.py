"""what a redacted briefing pack hides: a review's anonymised label and the names it replaces

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 03:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.add_column(
            sa.Column("anonymised_label", sa.String(length=100), server_default="", nullable=False)
        )
        batch.add_column(sa.Column("names_to_redact", sa.Text(), server_default="", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("reviews") as batch:
        batch.drop_column("names_to_redact")
        batch.drop_column("anonymised_label")
