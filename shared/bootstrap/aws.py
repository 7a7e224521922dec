"""Composition root of AWS mode: AwsSettings → DynamoDB, OpenSearch, S3 and Bedrock adapters → services.

The same core services as local mode (Retriever, Answerer, Ingestor, QueryService, AuthService,
DocumentService), over the AWS adapters, and the same API-services builder (shared/bootstrap/api.py).
boto3 and opensearch-py are imported only in the adapters and shared/adapters/aws/clients.py, and each client is
created on first use, so a function pays only for the clients it uses; the ingest function builds only the
write side (no answerer, no generator, no query resources). Tests pass their own clients (moto, Stubber,
the fake OpenSearch) and a cheap embedder and analyzer.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.adapters.aws.clients import AwsClients
from shared.bootstrap.api import ApiStores, Core, build_api_services, clock_to_now
from shared.bootstrap.models import build_analyzer, build_embedder
from shared.config_aws import AuthorizerSettings, AwsSettings
from shared.domain.models import AccessLevel
from shared.entrypoints.http.deps import ApiServices
from shared.observability import PrometheusTelemetry
from shared.ports import Analyzer, DocumentStore, Embedder, Generator, ManagedSearchIndex, SearchIndex
from shared.services.analytics import Analytics
from shared.services.auth.passwords import Passwords
from shared.services.auth.service import AuthService
from shared.services.ingestion import Ingestor
from shared.services.upload_urls import UploadUrls

if TYPE_CHECKING:
    from shared.adapters.aws.s3.query_resources import S3QueryResources
    from shared.services.answering.service import Answerer
    from shared.services.drop_folder import S3Ingestion


@dataclass(frozen=True, slots=True)
class AwsWriters:
    """The write side, all the ingest function builds: `index` is OpenSearch itself (for ensure_index and the
    scheduled purge), the ingestor writes through the corpus statistics when there is a documents bucket."""

    embedder: Embedder
    index: ManagedSearchIndex
    store: DocumentStore
    ingestor: Ingestor


@dataclass(frozen=True, slots=True)
class AwsCore:
    """The query and stream functions' core: the write side (uploads and deletes) plus answering."""

    embedder: Embedder
    index: ManagedSearchIndex
    store: DocumentStore
    answerer: Answerer
    ingestor: Ingestor
    resources: S3QueryResources | None = None  # the corpus statistics the Retriever uses (None: no bucket)

    @property
    def core(self) -> Core:
        return Core(embedder=self.embedder, index=self.index, store=self.store, answerer=self.answerer,
                    ingestor=self.ingestor)


def build_writers(settings: AwsSettings, clients: AwsClients, *, embedder: Embedder | None = None,
                  analyzer: Analyzer | None = None, on_publish: Callable[[], None] | None = None) -> AwsWriters:
    """`on_publish` is called after this process publishes new corpus statistics (its readers reload)."""
    from shared.adapters.aws.dynamodb.documents import DynamoDBDocumentStore
    from shared.adapters.aws.opensearch.index import OpenSearchSearchIndex
    from shared.services.retrieval.fusion import Weights

    embedder = embedder or build_embedder(settings)
    index = OpenSearchSearchIndex(
        clients.get("opensearch"), index=settings.opensearch_index, analyzer=analyzer or build_analyzer(settings),
        dimension=embedder.dimension, model_id=embedder.model_id, candidates=settings.candidates,
        weights=Weights(settings.weight_lexical, settings.weight_folded, settings.weight_dense),
        serverless=settings.opensearch_service == "aoss", reference_boost=settings.reference_boost,
        neighbour_boost=settings.neighbour_boost)
    store = DynamoDBDocumentStore(settings.table_name, client=clients.get("dynamodb"))
    ingestor = Ingestor(embedder=embedder, index=_tracking_corpus(settings, clients, index, on_publish),
                        store=store, chunk_max_words=settings.chunk_max_words,
                        chunk_overlap_words=settings.chunk_overlap_words,
                        max_document_bytes=settings.max_document_bytes)
    return AwsWriters(embedder=embedder, index=index, store=store, ingestor=ingestor)


