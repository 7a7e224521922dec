"""Composition root of local mode: LocalSettings → SQLite stores, the local index, the ONNX embedder and the
extractive answerer → services, all under `settings.data_dir`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from fastapi import FastAPI

from shared.adapters.local.embedding_cache import CachedEmbedder
from shared.adapters.local.search_index import LocalSearchIndex
from shared.adapters.local.sqlite_activity import SqliteActivityStore
from shared.adapters.local.sqlite_analytics import SqliteAnalyticsStore
from shared.adapters.local.sqlite_auth import SqliteApiKeyStore, SqliteUserStore
from shared.adapters.local.sqlite_counters import SqliteCounterStore
from shared.adapters.local.sqlite_store import SqliteDocumentStore
from shared.bootstrap.api import ApiStores, Core, build_api_services
from shared.bootstrap.models import build_analyzer, build_embedder
from shared.config import LocalSettings
from shared.entrypoints.http.app_factory import create_app
from shared.entrypoints.http.deps import ApiServices
from shared.observability import PrometheusTelemetry, configure
from shared.ports import Analyzer, DocumentStore, Embedder
from shared.services.analytics import Analytics
from shared.services.answering.direct import DirectAnswerGenerator
from shared.services.answering.extractive import ExtractiveGenerator
from shared.services.answering.service import Answerer
from shared.services.auth.passwords import Passwords
from shared.services.auth.secrets import resolve_jwt_secret
from shared.services.auth.service import AuthService
from shared.services.ingestion import Ingestor
from shared.services.retrieval.fusion import Weights
from shared.services.retrieval.retriever import Retriever


@dataclass(frozen=True, slots=True)
class LocalServices:
    embedder: Embedder
    analyzer: Analyzer
    index: LocalSearchIndex  # the local CLI and evaluation read its corpus statistics (query_resources)
    store: DocumentStore
    retriever: Retriever
    answerer: Answerer
    ingestor: Ingestor

    @property
    def core(self) -> Core:
        return Core(embedder=self.embedder, index=self.index, store=self.store, answerer=self.answerer,
                    ingestor=self.ingestor)


def build_local_services(settings: LocalSettings, *, embedder: Embedder | None = None,
                         embedding_cache: Path | None = None, answers: bool = True) -> LocalServices:
    """Wire local mode under `settings.data_dir`. Tests may pass their own embedder; the evaluation
    keeps its embedding cache outside its temporary data directory, and when it scores retrieval
    alone (`answers=False`) ingestion skips the work only answers need."""
    raw_embedder = embedder or build_embedder(settings)
    cached = CachedEmbedder(raw_embedder, embedding_cache or settings.embedding_cache_path)
    analyzer = build_analyzer(settings)
    index = LocalSearchIndex(
        settings.data_dir / "index.sqlite", analyzer=analyzer, dimension=raw_embedder.dimension,
        weights=Weights(settings.weight_lexical, settings.weight_folded, settings.weight_dense),
        candidates=settings.candidates, model_id=raw_embedder.model_id, reference_boost=settings.reference_boost,
        neighbour_boost=settings.neighbour_boost)
    store = SqliteDocumentStore(settings.data_dir / "store.sqlite")
    retriever = Retriever(embedder=cached, index=index, analyzer=analyzer, resources=index.query_resources,
                          restore_below_ratio=settings.restore_below_ratio)
    direct = None
    if settings.answer_style == "direct":
        meaning = settings.answer_meaning_weight
        direct = DirectAnswerGenerator(vectors=cached if meaning > 0 else None, meaning_weight=meaning)
    answerer = Answerer(retriever=retriever, generator=direct or ExtractiveGenerator(settings.answer_max_sentences),
                        min_dense_score=settings.answer_min_dense_score,
                        min_term_coverage=settings.answer_min_term_coverage)
    ingestor = Ingestor(embedder=cached, index=index, store=store, chunk_max_words=settings.chunk_max_words,
                        chunk_overlap_words=settings.chunk_overlap_words,
                        max_document_bytes=settings.max_document_bytes,
                        prepare_answers=direct.prepare if direct and direct.vectors and answers else None)
    return LocalServices(cached, analyzer, index, store, retriever, answerer, ingestor)


@dataclass(frozen=True, slots=True)
class LocalApi:
    app: FastAPI
    services: ApiServices
    core: LocalServices


def build_local_api(settings: LocalSettings, *, embedder: Embedder | None = None,
                    passwords: Passwords | None = None, clock: Callable[[], float] = time.time) -> LocalApi:
    """The local app over `settings.data_dir`. Tests may pass an embedder, a cheaper password hasher and the
    clock (it freezes the rate limiter's window and dates the queries and ratings the analytics count)."""
    configure(settings.service_name)
    core = build_local_services(settings, embedder=embedder)
    data = settings.data_dir
    auth = AuthService(SqliteUserStore(data / "auth.sqlite"), SqliteApiKeyStore(data / "auth.sqlite"),
                       secret=resolve_jwt_secret(settings, data), token_ttl_seconds=settings.token_ttl_seconds,
                       passwords=passwords)
    stores = ApiStores(
        activity=SqliteActivityStore(data / "activity.sqlite", retention_days=settings.query_log_ttl_days,
                                     clock=clock),
        counters=SqliteCounterStore(data / "counters.sqlite", clock=clock),
        analytics=SqliteAnalyticsStore(data / "analytics.sqlite"))
    services = build_api_services(core.core, stores, auth=auth,
                                  telemetry=PrometheusTelemetry(log_query_text=settings.log_query_text),
                                  rate_limit_per_minute=settings.rate_limit_per_minute,
                                  metrics_token=settings.metrics_token, clock=clock)
    return LocalApi(app=create_app(services, cors_origins=settings.cors_origins), services=services, core=core)


def create_local_app(settings: LocalSettings) -> FastAPI:
    return build_local_api(settings).app


def build_local_analytics(settings: LocalSettings) -> Analytics:
    """The analytics of the data directory, for `vnrag stats` (no model, no index)."""
    data = settings.data_dir
    return Analytics(SqliteAnalyticsStore(data / "analytics.sqlite"), SqliteDocumentStore(data / "store.sqlite"))
