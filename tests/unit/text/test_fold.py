"""fold_diacritics, has_diacritics and diacritic_ratio: the unaccented view of Vietnamese text."""

from __future__ import annotations

import unicodedata

import pytest

from shared.services.text.normalize import diacritic_ratio, fold_diacritics, has_diacritics

BASES = "aăâeêioôơuưy"
TONES = ["", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323"]
ALL_VOWELS = [unicodedata.normalize("NFC", v + t) for v in BASES for t in TONES]  # 72 lower-case forms


@pytest.mark.parametrize("vowel", ALL_VOWELS + [v.upper() for v in ALL_VOWELS])
def test_every_vietnamese_vowel_folds_to_its_ascii_base(vowel: str) -> None:
    folded = fold_diacritics(vowel)
    assert folded.isascii() and len(folded) == 1
    assert folded.lower() in "aeiouy"
    assert folded.isupper() == vowel.isupper()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("đường", "duong"),
        ("Đà Nẵng", "Da Nang"),
        ("ĐỒNG", "DONG"),
        ("Ðiều", "Dieu"),  # Eth, the look-alike of Đ
        ("Nguyễn Văn Đức", "Nguyen Van Duc"),
        ("Thủ tục cấp giấy phép xây dựng", "Thu tuc cap giay phep xay dung"),
        ("Tie\u0302\u0301ng Vie\u0323\u0302t", "Tieng Viet"),  # NFD input
        ("café, naïve", "cafe, naive"),
        ("1.200.000đ (NĐ-CP)", "1.200.000d (ND-CP)"),
        ("thu tuc", "thu tuc"),
        ("", ""),
    ],
)
def test_fold_removes_marks_and_maps_d_stroke(text: str, expected: str) -> None:
    assert fold_diacritics(text) == expected


def test_fold_keeps_non_latin_scripts_composed() -> None:
    # NFD splits Hangul syllables into jamo; the result must be recomposed
    assert fold_diacritics("한국 Hà") == "한국 Ha"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("thu tuc cap giay phep", False),
        ("", False),
        ("123 ABC", False),
        ("đi", True),
        ("Đi", True),
        ("thủ tục", True),
        ("a\u0301", True),  # NFD
        ("ă", True),
        ("ơ", True),
        ("a", False),
    ],
)
def test_has_diacritics(text: str, expected: bool) -> None:
    assert has_diacritics(text) is expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thủ tục cấp giấy phép", 1.0),
        ("thu tuc cap giay phep", 0.0),
        ("thủ tục cap giay", 0.5),
        ("Điều 51 cho 52", 0.5),  # numbers are not syllables with letters
        ("2024 / 12", 0.0),
        ("", 0.0),
    ],
)
def test_diacritic_ratio_counts_marked_syllables_with_letters(text: str, expected: float) -> None:
    assert diacritic_ratio(text) == pytest.approx(expected)


def test_accented_prose_scores_well_above_unaccented() -> None:
    accented = "Người sử dụng đất được Nhà nước giao đất, cho thuê đất có quyền và nghĩa vụ theo quy định"
    assert diacritic_ratio(accented) > 0.6
    assert diacritic_ratio(fold_diacritics(accented)) == 0.0