def build_aws_core(settings: AwsSettings, clients: AwsClients, *, embedder: Embedder | None = None,
                   analyzer: Analyzer | None = None, generator: Generator | None = None,
                   stream: bool = False) -> AwsCore:
    """`stream=True` for the SSE function (ConverseStream); the buffered function uses one Converse call."""
    from shared.services.answering.service import Answerer
    from shared.services.retrieval.retriever import Retriever

    analyzer = analyzer or build_analyzer(settings)
    resources = build_query_resources(settings, clients)
    writers = build_writers(settings, clients, embedder=embedder, analyzer=analyzer,
                            on_publish=resources.invalidate if resources else None)
    retriever = Retriever(embedder=writers.embedder, index=writers.index, analyzer=analyzer, resources=resources,
                          restore_below_ratio=settings.restore_below_ratio)
    answerer = Answerer(retriever=retriever,
                        generator=generator or build_generator(settings, clients, stream=stream),
                        min_dense_score=settings.answer_min_dense_score,
                        min_term_coverage=settings.answer_min_term_coverage)
    return AwsCore(embedder=writers.embedder, index=writers.index, store=writers.store, answerer=answerer,
                   ingestor=writers.ingestor, resources=resources)


def build_query_resources(settings: AwsSettings, clients: AwsClients) -> S3QueryResources | None:
    """The restorer and catalogue the readers load from S3 (shared/adapters/aws/s3/query_resources.py). Without a
    documents bucket: None, and questions are neither restored nor resolved to articles."""
    if not settings.documents_bucket:
        return None
    from shared.adapters.aws.s3.query_resources import S3QueryResources

    return S3QueryResources(settings.documents_bucket, client=clients.get("s3"), prefix=settings.corpus_stats_prefix,
                            refresh_seconds=settings.corpus_stats_refresh_minutes * 60)


def _tracking_corpus(settings: AwsSettings, clients: AwsClients, index: SearchIndex,
                     on_publish: Callable[[], None] | None) -> SearchIndex:
    """The index the Ingestor writes through: it keeps the corpus statistics on S3 current
    (shared/adapters/aws/s3/corpus_stats.py). Without a documents bucket, the index itself."""
    if not settings.documents_bucket:
        return index
    from shared.adapters.aws.s3.corpus_stats import CorpusTrackingIndex, S3CorpusStats

    stats = S3CorpusStats(settings.documents_bucket, client=clients.get("s3"), prefix=settings.corpus_stats_prefix,
                          on_publish=on_publish)
    return CorpusTrackingIndex(index, stats)


def build_generator(settings: AwsSettings, clients: AwsClients, *, stream: bool) -> Generator:
    if settings.generator == "extractive":
        from shared.services.answering.direct import DirectAnswerGenerator
        from shared.services.answering.extractive import ExtractiveGenerator

        if settings.answer_style == "quotes":
            return ExtractiveGenerator(settings.answer_max_sentences)
        return DirectAnswerGenerator()  # no sentence vectors at hand: meaning is left to retrieval
    from shared.adapters.aws.bedrock import BedrockGenerator

    return BedrockGenerator(settings.bedrock_model_id, client=clients.get("bedrock-runtime"), stream=stream,
                            max_tokens=settings.bedrock_max_tokens)


