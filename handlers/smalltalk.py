"""``greeting`` (the help menu) and ``goodbye``."""

from __future__ import annotations

from handlers.context import HandlerContext, OrderNeed, Outcome
from handlers.messages import Button, Reply

MENU_BUTTONS = [
    Button("Where is my order?", "intent:order_status"),
    Button("Report a delivery problem", "intent:delivery_problem"),
    Button("Return an item", "intent:return_request"),
    Button("Help setting up a product", "intent:setup_help"),
    Button("Notification settings", "intent:notification_preferences"),
    Button("Talk to a person", "intent:human_agent"),
]


def menu_reply(head: str) -> Reply:
    """``head`` followed by what the bot can do, as buttons."""
    return Reply(head, buttons=list(MENU_BUTTONS))


class GreetingHandler:
    """Says hello and shows the menu."""

    name = "greeting"
    intents = ("greeting",)
    payload_prefixes = ("menu",)

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """No order needed."""
        return OrderNeed.NONE

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """Greet by first name when the shopper is verified."""
        words = (ctx.customer_name or "").split() if ctx.customer_id is not None else []
        first = f" {words[0]}" if words else ""
        return Outcome(
            replies=[
                menu_reply(
                    f"Hi{first}! I can track your order, sort out a delivery problem, start a return, "
                    "help you set up a product or get you a person. What can I do for you?"
                )
            ]
        )


class GoodbyeHandler:
    """Says goodbye; the conversation goes back to idle."""

    name = "goodbye"
    intents = ("goodbye",)
    payload_prefixes: tuple[str, ...] = ()

    def order_need(self, ctx: HandlerContext) -> OrderNeed:
        """No order needed."""
        return OrderNeed.NONE

    async def handle(self, ctx: HandlerContext) -> Outcome:
        """A short, warm goodbye."""
        return Outcome.say(
            "You're welcome! If anything else comes up, just message me here. Have a great day."
        )
