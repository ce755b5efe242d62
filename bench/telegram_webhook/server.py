"""The servers the Telegram webhook benchmark drives, each in its own process.

    python -m bench.telegram_webhook.server full --port P --database-url URL --fake-url URL --token T
    python -m bench.telegram_webhook.server libraries --port P --fake-url URL --token T
    python -m bench.telegram_webhook.server floor --port P --database-url URL --fake-url URL --token T
    python -m bench.telegram_webhook.server bare --port P

Both print ``CPU <seconds>`` on the way out: the process's CPU time (all threads) while serving.

``libraries`` reads each update with doorstep's Telegram adapter and sends one fixed reply through
doorstep's Telegram sender (python-telegram-bot over aiohttp): the libraries' share of the work,
no database or engine. ``floor`` is ``libraries`` plus the SQL statements doorstep's turn runs
for the same message (read on the seeded, warmed-up database with ``sqlite3`` directly, one
commit per update): what any design that keeps doorstep's rows would cost before its own Python.
``full`` is doorstep's real server (``build_app`` with every default feature) in Telegram webhook
mode, its replies going to the fake Bot API at ``--fake-url``; ``bare`` is an aiohttp handler that
only parses the JSON body. Both print ``READY`` once listening and serve until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from aiohttp import web

from bench.webhook_serve import serve_app, stop_on_signals
from bot.channels.telegram.adapter import Inbound
from bot.channels.telegram.webhook import WEBHOOK_PATH
from handlers.messages import Reply

#: the secrets the benchmark client uses
WEBHOOK_SECRET = "bench-webhook-secret"
LINK_SECRET = "bench-link-secret"
#: the libraries-only and floor servers' Telegram sender
SENDER = web.AppKey("sender", Any)


def full_app(args: argparse.Namespace) -> web.Application:
    """doorstep with every default feature, Telegram in webhook mode, sends unthrottled (local Bot API)."""
    from bot.app import build_app
    from bot.config import Settings

    settings = Settings(
        database_url=args.database_url,
        public_url=f"http://127.0.0.1:{args.port}",
        secret_key=LINK_SECRET,
        telegram_token=args.token,
        telegram_mode="webhook",
        telegram_webhook_secret=WEBHOOK_SECRET,
        telegram_api_base_url=args.fake_url,
        telegram_send_rate=1_000_000.0,
        telegram_send_rate_per_chat=1_000_000.0,
        log_level="WARNING",
    )
    return build_app(settings)


async def _parse_only(request: web.Request) -> web.Response:
    await request.json()
    return web.Response(status=200)


def _replying_app(
    args: argparse.Namespace,
    reply_for: Callable[[Inbound], Reply],
    cleanup: Callable[[], None] = lambda: None,
) -> web.Application:
    """A webhook route that reads each update with doorstep's adapter and sends ``reply_for`` it
    through doorstep's Telegram sender (PTB over aiohttp) to the fake; no pacing."""
    from telegram import Bot

    from bot.channels.telegram.adapter import translate
    from bot.channels.telegram.sender import TelegramSender
    from bot.channels.telegram.transport import AiohttpRequest

    async def bot_context(app: web.Application) -> AsyncIterator[None]:
        async with Bot(args.token, base_url=f"{args.fake_url}/bot", request=AiohttpRequest()) as bot:
            app[SENDER] = TelegramSender(bot)
            yield
        cleanup()

    async def answer(request: web.Request) -> web.Response:
        inbound = translate(await request.json())
        assert inbound.message is not None
        await request.app[SENDER].send(inbound.external_id, reply_for(inbound))
        return web.Response(status=200)

    app = web.Application()
    app.cleanup_ctx.append(bot_context)
    app.router.add_post(WEBHOOK_PATH, answer)
    return app


def _menu() -> Reply:
    """The same 6-button message doorstep answers "hi" with."""
    from handlers.smalltalk import menu_reply

    return menu_reply("Hi Ann! I can track your order, sort out a delivery problem, start a return.")


def libraries_app(args: argparse.Namespace) -> web.Application:
    """What the libraries alone cost: doorstep's adapter reads the update, its Telegram sender
    (PTB) sends the menu reply to the fake; no database, no engine, no pacing."""
    menu = _menu()
    return _replying_app(args, lambda inbound: menu)


