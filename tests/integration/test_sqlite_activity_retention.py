"""The local query log expires: queries past the retention go, with their ratings."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from shared.adapters.local.sqlite_activity import SqliteActivityStore
from shared.domain.activity import FeedbackRecord, QueryRecord

NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _query(query_id: str, day: str) -> QueryRecord:
    return QueryRecord(id=query_id, principal_id="u", role="employee", question="q",
                       created_at=datetime.fromisoformat(f"{day}T12:00:00+00:00"), latency_ms=1.0, found=True)


def test_queries_past_the_retention_expire_with_their_ratings(tmp_path: Path) -> None:
    path = tmp_path / "activity.sqlite"
    store = SqliteActivityStore(path)  # no retention: everything is kept
    for query_id, day in (("old", "2026-02-01"), ("edge", "2026-03-04"), ("new", "2026-05-30")):
        store.put_query(_query(query_id, day))
        store.put_feedback(FeedbackRecord(query_id, "u", 4, "", NOW))
    assert store.purge_expired() == 0 and store.get_query("old") is not None

    kept = SqliteActivityStore(path, retention_days=90, clock=NOW.timestamp)  # cutoff 2026-03-03T00:00
    assert kept.get_query("old") is None and kept.list_feedback("old") == []
    assert kept.get_query("edge") is not None and kept.get_query("new") is not None
    assert len(kept.list_feedback("new")) == 1
