"""Entries and stored decision signals are indexed by a digest of their value.

A btree on the raw ``value`` takes at most about 2.7 KB per row on PostgreSQL,
and an ``orb`` entry (local features) is about 12 KB, so adding an image with
local features failed there. ``value_sha256`` (sha256 of the UTF-8 value, 64
hex characters) replaces the raw value in both indexes; the migration fills
it for the rows already stored. SQLite rebuilds both tables (batch mode) to
make the column NOT NULL, with foreign keys off (``migrate.foreign_keys_off``).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIGEST_COMMENT = "sha256 hex of value (added in revision 0005)"
PAGE = 5_000
TABLES = ("entries", "decision_signals")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("value_sha256", sa.String(64), nullable=True))
        _fill_digests(table)
        with op.batch_alter_table(table) as batch:
            batch.alter_column(
                "value_sha256",
                existing_type=sa.String(64),
                nullable=False,
                comment=DIGEST_COMMENT,
            )
            batch.drop_index(f"ix_{table}_signal_type_value")
            batch.create_index(
                f"ix_{table}_signal_type_value_sha256", ["signal_type", "value_sha256"]
            )


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_index(f"ix_{table}_signal_type_value_sha256")
            batch.drop_column("value_sha256")
            batch.create_index(f"ix_{table}_signal_type_value", ["signal_type", "value"])


def _fill_digests(table: str) -> None:
    """sha256 of every stored value, computed here (SQLite has no sha256
    function), a page of rows at a time by id."""
    conn = op.get_bind()
    rows = sa.table(
        table,
        sa.column("id", sa.BigInteger()),
        sa.column("value", sa.String()),
        sa.column("value_sha256", sa.String(64)),
    )
    after = 0
    while True:
        page = conn.execute(
            sa.select(rows.c.id, rows.c.value)
            .where(rows.c.id > after)
            .order_by(rows.c.id)
            .limit(PAGE)
        ).all()
        if not page:
            return
        conn.execute(
            sa.update(rows)
            .where(rows.c.id == sa.bindparam("row_id"))
            .values(value_sha256=sa.bindparam("digest")),
            [
                {"row_id": row_id, "digest": hashlib.sha256(str(value).encode()).hexdigest()}
                for row_id, value in page
            ],
        )
        after = int(page[-1][0])
