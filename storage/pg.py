"""Direct PostgreSQL connections (asyncpg) for the few jobs that must not go through the pool.

Send pacing and the advisory-lock leader each keep their own small connections: a pacing booking
must commit at once, whatever unit of work the caller is in, and a session-level advisory lock
lives exactly as long as the one connection that took it.
"""

from __future__ import annotations

from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from storage.errors import StorageError

#: the server closes a dead peer's session (and releases its advisory locks) within about
#: idle + interval * count seconds, even when the machine vanished without closing the socket
KEEPALIVE_SETTINGS = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
}


def asyncpg_dsn(url: str) -> str:
    """The ``postgresql://`` DSN asyncpg takes for a ``postgresql+asyncpg://`` URL."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise StorageError(f"not a PostgreSQL URL: {parsed.render_as_string(hide_password=True)}")
    return parsed.set(drivername="postgresql").render_as_string(hide_password=False)


async def connect(url: str, **kwargs: Any) -> asyncpg.Connection:
    """One connection of its own to the database at ``url`` (TCP keepalives on, see above)."""
    settings = {**KEEPALIVE_SETTINGS, **kwargs.pop("server_settings", {})}
    try:
        return await asyncpg.connect(asyncpg_dsn(url), server_settings=settings, **kwargs)
    except (OSError, asyncpg.PostgresError) as exc:
        raise StorageError(f"cannot connect to PostgreSQL: {type(exc).__name__}: {exc}") from exc


async def create_pool(url: str, *, size: int) -> asyncpg.Pool:
    """A small pool of connections of its own to the database at ``url``."""
    try:
        return await asyncpg.create_pool(
            asyncpg_dsn(url), min_size=1, max_size=size, server_settings=dict(KEEPALIVE_SETTINGS)
        )
    except (OSError, asyncpg.PostgresError) as exc:
        raise StorageError(f"cannot connect to PostgreSQL: {type(exc).__name__}: {exc}") from exc
