"""webchat mailbox: frames stored for web chat visitors, numbered per visitor

A pushed message (proactive, staff reply) or an answer whose page had closed is stored first and
delivered by whichever process holds the visitor's socket; a page that reconnects, to any process
and after any restart, gets what it missed in order, once (acknowledged by sequence number).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-10 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "webchat_visitors",
        sa.Column("visitor_id", text(length=64), nullable=False),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("acked_seq", sa.Integer(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("visitor_id"),
    )
    op.create_table(
        "webchat_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("visitor_id", text(length=64), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("frame", sa.JSON(), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["visitor_id"], ["webchat_visitors.visitor_id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("visitor_id", "seq", name="uq_webchat_message_seq"),
    )
    op.create_index("ix_webchat_messages_created", "webchat_messages", ["created_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_webchat_messages_created", table_name="webchat_messages")
    op.drop_table("webchat_messages")
    op.drop_table("webchat_visitors")
