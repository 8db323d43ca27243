"""a meeting decides about a whole review or inspection on its agenda

A decision names exactly one subject, as an agenda entry does: a tracked item, a review or an
inspection (a panel notes an inspection's action plan as a whole, asks for its evidence, or
escalates it).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04 23:55:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = (("review_id", "reviews"), ("inspection_id", "inspections"))
ONE_SUBJECT = (
    "(CASE WHEN recommendation_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN review_id IS NULL THEN 0 ELSE 1 END"
    " + CASE WHEN inspection_id IS NULL THEN 0 ELSE 1 END) = 1"
)


def upgrade() -> None:
    # Batch mode: SQLite rebuilds the table to change a column's nullability and add
    # constraints; PostgreSQL alters it in place.
    with op.batch_alter_table("decisions") as batch:
        batch.alter_column("recommendation_id", existing_type=sa.Integer(), nullable=True)
        for column, table in SOURCES:
            batch.add_column(sa.Column(column, sa.Integer(), nullable=True))
            batch.create_foreign_key(
                op.f(f"fk_decisions_{column}_{table}"),
                table,
                [column],
                ["id"],
                ondelete="CASCADE",
            )
            batch.create_index(op.f(f"ix_decisions_{column}"), [column], unique=False)
        batch.create_check_constraint(op.f("ck_decisions_one_subject"), sa.text(ONE_SUBJECT))


def downgrade() -> None:
    # Decisions about a whole review or inspection have no place in the older schema.
    op.execute("DELETE FROM decisions WHERE recommendation_id IS NULL")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_one_subject"), type_="check")
        for column, table in reversed(SOURCES):
            batch.drop_index(op.f(f"ix_decisions_{column}"))
            batch.drop_constraint(op.f(f"fk_decisions_{column}_{table}"), type_="foreignkey")
            batch.drop_column(column)
        batch.alter_column("recommendation_id", existing_type=sa.Integer(), nullable=False)
