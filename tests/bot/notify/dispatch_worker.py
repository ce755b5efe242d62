"""A dispatcher in its own process, for the crash and two-process tests.

    PYTHONPATH=. python tests/bot/notify/dispatch_worker.py --db URL --api BASE_URL --now ISO --worker NAME

Prints ``READY`` once set up, waits for a line on stdin, drains the outbox once, prints the
report as JSON and exits. With ``--hang-after-send`` every send that Telegram accepted prints
``SENT`` and then never returns, so a test can kill the process between the send and its record.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from datetime import datetime

from telegram import Bot

from bot.channels.base import SendResult
from bot.channels.senders import SenderRegistry, SendLimits
from bot.channels.telegram.sender import TelegramSender
from bot.channels.telegram.transport import AiohttpRequest
from bot.clock import FakeClock
from bot.config import Settings
from bot.notify.dispatcher import Dispatcher
from handlers.messages import Reply
from storage.store import Store

TOKEN = "123456:TEST-TOKEN"


class HangAfterSend:
    """A Telegram sender whose sends, once accepted, never return (the process "stops" there)."""

    channel = "telegram"

    def __init__(self, inner: TelegramSender) -> None:
        self._inner = inner

    async def send(self, recipient: str, reply: Reply) -> SendResult:
        """Send, say ``SENT``, then wait for ever."""
        await self._inner.send(recipient, reply)
        print("SENT", flush=True)
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


async def main(args: argparse.Namespace) -> None:
    settings = Settings(database_url=args.db, dispatcher_batch_size=args.batch)
    limits = SendLimits(per_second=args.rate) if args.rate else None
    bot = Bot(
        TOKEN, base_url=f"{args.api}/bot", base_file_url=f"{args.api}/file/bot", request=AiohttpRequest()
    )
    async with Store(args.db) as store, bot:
        senders = SenderRegistry()
        sender = TelegramSender(bot)
        senders.register(HangAfterSend(sender) if args.hang_after_send else sender, limits=limits)
        dispatcher = Dispatcher(
            store, FakeClock(datetime.fromisoformat(args.now)), settings, senders, worker=args.worker
        )
        print("READY", flush=True)
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        report = await dispatcher.drain()
        print(
            json.dumps({"sent": report.sent, "claimed": report.claimed, "retried": report.retried}),
            flush=True,
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--api", required=True)
    parser.add_argument("--now", required=True)
    parser.add_argument("--worker", required=True)
    parser.add_argument("--rate", type=float, default=0.0)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--hang-after-send", action="store_true")
    asyncio.run(main(parser.parse_args()))