def build_auth(settings: AwsSettings | AuthorizerSettings, clients: AwsClients, *, passwords: Passwords | None = None,
               clock: Callable[[], float] = time.time) -> AuthService:
    from shared.adapters.aws.dynamodb.auth import DynamoDBApiKeyStore, DynamoDBUserStore

    if settings.jwt_secret is None:
        raise ValueError("no JWT secret: set VNRAG_JWT_SECRET_ARN or VNRAG_JWT_SECRET_PARAMETER")
    dynamodb = clients.get("dynamodb")
    return AuthService(DynamoDBUserStore(settings.table_name, client=dynamodb),
                       DynamoDBApiKeyStore(settings.table_name, client=dynamodb),
                       secret=settings.jwt_secret.get_secret_value(), token_ttl_seconds=settings.token_ttl_seconds,
                       clock=clock, passwords=passwords)


def build_aws_api(settings: AwsSettings, clients: AwsClients, *, core: AwsCore | None = None,
                  passwords: Passwords | None = None, clock: Callable[[], float] = time.time,
                  stream: bool = False) -> ApiServices:
    """The ApiServices of the query and stream functions (the same routers as local mode, plus upload URLs)."""
    from shared.adapters.aws.dynamodb.activity import DynamoDBActivityStore
    from shared.adapters.aws.dynamodb.analytics import DynamoDBAnalyticsStore
    from shared.adapters.aws.dynamodb.counters import DynamoDBCounterStore

    core = core or build_aws_core(settings, clients, stream=stream)
    dynamodb = clients.get("dynamodb")
    stores = ApiStores(
        activity=DynamoDBActivityStore(settings.table_name, client=dynamodb,
                                       retention_days=settings.query_log_ttl_days),
        counters=DynamoDBCounterStore(settings.table_name, client=dynamodb, clock=clock),
        analytics=DynamoDBAnalyticsStore(settings.table_name, client=dynamodb))
    return build_api_services(
        core.core, stores, auth=build_auth(settings, clients, passwords=passwords, clock=clock),
        telemetry=PrometheusTelemetry(emf=True, log_query_text=settings.log_query_text),
        rate_limit_per_minute=settings.rate_limit_per_minute, metrics_token=settings.metrics_token, clock=clock,
        upload_urls=build_upload_urls(settings, clients, core.ingestor) if settings.documents_bucket else None)


def build_analytics(table_name: str, clients: AwsClients, *, clock: Callable[[], float] = time.time) -> Analytics:
    """The analytics of the table: its counters, and the document store's counts by kind."""
    from shared.adapters.aws.dynamodb.analytics import DynamoDBAnalyticsStore
    from shared.adapters.aws.dynamodb.documents import DynamoDBDocumentStore

    dynamodb = clients.get("dynamodb")
    return Analytics(DynamoDBAnalyticsStore(table_name, client=dynamodb),
                     DynamoDBDocumentStore(table_name, client=dynamodb), now=clock_to_now(clock))


def build_ingestion(settings: AwsSettings, clients: AwsClients, ingestor: Ingestor) -> S3Ingestion:
    from shared.adapters.aws.dynamodb.objects import DynamoDBObjectVersions
    from shared.adapters.aws.s3.blobs import S3BlobSource
    from shared.services.drop_folder import S3Ingestion

    if not settings.documents_bucket:
        raise ValueError("VNRAG_DOCUMENTS_BUCKET is required by the ingest function")
    return S3Ingestion(ingestor=ingestor, blobs=S3BlobSource(settings.documents_bucket, client=clients.get("s3")),
                       versions=DynamoDBObjectVersions(settings.table_name, client=clients.get("dynamodb")),
                       prefix=settings.drop_prefix, internal_prefix=settings.corpus_stats_prefix,
                       default_access_level=AccessLevel.parse(settings.drop_default_access_level),
                       telemetry=PrometheusTelemetry(emf=True, log_query_text=settings.log_query_text))


def build_upload_urls(settings: AwsSettings, clients: AwsClients, ingestor: Ingestor) -> UploadUrls:
    from shared.adapters.aws.s3.blobs import S3BlobSource

    return UploadUrls(blobs=S3BlobSource(settings.documents_bucket or "", client=clients.get("s3")),
                      ingestion=build_ingestion(settings, clients, ingestor))
