"""The operator console in headless Chromium (Playwright, the system Chromium) against the real app:
log in and see the charts drawn from the report, find an order's timeline, answer a handoff from the
inbox (the shopper gets it on Telegram), and what is refused."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.async_api import Browser, Page

from bot.handoffs.service import BACK_WITH_BOT_TEXT
from bot.report.period import parse_period
from bot.report.summary import ReportOptions, build_report
from tests.bot.admin.conftest import ANN_CHAT, NOW, PASSWORD, ConsoleServer, StartConsole

pytestmark = pytest.mark.browser

TIMEOUT_MS = 15_000
CHARTS = ("chart-wismo", "chart-outcomes", "chart-messages", "chart-touches", "chart-holdout")
#: what Chart.js drew on each canvas: the data of every dataset, and how many pixels are not blank
CHART_STATE = """(id) => {
  const canvas = document.getElementById(id);
  const chart = window.Chart.getChart(canvas);
  const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 3; i < pixels.length; i += 4) { if (pixels[i] > 0) { inked += 1; } }
  return {
    labels: chart.data.labels,
    data: chart.data.datasets.map((d) => d.data),
    names: chart.data.datasets.map((d) => d.label),
    inked: inked,
    empty: canvas.dataset.empty,
  };
}"""

#: the reply form posted twice at once from the page (same cookie, same Origin, same once-only key)
DOUBLE_SUBMIT = """async (text) => {
  const form = document.getElementById('reply-form');
  form.querySelector('textarea').value = text;
  const send = () => fetch(form.action, {method: 'POST', body: new URLSearchParams(new FormData(form))})
    .then((response) => response.text());
  await Promise.all([send(), send()]);
}"""


async def new_page(browser: Browser, errors: list[str]) -> Page:
    context = await browser.new_context(viewport={"width": 1280, "height": 1000})
    page = await context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # a page answered 4xx on purpose (a bad period, an unknown order) is not a script error
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on("requestfailed", lambda request: errors.append(f"request failed: {request.url}"))
    return page


async def log_in(page: Page, server: ConsoleServer, path: str = "/admin", password: str = PASSWORD) -> None:
    """Open ``path``, land on the login page, log in as Maya."""
    await page.goto(server.url(path))
    await page.get_by_label("Admin password or API token").fill(password)
    await page.get_by_label("Your name").fill("Maya")
    await page.get_by_role("button", name="Log in").click()


async def expected_report(server: ConsoleServer) -> dict[str, Any]:
    period = parse_period(None, None, today=NOW.date())
    return await build_report(server.store, period, ReportOptions(holdout_percent=0, touch_cap=6), now=NOW)


async def test_log_in_and_see_the_charts_drawn_from_the_report(
    browser: Browser, console: ConsoleServer
) -> None:
    errors: list[str] = []
    page = await new_page(browser, errors)
    await log_in(page, console)
    await page.wait_for_selector("body[data-charts=drawn]", timeout=TIMEOUT_MS)
    assert page.url == console.url("/admin")
    report = await expected_report(console)

    states = {name: await page.evaluate(CHART_STATE, name) for name in CHARTS}
    for name, state in states.items():
        assert state["inked"] > 500, name  # something is drawn on every canvas
    wismo = states["chart-wismo"]
    assert wismo["data"] == [[d["wismo_per_100_shipments"] for d in report["daily"]]]
    assert len(wismo["labels"]) == 30 and wismo["labels"][0] == "11-01"
    assert any(v for v in wismo["data"][0] if v)
    outcomes = states["chart-outcomes"]
    assert outcomes["names"] == ["contained", "escalated", "unresolved", "informational"]
    assert [sum(series) for series in outcomes["data"]] == [
        report["conversations"]["by_outcome"][name] for name in outcomes["names"]
    ]
    messages = states["chart-messages"]
    drawn = sum(sum(series) for series in messages["data"])
    assert drawn == sum(row["count"] for row in report["proactive"]["by_kind_and_decision"]) > 0
    assert {"sent", "deferred", "suppressed"} <= set(messages["names"])
    touches = states["chart-touches"]
    assert touches["data"] == [[h["orders"] for h in report["proactive"]["touches_histogram"]]]
    holdout = states["chart-holdout"]
    assert holdout["labels"] == ["treated", "holdout", "difference (95% interval)"]

    assert await page.locator("#kpi-total").text_content() == str(report["conversations"]["total"])
    assert await page.locator("#holdout-conclusion").text_content() == report["holdout"]["conclusion"]
    assert await page.locator(".empty:visible").count() == 0
    assert errors == []


async def test_the_period_picker_and_an_empty_report(browser: Browser, start_console: StartConsole) -> None:
    server = await start_console(seed=False)
    errors: list[str] = []
    page = await new_page(browser, errors)
    await log_in(page, server)
    await page.wait_for_selector("body[data-charts=drawn]", timeout=TIMEOUT_MS)
    assert await page.locator("#kpi-total").text_content() == "0"
    assert await page.locator("#kpi-resolution").text_content() == "–"
    for text in ("No conversations in this period.", "No proactive messages in this period."):
        assert await page.get_by_text(text).is_visible()
    assert (await page.evaluate(CHART_STATE, "chart-outcomes"))["empty"] == "true"

    await page.get_by_label("From").fill("2026-11-20")
    await page.get_by_label("to", exact=True).fill("2026-11-25")
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_selector("body[data-charts=drawn]", timeout=TIMEOUT_MS)
    assert await page.get_by_role("heading", name="Outcomes, 2026-11-20 to 2026-11-25").is_visible()
    assert len((await page.evaluate(CHART_STATE, "chart-wismo"))["labels"]) == 6

    await page.goto(server.url("/admin?since=2026-11-30&until=2026-11-01"))
    assert "since (2026-11-30) is after until (2026-11-01)" in str(
        await page.locator(".notice.error").text_content()
    )
    assert errors == []


async def test_find_an_order_and_see_its_timeline(browser: Browser, console: ConsoleServer) -> None:
    errors: list[str] = []
    page = await new_page(browser, errors)
    await log_in(page, console, "/admin/orders")
    await page.get_by_label("Order number").fill(" #1001 ")
    await page.get_by_role("button", name="Show timeline").click()
    await page.wait_for_selector("table.timeline", timeout=TIMEOUT_MS)
    assert await page.get_by_role("heading", name="Order 1001 open").is_visible()
    summaries = await page.locator("table.timeline td.summary").all_text_contents()
    assert any(
        s.startswith("handoff #1 opened: Shopper asked for a person about order #1001") for s in summaries
    )

    await page.get_by_label("Order number").fill("424242")
    await page.get_by_role("button", name="Show timeline").click()
    assert await page.get_by_text("No order 424242.").is_visible()
    assert errors == []


async def test_answer_a_handoff_from_the_inbox(browser: Browser, console: ConsoleServer) -> None:
    errors: list[str] = []
    page = await new_page(browser, errors)
    await log_in(page, console, "/admin/handoffs")
    items = page.locator("li.handoff-item")
    assert await items.count() == 2
    first = await items.first.text_content() or ""
    assert "Shopper asked for a person about order #1001" in first and "I want to talk to a human" in first

    await page.get_by_role("link", name="Handoff #1").click()
    assert await page.get_by_role("heading", name="Order 1001 open").is_visible()
    assert await page.get_by_label("Your name").input_value() == "Maya"
    await page.get_by_label("Reply to the shopper").fill("Hi Ann, I'm checking with UPS right now.")
    await page.get_by_role("button", name="Send").click()
    assert await page.locator("#notice").text_content() == "Reply sent to the shopper."
    assert [m["text"] for m in console.telegram.sent_messages(ANN_CHAT)] == [
        "Maya (support): Hi Ann, I'm checking with UPS right now."
    ]
    assert "Hi Ann, I'm checking with UPS right now." in str(await page.locator("#transcript").text_content())

    # a double click: the same form posted twice at once sends one reply
    await page.evaluate(DOUBLE_SUBMIT, "Are you at home tomorrow?")
    await page.reload()
    assert [m["text"] for m in console.telegram.sent_messages(ANN_CHAT)][1:] == [
        "Maya (support): Are you at home tomorrow?"
    ]
    transcript = await page.locator("#transcript li.from-staff").all_text_contents()
    assert sum("Are you at home tomorrow?" in line for line in transcript) == 1

    await page.get_by_label("Reply to the shopper").fill("note: asked UPS, ticket 4471")
    await page.get_by_role("button", name="Send").click()
    assert await page.locator("#notice").text_content() == "Internal note kept (not sent to the shopper)."
    assert await page.locator("#transcript li.from-note").text_content() is not None
    assert len(console.telegram.sent_messages(ANN_CHAT)) == 2

    await page.get_by_role("button", name="Claim").click()
    assert await page.locator("#handoff-status").text_content() == "claimed · Maya"
    await page.get_by_role("button", name="Resolve").click()
    assert await page.locator("#handoff-status").text_content() == "resolved · Maya"
    assert [m["text"] for m in console.telegram.sent_messages(ANN_CHAT)][-1] == BACK_WITH_BOT_TEXT
    assert await page.get_by_role("button", name="Send").count() == 0
    assert errors == []


async def test_a_wrong_password_a_missing_cookie_and_a_post_without_csrf_are_refused(
    browser: Browser, console: ConsoleServer
) -> None:
    errors: list[str] = []
    page = await new_page(browser, errors)
    await log_in(page, console, password="not-the-password")
    assert await page.get_by_role("alert").text_content() == "Wrong password."
    assert "/admin/login" in page.url
    assert await page.context.cookies() == [
        c for c in await page.context.cookies() if c["name"] != "doorstep_admin"
    ]

    # a fresh browser (no cookie) is sent to the login page, wherever it goes
    stranger = await new_page(browser, errors)
    await stranger.goto(console.url("/admin/handoffs/1"))
    assert stranger.url == console.url("/admin/login?next=/admin/handoffs/1")
    assert await stranger.get_by_role("button", name="Log in").is_visible()

    # logged in, but the reply form loses its CSRF token: refused, nothing sent
    await log_in(page, console, "/admin/handoffs/1")
    [cookie] = [c for c in await page.context.cookies() if c["name"] == "doorstep_admin"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    await page.evaluate("document.querySelector('#reply-form input[name=csrf]').remove()")
    await page.get_by_label("Reply to the shopper").fill("this must not be sent")
    await page.get_by_role("button", name="Send").click()
    assert await page.get_by_role("heading", name="Refused").is_visible()
    assert console.telegram.sent_messages() == []
    assert errors == []
