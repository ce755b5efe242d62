"""Who gets into the console: the password or API token, the session cookie, CSRF tokens, the Origin check,
the login rate limit, and a console with no login configured."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

import pytest

from bot.admin.session import COOKIE_NAME, SESSION_SECONDS, SessionCodec
from bot.app_keys import CLOCK
from bot.clock import FakeClock
from bot.config import load_settings
from bot.errors import ConfigError
from tests.bot.admin.conftest import API_TOKEN, NOW, PASSWORD, SECRET, ConsoleServer, StartConsole


def session_cookie(response_cookies: SimpleCookie) -> str | None:
    morsel = response_cookies.get(COOKIE_NAME)
    return morsel.value if morsel is not None and morsel.value else None


async def test_pages_without_a_session_go_to_the_login_page(console: ConsoleServer) -> None:
    for path in ("/admin", "/admin/orders?number=1001", "/admin/handoffs/1"):
        response = await console.client.get(path, allow_redirects=False)
        assert response.status == 303, path
        assert response.headers["Location"].startswith("/admin/login?next=/admin"), path
    page = await console.client.get("/admin/login")
    text = await page.text()
    assert page.status == 200
    assert "Admin password or API token" in text
    assert page.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert page.headers["Cache-Control"] == "no-store"


async def test_the_password_logs_in_with_a_strict_http_only_cookie(console: ConsoleServer) -> None:
    response = await console.login()
    assert response.status == 303
    assert response.headers["Location"] == "/admin"
    raw = next(h for h in response.headers.getall("Set-Cookie") if h.startswith(f"{COOKIE_NAME}="))
    attributes = {part.strip().split("=")[0].lower() for part in raw.split(";")}
    assert {"httponly", "path", "samesite", "max-age"} <= attributes
    assert "SameSite=Strict" in raw and "Path=/admin" in raw and f"Max-Age={SESSION_SECONDS}" in raw
    assert "secure" not in attributes  # served over plain http here
    dashboard = await console.client.get("/admin")
    assert dashboard.status == 200
    assert "Outcomes, 2026-11-01 to 2026-11-30" in await dashboard.text()


async def test_the_api_token_logs_in_too(console: ConsoleServer) -> None:
    response = await console.login(password=API_TOKEN)
    assert response.status == 303
    assert (await console.client.get("/admin", allow_redirects=False)).status == 200


async def test_a_wrong_password_is_refused_and_gets_no_session(console: ConsoleServer) -> None:
    for wrong in ("wrong-password", PASSWORD + "x", PASSWORD[:-1], ""):
        response = await console.login(password=wrong)
        assert response.status == 401, wrong
        assert "Wrong password." in await response.text()
        assert session_cookie(response.cookies) is None
    assert (await console.client.get("/admin", allow_redirects=False)).status == 303


async def test_a_forged_altered_or_expired_cookie_is_refused(console: ConsoleServer) -> None:
    await console.login()
    good = console.client.session.cookie_jar.filter_cookies(console.client.make_url("/admin"))[
        COOKIE_NAME
    ].value
    clock = console.app[CLOCK]
    assert isinstance(clock, FakeClock)
    other_secret = SessionCodec("another-secret", (PASSWORD, API_TOKEN), clock)
    old_password = SessionCodec(SECRET, ("old-password", API_TOKEN), clock)
    forged = [
        good[:-2] + ("AA" if not good.endswith("AA") else "BB"),  # signature altered
        good.replace(good.split(".")[0], good.split(".")[0][::-1]),  # payload altered
        other_secret.dump(other_secret.issue("Eve")),  # signed with another key
        old_password.dump(old_password.issue("Eve")),  # issued before the password changed
        "not-a-cookie",
    ]
    for value in forged:
        console.client.session.cookie_jar.clear()
        console.client.session.cookie_jar.update_cookies(
            {COOKIE_NAME: value}, console.client.make_url("/admin")
        )
        assert (await console.client.get("/admin", allow_redirects=False)).status == 303, value

    console.client.session.cookie_jar.update_cookies({COOKIE_NAME: good}, console.client.make_url("/admin"))
    assert (await console.client.get("/admin", allow_redirects=False)).status == 200
    clock.set(NOW + timedelta(seconds=SESSION_SECONDS + 1))
    assert (await console.client.get("/admin", allow_redirects=False)).status == 303


async def test_forms_need_a_session_the_csrf_token_and_this_origin(console: ConsoleServer) -> None:
    [ann, _] = await console.open_handoffs()
    path = f"/admin/handoffs/{ann.id}"
    await console.login()
    csrf, once = await console.form_tokens(path)
    form = {"csrf": csrf, "once": once, "agent": "Maya", "text": "Hello from the console"}
    own = {"Origin": console.origin}

    without_csrf = {k: v for k, v in form.items() if k != "csrf"}
    response = await console.client.post(
        f"{path}/reply", data=without_csrf, headers=own, allow_redirects=False
    )
    assert response.status == 403
    assert "security token" in await response.text()
    response = await console.client.post(
        f"{path}/reply", data={**form, "csrf": "guessed"}, headers=own, allow_redirects=False
    )
    assert response.status == 403
    for origin in ("https://evil.example", "null", "http://127.0.0.1:1"):
        response = await console.client.post(
            f"{path}/resolve", data=form, headers={"Origin": origin}, allow_redirects=False
        )
        assert response.status == 403, origin
    response = await console.client.post(
        f"{path}/resolve", data=form, allow_redirects=False
    )  # no Origin at all
    assert response.status == 403

    console.client.session.cookie_jar.clear()
    response = await console.client.post(f"{path}/resolve", data=form, headers=own, allow_redirects=False)
    assert response.status == 401
    assert "Log in again" in await response.text()

    # nothing of it happened
    assert console.telegram.sent_messages() == []
    assert [h.status for h in await console.open_handoffs()] == ["open", "open"]


async def test_a_referer_of_this_server_stands_in_for_a_missing_origin(console: ConsoleServer) -> None:
    [ann, _] = await console.open_handoffs()
    await console.login()
    csrf, _ = await console.form_tokens(f"/admin/handoffs/{ann.id}")
    response = await console.client.post(
        f"/admin/handoffs/{ann.id}/claim",
        data={"csrf": csrf, "agent": "Maya"},
        headers={"Referer": console.url(f"/admin/handoffs/{ann.id}")},
        allow_redirects=False,
    )
    assert response.status == 303
    assert response.headers["Location"] == f"/admin/handoffs/{ann.id}?done=claimed"


async def test_a_login_needs_its_form_token_and_this_origin(console: ConsoleServer) -> None:
    no_form = await console.client.post(
        "/admin/login", data={"password": PASSWORD, "csrf": "x"}, headers={"Origin": console.origin}
    )
    assert no_form.status == 403
    assert "The login form expired" in await no_form.text()
    await console.client.get("/admin/login")
    elsewhere = await console.client.post(
        "/admin/login", data={"password": PASSWORD}, headers={"Origin": "https://evil.example"}
    )
    assert elsewhere.status == 403
    assert (await console.client.get("/admin", allow_redirects=False)).status == 303


async def test_login_attempts_are_limited_per_address(console: ConsoleServer) -> None:
    statuses = [(await console.login(password=f"guess-{n}")).status for n in range(5)]
    assert statuses == [401] * 5
    limited = await console.login()  # even the right password waits its turn
    assert limited.status == 429
    assert int(limited.headers["Retry-After"]) >= 1
    assert "Too many login attempts" in await limited.text()
    clock = console.app[CLOCK]
    assert isinstance(clock, FakeClock)
    clock.advance(timedelta(seconds=61))
    assert (await console.login()).status == 303


async def test_a_login_goes_back_to_the_page_asked_for_but_never_off_the_console(
    console: ConsoleServer,
) -> None:
    first = await console.client.get("/admin/handoffs/2", allow_redirects=False)
    assert first.headers["Location"] == "/admin/login?next=/admin/handoffs/2"
    for target, lands in (
        ("/admin/handoffs/2", "/admin/handoffs/2"),
        ("//evil.example/admin", "/admin"),
        ("https://evil.example/", "/admin"),
        ("/admin\r\nSet-Cookie: x=1", "/admin"),
    ):
        console.client.session.cookie_jar.clear()
        form = await (await console.client.get("/admin/login")).text()
        csrf = form.split('name="csrf" value="')[1].split('"')[0]
        response = await console.client.post(
            "/admin/login",
            data={"csrf": csrf, "password": PASSWORD, "agent": "Maya", "next": target},
            headers={"Origin": console.origin},
            allow_redirects=False,
        )
        assert response.status == 303
        assert response.headers["Location"] == lands, target


async def test_logout_forgets_the_session(console: ConsoleServer) -> None:
    await console.login()
    page = await (await console.client.get("/admin")).text()
    csrf = page.split('name="csrf" value="')[1].split('"')[0]
    response = await console.client.post(
        "/admin/logout", data={"csrf": csrf}, headers={"Origin": console.origin}, allow_redirects=False
    )
    assert response.status == 303
    assert response.headers["Location"] == "/admin/login"
    assert (await console.client.get("/admin", allow_redirects=False)).status == 303


async def test_cookies_are_secure_when_the_console_is_served_over_https(start_console: StartConsole) -> None:
    server = await start_console(seed=False, public_url="https://shop.example")
    form = await server.client.get("/admin/login")
    raw = next(h for h in form.headers.getall("Set-Cookie") if h.startswith("doorstep_admin_login="))
    assert "Secure" in raw and "HttpOnly" in raw and "SameSite=Strict" in raw


async def test_without_a_password_or_token_the_console_says_it_is_disabled(
    start_console: StartConsole,
) -> None:
    server = await start_console(seed=False, admin_password=None, api_token=None)
    for path in ("/admin", "/admin/login", "/admin/handoffs"):
        response = await server.client.get(path, allow_redirects=False)
        assert response.status == 503, path
        assert "The console is disabled" in await response.text()
    login = await server.client.post("/admin/login", data={"password": ""}, headers={"Origin": server.origin})
    assert login.status == 503
    api = await server.client.get("/api/handoffs")
    assert api.status == 401


def test_a_short_admin_password_stops_start_up_with_one_line() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings(admin_password="short")
    assert str(refused.value).startswith("DOORSTEP_ADMIN_PASSWORD is invalid: ")
    assert "at least 8 characters" in str(refused.value)
    assert load_settings(admin_password="long-enough").console_enabled
    assert not load_settings(admin_password=None, api_token=None).console_enabled
