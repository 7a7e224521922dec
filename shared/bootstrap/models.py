"""The offline models both modes load: the ONNX e5 embedder and the pyvi word segmenter."""

from __future__ import annotations

from shared.config import ModelSettings
from shared.ports import Analyzer, Embedder
from shared.services.text.analysis import LexicalAnalyzer
from shared.services.text.segment import WordSegmenter


def build_embedder(settings: ModelSettings) -> Embedder:
    from threadpoolctl import threadpool_limits

    from shared.adapters.onnx.embedder import OnnxEmbedder  # onnxruntime only where it is needed

    # One BLAS thread for the whole process: the vector products are small, and OpenBLAS's idle
    # threads spin after each one, stealing the cores onnxruntime's threads need (measured: a query
    # took 33 ms with the default pool, 15 ms with one BLAS thread, on 2 cores).
    threadpool_limits(limits=1, user_api="blas")
    return OnnxEmbedder(settings.model_dir, batch_size=settings.embed_batch_size, threads=settings.embed_threads)


def build_analyzer(settings: ModelSettings) -> Analyzer:
    return LexicalAnalyzer(WordSegmenter(settings.pyvi_dir))
