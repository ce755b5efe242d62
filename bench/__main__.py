"""Run every benchmark in turn: ``.venv/bin/python -m bench [NAME ...]``.

Each benchmark prints its own figures and the ratio to a baseline measured in the same run.
With names, only those run (e.g. ``python -m bench import_orders nlu``).
"""

from __future__ import annotations

import subprocess
import sys
import time

BENCHMARKS = (
    "import_orders",
    "nlu",
    "kb",
    "reply",
    "telegram_webhook",
    "whatsapp_webhook",
    "ingest",
    "dispatch",
    "chat_ratelimit",
    "report",
    "scale",
)


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default); exit 1 if any failed to run."""
    names = argv or list(BENCHMARKS)
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        print(
            f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}",
            file=sys.stderr,
        )
        return 2
    failed = []
    for name in names:
        print(f"\n=== bench/{name} ===", flush=True)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", f"bench.{name}.run"], check=False)
        print(f"--- bench/{name}: {time.perf_counter() - started:.0f} s, exit {done.returncode}", flush=True)
        if done.returncode != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
