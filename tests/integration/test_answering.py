"""The Answerer on local adapters: cited extractive answers, plain refusals, the access filter."""

import re
from pathlib import Path

import pytest

from shared.domain.models import AccessLevel, SearchFilter
from shared.services.answering.extractive import ExtractiveGenerator
from shared.services.answering.sentences import coverage, split_sentences
from shared.services.answering.service import NO_ANSWER, Answerer
from shared.services.ingestion import TextSource
from tests.fakes.small_index import small_index

EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)


@pytest.fixture
def answerer(tmp_path: Path) -> Answerer:
    small = small_index(tmp_path)
    small.ingest([
        TextSource("nuoi", "Luật Nuôi con nuôi", "Điều 19. Thời hạn giải quyết\nThời hạn giải quyết việc nuôi "
                   "con nuôi là 30 ngày, kể từ ngày nhận đủ hồ sơ hợp lệ. Trường hợp cần xác minh thì được "
                   "gia hạn không quá 30 ngày."),
        TextSource("luong", "Quy chế lương", "Điều 3. Thưởng cuối năm\nThưởng cuối năm bằng hai tháng lương "
                   "cơ bản cho nhân viên hoàn thành nhiệm vụ.", access_level=AccessLevel.CONFIDENTIAL),
    ])
    return Answerer(retriever=small.retriever(), generator=ExtractiveGenerator(max_sentences=2), min_dense_score=0.99,
                    min_term_coverage=0.6)


def test_answer_quotes_the_passage_with_its_citation(answerer: Answerer) -> None:
    answer = answerer.answer("Thời hạn giải quyết việc nuôi con nuôi là bao nhiêu ngày?", filter=EVERYTHING)
    assert answer.found
    assert "30 ngày" in answer.text
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    assert cited and cited <= {c.number for c in answer.citations}
    assert answer.citations[0].hit.chunk.document_id == "nuoi"
    assert {"analyze", "embed", "search", "generate"} <= set(answer.timings_ms)


def test_unrelated_question_is_declined_plainly(answerer: Answerer) -> None:
    answer = answerer.answer("Giá vàng hôm nay tăng mạnh không?", filter=EVERYTHING)
    assert not answer.found and answer.text == NO_ANSWER and answer.citations == ()


def test_documents_above_the_callers_level_never_reach_the_answer(answerer: Answerer) -> None:
    answer = answerer.answer("Thưởng cuối năm bằng mấy tháng lương?", filter=SearchFilter(AccessLevel.INTERNAL))
    assert "hai tháng lương" not in answer.text
    assert all(c.hit.chunk.document_id != "luong" for c in answer.citations)
    allowed = answerer.answer("Thưởng cuối năm bằng mấy tháng lương?", filter=SearchFilter(AccessLevel.CONFIDENTIAL))
    assert allowed.found and "hai tháng lương" in allowed.text


def test_sentences_split_at_ends_not_inside_numbers() -> None:
    text = "Mức phạt từ 1.200.000 đồng đến 2.000.000 đồng. Theo Nghị định 100/2019/NĐ-CP. Hết"
    assert split_sentences(text) == ["Mức phạt từ 1.200.000 đồng đến 2.000.000 đồng.", "Theo Nghị định 100/2019/NĐ-CP."]


def test_coverage_ignores_marks_and_stopwords() -> None:
    assert coverage("thời hạn nuôi con", "Thoi han nuoi con nuoi") == 1.0
    assert coverage("và của là", "bất kỳ") == 0.0


def test_bao_nhieu_tien_asks_and_is_not_looked_for() -> None:
    """"bao nhiêu tiền?" asks for an amount: the fee table says "Mức phí (đồng): 100.000", not "tiền"."""
    row = "Dịch vụ: Gửi xe máy tại tầng hầm; Đơn vị tính: tháng; Mức phí (đồng): 100.000"
    for question in ("Phí gửi xe máy một tháng bao nhiêu tiền?", "Phi gui xe may mot thang bao nhieu tien?"):
        assert coverage(question, row) == 1.0
    assert coverage("Tiền phí gửi xe máy một tháng?", row) < 1.0  # "tiền" that does not ask is looked for


@pytest.mark.parametrize(("text", "expected"), [
    # a colon before lower-case words (including accented ones) does not end the sentence
    ("1. Nghỉ từ 01 đến 02 ngày: đăng ký trên hệ thống trước 01 ngày.",
     ["1. Nghỉ từ 01 đến 02 ngày: đăng ký trên hệ thống trước 01 ngày."]),
    # nor does a colon before a number that is a value, not a list marker
    ("1. Nghỉ hằng năm: 12 ngày làm việc. 2. Nghỉ việc riêng: kết hôn 03 ngày.",
     ["1. Nghỉ hằng năm: 12 ngày làm việc.", "2. Nghỉ việc riêng: kết hôn 03 ngày."]),
    ("Các loại nghỉ như sau: 1. Nghỉ hằng năm.", ["Các loại nghỉ như sau:", "1. Nghỉ hằng năm."]),
    # hard-wrapped lines are joined; list items and final punctuation still break
    ("Người lao động được nghỉ hằng năm\nđủ 12 tháng làm việc như sau:\na) 12 ngày làm việc;\nb) 14 ngày làm việc.",
     ["Người lao động được nghỉ hằng năm đủ 12 tháng làm việc như sau:", "a) 12 ngày làm việc;",
      "b) 14 ngày làm việc."]),
    ("Điều  này   áp dụng.  Ủy ban nhân dân cấp xã giải quyết.",
     ["Điều này áp dụng.", "Ủy ban nhân dân cấp xã giải quyết."]),
])
def test_sentence_splitting_rules(text: str, expected: list[str]) -> None:
    assert split_sentences(text) == expected


def test_a_sentence_introducing_a_list_is_quoted_with_its_items() -> None:
    from shared.services.answering.extractive import with_its_list

    items = ["a) 12 ngày làm việc đối với người làm công việc bình thường;", "b) 14 ngày làm việc đối với lao động "
             "chưa thành niên;", "2. Người lao động có dưới 12 tháng làm việc thì số ngày nghỉ tính theo tỷ lệ."]
    lead = "1. Người lao động làm việc đủ 12 tháng thì được nghỉ hằng năm như sau:"
    assert with_its_list(lead, items) == f"{lead} {items[0]} {items[1]}"
    assert with_its_list("Người lao động được nghỉ hằng năm.", items) == "Người lao động được nghỉ hằng năm."


def test_the_passage_holding_the_best_sentence_is_quoted_first() -> None:
    from shared.domain.models import Chunk, SearchHit

    def hit(document_id: str, text: str) -> SearchHit:
        return SearchHit(Chunk(id=document_id, document_id=document_id, ordinal=0, text=text), 1.0)

    passages = [
        hit("a", "Khi nghỉ hằng năm mà chưa đến kỳ trả lương, người lao động được tạm ứng tiền lương. "
                 "Người lao động đi đường trên 02 ngày được tính thêm thời gian đi đường."),
        hit("b", "Người lao động làm việc đủ 12 tháng được nghỉ hằng năm 12 ngày làm việc."),
    ]
    picked = ExtractiveGenerator(max_sentences=3).pick_sentences(
        "Người lao động được nghỉ hằng năm bao nhiêu ngày?", passages)
    assert picked[0] == (2, "Người lao động làm việc đủ 12 tháng được nghỉ hằng năm 12 ngày làm việc.")
    assert [number for number, _ in picked] == [2, 1, 1]
    first, second = (sentence for number, sentence in picked if number == 1)
    assert first.startswith("Khi nghỉ") and second.startswith("Người lao động đi đường")  # reading order
