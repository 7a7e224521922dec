"""A settable clock (Unix seconds) for code that takes `clock=` (and `sleep=`): sleeping advances it at once."""

from __future__ import annotations


class FakeClock:
    def __init__(self, now: float = 1_750_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    sleep = advance
