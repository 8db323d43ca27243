"""an index on the audit trail by what each entry is about

The window reads an item's history (its entries, newest first), and who last changed a record
or deleted it, from the audit trail at every selection and every refused change. Without an
index the trail was read from its newest entry back until enough were found: at 1,000,000
entries (100,000 items imported, ten entries each) an item's history took 100-170 ms at each
selection, the oldest items the longest (docs/performance.md, "The audit trail's lookups").

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 05:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("ix_audit_log_entity_entity_id"), "audit_log", ["entity", "entity_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audit_log_entity_entity_id"), table_name="audit_log")
