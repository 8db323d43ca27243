"""panel meetings: the meeting, who came, its agenda and its decisions

A meeting is named by its date and title. Its agenda lists tracked items, reviews and
inspections, each with why it is there; its decisions are about tracked items, each also
written to the item's progress log (db.services.meetings).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 21:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _meeting_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["meeting_id"],
        ["meetings.id"],
        name=op.f(f"fk_{table}_meeting_id_meetings"),
        ondelete="CASCADE",
    )


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"), ondelete="CASCADE"
    )


def upgrade() -> None:
    op.create_table(
        "meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), server_default="1", nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("chair", sa.String(length=200), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meetings")),
        sa.UniqueConstraint("held_on", "title", name=op.f("uq_meetings_held_on_title")),
    )
    op.create_index(op.f("ix_meetings_held_on"), "meetings", ["held_on"], unique=False)
    op.create_table(
        "meeting_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=200), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        _meeting_fk("meeting_people"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_people")),
        sa.UniqueConstraint(
            "meeting_id", "position", name=op.f("uq_meeting_people_meeting_id_position")
        ),
    )
    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=True),
        sa.Column("review_id", sa.Integer(), nullable=True),
        sa.Column("inspection_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.CheckConstraint(
            "(CASE WHEN recommendation_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN review_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN inspection_id IS NULL THEN 0 ELSE 1 END) = 1",
            name=op.f("ck_agenda_items_one_subject"),
        ),
        _meeting_fk("agenda_items"),
        _fk("agenda_items", "recommendation_id", "recommendations"),
        _fk("agenda_items", "review_id", "reviews"),
        _fk("agenda_items", "inspection_id", "inspections"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
        sa.UniqueConstraint(
            "meeting_id", "position", name=op.f("uq_agenda_items_meeting_id_position")
        ),
    )
    for column in ("recommendation_id", "review_id", "inspection_id"):
        op.create_index(op.f(f"ix_agenda_items_{column}"), "agenda_items", [column], unique=False)
    op.create_table(
        "decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("recommendation_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "signed-off",
                "extended",
                "evidence-requested",
                "escalated",
                "noted",
                name="kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("until", sa.Date(), nullable=True),
        sa.Column("whom", sa.String(length=200), nullable=False),
        sa.Column("decided_on", sa.Date(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        _meeting_fk("decisions"),
        _fk("decisions", "recommendation_id", "recommendations"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_decisions")),
    )
    for column in ("meeting_id", "recommendation_id"):
        op.create_index(op.f(f"ix_decisions_{column}"), "decisions", [column], unique=False)


def downgrade() -> None:
    for table in ("decisions", "agenda_items", "meeting_people", "meetings"):
        op.drop_table(table)
