"""``setup_help``: the product's setup article as short numbered steps, then troubleshooting."""

from __future__ import annotations

from handlers.articles import article_reply
from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.messages import Button, Link, Reply
from handlers.wording import HUMAN_BUTTON
from storage.models import OrderItem

ASK_PRODUCT = (
    'Which product do you need help with? Tell me its name (e.g. "Kettle Pro 200") or your order number.'
)


class SetupHelpHandler:
    """Finds the product (named, or in the shopper's order) and answers with its setup guide."""

    name = "setup_help"
    intents = ("setup_help",)
    payload_prefixes = ("setup",)
    free_text_steps: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """An order number given needs verification; otherwise the order in context is used if any.

        A named product (or a product button) needs no order at all, so anyone gets setup help.
        """
        if ctx.understanding.order_numbers and not (ctx.payload or ctx.understanding.products):
            return OrderNeed.REQUIRED
        return OrderNeed.OPTIONAL

    def accepts(self, ctx: HandlerContext) -> bool:
        """A product name answers "which product?"."""
        return ctx.step == "product" and bool(ctx.understanding.products)

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Setup steps, troubleshooting steps, or a search in the product's articles."""
        payload = ctx.payload or ""
        if payload.startswith("setup:troubleshoot:"):
            return self._troubleshoot(ctx, payload.removeprefix("setup:troubleshoot:"))
        if payload.startswith("setup:product:"):
            return self._setup(ctx, payload.removeprefix("setup:product:"))
        if ctx.understanding.products:
            return self._setup(ctx, ctx.understanding.products[0].sku)
        if ctx.step == "followup" and ctx.text and ctx.data.get("sku"):
            return self._search(ctx, str(ctx.data["sku"]))
        if ctx.order is not None:
            needing = [item for item in ctx.order.items if item.requires_setup]
            if len(needing) == 1:
                return self._setup(ctx, needing[0].sku)
            if needing:
                return Outcome(
                    replies=[
                        Reply(
                            f"Which one from order #{ctx.order.number} do you need help with?",
                            buttons=[Button(item.name, f"setup:product:{item.sku}") for item in needing],
                        )
                    ],
                    await_step="product",
                )
            if ctx.step != "product":
                return Outcome(
                    replies=[Reply(f"Nothing in order #{ctx.order.number} needs setting up. " + ASK_PRODUCT)],
                    await_step="product",
                )
        if ctx.step == "product":
            return Outcome.say(
                "Sorry, I don't know that product. You'll find every guide in our help centre, or a person can help.",
                buttons=[HUMAN_BUTTON],
            )
        return Outcome(replies=[Reply(ASK_PRODUCT)], await_step="product")

    def _setup(self, ctx: HandlerContext, sku: str) -> Outcome:
        articles = ctx.knowledge.base.for_product(sku, kind="setup")
        name = _item_name(ctx, sku)
        if not articles:
            return self._search(ctx, sku, f"set up {name or sku}")
        article = articles[0]
        intro = f"Here's how to set up your {name}:" if name else f"{article.title}:"
        reply = article_reply(article, intro)
        reply.buttons = [Button("Still not working?", f"setup:troubleshoot:{sku}"), HUMAN_BUTTON]
        return Outcome(replies=[reply], await_step="followup", data={"sku": sku, "name": name or ""})

    def _troubleshoot(self, ctx: HandlerContext, sku: str) -> Outcome:
        articles = ctx.knowledge.base.for_product(sku, kind="troubleshooting")
        name = (
            _item_name(ctx, sku)
            or (str(ctx.data.get("name") or "") if ctx.data.get("sku") == sku else "")
            or None
        )
        if not articles:
            return self._search(ctx, sku, f"{name or sku} not working")
        article = articles[0]
        intro = (
            "Sorry it's giving you trouble. Try these, in order:"
            if name is None
            else (f"Sorry your {name} is giving you trouble. Try these, in order:")
        )
        reply = article_reply(article, intro)
        reply.buttons = [Button("Still stuck: get a person", "intent:human_agent")]
        return Outcome(replies=[reply], await_step="followup", data={"sku": sku, "name": name or ""})

    def _search(self, ctx: HandlerContext, sku: str, query: str | None = None) -> Outcome:
        hits = ctx.knowledge.index.search(query or ctx.text, limit=3, products=[sku], intent="setup_help")
        if not hits:
            return Outcome.say(
                "I couldn't find a guide for that. A person on our team can help.", buttons=[HUMAN_BUTTON]
            )
        top = hits[0]
        return Outcome(
            replies=[
                Reply(
                    f"This might help: {top.snippet}",
                    links=[Link(hit.article.title, hit.article.url) for hit in hits],
                    buttons=[Button("Still stuck: get a person", "intent:human_agent")],
                )
            ],
            await_step="followup",
            data={"sku": sku},
        )


def _item_name(ctx: HandlerContext, sku: str) -> str | None:
    items: list[OrderItem] = list(ctx.order.items) if ctx.order is not None else []
    for item in items:
        if item.sku == sku:
            return item.name
    for product in ctx.understanding.products:
        if product.sku == sku:
            return product.name
    return None
