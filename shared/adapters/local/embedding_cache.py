"""An embedder wrapper that remembers passage vectors by content hash and model id.

Re-ingesting unchanged text, or re-running an evaluation, then costs no model time. Queries are not
cached: they are cheap and rarely repeat exactly.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from shared.adapters.local.sqlite import open_database
from shared.ports import Embedder

_SCHEMA = "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB NOT NULL);"


class CachedEmbedder:
    def __init__(self, inner: Embedder, path: Path) -> None:
        self._inner = inner
        self.model_id = inner.model_id
        self.dimension = inner.dimension
        self._db = open_database(path, _SCHEMA)
        self._lock = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._inner.embed_queries(texts)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        found = self._lookup(set(keys))
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in found}.items())
        if missing:
            vectors = self._inner.embed_passages([t for _, t in missing])
            new = {k: v for (k, _), v in zip(missing, vectors, strict=True)}
            with self._lock:
                self._db.execute("BEGIN")
                self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)",
                                     [(k, v.astype(np.float32).tobytes()) for k, v in new.items()])
                self._db.execute("COMMIT")
            found.update(new)
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def cached_passages(self, texts: Sequence[str]) -> np.ndarray | None:
        """The passage vectors of `texts` if every one is in the cache, else None; never runs the model
        (for query time, where embedding many texts would cost more than the answer may take)."""
        keys = [self._key(t) for t in texts]
        found = self._lookup(set(keys))
        if len(found) < len(set(keys)):
            return None
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([found[k] for k in keys]).astype(np.float32)

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self.model_id}\x00passage\x00{text}".encode()).hexdigest()

    def _lookup(self, keys: set[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        ordered = sorted(keys)
        for start in range(0, len(ordered), 500):  # stay under SQLite's bound-parameter limit
            batch = ordered[start:start + 500]
            rows = self._db.execute(
                f"SELECT key, vector FROM vectors WHERE key IN ({','.join('?' * len(batch))})", batch)
            found.update((k, np.frombuffer(v, dtype=np.float32)) for k, v in rows)
        return found
