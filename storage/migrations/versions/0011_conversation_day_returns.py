"""conversation_days: when the shopper came back (return_seconds); indexes for the report

A later day's first message about the same subject writes ``return_seconds`` on the earlier days
(seconds after their last message), so the report reads returns within 72 hours or 7 days as a
column instead of looking for the next day of every conversation. ``(first_intent, day)`` serves
the WISMO contacts and the counts by intent; ``decision_log (decision, kind, created_at)`` the
proactive counts.

Rows written before this revision are filled from the rows themselves.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-09 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NEXT = (
    "(SELECT MIN(r.started_at) FROM conversation_days r WHERE r.party = conversation_days.party"
    " AND r.subject = conversation_days.subject AND r.day > conversation_days.day)"
)


def upgrade() -> None:
    with op.batch_alter_table("conversation_days", schema=None) as batch_op:
        batch_op.add_column(sa.Column("return_seconds", sa.Integer(), nullable=True))
    op.create_index("ix_conversation_days_intent", "conversation_days", ["first_intent", "day"], unique=False)
    op.create_index(
        "ix_decision_log_decision_kind", "decision_log", ["decision", "kind", "created_at"], unique=False
    )
    if op.get_bind().dialect.name == "postgresql":
        seconds = f"CAST(EXTRACT(EPOCH FROM ({_NEXT} - last_at)) AS INTEGER)"
    else:
        seconds = f"CAST(ROUND((julianday({_NEXT}) - julianday(last_at)) * 86400) AS INTEGER)"
    op.execute(sa.text(f"UPDATE conversation_days SET return_seconds = {seconds} WHERE subject IS NOT NULL"))


def downgrade() -> None:
    op.drop_index("ix_decision_log_decision_kind", table_name="decision_log")
    op.drop_index("ix_conversation_days_intent", table_name="conversation_days")
    with op.batch_alter_table("conversation_days", schema=None) as batch_op:
        batch_op.drop_column("return_seconds")
