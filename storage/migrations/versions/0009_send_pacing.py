"""send_pacing: provider and recipient send slots shared by every process (PostgreSQL)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-10 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "send_pacing",
        sa.Column("provider", text(length=40), nullable=False),
        sa.Column("recipient", text(length=200), nullable=False),
        sa.Column("tat", sa.Float(), nullable=False),
        sa.Column("paused_until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("provider", "recipient"),
    )


def downgrade() -> None:
    op.drop_table("send_pacing")
