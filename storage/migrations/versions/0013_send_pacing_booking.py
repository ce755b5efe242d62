"""send pacing: one booking is one call of doorstep_book_send() (PostgreSQL)

A booking locks the provider's row, reads the recipient's row and writes both. Done statement by
statement from the client, the provider's row stayed locked for five round trips and a commit
that waited for the disk, which capped the whole deployment at a few hundred bookings a second
and let a 429's pause queue behind them. Inside one function the lock lasts microseconds, and the
commit does not wait for the disk (``synchronous_commit`` off for these transactions only: after a
crash the schedule starts afresh, which costs nothing).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-10 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BOOK_SEND = """
CREATE OR REPLACE FUNCTION doorstep_book_send(
    p_provider text, p_recipient text, p_interval float8, p_recipient_interval float8
) RETURNS TABLE (booked boolean, wait float8, paused_for float8, now float8)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    v_now float8;
    v_tat float8;
    v_paused float8;
    v_recipient_tat float8 := 0;
    v_ready float8;
    v_slot float8;
BEGIN
    PERFORM set_config('synchronous_commit', 'off', true);
    SELECT s.tat, s.paused_until INTO v_tat, v_paused
        FROM send_pacing s WHERE s.provider = p_provider AND s.recipient = '' FOR UPDATE;
    IF NOT FOUND THEN
        INSERT INTO send_pacing (provider, recipient, tat, paused_until) VALUES (p_provider, '', 0, 0)
            ON CONFLICT (provider, recipient) DO NOTHING;
        SELECT s.tat, s.paused_until INTO v_tat, v_paused
            FROM send_pacing s WHERE s.provider = p_provider AND s.recipient = '' FOR UPDATE;
    END IF;
    -- the time once the lock is ours; the recipient's row is read after it (a fresh snapshot)
    v_now := extract(epoch FROM clock_timestamp());
    IF p_recipient_interval IS NOT NULL THEN
        SELECT COALESCE(MAX(s.tat), 0) INTO v_recipient_tat
            FROM send_pacing s WHERE s.provider = p_provider AND s.recipient = p_recipient;
    END IF;
    v_ready := GREATEST(v_now, v_paused, v_recipient_tat);
    IF v_ready > v_now THEN
        RETURN QUERY SELECT false, v_ready - v_now, GREATEST(0, v_paused - v_now), v_now;
        RETURN;
    END IF;
    v_slot := v_now;
    IF p_interval IS NOT NULL THEN
        v_slot := GREATEST(v_now, v_tat);
        UPDATE send_pacing SET tat = v_slot + p_interval WHERE provider = p_provider AND recipient = '';
    END IF;
    IF p_recipient_interval IS NOT NULL THEN
        INSERT INTO send_pacing (provider, recipient, tat, paused_until)
            VALUES (p_provider, p_recipient, v_slot + p_recipient_interval, 0)
            ON CONFLICT (provider, recipient) DO UPDATE SET tat = EXCLUDED.tat;
    END IF;
    RETURN QUERY SELECT true, v_slot - v_now, GREATEST(0, v_paused - v_now), v_now;
END;
$$
"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text(BOOK_SEND))


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(sa.text("DROP FUNCTION IF EXISTS doorstep_book_send(text, text, float8, float8)"))
