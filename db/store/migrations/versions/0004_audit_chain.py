"""the audit trail hash-chained and append-only

Each entry gets the hash of the entry before it and its own hash over that and its content
(``db.store.audit_chain``); the entries already written are chained here, oldest first. Triggers
then refuse any UPDATE or DELETE of an entry, on SQLite and on PostgreSQL.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 08:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from db.store.audit_chain import FIELDS, GENESIS, entry_hash

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REFUSAL = "the audit trail is append-only: its entries cannot be changed or deleted"


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("hash", sa.String(length=64), nullable=True))
    bind = op.get_bind()
    columns = ", ".join(FIELDS)
    previous = GENESIS
    rows = bind.execute(sa.text(f"SELECT id, {columns} FROM audit_log ORDER BY id")).fetchall()
    update = sa.text("UPDATE audit_log SET prev_hash = :prev, hash = :hash WHERE id = :id")
    chained = []
    for entry_id, *fields in rows:
        own = entry_hash(previous, fields)
        chained.append({"id": entry_id, "prev": previous, "hash": own})
        previous = own
    if chained:
        bind.execute(update, chained)
    if bind.dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN RAISE EXCEPTION '{REFUSAL}'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
            )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER audit_log_no_update")
        op.execute("DROP TRIGGER audit_log_no_delete")
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("hash")
        batch.drop_column("prev_hash")
