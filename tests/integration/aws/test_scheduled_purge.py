"""The ingest function's timer: events/schedule_purge.json makes the handler purge, on moto and the fake
OpenSearch, while SQS batches go on as before. Time passing is modelled by moving a document's stored
times back (its state record and chunks), since the adapter keeps the real clock here."""

from __future__ import annotations

import json
from typing import Any

import pytest

from shared.adapters.aws.clients import AwsClients
from shared.adapters.local.hash_embedder import HashEmbedder
from shared.bootstrap.aws_functions import create_ingest_handler
from shared.config_aws import AwsSettings
from shared.entrypoints.aws_lambda.entry import observed
from tests.fakes.analyzer import SyllableAnalyzer
from tests.fakes.opensearch import FakeOpenSearchTransport, fake_opensearch
from tests.integration.aws.conftest import BUCKET, load_event
from tests.integration.aws.moto_env import REGION, TABLE
from tests.integration.aws.test_handlers import CONTEXT, DOC_ID, KEY, SECRET

OTHER_KEY = "incoming/quy-che/quy chế thưởng.md"
OTHER_ID = "quy-che-quy-che-thuong-md"
CHUNKS, STATES = "vnrag-chunks", "vnrag-chunks-state"  # AwsSettings' default index name
TEXT = "# Quy chế\n\nĐiều {n}. Nhân viên được nghỉ phép năm mười hai ngày có hưởng lương.\n"


@pytest.fixture
def ingest(dynamodb, s3, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, FakeOpenSearchTransport]:
    monkeypatch.setenv("AWS_REGION", REGION)
    settings = AwsSettings(table_name=TABLE, documents_bucket=BUCKET, opensearch_endpoint="https://fake",
                           jwt_secret=SECRET, generator="extractive")
    opensearch, transport = fake_opensearch()
    clients = AwsClients.for_settings(settings, opensearch=opensearch, dynamodb=dynamodb, s3=s3)
    handler = create_ingest_handler(settings=settings, clients=clients, embedder=HashEmbedder(64),
                                    analyzer=SyllableAnalyzer())
    return observed(handler), transport


def put(handler: Any, s3: Any, key: str, body: str, sequencer: str) -> None:
    """Put the object, then deliver its notification as events/sqs_s3_put.json does (key and sequencer swapped)."""
    from urllib.parse import quote_plus

    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())
    event = load_event("sqs_s3_put.json")
    notification = json.loads(event["Records"][0]["body"])
    notification["Records"][0]["s3"]["object"].update(key=quote_plus(key, safe="/"), sequencer=sequencer)
    event["Records"][0]["body"] = json.dumps(notification)
    assert handler(event, CONTEXT) == {"batchItemFailures": []}


def age(transport: FakeOpenSearchTransport, document_id: str, seconds: float) -> None:
    """Move every stored time of the document `seconds` into the past, as if written that long ago."""
    for index, fields in ((STATES, ("created_at", "updated_at")), (CHUNKS, ("written_at",))):
        sources = {id(s): s for where in ("live", "docs") for s in transport.indices[index][where].values()
                   if s["document_id"] == document_id}
        for source in sources.values():
            for name in fields:
                if source.get(name) is not None:
                    source[name] -= seconds
            for entry in source.get("history", []) + source.get("pending", []):
                entry["at"] -= seconds


def state_records(transport: FakeOpenSearchTransport) -> list[str]:
    return sorted(s["document_id"] for s in transport.indices[STATES]["docs"].values())


def test_the_schedule_purges_what_is_past_the_grace_period_and_keeps_the_rest(ingest, s3) -> None:
    handler, transport = ingest
    put(handler, s3, KEY, TEXT.format(n=3), "0062E99A88DC407460")
    put(handler, s3, KEY, TEXT.format(n=4), "0062E99A88DC407470")  # a replacement: one version retired
    put(handler, s3, OTHER_KEY, TEXT.format(n=5), "0062E99A88DC407480")
    both_versions = sum(s["document_id"] == DOC_ID for s in transport.indices[CHUNKS]["docs"].values())
    # The first document was written long ago (past the 30 s grace period), the other just now (inside
    # it), and no write follows: only the timer can purge.
    age(transport, DOC_ID, 120)
    assert state_records(transport) == sorted([DOC_ID, OTHER_ID])

    counts = handler(load_event("schedule_purge.json"), CONTEXT)

    assert counts["purged_chunks"] == both_versions // 2 > 0  # the retired version's chunks
    assert counts == {"purged_chunks": counts["purged_chunks"], "dropped_state_records": 1, "state_records_left": 1}
    assert state_records(transport) == [OTHER_ID]  # searches no longer read the clean document's record
    generations = {s["generation"] for s in transport.indices[CHUNKS]["docs"].values()
                   if s["document_id"] == DOC_ID}
    assert len(generations) == 1  # the current version stays

    age(transport, OTHER_ID, 120)  # and the next tick takes the rest
    assert handler(load_event("schedule_purge.json"), CONTEXT) == {
        "purged_chunks": 0, "dropped_state_records": 1, "state_records_left": 0}
    assert state_records(transport) == []


def test_a_schedule_before_any_ingest_finds_nothing_and_batches_work_after_it(ingest, s3) -> None:
    handler, transport = ingest
    assert handler(load_event("schedule_purge.json"), CONTEXT) == {
        "purged_chunks": 0, "dropped_state_records": 0, "state_records_left": 0}
    assert transport.indices == {}  # the timer creates no index
    put(handler, s3, KEY, TEXT.format(n=3), "0062E99A88DC407460")  # the first batch still creates it
    assert state_records(transport) == [DOC_ID]
