"""Run a fake in its own process (e.g. for benchmarks, so the fake does not share the client's CPU).

    .venv/bin/python -m tests.fakes.serve telegram --token 1:A --rate-limit-global 300 --rate-limit-per-chat 10
    .venv/bin/python -m tests.fakes.serve slack --token xoxb-test --rate-limit-per-channel 1

Prints `READY <base_url>` on stdout once listening and serves until SIGTERM/SIGINT. Inspect it with
`GET <base_url>/_fake/stats` and `GET <base_url>/_fake/calls?method=sendMessage`; push Telegram updates
with `POST <base_url>/_fake/updates`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from tests.fakes._server import FakeHttpServer
from tests.fakes.slack import FakeSlack
from tests.fakes.telegram import FakeTelegram


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m tests.fakes.serve", description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=["telegram", "slack"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--token", default=None)
    parser.add_argument("--rate-limit-global", type=float, default=None, help="telegram: sends/s overall")
    parser.add_argument("--rate-limit-per-chat", type=float, default=None, help="telegram: sends/s per chat")
    parser.add_argument(
        "--rate-limit-per-channel", type=float, default=None, help="slack: posts/s per channel"
    )
    parser.add_argument("--burst-seconds", type=float, default=1.0)
    parser.add_argument("--fractional-retry-after", action="store_true", help="telegram: float retry_after")
    return parser


def build_fake(args: argparse.Namespace) -> FakeHttpServer:
    """The fake described by parsed command-line arguments."""
    if args.kind == "telegram":
        return FakeTelegram(
            token=args.token,
            port=args.port,
            rate_limit_global=args.rate_limit_global,
            rate_limit_per_chat=args.rate_limit_per_chat,
            rate_limit_burst_seconds=args.burst_seconds,
            fractional_retry_after=args.fractional_retry_after,
        )
    return FakeSlack(
        token=args.token or "xoxb-test-token",
        port=args.port,
        rate_limit_per_channel=args.rate_limit_per_channel,
        rate_limit_burst_seconds=args.burst_seconds,
    )


async def serve(args: argparse.Namespace) -> None:
    """Serve until SIGTERM or SIGINT."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with build_fake(args) as fake:
        print(f"READY {fake.base_url}", flush=True)
        await stop.wait()


def start_telegram(
    token: str, *, rate_limit_global: float, rate_limit_per_chat: float
) -> tuple[subprocess.Popen[str], str]:
    """A rate-limited FakeTelegram in a child process of this module; returns it and its base URL.

    The child runs from the repository's root (with it on ``PYTHONPATH``) whatever the caller's
    working directory; stop it with ``terminate()`` or ``send_signal(SIGTERM)``.
    """
    root = Path(__file__).resolve().parents[2]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.fakes.serve",
            "telegram",
            "--token",
            token,
            "--rate-limit-global",
            str(rate_limit_global),
            "--rate-limit-per-chat",
            str(rate_limit_per_chat),
        ],
        stdout=subprocess.PIPE,
        text=True,
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
    )
    assert process.stdout is not None
    line = process.stdout.readline().strip()
    if not line.startswith("READY "):
        process.kill()
        raise RuntimeError(f"the fake did not start: {line!r}")
    return process, line.removeprefix("READY ")


def sent_messages(base_url: str, timeout: float = 60) -> list[dict[str, Any]]:
    """Every sendMessage call a served FakeTelegram recorded, in arrival order."""
    with urllib.request.urlopen(f"{base_url}/_fake/calls?method=sendMessage", timeout=timeout) as answer:
        return list(json.loads(answer.read()))


def main() -> None:
    """Entry point of `python -m tests.fakes.serve`."""
    asyncio.run(serve(_parser().parse_args()))


if __name__ == "__main__":
    main()
