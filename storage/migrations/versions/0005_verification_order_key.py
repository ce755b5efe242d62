"""failed verifications remember the order they were about

The lock-out also counts failures per order number across all identities, so that fresh chat
ids cost an attacker something: ``verification_attempts.order_key`` names the order (or the
typed number that matched none), indexed with the time.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verification_attempts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("order_key", sqlmodel.sql.sqltypes.AutoString(length=110), nullable=True)
        )
        batch_op.create_index("ix_verification_order_at", ["order_key", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verification_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_verification_order_at")
        batch_op.drop_column("order_key")
