"""The web chat page in headless Chromium (Playwright) against the real app and engine."""

from __future__ import annotations

import asyncio

import pytest
from playwright.async_api import Browser, Page, ViewportSize

from handlers.messages import Button, Link, Reply
from tests.bot.channels.conftest import WebChatServer

pytestmark = pytest.mark.browser

DESKTOP: ViewportSize = {"width": 1100, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 640}
GREETING = "Hi! I can help with your order"
TIMEOUT_MS = 10_000


async def open_chat(
    browser: Browser,
    server: WebChatServer,
    path: str = "/",
    viewport: ViewportSize = DESKTOP,
    errors: list[str] | None = None,
) -> Page:
    """A new page on the chat, connected; uncaught script errors go to ``errors``."""
    context = await browser.new_context(viewport=viewport)
    page = await context.new_page()
    if errors is not None:
        page.on("pageerror", lambda exc: errors.append(str(exc)))
    await page.goto(server.url(path))
    await page.wait_for_selector("body[data-connection=open]", timeout=TIMEOUT_MS)
    return page


async def say(page: Page, text: str) -> None:
    """Type ``text`` and press Enter; wait for the bot to finish answering."""
    before = await page.locator(".msg-bot").count()
    await page.get_by_label("Your message").fill(text)
    await page.get_by_label("Your message").press("Enter")
    await page.locator(".msg-bot").nth(before).wait_for(timeout=TIMEOUT_MS)
    await page.locator("#typing").wait_for(state="hidden", timeout=TIMEOUT_MS)


async def last_bot_text(page: Page) -> str:
    return str(await page.locator(".msg-bot .bubble").last.text_content())


async def visitor_id(page: Page) -> str:
    return str(await page.evaluate("localStorage.getItem('doorstep.webchat.visitor')"))


