"""A deterministic, model-free embedder for unit tests (numpy + the standard library only)."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"\w+", re.UNICODE)
_BIGRAM_WEIGHT = 0.5  # bigrams sharpen phrase matches but should not outweigh shared words
_EMPTY = "\x00empty"  # feature of texts without any word, so they still get a unit vector


class HashEmbedder:
    """Embedder (see `shared.ports.Embedder`) hashing syllable unigrams and bigrams into `dimension` buckets.

    Contract:
    * Text is NFC-normalised and lower-cased, then split into syllables (runs of word characters).
      Each unigram (weight 1) and adjacent bigram (weight 0.5) adds +-weight to one bucket chosen by a
      stable hash (blake2b, not Python's salted `hash`), so results are identical across processes.
    * Rows are float32, unit length, in input order; texts sharing words have a higher cosine. A text
      without words maps to a fixed unit vector.
    * Queries and passages are embedded the same way (no prefixes): it has no semantics to separate them.
    """

    def __init__(self, dimension: int = 64) -> None:
        if dimension < 2:
            raise ValueError("dimension must be >= 2")
        self.dimension = dimension
        self.model_id = f"hash-{dimension}"

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit row per text, in input order."""
        return self._embed(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        """One float32 unit row per text, in input order."""
        return self._embed(texts)

    def _embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            out[row] = self._vector(text)
        return out

    def _vector(self, text: str) -> np.ndarray:
        words = _WORD.findall(unicodedata.normalize("NFC", text).lower())
        features = [(w, 1.0) for w in words]
        features += [(f"{a} {b}", _BIGRAM_WEIGHT) for a, b in zip(words, words[1:], strict=False)]
        vec = np.zeros(self.dimension, dtype=np.float64)
        for feature, weight in features or [(_EMPTY, 1.0)]:
            bucket, sign = self._slot(feature)
            vec[bucket] += sign * weight
        norm = float(np.linalg.norm(vec))
        if norm == 0.0:
            # Opposite signs cancelled exactly (rare): fall back to the empty-text vector.
            bucket, sign = self._slot(_EMPTY)
            vec[bucket] = sign
            norm = 1.0
        return (vec / norm).astype(np.float32)

    def _slot(self, feature: str) -> tuple[int, float]:
        digest = hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest()
        value = int.from_bytes(digest, "little")
        # Low bit picks the sign, the rest the bucket: signed hashing keeps collisions unbiased.
        return (value >> 1) % self.dimension, 1.0 if value & 1 else -1.0
