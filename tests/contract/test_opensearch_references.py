"""Named articles (`SearchQuery.article_refs`) on the OpenSearch adapter: ranked first exactly as the
local index ranks them, in the same _msearch round trip, and never past the caller's filter."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from shared.adapters.aws.opensearch.index import OpenSearchSearchIndex
from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.domain.models import AccessLevel, ArticleRef, SearchFilter
from tests.contract.search_index_contract import ANALYZER, EMBEDDER, EVERYTHING, make_chunk, query, vectors
from tests.fakes.clock import FakeClock
from tests.fakes.opensearch import fake_opensearch

WEIGHTS = Weights(0.35, 0.15, 0.5)
BOOST = 0.2  # the neighbour bonus, when on
PUBLIC = SearchFilter(AccessLevel.PUBLIC)


def article(document_id: str, ordinal: int, number: str, text: str, level: AccessLevel = AccessLevel.PUBLIC):
    return replace(make_chunk(document_id, ordinal, text, level=level), article=number)


CHUNKS = [
    article("luat-dat-dai", 0, "1", "Phạm vi điều chỉnh của luật đất đai về quyền sử dụng đất"),
    article("luat-dat-dai", 1, "5", "Người sử dụng đất được Nhà nước giao đất cho thuê đất"),
    article("luat-dat-dai", 2, "5", "Cơ quan nhà nước tổ chức cá nhân trong nước sử dụng đất"),
    article("luat-nha-o", 0, "5", "Bảo đảm quyền có chỗ ở của cá nhân hộ gia đình nhà ở"),
    article("mat", 0, "5", "Quyền sử dụng đất của nội bộ hồ sơ mật", level=AccessLevel.CONFIDENTIAL),
    article("luat-nha-o", 1, "6", "Các hành vi bị nghiêm cấm trong lĩnh vực nhà ở sử dụng đất"),
]


@pytest.fixture
def indexes(tmp_path: Path) -> tuple[OpenSearchSearchIndex, LocalSearchIndex, object]:
    """Both adapters with the neighbour bonus on (it is off by default), so its parity is checked too."""
    client, transport = fake_opensearch()
    clock = FakeClock()
    remote = OpenSearchSearchIndex(client, index="chunks", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                                   model_id=EMBEDDER.model_id, weights=WEIGHTS, candidates=50, clock=clock,
                                   sleep=clock.sleep, neighbour_boost=BOOST)
    remote.ensure_index()
    local = LocalSearchIndex(tmp_path / "index.sqlite", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                             weights=WEIGHTS, candidates=50, model_id=EMBEDDER.model_id, neighbour_boost=BOOST)
    for index in (remote, local):
        index.upsert(CHUNKS, vectors(CHUNKS))
    transport.requests.clear()
    return remote, local, transport


def named(text: str, *refs: ArticleRef, mode: str = "hybrid"):
    return replace(query(text, mode), article_refs=refs)


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_the_named_article_ranks_first_as_in_the_local_index(indexes, mode: str) -> None:
    remote, local, _ = indexes
    q = named("quyền của cá nhân sử dụng đất", ArticleRef("5", frozenset({"luat-nha-o"})), mode=mode)
    got = [(h.chunk.id, round(h.score, 4)) for h in remote.search(q, k=5, filter=EVERYTHING)]
    want = [(h.chunk.id, round(h.score, 4)) for h in local.search(q, k=5, filter=EVERYTHING)]
    assert got[0][0] == "luat-nha-o-0" and got[0][1] >= 1.0
    assert got == want


def test_every_chunk_of_the_named_article_leads_in_its_own_order(indexes) -> None:
    remote, local, _ = indexes
    q = named("quyền sử dụng đất", ArticleRef("5", frozenset({"luat-dat-dai"})))
    got = [h.chunk.id for h in remote.search(q, k=6, filter=EVERYTHING)]
    assert set(got[:2]) == {"luat-dat-dai-1", "luat-dat-dai-2"}
    assert got == [h.chunk.id for h in local.search(q, k=6, filter=EVERYTHING)]


def test_a_reference_never_crosses_the_access_filter(indexes) -> None:
    remote, _, transport = indexes
    q = named("hồ sơ mật", ArticleRef("5", frozenset({"mat"})))
    hits = remote.search(q, k=10, filter=PUBLIC)
    assert hits and all(h.chunk.access_level is AccessLevel.PUBLIC for h in hits)
    unnamed = remote.search(query("hồ sơ mật", "hybrid"), k=10, filter=PUBLIC)
    # nothing boosted: the only holder is above the caller, so the ranking is the one without the reference
    assert [(h.chunk.id, h.score) for h in hits] == [(h.chunk.id, h.score) for h in unnamed]
    assert [h.chunk.id for h in remote.search(q, k=1, filter=EVERYTHING)] == ["mat-0"]


def test_the_references_ride_in_the_same_msearch_with_the_filter(indexes) -> None:
    remote, _, transport = indexes
    refs = (ArticleRef("5", frozenset({"luat-nha-o", "luat-dat-dai"})), ArticleRef("6", frozenset({"luat-nha-o"})))
    remote.search(named("nhà ở", *refs), k=3, filter=PUBLIC)
    [(method, url, _, lines)] = transport.requests
    assert (method, url) == ("POST", "/_msearch") and len(lines) == 10  # + the state records
    assert lines[7] == {"size": 50, "_source": {"excludes": ["vector", "terms", "folded"]}, "track_total_hits": False,
                        "query": {"bool": {"filter": [{"range": {"access_level": {"lte": 0}}}, {"bool": {
                            "should": [{"bool": {"filter": [{"terms": {"document_id": ["luat-dat-dai", "luat-nha-o"]}},
                                                            {"term": {"article": "5"}}]}},
                                       {"bool": {"filter": [{"terms": {"document_id": ["luat-nha-o"]}},
                                                            {"term": {"article": "6"}}]}}],
                            "minimum_should_match": 1}}]}}}


def test_boost_zero_sends_no_reference_query(indexes) -> None:
    _, _, transport = indexes
    client, transport = fake_opensearch()
    clock = FakeClock()
    off = OpenSearchSearchIndex(client, index="chunks", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                                model_id=EMBEDDER.model_id, weights=WEIGHTS, reference_boost=0, neighbour_boost=0,
                                clock=clock, sleep=clock.sleep)
    off.ensure_index()
    off.upsert(CHUNKS, vectors(CHUNKS))
    transport.requests.clear()
    hits = off.search(named("nhà ở", ArticleRef("5", frozenset({"luat-dat-dai"}))), k=3, filter=EVERYTHING)
    assert len(transport.requests[0][3]) == 8 and all(h.score <= 1.0 for h in hits)


def test_neighbouring_articles_climb_as_in_the_local_index(indexes, tmp_path: Path) -> None:
    remote, local, _ = indexes
    q = query("quyền có chỗ ở của hộ gia đình nhà ở sử dụng đất", "hybrid")
    got = [(h.chunk.id, round(h.score, 4)) for h in remote.search(q, k=6, filter=EVERYTHING)]
    assert got == [(h.chunk.id, round(h.score, 4)) for h in local.search(q, k=6, filter=EVERYTHING)]
    plain = LocalSearchIndex(tmp_path / "plain.sqlite", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                             weights=WEIGHTS, candidates=50, model_id=EMBEDDER.model_id, neighbour_boost=0)
    plain.upsert(CHUNKS, vectors(CHUNKS))
    before = {h.chunk.id: h.score for h in plain.search(q, k=6, filter=EVERYTHING)}
    after = dict(got)
    # Article 6 of luat-nha-o sits next to article 5, the best match: it gains 0.2 x that score
    # (and every score is rescaled by 1 / 1.2 into [0, 1]).
    expected = (before["luat-nha-o-1"] + BOOST * before["luat-nha-o-0"]) / (1 + BOOST)
    assert after["luat-nha-o-1"] == pytest.approx(expected, abs=1e-3)
