"""Neighbouring articles: positions in both document layouts, the bonus, and the filter kept."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shared.adapters.local.search_index import Weights
from shared.domain.models import AccessLevel, Chunk, SearchFilter
from shared.services.ingestion import TextSource
from shared.services.retrieval.neighbours import article_position, boost_neighbouring_articles
from shared.services.retrieval.retriever import Retriever
from tests.fakes.small_index import small_index


def chunk(document_id: str, title: str, article: str | None) -> Chunk:
    return Chunk(id=f"{document_id}-{article}", document_id=document_id, ordinal=0, text="…", title=title,
                 article=article)


def test_position_of_an_article_inside_a_whole_law() -> None:
    assert article_position(chunk("blds", "Bộ luật dân sự", "651")) == ("document:blds", 651)
    assert article_position(chunk("blds", "Bộ luật dân sự", "5a")) == ("document:blds", 5)


def test_position_of_a_single_article_document_is_its_law_title() -> None:
    a = article_position(chunk("x-650", "Bộ luật dân sự, Điều 650", "650"))
    b = article_position(chunk("x-651", "Bộ Luật Dân Sự , điều 651", "651"))
    assert a == ("title:bo luat dan su", 650) and b == ("title:bo luat dan su", 651)


def test_no_position_outside_numbered_articles() -> None:
    assert article_position(chunk("memo", "Quy trình nghỉ phép", None)) is None


def test_bonus_comes_from_the_best_adjacent_article() -> None:
    positions = [("law", 650), ("law", 651), ("law", 653), ("other", 652), None]
    scores = np.array([0.9, 0.3, 0.5, 0.8, 0.7], dtype=np.float32)
    boosted = boost_neighbouring_articles(positions, scores, 0.2)
    # 650 gains from 651 (0.3), 651 from 650 (0.9); 653 has no neighbour (652 is another law's)
    assert boosted.tolist() == pytest.approx([(0.9 + 0.06) / 1.2, (0.3 + 0.18) / 1.2, 0.5 / 1.2, 0.8 / 1.2,
                                              0.7 / 1.2])


def test_zero_boost_leaves_scores_alone() -> None:
    scores = np.array([0.4, 0.2], dtype=np.float32)
    assert boost_neighbouring_articles([("l", 1), ("l", 2)], scores, 0.0) is scores


def _retriever(tmp_path: Path, neighbour_boost: float) -> Retriever:
    small = small_index(tmp_path, weights=Weights(1.0, 0.0, 0.0), name=str(neighbour_boost),
                        neighbour_boost=neighbour_boost)
    small.ingest([
        TextSource("luat", "Luật thừa kế", "Điều 1. Thừa kế theo pháp luật\nThừa kế theo pháp luật áp dụng khi "
                   "không có di chúc.\nĐiều 2. Người thừa kế\nHàng thứ nhất gồm vợ, chồng, cha, mẹ, con.\n"
                   "Điều 3. Xa\nKhông liên quan gì.\nĐiều 4. Khác\nMột quy định về con và vợ chồng."),
        TextSource("mat", "Quy chế mật", "Điều 7. Di chúc mật\nDi chúc mật được cất giữ.\n"
                   "Điều 8. Hàng thừa kế mật\nVợ, chồng, cha, mẹ, con.", access_level=AccessLevel.RESTRICTED),
    ])
    return small.retriever()


def test_the_article_next_to_a_strong_match_climbs(tmp_path: Path) -> None:
    question = "không có di chúc thì vợ con được gì"
    public = SearchFilter(AccessLevel.PUBLIC)
    plain = [h.chunk.article for h in _retriever(tmp_path, 0.0).retrieve(question, filter=public, k=4).hits]
    boosted = [h.chunk.article for h in _retriever(tmp_path, 0.5).retrieve(question, filter=public, k=4).hits]
    assert plain[0] == boosted[0] == "1"
    assert plain.index("2") > plain.index("4") and boosted.index("2") < boosted.index("4")


def test_neighbours_never_bring_in_what_the_filter_hides(tmp_path: Path) -> None:
    retriever = _retriever(tmp_path, 1.0)
    hits = retriever.retrieve("di chúc mật vợ chồng", filter=SearchFilter(AccessLevel.PUBLIC), k=10).hits
    assert hits and {h.chunk.document_id for h in hits} == {"luat"}


def test_boosted_scores_stay_within_the_fused_range() -> None:
    positions = [("law", n) for n in range(1, 6)]
    boosted = boost_neighbouring_articles(positions, np.ones(5, dtype=np.float32), 0.3)
    assert boosted.max() == pytest.approx(1.0) and boosted.min() >= 0
