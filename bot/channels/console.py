"""``doorstep chat``: the bot in the terminal, against the demo shop (or any database).

Replies are printed with their links and numbered buttons; typing a button's number presses
it. ``quit`` or end of input leaves.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Awaitable, Callable

from bot.config import Settings
from bot.engine.engine import Engine
from handlers.messages import Button, IncomingMessage, Reply

CHANNEL = "console"
DEFAULT_USER = "local"
QUIT_WORDS = frozenset({"quit", "exit", "/quit", "/exit", ":q"})
INTRO = (
    "doorstep chat: talk to the shop assistant. Type a message, a button's number to press it, or 'quit'.\n"
    "Tip: `doorstep demo --print-orders` lists demo order numbers with their emails."
)

LineReader = Callable[[], Awaitable[str | None]]
Writer = Callable[[str], None]


def render(reply: Reply, first_number: int = 1) -> str:
    """A reply as terminal text: the message, its links, then numbered buttons."""
    lines = [
        f"bot> {line}" if n == 0 else f"     {line}" for n, line in enumerate(reply.text.splitlines() or [""])
    ]
    for link in reply.links:
        lines.append(f"     link: {link.title} <{link.url}>")
    for number, button in enumerate(reply.buttons, start=first_number):
        lines.append(f"     [{number}] {button.title}")
    return "\n".join(lines)


def pressed(line: str, buttons: list[Button]) -> Button | None:
    """The button whose number the shopper typed, if the line is one of the shown numbers."""
    stripped = line.strip()
    if stripped.isdigit() and 1 <= int(stripped) <= len(buttons):
        return buttons[int(stripped) - 1]
    return None


async def run_console(
    engine: Engine, read_line: LineReader, write: Writer, *, user: str = DEFAULT_USER
) -> int:
    """Chat until ``quit`` or end of input; returns how many messages were sent."""
    write(INTRO)
    buttons: list[Button] = []
    sent = 0
    while True:
        line = await read_line()
        if line is None or line.strip().lower() in QUIT_WORDS:
            write("bye!")
            return sent
        if not line.strip():
            continue
        button = pressed(line, buttons)
        message = IncomingMessage(
            channel=CHANNEL,
            external_id=user,
            text="" if button else line.strip(),
            payload=button.payload if button else None,
        )
        if button is not None:
            write(f"you pressed: {button.title}")
        result = await engine.handle(message)
        sent += 1
        buttons = []
        for reply in result.replies:
            write(render(reply, first_number=len(buttons) + 1))
            buttons.extend(reply.buttons)


async def _stdin_line() -> str | None:
    def read() -> str | None:
        try:
            return input("you> ")
        except EOFError:
            return None

    return await asyncio.to_thread(read)


def cmd_chat(args: argparse.Namespace, settings: Settings) -> int:
    """Seed the demo shop if the database is empty, then chat in the terminal."""
    from bot.clock import SystemClock
    from bot.demo.shop import seed_demo_shop
    from bot.engine.factory import build_engine
    from storage.migrate import upgrade
    from storage.store import Store

    async def run() -> int:
        await upgrade(settings.database_url)
        async with Store(settings.database_url) as store:
            report = await seed_demo_shop(store)
            if report is not None:
                print(f"seeded the demo shop: {report.created} orders", flush=True)
            engine = await build_engine(store, settings, SystemClock())
            await run_console(engine, _stdin_line, lambda text: print(text, flush=True), user=args.user)
        return 0

    return asyncio.run(run())


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add ``doorstep chat`` (uses the demo database unless DOORSTEP_DATABASE_URL is set)."""
    chat = sub.add_parser("chat", help="chat with the bot in the terminal (demo shop by default)")
    chat.add_argument("--user", default=DEFAULT_USER, help="chat identity to talk as (default: local)")
    chat.set_defaults(func=cmd_chat, demo=True)
