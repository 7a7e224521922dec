"""`vnrag stats`: the analytics of the data directory on the command line."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from shared.adapters.aws.dynamodb.documents import DynamoDBDocumentStore
from shared.adapters.local.sqlite_analytics import SqliteAnalyticsStore
from shared.adapters.local.sqlite_store import SqliteDocumentStore
from shared.domain.models import AccessLevel, Document, DocumentStatus
from shared.entrypoints.cli.main import main
from shared.services.analytics import Analytics
from tests.integration.aws.moto_env import TABLE, dynamodb_with_table, fake_aws


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("VNRAG_DATA_DIR", str(data))
    analytics = Analytics(SqliteAnalyticsStore(data / "analytics.sqlite"))
    when = datetime(2026, 3, 2, 9, tzinfo=UTC)
    analytics.record_query(principal_id="a", question="Nghỉ phép năm?", found=True, latency_ms=20, created_at=when)
    analytics.record_query(principal_id="b", question="nghỉ phép năm", found=False, latency_ms=60, created_at=when)
    analytics.record_rating(query_id="q", principal_id="a", rating=4, query_created_at=when)
    SqliteDocumentStore(data / "store.sqlite").put_document(
        Document(id="d", title="t", document_type="policy", access_level=AccessLevel.INTERNAL,
                 status=DocumentStatus.INDEXED, chunk_count=3))
    return data


def test_stats_json_has_the_api_figures(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["stats", "--start", "2026-03-01", "--end", "2026-03-02", "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output.strip().splitlines()[-1])
    usage, quality, docs = body["usage"], body["quality"], body["documents"]
    assert usage["total_queries"] == 2 and usage["unique_users"] == 2 and usage["avg_latency_ms"] == 40
    assert usage["p95_latency_ms"] == 75
    assert usage["daily"] == [{"date": "2026-03-01", "count": 0}, {"date": "2026-03-02", "count": 2}]
    assert usage["top_queries"] == [{"query": "nghỉ phép năm", "count": 2}]
    assert quality == {"avg_rating": 4.0, "ratings": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 0}, "feedback_count": 1,
                       "no_answer_rate": 0.5}
    assert docs == {"total": 1, "by_type": {"policy": 1}, "by_access_level": {"internal": 1},
                    "by_status": {"indexed": 1}}


def test_stats_text(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["stats", "--start", "2026-03-02", "--end", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "queries        2   unique users 2" in result.output
    assert "nghỉ phép năm" in result.output and "50.0%" in result.output


def test_stats_refuses_a_bad_range(data_dir: Path) -> None:
    result = CliRunner().invoke(main, ["stats", "--start", "2026-03-05", "--end", "2026-03-01"])
    assert result.exit_code == 1 and "start must not be after end" in result.output


def test_rebuild_recounts_the_documents(data_dir: Path) -> None:
    with closing(sqlite3.connect(data_dir / "store.sqlite")) as db, db:
        db.execute("UPDATE document_counts SET n = 7")  # counts that no longer match the records
    stale = CliRunner().invoke(main, ["stats", "--json"])
    assert json.loads(stale.output.strip().splitlines()[-1])["documents"]["total"] == 7
    result = CliRunner().invoke(main, ["stats", "--rebuild-document-counts", "--json"])
    assert result.exit_code == 0, result.output
    assert "document counts rebuilt: 1 documents" in result.output
    docs = json.loads(result.output.strip().splitlines()[-1])["documents"]
    assert docs == {"total": 1, "by_type": {"policy": 1}, "by_access_level": {"internal": 1},
                    "by_status": {"indexed": 1}}


def test_rebuild_on_the_aws_table() -> None:
    with fake_aws():
        client = dynamodb_with_table()
        store = DynamoDBDocumentStore(TABLE, client=client)
        for i, status in enumerate([DocumentStatus.INDEXED, DocumentStatus.INDEXED, DocumentStatus.FAILED]):
            store.put_document(Document(id=f"d{i}", title="t", document_type="law", status=status))
        for i in range(3):  # as written before the counters: no kind recorded, no kind counters
            client.update_item(TableName=TABLE, Key={"PK": {"S": f"DOC#d{i}"}, "SK": {"S": "DOC"}},
                               UpdateExpression="REMOVE counted_as")
        for item in client.scan(TableName=TABLE)["Items"]:
            if item["SK"]["S"].startswith("KIND#"):
                client.delete_item(TableName=TABLE, Key={"PK": item["PK"], "SK": item["SK"]})
        before = CliRunner().invoke(main, ["stats", "--table", TABLE, "--json"])
        after = CliRunner().invoke(main, ["stats", "--table", TABLE, "--rebuild-document-counts", "--json"])
    assert before.exit_code == 0 and after.exit_code == 0, before.output + after.output
    assert json.loads(before.output.strip().splitlines()[-1])["documents"]["total"] == 0
    assert json.loads(after.output.strip().splitlines()[-1])["documents"] == {
        "total": 3, "by_type": {"law": 3}, "by_access_level": {"public": 3}, "by_status": {"failed": 1, "indexed": 2}}
