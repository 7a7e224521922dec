"""The readers' side of the corpus statistics on S3 (shared/adapters/aws/s3/corpus_stats.py writes them): the query and
stream functions' `QueryResources` (diacritic restorer, document catalogue), loaded from the published snapshot."""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from typing import Any

from shared.adapters.aws.errors import call, error_code
from shared.adapters.aws.s3.corpus_stats import MISSING_OR_HIDDEN, SNAPSHOT, WHAT, gunzip_json
from shared.services.retrieval.references import DocumentCatalogue
from shared.services.retrieval.restore import DiacriticRestorer, SyllableCounts
from shared.services.retrieval.understanding import QueryResources

log = logging.getLogger(__name__)


class S3QueryResources:
    """The readers' side: `QueryResources` from the published snapshot, loaded at cold start and
    checked again at most every `refresh_seconds` (a conditional GET: unchanged costs no download).

    Call it for the current resources (the `Retriever`'s `resources`). S3 trouble never fails a
    question: the resources last loaded stay in use (none before the first snapshot exists).
    """

    def __init__(self, bucket: str, *, client: Any, prefix: str = "_index/", refresh_seconds: float = 300.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.bucket, self._client, self._key = bucket, client, f"{prefix}{SNAPSHOT}"
        self._refresh_seconds, self._clock = refresh_seconds, clock
        self._resources = QueryResources()
        self._etag: str | None = None
        self._checked = -math.inf
        self.version: int | None = None
        self.load_ms: float | None = None  # download + parse + build of the last snapshot loaded
        self.size_bytes: int | None = None

    def __call__(self) -> QueryResources:
        if self._clock() - self._checked >= self._refresh_seconds:
            self.refresh()
        return self._resources

    def invalidate(self) -> None:
        """Check again on the next call (this process just changed the snapshot)."""
        self._checked = -math.inf

    def refresh(self) -> bool:
        """Load the snapshot if it changed; True if new resources were loaded."""
        self._checked = self._clock()
        started = time.perf_counter()
        try:
            params = {"IfNoneMatch": self._etag} if self._etag else {}
            out = call(self._client.get_object, what=WHAT, Bucket=self.bucket, Key=self._key, **params)
            data = out["Body"].read()
            payload = gunzip_json(data)
            resources = _resources_of(payload)
        except Exception as exc:  # noqa: BLE001 - keep answering with what is loaded
            code = error_code(exc)
            if code in ("304", "NotModified"):
                return False
            if code in MISSING_OR_HIDDEN:
                log.info("no corpus statistics at s3://%s/%s yet (%s)", self.bucket, self._key, code)
            else:
                log.warning("could not load s3://%s/%s: keeping the loaded ones", self.bucket, self._key,
                            exc_info=True)
            return False
        self._resources, self._etag = resources, out.get("ETag")
        self.version, self.size_bytes = payload.get("version"), len(data)
        self.load_ms = (time.perf_counter() - started) * 1000
        log.info("corpus statistics v%s loaded: %d bytes in %.1f ms", self.version, len(data), self.load_ms)
        return True


def _resources_of(payload: dict[str, Any]) -> QueryResources:
    counts = SyllableCounts.from_payload(payload)
    documents = payload.get("documents") or []
    return QueryResources(
        restorer=DiacriticRestorer.from_counts(counts) if counts.unigrams else None,
        catalogue=DocumentCatalogue((d, names, articles) for d, names, articles in documents) if documents else None)
