"""Composition root of AWS mode: AwsSettings → DynamoDB, OpenSearch, S3 and Bedrock adapters → services.

The same core services as local mode (Retriever, Answerer, Ingestor, QueryService, AuthService,
DocumentService), over the AWS adapters. boto3 and opensearch-py are imported only here and in the
adapters, and each client is created on first use, so a function pays only for the clients it uses.
Tests pass their own clients (moto, Stubber, the fake OpenSearch) and a cheap embedder and analyzer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from shared.config_aws import AuthorizerSettings, AwsSettings
from shared.domain.models import AccessLevel, SearchFilter
from shared.ports import Embedder, Generator

_NOTHING = SearchFilter(max_access_level=AccessLevel.PUBLIC, document_ids=frozenset())  # reads no item


@dataclass
class AwsClients:
    """One client per service, created on first use; pass prebuilt ones in `given` (tests)."""

    region: str | None = None
    endpoint_url: str | None = None
    opensearch_endpoint: str | None = None
    opensearch_service: str = "es"
    opensearch_sign: bool = True
    given: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_settings(cls, settings: AwsSettings | AuthorizerSettings, **given: Any) -> AwsClients:
        return cls(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url,
                   opensearch_endpoint=getattr(settings, "opensearch_endpoint", None),
                   opensearch_service=getattr(settings, "opensearch_service", "es"),
                   opensearch_sign=getattr(settings, "opensearch_sign", True), given=dict(given))

    def get(self, service: str) -> Any:
        if service not in self.given:
            if service == "opensearch":
                from shared.adapters.opensearch_client import opensearch_client

                self.given[service] = opensearch_client(self.opensearch_endpoint or "", region=self.region,
                                                        service=self.opensearch_service, sign=self.opensearch_sign)
            elif service == "bedrock-runtime":
                from shared.aws_clients import bedrock_runtime_client

                self.given[service] = bedrock_runtime_client(region=self.region, endpoint_url=self.endpoint_url)
            else:
                from shared.aws_clients import aws_client

                self.given[service] = aws_client(service, region=self.region, endpoint_url=self.endpoint_url)
        return self.given[service]


@dataclass(frozen=True, slots=True)
class AwsCore:
    embedder: Embedder
    index: Any  # OpenSearchSearchIndex
    store: Any  # DynamoDBDocumentStore
    answerer: Any
    ingestor: Any
    resources: Any = None  # S3QueryResources: the corpus statistics the Retriever uses (None: no bucket)


def build_aws_core(settings: AwsSettings, clients: AwsClients, *, embedder: Embedder | None = None,
                   analyzer: Any = None, generator: Generator | None = None, stream: bool = False) -> AwsCore:
    """`stream=True` for the SSE function (ConverseStream); the buffered function uses one Converse call."""
    from shared.adapters.dynamodb_documents import DynamoDBDocumentStore
    from shared.adapters.local_index import Weights
    from shared.adapters.opensearch_index import OpenSearchSearchIndex
    from shared.answering.service import Answerer
    from shared.bootstrap import build_analyzer, build_embedder
    from shared.ingestion import Ingestor
    from shared.retrieval.retriever import Retriever

    embedder = embedder or build_embedder(settings)
    analyzer = analyzer or build_analyzer(settings)
    index = OpenSearchSearchIndex(
        clients.get("opensearch"), index=settings.opensearch_index, analyzer=analyzer,
        dimension=embedder.dimension, model_id=embedder.model_id, candidates=settings.candidates,
        weights=Weights(settings.weight_lexical, settings.weight_folded, settings.weight_dense),
        serverless=settings.opensearch_service == "aoss", reference_boost=settings.reference_boost,
        neighbour_boost=settings.neighbour_boost)
    store = DynamoDBDocumentStore(settings.table_name, client=clients.get("dynamodb"))
    resources, written = build_corpus_stats(settings, clients, index)
    retriever = Retriever(embedder=embedder, index=index, analyzer=analyzer, resources=resources,
                          restore_below_ratio=settings.restore_below_ratio)
    answerer = Answerer(retriever=retriever,
                        generator=generator or build_generator(settings, clients, stream=stream),
                        min_dense_score=settings.answer_min_dense_score,
                        min_term_coverage=settings.answer_min_term_coverage)
    ingestor = Ingestor(embedder=embedder, index=written, store=store, chunk_max_words=settings.chunk_max_words,
                        chunk_overlap_words=settings.chunk_overlap_words,
                        max_document_bytes=settings.max_document_bytes)
    return AwsCore(embedder=embedder, index=index, store=store, answerer=answerer, ingestor=ingestor,
                   resources=resources)


def build_corpus_stats(settings: AwsSettings, clients: AwsClients, index: Any) -> tuple[Any, Any]:
    """The restorer and catalogue on AWS (shared/adapters/s3_corpus.py): (the readers' S3QueryResources,
    the index the Ingestor writes through, which keeps them current). Without a documents bucket:
    (None, the index itself), and questions are neither restored nor resolved to articles."""
    if not settings.documents_bucket:
        return None, index
    from shared.adapters.s3_corpus import CorpusTrackingIndex, S3CorpusStats, S3QueryResources

    s3 = clients.get("s3")
    resources = S3QueryResources(settings.documents_bucket, client=s3, prefix=settings.corpus_stats_prefix,
                                 refresh_seconds=settings.corpus_stats_refresh_minutes * 60)
    stats = S3CorpusStats(settings.documents_bucket, client=s3, prefix=settings.corpus_stats_prefix,
                          on_publish=resources.invalidate)  # this process sees its own writes at once
    return resources, CorpusTrackingIndex(index, stats)


def build_generator(settings: AwsSettings, clients: AwsClients, *, stream: bool) -> Generator:
    if settings.generator == "extractive":
        from shared.answering.extractive import ExtractiveGenerator

        return ExtractiveGenerator(settings.answer_max_sentences)
    from shared.adapters.bedrock import BedrockGenerator

    return BedrockGenerator(settings.bedrock_model_id, client=clients.get("bedrock-runtime"), stream=stream,
                            max_tokens=settings.bedrock_max_tokens)


def build_auth(settings: AwsSettings | AuthorizerSettings, clients: AwsClients, *, passwords: Any = None,
               clock: Callable[[], float] = time.time) -> Any:
    from shared.adapters.dynamodb_auth import DynamoDBApiKeyStore, DynamoDBUserStore
    from shared.auth.service import AuthService

    if settings.jwt_secret is None:
        raise ValueError("no JWT secret: set VNRAG_JWT_SECRET_ARN or VNRAG_JWT_SECRET_PARAMETER")
    dynamodb = clients.get("dynamodb")
    return AuthService(DynamoDBUserStore(settings.table_name, client=dynamodb),
                       DynamoDBApiKeyStore(settings.table_name, client=dynamodb),
                       secret=settings.jwt_secret.get_secret_value(), token_ttl_seconds=settings.token_ttl_seconds,
                       clock=clock, passwords=passwords)


def build_aws_api(settings: AwsSettings, clients: AwsClients, *, core: AwsCore | None = None,
                  passwords: Any = None, clock: Callable[[], float] = time.time, stream: bool = False) -> Any:
    """The ApiServices of the query and stream functions (the same routers as local mode)."""
    from shared.adapters.dynamodb_activity import DynamoDBActivityStore
    from shared.adapters.dynamodb_counters import DynamoDBCounterStore
    from shared.answering.queries import QueryService
    from shared.documents import DocumentService
    from shared.http.deps import ApiServices
    from shared.observability import Telemetry
    from shared.rate_limit import RateLimiter

    core = core or build_aws_core(settings, clients, stream=stream)
    dynamodb = clients.get("dynamodb")
    limiter = RateLimiter(DynamoDBCounterStore(settings.table_name, client=dynamodb, clock=clock),
                          limit=settings.rate_limit_per_minute, window_seconds=60, clock=clock)
    activity = DynamoDBActivityStore(settings.table_name, client=dynamodb,
                                     retention_days=settings.query_log_ttl_days)
    telemetry = Telemetry(emf=True, log_query_text=settings.log_query_text)

    def now() -> datetime:
        return datetime.fromtimestamp(clock(), UTC)

    analytics = build_analytics(settings, clients, catalog=core.store, now=now)
    return ApiServices(
        auth=build_auth(settings, clients, passwords=passwords, clock=clock),
        queries=QueryService(answerer=core.answerer, activity=activity, limiter=limiter, telemetry=telemetry,
                             analytics=analytics, now=now),
        documents=DocumentService(ingestor=core.ingestor, telemetry=telemetry),
        # Each check touches its dependency but reports no counts (health is public).
        health_checks={"index": lambda: _touched(core.index.count()),
                       "store": lambda: _touched(core.store.list_documents(filter=_NOTHING, limit=1)),
                       "embedder": lambda: {"model": core.embedder.model_id}},
        analytics=analytics, telemetry=telemetry,
        metrics_token=settings.metrics_token.get_secret_value() if settings.metrics_token else None)


def build_analytics(settings: AwsSettings | AuthorizerSettings, clients: AwsClients, *, catalog: Any = None,
                    now: Callable[[], datetime] | None = None) -> Any:
    from shared.adapters.dynamodb_analytics import DynamoDBAnalyticsStore
    from shared.analytics import Analytics

    store = DynamoDBAnalyticsStore(settings.table_name, client=clients.get("dynamodb"))
    return Analytics(store, catalog, now=now or (lambda: datetime.now(UTC)))


def _touched(_: object) -> dict:
    return {}


def build_ingestion(settings: AwsSettings, clients: AwsClients, *, core: AwsCore | None = None,
                    ensure_index: bool = True) -> Any:
    from shared.adapters.dynamodb_objects import DynamoDBObjectVersions
    from shared.adapters.s3_blobs import S3BlobSource
    from shared.ingest_events import S3Ingestion
    from shared.observability import Telemetry

    if not settings.documents_bucket:
        raise ValueError("VNRAG_DOCUMENTS_BUCKET is required by the ingest function")
    core = core or build_aws_core(settings, clients)
    if ensure_index:
        core.index.ensure_index()  # idempotent; the ingest function is the index's first writer
    return S3Ingestion(ingestor=core.ingestor, blobs=S3BlobSource(settings.documents_bucket, client=clients.get("s3")),
                       versions=DynamoDBObjectVersions(settings.table_name, client=clients.get("dynamodb")),
                       prefix=settings.drop_prefix, internal_prefix=settings.corpus_stats_prefix,
                       default_access_level=AccessLevel.parse(
                           settings.drop_default_access_level),
                       telemetry=Telemetry(emf=True, log_query_text=settings.log_query_text))


def build_upload_urls(settings: AwsSettings, clients: AwsClients, *, core: AwsCore | None = None) -> Any:
    from shared.upload_urls import UploadUrls

    ingestion = build_ingestion(settings, clients, core=core, ensure_index=False)
    return UploadUrls(blobs=ingestion.blobs, ingestion=ingestion)

