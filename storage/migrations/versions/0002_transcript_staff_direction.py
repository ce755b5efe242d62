"""transcript direction fits "staff"

The transcript records staff replies relayed from Slack with direction "staff"; the column
was created as VARCHAR(3) ("in" / "out"), which PostgreSQL enforces.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlmodel
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("transcript_messages", schema=None) as batch_op:
        batch_op.alter_column(
            "direction",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=3),
            type_=sqlmodel.sql.sqltypes.AutoString(length=8),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("transcript_messages", schema=None) as batch_op:
        batch_op.alter_column(
            "direction",
            existing_type=sqlmodel.sql.sqltypes.AutoString(length=8),
            type_=sqlmodel.sql.sqltypes.AutoString(length=3),
            existing_nullable=False,
        )
