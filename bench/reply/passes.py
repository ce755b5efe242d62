"""One pass of scripted messages through an engine, timed message by message."""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from bench.reply.script import Step
from bot.clock import FakeClock
from bot.engine.engine import Engine
from handlers.messages import IncomingMessage

#: the shoppers' messages arrive this far apart on the fake clock
GAP = timedelta(seconds=1)
#: replies that mean a number + contact verification did not go through
NOT_VERIFIED = ("I couldn't match", "email address or phone number")


@dataclass(slots=True)
class PassResult:
    """Per-message latencies (seconds) and what was answered in one pass over a script."""

    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    wall: float = 0.0
    process_cpu: float = 0.0
    main_thread_cpu: float = 0.0
    intents: Counter[str] = field(default_factory=Counter)
    by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu_by_kind: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    conversations: dict[str, int] = field(default_factory=dict)
    verified: int = 0
    verifications: int = 0
    replies: int = 0


def incoming(step: Step, number: int, prefix: str) -> IncomingMessage:
    """The REST channel message for a scripted step."""
    return IncomingMessage(
        channel="rest",
        external_id=step.shopper,
        text=step.text,
        payload=step.payload,
        message_id=f"{prefix}-{number}",
    )


async def run_pass(engine: Engine, clock: FakeClock, steps: Sequence[Step], prefix: str) -> PassResult:
    """Send every step through ``engine.handle``, one at a time, timing each call.

    Per call: wall clock (``perf_counter``) and process CPU time (all threads, so the aiosqlite
    worker's share counts). The fake clock moves :data:`GAP` after each message.
    """
    out = PassResult()
    cpu0, thread0, wall0 = time.process_time(), time.thread_time(), time.perf_counter()
    for number, step in enumerate(steps):
        message = incoming(step, number, prefix)
        start, start_cpu = time.perf_counter(), time.process_time()
        result = await engine.handle(message)
        elapsed = time.perf_counter() - start
        cpu = time.process_time() - start_cpu
        out.cpu.append(cpu)
        out.latencies.append(elapsed)
        clock.advance(GAP)
        out.by_kind[step.kind].append(elapsed)
        out.cpu_by_kind[step.kind].append(cpu)
        out.intents[result.intent or "-"] += 1
        out.replies += len(result.replies)
        out.conversations[step.shopper] = result.conversation_id
        if step.kind in ("contact", "one_shot"):
            out.verifications += 1
            if not any(marker in reply.text for reply in result.replies for marker in NOT_VERIFIED):
                out.verified += 1
    out.wall = time.perf_counter() - wall0
    out.process_cpu = time.process_time() - cpu0
    out.main_thread_cpu = time.thread_time() - thread0
    return out
