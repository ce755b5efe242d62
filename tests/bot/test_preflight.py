"""The CLI's checks before a command opens the database or listens: which database, present, port free."""

from __future__ import annotations

import errno
import socket
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.preflight import (
    DEMO_DATABASE_URL,
    DatabaseMissing,
    PortUnavailable,
    choose_database,
    ensure_port_free,
    listen_error,
    require_database,
    sqlite_file,
)


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory, with no database setting in the environment."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DOORSTEP_DATABASE_URL", raising=False)
    monkeypatch.setenv("DOORSTEP_CONFIG", str(tmp_path / "no-such.toml"))
    return tmp_path


def test_sqlite_file_names_the_file_of_a_sqlite_url_only() -> None:
    assert sqlite_file("sqlite+aiosqlite:///./doorstep.db") == Path("doorstep.db")
    assert sqlite_file("sqlite+aiosqlite:////var/lib/shop.db") == Path("/var/lib/shop.db")
    assert sqlite_file("sqlite+aiosqlite://") is None
    assert sqlite_file("sqlite+aiosqlite:///:memory:") is None
    assert sqlite_file("postgresql+asyncpg://u:p@db/shop") is None
    assert sqlite_file("not a url") is None


def test_a_read_command_uses_the_demo_shop_when_only_its_database_exists(workdir: Path) -> None:
    (workdir / "doorstep-demo.db").write_bytes(b"")
    settings, note = choose_database(load_settings(), demo=False, existing=True)
    assert settings.database_url == DEMO_DATABASE_URL
    assert note is not None
    assert str(workdir / "doorstep-demo.db") in note
    assert "DOORSTEP_DATABASE_URL is not set" in note


def test_the_default_database_wins_over_the_demo_shop_when_both_exist(workdir: Path) -> None:
    (workdir / "doorstep-demo.db").write_bytes(b"")
    (workdir / "doorstep.db").write_bytes(b"")
    settings, note = choose_database(load_settings(), demo=False, existing=True)
    assert settings.database_url == "sqlite+aiosqlite:///./doorstep.db"
    assert note is None


def test_commands_that_create_a_database_never_fall_back_to_the_demo_shop(workdir: Path) -> None:
    (workdir / "doorstep-demo.db").write_bytes(b"")
    settings, note = choose_database(load_settings(), demo=False, existing=False)
    assert settings.database_url == "sqlite+aiosqlite:///./doorstep.db"
    assert note is None


def test_demo_commands_use_the_demo_database(workdir: Path) -> None:
    settings, note = choose_database(load_settings(), demo=True, existing=False)
    assert settings.database_url == DEMO_DATABASE_URL
    assert note is None


def test_a_database_url_that_is_set_is_used_by_every_command(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "doorstep-demo.db").write_bytes(b"")
    monkeypatch.setenv("DOORSTEP_DATABASE_URL", "sqlite+aiosqlite:///./mine.db")
    for demo, existing in [(True, False), (False, True), (False, False)]:
        settings, note = choose_database(load_settings(), demo=demo, existing=existing)
        assert settings.database_url == "sqlite+aiosqlite:///./mine.db"
        assert note is None


def test_the_database_url_from_doorstep_toml_counts_as_set(
    workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (workdir / "doorstep.toml").write_text('database_url = "sqlite+aiosqlite:///./from-file.db"\n')
    monkeypatch.setenv("DOORSTEP_CONFIG", str(workdir / "doorstep.toml"))
    settings, _ = choose_database(load_settings(), demo=True, existing=False)
    assert settings.database_url == "sqlite+aiosqlite:///./from-file.db"


def test_a_missing_sqlite_file_stops_with_the_three_ways_out(workdir: Path) -> None:
    with pytest.raises(DatabaseMissing) as caught:
        require_database("sqlite+aiosqlite:///./doorstep.db")
    message = str(caught.value)
    assert "\n" not in message
    assert str(workdir / "doorstep.db") in message
    assert "DOORSTEP_DATABASE_URL" in message
    assert "`doorstep demo`" in message
    assert "`doorstep db upgrade`" in message
    assert list(workdir.iterdir()) == []


def test_an_existing_file_or_another_database_passes(workdir: Path) -> None:
    (workdir / "doorstep.db").write_bytes(b"")
    require_database("sqlite+aiosqlite:///./doorstep.db")
    require_database("postgresql+asyncpg://u:p@127.0.0.1:1/none")  # not a file: the driver reports it


def test_a_port_in_use_is_reported_naming_doorstep_port() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(
            PortUnavailable, match=rf"^port {port} on 127.0.0.1 is already in use: .*DOORSTEP_PORT"
        ):
            ensure_port_free("127.0.0.1", port)


def test_a_free_port_passes_and_stays_free() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    ensure_port_free("127.0.0.1", port)
    with socket.socket() as again:
        again.bind(("127.0.0.1", port))  # the check let it go


def test_other_bind_failures_name_the_setting_to_change() -> None:
    denied = listen_error("127.0.0.1", 80, OSError(errno.EACCES, "Permission denied"))
    assert "DOORSTEP_PORT" in str(denied) and "above 1023" in str(denied)
    foreign = listen_error("192.0.2.1", 8080, OSError(errno.EADDRNOTAVAIL, "Cannot assign requested address"))
    assert "DOORSTEP_HOST" in str(foreign)
