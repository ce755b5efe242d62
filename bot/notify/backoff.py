"""How long to wait before retrying a message after a transient failure."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with jitter; a provider's ``retry_after`` is honoured as a minimum.

    Attempt ``n`` (1-based) waits a random time between half and all of ``base * 2**(n-1)``,
    capped at ``cap`` seconds. When the provider said ``retry_after``, the wait is that plus up to
    10% jitter (so many messages paused together do not all come back at the same instant).
    """

    base: float = 5.0
    cap: float = 3600.0

    def delay(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Seconds to wait before attempt ``attempt + 1``."""
        if retry_after is not None and retry_after > 0:
            return retry_after * (1.0 + rng.uniform(0.0, 0.1))
        ceiling = min(self.cap, self.base * 2 ** max(0, attempt - 1))
        return rng.uniform(ceiling / 2, ceiling)
