"""inbox rows say why an event changed nothing, and count redeliveries

An event that changes nothing (older than the parcel's current state, the same status again, a
status that may not follow) keeps its reason in ``inbox.outcome``; a redelivery of the same
(source, event id) counts in ``inbox.duplicates`` with ``last_duplicate_at``. The order timeline
(``doorstep explain``, ``GET /api/orders/{n}/timeline``) lists both.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06 09:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))
        batch_op.add_column(sa.Column("duplicates", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(
            sa.Column("last_duplicate_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("inbox", schema=None) as batch_op:
        batch_op.drop_column("last_duplicate_at")
        batch_op.drop_column("duplicates")
        batch_op.drop_column("outcome")
