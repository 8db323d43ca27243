"""a person's verdict on a suggested repeat of earlier learning

Similar earlier learning (issue 25) is suggested by the program; a person confirms that a
recommendation repeats an earlier one ("repeats earlier learning"), or dismisses the
suggestion so it is not made again. Each verdict is a row, audited like any other.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 04:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    verdict = "verdict IN ('repeats', 'dismissed')"
    op.create_table(
        "repeat_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_id", sa.Integer(), nullable=False),
        sa.Column("earlier_id", sa.Integer(), nullable=False),
        sa.Column("verdict", sa.String(length=10), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(verdict, name=op.f("ck_repeat_links_verdict")),
        sa.CheckConstraint("item_id <> earlier_id", name=op.f("ck_repeat_links_not_itself")),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["recommendations.id"],
            name=op.f("fk_repeat_links_item_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["earlier_id"],
            ["recommendations.id"],
            name=op.f("fk_repeat_links_earlier_id_recommendations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repeat_links")),
        sa.UniqueConstraint(
            "item_id", "earlier_id", name=op.f("uq_repeat_links_item_id_earlier_id")
        ),
    )
    op.create_index(op.f("ix_repeat_links_earlier_id"), "repeat_links", ["earlier_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_repeat_links_earlier_id"), table_name="repeat_links")
    op.drop_table("repeat_links")
