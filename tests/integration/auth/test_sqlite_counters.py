import multiprocessing
import threading
from pathlib import Path

from shared.adapters.local.sqlite_counters import SqliteCounterStore
from tests.fakes.clock import FakeClock


def _increment_many(path: str, times: int) -> None:
    store = SqliteCounterStore(Path(path))
    for _ in range(times):
        store.increment("shared", ttl_seconds=600)


def test_counts_up_and_keys_are_separate(tmp_path: Path) -> None:
    store = SqliteCounterStore(tmp_path / "c.sqlite")
    assert [store.increment("a", ttl_seconds=60) for _ in range(3)] == [1, 2, 3]
    assert store.increment("b", ttl_seconds=60) == 1


def test_expired_counter_starts_again(tmp_path: Path) -> None:
    clock = FakeClock()
    store = SqliteCounterStore(tmp_path / "c.sqlite", clock=clock)
    store.increment("a", ttl_seconds=60)
    clock.advance(59)
    assert store.increment("a", ttl_seconds=60) == 2  # the TTL runs from creation, increments don't extend it
    clock.advance(1)
    assert store.increment("a", ttl_seconds=60) == 1


def test_counters_persist_in_the_file(tmp_path: Path) -> None:
    SqliteCounterStore(tmp_path / "c.sqlite").increment("a", ttl_seconds=60)
    assert SqliteCounterStore(tmp_path / "c.sqlite").increment("a", ttl_seconds=60) == 2


def test_atomic_under_threads(tmp_path: Path) -> None:
    store = SqliteCounterStore(tmp_path / "c.sqlite")
    seen: list[int] = []

    def work() -> None:
        seen.extend(store.increment("shared", ttl_seconds=600) for _ in range(50))

    threads = [threading.Thread(target=work) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(seen) == list(range(1, 401))  # every value handed out exactly once
    assert store.increment("shared", ttl_seconds=600) == 401


def test_atomic_across_processes(tmp_path: Path) -> None:
    path = str(tmp_path / "c.sqlite")
    SqliteCounterStore(Path(path))  # create the schema before the race
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_increment_many, args=(path, 50)) for _ in range(4)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert all(worker.exitcode == 0 for worker in workers)
    assert SqliteCounterStore(Path(path)).increment("shared", ttl_seconds=600) == 201
