import numpy as np
import pytest

from shared.services.retrieval.bm25 import BM25Index


def reference_bm25(docs: list[list[str]], query: list[str], k1: float = 1.2, b: float = 0.75) -> np.ndarray:
    """Textbook BM25 written as a plain loop, to check the vectorised one against."""
    n = len(docs)
    avg = sum(len(d) for d in docs) / n
    scores = np.zeros(n)
    for term in query:
        df = sum(term in d for d in docs)
        if df == 0:
            continue
        idf = np.log1p((n - df + 0.5) / (df + 0.5))
        for i, d in enumerate(docs):
            tf = d.count(term)
            scores[i] += idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * len(d) / avg)) if tf else 0
    return scores


DOCS = [
    "giấy_phép xây_dựng nhà ở riêng_lẻ".split(),
    "thủ_tục cấp giấy_phép lái_xe".split(),
    "nhà ở xã_hội cho người thu_nhập thấp nhà ở".split(),
    [],
]


@pytest.mark.parametrize("query", [["giấy_phép"], ["nhà", "ở"], ["nhà", "nhà"], ["không", "có"], []])
def test_scores_equal_the_textbook_formula(query: list[str]) -> None:
    index = BM25Index.build(DOCS)
    np.testing.assert_allclose(index.score(query), reference_bm25(DOCS, query), rtol=1e-5)


def test_rarer_term_weighs_more() -> None:
    index = BM25Index.build(DOCS)
    assert index.score(["lái_xe"])[1] > index.score(["giấy_phép"])[1]


def test_empty_index_scores_nothing() -> None:
    index = BM25Index.build([[], []])
    assert index.score(["a"]).tolist() == [0.0, 0.0]
