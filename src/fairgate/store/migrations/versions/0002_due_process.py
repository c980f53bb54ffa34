"""Accounts and due process: strikes, restrictions, appeals, the review queue
and the hash-chained audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def _decision_fk(table: str, column: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], ["decisions.decision_id"], name=f"fk_{table}_{column}_decisions"
    )


def upgrade() -> None:
    op.add_column(
        "decision_signals",
        sa.Column("quality", sa.Integer(), nullable=True, comment="added in revision 0002"),
    )
    op.create_table(
        "strikes",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(255), nullable=False),
        sa.Column("decision_id", sa.String(128), nullable=False),
        sa.Column("rule", sa.String(64), nullable=False),
        sa.Column("points", sa.Integer(), nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("expires_at", TIMESTAMP, nullable=False),
        sa.Column("removed_at", TIMESTAMP, nullable=True),
        sa.Column("removed_by", sa.String(255), nullable=True),
        sa.Column("removed_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_strikes"),
        _decision_fk("strikes", "decision_id"),
    )
    op.create_index("ix_strikes_account_id_at", "strikes", ["account_id", "at"])
    op.create_index("ix_strikes_decision_id", "strikes", ["decision_id"])
    op.create_table(
        "restrictions",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(255), nullable=False),
        sa.Column("level", sa.String(64), nullable=False),
        sa.Column(
            "capabilities", sa.String(255), nullable=False, comment="comma-joined, taken away"
        ),
        sa.Column("starts_at", TIMESTAMP, nullable=False),
        sa.Column("ends_at", TIMESTAMP, nullable=True, comment="NULL: permanent"),
        sa.Column("cause_decision_id", sa.String(128), nullable=True),
        sa.Column("cause", sa.Text(), nullable=False),
        sa.Column("lifted_at", TIMESTAMP, nullable=True),
        sa.Column("lifted_by", sa.String(255), nullable=True),
        sa.Column("lifted_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_restrictions"),
        _decision_fk("restrictions", "cause_decision_id"),
    )
    op.create_index(
        "ix_restrictions_account_id_starts_at", "restrictions", ["account_id", "starts_at"]
    )
    op.create_table(
        "appeals",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(255), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("filed_at", TIMESTAMP, nullable=False),
        sa.Column("filed_by", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="pending | upheld | overturned"),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("outcome_reason", sa.Text(), nullable=True),
        sa.Column("disabled_entries", sa.Text(), nullable=False, comment="comma-joined entry ids"),
        sa.PrimaryKeyConstraint("id", name="pk_appeals"),
        sa.UniqueConstraint("decision_id", name="uq_appeals_decision_id"),
        _decision_fk("appeals", "decision_id"),
    )
    op.create_index("ix_appeals_status_filed_at", "appeals", ["status", "filed_at"])
    op.create_index("ix_appeals_account_id", "appeals", ["account_id"])
    op.create_table(
        "review_items",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(16), nullable=False, comment="hold | retro | appeal"),
        sa.Column("decision_id", sa.String(128), nullable=False),
        sa.Column("account_id", sa.String(255), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=True),
        sa.Column("entry_id", BIG_ID, nullable=True),
        sa.Column("appeal_id", BIG_ID, nullable=True),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, comment="open | closed"),
        sa.Column("claimed_by", sa.String(255), nullable=True),
        sa.Column("claimed_at", TIMESTAMP, nullable=True),
        sa.Column("decided_at", TIMESTAMP, nullable=True),
        sa.Column("decided_by", sa.String(255), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_review_items"),
        _decision_fk("review_items", "decision_id"),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name="fk_review_items_list_id_lists"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name="fk_review_items_entry_id_entries"
        ),
        sa.ForeignKeyConstraint(
            ["appeal_id"], ["appeals.id"], name="fk_review_items_appeal_id_appeals"
        ),
    )
    op.create_index("ix_review_items_status_created_at", "review_items", ["status", "created_at"])
    op.create_index("ix_review_items_decision_id", "review_items", ["decision_id"])
    op.create_table(
        "audit_events",
        sa.Column("seq", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("actor", sa.String(255), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False, comment="canonical JSON"),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_audit_events"),
        sa.UniqueConstraint("hash", name="uq_audit_events_hash"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_audit_events_subject", "audit_events", ["subject"])
    op.create_index("ix_audit_events_at", "audit_events", ["at"])


def downgrade() -> None:
    op.drop_table("audit_events")
    op.drop_table("review_items")
    op.drop_table("appeals")
    op.drop_table("restrictions")
    op.drop_table("strikes")
    with op.batch_alter_table("decision_signals") as batch:
        batch.drop_column("quality")
