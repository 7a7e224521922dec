"""The behaviour every store adapter (SQLite for local mode, DynamoDB for AWS) must have.

Not collected on its own (no Test prefix): tests/contract/test_stores.py runs it per adapter.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from shared.domain.activity import FeedbackRecord, QueryRecord
from shared.domain.auth import ApiKeyRecord, User
from shared.domain.errors import UserExists
from shared.domain.models import AccessLevel, Document, DocumentKind, DocumentStatus, Principal, Role, SearchFilter
from shared.services.analytics import Analytics

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def doc(doc_id: str, level: AccessLevel = AccessLevel.PUBLIC, document_type: str = "law",
        created: datetime | None = None) -> Document:
    return Document(id=doc_id, title=f"Tài liệu {doc_id}", document_type=document_type, access_level=level,
                    status=DocumentStatus.INDEXED, chunk_count=2, metadata={"nguồn": "thử"}, created_at=created)


def user(name: str = "lan") -> User:
    return User(username=name, password_hash="$argon2id$x", role=Role.EMPLOYEE, email="lan@example.vn",
                created_at=T0)


def api_key(key_id: str, owner: str = "lan", minutes: int = 0) -> ApiKeyRecord:
    return ApiKeyRecord(id=key_id, owner=owner, name=f"key {key_id}", key_hash=f"hash-{key_id}",
                        prefix="sk_abc", created_at=T0 + timedelta(minutes=minutes),
                        expires_at=T0 + timedelta(days=1))


class DocumentStoreContract:
    def test_put_then_get_round_trips(self, documents) -> None:
        documents.put_document(doc("a"))
        got = documents.get_document("a")
        assert got is not None and got.title == "Tài liệu a" and got.metadata == {"nguồn": "thử"}
        assert got.created_at is not None and got.status is DocumentStatus.INDEXED and got.chunk_count == 2
        assert documents.get_document("nope") is None

    def test_failed_status_and_error_round_trip(self, documents) -> None:
        documents.put_document(Document(id="f", title="x", status=DocumentStatus.FAILED, error="hỏng tệp"))
        got = documents.get_document("f")
        assert got.status is DocumentStatus.FAILED and got.error == "hỏng tệp"

    def test_listing_respects_level_type_and_paging(self, documents) -> None:
        for i, level in enumerate(AccessLevel):
            documents.put_document(doc(f"d{i}", level, "law" if i % 2 else "memo"))
        docs, total = documents.list_documents(filter=SearchFilter(AccessLevel.INTERNAL))
        assert total == 2 and {d.id for d in docs} == {"d0", "d1"}
        docs, total = documents.list_documents(
            filter=SearchFilter(AccessLevel.RESTRICTED, document_types=frozenset({"law"})))
        assert total == 2 and {d.access_level for d in docs} == {AccessLevel.INTERNAL, AccessLevel.RESTRICTED}
        page, total = documents.list_documents(filter=SearchFilter(AccessLevel.RESTRICTED), skip=1, limit=2)
        assert total == 4 and len(page) == 2
        by_id, total = documents.list_documents(
            filter=SearchFilter(AccessLevel.INTERNAL, document_ids=frozenset({"d1", "d3"})))
        assert total == 1 and [d.id for d in by_id] == ["d1"]
        nothing, total = documents.list_documents(
            filter=SearchFilter(AccessLevel.PUBLIC, document_ids=frozenset()))
        assert (nothing, total) == ([], 0)

    def test_listing_is_newest_first_across_levels_and_pages(self, documents) -> None:
        for i in range(7):
            documents.put_document(doc(f"n{i}", AccessLevel(i % 4), created=T0 + timedelta(hours=i)))
        seen = []
        for skip in range(0, 7, 3):
            page, total = documents.list_documents(filter=SearchFilter(AccessLevel.RESTRICTED), skip=skip, limit=3)
            assert total == 7
            seen += [d.id for d in page]
        assert seen == [f"n{i}" for i in reversed(range(7))]

    def test_totals_follow_level_and_type_changes_and_deletes(self, documents) -> None:
        documents.put_document(doc("a", AccessLevel.PUBLIC, "law"))
        documents.put_document(doc("a", AccessLevel.RESTRICTED, "memo"))  # re-ingested with new metadata
        public = SearchFilter(AccessLevel.PUBLIC)
        assert documents.list_documents(filter=public) == ([], 0)
        everything = SearchFilter(AccessLevel.RESTRICTED, document_types=frozenset({"memo"}))
        assert documents.list_documents(filter=everything)[1] == 1
        assert documents.delete_document("a")
        assert documents.list_documents(filter=everything) == ([], 0)

    def test_reingest_keeps_creation_time(self, documents) -> None:
        documents.put_document(doc("a"))
        first = documents.get_document("a")
        documents.put_document(doc("a"))
        again = documents.get_document("a")
        assert first.created_at == again.created_at and again.updated_at >= first.updated_at

    def test_delete(self, documents) -> None:
        documents.put_document(doc("a"))
        assert documents.delete_document("a") is True
        assert documents.delete_document("a") is False
        assert documents.get_document("a") is None


def kind(level: AccessLevel, status: DocumentStatus, document_type: str) -> DocumentKind:
    return DocumentKind(level, status, document_type)


def with_status(document: Document, status: DocumentStatus) -> Document:
    return replace(document, status=status, error="hỏng" if status is DocumentStatus.FAILED else None)


def write_script(documents) -> dict[DocumentKind, int]:
    """Puts, a re-put, level and status changes and deletes; returns the counts they imply."""
    documents.put_document(doc("a", AccessLevel.PUBLIC, "law"))
    documents.put_document(doc("a", AccessLevel.PUBLIC, "law"))  # the same again: no double count
    documents.put_document(doc("b", AccessLevel.INTERNAL, "memo"))
    documents.put_document(with_status(doc("c", AccessLevel.INTERNAL, "law"), DocumentStatus.PENDING))
    documents.put_document(doc("c", AccessLevel.INTERNAL, "law"))  # pending -> indexed
    documents.put_document(doc("a", AccessLevel.RESTRICTED, "law"))  # access level changed
    documents.put_document(with_status(doc("b", AccessLevel.INTERNAL, "memo"), DocumentStatus.FAILED))
    documents.put_document(doc("d", AccessLevel.PUBLIC, "decree"))
    assert documents.delete_document("d")
    assert not documents.delete_document("d")  # already gone
    assert not documents.delete_document("never-there")
    documents.put_document(doc("e", AccessLevel.CONFIDENTIAL, "law"))
    return {kind(AccessLevel.INTERNAL, DocumentStatus.FAILED, "memo"): 1,
            kind(AccessLevel.INTERNAL, DocumentStatus.INDEXED, "law"): 1,
            kind(AccessLevel.CONFIDENTIAL, DocumentStatus.INDEXED, "law"): 1,
            kind(AccessLevel.RESTRICTED, DocumentStatus.INDEXED, "law"): 1}


class DocumentCountsContract:
    """Counts by kind kept at write time, and the one-time backfill for documents written before them.

    `forget_counts` turns the store's data into what an older version left (documents, no counts) and
    returns a store opened on it."""

    def test_counts_follow_a_scripted_sequence_exactly(self, documents) -> None:
        assert documents.document_counts() == {}
        expected = write_script(documents)
        assert documents.document_counts() == expected
        for document_id in ("a", "b", "c", "e"):
            assert documents.delete_document(document_id)
        assert documents.document_counts() == {}  # zero counters are not shown, none went below zero

    def test_analytics_reads_the_counts(self, documents, analytics) -> None:
        write_script(documents)
        figures = Analytics(analytics, catalog=documents).documents(Principal(id="m", role=Role.MANAGER))
        assert figures.total == 4 and figures.by_type == {"law": 3, "memo": 1}
        assert figures.by_access_level == {"confidential": 1, "internal": 2, "restricted": 1}
        assert figures.by_status == {"failed": 1, "indexed": 3}

    def test_backfill_gives_the_incremental_counts(self, documents, forget_counts) -> None:
        expected = write_script(documents)
        older = forget_counts()
        assert older.rebuild_document_counts() == expected
        assert older.rebuild_document_counts() == expected  # running it again counts nothing twice
        older.put_document(doc("a", AccessLevel.PUBLIC, "law"))  # and later writes move the counts as before
        older.delete_document("e")
        assert older.document_counts() == {
            kind(AccessLevel.PUBLIC, DocumentStatus.INDEXED, "law"): 1,
            kind(AccessLevel.INTERNAL, DocumentStatus.FAILED, "memo"): 1,
            kind(AccessLevel.INTERNAL, DocumentStatus.INDEXED, "law"): 1}


class UserStoreContract:
    def test_user_round_trip_and_conditional_create(self, users) -> None:
        users.create_user(user())
        assert users.get_user("lan") == user()
        with pytest.raises(UserExists):
            users.create_user(user())
        assert users.get_user("nobody") is None

    def test_user_updates_report_whether_the_user_exists(self, users) -> None:
        users.create_user(user())
        assert users.set_active("lan", False) and not users.get_user("lan").active
        assert users.bump_token_version("lan") and users.get_user("lan").token_version == 1
        assert users.set_password_hash("lan", "new") and users.get_user("lan").password_hash == "new"
        assert users.delete_user("lan") and users.get_user("lan") is None
        assert not any((users.set_active("lan", True), users.bump_token_version("lan"),
                        users.set_password_hash("lan", "x"), users.delete_user("lan")))
        assert users.get_user("lan") is None  # a failed update did not create a half user


class ApiKeyStoreContract:
    def test_keys_by_hash_by_owner_and_revocation(self, keys) -> None:
        keys.put_key(api_key("b", minutes=1))
        keys.put_key(api_key("a"))
        keys.put_key(api_key("c", owner="other"))
        assert keys.get_key_by_hash("hash-a") == api_key("a")
        assert keys.get_key_by_hash("hash-zzz") is None
        assert [k.id for k in keys.list_keys("lan")] == ["a", "b"]
        assert keys.list_keys("nobody") == []
        assert not keys.revoke_key("lan", "c")  # not lan's
        assert not keys.revoke_key("lan", "zzz")
        assert not keys.get_key_by_hash("hash-c").revoked
        assert keys.revoke_key("lan", "a") and keys.get_key_by_hash("hash-a").revoked
        assert keys.revoke_key("lan", "a")  # twice is True twice


class CounterStoreContract:
    def test_counts_up_and_keys_are_separate(self, counters) -> None:
        assert [counters.increment("a", ttl_seconds=60) for _ in range(3)] == [1, 2, 3]
        assert counters.increment("b", ttl_seconds=60) == 1

    def test_expired_counter_starts_again(self, counters, clock) -> None:
        counters.increment("a", ttl_seconds=60)
        clock.advance(59)
        assert counters.increment("a", ttl_seconds=60) == 2  # the TTL runs from creation
        clock.advance(1)
        assert counters.increment("a", ttl_seconds=60) == 1

    def test_atomic_under_threads(self, counters) -> None:
        seen: list[int] = []

        def work() -> None:
            for _ in range(10):
                seen.append(counters.increment("shared", ttl_seconds=600))

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert sorted(seen) == list(range(1, 41))


class ActivityStoreContract:
    def test_query_round_trip(self, activity) -> None:
        record = QueryRecord(id="q1", principal_id="lan", role="employee", question="Thời hạn?", created_at=T0,
                             latency_ms=12.5, found=True, document_ids=("a", "b"), timings_ms={"retrieve": 3.25})
        activity.put_query(record)
        assert activity.get_query("q1") == record
        assert activity.get_query("q2") is None

    def test_second_feedback_replaces_the_first(self, activity) -> None:
        activity.put_feedback(FeedbackRecord("q1", "lan", 2, "", T0))
        activity.put_feedback(FeedbackRecord("q1", "lan", 5, "tốt", T0))
        activity.put_feedback(FeedbackRecord("q1", "minh", 4, "", T0))
        ratings = sorted((f.principal_id, f.rating, f.comment) for f in activity.list_feedback("q1"))
        assert ratings == [("lan", 5, "tốt"), ("minh", 4, "")]


class AnalyticsStoreContract:
    def test_adds_members_and_labels_per_item(self, analytics) -> None:
        analytics.add("day#2025-06-01", "usage", {"queries": 1, "bucket#03": 1}, members=["lan"])
        analytics.add("day#2025-06-01", "usage", {"queries": 2, "latency_ms_sum": 12.5}, members=["lan", "minh"])
        analytics.add("day#2025-06-01", "question#ab", {"count": 1}, label="thời hạn nghỉ phép")
        analytics.add("day#2025-06-02", "usage", {"queries": 7})
        [usage] = analytics.query("day#2025-06-01", "usage")
        assert usage.values == {"queries": 3, "bucket#03": 1, "latency_ms_sum": 12.5}
        assert usage.members == frozenset({"lan", "minh"})
        assert [i.sk for i in analytics.query("day#2025-06-01")] == ["question#ab", "usage"]
        [question] = analytics.query("day#2025-06-01", "question#")
        assert question.label == "thời hạn nghỉ phép" and question.values == {"count": 1}
        assert analytics.query("day#2025-06-03") == []

    def test_swap_label_returns_the_previous_one(self, analytics) -> None:
        assert analytics.swap_label("day#2025-06-01", "rating#q1#lan", "4") is None
        assert analytics.swap_label("day#2025-06-01", "rating#q1#lan", "2") == "4"

    def test_add_once_creates_an_item_the_first_time_only(self, analytics) -> None:
        assert analytics.add_once("users#2025-06-01", "lan") is True
        assert analytics.add_once("users#2025-06-01", "lan") is False
        assert analytics.add_once("users#2025-06-01", "minh") is True
        assert analytics.add_once("users#2025-06-02", "lan") is True  # another partition
        assert [(i.sk, i.values, i.label, i.members) for i in analytics.query("users#2025-06-01")] == [
            ("lan", {}, None, frozenset()), ("minh", {}, None, frozenset())]

    def test_unique_users_per_day_and_over_a_range(self, analytics) -> None:
        reports = Analytics(analytics)
        manager = Principal(id="m", role=Role.MANAGER)
        day1, day2 = T0, T0 + timedelta(days=1)
        for caller, when in (("lan", day1), ("lan", day1), ("minh", day1), ("lan", day2), ("hoa", day2)):
            reports.record_query(principal_id=caller, question="?", found=True, latency_ms=1, created_at=when)
        assert [reports.usage(manager, d.date(), d.date()).unique_users for d in (day1, day2)] == [2, 2]
        usage = reports.usage(manager, day1.date(), day2.date())
        assert usage.unique_users == 3 and usage.total_queries == 5
        # A day written by an earlier version kept its callers as a set on the usage item: still read.
        analytics.add("day#2025-05-31", "usage", {"queries": 2}, members=["lan", "tuan"])
        reports.record_query(principal_id="tuan", question="?", found=True, latency_ms=1,
                             created_at=T0 - timedelta(hours=1))
        assert reports.usage(manager, date(2025, 5, 31), date(2025, 5, 31)).unique_users == 2
        assert reports.usage(manager, date(2025, 5, 31), day2.date()).unique_users == 4
