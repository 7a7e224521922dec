"""Composition root: settings → adapters → services. The only module that knows every adapter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shared.adapters.local_index import LocalSearchIndex, Weights
from shared.adapters.sqlite_store import SqliteDocumentStore
from shared.answering.direct import DirectAnswerGenerator
from shared.answering.extractive import ExtractiveGenerator
from shared.answering.service import Answerer
from shared.config import LocalSettings, ModelSettings
from shared.embedding.cache import CachedEmbedder
from shared.ingestion import Ingestor
from shared.ports import Embedder
from shared.retrieval.retriever import Retriever
from shared.text.analysis import LexicalAnalyzer
from shared.text.segment import WordSegmenter


@dataclass(frozen=True, slots=True)
class LocalServices:
    embedder: Embedder
    analyzer: LexicalAnalyzer
    index: LocalSearchIndex
    store: SqliteDocumentStore
    retriever: Retriever
    answerer: Answerer
    ingestor: Ingestor


def build_embedder(settings: ModelSettings) -> Embedder:
    from threadpoolctl import threadpool_limits

    from shared.embedding.onnx_embedder import OnnxEmbedder  # onnxruntime only where it is needed

    # One BLAS thread for the whole process: the vector products are small, and OpenBLAS's idle
    # threads spin after each one, stealing the cores onnxruntime's threads need (measured: a query
    # took 33 ms with the default pool, 15 ms with one BLAS thread, on 2 cores).
    threadpool_limits(limits=1, user_api="blas")
    return OnnxEmbedder(settings.model_dir, batch_size=settings.embed_batch_size, threads=settings.embed_threads)


def build_analyzer(settings: ModelSettings) -> LexicalAnalyzer:
    return LexicalAnalyzer(WordSegmenter(settings.pyvi_dir))


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
