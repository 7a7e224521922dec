"""normalize_text: NFC, one tone-mark placement, clean whitespace; idempotent; display text kept."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.services.text.normalize import normalize_for_match, normalize_text, syllables, unify_line_breaks

TONES = {"huyền": "\u0300", "sắc": "\u0301", "ngã": "\u0303", "hỏi": "\u0309", "nặng": "\u0323"}
CASINGS = [str.lower, str.title, str.upper]


def _mark(vowel: str, tone: str) -> str:
    return unicodedata.normalize("NFC", vowel + tone)


def _open_rhyme_cases() -> list[tuple[str, str]]:
    """Every open oa/oe/uy rhyme, every tone, several onsets and casings: (second-vowel, first-vowel)."""
    cases = []
    for nucleus in ("oa", "oe", "uy"):
        for tone in TONES.values():
            for onset in ("", "h", "kh", "t", "th", "x", "ng", "l", "đ"):
                modern = onset + nucleus[0] + _mark(nucleus[1], tone)
                traditional = onset + _mark(nucleus[0], tone) + nucleus[1]
                cases += [(case(modern), case(traditional)) for case in CASINGS]
    return cases


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Tie\u0302\u0301ng Vie\u0323\u0302t", "Tiếng Việt"),
        ("Ngu\u031bo\u031b\u0300i", "Người"),
        ("D\u0302\u0301", "D\u0302\u0301"),  # no composed form exists: NFC keeps the marks
        ("A\u0306\u0301N", "ẮN"),
    ],
)
def test_decomposed_input_is_composed(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(("modern", "traditional"), _open_rhyme_cases())
def test_open_oa_oe_uy_take_the_mark_on_the_first_vowel(modern: str, traditional: str) -> None:
    # Given the same syllable in both placements / Then both normalise to the first-vowel one
    assert normalize_text(modern) == traditional
    assert normalize_text(traditional) == traditional


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("hoà", "hòa"), ("thuý", "thúy"), ("hoá", "hóa"), ("khoẻ", "khỏe"), ("uỷ ban", "ủy ban"),
        ("Uỷ ban", "Ủy ban"), ("UỶ BAN", "ỦY BAN"), ("tuỳ", "tùy"), ("luỹ", "lũy"), ("thuỷ", "thủy"),
        ("toà án", "tòa án"), ("thoả thuận", "thỏa thuận"), ("xoá", "xóa"), ("hoạ", "họa"), ("loè", "lòe"),
        ("Hoà Bình", "Hòa Bình"), ("HOÀ BÌNH", "HÒA BÌNH"), ("hOà", "hÒa"), ("oà", "òa"), ("Oà", "Òa"),
        ("Khánh Hoà", "Khánh Hòa"), ("chuyển hoá", "chuyển hóa"), ("sức khoẻ", "sức khỏe"),
    ],
)
def test_second_vowel_placement_is_rewritten(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize(
    "word",
    [
        # qu and gi are onsets: their u / i never carries the mark
        "quý", "Quý", "QUÝ", "quỳ", "quỷ", "quỹ", "quỵ", "quả", "quà", "quá", "quạ", "què", "quế", "quở",
        "quyết", "quyển", "quỳnh", "quốc", "quán", "quái", "quầy", "quẹo",
        "giá", "già", "giả", "giã", "giạ", "giỏi", "giữ", "giữa", "giũa", "giấy", "giường", "giếng", "giúp",
        "gì", "gìn", "Gìn",
        # a final consonant or glide fixes the place in both placements
        "hoàng", "Hoàng", "HOÀNG", "thuyết", "khoảng", "hoạch", "toán", "khoét", "huỳnh", "huýt", "xoóng",
        "ngoài", "xoáy", "khuỷu", "ngoẹo", "khuấy", "hoặc",
        # quality vowels take the mark
        "người", "rượu", "thuở", "chuyện", "yêu", "tiếu", "chuối", "mưa", "cứu", "gửi", "thuế", "huệ",
        # first of two vowels
        "mùa", "của", "mía", "kìa", "cái", "sáo", "sáu", "máy", "kéo", "túi", "tói", "chịu", "ủy", "Thủy",
        # single vowels and foreign words
        "ý", "Ý", "ở", "Nguyễn", "café", "José", "mililít", "Ðiều",
    ],
)
def test_words_already_canonical_stay_unchanged(word: str) -> None:
    expected = word.replace("Ð", "Đ")
    assert normalize_text(word) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("qúa", "quá"), ("qúy", "quý"), ("gìa", "già"), ("muà", "mùa"), ("hòang", "hoàng"), ("ngòai", "ngoài")],
)
def test_misplaced_marks_move_to_the_canonical_vowel(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


@pytest.mark.parametrize("word", ["hóà", "hoa\u0301\u0300", "ee\u0301", "hoạ\u0300"])
def test_syllables_that_do_not_parse_are_left_alone(word: str) -> None:
    # two tone marks, an impossible rhyme, or a stray mark: nothing to decide, so nothing changes
    assert normalize_text(word) == unicodedata.normalize("NFC", word)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Luật\u00a0Đất\u00a0đai", "Luật Đất đai"),  # NBSP
        ("Đất\u200bđai", "Đấtđai"),  # zero-width space: invisible, so removed
        ("chứng\u00adnhận", "chứngnhận"),  # soft hyphen
        ("\ufeffĐiều 1", "Điều 1"),  # BOM
        ("a\u200c\u200d\u2060b", "ab"),
        ("Điều\t1", "Điều 1"),
        ("Điều\x001", "Điều 1"),  # other control characters become a space
        ("a\u2003b\u3000c\u202fd", "a b c d"),
        ("nhiều    khoảng   trắng", "nhiều khoảng trắng"),
        ("  hai đầu  ", "hai đầu"),
        ("dòng 1  \n   dòng 2", "dòng 1\ndòng 2"),
        ("a\r\nb\rc", "a\nb\nc"),
        ("a\u2028b\u2029c\x85d", "a\nb\nc\nd"),
        ("a\fb\vc", "a\nb\nc"),
        ("đoạn 1\n\n\n\n\nđoạn 2", "đoạn 1\n\nđoạn 2"),
        ("đoạn 1\n \n\t\n \nđoạn 2", "đoạn 1\n\nđoạn 2"),
        ("đoạn 1\n\nđoạn 2", "đoạn 1\n\nđoạn 2"),
        ("\n\n  mở đầu\n\n", "mở đầu"),
        ("", ""),
        (" \t\n\u00a0\u200b ", ""),
    ],
)
def test_whitespace_and_control_characters_are_cleaned(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_every_control_format_and_space_character_is_handled() -> None:
    # Given every code point that is a control (Cc), format (Cf), surrogate or separator (Z*)
    kinds = {"Cc", "Cf", "Cs", "Zs", "Zl", "Zp"}
    odd = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in kinds]
    # When each sits between two letters / Then it becomes a space, a line break or nothing
    for ch in odd:
        assert normalize_text(f"a{ch}b") in {"a b", "a\nb", "ab"}, f"U+{ord(ch):04X}"


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("ＡＢＣ１２３！", "ABC123!"),
        ("ｈｏá ｄơｎ", "hóa dơn"),
        ("Điều\u3000５", "Điều 5"),
        ("（ｘ）～｛｝", "(x)~{}"),
    ],
)
def test_full_width_ascii_becomes_ascii(raw: str, expected: str) -> None:
    assert normalize_text(raw) == expected


def test_eth_becomes_vietnamese_d_stroke() -> None:
    assert normalize_text("ÐIỀU 1. Ðối tượng") == "ĐIỀU 1. Đối tượng"


@pytest.mark.parametrize(
    "text",
    ["Điều 51 Bộ luật Hình sự (sửa đổi, bổ sung năm 2017): “Người phạm tội...”", "NĐ-CP; 1.200.000đ!"],
)
def test_case_and_punctuation_are_kept(text: str) -> None:
    assert normalize_text(text) == text


def test_normalize_for_match_lowercases_the_normal_form() -> None:
    assert normalize_for_match("  Uỷ Ban  NHÂN DÂN ") == "ủy ban nhân dân"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Thủ tục, cấp giấy-phép!", ["thủ", "tục", "cấp", "giấy", "phép"]),
        ("Điều 51 BLHS 2015", ["điều", "51", "blhs", "2015"]),
        ("giấy_phép xây_dựng", ["giấy", "phép", "xây", "dựng"]),
        ("Tie\u0302\u0301ng", ["tiếng"]),
        ("1.200.000đ", ["1", "200", "000đ"]),
        ("... -- !!", []),
        ("", []),
    ],
)
def test_syllables_are_lowercase_alphanumeric_runs(text: str, expected: list[str]) -> None:
    assert syllables(text) == expected


VIETNAMESE_SAMPLE = st.text(
    alphabet=st.sampled_from(
        list("aăâeêioôơuưyAĂÂEÊIOÔƠUƯYbcdđghklmnpqrstvxĐQG")
        + ["\u0300", "\u0301", "\u0303", "\u0309", "\u0323", "\u0302", "\u0306", "\u031b"]
        + [" ", "\n", "\t", "\u00a0", "\u200b", "\u00ad", "\r", ".", ",", "1", "Ð", "Ａ", "ｈ"]
    ),
    max_size=40,
)


@pytest.mark.parametrize(
    "text",
    ["hoà thuý khoẻ", "Tie\u0302\u0301ng  Vie\u0323\u0302t\n\n\n", "hoạ\u0300", "a\u200b\u0301", "ｈｏà", ""],
)
def test_normalize_is_idempotent_on_examples(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(VIETNAMESE_SAMPLE)
def test_normalize_is_idempotent_on_vietnamese_like_text(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once


@given(st.text())
def test_normalize_is_idempotent_on_any_text(text: str) -> None:
    once = normalize_text(text)
    assert normalize_text(once) == once
    assert unicodedata.is_normalized("NFC", once)


def test_unify_line_breaks_makes_every_kind_one_newline() -> None:
    # CRLF is one break, not two; a lone CR, VT, FF, NEL and the Unicode separators are each one.
    assert unify_line_breaks("a\r\nb\rc\x0bd\x0ce\x85f\u2028g\u2029h\n\ni") == "a\nb\nc\nd\ne\nf\ng\nh\n\ni"
    assert unify_line_breaks("\r\n\r\n") == "\n\n"
