"""WhatsApp: the shopper's last message per identity, and delivery reports on outbox rows

``channel_identities.last_message_at`` is when the shopper last wrote from that identity: WhatsApp
allows free-form messages only within 24 hours of it (the customer-service window), templates
outside. ``outbox.delivery_status`` keeps what the provider reported after the send (``delivered``,
``read``, ``failed``); status callbacks find their row by ``provider_message_id``, now indexed.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-08 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("last_message_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("delivery_status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.create_index("ix_outbox_provider_message_id", ["provider_message_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_provider_message_id")
        batch_op.drop_column("delivery_status")
    with op.batch_alter_table("channel_identities", schema=None) as batch_op:
        batch_op.drop_column("last_message_at")
