"""conversation_days: one row per shopper thread and UTC day, the unit of the outcome report

Each engine turn upserts its facts (turn kinds, first substantive intent, the order asked about,
who asked) so the report classifies conversations with grouped SQL, never by reading transcripts.
Conversations before this revision have no row: the report starts counting from here.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-09 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "conversation_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", text(length=20), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("order_number", text(length=64), nullable=True),
        sa.Column("party", text(length=40), nullable=False),
        sa.Column("subject", text(length=80), nullable=True),
        sa.Column("first_intent", text(length=40), nullable=True),
        sa.Column("started_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("last_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("turns", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("waits", sa.Integer(), nullable=False),
        sa.Column("fallbacks", sa.Integer(), nullable=False),
        sa.Column("smalltalk", sa.Integer(), nullable=False),
        sa.Column("handoffs", sa.Integer(), nullable=False),
        sa.Column("in_flow", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversations.id"]),
        sa.ForeignKeyConstraint(["customer_id"], ["customers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("conversation_id", "day", name="uq_conversation_day"),
    )
    op.create_index("ix_conversation_days_day", "conversation_days", ["day"], unique=False)
    op.create_index(
        "ix_conversation_days_return", "conversation_days", ["party", "subject", "started_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_days_return", table_name="conversation_days")
    op.drop_index("ix_conversation_days_day", table_name="conversation_days")
    op.drop_table("conversation_days")
