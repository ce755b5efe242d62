"""The servers the Telegram webhook benchmark drives, each in its own process.

    python -m bench.telegram_webhook.server full --port P --database-url URL --fake-url URL --token T
    python -m bench.telegram_webhook.server libraries --port P --fake-url URL --token T
    python -m bench.telegram_webhook.server bare --port P

Both print ``CPU <seconds>`` on the way out: the process's CPU time (all threads) while serving.

``libraries`` reads each update with doorstep's Telegram adapter and sends one fixed reply through
doorstep's Telegram sender (python-telegram-bot over aiohttp): the libraries' share of the work,
no database or engine.
``full`` is doorstep's real server (``build_app`` with every default feature) in Telegram webhook
mode, its replies going to the fake Bot API at ``--fake-url``; ``bare`` is an aiohttp handler that
only parses the JSON body. Both print ``READY`` once listening and serve until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import signal
import time
from collections.abc import AsyncIterator
from typing import Any

from aiohttp import web

from bot.channels.telegram.webhook import WEBHOOK_PATH

#: the secrets the benchmark client uses
WEBHOOK_SECRET = "bench-webhook-secret"
LINK_SECRET = "bench-link-secret"
#: the libraries-only server's bot and sender
PTB_BOT = web.AppKey("ptb_bot", Any)
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


def libraries_app(args: argparse.Namespace) -> web.Application:
    """What the libraries alone cost: doorstep's adapter reads the update, its Telegram sender
    (PTB) sends the menu reply (the same 6-button message doorstep answers "hi" with) to the
    fake; no database, no engine, no pacing."""
    from telegram import Bot

    from bot.channels.telegram.adapter import translate
    from bot.channels.telegram.sender import TelegramSender
    from bot.channels.telegram.transport import AiohttpRequest
    from handlers.smalltalk import menu_reply

    reply = menu_reply("Hi Ann! I can track your order, sort out a delivery problem, start a return.")

    async def bot_context(app: web.Application) -> AsyncIterator[None]:
        async with Bot(args.token, base_url=f"{args.fake_url}/bot", request=AiohttpRequest()) as bot:
            app[SENDER] = TelegramSender(bot)
            app[PTB_BOT] = bot
            yield

    async def answer(request: web.Request) -> web.Response:
        inbound = translate(await request.json())
        assert inbound.chat_id is not None
        await request.app[SENDER].send(inbound.external_id, reply)
        return web.Response(status=200)

    app = web.Application()
    app.cleanup_ctx.append(bot_context)
    app.router.add_post(WEBHOOK_PATH, answer)
    return app


def bare_app() -> web.Application:
    """The baseline: the same route, parsing the same JSON, doing nothing else."""
    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, _parse_only)
    return app


async def serve(args: argparse.Namespace) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    apps = {"full": full_app, "libraries": libraries_app}
    app = apps[args.kind](args) if args.kind in apps else bare_app()
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", args.port, backlog=1024).start()
    profiler = _start_profiler() if args.profile else None
    print("READY", flush=True)
    cpu_at_ready = time.process_time()
    try:
        await stop.wait()
    finally:
        print(f"CPU {time.process_time() - cpu_at_ready:.3f}", flush=True)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(args.profile)
        await runner.cleanup()


def _start_profiler() -> cProfile.Profile:
    """cProfile from now on (``--profile PATH``: where the stats go at the end)."""
    profiler = cProfile.Profile()
    profiler.enable()
    return profiler


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.telegram_webhook.server")
    parser.add_argument("kind", choices=["full", "libraries", "bare"])
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
