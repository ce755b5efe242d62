"""notification preferences store only the quiet hours a shopper chose

``quiet_start``/``quiet_end`` were NOT NULL with defaults 21:00/08:00, so every preference row
(saved for "Yes, send updates here" or a /stop) carried hard-coded quiet hours that overrode the
operator's QUIET_HOURS_* setting. They become nullable: NULL means the operator's setting.

Rows holding exactly the old defaults (21:00-08:00) are cleared: nearly all of them were written
by the defaults, not by a shopper, and one who did choose 21:00-08:00 keeps it whenever the
operator's setting is the default.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_COLUMNS = ("quiet_start", "quiet_end")


def upgrade() -> None:
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        for column in _COLUMNS:
            batch_op.alter_column(
                column, existing_type=sqlmodel.sql.sqltypes.AutoString(length=5), nullable=True
            )
    op.execute(
        sa.text(
            "UPDATE notification_preferences SET quiet_start = NULL, quiet_end = NULL"
            " WHERE quiet_start = '21:00' AND quiet_end = '08:00'"
        )
    )


def downgrade() -> None:
    op.execute(sa.text("UPDATE notification_preferences SET quiet_start = '21:00' WHERE quiet_start IS NULL"))
    op.execute(sa.text("UPDATE notification_preferences SET quiet_end = '08:00' WHERE quiet_end IS NULL"))
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        for column in _COLUMNS:
            batch_op.alter_column(
                column, existing_type=sqlmodel.sql.sqltypes.AutoString(length=5), nullable=False
            )
