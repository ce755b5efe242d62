"""Checks the CLI makes before a command opens the database or listens on a port.

Which database a command uses:

- ``DATABASE_URL`` set (environment or ``doorstep.toml``): that one, for every command;
- otherwise ``demo`` and ``chat`` use the demo shop's ``./doorstep-demo.db``, and every other command
  ``./doorstep.db``; a command that needs an existing database (``explain``, ``link``, ``events replay``)
  uses the demo shop's file when ``./doorstep.db`` does not exist and ``./doorstep-demo.db`` does, and
  says so on stderr.

Only ``serve``, ``demo``, ``chat`` (which seeds the demo shop), ``db upgrade`` and ``import`` may create
a SQLite file; the other commands stop with one line when it is missing (see :func:`require_database`).
"""

from __future__ import annotations

import errno
import socket
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from bot.config import Settings
from bot.errors import DoorstepError

#: the demo shop's database (``doorstep demo``, ``doorstep chat``)
DEMO_DATABASE_URL = "sqlite+aiosqlite:///./doorstep-demo.db"


class DatabaseMissing(DoorstepError):
    """A command that reads an existing database found no SQLite file where the URL points."""


class PortUnavailable(DoorstepError):
    """The server cannot listen on HOST:PORT (taken, not allowed, or not an address of this machine)."""


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names (relative to the working directory), or None for another database."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.query.get("uri"):
        return None
    if parsed.database in (None, "", ":memory:"):
        return None
    return Path(parsed.database)


def choose_database(settings: Settings, *, demo: bool, existing: bool) -> tuple[Settings, str | None]:
    """The settings with the database this command uses, and a note to print when it was a fallback.

    ``demo``: the command works on the demo shop; ``existing``: it reads a database that must exist.
    """
    if "database_url" in settings.model_fields_set:
        return settings, None
    if demo:
        return settings.model_copy(update={"database_url": DEMO_DATABASE_URL}), None
    default, demo_file = sqlite_file(settings.database_url), sqlite_file(DEMO_DATABASE_URL)
    if existing and default is not None and not default.exists() and demo_file and demo_file.exists():
        note = (
            f"using the demo shop's database {demo_file.absolute()} "
            f"(DOORSTEP_DATABASE_URL is not set and {default.absolute()} does not exist)"
        )
        return settings.model_copy(update={"database_url": DEMO_DATABASE_URL}), note
    return settings, None


def require_database(url: str) -> None:
    """Raise :class:`DatabaseMissing` when ``url`` names a SQLite file that does not exist."""
    path = sqlite_file(url)
    if path is not None and not path.is_file():
        raise DatabaseMissing(
            f"no database at {path.absolute()}: set DOORSTEP_DATABASE_URL to the shop's database, or create one with "
            "`doorstep demo` (the demo shop) or `doorstep db upgrade` (empty)"
        )


def listen_error(host: str, port: int, exc: OSError) -> PortUnavailable:
    """The one-line error for a failed bind of ``host:port``, naming the setting to change."""
    if exc.errno == errno.EADDRINUSE:
        return PortUnavailable(
            f"port {port} on {host} is already in use: stop the program using it "
            "or set DOORSTEP_PORT to a free port"
        )
    if exc.errno == errno.EACCES:
        return PortUnavailable(
            f"port {port} on {host} needs more privileges: set DOORSTEP_PORT to a port above 1023"
        )
    if exc.errno == errno.EADDRNOTAVAIL:
        return PortUnavailable(f"{host} is not an address of this machine: set DOORSTEP_HOST, e.g. 127.0.0.1")
    reason = exc.strerror or str(exc)
    return PortUnavailable(
        f"cannot listen on {host}:{port} ({reason}): check DOORSTEP_HOST and DOORSTEP_PORT"
    )


def ensure_port_free(host: str, port: int) -> None:
    """Bind ``host:port`` the way the server will (address reuse on), then let it go.

    Raises :class:`PortUnavailable` with one line naming ``DOORSTEP_PORT`` (or ``DOORSTEP_HOST``).
    """
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise PortUnavailable(f"DOORSTEP_HOST {host!r} cannot be resolved ({exc.strerror})") from None
    for family, kind, proto, _name, address in addresses:
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                probe.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                probe.bind(address)
            except OSError as exc:
                raise listen_error(host, port, exc) from None
