from pathlib import Path

import numpy as np

from shared.adapters.local.embedding_cache import CachedEmbedder
from shared.adapters.local.hash_embedder import HashEmbedder


class CountingEmbedder(HashEmbedder):
    def __init__(self) -> None:
        super().__init__(dimension=16)
        self.embedded: list[str] = []

    def embed_passages(self, texts):
        self.embedded.extend(texts)
        return super().embed_passages(texts)


def test_second_run_reuses_vectors_across_instances(tmp_path: Path) -> None:
    inner = CountingEmbedder()
    first = CachedEmbedder(inner, tmp_path / "c.sqlite").embed_passages(["một", "hai", "một"])
    assert inner.embedded == ["hai", "một"]  # duplicates embedded once
    again = CachedEmbedder(inner, tmp_path / "c.sqlite").embed_passages(["hai", "ba", "một"])
    assert inner.embedded == ["hai", "một", "ba"]  # only the new text
    np.testing.assert_array_equal(again[0], first[1])
    np.testing.assert_array_equal(again[2], first[0])


def test_vectors_are_keyed_by_model(tmp_path: Path) -> None:
    a, b = CachedEmbedder(HashEmbedder(dimension=16), tmp_path / "c.sqlite"), CountingEmbedder()
    a.embed_passages(["một"])
    b.model_id = "other-model"
    CachedEmbedder(b, tmp_path / "c.sqlite").embed_passages(["một"])
    assert b.embedded == ["một"]


def test_queries_are_not_cached_and_empty_input_has_the_right_shape(tmp_path: Path) -> None:
    cached = CachedEmbedder(HashEmbedder(dimension=16), tmp_path / "c.sqlite")
    assert cached.embed_passages([]).shape == (0, 16)
    assert cached.embed_queries(["câu hỏi"]).shape == (1, 16)
