"""WordSegmenter: the pycrfsuite port must reproduce pyvi 0.1.1 exactly."""

from __future__ import annotations

import json
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from shared.domain.errors import ModelUnavailable
from shared.services.text.segment import MODEL_FILE, WORDS_FILE, WordSegmenter

GOLDEN_FILE = Path(__file__).parent / "data" / "pyvi_golden.jsonl"
GOLDEN = [json.loads(line) for line in GOLDEN_FILE.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("row", GOLDEN, ids=[f"golden-{i:03d}" for i in range(len(GOLDEN))])
def test_segment_reproduces_pyvi(segmenter: WordSegmenter, row: dict[str, str]) -> None:
    # Given a text pyvi 0.1.1 segmented (recorded by data/make_pyvi_golden.py)
    # When the port segments it
    # Then the output is pyvi's, character for character
    assert segmenter.segment(row["input"]) == row["expected"]


def test_golden_file_covers_edge_cases() -> None:
    inputs = [row["input"] for row in GOLDEN]
    assert len(inputs) >= 200
    assert "" in inputs
    assert any(unicodedata.normalize("NFC", s) != s for s in inputs)  # NFD input
    assert any("@" in s for s in inputs) and any("https://" in s for s in inputs)


@pytest.mark.parametrize(
    "text",
    [
        "Tiếng Việt có dấu",
        "Ủy ban nhân dân cấp huyện quyết định thu hồi đất.",
        "Người sử dụng đất được cấp Giấy chứng nhận quyền sử dụng đất.",
    ],
)
def test_nfd_input_segments_like_nfc(segmenter: WordSegmenter, text: str) -> None:
    # Given the same sentence decomposed (NFD) and composed (NFC)
    nfd = unicodedata.normalize("NFD", text)
    # When both are segmented / Then the outputs are identical and composed
    assert segmenter.segment(nfd) == segmenter.segment(text)
    assert unicodedata.is_normalized("NFC", segmenter.segment(nfd))


def test_compounds_are_joined_with_underscore(segmenter: WordSegmenter) -> None:
    assert segmenter.segment("Thủ tục cấp giấy phép xây dựng") == "Thủ_tục cấp giấy_phép xây_dựng"


def test_empty_input_gives_empty_output(segmenter: WordSegmenter) -> None:
    assert segmenter.segment("") == ""
    assert segmenter.words("") == []


@pytest.mark.parametrize("text", [" ", "   \t "])
def test_text_without_tokens_is_returned_unchanged(segmenter: WordSegmenter, text: str) -> None:
    # pyvi returns its input as-is when the syllabifier finds nothing
    assert segmenter.segment(text) == text
    assert segmenter.words(text) == []


def test_words_are_the_tokens_of_segment(segmenter: WordSegmenter) -> None:
    text = "Giá 1.200.000đ, giảm còn 950.000 VNĐ."
    assert segmenter.words(text) == segmenter.segment(text).split(" ")


def test_words_drop_line_break_tokens(segmenter: WordSegmenter) -> None:
    # Given text whose segmentation holds line-break tokens
    text = "Cơ quan thuế\n\nĐiều 1"
    assert "\n" in segmenter.segment(text).split(" ")
    # Then words() has none
    assert segmenter.words(text) == ["Cơ_quan", "thuế", "Điều", "1"]


def test_words_split_a_line_break_pyvi_joined_to_a_word(segmenter: WordSegmenter) -> None:
    # Given a hard-wrapped line that pyvi segments as "thành \n_niên"
    text = "2. Con nuôi đã thành\r\nniên."
    assert "\n_niên" in segmenter.segment(text)
    # Then words() keeps the word and drops the line break
    assert segmenter.words(text) == ["2", ".", "Con_nuôi", "đã", "thành", "niên", "."]


def test_segmenter_is_safe_to_share_between_threads(segmenter: WordSegmenter) -> None:
    inputs = [row["input"] for row in GOLDEN] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        outputs = list(pool.map(segmenter.segment, inputs))
    assert outputs == [row["expected"] for row in GOLDEN] * 4


def test_missing_model_raises_model_unavailable(tmp_path: Path) -> None:
    with pytest.raises(ModelUnavailable, match="make model"):
        WordSegmenter(tmp_path)


def test_missing_dictionary_raises_model_unavailable(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_bytes(b"lCRF")
    with pytest.raises(ModelUnavailable, match=WORDS_FILE):
        WordSegmenter(tmp_path)


def test_corrupt_model_raises_model_unavailable(tmp_path: Path) -> None:
    (tmp_path / MODEL_FILE).write_bytes(b"not a crfsuite model")
    (tmp_path / WORDS_FILE).write_text("a b\n", encoding="utf-8")
    with pytest.raises(ModelUnavailable, match="cannot read"):
        WordSegmenter(tmp_path)
