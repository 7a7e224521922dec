import pytest

from shared.services.evaluation.metrics import mrr_at, ndcg_at, percentile, recall_at


def test_recall_counts_relevant_found_in_top_k() -> None:
    assert recall_at(["a", "b", "c"], {"b", "z"}, 2) == 0.5
    assert recall_at(["a", "b", "c"], {"c"}, 2) == 0.0


def test_mrr_is_reciprocal_rank_of_first_hit_within_k() -> None:
    assert mrr_at(["a", "b", "c"], {"c", "b"}) == 0.5
    assert mrr_at(["a"] * 10 + ["b"], {"b"}, 10) == 0.0


def test_ndcg_binary() -> None:
    assert ndcg_at(["x", "a"], {"a"}) == pytest.approx(1 / 1.58496, rel=1e-4)
    assert ndcg_at(["a", "b"], {"a", "b"}) == pytest.approx(1.0)


def test_percentile_nearest_rank() -> None:
    assert percentile(list(range(1, 101)), 95) == 95
    assert percentile([], 50) == 0.0
