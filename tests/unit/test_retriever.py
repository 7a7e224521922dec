"""The Retriever over the in-memory search index: questions analysed once, every search under the caller's filter."""

from __future__ import annotations

import pytest

from shared.adapters.local.hash_embedder import HashEmbedder
from shared.domain.errors import InvalidQuery
from shared.domain.models import AccessLevel, Chunk, Principal, Role
from shared.domain.rbac import search_filter_for
from shared.services.retrieval.retriever import Retriever
from tests.fakes.analyzer import SyllableAnalyzer
from tests.fakes.search_index import InMemorySearchIndex

CHUNKS = [
    Chunk(id="pub-0", document_id="pub", ordinal=0, text="Người lao động được nghỉ hằng năm 12 ngày làm việc."),
    Chunk(id="conf-0", document_id="conf", ordinal=0, access_level=AccessLevel.CONFIDENTIAL,
          text="Ngày nghỉ hằng năm của ban giám đốc do hội đồng quản trị quyết định."),
    Chunk(id="other-0", document_id="other", ordinal=0, text="Thuế thu nhập cá nhân nộp theo tháng."),
]


@pytest.fixture
def retriever() -> Retriever:
    analyzer, embedder = SyllableAnalyzer(), HashEmbedder(64)
    index = InMemorySearchIndex(analyzer)
    index.upsert(CHUNKS, embedder.embed_passages([c.passage for c in CHUNKS]))
    return Retriever(embedder=embedder, index=index, analyzer=analyzer)


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_a_guest_never_retrieves_a_confidential_chunk(retriever: Retriever, mode: str) -> None:
    found = retriever.retrieve("nghỉ hằng năm", filter=search_filter_for(Principal("g", Role.GUEST)), k=5, mode=mode)
    assert "conf-0" not in {hit.chunk.id for hit in found.hits}
    assert set(found.timings_ms) == {"analyze", "embed", "search"}


def test_a_manager_retrieves_both_chunks_on_the_subject_and_not_the_other(retriever: Retriever) -> None:
    found = retriever.retrieve("nghỉ hằng năm", filter=search_filter_for(Principal("m", Role.MANAGER)), k=2,
                               mode="bm25")
    assert {hit.chunk.id for hit in found.hits} == {"pub-0", "conf-0"}


def test_the_question_is_analysed_once_per_mode(retriever: Retriever) -> None:
    query, _ = retriever.analyze("  Nghỉ hằng năm ??", mode="bm25")
    assert query.text == "Nghỉ hằng năm?" and query.vector is None and query.terms
    dense, _ = retriever.analyze("nghỉ hằng năm", mode="dense")
    assert dense.vector is not None and dense.terms == ()
    with pytest.raises(InvalidQuery):
        retriever.analyze("   ", mode="bm25")