async def test_order_status_flow_with_order_number_email_and_a_button(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    errors: list[str] = []
    page = await open_chat(browser, webchat_server, errors=errors)
    assert (await last_bot_text(page)).startswith("Assistant: " + GREETING)

    await say(page, "where is my order")
    first_answer = await last_bot_text(page)
    assert first_answer.startswith("Assistant: You're chatting with our automated assistant, not a person.")
    assert "What's your order number?" in first_answer
    await say(page, "1001")
    assert "automated assistant" not in await last_bot_text(page)
    assert "email address or phone number you used for order #1001" in await last_bot_text(page)
    await say(page, "ann@example.com")
    assert "Your Kettle Pro 200 (order #1001) is on its way." in await last_bot_text(page)
    tracking = page.get_by_role("link", name="Track with UPS")
    assert await tracking.get_attribute("href") == "https://track.example.test/1001"
    assert await tracking.get_attribute("target") == "_blank"
    assert "noopener" in str(await tracking.get_attribute("rel"))

    await say(page, "hi")
    assert "Hi Ann!" in await last_bot_text(page)
    before = await page.locator(".msg-bot").count()
    await page.get_by_role("button", name="Where is my order?").last.click()
    await page.locator(".msg-bot").nth(before).wait_for(timeout=TIMEOUT_MS)
    assert await page.locator(".msg-user .bubble").last.text_content() == "You: Where is my order?"
    assert "is on its way." in await last_bot_text(page)
    assert await page.get_by_role("link", name="Track with UPS").count() == 2
    # the menu's buttons are spent once the shopper answered
    assert await page.get_by_role("button", name="Return an item").is_disabled()
    assert errors == []


async def test_a_link_token_in_the_url_verifies_the_shopper_and_order_buttons_lead_to_tracking(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    token = await webchat_server.link_token_for("ann@example.com")
    page = await open_chat(browser, webchat_server, f"/?t={token}")
    assert "t=" not in page.url  # taken out of the address bar (and history) at once
    await say(page, "where is my order")
    assert "Which order do you mean?" in await last_bot_text(page)
    before = await page.locator(".msg-bot").count()
    await page.get_by_role("button", name="#1001 · Kettle Pro 200").click()
    await page.locator(".msg-bot").nth(before).wait_for(timeout=TIMEOUT_MS)
    assert await page.locator(".msg-user .bubble").last.text_content() == "You: #1001 · Kettle Pro 200"
    link = page.get_by_role("link", name="Track with UPS")
    assert await link.get_attribute("href") == "https://track.example.test/1001"
    # the token was used once: it is no longer kept for later messages
    assert await page.evaluate("sessionStorage.getItem('doorstep.webchat.linkToken')") is None


async def test_a_reload_keeps_the_visitor_and_the_conversation(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    page = await open_chat(browser, webchat_server)
    visitor = await visitor_id(page)
    await say(page, "where is my order")
    await say(page, "1001")
    await say(page, "ann@example.com")
    shown = await page.locator(".msg").count()
    await page.reload()
    await page.wait_for_selector("body[data-connection=open]", timeout=TIMEOUT_MS)
    assert await visitor_id(page) == visitor
    assert await page.locator(".msg").count() == shown
    await say(page, "and when will it arrive?")
    assert "Tuesday 24 November" in await last_bot_text(page)  # no order number or email asked again


async def test_phone_sized_screen_keeps_the_input_visible_without_sideways_scrolling(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    page = await open_chat(browser, webchat_server, viewport=PHONE)
    await say(page, "where is my order")
    await say(page, "1001")
    await say(page, "ann@example.com")
    await say(page, "https://example.test/" + "a-very-long-path-without-spaces" * 8)
    for selector in ("#input", "#send"):
        box = await page.locator(selector).bounding_box()
        assert box is not None
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"]
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]
    widths = await page.evaluate(
        "[document.documentElement.scrollWidth, document.documentElement.clientWidth,"
        " document.getElementById('messages').scrollWidth, document.getElementById('messages').clientWidth]"
    )
    assert widths[0] <= widths[1] and widths[2] <= widths[3]
    assert await page.locator(".bubble").first.evaluate("e => getComputedStyle(e).whiteSpace") == "pre-wrap"


async def test_the_page_reconnects_after_the_server_drops_the_socket(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    page = await open_chat(browser, webchat_server)
    visitor = await visitor_id(page)
    assert await webchat_server.hub.close_visitor(visitor) == 1
    status = page.locator("#status")
    await status.wait_for(state="visible", timeout=TIMEOUT_MS)
    assert await status.text_content() == "Reconnecting…"
    await page.wait_for_selector("body[data-connection=open]", timeout=TIMEOUT_MS)
    assert await status.is_hidden()
    assert webchat_server.hub.is_online(visitor)
    await say(page, "where is my order")
    assert "What's your order number?" in await last_bot_text(page)


async def test_markup_from_the_shopper_or_the_server_is_shown_as_text(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    page = await open_chat(browser, webchat_server)
    attack = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    await say(page, attack)
    assert await page.locator(".msg-user .bubble").last.text_content() == "You: " + attack
    await webchat_server.sender.send(
        f"web:{await visitor_id(page)}",
        Reply(
            "<b>bold</b> <img src=x onerror=window.__xss=3>",
            buttons=[Button("<i>click</i>", "intent:greeting")],
            links=[
                Link("<u>evil</u>", "javascript:window.__xss=4"),
                Link("Safe", "https://ok.example.test/"),
            ],
        ),
    )
    await page.get_by_text("<b>bold</b>", exact=False).wait_for(timeout=TIMEOUT_MS)
    assert await last_bot_text(page) == "Assistant: <b>bold</b> <img src=x onerror=window.__xss=3>"
    assert await page.get_by_role("button", name="<i>click</i>").count() == 1
    messages = page.locator("#messages")
    assert await messages.locator("img, script, b, i, u").count() == 0
    assert await messages.locator("a[href^='javascript:']").count() == 0
    assert await page.get_by_role("link", name="Safe").get_attribute("href") == "https://ok.example.test/"
    assert await page.evaluate("window.__xss") is None


async def test_a_pushed_message_appears_in_the_open_page(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    page = await open_chat(browser, webchat_server)
    result = await webchat_server.sender.send(
        f"web:{await visitor_id(page)}",
        Reply(
            "Good news: your Kettle Pro 200 is out for delivery today.\nWe'll let you know when it arrives.",
            links=[Link("Track with UPS", "https://track.example.test/1001")],
        ),
    )
    [stored] = await webchat_server.hub.mailbox.after(await visitor_id(page), 0, limit=10)
    assert result.provider_message_id == f"web-{stored.id}"
    await page.get_by_role("link", name="Track with UPS").wait_for(timeout=TIMEOUT_MS)
    text = await last_bot_text(page)
    assert text.endswith("out for delivery today.\nWe'll let you know when it arrives.")
    await acknowledged(webchat_server, await visitor_id(page), 1)


async def acknowledged(server: WebChatServer, visitor: str, seq: int) -> None:
    """Wait until the page has acknowledged stored message ``seq``."""
    for _ in range(100):
        if (await server.hub.mailbox.position(visitor)).acked_seq == seq:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"the page never acknowledged message {seq}")


async def test_messages_pushed_while_the_page_was_away_appear_once_in_order_when_it_returns(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    page = await open_chat(browser, webchat_server)
    visitor = await visitor_id(page)
    await page.goto("about:blank")  # the shopper leaves: the socket closes
    for _ in range(100):
        if not webchat_server.hub.is_online(visitor):
            break
        await asyncio.sleep(0.05)
    await webchat_server.sender.send(f"web:{visitor}", Reply("Sam from support: your refund is on its way."))
    await webchat_server.sender.send(f"web:{visitor}", Reply("Your order 1001 was delivered."))

    await page.goto(webchat_server.url("/"))
    await page.get_by_text("Your order 1001 was delivered.").wait_for(timeout=TIMEOUT_MS)
    texts = await page.locator(".msg-bot .bubble").all_text_contents()
    assert texts[-2:] == [
        "Assistant: Sam from support: your refund is on its way.",
        "Assistant: Your order 1001 was delivered.",
    ]
    await acknowledged(webchat_server, visitor, 2)
    # the page comes back again (a reload): its history shows each message once, none is sent again
    await page.reload()
    await page.wait_for_selector("body[data-connection=open]", timeout=TIMEOUT_MS)
    await say(page, "hi")
    texts = await page.locator(".msg-bot .bubble").all_text_contents()
    assert texts.count("Assistant: Sam from support: your refund is on its way.") == 1
    assert texts.count("Assistant: Your order 1001 was delivered.") == 1


async def test_without_websockets_the_page_falls_back_to_the_rest_channel(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    context = await browser.new_context(viewport=DESKTOP)
    page = await context.new_page()
    await page.route_web_socket("**/ws", lambda ws: ws.close())
    posts: list[str] = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    await page.goto(webchat_server.url("/"))
    await page.wait_for_selector("body[data-connection=fallback]", timeout=TIMEOUT_MS)
    assert "Live connection unavailable" in str(await page.locator("#status").text_content())
    await say(page, "where is my order")
    assert "What's your order number?" in await last_bot_text(page)
    assert posts == [webchat_server.url("/api/chat")]


async def test_the_page_is_labelled_for_assistive_technology(
    browser: Browser, webchat_server: WebChatServer
) -> None:
    page = await open_chat(browser, webchat_server)
    log = page.get_by_role("log", name="Conversation")
    assert await log.get_attribute("aria-live") == "polite"
    assert await page.get_by_label("Your message").get_attribute("maxlength") == "2000"
    assert await page.get_by_role("button", name="Send message").is_visible()
    await page.evaluate(
        "window.__typingShown = false; new MutationObserver(() => {"
        " if (!document.getElementById('typing').hidden) window.__typingShown = true;"
        "}).observe(document.getElementById('typing'), {attributes: true})"
    )
    await page.get_by_label("Your message").fill("where is my order")
    await page.get_by_role("button", name="Send message").click()
    await page.locator(".msg-bot").nth(1).wait_for(timeout=TIMEOUT_MS)
    await page.locator("#typing").wait_for(state="hidden", timeout=TIMEOUT_MS)
    assert await page.evaluate("window.__typingShown") is True
    assert await page.get_by_label("Your message").input_value() == ""
