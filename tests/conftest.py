"""Shared fixtures: real SQLite files and a real PostgreSQL server on loopback.

PostgreSQL: when ``DOORSTEP_TEST_PG_URL`` is set (``.ci/run`` sets it) that server is used;
otherwise a throwaway cluster is created with ``initdb`` in a temporary directory and started
on a free loopback port for the test session. Each test gets its own database cloned from a
migrated template, so tests never see each other's rows.

Tests must not reach the internet: any connection to a non-loopback address fails.
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from aiohttp import web_app

from storage.migrate import upgrade
from storage.store import Store
from tests.loopback import TempPostgres

# ---------------------------------------------------------------- no internet
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


def _is_loopback(address: object) -> bool:
    if isinstance(address, (str, bytes)):  # unix socket path
        return True
    host = address[0] if isinstance(address, tuple) else address
    return str(host) in ("localhost", "::1") or str(host).startswith("127.")


def _guarded_connect(self: socket.socket, address: object) -> None:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise RuntimeError(f"tests must not touch the network: connect to {address!r}")
    return _real_connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address):
        raise RuntimeError(f"tests must not touch the network: connect to {address!r}")
    return _real_connect_ex(self, address)


def _guarded_getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
    if host not in (None, "localhost", "::1") and not str(host).startswith("127."):
        raise RuntimeError(f"tests must not touch the network: resolve {host!r}")
    return _real_getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]


socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
socket.getaddrinfo = _guarded_getaddrinfo  # type: ignore[assignment]


# ---------------------------------------------------------------- stopped apps are freed
@pytest.fixture(autouse=True)
def _forget_stopped_apps() -> Iterator[None]:
    """Drop aiohttp's cache of built middleware chains after each test.

    aiohttp caches a request's middleware chain per (handler, applications), up to 1,024 entries,
    so the cache keeps every application it has served, with its store, NLU model and search index.
    A server has one application; this suite builds hundreds, and without this the test process
    grew to about 20 GB.
    """
    yield
    cache = getattr(web_app, "_cached_build_middleware", None)
    if cache is not None:
        cache.cache_clear()


# ---------------------------------------------------------------- PostgreSQL
@pytest.fixture(scope="session")
def pg_admin_url() -> Iterator[str]:
    """URL of a PostgreSQL server's ``postgres`` database (superuser)."""
    given = os.environ.get("DOORSTEP_TEST_PG_URL")
    if given:
        yield given
        return
    cluster = TempPostgres(settings={"fsync": "off", "max_connections": "200"}, stop_mode="immediate")
    cluster.start()
    try:
        yield cluster.url()
    finally:
        cluster.stop()


async def _pg_execute(admin_url: str, sql: str) -> None:
    import asyncpg

    dsn = admin_url.replace("postgresql+asyncpg://", "postgresql://")
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def _with_database(admin_url: str, name: str) -> str:
    base, _, _ = admin_url.rpartition("/")
    return f"{base}/{name}"


@pytest.fixture(scope="session")
def pg_template(pg_admin_url: str) -> str:
    """Name of a migrated template database that test databases are cloned from."""
    name = f"doorstep_tpl_{uuid.uuid4().hex[:8]}"

    async def _make() -> None:
        await _pg_execute(pg_admin_url, f'CREATE DATABASE "{name}"')
        await upgrade(_with_database(pg_admin_url, name))

    # session fixtures may be first requested from inside a running test loop
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _make()).result()
    return name


async def new_pg_database(pg_admin_url: str, template: str | None) -> str:
    """Create an empty (or template-cloned) database and return its URL."""
    name = f"doorstep_t_{uuid.uuid4().hex[:12]}"
    suffix = f' TEMPLATE "{template}"' if template else ""
    await _pg_execute(pg_admin_url, f'CREATE DATABASE "{name}"{suffix}')
    return _with_database(pg_admin_url, name)


# ---------------------------------------------------------------- databases for tests
@pytest.fixture(params=["sqlite", "postgresql"])
async def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: one SQLite file, then one PostgreSQL database."""
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
        await upgrade(url)
        return url
    admin = request.getfixturevalue("pg_admin_url")
    template = request.getfixturevalue("pg_template")
    return await new_pg_database(admin, template)


@pytest.fixture
async def sqlite_url(tmp_path: Path) -> str:
    """A migrated, empty SQLite database file."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    await upgrade(url)
    return url


@pytest.fixture
async def store(db_url: str) -> AsyncIterator[Store]:
    """A Store on each database kind."""
    async with Store(db_url) as s:
        yield s


@pytest.fixture
async def sqlite_store(sqlite_url: str) -> AsyncIterator[Store]:
    """A Store on SQLite only (for tests whose subject is not the database)."""
    async with Store(sqlite_url) as s:
        yield s
