"""The processes the WhatsApp webhook benchmark runs, each on its own.

    python -m bench.whatsapp_webhook.server full --port P --database-url URL --fake-url URL
    python -m bench.whatsapp_webhook.server bare --port P
    python -m bench.whatsapp_webhook.server fake --port P

``full`` is doorstep's real server (``build_app`` with every default feature) with the WhatsApp
channel on, its replies going through pywa to the fake Graph API at ``--fake-url``; ``bare`` is an
aiohttp handler that checks the same ``X-Hub-Signature-256`` and parses the same JSON, nothing
else; ``fake`` is FakeWhatsApp (no 24-hour window: the client posts straight to doorstep, so the
fake never sees the shoppers write). Each prints ``READY`` once listening (the fake: ``READY <url>``)
and serves until SIGTERM; the servers print ``CPU <seconds>`` on the way out.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging

from aiohttp import web

from bench.webhook_serve import serve_app, stop_on_signals
from bot.channels.whatsapp.webhook import WEBHOOK_PATH, signature_valid

#: what the benchmark client and the servers share
APP_SECRET = "bench-app-secret"
LINK_SECRET = "bench-link-secret"
ACCESS_TOKEN = "bench-access-token"
PHONE_NUMBER_ID = "106540352242922"
VERIFY_TOKEN = "bench-verify-token"


def full_app(args: argparse.Namespace) -> web.Application:
    """doorstep with every default feature, WhatsApp on, sends unpaced (a local Graph API)."""
    from bot.app import build_app
    from bot.config import Settings

    settings = Settings(
        database_url=args.database_url,
        public_url=f"http://127.0.0.1:{args.port}",
        secret_key=LINK_SECRET,
        whatsapp_token=ACCESS_TOKEN,
        whatsapp_phone_number_id=PHONE_NUMBER_ID,
        whatsapp_app_secret=APP_SECRET,
        whatsapp_verify_token=VERIFY_TOKEN,
        whatsapp_api_base_url=args.fake_url,
        whatsapp_send_rate=1_000_000.0,
        whatsapp_send_rate_per_recipient=1_000_000.0,
        log_level="WARNING",
    )
    return build_app(settings)


async def _check_and_parse(request: web.Request) -> web.Response:
    body = await request.read()
    if not signature_valid(body, request.headers.get("X-Hub-Signature-256"), APP_SECRET):
        return web.Response(status=401)
    json.loads(body)
    return web.Response(status=200)


def bare_app() -> web.Application:
    """The baseline: the same route, the same signature check, the same JSON parsed, nothing else."""
    app = web.Application()
    app.router.add_post(WEBHOOK_PATH, _check_and_parse)
    return app


async def serve_fake(port: int, stop: asyncio.Event) -> None:
    """FakeWhatsApp on ``port`` until ``stop``."""
    from tests.fakes.whatsapp import FakeWhatsApp

    async with FakeWhatsApp(
        token=ACCESS_TOKEN,
        phone_number_id=PHONE_NUMBER_ID,
        app_secret=APP_SECRET,
        enforce_window=False,
        port=port,
    ) as fake:
        print(f"READY {fake.base_url}", flush=True)
        await stop.wait()


async def serve(args: argparse.Namespace) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = stop_on_signals()
    if args.kind == "fake":
        await serve_fake(args.port, stop)
        return
    app = full_app(args) if args.kind == "full" else bare_app()
    await serve_app(app, args.port, stop, args.profile)


def main() -> None:
    """Entry point."""
    parser = argparse.ArgumentParser(prog="python -m bench.whatsapp_webhook.server")
    parser.add_argument("kind", choices=["full", "bare", "fake"])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--fake-url", default="")
    parser.add_argument("--profile", default="", help="write cProfile stats of the serving phase here")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
