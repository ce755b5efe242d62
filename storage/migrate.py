"""Run the Alembic migrations programmatically (``doorstep db upgrade`` and server start)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import create_engine

MIGRATIONS_DIR = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    """An Alembic config pointing at the bundled migrations and ``url``."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(url: str, *, engine: AsyncEngine | None = None, revision: str = "head") -> None:
    """Migrate the database at ``url`` to ``revision``; existing rows are kept."""
    own = engine is None
    engine = engine or create_engine(url)
    cfg = alembic_config(url)
    try:
        async with engine.begin() as conn:

            def _go(sync_conn: object) -> None:
                cfg.attributes["connection"] = sync_conn
                command.upgrade(cfg, revision)

            await conn.run_sync(_go)
    finally:
        if own:
            await engine.dispose()


def upgrade_sync(url: str) -> None:
    """Blocking wrapper for the CLI."""
    asyncio.run(upgrade(url))
