"""A fake run in its own process with `python -m tests.fakes.serve`, inspected over its control endpoints."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import aiohttp
from telegram import Bot

from tests.fakes.telegram import make_text_update

REPO_ROOT = Path(__file__).resolve().parents[2]


async def test_served_telegram_fake_takes_pushed_updates_and_reports_stats() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.serve",
        "telegram",
        "--token",
        "1:A",
        "--rate-limit-per-chat",
        "1",
        cwd=REPO_ROOT,
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready = (await asyncio.wait_for(process.stdout.readline(), timeout=20)).decode().split()
        assert ready[0] == "READY"
        base_url = ready[1]
        async with aiohttp.ClientSession() as session:
            async with session.post(f"{base_url}/_fake/updates", json=make_text_update(5, "hi")) as response:
                pushed = await response.json()
            async with Bot("1:A", base_url=f"{base_url}/bot") as bot:
                updates = await bot.get_updates(timeout=1)
                await bot.send_message(5, "one")
            async with session.get(f"{base_url}/_fake/stats") as response:
                stats = await response.json()
            async with session.get(f"{base_url}/_fake/calls", params={"method": "sendMessage"}) as response:
                calls = await response.json()
    finally:
        process.terminate()
        await process.wait()

    assert [update.update_id for update in updates] == [pushed["update_id"]]
    assert stats["by_method"]["sendMessage"] == {"200": 1}
    assert [call["params"]["text"] for call in calls] == ["one"]
    assert process.returncode == 0
