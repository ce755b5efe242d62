"""Slash commands for staff: /order, /customer, /kb, /handoffs. Each returns an ephemeral answer."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.channels.slack.blocks import (
    Block,
    clip,
    customer_card,
    escape,
    handoff_list,
    header,
    limited,
    order_card,
    order_card_text,
    section,
)
from knowledge.search import SearchIndex
from storage.store import Store

KB_RESULTS = 3
OPEN_HANDOFFS_SHOWN = 30


@dataclass(frozen=True, slots=True)
class CommandAnswer:
    """What a slash command answers (shown only to the staff member who typed it)."""

    text: str
    blocks: list[Block] = field(default_factory=list)


def _argument(text: str | None) -> str:
    return (text or "").strip()


async def order_command(store: Store, text: str | None) -> CommandAnswer:
    """`/order <number>`: the order card, or a friendly "not found"."""
    number = _argument(text).lstrip("#").strip()
    if not number:
        return CommandAnswer("Usage: `/order <order number>`, e.g. `/order 1001`.")
    async with store.transaction() as repos:
        details = await repos.orders.details_by_number(order_number=number)
        if details is None:
            return CommandAnswer(f"I couldn't find an order {escape(clip(number, 64))}. Check the number?")
        assert details.order.id is not None
        cases = await repos.cases.open_for_order(order_id=details.order.id)
    return CommandAnswer(order_card_text(details), order_card(details, cases))


async def customer_command(store: Store, text: str | None) -> CommandAnswer:
    """`/customer <email>`: the customer with their orders, or a friendly "not found"."""
    email = _argument(text).strip("<>")
    if email.startswith("mailto:"):  # Slack turns typed addresses into <mailto:a@b|a@b>
        email = email.removeprefix("mailto:").split("|", 1)[0]
    if "@" not in email:
        return CommandAnswer("Usage: `/customer <email>`, e.g. `/customer ann@example.com`.")
    async with store.transaction() as repos:
        customer = await repos.customers.by_email(email=email.lower())
        if customer is None:
            return CommandAnswer(f"I couldn't find a customer with the email {escape(clip(email, 320))}.")
        assert customer.id is not None
        orders = await repos.orders.for_customer(customer_id=customer.id)
    name = customer.name or customer.email
    return CommandAnswer(f"Customer {name}: {len(orders)} order(s)", customer_card(customer, orders))


def kb_command(index: SearchIndex | None, text: str | None) -> CommandAnswer:
    """`/kb <query>`: the top help articles, with links."""
    query = _argument(text)
    if not query:
        return CommandAnswer("Usage: `/kb <question>`, e.g. `/kb descale kettle`.")
    if index is None:
        return CommandAnswer("The knowledge base is not loaded on this server.")
    hits = index.search(query, limit=KB_RESULTS)
    if not hits:
        return CommandAnswer(f"No help articles match “{escape(clip(query, 200))}”.")
    blocks: list[Block] = [header(f"Help articles for “{clip(query, 100)}”")]
    for hit in hits:
        article = hit.article
        blocks.append(section(f"*<{article.url}|{escape(article.title)}>*\n{escape(clip(hit.snippet, 400))}"))
    titles = ", ".join(hit.article.title for hit in hits)
    return CommandAnswer(f"Top articles: {titles}", limited(blocks))


async def handoffs_command(store: Store) -> CommandAnswer:
    """`/handoffs`: open and claimed handoffs, oldest first."""
    async with store.transaction() as repos:
        handoffs = await repos.handoffs.list_open(limit=OPEN_HANDOFFS_SHOWN)
        rows = []
        for handoff in handoffs:
            number = None
            if handoff.order_id is not None:
                order = await repos.orders.get(order_id=handoff.order_id)
                number = order.order_number if order else None
            rows.append((handoff, number))
    text = f"{len(rows)} open handoff(s)" if rows else "No open handoffs."
    return CommandAnswer(text, handoff_list(rows))
