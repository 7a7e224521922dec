import numpy as np

from shared.services.retrieval.fusion import fuse_candidates, min_max_fusion, top_candidates


def test_top_candidates_skips_rows_not_allowed() -> None:
    scores = np.array([5.0, 9.0, 1.0, 7.0])
    allowed = np.array([True, False, True, True])
    assert top_candidates(scores, allowed, 2).tolist() == [3, 0]


def test_top_candidates_with_nothing_allowed_is_empty() -> None:
    assert top_candidates(np.ones(3), np.zeros(3, bool), 2).size == 0


def test_fusion_is_a_weighted_sum_of_min_max_scores() -> None:
    lexical = np.array([10.0, 0.0, 5.0])
    dense = np.array([0.2, 0.9, 0.6])
    rows, fused, parts = min_max_fusion({"lexical": lexical, "dense": dense}, {"lexical": 0.5, "dense": 0.5},
                                        np.ones(3, bool), candidates=3)
    # lexical → [1, 0, .5]; dense → [0, 1, .571]; fused → [.5, .5, .536]
    assert rows.tolist()[0] == 2
    np.testing.assert_allclose(sorted(fused.tolist(), reverse=True), [0.5357, 0.5, 0.5], atol=1e-3)
    assert set(parts) == {"lexical", "dense"}


def test_fusion_never_returns_filtered_rows() -> None:
    scores = np.arange(10, dtype=np.float32)
    allowed = np.arange(10) % 2 == 0
    rows, _, _ = min_max_fusion({"a": scores}, {"a": 1.0}, allowed, candidates=4)
    assert rows.size == 4 and all(r % 2 == 0 for r in rows)


def test_zero_weight_signal_is_ignored() -> None:
    rows, _, parts = min_max_fusion({"a": np.array([1.0, 2.0]), "b": np.array([9.0, 0.0])},
                                    {"a": 1.0, "b": 0.0}, np.ones(2, bool), candidates=2)
    assert rows.tolist() == [1, 0] and set(parts) == {"a"}


def test_fusing_engine_candidates_equals_fusing_full_score_arrays() -> None:
    # What an engine returns (each signal's own top n, as keys and raw scores) fuses exactly as the
    # full arrays do: a key missing from a signal's candidates scores 0 in it.
    rng = np.random.default_rng(7)
    lexical, dense = rng.random(50).astype(np.float32), rng.random(50).astype(np.float32)
    weights, n = {"lexical": 0.4, "dense": 0.6}, 10
    full_rows, full_fused, _ = min_max_fusion({"lexical": lexical, "dense": dense}, weights, np.ones(50, bool),
                                              candidates=n)
    pools = {name: (top_candidates(s, np.ones(50, bool), n).tolist(),
                    s[top_candidates(s, np.ones(50, bool), n)].tolist())
             for name, s in (("lexical", lexical), ("dense", dense))}
    keys, order, fused, _ = fuse_candidates(pools, weights)
    got = dict(zip([keys[i] for i in order], fused.tolist(), strict=True))
    want = dict(zip(full_rows.tolist(), full_fused.tolist(), strict=True))
    assert got.keys() == want.keys()
    np.testing.assert_allclose([got[k] for k in want], list(want.values()), rtol=1e-6)
    np.testing.assert_allclose(fused, full_fused, rtol=1e-6)  # the same order, up to ties


def test_a_signal_without_candidates_adds_nothing() -> None:
    keys, order, fused, raw = fuse_candidates({"lexical": ([], []), "dense": (["a", "b"], [0.9, 0.5])},
                                              {"lexical": 0.5, "dense": 0.5})
    assert [keys[i] for i in order] == ["a", "b"] and set(raw) == {"dense"}
    np.testing.assert_allclose(fused, [1.0, 0.0])
    assert fuse_candidates({"lexical": ([], [])}, {"lexical": 1.0})[0] == []
