"""The behaviour every SearchIndex adapter must have. Not collected on its own (no Test prefix)."""

from __future__ import annotations

import numpy as np
import pytest

from shared.adapters.local.hash_embedder import HashEmbedder
from shared.domain.models import AccessLevel, Chunk, SearchFilter, SearchQuery
from tests.fakes.analyzer import SyllableAnalyzer

EMBEDDER = HashEmbedder(dimension=64)
ANALYZER = SyllableAnalyzer()
EVERYTHING = SearchFilter(max_access_level=AccessLevel.RESTRICTED)


def make_chunk(document_id: str, ordinal: int, text: str, *, level: AccessLevel = AccessLevel.PUBLIC,
               document_type: str = "law") -> Chunk:
    return Chunk(id=f"{document_id}-{ordinal}", document_id=document_id, ordinal=ordinal, text=text,
                 headings=(f"Văn bản {document_id}",), title=f"Văn bản {document_id}",
                 document_type=document_type, access_level=level)


def vectors(chunks: list[Chunk]) -> np.ndarray:
    return EMBEDDER.embed_passages([c.passage for c in chunks])


def query(text: str, mode: str = "hybrid") -> SearchQuery:
    vector = None if mode == "bm25" else EMBEDDER.embed_queries([text])[0]
    return SearchQuery(text=text, terms=tuple(ANALYZER.query_terms(text)),
                       folded_terms=tuple(ANALYZER.folded_terms(text)), vector=vector, mode=mode)


class SearchIndexContract:
    @pytest.fixture
    def index(self):  # pragma: no cover - each adapter's test class provides it
        raise NotImplementedError

    def add(self, index, chunks: list[Chunk]) -> None:
        index.upsert(chunks, vectors(chunks))

    @pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
    def test_best_match_comes_first(self, index, mode: str) -> None:
        self.add(index, [make_chunk("a", 0, "thủ tục cấp giấy phép xây dựng nhà ở"),
                         make_chunk("b", 0, "mức phạt vi phạm giao thông đường bộ"),
                         make_chunk("c", 0, "quyền thừa kế tài sản của con nuôi")])
        hits = index.search(query("phạt vi phạm giao thông", mode), k=3, filter=EVERYTHING)
        assert hits[0].chunk.document_id == "b"
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)

    def test_never_returns_a_chunk_above_the_filter_level(self, index) -> None:
        self.add(index, [make_chunk(f"d{lvl.value}", 0, "bí mật kinh doanh của công ty", level=lvl)
                         for lvl in AccessLevel])
        for level in AccessLevel:
            hits = index.search(query("bí mật kinh doanh"), k=10, filter=SearchFilter(max_access_level=level))
            assert {h.chunk.access_level for h in hits} == {lv for lv in AccessLevel if lv <= level}

    def test_filter_applies_before_top_k(self, index) -> None:
        # Many better-matching restricted chunks must not crowd out the public ones.
        restricted = [make_chunk(f"r{i}", 0, "lương thưởng giám đốc lương thưởng", level=AccessLevel.RESTRICTED)
                      for i in range(30)]
        public = [make_chunk(f"p{i}", 0, f"quy định chung về lương số {i}") for i in range(3)]
        self.add(index, restricted + public)
        hits = index.search(query("lương thưởng giám đốc"), k=3,
                            filter=SearchFilter(max_access_level=AccessLevel.PUBLIC))
        assert sorted(h.chunk.document_id for h in hits) == ["p0", "p1", "p2"]

    def test_document_type_and_id_filters(self, index) -> None:
        self.add(index, [make_chunk("law", 0, "nghỉ phép năm", document_type="law"),
                         make_chunk("memo", 0, "nghỉ phép năm", document_type="memo"),
                         make_chunk("memo2", 0, "nghỉ phép năm", document_type="memo")])
        by_type = index.search(query("nghỉ phép"), k=5,
                               filter=SearchFilter(AccessLevel.RESTRICTED, document_types=frozenset({"memo"})))
        assert {h.chunk.document_id for h in by_type} == {"memo", "memo2"}
        by_id = index.search(query("nghỉ phép"), k=5,
                             filter=SearchFilter(AccessLevel.RESTRICTED, document_ids=frozenset({"law"})))
        assert [h.chunk.document_id for h in by_id] == ["law"]

    def test_upsert_same_id_replaces(self, index) -> None:
        self.add(index, [make_chunk("a", 0, "nội dung cũ")])
        self.add(index, [make_chunk("a", 0, "nội dung mới hoàn toàn")])
        assert index.count() == 1
        assert index.search(query("nội dung"), k=5, filter=EVERYTHING)[0].chunk.text == "nội dung mới hoàn toàn"

    def test_replace_document_swaps_every_chunk(self, index) -> None:
        self.add(index, [make_chunk("a", i, f"phiên bản một đoạn {i}") for i in range(3)])
        new = [make_chunk("a", 0, "phiên bản hai")]
        index.replace_document("a", new, vectors(new))
        hits = index.search(query("phiên bản"), k=10, filter=EVERYTHING)
        assert [h.chunk.text for h in hits] == ["phiên bản hai"]

    def test_delete_document_removes_all_its_chunks(self, index) -> None:
        self.add(index, [make_chunk("a", i, f"điều khoản {i}") for i in range(3)] + [make_chunk("b", 0, "điều khoản")])
        assert index.delete_document("a") == 3
        assert index.delete_document("a") == 0
        assert {h.chunk.document_id for h in index.search(query("điều khoản"), k=10, filter=EVERYTHING)} == {"b"}

    def test_empty_index_returns_nothing(self, index) -> None:
        assert index.search(query("bất kỳ"), k=5, filter=EVERYTHING) == []
