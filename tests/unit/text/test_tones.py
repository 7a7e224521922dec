"""Tone-mark placement rules, including the second-vowel style kept for experiments."""

from __future__ import annotations

import pytest

from shared.services.text.tones import place_tone_mark, place_tone_marks, tone_index


@pytest.mark.parametrize(
    ("syllable", "index"),
    [
        ("hoa", 1), ("thuy", 2), ("khoe", 2), ("quy", 2), ("qua", 2), ("gia", 2), ("gi", 1), ("gin", 1),
        ("hoang", 2), ("quynh", 2), ("nguoi", None), ("ngươi", 3), ("ruou", None), ("rươu", 2),
        ("khuyu", 3), ("ngoai", 3), ("mua", 1), ("a", 0), ("y", 0), ("thuơ", 3), ("chuyên", 4),
    ],
)
def test_tone_index_follows_the_traditional_rules(syllable: str, index: int | None) -> None:
    assert tone_index(syllable) == index


@pytest.mark.parametrize(
    "syllable", ["", "bcd", "cafe", "jose", "ee", "hoax", "qun", "aim", "thiaz", "ngh"]
)
def test_tone_index_rejects_what_is_not_a_vietnamese_syllable(syllable: str) -> None:
    assert tone_index(syllable) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hòa", "hoà"), ("thúy", "thuý"), ("khỏe", "khoẻ"), ("Ủy", "Uỷ"), ("quý", "quý"), ("giá", "giá"),
        ("hoàng", "hoàng"), ("mùa", "mùa"), ("ngoài", "ngoài"),
    ],
)
def test_modern_style_marks_the_second_vowel_of_open_oa_oe_uy_only(raw: str, expected: str) -> None:
    assert place_tone_mark(raw, "modern") == expected


def test_styles_round_trip() -> None:
    text = "Ủy ban hòa giải về sức khỏe và thủy lợi, quý khách"
    assert place_tone_marks(place_tone_marks(text, "modern")) == text


def test_ascii_and_unmarked_text_is_returned_as_is() -> None:
    text = "Thu tuc cap giay phep, version 2.0"
    assert place_tone_marks(text) == text
