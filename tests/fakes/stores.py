"""In-memory stores behind the core's ports, for unit tests (no file, no socket). Each runs the same contract
suite as the SQLite and DynamoDB adapters (tests/contract/test_stores.py), so a unit test over a fake tests
what the real stores do."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace

from shared.domain.activity import CounterItem, FeedbackRecord, QueryRecord
from shared.domain.auth import ApiKeyRecord, User
from shared.domain.errors import UserExists


class InMemoryUserStore:
    def __init__(self) -> None:
        self._users: dict[str, User] = {}
        self._lock = threading.Lock()

    def create_user(self, user: User) -> None:
        with self._lock:
            if user.username in self._users:
                raise UserExists(f"user {user.username!r} already exists")
            self._users[user.username] = user

    def get_user(self, username: str) -> User | None:
        return self._users.get(username)

    def delete_user(self, username: str) -> bool:
        return self._users.pop(username, None) is not None

    def set_active(self, username: str, active: bool) -> bool:
        return self._update(username, lambda u: replace(u, active=active))

    def bump_token_version(self, username: str) -> bool:
        return self._update(username, lambda u: replace(u, token_version=u.token_version + 1))

    def set_password_hash(self, username: str, password_hash: str) -> bool:
        return self._update(username, lambda u: replace(u, password_hash=password_hash))

    def _update(self, username: str, change: Callable[[User], User]) -> bool:
        with self._lock:
            user = self._users.get(username)
            if user is None:
                return False
            self._users[username] = change(user)
            return True


class InMemoryApiKeyStore:
    def __init__(self) -> None:
        self._by_hash: dict[str, ApiKeyRecord] = {}

    def put_key(self, record: ApiKeyRecord) -> None:
        self._by_hash[record.key_hash] = record

    def get_key_by_hash(self, key_hash: str) -> ApiKeyRecord | None:
        return self._by_hash.get(key_hash)

    def list_keys(self, owner: str) -> list[ApiKeyRecord]:
        return sorted((r for r in self._by_hash.values() if r.owner == owner), key=lambda r: (r.created_at, r.id))

    def revoke_key(self, owner: str, key_id: str) -> bool:
        for key_hash, record in self._by_hash.items():
            if record.owner == owner and record.id == key_id:
                self._by_hash[key_hash] = replace(record, revoked=True)
                return True
        return False


class InMemoryCounterStore:
    def __init__(self, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._counters: dict[str, tuple[int, float]] = {}  # key -> (value, expires at)
        self._lock = threading.Lock()

    def increment(self, key: str, *, ttl_seconds: int) -> int:
        with self._lock:
            now = self._clock()
            value, expires = self._counters.get(key, (0, now + ttl_seconds))
            if now >= expires:
                value, expires = 0, now + ttl_seconds
            self._counters[key] = (value + 1, expires)
            return value + 1


class InMemoryActivityStore:
    def __init__(self) -> None:
        self._queries: dict[str, QueryRecord] = {}
        self._feedback: dict[tuple[str, str], FeedbackRecord] = {}

    def put_query(self, record: QueryRecord) -> None:
        self._queries[record.id] = record

    def get_query(self, query_id: str) -> QueryRecord | None:
        return self._queries.get(query_id)

    def put_feedback(self, record: FeedbackRecord) -> None:
        self._feedback[(record.query_id, record.principal_id)] = record

    def list_feedback(self, query_id: str) -> list[FeedbackRecord]:
        return [f for (qid, _), f in self._feedback.items() if qid == query_id]


class InMemoryAnalyticsStore:
    def __init__(self) -> None:
        self._items: dict[tuple[str, str], CounterItem] = {}
        self._lock = threading.Lock()

    def add(self, pk: str, sk: str, amounts: Mapping[str, float], *, label: str | None = None,
            members: Iterable[str] = ()) -> None:
        with self._lock:
            item = self._items.get((pk, sk), CounterItem(sk))
            values = dict(item.values)
            for name, amount in amounts.items():
                values[name] = values.get(name, 0) + amount
            self._items[(pk, sk)] = CounterItem(sk, values, label if label is not None else item.label,
                                                item.members | frozenset(members))

    def swap_label(self, pk: str, sk: str, label: str) -> str | None:
        with self._lock:
            item = self._items.get((pk, sk), CounterItem(sk))
            self._items[(pk, sk)] = replace(item, label=label)
            return item.label

    def add_once(self, pk: str, sk: str) -> bool:
        with self._lock:
            if (pk, sk) in self._items:
                return False
            self._items[(pk, sk)] = CounterItem(sk)
            return True

    def query(self, pk: str, sk_prefix: str = "") -> list[CounterItem]:
        return sorted((item for (p, sk), item in self._items.items() if p == pk and sk.startswith(sk_prefix)),
                      key=lambda item: item.sk)
