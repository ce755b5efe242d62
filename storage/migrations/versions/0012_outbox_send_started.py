"""outbox.send_started_at: a claimed row whose send had not begun is taken again after its lease

Before, every row left ``sending`` by a stopped process was recorded as sent ("delivery
unconfirmed"), also the ones that were only claimed and still waiting for their send slot: those
were never delivered. Rows ``sending`` now are taken as started (as before).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-10 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("send_started_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute(sa.text("UPDATE outbox SET send_started_at = claimed_at WHERE status = 'sending'"))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("send_started_at")
