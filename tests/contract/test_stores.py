"""The store contracts, run against the SQLite adapters (local mode) and the DynamoDB ones (moto)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from shared.adapters.aws.dynamodb.activity import DynamoDBActivityStore
from shared.adapters.aws.dynamodb.analytics import DynamoDBAnalyticsStore
from shared.adapters.aws.dynamodb.auth import DynamoDBApiKeyStore, DynamoDBUserStore
from shared.adapters.aws.dynamodb.counters import DynamoDBCounterStore
from shared.adapters.aws.dynamodb.documents import DynamoDBDocumentStore
from shared.adapters.local.sqlite_activity import SqliteActivityStore
from shared.adapters.local.sqlite_analytics import SqliteAnalyticsStore
from shared.adapters.local.sqlite_auth import SqliteApiKeyStore, SqliteUserStore
from shared.adapters.local.sqlite_counters import SqliteCounterStore
from shared.adapters.local.sqlite_store import SqliteDocumentStore
from tests.contract.store_contract import (
    ActivityStoreContract,
    AnalyticsStoreContract,
    ApiKeyStoreContract,
    CounterStoreContract,
    DocumentCountsContract,
    DocumentStoreContract,
    UserStoreContract,
)
from tests.fakes.clock import FakeClock
from tests.fakes.stores import (
    InMemoryActivityStore,
    InMemoryAnalyticsStore,
    InMemoryApiKeyStore,
    InMemoryCounterStore,
    InMemoryUserStore,
)
from tests.integration.aws.moto_env import TABLE, dynamodb_with_table, fake_aws, forget_document_counts


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def dynamodb() -> Iterator[object]:
    with fake_aws():
        yield dynamodb_with_table()


class TestInMemoryStores(UserStoreContract, ApiKeyStoreContract, CounterStoreContract, ActivityStoreContract,
                         AnalyticsStoreContract):
    """The unit tests' fakes (tests/fakes/stores.py) keep the promises of the real stores."""

    @pytest.fixture
    def users(self) -> InMemoryUserStore:
        return InMemoryUserStore()

    @pytest.fixture
    def keys(self) -> InMemoryApiKeyStore:
        return InMemoryApiKeyStore()

    @pytest.fixture
    def counters(self, clock: FakeClock) -> InMemoryCounterStore:
        return InMemoryCounterStore(clock=clock)

    @pytest.fixture
    def activity(self) -> InMemoryActivityStore:
        return InMemoryActivityStore()

    @pytest.fixture
    def analytics(self) -> InMemoryAnalyticsStore:
        return InMemoryAnalyticsStore()


class TestSqliteStores(DocumentStoreContract, DocumentCountsContract, UserStoreContract, ApiKeyStoreContract,
                       CounterStoreContract, ActivityStoreContract, AnalyticsStoreContract):
    @pytest.fixture
    def documents(self, tmp_path: Path) -> SqliteDocumentStore:
        return SqliteDocumentStore(tmp_path / "store.sqlite")

    @pytest.fixture
    def forget_counts(self, tmp_path: Path):
        def forget() -> SqliteDocumentStore:
            with closing(sqlite3.connect(tmp_path / "store.sqlite")) as db, db:
                db.execute("DROP TABLE document_counts")  # as a file from before the counters
            return SqliteDocumentStore(tmp_path / "store.sqlite")

        return forget

    @pytest.fixture
    def users(self, tmp_path: Path) -> SqliteUserStore:
        return SqliteUserStore(tmp_path / "auth.sqlite")

    @pytest.fixture
    def keys(self, tmp_path: Path) -> SqliteApiKeyStore:
        return SqliteApiKeyStore(tmp_path / "auth.sqlite")

    @pytest.fixture
    def counters(self, tmp_path: Path, clock: FakeClock) -> SqliteCounterStore:
        return SqliteCounterStore(tmp_path / "counters.sqlite", clock=clock)

    @pytest.fixture
    def activity(self, tmp_path: Path) -> SqliteActivityStore:
        return SqliteActivityStore(tmp_path / "activity.sqlite")

    @pytest.fixture
    def analytics(self, tmp_path: Path) -> SqliteAnalyticsStore:
        return SqliteAnalyticsStore(tmp_path / "analytics.sqlite")


class TestDynamoDBStores(DocumentStoreContract, DocumentCountsContract, UserStoreContract, ApiKeyStoreContract,
                         CounterStoreContract, ActivityStoreContract, AnalyticsStoreContract):
    @pytest.fixture
    def documents(self, dynamodb) -> DynamoDBDocumentStore:
        return DynamoDBDocumentStore(TABLE, client=dynamodb)

    @pytest.fixture
    def forget_counts(self, dynamodb):
        def forget() -> DynamoDBDocumentStore:  # as items written before the counters
            forget_document_counts(dynamodb)
            return DynamoDBDocumentStore(TABLE, client=dynamodb)

        return forget

    @pytest.fixture
    def users(self, dynamodb) -> DynamoDBUserStore:
        return DynamoDBUserStore(TABLE, client=dynamodb)

    @pytest.fixture
    def keys(self, dynamodb) -> DynamoDBApiKeyStore:
        return DynamoDBApiKeyStore(TABLE, client=dynamodb)

    @pytest.fixture
    def counters(self, dynamodb, clock: FakeClock) -> DynamoDBCounterStore:
        return DynamoDBCounterStore(TABLE, client=dynamodb, clock=clock)

    @pytest.fixture
    def activity(self, dynamodb) -> DynamoDBActivityStore:
        return DynamoDBActivityStore(TABLE, client=dynamodb)

    @pytest.fixture
    def analytics(self, dynamodb) -> DynamoDBAnalyticsStore:
        return DynamoDBAnalyticsStore(TABLE, client=dynamodb)

    def test_atomic_under_threads(self, counters, dynamodb) -> None:
        # moto's in-process backend does not lock items across threads, so concurrency cannot be shown
        # here; what makes the counter atomic on DynamoDB is that a live increment is one UpdateItem ADD.
        calls: list[dict] = []
        dynamodb.meta.events.register("provide-client-params.dynamodb.*",
                                      lambda model, params, **_: calls.append((model.name, params)))
        counters.increment("shared", ttl_seconds=600)  # creates (two calls: ADD fails, SET)
        calls.clear()
        assert counters.increment("shared", ttl_seconds=600) == 2
        [(operation, params)] = calls
        assert operation == "UpdateItem" and params["UpdateExpression"].startswith("ADD")

    def test_query_log_expires_by_ttl_unless_kept(self, dynamodb) -> None:
        from datetime import timedelta

        from shared.domain.activity import QueryRecord
        from tests.contract.store_contract import T0

        record = QueryRecord(id="q", principal_id="lan", role="employee", question="?", created_at=T0,
                             latency_ms=1.0, found=False)
        DynamoDBActivityStore(TABLE, client=dynamodb, retention_days=30).put_query(record)
        item = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "QUERY#q"}, "SK": {"S": "QUERY"}})["Item"]
        assert int(item["expires_at"]["N"]) == int((T0 + timedelta(days=30)).timestamp())
        DynamoDBActivityStore(TABLE, client=dynamodb, retention_days=None).put_query(record)
        item = dynamodb.get_item(TableName=TABLE, Key={"PK": {"S": "QUERY#q"}, "SK": {"S": "QUERY"}})["Item"]
        assert "expires_at" not in item
