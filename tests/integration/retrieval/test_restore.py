"""The corpus-learned diacritic restorer, its counts, and how the local index keeps them current."""

from __future__ import annotations

import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.services.retrieval.restore import DiacriticRestorer, SyllableCounts, needs_restoration
from shared.services.text.normalize import fold_diacritics
from tests.contract.search_index_contract import ANALYZER, EMBEDDER, make_chunk, vectors

CORPUS = [
    "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ tại đô thị.",
    "Người sử dụng đất được cấp giấy chứng nhận quyền sử dụng đất.",
    "Người lao động nghỉ việc được hưởng trợ cấp thôi việc theo quy định.",
    "Mức phạt tiền đối với hành vi vi phạm giao thông đường bộ.",
    "Đất nông nghiệp được giao cho hộ gia đình, cá nhân trực tiếp sản xuất.",
]


@pytest.fixture(scope="module")
def restorer() -> DiacriticRestorer:
    return DiacriticRestorer.from_counts(SyllableCounts.of_texts(CORPUS))


@pytest.mark.parametrize("accented", [
    "thủ tục cấp giấy phép xây dựng",
    "người lao động nghỉ việc được hưởng trợ cấp",
    "giấy chứng nhận quyền sử dụng đất",
    "mức phạt vi phạm giao thông đường bộ",
])
def test_restores_what_the_corpus_spells(restorer: DiacriticRestorer, accented: str) -> None:
    assert restorer.restore(fold_diacritics(accented)) == accented


def test_keeps_case_spacing_punctuation_and_unknown_words(restorer: DiacriticRestorer) -> None:
    restored = restorer.restore("Thu tuc cap GIAY PHEP  xay dung, abc 2024?")
    assert restored == "Thủ tục cấp GIẤY PHÉP  xây dựng, abc 2024?"


def test_the_words_that_ask_are_known_whatever_the_corpus_says() -> None:
    # Documents say "báo" and "nhiều", rarely "bao nhiêu": the question's own words must still come back.
    corpus = ["Cơ quan báo chí báo cáo nhiều nội dung.", "Báo cáo nhiều lần về phí gửi xe máy.", "Nhiều người đến đâu."]
    restorer = DiacriticRestorer.from_counts(SyllableCounts.of_texts(corpus))
    assert restorer.restore("phi gui xe may bao nhieu") == "phí gửi xe máy bao nhiêu"
    assert restorer.restore("xin giay o dau") == "xin giay ở đâu"  # words the corpus lacks stay as typed


def test_keeps_the_marks_that_were_typed(restorer: DiacriticRestorer) -> None:
    # "dát" is typed with its mark: kept, even though the corpus only knows "đất".
    assert restorer.restore("quyen su dung dát") == "quyền sử dụng dát"
    assert restorer.restore("người lao dong nghi viec") == "người lao động nghỉ việc"


def test_only_unaccented_questions_need_restoration() -> None:
    assert needs_restoration("thu tuc cap giay phep xay dung")
    assert needs_restoration("thủ tuc cap giay phep xay dung")  # one mark in six syllables
    assert not needs_restoration("Thủ tục cấp giấy phép xây dựng")
    assert not needs_restoration("Điều 51 BLHS quy định gì?")
    assert not needs_restoration("2024 / 123")


def test_counts_add_and_subtract_to_nothing() -> None:
    counts = SyllableCounts.of_texts(CORPUS)
    for text in CORPUS:
        counts.add_text(text, sign=-1)
    assert not +counts.unigrams and not +counts.bigrams
    assert not -counts.unigrams and not -counts.bigrams


def test_counts_pair_across_numbers_not_punctuation() -> None:
    counts = SyllableCounts.of_texts(["đất, nhà 5 ở"])
    assert counts.unigrams == Counter({"đất": 1, "nhà": 1, "ở": 1})
    assert counts.bigrams == Counter({"nhà ở": 1})


def test_snapshot_round_trip(tmp_path: Path) -> None:
    counts = SyllableCounts.of_texts(CORPUS * 2)
    counts.dump(tmp_path / "counts.json.gz")
    loaded = SyllableCounts.load(tmp_path / "counts.json.gz")
    assert loaded.unigrams == counts.unigrams
    assert loaded.bigrams == Counter({k: n for k, n in counts.bigrams.items() if n >= 2})
    restorer = DiacriticRestorer.from_counts(loaded)
    assert restorer.restore("thu tuc cap giay phep") == "thủ tục cấp giấy phép"


def _open(path: Path) -> LocalSearchIndex:
    return LocalSearchIndex(path, analyzer=ANALYZER, dimension=EMBEDDER.dimension, weights=Weights(0.35, 0.15, 0.5))


def _stored_counts(path: Path) -> tuple[dict, dict]:
    db = sqlite3.connect(path)
    try:
        return (dict(db.execute("SELECT form, n FROM syllable_unigrams")),
                dict(db.execute("SELECT pair, n FROM syllable_bigrams")))
    finally:
        db.close()


def _expected(chunks) -> tuple[dict, dict]:
    counts = SyllableCounts.of_texts(c.passage for c in chunks)
    return dict(+counts.unigrams), dict(+counts.bigrams)


def test_index_keeps_counts_through_upsert_replace_and_delete(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    index = _open(path)
    a = [make_chunk("a", i, text) for i, text in enumerate(CORPUS[:3])]
    b = [make_chunk("b", 0, CORPUS[3])]
    index.upsert(a + b, vectors(a + b))
    index.upsert(a[:1], vectors(a[:1]))  # the same chunk again: counted once
    assert _stored_counts(path) == _expected(a + b)
    new_a = [make_chunk("a", 0, CORPUS[4])]
    index.replace_document("a", new_a, vectors(new_a))
    assert _stored_counts(path) == _expected(new_a + b)
    index.delete_document("b")
    assert _stored_counts(path) == _expected(new_a)
    restorer = index.query_resources().restorer
    assert restorer.restore("dat nong nghiep") == "đất nông nghiệp"


def test_index_written_before_the_counts_is_counted_when_opened(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    chunks = [make_chunk("a", i, text) for i, text in enumerate(CORPUS)]
    _open(path).upsert(chunks, vectors(chunks))
    db = sqlite3.connect(path)
    with db:
        db.execute("DELETE FROM syllable_unigrams")
        db.execute("DELETE FROM meta WHERE key = 'syllable_counts'")
    db.close()
    _open(path)
    assert _stored_counts(path) == _expected(chunks)


def test_resources_follow_the_index(tmp_path: Path) -> None:
    index = _open(tmp_path / "index.sqlite")
    assert index.query_resources().restorer.restore("giay phep") == "giay phep"
    chunks = [make_chunk("a", 0, CORPUS[0])]
    index.upsert(chunks, vectors(chunks))
    assert index.query_resources().restorer.restore("giay phep") == "giấy phép"


def test_index_counts_export_as_a_snapshot(tmp_path: Path) -> None:
    index = _open(tmp_path / "index.sqlite")
    chunks = [make_chunk("a", i, text) for i, text in enumerate(CORPUS)]
    index.upsert(chunks, vectors(chunks))
    index.syllable_counts().dump(tmp_path / "counts.json.gz", min_bigram_count=1)
    loaded = SyllableCounts.load(tmp_path / "counts.json.gz")
    assert (dict(loaded.unigrams), dict(loaded.bigrams)) == _expected(chunks)
