"""Retry with exponential backoff for throttled stores, then DependencyUnavailable (503).

Only `Throttled` is retried: the adapters classify their own errors at the boundary (AWS codes in
shared/adapters/aws/errors.py, SQLite's busy/locked in shared/adapters/local/sqlite.py), so nothing here knows an SDK.
Anything else is raised at once.

Used by QueryService for the query log. The AWS store adapters' calls have been through boto3's own retries
first; this is the last line, and it turns exhaustion into a 503.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from shared.domain.errors import DependencyUnavailable, Throttled

log = logging.getLogger(__name__)
T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    return isinstance(exc, Throttled)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`attempts` tries in all; the pause before try n+1 is min(max_delay, base_delay * 2**(n-1)), jittered
    down by up to `jitter` of itself (so many callers throttled together do not come back together)."""

    attempts: int = 4
    base_delay: float = 0.05
    max_delay: float = 1.0
    jitter: float = 0.5
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = field(default=random.random)

    def delay(self, retry: int) -> float:
        base = min(self.max_delay, self.base_delay * (2 ** retry))
        return base * (1 - self.jitter * self.random())

    def call(self, fn: Callable[[], T], *, what: str = "the store") -> T:
        for attempt in range(self.attempts):
            try:
                return fn()
            except Exception as exc:
                if not is_transient(exc):
                    raise
                if attempt + 1 >= self.attempts:
                    log.warning("%s still throttled after %d attempts: %s", what, self.attempts, exc)
                    raise DependencyUnavailable(f"{what} is busy; try again shortly") from exc
                pause = self.delay(attempt)
                log.info("%s throttled (attempt %d of %d), retrying in %.3f s", what, attempt + 1,
                         self.attempts, pause)
                self.sleep(pause)
        raise AssertionError("unreachable")  # pragma: no cover
