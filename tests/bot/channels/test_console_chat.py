"""``doorstep chat``: the terminal channel renders replies, numbers buttons and presses them."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.channels.console import pressed, render, run_console
from handlers.messages import Button, Link, Reply
from tests.handlers.conversation_kit import Harness, harness, shop_template

__all__ = ["harness", "shop_template"]


def test_render_numbers_buttons_and_shows_links() -> None:
    reply = Reply(
        "Your parcel is on its way.\nExpected Wednesday.",
        buttons=[Button("Track it", "intent:order_status"), Button("Talk to a person", "intent:human_agent")],
        links=[Link("Track with UPS", "https://ups.example/1Z")],
    )
    assert render(reply, first_number=3) == (
        "bot> Your parcel is on its way.\n"
        "     Expected Wednesday.\n"
        "     link: Track with UPS <https://ups.example/1Z>\n"
        "     [3] Track it\n"
        "     [4] Talk to a person"
    )


def test_only_shown_numbers_press_buttons() -> None:
    buttons = [Button("A", "a"), Button("B", "b")]
    assert pressed(" 2 ", buttons) == buttons[1]
    assert pressed("3", buttons) is None
    assert pressed("1042", buttons) is None
    assert pressed("yes", buttons) is None


async def test_a_scripted_console_session(harness: Harness) -> None:
    lines = iter(["hi", "1", "1001", "ann@example.com", "", "quit", "never read"])
    out: list[str] = []

    async def read() -> str | None:
        return next(lines)

    sent = await run_console(harness.engine, read, out.append, user="tty-1")
    assert sent == 4
    text = "\n".join(out)
    assert "[1] Where is my order?" in text
    assert "you pressed: Where is my order?" in text
    assert "What's your order number?" in text
    assert "Your Kettle Pro 200 (order #1001) is on its way." in text
    assert "link: Track with UPS <https://track.example.test/1Z999AA10000001001>" in text
    assert out[-1] == "bye!"


async def test_end_of_input_leaves(harness: Harness) -> None:
    out: list[str] = []

    async def read() -> str | None:
        return None

    assert await run_console(harness.engine, read, out.append) == 0
    assert out[-1] == "bye!"


def test_doorstep_chat_seeds_the_demo_shop_and_answers(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "DOORSTEP_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'demo.db'}",
        "DOORSTEP_LOG_LEVEL": "WARNING",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "chat"],
        input="hello\n6\nbye\nquit\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "seeded the demo shop: 200 orders" in done.stdout
    assert "[6] Talk to a person" in done.stdout
    assert "you pressed: Talk to a person" in done.stdout
    assert "bot> You're chatting with our automated assistant, not a person." in done.stdout
    # the terminal has no staff channel behind it: the bot says so instead of promising a reply
    assert "nobody from our support team can reply in this chat" in done.stdout
    assert "lists the ways to reach a person (the article below). I can still help" in done.stdout
    assert "passed our conversation" not in done.stdout
    assert done.stdout.rstrip().endswith("bye!")
