"""Per-caller request limits: a fixed window counted with one atomic increment per request.

Why a fixed window rather than a sliding one: a sliding log keeps every request time per caller (a
growing item, a read and a write per request); a sliding counter reads two windows per request. A fixed
window is a single atomic ADD on one item (one DynamoDB UpdateItem, no read, no scan) whose TTL
cleans it up. The price: a caller can fit up to 2 x limit requests around a window boundary (the end
of one window and the start of the next). API Gateway's throttling bounds such bursts anyway.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from shared.domain.errors import RateLimited

if TYPE_CHECKING:  # type-only: shared.ports imports numpy, which the auth path does not need
    from shared.ports import CounterStore


class RateLimiter:
    """At most `limit` calls of `check` per principal in each aligned window of `window_seconds`."""

    def __init__(self, counters: CounterStore, *, limit: int = 10, window_seconds: int = 60,
                 clock: Callable[[], float] = time.time) -> None:
        if limit < 1 or window_seconds < 1:
            raise ValueError("limit and window_seconds must be positive")
        self._counters, self._limit, self._window, self._clock = counters, limit, window_seconds, clock

    def check(self, principal_id: str) -> None:
        """Count one call; raises RateLimited (retry_after = whole seconds to the window's end, >= 1)
        from the (limit + 1)-th call of a window on.
        """
        now = self._clock()
        window_start = int(now // self._window) * self._window
        # The window start is part of the key, so a new window is a new counter; the TTL only has to
        # outlive the window (two of them leaves room for clock skew between instances).
        count = self._counters.increment(f"ratelimit#{principal_id}#{window_start}",
                                         ttl_seconds=2 * self._window)
        if count > self._limit:
            raise RateLimited(retry_after=max(1, math.ceil(window_start + self._window - now)))
