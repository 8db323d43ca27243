"""a database's identity, where a copy came from, and what is checked out of it

Every database gets a random id, made once (new databases and those upgraded alike), so a copy
taken to a meeting is told from its origin and from copies of other databases. A copy records
its origin and the state of what it holds (the base of a later merge); the shared database
notes what is checked out (docs/architecture.md, "The meeting laptop").

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05 01:30:00
"""

import datetime as dt
import uuid
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    identity = op.create_table(
        "database_identity",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_database_identity")),
    )
    now = dt.datetime.now(dt.UTC)
    made = now.replace(tzinfo=None) if op.get_bind().dialect.name == "sqlite" else now
    op.bulk_insert(identity, [{"id": str(uuid.uuid4()), "created_at": made}])
    op.create_table(
        "checkout_origin",
        sa.Column("copy_id", sa.String(length=36), nullable=False),
        sa.Column("origin_id", sa.String(length=36), nullable=False),
        sa.Column("origin_location", sa.Text(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=200), nullable=False),
        sa.Column("origin_schema", sa.String(length=32), nullable=False),
        sa.Column("origin_audit_id", sa.Integer(), nullable=True),
        sa.Column("origin_audit_hash", sa.String(length=64), nullable=True),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.Column("base", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("copy_id", name=op.f("pk_checkout_origin")),
    )
    op.create_table(
        "checkouts",
        sa.Column("copy_id", sa.String(length=36), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("taken_by", sa.String(length=200), nullable=False),
        sa.Column("target", sa.Text(), nullable=False),
        sa.Column("scope", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("copy_id", name=op.f("pk_checkouts")),
    )


def downgrade() -> None:
    op.drop_table("checkouts")
    op.drop_table("checkout_origin")
    op.drop_table("database_identity")
