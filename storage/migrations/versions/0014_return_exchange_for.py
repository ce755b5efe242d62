"""return_requests.exchange_for: an exchange names the size or colour wanted instead

A return with ``exchange_for`` set is an exchange: the shop sends the replacement once the carrier
scans the returned item, instead of refunding it. Rows written before this revision are refunds.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-11 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("return_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("exchange_for", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("return_requests", schema=None) as batch_op:
        batch_op.drop_column("exchange_for")
