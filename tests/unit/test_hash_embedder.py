"""HashEmbedder: the deterministic stand-in embedder used by unit tests."""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest

from shared.adapters.local.hash_embedder import HashEmbedder
from shared.ports import Embedder

TEXTS = [
    "Thủ tục cấp giấy phép xây dựng nhà ở",
    "Người lao động được nghỉ phép năm bao nhiêu ngày?",
    "",
    "!!! ...",
]


def test_satisfies_the_embedder_protocol() -> None:
    emb: Embedder = HashEmbedder(32)
    assert emb.model_id == "hash-32"
    assert emb.dimension == 32


@pytest.mark.parametrize("method", ["embed_queries", "embed_passages"])
def test_shape_dtype_and_unit_norm(method: str) -> None:
    vectors = getattr(HashEmbedder(64), method)(TEXTS)
    assert vectors.shape == (len(TEXTS), 64)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-6)


def test_empty_input_gives_an_empty_matrix() -> None:
    assert HashEmbedder(16).embed_passages([]).shape == (0, 16)




def test_rows_follow_input_order() -> None:
    emb = HashEmbedder(64)
    forward = emb.embed_passages(TEXTS)
    backward = emb.embed_passages(TEXTS[::-1])
    np.testing.assert_array_equal(forward, backward[::-1])


def test_case_and_unicode_form_do_not_matter() -> None:
    emb = HashEmbedder(64)
    nfc = emb.embed_queries([TEXTS[0]])
    nfd_upper = emb.embed_queries([unicodedata.normalize("NFD", TEXTS[0]).upper()])
    np.testing.assert_allclose(nfc, nfd_upper, atol=1e-7)


def test_shared_words_rank_higher() -> None:
    emb = HashEmbedder(256)
    query = emb.embed_queries(["giấy phép xây dựng"])[0]
    passages = emb.embed_passages(
        [
            "Hồ sơ đề nghị cấp giấy phép xây dựng nhà ở riêng lẻ",  # shares the phrase
            "Cấp giấy chứng nhận quyền sử dụng đất",  # shares one syllable
            "Mức lương tối thiểu vùng năm nay",  # shares nothing
        ]
    )
    scores = passages @ query
    assert scores[0] > scores[1] > scores[2]
    assert scores[0] > 0.5


def test_rejects_a_useless_dimension() -> None:
    with pytest.raises(ValueError):
        HashEmbedder(1)
