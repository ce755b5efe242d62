"""Property, over every HTTP endpoint of the real server, on SQLite and on PostgreSQL: whatever
arrives (random bytes, bodies beyond the decoder's limits, valid payloads with parts replaced,
removed or re-typed, odd encodings, right, wrong, stale or missing signatures and tokens, odd
paths and headers), the answer is never a 5xx, and the server stays healthy.

Examples are derandomized (the same ones on every run) so CI is reproducible; each endpoint gets
``EXAMPLES`` of them.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests.fuzz import payloads
from tests.fuzz.conftest import API_TOKEN as API_TOKEN_VALUE
from tests.fuzz.conftest import WHATSAPP_VERIFY_TOKEN, HostileServer
from tests.fuzz.strategies import (
    EXAMPLES,
    FUZZ,
    encoded,
    header_text,
    hostile_text,
    json_values,
    mutated,
    poisoned,
    raw_bodies,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

CONTENT_TYPES = (
    "application/json",
    "application/json; charset=utf-16",
    "application/x-www-form-urlencoded",
    "text/plain",
    "multipart/form-data; boundary=x",
    "",
)
AUTH_KINDS = st.sampled_from(["right", "right", "right", "wrong", "malformed", "missing"])


def bodies(template: Any) -> st.SearchStrategy[bytes]:
    """Bodies for an endpoint whose valid payload is ``template`` (a value, or a strategy of them):
    valid (sometimes oddly encoded), valid but for one text people type (a lone surrogate, a NUL, line
    breaks, personal data ...), with parts replaced, removed or re-typed, or anything at all (raw bytes,
    JSON beyond the decoder's limits, any JSON value)."""
    valid = template if isinstance(template, st.SearchStrategy) else st.just(template)
    return st.sampled_from(["valid", "mutated", "raw", "any", "poisoned", "poisoned"]).flatmap(
        lambda kind: {
            "valid": valid.flatmap(encoded),
            "mutated": valid.flatmap(mutated).flatmap(encoded),
            "poisoned": valid.flatmap(poisoned).map(lambda value: json.dumps(value).encode()),
            "raw": raw_bodies,
            "any": json_values.flatmap(encoded),
        }[kind]
    )


async def check(
    server: HostileServer, method: str, path: str, body: bytes | None, headers: dict[str, str]
) -> int:
    """Send one request; fail on a 5xx with what was sent."""
    answer = await server.send(method, path, data=body, headers=headers)
    if answer.status >= 500:
        pytest.fail(
            f"{method} {path:.300} -> {answer.status} {answer.body[:300]!r}\nheaders {headers}\nbody {body!r:.600}"
        )
    return answer.status


async def healthy(server: HostileServer) -> None:
    """/healthz answers 200 and no request so far was counted as a server error."""
    response = await server.send("GET", "/healthz")
    assert response.status == 200
    assert server.server_errors() == {}


IDS = st.integers(min_value=1, max_value=10**6)


# ---------------------------------------------------------------- chat
@FUZZ
@given(body=bodies(IDS.map(payloads.chat_body)), content_type=st.sampled_from(CONTENT_TYPES))
async def test_api_chat(hostile_server: HostileServer, body: bytes, content_type: str) -> None:
    await check(hostile_server, "POST", "/api/chat", body, {"Content-Type": content_type})


@FUZZ
@given(body=bodies(IDS.map(payloads.telegram_update)), auth=AUTH_KINDS)
async def test_telegram_webhook(hostile_server: HostileServer, body: bytes, auth: str) -> None:
    headers = {"Content-Type": "application/json", **payloads.telegram_secret(auth)}
    status = await check(hostile_server, "POST", "/telegram/webhook", body, headers)
    if auth != "right":
        assert status == 401


@FUZZ
@given(data=st.data(), auth=AUTH_KINDS)
async def test_whatsapp_webhook(hostile_server: HostileServer, data: st.DataObject, auth: str) -> None:
    fake = hostile_server.whatsapp
    notifications = IDS.map(
        lambda n: payloads.whatsapp_notification(fake.phone_number_id, fake.display_number, n)
    )
    body = data.draw(bodies(notifications))
    headers = {"Content-Type": "application/json", **payloads.whatsapp_signature(auth, body, fake.app_secret)}
    status = await check(hostile_server, "POST", "/whatsapp/webhook", body, headers)
    if auth != "right":
        assert status == 401


@pytest.mark.parametrize(
    ("text", "name", "sender"),
    [
        ("hi \ud83d", "Ann", payloads.WHATSAPP_SHOPPER),  # half an emoji
        ("nul\x00", "Ann\x00", payloads.WHATSAPP_SHOPPER),  # PostgreSQL cannot store NUL
        ("hi", "Ann " + "x" * 5000, payloads.WHATSAPP_SHOPPER),  # longer than the name column
        ("hi", "Ann", "1" * 5000),  # not a phone number: ignored
    ],
    ids=["lone-surrogate", "nul", "long-name", "long-sender"],
)
async def test_whatsapp_messages_that_once_failed_with_500(
    hostile_server: HostileServer, text: str, name: str, sender: str
) -> None:
    """Each of these was a 500, which Meta answers by delivering the notification again, forever."""
    fake = hostile_server.whatsapp
    note = payloads.whatsapp_notification(
        fake.phone_number_id, fake.display_number, len(hostile_server.statuses)
    )
    value = note["entry"][0]["changes"][0]["value"]
    value["messages"][0].update({"from": sender, "text": {"body": text}})
    value["contacts"][0].update({"wa_id": sender, "profile": {"name": name}})
    body = json.dumps(note).encode()
    headers = {
        "Content-Type": "application/json",
        **payloads.whatsapp_signature("right", body, fake.app_secret),
    }
    assert await check(hostile_server, "POST", "/whatsapp/webhook", body, headers) == 200


@FUZZ
@given(
    mode=st.sampled_from(["subscribe", "subscribe", "unsubscribe", ""]) | hostile_text,
    token=st.sampled_from([WHATSAPP_VERIFY_TOKEN, WHATSAPP_VERIFY_TOKEN, "wrong", ""]) | hostile_text,
    challenge=hostile_text,
)
async def test_whatsapp_subscription_check(
    hostile_server: HostileServer, mode: str, token: str, challenge: str
) -> None:
    query = "&".join(
        f"{key}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
        for key, value in (("hub.mode", mode), ("hub.verify_token", token), ("hub.challenge", challenge))
    )
    await check(hostile_server, "GET", f"/whatsapp/webhook?{query}", None, {})


# ---------------------------------------------------------------- Slack
@FUZZ
@given(
    data=st.data(),
    auth=st.sampled_from(["right", "right", "right", "wrong", "stale", "malformed", "missing"]),
)
async def test_slack_events(hostile_server: HostileServer, data: st.DataObject, auth: str) -> None:
    response_url = hostile_server.slack.response_url("fuzz")
    shape = data.draw(st.sampled_from(["event", "click", "command", "raw"]))
    content_type = "application/x-www-form-urlencoded"
    if shape == "event":
        body, content_type = data.draw(bodies(payloads.slack_event())), "application/json"
    elif shape == "click":
        body = payloads.form(
            data.draw(
                st.just(payloads.slack_click(response_url)) | mutated(payloads.slack_click(response_url))
            )
        )
    elif shape == "command":
        command = payloads.slack_command(response_url)
        body = payloads.form(data.draw(st.just(command) | mutated(command)))
    else:
        body = data.draw(raw_bodies)
        content_type = data.draw(st.sampled_from(CONTENT_TYPES))
    headers = {"Content-Type": content_type, **payloads.slack_signature(auth, body)}
    status = await check(hostile_server, "POST", "/slack/events", body, headers)
    if auth != "right":
        assert status == 401


# ---------------------------------------------------------------- provider webhooks
@FUZZ
@given(data=st.data(), auth=AUTH_KINDS)
async def test_shopify_webhook(hostile_server: HostileServer, data: st.DataObject, auth: str) -> None:
    resources = payloads.shopify_resources()
    topic = data.draw(st.sampled_from(payloads.SHOPIFY_TOPICS) | header_text())
    kind = "refund" if topic.startswith("refunds") else "fulfillment" if "fulfil" in topic else "order"
    body = data.draw(bodies(resources[kind]))
    webhook_id = data.draw(IDS.map(str) | header_text())
    headers = {
        "Content-Type": "application/json",
        **payloads.shopify_headers(topic, webhook_id),
        **payloads.provider_signature("shopify", auth, body),
    }
    status = await check(hostile_server, "POST", "/webhooks/shopify", body, headers)
    if auth != "right":
        assert status == 401


@FUZZ
@given(provider=st.sampled_from(["easypost", "aftership"]), data=st.data(), auth=AUTH_KINDS)
async def test_carrier_webhooks(
    hostile_server: HostileServer, provider: str, data: st.DataObject, auth: str
) -> None:
    template = payloads.easypost_event() if provider == "easypost" else payloads.aftership_event()
    body = data.draw(bodies(template))
    headers = {"Content-Type": "application/json", **payloads.provider_signature(provider, auth, body)}
    status = await check(hostile_server, "POST", f"/webhooks/{provider}", body, headers)
    if auth != "right":
        assert status == 401


# ---------------------------------------------------------------- operator API
EVENT_ARRAYS = st.lists(IDS.map(payloads.normalized_event), min_size=1, max_size=3).map(
    lambda events: json.dumps(events).encode()
)


@FUZZ
@given(body=bodies(IDS.map(payloads.normalized_event)) | EVENT_ARRAYS, auth=AUTH_KINDS)
async def test_api_events(hostile_server: HostileServer, body: bytes, auth: str) -> None:
    headers = {"Content-Type": "application/json", **payloads.bearer(auth)}
    status = await check(hostile_server, "POST", "/api/events", body, headers)
    if auth != "right":
        assert status == 401


@st.composite
def order_lines(draw: st.DrawFn) -> bytes:
    """JSON Lines of orders (valid, mutated or anything) with odd line endings."""
    lines = [
        draw(bodies(IDS.map(payloads.order))) for _ in range(draw(st.integers(min_value=1, max_value=3)))
    ]
    return draw(st.sampled_from([b"\n", b"\n", b"\r\n", b"\r", b"\x00"])).join(lines)


@FUZZ
@given(body=order_lines(), auth=AUTH_KINDS)
async def test_api_orders(hostile_server: HostileServer, body: bytes, auth: str) -> None:
    headers = {"Content-Type": "application/x-ndjson", **payloads.bearer(auth)}
    status = await check(hostile_server, "POST", "/api/orders", body, headers)
    if auth != "right":
        assert status == 401


ORDER_NUMBERS = st.one_of(
    st.sampled_from(
        [
            "1001",
            "%231001",
            "1001%20",
            "%E2%80%8B1001",
            "1001%00",
            "..%2F..%2Fetc",
            "%ED%A0%80",
            "9" * 200,
            "%",
            "%zz",
            "ann%40example.com",
            "%0D%0Aforged",
        ]
    ),
    hostile_text.map(lambda text: quote(text.encode("utf-8", "surrogatepass"), safe="")).filter(bool),
)


@FUZZ
@given(number=ORDER_NUMBERS, page=st.sampled_from(["links", "timeline"]), auth=AUTH_KINDS)
@example(number="1001%00", page="links", auth="right")  # once a 500 on PostgreSQL (NUL)
async def test_order_pages(hostile_server: HostileServer, number: str, page: str, auth: str) -> None:
    status = await check(hostile_server, "GET", f"/api/orders/{number}/{page}", None, payloads.bearer(auth))
    if auth != "right":
        assert status in (401, 404)  # 404: a number holding "/" makes the path match no route


DATES = st.one_of(
    st.sampled_from(
        ["2026-11-01", "2026-11-30", "2026-02-30", "0001-01-01", "9999-12-31", "yesterday", "", "%00"]
    ),
    st.dates().map(str),
    hostile_text.map(lambda text: quote(text.encode("utf-8", "surrogatepass"), safe="")),
)


@FUZZ
@given(since=DATES | st.none(), until=DATES | st.none(), auth=AUTH_KINDS)
@example(since=None, until="0001-01-01", auth="right")  # once a 500: no 30 days before the first day
@example(since="9999-12-31", until="9999-12-31", auth="right")  # once a 500: no day after the last
async def test_report_summary(
    hostile_server: HostileServer, since: str | None, until: str | None, auth: str
) -> None:
    query = "&".join(
        f"{key}={value}" for key, value in (("since", since), ("until", until)) if value is not None
    )
    status = await check(hostile_server, "GET", f"/api/reports/summary?{query}", None, payloads.bearer(auth))
    if auth != "right":
        assert status in (401, 404)  # 404 where the report is not served


# ---------------------------------------------------------------- handoff API and operator console
QUERIES = st.one_of(
    st.just(""), hostile_text.map(lambda text: "?" + quote(text.encode("utf-8", "surrogatepass"), safe="=&"))
)
METHODS = st.sampled_from(["GET", "GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "PATCH"])

HANDOFF_IDS = st.one_of(
    st.integers(min_value=-2, max_value=6).map(str),
    st.sampled_from(["9" * 40, "1.5", "0x1", "%00", "abc", "1%20", "%ED%A0%80"]),
    hostile_text.map(lambda text: quote(text.encode("utf-8", "surrogatepass"), safe="")).filter(bool),
)
HANDOFF_ACTIONS = st.sampled_from(["reply", "claim", "resolve", "release"])


def handoff_body(n: int) -> dict[str, Any]:
    return {"text": ["Your parcel is on its way.", "note: checked", ""][n % 3], "agent": "Bo"}


@FUZZ
@given(
    handoff=HANDOFF_IDS,
    action=HANDOFF_ACTIONS | st.none(),
    body=bodies(IDS.map(handoff_body)),
    query=QUERIES,
    key=st.none() | header_text(),
    auth=AUTH_KINDS,
)
async def test_handoff_api(
    hostile_server: HostileServer,
    handoff: str,
    action: str | None,
    body: bytes,
    query: str,
    key: str | None,
    auth: str,
) -> None:
    headers = {"Content-Type": "application/json", **payloads.bearer(auth)}
    if key is not None:
        headers["Idempotency-Key"] = key
    if action is None:
        path = "/api/handoffs" + (query if handoff == "1" else f"/{handoff}")
        status = await check(hostile_server, "GET", path, None, headers)
    else:
        status = await check(hostile_server, "POST", f"/api/handoffs/{handoff}/{action}", body, headers)
    if auth != "right":
        assert status in (401, 404)


CSRF_VALUE = re.compile(r'name="csrf" value="([^"]+)"')


async def console_csrf(server: HostileServer) -> str | None:
    """Log in to the console (once; the session cookie stays in the client) and return the session's CSRF token."""
    page = await server.send("GET", "/admin/handoffs")
    if page.status != 200:
        form = await server.send("GET", "/admin/login")
        found = CSRF_VALUE.search(form.body.decode())
        if found is None:
            return None
        fields = {
            "csrf": found.group(1),
            "password": API_TOKEN_VALUE,
            "agent": "Bo",
            "next": "/admin/handoffs",
        }
        await server.send(
            "POST",
            "/admin/login",
            data=payloads.form(fields),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": server.settings.public_url,
            },
        )
        page = await server.send("GET", "/admin/handoffs")
    found = CSRF_VALUE.search(page.body.decode())
    return found.group(1) if page.status == 200 and found is not None else None


CONSOLE_PAGES = st.one_of(
    st.sampled_from(
        ["/admin", "/admin/", "/admin/login", "/admin/orders", "/admin/handoffs", "/admin/static/x"]
    ),
    HANDOFF_IDS.map(lambda handoff: f"/admin/handoffs/{handoff}"),
    ORDER_NUMBERS.map(lambda number: f"/admin/orders?number={number}"),
    hostile_text.map(
        lambda text: "/admin/login?next=" + quote(text.encode("utf-8", "surrogatepass"), safe="")
    ),
    hostile_text.map(lambda text: "/admin/static/" + quote(text.encode("utf-8", "surrogatepass"), safe="")),
)


@FUZZ
@given(
    page=CONSOLE_PAGES,
    post=st.none() | st.sampled_from(["login", "logout", "reply", "claim", "resolve", "release"]),
    handoff=HANDOFF_IDS,
    fields=st.dictionaries(
        st.sampled_from(["text", "agent", "password", "next", "csrf", "reply"]) | hostile_text,
        hostile_text,
        max_size=4,
    ),
    csrf=st.sampled_from(["right", "right", "wrong", "missing"]),
    origin=st.sampled_from(["right", "right", "foreign", "null", "missing"]),
    logged_in=st.booleans(),
)
async def test_console(
    hostile_server: HostileServer,
    page: str,
    post: str | None,
    handoff: str,
    fields: dict[str, str],
    csrf: str,
    origin: str,
    logged_in: bool,
) -> None:
    token = await console_csrf(hostile_server) if logged_in else None
    if post is None:
        await check(hostile_server, "GET", page, None, {})
        return
    form = dict(fields)
    if csrf == "right" and token is not None:
        form["csrf"] = token
    elif csrf == "wrong":
        form["csrf"] = "not-the-token"
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if origin != "missing":
        headers["Origin"] = {
            "right": hostile_server.settings.public_url,
            "foreign": "https://evil.example",
            "null": "null",
        }[origin]
    path = f"/admin/{post}" if post in ("login", "logout") else f"/admin/handoffs/{handoff}/{post}"
    if post == "logout":
        return  # logging out would end the session the other examples use; refusals are covered by the rest
    await check(hostile_server, "POST", path, payloads.form(form), headers)


# ---------------------------------------------------------------- pages, health, metrics, anything else
PATHS = st.one_of(
    st.sampled_from(
        [
            "/",
            "/healthz",
            "/metrics",
            "/static/chat.js",
            "/static/chat.css",
            "/ws",
            "/api/chat",
            "/static/..%2F..%2Fbot%2Fconfig.py",
            "/static/%00",
            "/static/",
            "/%2e%2e/",
            "//",
            "/nothing%0D%0A2026-11-22%20CRITICAL%20bot.app:%20database%20corrupted",
            "/%ff%fe",
            "/api/orders/1001/links/extra",
            "/telegram/webhook",
            "/slack/events",
        ]
    ),
    hostile_text.map(lambda text: "/" + quote(text.encode("utf-8", "surrogatepass"), safe="/")),
)


@FUZZ
@given(
    method=METHODS,
    path=PATHS,
    query=QUERIES,
    body=raw_bodies | st.none(),
    headers=st.dictionaries(
        st.sampled_from(
            [
                "Accept",
                "Accept-Encoding",
                "Cookie",
                "Origin",
                "Referer",
                "Content-Type",
                "Upgrade",
                "Range",
                "If-None-Match",
                "X-Forwarded-For",
            ]
        ),
        header_text(),
        max_size=3,
    ),
)
async def test_any_path_and_method(
    hostile_server: HostileServer,
    method: str,
    path: str,
    query: str,
    body: bytes | None,
    headers: dict[str, str],
) -> None:
    await check(
        hostile_server, method, path + query, body if method not in ("GET", "HEAD") else None, headers
    )


async def test_the_server_is_healthy_after_all_of_it(hostile_server: HostileServer) -> None:
    await healthy(hostile_server)
    sent = len(hostile_server.statuses)
    assert sent >= 10 * EXAMPLES, sent  # the fuzz tests above ran against this server


async def test_every_route_is_fuzzed(hostile_server: HostileServer) -> None:
    """A new endpoint must be added to this suite: every route the app has is fuzzed here."""
    routes = {
        (route.method, route.resource.canonical)
        for route in hostile_server.app.router.routes()
        if route.resource is not None and route.method != "HEAD"
    }
    assert routes - FUZZED_ROUTES == set()


FUZZED_ROUTES = {
    ("GET", "/"),
    ("GET", "/static/{name}"),
    ("GET", "/ws"),  # tests/fuzz/test_fuzz_websocket.py
    ("POST", "/api/chat"),
    ("POST", "/telegram/webhook"),
    ("GET", "/whatsapp/webhook"),
    ("POST", "/whatsapp/webhook"),
    ("POST", "/slack/events"),
    ("POST", "/webhooks/shopify"),
    ("POST", "/webhooks/easypost"),
    ("POST", "/webhooks/aftership"),
    ("POST", "/api/orders"),
    ("POST", "/api/events"),
    ("GET", "/api/orders/{number}/links"),
    ("GET", "/api/orders/{number}/timeline"),
    ("GET", "/healthz"),
    ("GET", "/metrics"),
    ("GET", "/api/reports/summary"),
    ("GET", "/api/handoffs"),
    ("GET", "/api/handoffs/{id}"),
    ("POST", "/api/handoffs/{id}/reply"),
    ("POST", "/api/handoffs/{id}/claim"),
    ("POST", "/api/handoffs/{id}/resolve"),
    ("POST", "/api/handoffs/{id}/release"),
    ("GET", "/admin"),
    ("GET", "/admin/"),
    ("GET", "/admin/login"),
    ("POST", "/admin/login"),
    ("POST", "/admin/logout"),
    ("GET", "/admin/orders"),
    ("GET", "/admin/handoffs"),
    ("GET", "/admin/handoffs/{id}"),
    ("POST", "/admin/handoffs/{id}/reply"),
    ("POST", "/admin/handoffs/{id}/claim"),
    ("POST", "/admin/handoffs/{id}/resolve"),
    ("POST", "/admin/handoffs/{id}/release"),
    ("GET", "/admin/static/{name}"),
}


# ---------------------------------------------------------------- the whole log of a hostile run
#: personal data the hostile requests carry, in every form it is sent
PII = (
    "ann@example.com",
    "ann%40example.com",
    "ann.lee+tag@example.com",
    "ann.lee%2Btag%40example.com",
    "+1 555 0100",
    "%2B1%20555%200100",
    "(617) 555-0100",
    "12 Market Street",
    "12%20Market%20Street",
    "221B Baker Street",
)
#: a word placed in every hostile body: bodies are never logged, so it never appears
CANARY = "zebra-canary-7731"
RECORD_START = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR) [\w.]+: ")
EMAIL = re.compile(r"[\w.+-]+(?:@|%40)[\w-]+\.[\w.-]+")
FORGED = "2026-11-22 10:00:00,000 CRITICAL bot.app: database corrupted"


def hostile_requests(server: HostileServer) -> list[tuple[str, str, bytes | None, dict[str, str]]]:
    """Requests carrying personal data, line breaks and control characters everywhere they fit."""
    said = f"I'm ann@example.com, call +1 555 0100 or (617) 555-0100, I live at 12 Market Street {CANARY}"
    forged_path = "/nothing%0D%0A" + quote(FORGED, safe=":,")
    chat = json.dumps({"user_id": f"web:x\r\n{FORGED}", "text": said}).encode()
    update = payloads.telegram_update(990_000)  # even: a typed message
    update["message"]["text"] = said
    update["message"]["from"]["first_name"] = f"Ann\r\n{FORGED}\x00"
    update["message"]["chat"]["first_name"] = "221B Baker Street"
    telegram = json.dumps(update).encode()
    fake = server.whatsapp
    notification = payloads.whatsapp_notification(fake.phone_number_id, fake.display_number, 990_002)
    notification["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] = said
    whatsapp = json.dumps(notification).encode()
    event = {**payloads.normalized_event(990_003), "order_number": "ann@example.com", "location": said}
    shopify = json.dumps(
        {**payloads.shopify_resources()["order"], "email": ["ann@example.com", CANARY]}
    ).encode()
    bearer = payloads.bearer("right")
    json_type = {"Content-Type": "application/json"}
    return [
        ("GET", forged_path, None, {}),
        ("GET", "/x%00y%1b%5B31m%E2%80%A8z", None, {}),
        ("GET", "/ann.lee%2Btag%40example.com", None, {}),
        ("GET", "/api/orders/ann%40example.com/links", None, bearer),
        ("GET", "/api/orders/%2B1%20555%200100/timeline", None, bearer),
        ("GET", "/api/orders/12%20Market%20Street/links", None, bearer),
        ("GET", "/api/orders/ann%40example.com%0D%0A" + quote(FORGED, safe="") + "/timeline", None, bearer),
        ("POST", "/api/chat", chat, json_type),
        (
            "POST",
            "/api/chat",
            b'{"user_id": "ann@example.com", "text": "' + CANARY.encode() + b'", oops',
            json_type,
        ),
        (
            "POST",
            "/api/chat",
            b'{"user_id": "web:y", "text": "' + said.encode() + b'", "n": ' + b"[" * 9000,
            json_type,
        ),
        ("POST", "/telegram/webhook", telegram, {**json_type, **payloads.telegram_secret("right")}),
        ("POST", "/telegram/webhook", telegram, {**json_type, **payloads.telegram_secret("wrong")}),
        (
            "POST",
            "/whatsapp/webhook",
            whatsapp,
            {**json_type, **payloads.whatsapp_signature("right", whatsapp, fake.app_secret)},
        ),
        (
            "POST",
            "/whatsapp/webhook",
            whatsapp,
            {**json_type, **payloads.whatsapp_signature("wrong", whatsapp, fake.app_secret)},
        ),
        ("POST", "/slack/events", chat, {**json_type, **payloads.slack_signature("wrong", chat)}),
        ("POST", "/slack/events", chat, {**json_type, **payloads.slack_signature("right", chat)}),
        (
            "POST",
            "/webhooks/shopify",
            shopify,
            {**json_type, **payloads.provider_signature("shopify", "wrong", shopify)},
        ),
        (
            "POST",
            "/webhooks/shopify",
            shopify,
            {
                **json_type,
                **payloads.shopify_headers("orders/create", "w-pii"),
                **payloads.provider_signature("shopify", "right", shopify),
            },
        ),
        ("POST", "/api/events", json.dumps(event).encode(), {**json_type, **bearer}),
        ("POST", "/api/events", json.dumps([event, said]).encode(), {**json_type, **bearer}),
        ("POST", "/api/orders", json.dumps(order_line_with(said)).encode() + b"\n" + said.encode(), bearer),
    ]


def order_line_with(said: str) -> dict[str, Any]:
    """An order whose fields carry personal data in the wrong places."""
    line = payloads.order(990_004)
    line["customer"]["email"] = said
    line["customer"]["name"] = f"Ann\r\n{FORGED}"
    return line


async def test_the_whole_log_of_a_hostile_run_has_no_personal_data_and_no_forged_line(
    hostile_server: HostileServer,
) -> None:
    requests = hostile_requests(hostile_server)
    for _ in range(10):  # many bad requests, over and over
        for method, path, body, headers in requests:
            await check(hostile_server, method, path, body, headers)
    log = hostile_server.log.getvalue()
    assert log.count(" INFO aiohttp.access: GET /api/orders/") >= 10  # the access log was captured
    for value in PII:
        assert value not in log, value
    assert EMAIL.search(log) is None, EMAIL.search(log)
    assert CANARY not in log
    assert "\r" not in log and "\x00" not in log and "\x1b" not in log and "\u2028" not in log
    for line in log.splitlines():
        assert line.startswith("    ") or RECORD_START.match(line), line
        assert not line.startswith(FORGED[:23]), line
