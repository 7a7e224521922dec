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

import logging
import posixpath
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from shared.domain.models import DEFAULT_DOCUMENT_TYPE, AccessLevel, Document, DocumentStatus
from shared.domain.sidecar import SIDECAR_SUFFIX
from shared.entrypoints.cli.files import document_id_for
from shared.observability import NullTelemetry
from shared.ports import BlobSource, ObjectVersions, Telemetry
from shared.services.ingestion import Ingestor

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class S3Change:
    bucket: str
    key: str  # URL-decoded
    removed: bool
    sequencer: str
    size: int = 0


@dataclass(frozen=True, slots=True)
class S3Ingestion:
    ingestor: Ingestor
    blobs: BlobSource
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
                                             or DEFAULT_DOCUMENT_TYPE, access_level=level, source=source)
        if before is None or before.updated_at != document.updated_at or document.status is DocumentStatus.FAILED:
            self.telemetry.document_ingested(document)
        if document.status is DocumentStatus.FAILED:
            return "failed"
        return "unchanged" if before is not None and before.updated_at == document.updated_at else "indexed"

    def _failed(self, document_id: str, name: str, source: str, error: str,
                level: AccessLevel = AccessLevel.PUBLIC) -> str:
        log.warning("ingest of %s failed: %s", source, error)
        self.telemetry.ingest_failed(document_id, error)
        # A previous version keeps its metadata on the record; the level is the higher of the two.
        previous = self.ingestor.store.get_document(document_id)
        record = (replace(previous, access_level=level) if previous
                  else Document(id=document_id, title=name, source=source, access_level=level))
        self.ingestor.record_failure(record, error)
        return "failed"
