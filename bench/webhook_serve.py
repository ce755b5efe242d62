"""The server side of the webhook benchmarks: serve an app in a child process the load model drives.

The process prints ``READY`` once it serves and ``CPU <seconds>`` (its CPU time since then) on the
way out, which :class:`bench.webhook_load.Process` reads.
"""

from __future__ import annotations

import asyncio
import cProfile
import signal
import time

from aiohttp import web


def stop_on_signals() -> asyncio.Event:
    """An event set by SIGTERM or SIGINT (call inside the running loop)."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    return stop


async def serve_app(app: web.Application, port: int, stop: asyncio.Event, profile: str = "") -> None:
    """Serve ``app`` on 127.0.0.1:``port`` until ``stop``; with ``profile``, cProfile the serving phase
    into that file."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port, backlog=1024).start()
    profiler = cProfile.Profile() if profile else None
    if profiler is not None:
        profiler.enable()
    print("READY", flush=True)
    cpu_at_ready = time.process_time()
    try:
        await stop.wait()
    finally:
        print(f"CPU {time.process_time() - cpu_at_ready:.3f}", flush=True)
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(profile)
        await runner.cleanup()
