"""Drop-folder ingestion on moto: S3 object → (SQS-wrapped) S3 event → ingest handler → index and store."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.aws.dynamodb.documents import DynamoDBDocumentStore
from shared.adapters.aws.dynamodb.objects import DynamoDBObjectVersions
from shared.adapters.aws.s3.blobs import S3BlobSource
from shared.adapters.local.hash_embedder import HashEmbedder
from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.domain.errors import DependencyUnavailable
from shared.domain.models import AccessLevel, DocumentStatus, SearchFilter
from shared.entrypoints.aws_lambda.ingest_events import changes_in, make_ingest_handler
from shared.services.drop_folder import S3Ingestion
from shared.services.ingestion import Ingestor
from tests.contract.search_index_contract import query
from tests.fakes.analyzer import SyllableAnalyzer
from tests.integration.aws.conftest import BUCKET, load_event
from tests.integration.aws.moto_env import REGION, TABLE

KEY = "incoming/quy-che/quy chế nghỉ phép.md"  # what events/sqs_s3_*.json carry, URL-encoded
DOC_ID = "quy-che-quy-che-nghi-phep-md"
TEXT = "# Quy chế nghỉ phép\n\nNhân viên được nghỉ phép năm mười hai ngày có hưởng lương.\n".encode()
EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)


@pytest.fixture
def ingestion(tmp_path: Path, dynamodb, s3) -> S3Ingestion:
    index = LocalSearchIndex(tmp_path / "index.sqlite", analyzer=SyllableAnalyzer(), dimension=64,
                             weights=Weights(0.35, 0.15, 0.5))
    ingestor = Ingestor(embedder=HashEmbedder(64), index=index, store=DynamoDBDocumentStore(TABLE, client=dynamodb),
                        max_document_bytes=10_000)
    return S3Ingestion(ingestor=ingestor, blobs=S3BlobSource(BUCKET, client=s3),
                       versions=DynamoDBObjectVersions(TABLE, client=dynamodb))


@pytest.fixture
def handler(ingestion: S3Ingestion):
    return make_ingest_handler(ingestion)


def hits(ingestion: S3Ingestion, text: str = "nghỉ phép năm") -> list[str]:
    return [h.chunk.document_id for h in ingestion.ingestor.index.search(query(text), k=5, filter=EVERYTHING)]


def sqs_event(*bodies: dict) -> dict:
    return {"Records": [{"messageId": f"m{i}", "receiptHandle": "r", "body": json.dumps(body), "attributes": {},
                         "messageAttributes": {}, "md5OfBody": "", "eventSource": "aws:sqs",
                         "eventSourceARN": f"arn:aws:sqs:{REGION}:123456789012:q", "awsRegion": REGION}
                        for i, body in enumerate(bodies)]}


def s3_body(key: str, *, removed: bool = False, sequencer: str = "01", bucket: str = BUCKET) -> dict:
    from urllib.parse import quote_plus

    name = "ObjectRemoved:Delete" if removed else "ObjectCreated:Put"
    obj = {"key": quote_plus(key, safe="/"), "sequencer": sequencer}
    s3 = {"bucket": {"name": bucket}, "object": obj}
    return {"Records": [{"eventSource": "aws:s3", "eventName": name, "s3": s3}]}


def test_sample_events_index_then_remove_the_document(handler, ingestion: S3Ingestion, s3) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT, Metadata={"access_level": "internal",
                                                                "document_type": "quy-che"})
    assert handler(load_event("sqs_s3_put.json"), None) == {"batchItemFailures": []}
    document = ingestion.ingestor.store.get_document(DOC_ID)
    assert document.status is DocumentStatus.INDEXED and document.access_level is AccessLevel.INTERNAL
    assert document.title == "Quy chế nghỉ phép" and document.source == f"s3://{BUCKET}/{KEY}"
    assert hits(ingestion) == [DOC_ID]

    assert handler(load_event("sqs_s3_delete.json"), None) == {"batchItemFailures": []}
    assert ingestion.ingestor.store.get_document(DOC_ID) is None and hits(ingestion) == []


def test_same_event_twice_is_applied_once(handler, ingestion: S3Ingestion, s3) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT)
    handler(load_event("sqs_s3_put.json"), None)
    first = ingestion.ingestor.store.get_document(DOC_ID)
    [change] = changes_in(load_event("sqs_s3_put.json")["Records"][0]["body"])
    assert ingestion.apply(change) == "skipped"
    assert ingestion.ingestor.store.get_document(DOC_ID).updated_at == first.updated_at


def test_an_older_event_after_a_newer_one_is_ignored(ingestion: S3Ingestion, s3) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT)
    [put] = changes_in(json.dumps(s3_body(KEY, sequencer="0A")))
    [delete] = changes_in(json.dumps(s3_body(KEY, removed=True, sequencer="0B")))
    assert ingestion.apply(delete) == "deleted"
    assert ingestion.apply(put) == "skipped"  # delivered late: the delete stands
    assert hits(ingestion) == []


def test_changed_object_replaces_the_document(ingestion: S3Ingestion, s3) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT)
    [first] = changes_in(json.dumps(s3_body(KEY, sequencer="01")))
    assert ingestion.apply(first) == "indexed"
    s3.put_object(Bucket=BUCKET, Key=KEY, Body="# Quy chế mới\n\nLàm việc từ xa hai ngày mỗi tuần.".encode())
    [second] = changes_in(json.dumps(s3_body(KEY, sequencer="02")))
    assert ingestion.apply(second) == "indexed"
    [hit] = ingestion.ingestor.index.search(query("nghỉ phép"), k=5, filter=EVERYTHING)
    assert "từ xa" in hit.chunk.text and ingestion.ingestor.index.count() == 1


class CountingTelemetry:
    def __init__(self) -> None:
        self.failed: list[tuple[str, str]] = []
        self.indexed: list[str] = []

    def document_ingested(self, document) -> None:
        if document.status is DocumentStatus.FAILED:
            self.ingest_failed(document.id, document.error)
        else:
            self.indexed.append(document.id)

    def ingest_failed(self, document_id: str, error: str) -> None:
        self.failed.append((document_id, error))


def test_bad_files_fail_alone_and_do_not_poison_the_batch(ingestion: S3Ingestion, s3) -> None:
    telemetry = CountingTelemetry()
    ingestion = replace(ingestion, telemetry=telemetry)
    handler = make_ingest_handler(ingestion)
    s3.put_object(Bucket=BUCKET, Key="incoming/hong.pdf", Body=b"%PDF-1.7 not really a pdf")
    s3.put_object(Bucket=BUCKET, Key="incoming/lon.txt", Body=b"x" * 20_000)  # over the 10 kB limit
    s3.put_object(Bucket=BUCKET, Key="incoming/xau.txt", Body=b"noi dung", Metadata={"access_level": "secret"})
    s3.put_object(Bucket=BUCKET, Key="incoming/bang.numbers", Body=b"PK\x03\x04 a spreadsheet we cannot read")
    s3.put_object(Bucket=BUCKET, Key="incoming/cu.doc", Body=b"\xd0\xcf\x11\xe0 not really a word file")
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT)
    keys = ("incoming/hong.pdf", "incoming/lon.txt", "incoming/xau.txt", "incoming/bang.numbers", "incoming/cu.doc",
            KEY)
    assert handler(sqs_event(*(s3_body(k) for k in keys)), None) == {"batchItemFailures": []}
    store = ingestion.ingestor.store
    for doc_id, why in (("hong-pdf", ""), ("lon-txt", "limit"), ("xau-txt", "metadata"),
                        ("bang-numbers", "cannot read .numbers"), ("cu-doc", ".doc")):
        failed = store.get_document(doc_id)
        assert failed.status is DocumentStatus.FAILED and why in failed.error
    assert store.get_document(DOC_ID).status is DocumentStatus.INDEXED
    # Each failure is counted (IngestFailures on AWS) with its reason; the good file is counted as indexed.
    assert sorted(doc for doc, _ in telemetry.failed) == ["bang-numbers", "cu-doc", "hong-pdf", "lon-txt", "xau-txt"]
    assert telemetry.indexed == [DOC_ID]


def test_transient_failure_reports_only_its_message(handler, ingestion: S3Ingestion, s3, monkeypatch) -> None:
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT)
    s3.put_object(Bucket=BUCKET, Key="incoming/busy.txt", Body=b"abc")
    real_head = ingestion.blobs.head

    def throttled(key: str):
        if key == "incoming/busy.txt":
            raise DependencyUnavailable("S3 is throttling")
        return real_head(key)

    monkeypatch.setattr(ingestion.blobs, "head", throttled)
    event = sqs_event(s3_body("incoming/busy.txt"), s3_body(KEY), s3_body("incoming/x.txt", bucket="other"))
    assert handler(event, None) == {"batchItemFailures": [{"itemIdentifier": "m0"}]}  # retried by SQS, then DLQ
    assert hits(ingestion) == [DOC_ID]
    assert ingestion.ingestor.store.get_document("busy-txt") is None  # not marked: it is not the file's fault


def test_sidecar_metadata_wins_and_its_upload_reindexes(ingestion: S3Ingestion, s3) -> None:
    title = "Quy chế nghỉ phép 2025"
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT, Metadata={"title": "ignored", "access_level": "public"})
    s3.put_object(Bucket=BUCKET, Key=KEY + ".meta.json",
                  Body=json.dumps({"title": title, "access_level": "confidential"}).encode())
    [change] = changes_in(json.dumps(s3_body(KEY + ".meta.json", sequencer="05")))
    assert ingestion.apply(change) == "indexed"
    document = ingestion.ingestor.store.get_document(DOC_ID)
    assert document.title == title and document.access_level is AccessLevel.CONFIDENTIAL


def test_keys_outside_the_drop_prefix_are_ignored(ingestion: S3Ingestion, s3) -> None:
    s3.put_object(Bucket=BUCKET, Key="other/a.txt", Body=b"abc")
    [change] = changes_in(json.dumps(s3_body("other/a.txt")))
    assert ingestion.apply(change) == "skipped"
    assert changes_in(json.dumps({"Service": "Amazon S3", "Event": "s3:TestEvent"})) == []


def test_real_notifications_from_s3_through_sqs(handler, ingestion: S3Ingestion, s3) -> None:
    from shared.adapters.aws.clients import aws_client

    sqs: Any = aws_client("sqs", region=REGION)
    queue_url = sqs.create_queue(QueueName="ingest")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    s3.put_bucket_notification_configuration(Bucket=BUCKET, NotificationConfiguration={"QueueConfigurations": [{
        "QueueArn": arn, "Events": ["s3:ObjectCreated:*", "s3:ObjectRemoved:*"],
        "Filter": {"Key": {"FilterRules": [{"Name": "prefix", "Value": "incoming/"}]}}}]})

    def deliver() -> dict:
        messages = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10).get("Messages", [])
        records = [{"messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
                    "attributes": {}, "messageAttributes": {}, "md5OfBody": m["MD5OfBody"], "eventSource": "aws:sqs",
                    "eventSourceARN": arn, "awsRegion": REGION} for m in messages]
        for m in messages:
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
        return handler({"Records": records}, None)

    deliver()  # S3's test event
    s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT)
    assert deliver() == {"batchItemFailures": []}
    assert hits(ingestion) == [DOC_ID]
    s3.delete_object(Bucket=BUCKET, Key=KEY)
    assert deliver() == {"batchItemFailures": []}
    assert hits(ingestion) == [] and ingestion.ingestor.store.get_document(DOC_ID) is None
