"""Drop-folder ingestion: S3 events (delivered through SQS) applied to the index and the store.

One S3 change is applied at most once and never out of order: each key's last applied `sequencer` is
recorded (`ObjectVersions`), and an event at or below it is a duplicate or stale and is skipped. A file
that cannot be indexed (too large, corrupt, unsupported, bad metadata) is recorded as a failed document
and its message succeeds, so it never poisons the batch; only transient failures (S3, DynamoDB or the
index unavailable) raise, so SQS redelivers that one message and, after a few tries, parks it in the DLQ.

Document ids derive from the key below the drop prefix (`incoming/luat/dat-dai.docx` →
`luat-dat-dai-docx`), never from metadata, so a delete event (which carries no metadata) finds the
document again.
"""

from __future__ import annotations

import json
import logging
import posixpath
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath
from typing import Any, Protocol
from urllib.parse import unquote_plus

from shared.adapters.s3_blobs import SIDECAR_SUFFIX, S3BlobSource
from shared.domain.models import AccessLevel, Document, DocumentStatus
from shared.files import document_id_for
from shared.ingestion import Ingestor
from shared.observability import NullTelemetry, Telemetry

log = logging.getLogger(__name__)


class ObjectVersions(Protocol):
    def is_new(self, object_key: str, sequencer: str) -> bool: ...
    def record(self, object_key: str, sequencer: str) -> None: ...


@dataclass(frozen=True, slots=True)
class S3Change:
    bucket: str
    key: str  # URL-decoded
    removed: bool
    sequencer: str
    size: int = 0


def changes_in(body: str) -> list[S3Change]:
    """The object changes in one SQS message body (an S3 notification; the s3:TestEvent has none)."""
    payload = json.loads(body)
    changes = []
    for record in payload.get("Records", []):
        if not str(record.get("eventSource", "")).endswith("s3"):
            continue
        s3 = record["s3"]
        # S3 URL-encodes keys in events ('+' for spaces): "luật đất đai.docx" arrives as "lu%E1%BA%ADt+..."
        changes.append(S3Change(bucket=s3["bucket"]["name"], key=unquote_plus(s3["object"]["key"]),
                                removed=record["eventName"].startswith("ObjectRemoved"),
                                sequencer=s3["object"].get("sequencer", ""), size=int(s3["object"].get("size", 0))))
    return changes


@dataclass(frozen=True, slots=True)
class S3Ingestion:
    ingestor: Ingestor
    blobs: S3BlobSource
    versions: ObjectVersions
    prefix: str = "incoming/"
    internal_prefix: str = "_index/"  # the corpus statistics' objects (never documents, whatever the prefix)
    default_access_level: AccessLevel = AccessLevel.PUBLIC
    # Counts every ingest, failures included (EMF IngestFailures on AWS), next to the warning logged.
    telemetry: Telemetry = field(default_factory=NullTelemetry)

    def document_id(self, key: str) -> str:
        return document_id_for(PurePosixPath(key), PurePosixPath(self.prefix.rstrip("/") or "."))

    def apply(self, change: S3Change) -> str:
        """Apply one change; returns what happened (indexed, unchanged, failed, deleted, skipped)."""
        key = change.key
        if (change.bucket != self.blobs.bucket or not key.startswith(self.prefix) or key.endswith("/")
                or (self.internal_prefix and key.startswith(self.internal_prefix))):
            return "skipped"
        if key.endswith(SIDECAR_SUFFIX):  # new metadata for a file: re-read that file with it
            return self._ingest(key[: -len(SIDECAR_SUFFIX)]) if not change.removed else "skipped"
        marker = f"{change.bucket}/{key}"
        if change.sequencer and not self.versions.is_new(marker, change.sequencer):
            log.info("skipping %s: event already applied or older than the last one", key)
            return "skipped"
        outcome = self._remove(key) if change.removed else self._ingest(key)
        if change.sequencer:
            self.versions.record(marker, change.sequencer)
        return outcome

    def _remove(self, key: str) -> str:
        self.ingestor.delete(self.document_id(key))
        return "deleted"

    def _ingest(self, key: str) -> str:
        info = self.blobs.head(key)
        if info is None:  # deleted since the event: its delete event follows
            return "skipped"
        document_id = self.document_id(key)
        source = f"s3://{self.blobs.bucket}/{key}"
        name = posixpath.basename(key)
        try:
            meta = {**info.metadata, **self.blobs.sidecar(key)}
            level = AccessLevel.parse(meta.get("access_level") or self.default_access_level)
        except ValueError as exc:
            return self._failed(document_id, name, source, f"invalid metadata: {exc}")
        if info.size > self.ingestor.max_document_bytes:  # refuse before downloading it
            return self._failed(document_id, name, source,
                                f"the file is {info.size} bytes, over the {self.ingestor.max_document_bytes} limit",
                                level=level)
        before = self.ingestor.store.get_document(document_id)
        document = self.ingestor.ingest_file(name, self.blobs.read(key), document_id=document_id,
                                             title=meta.get("title"), document_type=meta.get("document_type")
                                             or "general", access_level=level, source=source)
        if before is None or before.updated_at != document.updated_at or document.status is DocumentStatus.FAILED:
            self.telemetry.document_ingested(document)
        if document.status is DocumentStatus.FAILED:
            return "failed"
        return "unchanged" if before is not None and before.updated_at == document.updated_at else "indexed"

    def _failed(self, document_id: str, name: str, source: str, error: str,
                level: AccessLevel = AccessLevel.PUBLIC) -> str:
        log.warning("ingest of %s failed: %s", source, error)
        self.telemetry.ingest_failed(document_id, error)
        previous = self.ingestor.store.get_document(document_id)
        base = previous or Document(id=document_id, title=name, source=source, access_level=level)
        # a previous version stays searchable: the record keeps its (higher) level and chunk count
        self.ingestor.store.put_document(replace(base, status=DocumentStatus.FAILED, error=error,
                                                 access_level=max(base.access_level, level)))
        return "failed"


def is_scheduled(event: dict) -> bool:
    """The ingest function's timer (an EventBridge scheduled event), as opposed to an SQS batch."""
    return event.get("source") == "aws.events" and event.get("detail-type") == "Scheduled Event"


class RetiredVersions(Protocol):
    def purge_retired(self) -> Any: ...  # OpenSearchSearchIndex: returns opensearch_index.Purged


def purge_on_schedule(index: RetiredVersions) -> dict[str, int]:
    """Delete replaced versions past their grace period and drop the state records of clean documents,
    so searches stop reading them even when no write follows a batch; returns and logs the counts."""
    purged = index.purge_retired()
    counts = {"purged_chunks": purged.chunks, "dropped_state_records": purged.records_dropped,
              "state_records_left": purged.records_left}
    log.info("scheduled purge: %s", counts, extra=counts)
    return counts


def make_ingest_handler(ingestion: S3Ingestion) -> Any:
    """The SQS batch handler: each message is one S3 notification; failures are reported per message."""
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
    from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: SQSRecord) -> list[str]:
        return [ingestion.apply(change) for change in changes_in(record.body)]

    def handle(event: dict, context: Any) -> dict:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)

    return handle
