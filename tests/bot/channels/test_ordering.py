"""Per-chat turns: arrival order within a chat, concurrency across chats."""

from __future__ import annotations

import asyncio

from bot.channels.ordering import ChatTurns


async def test_turns_of_one_chat_run_in_reservation_order_one_at_a_time() -> None:
    turns = ChatTurns()
    log: list[str] = []

    async def work(name: str, delay: float, turn: object) -> None:
        async with turn:  # type: ignore[attr-defined]
            log.append(f"{name}+")
            await asyncio.sleep(delay)
            log.append(f"{name}-")

    reserved = [turns.reserve("a") for _ in range(3)]
    # started in reverse order: still served in reservation order
    tasks = [asyncio.create_task(work(str(i), 0.02 * (3 - i), reserved[i])) for i in (2, 1, 0)]
    await asyncio.gather(*tasks)
    assert log == ["0+", "0-", "1+", "1-", "2+", "2-"]
    assert len(turns) == 0 and not turns.busy("a")


async def test_different_chats_run_concurrently() -> None:
    turns = ChatTurns()
    inside = 0
    peak = 0

    async def work(chat: str) -> None:
        nonlocal inside, peak
        async with turns.reserve(chat):
            inside += 1
            peak = max(peak, inside)
            await asyncio.sleep(0.02)
            inside -= 1

    await asyncio.gather(*(work(chat) for chat in "abcd"))
    assert peak == 4


async def test_a_failing_turn_lets_the_next_one_run() -> None:
    turns = ChatTurns()
    first, second = turns.reserve("a"), turns.reserve("a")

    async def fail() -> None:
        async with first:
            raise RuntimeError("boom")

    failing = asyncio.create_task(fail())
    async with second:
        assert failing.done()
    assert isinstance(failing.exception(), RuntimeError)
    assert not turns.busy("a")


async def test_a_cancelled_waiter_keeps_the_order() -> None:
    turns = ChatTurns()
    log: list[str] = []
    first, second, third = turns.reserve("a"), turns.reserve("a"), turns.reserve("a")
    release = asyncio.Event()

    async def hold() -> None:
        async with first:
            log.append("first")
            await release.wait()
            log.append("first done")

    async def wait_then_run(turn: object, name: str) -> None:
        async with turn:  # type: ignore[attr-defined]
            log.append(name)

    holder = asyncio.create_task(hold())
    cancelled = asyncio.create_task(wait_then_run(second, "second"))
    last = asyncio.create_task(wait_then_run(third, "third"))
    await asyncio.sleep(0.01)
    cancelled.cancel()
    await asyncio.sleep(0.01)
    assert log == ["first"]  # the third does not overtake the first
    release.set()
    await asyncio.gather(holder, last)
    assert log == ["first", "first done", "third"]
    assert not turns.busy("a")
