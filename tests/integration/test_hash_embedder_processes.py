"""The hash embedder gives the same vectors in another process (a subprocess)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np

from shared.adapters.local.hash_embedder import HashEmbedder
from tests.unit.test_hash_embedder import TEXTS


def test_deterministic_within_and_across_processes() -> None:
    emb = HashEmbedder(64)
    first = emb.embed_passages(TEXTS)
    np.testing.assert_array_equal(first, HashEmbedder(64).embed_passages(TEXTS))
    # Python's str hash is salted per process; a fresh interpreter must still give the same vector.
    code = (
        "from shared.adapters.local.hash_embedder import HashEmbedder;"
        f"print(HashEmbedder(64).embed_passages([{TEXTS[0]!r}])[0].tobytes().hex())"
    )
    repo = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=repo)
    assert out.stdout.strip() == first[0].tobytes().hex()