#: the statements of one doorstep turn (as traced from the full server), in the order it runs them
CHAT_SQL = (
    "SELECT i.id, i.customer_id, i.verified, i.unreachable, c.id, c.version, c.state, c.slots, k.name"
    " FROM channel_identities AS i LEFT OUTER JOIN conversations AS c"
    " ON c.channel = i.channel AND c.external_id = i.external_id"
    " LEFT OUTER JOIN customers AS k ON k.id = i.customer_id WHERE i.channel = ? AND i.external_id = ?"
)
ORDER_SQL = (
    "SELECT orders.id, orders.order_number, orders.customer_id, orders.placed_at, orders.status,"
    " orders.ship_line1, orders.ship_city, orders.ship_postcode, orders.ship_country,"
    " orders.expected_ship_date, orders.backordered_until, orders.refund_status, orders.updated_at,"
    " customers.id, customers.email, customers.name, customers.phone, customers.timezone,"
    " customers.locale, customers.created_at FROM orders JOIN customers ON customers.id = orders.customer_id"
    " WHERE orders.order_number = ?"
)
ITEMS_SQL = (
    "SELECT id, order_id, sku, name, category, quantity, requires_setup FROM order_items"
    " WHERE order_id = ? ORDER BY id"
)
SHIPMENTS_SQL = (
    "SELECT id, order_id, carrier, tracking_number, tracking_url, status, raw_status, eta, promised_by,"
    " shipped_at, delivered_at, last_location, last_event_at, skus, updated_at FROM shipments"
    " WHERE order_id = ? ORDER BY id"
)
INBOX_SQL = (
    "INSERT INTO inbox (source, external_id, payload, status, order_number, tracking_number, received_at)"
    " VALUES ('chat:telegram', ?, 'null', 'processed', NULL, NULL, ?) ON CONFLICT (source, external_id) DO NOTHING"
)
SAVE_SQL = (
    "UPDATE conversations SET state = ?, slots = ?, version = ?, updated_at = ? WHERE id = ? AND version = ?"
)
TRANSCRIPT_SQL = (
    "INSERT INTO transcript_messages (conversation_id, direction, text, payload, intent, author, created_at)"
    " VALUES (?, ?, ?, NULL, ?, ?, ?)"
)
STATUS_TEXT = (
    "Kettle Pro 200 (order #{number}) is on its way with UPS. Tracking number: 1Z999AA1000000{number}."
)


def floor_app(args: argparse.Namespace) -> web.Application:
    """``libraries`` plus the SQL of doorstep's turn for the same message, on ``sqlite3`` directly
    (doorstep's pragmas, one transaction and commit per update); no engine, no SQLAlchemy."""
    import json
    import sqlite3
    from datetime import UTC, datetime

    from storage.sqlite_inline import PRAGMAS

    menu = _menu()
    database = sqlite3.connect(args.database_url.split(":///", 1)[1], isolation_level=None)
    for pragma in PRAGMAS:
        database.execute(pragma)

    def turn(inbound: Inbound) -> Reply:
        assert inbound.message is not None
        text = inbound.message.text
        chat = database.execute(CHAT_SQL, ("telegram", inbound.external_id)).fetchone()
        conversation_id, version, slots = chat[4], chat[5], json.loads(chat[7])
        reply, intent = menu, "greeting"
        if text.startswith("where"):
            order = database.execute(ORDER_SQL, (slots["order"],)).fetchone()
            database.execute(ITEMS_SQL, (order[0],)).fetchall()
            database.execute(SHIPMENTS_SQL, (order[0],)).fetchall()
            reply, intent = Reply(STATUS_TEXT.format(number=order[1])), "order_status"
        slots["last_intent"] = intent
        now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
        database.execute("BEGIN")
        database.execute(INBOX_SQL, (str(inbound.update_id), now))
        database.execute(SAVE_SQL, ("idle", json.dumps(slots), version + 1, now, conversation_id, version))
        database.executemany(
            TRANSCRIPT_SQL,
            [
                (conversation_id, "in", text, intent, "Ann", now),
                (conversation_id, "out", reply.text, intent, None, now),
            ],
        )
        database.execute("COMMIT")
        return reply

    return _replying_app(args, turn, database.close)


def bare_app() -> web.Application:
    """The baseline: the same route, parsing the same JSON, doing nothing else."""
    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, _parse_only)
    return app


async def serve(args: argparse.Namespace) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = stop_on_signals()
    apps = {"full": full_app, "libraries": libraries_app, "floor": floor_app}
    app = apps[args.kind](args) if args.kind in apps else bare_app()
    await serve_app(app, args.port, stop, args.profile)


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.telegram_webhook.server")
    parser.add_argument("kind", choices=["full", "libraries", "floor", "bare"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--fake-url", default="")
    parser.add_argument("--token", default="")
    parser.add_argument("--profile", default="", help="write cProfile stats of the serving phase here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
