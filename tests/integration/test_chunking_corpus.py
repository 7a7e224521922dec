"""Chunking the real benchmark corpus (read from disk): no text lost, budgets kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from shared.services.chunking import split_into_chunks
from tests.unit.test_chunking import assert_no_text_lost

CORPUS = Path(__file__).resolve().parents[3] / "shared" / "data" / "vi-legal-dev" / "corpus.jsonl"


@pytest.mark.skipif(not CORPUS.exists(), reason="vi-legal-dev corpus not present")
def test_no_text_lost_and_budget_kept_on_real_articles() -> None:
    with CORPUS.open(encoding="utf-8") as corpus:
        rows = [json.loads(line) for line, _ in zip(corpus, range(300), strict=False)]
    assert len(rows) == 300
    for row in rows:
        chunks = split_into_chunks(document_id=row["doc_id"], title=row["title"], text=row["text"])
        assert chunks, row["doc_id"]
        assert all(len(chunk.text.split()) <= 300 for chunk in chunks), row["doc_id"]
        assert {chunk.article for chunk in chunks} == {row["title"].rsplit(" ", 1)[-1]}, row["doc_id"]
        assert_no_text_lost(row["text"], chunks)
