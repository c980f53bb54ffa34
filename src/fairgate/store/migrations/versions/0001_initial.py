"""Initial schema: lists, entries, the list change log, decisions and their signals.

Revision ID: 0001
Revises:
Create Date: 2025-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TIMESTAMP = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lists",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("list_type", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("severity", sa.Integer(), nullable=False),
        sa.Column("kinds", sa.String(64), nullable=False, comment="comma-joined message kinds"),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lists"),
        sa.UniqueConstraint("name", name="uq_lists_name"),
    )
    op.create_table(
        "entries",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(255), nullable=False),
        sa.Column("added_at", TIMESTAMP, nullable=False),
        sa.Column("disabled_at", TIMESTAMP, nullable=True),
        sa.Column("disabled_by", sa.String(255), nullable=True),
        sa.Column("disabled_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_entries"),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name="fk_entries_list_id_lists"),
    )
    op.create_index("ix_entries_signal_type_value", "entries", ["signal_type", "value"])
    op.create_index("ix_entries_list_id_id", "entries", ["list_id", "id"])
    op.create_index("ix_entries_signal_type_id", "entries", ["signal_type", "id"])
    op.create_table(
        "list_changes",
        sa.Column("seq", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("op", sa.String(16), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("entry_id", BIG_ID, nullable=False),
        sa.Column("at", TIMESTAMP, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_list_changes"),
        sa.ForeignKeyConstraint(["list_id"], ["lists.id"], name="fk_list_changes_list_id_lists"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["entries.id"], name="fk_list_changes_entry_id_entries"
        ),
        sqlite_autoincrement=True,
    )
    op.create_table(
        "decisions",
        sa.Column("decision_id", sa.String(128), nullable=False),
        sa.Column("created_at", TIMESTAMP, nullable=False),
        sa.Column("message_id", sa.String(), nullable=True),
        sa.Column("sender", sa.String(), nullable=False),
        sa.Column("conversation", sa.String(), nullable=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False, comment="JSON of Decision.to_dict()"),
        sa.PrimaryKeyConstraint("decision_id", name="pk_decisions"),
    )
    op.create_index("ix_decisions_sender", "decisions", ["sender"])
    op.create_index("ix_decisions_created_at", "decisions", ["created_at"])
    op.create_table(
        "decision_signals",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("decision_id", sa.String(128), nullable=False),
        sa.Column("attachment", sa.Integer(), nullable=False),
        sa.Column("signal_type", sa.String(32), nullable=False),
        sa.Column("value", sa.String(), nullable=False),
        sa.Column("variant", sa.String(32), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_decision_signals"),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.decision_id"],
            name="fk_decision_signals_decision_id_decisions",
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        "ix_decision_signals_signal_type_value", "decision_signals", ["signal_type", "value"]
    )
    op.create_index("ix_decision_signals_decision_id", "decision_signals", ["decision_id"])


def downgrade() -> None:
    op.drop_table("decision_signals")
    op.drop_table("decisions")
    op.drop_table("list_changes")
    op.drop_table("entries")
    op.drop_table("lists")
