
import pytest

from shared.domain.errors import RateLimited
from shared.services.rate_limit import RateLimiter
from tests.fakes.stores import InMemoryCounterStore

from .conftest import FakeClock


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(now=1_750_000_020.0)  # 20 s into a minute window (1_750_000_000 is 40 s into one)


@pytest.fixture
def limiter(clock: FakeClock) -> RateLimiter:
    counters = InMemoryCounterStore(clock=clock)
    return RateLimiter(counters, limit=10, window_seconds=60, clock=clock)


def window_end(now: float) -> float:
    return (now // 60 + 1) * 60


def test_eleventh_call_in_a_window_is_limited(limiter: RateLimiter, clock: FakeClock) -> None:
    for _ in range(10):
        limiter.check("lan")
    with pytest.raises(RateLimited) as limited:
        limiter.check("lan")
    assert 1 <= limited.value.retry_after <= 60
    assert limited.value.retry_after == int(window_end(clock.now) - clock.now)
    assert limited.value.code == "rate_limited"


def test_retry_after_is_at_least_one_second_near_the_edge(limiter: RateLimiter, clock: FakeClock) -> None:
    clock.now = window_end(clock.now) - 0.2
    for _ in range(10):
        limiter.check("lan")
    with pytest.raises(RateLimited) as limited:
        limiter.check("lan")
    assert limited.value.retry_after == 1


def test_a_new_window_resets_the_count(limiter: RateLimiter, clock: FakeClock) -> None:
    for _ in range(10):
        limiter.check("lan")
    with pytest.raises(RateLimited) as limited:
        limiter.check("lan")
    clock.advance(limited.value.retry_after)
    for _ in range(10):
        limiter.check("lan")
    with pytest.raises(RateLimited):
        limiter.check("lan")


def test_principals_are_counted_apart(limiter: RateLimiter) -> None:
    for _ in range(10):
        limiter.check("lan")
    for _ in range(10):
        limiter.check("sk_key-of-someone-else")
    with pytest.raises(RateLimited):
        limiter.check("lan")


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RateLimiter(InMemoryCounterStore(), limit=0)
