"""LexicalAnalyzer: the terms every lexical index and every question are reduced to."""

from __future__ import annotations

import unicodedata

import pytest

from shared.services.text.analysis import LexicalAnalyzer
from shared.services.text.stopwords import STOPWORDS


def test_index_terms_are_lowercase_segmented_words(analyzer: LexicalAnalyzer) -> None:
    # Given a sentence with compounds and punctuation
    terms = analyzer.index_terms("Thủ tục cấp Giấy phép xây dựng, theo Nghị định 15/2020/NĐ-CP.")
    # Then compounds keep `_`, everything is lower-case, punctuation is gone
    assert terms == ["thủ_tục", "cấp", "giấy_phép", "xây_dựng", "theo", "nghị_định", "15", "2020", "nđ", "cp"]


@pytest.mark.parametrize("text", ["...", " , ; ", "“ ” – …", "!!! ==> __", ""])
def test_pure_punctuation_gives_no_terms(analyzer: LexicalAnalyzer, text: str) -> None:
    assert analyzer.index_terms(text) == []


def test_index_terms_keep_numbers_emails_and_urls(analyzer: LexicalAnalyzer) -> None:
    terms = analyzer.index_terms("Giá 1.200.000đ, gửi Phong.PC@moj.gov.vn")
    assert terms == ["giá", "1.200.000", "đ", "gửi", "phong.pc@moj.gov.vn"]


def test_index_terms_do_not_depend_on_tone_placement(analyzer: LexicalAnalyzer) -> None:
    assert analyzer.index_terms("Uỷ ban hoà giải") == analyzer.index_terms("Ủy ban hòa giải")


def test_index_terms_do_not_depend_on_unicode_composition(analyzer: LexicalAnalyzer) -> None:
    text = "Người sử dụng đất được cấp Giấy chứng nhận"
    assert analyzer.index_terms(unicodedata.normalize("NFD", text)) == analyzer.index_terms(text)


def test_index_terms_ignore_odd_whitespace(analyzer: LexicalAnalyzer) -> None:
    odd = "giấy\u00a0phép\u200b  xây\tdựng"
    assert analyzer.index_terms(odd) == analyzer.index_terms("giấy phép xây dựng")


def test_hard_wrapped_lines_do_not_split_compounds(analyzer: LexicalAnalyzer) -> None:
    # Given a source that wraps a line inside a compound (pyvi alone gives "thành \n_niên")
    assert analyzer.index_terms("Con nuôi đã thành\r\nniên.") == ["con_nuôi", "đã", "thành_niên"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [("theo Nghị định 15/2020/NĐ-CP.", "cp"), ("tại TP. Hồ Chí Minh", "tp"), ("xem https://x.vn/a.", "https://x.vn/a")],
)
def test_punctuation_is_trimmed_off_term_ends(analyzer: LexicalAnalyzer, text: str, expected: str) -> None:
    # pyvi glues a full stop to capitals and URLs; the term must match the bare word in a question
    assert expected in analyzer.index_terms(text)


def test_stopwords_are_kept(analyzer: LexicalAnalyzer) -> None:
    terms = analyzer.index_terms("quyền và nghĩa vụ của các bên")
    assert {"và", "của", "các"} <= set(terms)


def test_query_terms_match_index_terms(analyzer: LexicalAnalyzer) -> None:
    question = "Thời hạn giải quyết hồ sơ nhận con nuôi là bao nhiêu ngày?"
    assert analyzer.query_terms(question) == analyzer.index_terms(question)


def test_folded_terms_are_unigrams_then_bigrams(analyzer: LexicalAnalyzer) -> None:
    assert analyzer.folded_terms("Thủ tục cấp giấy phép!") == [
        "thu", "tuc", "cap", "giay", "phep", "thu_tuc", "tuc_cap", "cap_giay", "giay_phep",
    ]


def test_folded_terms_of_accented_and_unaccented_text_agree(analyzer: LexicalAnalyzer) -> None:
    accented = "Đăng ký kết hôn có yếu tố nước ngoài"
    assert analyzer.folded_terms(accented) == analyzer.folded_terms("dang ky ket hon co yeu to nuoc ngoai")


@pytest.mark.parametrize(("text", "expected"), [("", []), ("Điều", ["dieu"]), (" ; ", [])])
def test_folded_terms_of_short_text(analyzer: LexicalAnalyzer, text: str, expected: list[str]) -> None:
    assert analyzer.folded_terms(text) == expected


def test_no_term_contains_whitespace(analyzer: LexicalAnalyzer) -> None:
    # the local index stores terms space-joined, so a term must never hold a space or a break
    text = "Cơ quan thuế\n\nĐiều 1.\tKhoản 1\r\n2. Con nuôi đã thành\nniên  và  TP. HCM"
    for term in analyzer.index_terms(text) + analyzer.folded_terms(text):
        assert term and not any(ch.isspace() for ch in term)


def test_stopword_list_is_in_match_form() -> None:
    assert {"và", "của", "là", "các", "những", "được", "cho", "có", "trong"} <= STOPWORDS
    assert all(w == unicodedata.normalize("NFC", w).lower() and " " not in w for w in STOPWORDS)
