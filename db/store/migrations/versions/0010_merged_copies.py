"""when a copy taken offline was merged back, and by whom; what a check-out holds

A copy is merged once: afterwards the shared database's note of the check-out and the copy's
own record of its origin say when and by whom, so merging it again is refused, and the window
says a merged copy is one. The note also says which reviews and inspections the copy holds
(JSON), so the window can show the notice on those items (docs/architecture.md, "The meeting
laptop").

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 03:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TABLES = ("checkouts", "checkout_origin")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("merged_at", sa.DateTime(timezone=True), nullable=True))
            batch.add_column(sa.Column("merged_by", sa.String(length=200), nullable=True))
    with op.batch_alter_table("checkouts") as batch:
        batch.add_column(sa.Column("holds", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("checkouts") as batch:
        batch.drop_column("holds")
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("merged_by")
            batch.drop_column("merged_at")
