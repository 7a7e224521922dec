"""The direct answer: the fact asked for first, by meaning, words and the kind of fact; every word quoted."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from shared.domain.models import AccessLevel, Chunk, SearchFilter, SearchHit
from shared.services.answering.cues import asked_cues, asked_extreme, asked_provision, cue_match
from shared.services.answering.direct import Candidate, DirectAnswerGenerator
from shared.services.answering.sentences import QuestionWords, clauses, content_syllables
from shared.services.answering.service import NO_ANSWER, Answerer
from shared.services.ingestion import TextSource
from tests.fakes.small_index import small_index

QUESTION = "Người lao động được nghỉ hằng năm bao nhiêu ngày?"
LEAVE = [  # the sentence that answers comes second in its passage, after one sharing more words
    "Khi thôi việc, người lao động được nghỉ hằng năm mà chưa nghỉ thì được thanh toán tiền lương cho những "
    "ngày chưa nghỉ.",
    "Người lao động làm việc đủ 12 tháng thì được nghỉ hằng năm 12 ngày làm việc.",
]


def hit(number: int, text: str) -> SearchHit:
    return SearchHit(Chunk(id=f"c{number}", document_id=f"d{number}", ordinal=0, text=text), 1.0)


def first_statement(answer: str) -> str:
    return answer[: answer.index("[")]


@pytest.mark.parametrize(("question", "kinds"), [
    ("Thời hiệu yêu cầu bồi thường thiệt hại là bao lâu?", {"duration"}),
    ("Người thành niên là người bao nhiêu tuổi?", {"amount:tuổi"}),
    ("Tiền lương ít nhất bằng bao nhiêu phần trăm lương cũ?", {"amount:phần"}),
    ("Hành vi chống người thi hành công vụ bị phạt như thế nào?", {"penalty"}),
    ("Cơ quan nào có thẩm quyền cấp giấy phép?", {"body"}),
    ("Vợ chồng đã có con ruột thì có được nhận con nuôi hay không?", {"permission"}),
    ("Tên gọi của pháp nhân được quy định ra sao?", set()),
    ("Theo Bộ luật Dân sự 2015, người chưa thành niên là người như thế nào?", {"definition"}),
    ("Theo luật về thời hạn, khi khoảng thời gian diễn ra không liền nhau, một giờ được tính là?", {"definition"}),
    ("Người chống người thi hành công vụ bị xử lý như thế nào?", {"penalty"}),
    ("Quyết định cá biệt bị hủy thì quyền dân sự bị xâm phạm được xử lý như thế nào?", set()),
])
def test_the_kind_of_fact_a_question_asks_for(question: str, kinds: set[str]) -> None:
    assert {cue.kind for cue in asked_cues(question.lower())} == kinds


def test_a_sentence_states_the_kind_asked_for_in_its_unit() -> None:
    days = asked_cues("nghỉ bao nhiêu ngày?")
    assert cue_match(days, "được nghỉ 12 ngày làm việc") == 1.0
    assert cue_match(days, "làm việc đủ 12 tháng") == 0.0  # a number, but of months
    # how the number of days is reckoned answers "bao nhiêu ngày?" too
    assert cue_match(days, "thì số ngày nghỉ hằng năm theo tỷ lệ tương ứng với số tháng làm việc") == 1.0
    assert cue_match(days, "số ngày nghỉ được ghi vào sổ") == 0.0
    assert cue_match(asked_cues("là bao lâu?"), "thời hiệu là 03 năm") == 1.0
    assert cue_match(asked_cues("bị phạt thế nào?"), "thì bị phạt tù từ 01 năm đến 05 năm") == 1.0
    assert cue_match(asked_cues("được bao nhiêu?"), "theo quy định tại điều 15") == 0.0  # an article, not an amount
    assert cue_match((), "bất kỳ câu nào") == 0.0
    defined = asked_cues("theo bộ luật hình sự 2017, hình phạt là gì?")
    assert cue_match(defined, "1. hình phạt là biện pháp cưỡng chế nghiêm khắc nhất của nhà nước") == 1.0
    assert cue_match(defined, "phạt tiền được áp dụng là hình phạt chính") == 0.0  # mentions it, does not define it


def test_the_answer_opens_with_the_fact_and_its_citation() -> None:
    passages = [hit(1, "Điều 113. Nghỉ hằng năm\n\n" + " ".join(reversed(LEAVE))), hit(2, LEAVE[0])]
    answer = "".join(DirectAnswerGenerator().generate(QUESTION, passages))
    assert "12 ngày làm việc" in first_statement(answer)
    assert answer.startswith("Người lao động làm việc đủ 12 tháng") and "[1]" in answer
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", answer)}
    assert cited <= {1, 2}


def test_every_statement_is_quoted_from_a_passage() -> None:
    passages = [hit(1, " ".join(LEAVE)), hit(2, "Người sử dụng lao động quy định lịch nghỉ hằng năm sau khi tham "
                                               "khảo ý kiến của người lao động.")]
    answer = "".join(DirectAnswerGenerator().generate(QUESTION, passages))
    statements = [s.strip() for s in re.split(r"\[\d+\]", answer) if s.strip()]
    assert statements and all(any(s in p.chunk.text for p in passages) for s in statements)


def test_further_quotations_stop_at_the_length_budget() -> None:
    long_one = "Người lao động được nghỉ hằng năm " + "theo lịch do người sử dụng lao động quy định " * 8 + "."
    passages = [hit(1, LEAVE[1]), hit(2, long_one), hit(3, LEAVE[0])]
    answer = "".join(DirectAnswerGenerator(max_chars=250).generate(QUESTION, passages))
    assert answer.startswith(LEAVE[1]) and long_one not in answer and LEAVE[0] in answer


OFFENCE = Chunk(id="c256", document_id="blhs-256", ordinal=0,
                headings=("Bộ luật Hình sự, Điều 256", "Tội chứa chấp việc sử dụng trái phép chất ma túy"),
                text="1. Người nào cho thuê, cho mượn địa điểm chứa chấp việc sử dụng trái phép chất ma túy, thì bị "
                     "phạt tù từ 02 năm đến 07 năm.\n\n2. Phạm tội thuộc một trong các trường hợp sau đây, thì bị "
                     "phạt tù từ 07 năm đến 15 năm:\n\na) Phạm tội 02 lần trở lên;\n\nb) Đối với người dưới 16 tuổi;"
                     "\n\nc) Tái phạm nguy hiểm.\n\n3. Người chuẩn bị phạm tội này, thì bị phạt tù từ 01 năm "
                     "đến 05 năm.")


def test_a_list_item_is_quoted_after_the_sentence_that_opens_its_list() -> None:
    question = ("Người cho thuê địa điểm chứa chấp việc sử dụng trái phép chất ma túy mà tái phạm nguy hiểm thì bị "
                "phạt thế nào?")
    statement = first_statement("".join(DirectAnswerGenerator().generate(question, [SearchHit(OFFENCE, 1.0)])))
    assert "từ 07 năm đến 15 năm" in statement and statement.rstrip().endswith("c) Tái phạm nguy hiểm.")
    assert all(piece.strip() in " ".join(OFFENCE.text.split()) for piece in statement.split("…"))  # quoted, not written


def test_a_later_clause_is_read_with_the_offence_its_article_names() -> None:
    question = ("Người chuẩn bị phạm tội cho thuê địa điểm chứa chấp việc sử dụng trái phép chất ma túy bị phạt tù "
                "bao lâu?")
    answer = "".join(DirectAnswerGenerator().generate(question, [SearchHit(OFFENCE, 1.0)]))
    assert "từ 01 năm đến 05 năm" in first_statement(answer)


@pytest.mark.parametrize(("question", "expected"), [
    ("Cho thuê, cho mượn địa điểm chứa chấp việc sử dụng trái phép chất ma túy có thể bị phạt tù tối đa bao "
     "nhiêu năm?", "từ 07 năm đến 15 năm"),
    ("Người cho thuê địa điểm chứa chấp việc sử dụng trái phép chất ma túy bị phạt tù tối thiểu bao nhiêu năm?",
     "từ 02 năm đến 07 năm"),  # the least for the offence: preparing it is graded apart
    ("Người chuẩn bị phạm tội cho thuê địa điểm chứa chấp việc sử dụng trái phép chất ma túy bị phạt tù tối thiểu "
     "bao nhiêu năm?", "từ 01 năm đến 05 năm"),
])
def test_the_most_or_the_least_is_the_grade_that_states_it(question: str, expected: str) -> None:
    answer = "".join(DirectAnswerGenerator().generate(question, [SearchHit(OFFENCE, 1.0)]))
    assert expected in first_statement(answer)


def test_the_most_severe_grade_counts_penalties_not_the_amounts_of_a_condition() -> None:
    most = asked_extreme("bị phạt tiền tối đa bao nhiêu?")
    assert most is not None and most.money
    assert most.measure("thì bị phạt tiền từ 10.000.000 đồng đến 100.000.000 đồng") == 100_000_000
    assert most.measure("b) thu lợi bất chính 200.000.000 đồng trở lên") is None  # a condition, not a fine
    term = asked_extreme("bị phạt tù tối đa bao nhiêu năm?")
    assert term is not None and not term.money
    assert term.measure("phạt cải tạo không giam giữ đến 03 năm hoặc phạt tù từ 06 tháng đến 02 năm") == 36
    assert term.measure("phạt tù từ 12 năm đến 20 năm hoặc tù chung thân") > term.measure("phạt tù 20 năm")
    assert asked_extreme("mức khấu trừ tối đa là bao nhiêu?") is None  # a share, not a term or a fine
    assert asked_extreme("bị phạt tù từ bao nhiêu đến bao nhiêu năm?") is None


def test_a_number_is_one_word_whatever_its_zeros_and_a_quantity_another() -> None:
    question = ("Người có trách nhiệm mà cố ý bỏ nhiều hơn 2 thương binh tại trận địa dẫn đến thương binh bị chết thì "
                "bị phạt tù từ bao nhiêu đến bao nhiêu năm?")
    article = SearchHit(Chunk(
        id="c417", document_id="blhs-417", ordinal=0,
        headings=("Bộ luật Hình sự, Điều 417",
                  "Tội cố ý bỏ thương binh, tử sỹ hoặc không chăm sóc, cứu chữa thương binh"),
        text="1. Người nào có trách nhiệm mà cố ý bỏ thương binh, tử sĩ tại trận địa hoặc không chăm sóc, cứu chữa "
             "thương binh dẫn đến không tìm thấy thương binh, tử sỹ hoặc thương binh bị chết, thì bị phạt cải tạo "
             "không giam giữ đến 03 năm hoặc phạt tù từ 06 tháng đến 05 năm.\n\n2. Phạm tội thuộc một trong các "
             "trường hợp sau đây, thì bị phạt tù từ 03 năm đến 10 năm:\n\na) Là chỉ huy hoặc sĩ quan;\n\n"
             "b) Đối với 02 thương binh hoặc 02 tử sỹ trở lên."), 1.0)
    answer = "".join(DirectAnswerGenerator().generate(question, [article]))
    assert "từ 03 năm đến 10 năm" in first_statement(answer)  # "2 thương binh" meets "02 thương binh"
    quantities = {"2", "2 nguoi", "5000000", "5000000 dong", "31", "31 %"}
    assert quantities <= content_syllables("2 người, 5.000.000 đồng, 31%")
    assert "000" not in content_syllables("5.000.000 đồng")
    assert "3 người" in content_syllables("làm chết 03 người", fold=False)
    assert "3 người" not in content_syllables("phạt tù đến 03 năm đối với người", fold=False)


def test_a_definition_asked_in_a_last_clause_is_the_list_item_that_gives_it() -> None:
    units = ["Một năm là ba trăm sáu mươi lăm ngày", "Nửa năm là sáu tháng", "Một tháng là ba mươi ngày",
             "Nửa tháng là mười lăm ngày", "Một tuần là bảy ngày", "Một ngày là hai mươi tư giờ",
             "Một giờ là sáu mươi phút", "Một phút là sáu mươi giây"]  # more items than a list opener shows
    items = ";\n\n".join(f"{letter}) {unit}" for letter, unit in zip("abcdeghi", units, strict=True))
    terms = hit(1, "1. Trường hợp các bên có thỏa thuận về thời hạn mà khoảng thời gian diễn ra không liền nhau "
                   f"thì thời hạn đó được tính như sau:\n\n{items}.")
    question = "Theo luật về thời hạn, khi khoảng thời gian diễn ra không liền nhau, một phút được tính là?"
    statement = first_statement("".join(DirectAnswerGenerator().generate(question, [terms])))
    assert statement.rstrip().endswith("i) Một phút là sáu mươi giây.")


def test_a_negation_in_the_question_is_looked_for_but_the_yes_no_particle_is_not() -> None:
    payment = SearchHit(Chunk(
        id="c440", document_id="blds-440", ordinal=0, headings=("Bộ luật dân sự, Điều 440", "Nghĩa vụ trả tiền"),
        text="1. Bên mua có nghĩa vụ thanh toán tiền theo thời hạn, địa điểm và mức tiền được quy định trong hợp "
             "đồng.\n\n2. Trường hợp các bên chỉ có thỏa thuận về thời hạn giao tài sản thì thời hạn thanh toán tiền "
             "cũng được xác định tương ứng với thời hạn giao tài sản. Nếu các bên không có thỏa thuận về thời hạn giao "
             "tài sản và thời hạn thanh toán tiền thì bên mua phải thanh toán tiền tại thời điểm nhận tài sản."), 1.0)
    question = ("Bên mua cần thanh toán tiền lúc nào trong trường hợp các bên không có thoả thuận về thời gian giao "
                "tài sản và thời hạn thanh toán?")
    answer = "".join(DirectAnswerGenerator().generate(question, [payment]))
    assert "tại thời điểm nhận tài sản" in first_statement(answer)
    assert "khong" not in QuestionWords.of("co duoc nhan con nuoi khong?").syllables
    assert "khong" in QuestionWords.of("khi cac ben khong co thoa thuan?").syllables


def test_an_item_of_a_list_already_quoted_with_its_items_is_not_quoted_again() -> None:
    rights = hit(1, "Quyền khác đối với tài sản bao gồm:\na) Quyền đối với bất động sản liền kề;\nb) Quyền hưởng "
                    "dụng;\nc) Quyền bề mặt.")
    answer = "".join(DirectAnswerGenerator().generate(
        "Quyền khác đối với tài sản bao gồm quyền hưởng dụng, quyền bề mặt và quyền nào?", [rights]))
    assert first_statement(answer).endswith("c) Quyền bề mặt. ")
    assert answer.count("Quyền bề mặt") == 1 and answer.count("Quyền hưởng dụng") == 1


def test_the_source_a_question_names_does_not_choose_the_sentence() -> None:
    scope = hit(1, "Bộ luật này quy định về tội phạm và hình phạt.")
    purpose = SearchHit(Chunk(id="c31", document_id="d31", ordinal=0, headings=("Điều 31. Mục đích của hình phạt",),
                              text="Hình phạt không chỉ nhằm trừng trị người phạm tội mà còn giáo dục họ ý thức "
                                   "tuân theo pháp luật."), 1.0)
    answer = "".join(DirectAnswerGenerator().generate("Theo Bộ luật Hình sự 2017, mục đích của hình phạt là gì?",
                                                      [scope, purpose]))
    assert first_statement(answer).startswith("Hình phạt không chỉ nhằm trừng trị")


def test_a_leading_list_marker_is_dropped_from_the_statement() -> None:
    answer = "".join(DirectAnswerGenerator().generate(QUESTION, [hit(1, "1. " + LEAVE[1])]))
    assert answer == f"{LEAVE[1]} [1]"


class FakeVectors:
    """Sentence vectors by text: a fixed direction for the sentences named, another for the rest."""

    def __init__(self, close: set[str], *, cached: bool = True) -> None:
        self.close, self.cached, self.embedded = close, cached, []

    def vector(self, text: str) -> np.ndarray:
        return np.array([1.0, 0.0], dtype=np.float32) if text in self.close else np.array([0.0, 1.0], np.float32)

    def embed_passages(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return np.stack([self.vector(t) for t in texts])

    def cached_passages(self, texts: Sequence[str]) -> np.ndarray | None:
        return np.stack([self.vector(t) for t in texts]) if self.cached else None


def test_meaning_picks_the_answer_that_shares_fewer_words() -> None:
    question = "Người lao động nghỉ hằng năm ra sao?"  # no kind of fact: words against meaning
    wordy = "Lịch nghỉ hằng năm được thông báo trước cho người lao động."
    meant = "Người làm công việc nặng nhọc có 14 ngày làm việc mỗi năm."
    passages = [hit(1, f"{wordy} {meant}")]
    without = DirectAnswerGenerator().rank(question, passages)
    with_meaning = DirectAnswerGenerator(vectors=FakeVectors({meant})).rank(
        question, passages, question_vector=np.array([1.0, 0.0], dtype=np.float32))
    assert without[0].text == wordy and with_meaning[0].text == meant
    uncached = DirectAnswerGenerator(vectors=FakeVectors({meant}, cached=False)).rank(
        question, passages, question_vector=np.array([1.0, 0.0], dtype=np.float32))
    assert uncached[0].text == wordy  # no vectors at hand: words and kind alone, never the model at query time


def test_prepare_embeds_each_quotable_sentence_once() -> None:
    vectors = FakeVectors(set())
    chunk = Chunk(id="c", document_id="d", ordinal=0,
                  text="Được nghỉ như sau:\na) 12 ngày làm việc;\nb) 14 ngày làm việc.")
    DirectAnswerGenerator(vectors=vectors).prepare([chunk, chunk])
    assert vectors.embedded == ["Được nghỉ như sau: a) 12 ngày làm việc; b) 14 ngày làm việc.",
                                "Được nghỉ như sau: a) 12 ngày làm việc;", "Được nghỉ như sau: … b) 14 ngày làm việc."]


def test_a_question_with_no_content_words_gets_nothing() -> None:
    assert list(DirectAnswerGenerator().generate("là gì?", [hit(1, LEAVE[1])])) == []


@pytest.fixture
def answerer(tmp_path: Path) -> tuple[Answerer, list[Sequence[Chunk]]]:
    small = small_index(tmp_path)
    prepared: list[Sequence[Chunk]] = []
    small.ingestor(prepare_answers=prepared.append).ingest_texts([
        TextSource("bld", "Bộ luật Lao động", "Điều 113. Nghỉ hằng năm\n" + " ".join(LEAVE)),
        TextSource("cn", "Luật Nuôi con nuôi", "Điều 19. Thời hạn giải quyết việc nuôi con nuôi "
                   "là 30 ngày, kể từ ngày nhận đủ hồ sơ hợp lệ."),
    ])
    return Answerer(retriever=small.retriever(), generator=DirectAnswerGenerator(), min_dense_score=0.99,
                    min_term_coverage=0.6), prepared


def test_the_answerer_answers_directly_and_still_declines(answerer) -> None:
    service, prepared = answerer
    assert sorted(c.document_id for group in prepared for c in group) == ["bld", "cn"]
    everything = SearchFilter(AccessLevel.RESTRICTED)
    answer = service.answer(QUESTION, filter=everything, top_k=2)
    assert answer.found and "12 ngày làm việc" in first_statement(answer.text)
    declined = service.answer("Giá vàng hôm nay tăng mạnh không?", filter=everything)
    assert not declined.found and declined.text == NO_ANSWER


def test_a_failure_while_preparing_answers_does_not_fail_the_document(tmp_path: Path) -> None:
    small = small_index(tmp_path)

    def broken(chunks: Sequence[Chunk]) -> None:
        raise RuntimeError("model crashed")

    [document] = small.ingestor(prepare_answers=broken).ingest_texts([TextSource("bld", "Bộ luật Lao động", LEAVE[1])])
    assert document.status.value == "indexed" and small.index.count() == 1


FEES = ("BIỂU PHÍ DỊCH VỤ NỘI BỘ\nDịch vụ | Đơn vị tính | Mức phí (đồng)\n"
        "Dịch vụ: Gửi xe máy tại tầng hầm; Đơn vị tính: tháng; Mức phí (đồng): 100.000\n"
        "Dịch vụ: Gửi ô tô tại tầng hầm; Đơn vị tính: tháng; Mức phí (đồng): 1.200.000; Ghi chú: Theo thứ tự đăng ký")


def test_a_table_row_is_one_statement_with_its_labels() -> None:
    from shared.services.answering.sentences import split_sentences
    rows = split_sentences(FEES)
    assert rows[1:] == FEES.split("\n")[2:]  # each row whole, and two rows never joined
    answer = "".join(DirectAnswerGenerator().generate("Phí gửi ô tô tại tầng hầm là bao nhiêu?", [hit(1, FEES)]))
    assert "Gửi ô tô tại tầng hầm" in first_statement(answer) and "1.200.000" in first_statement(answer)


@pytest.mark.parametrize("question", ["Phí gửi ô tô tại tầng hầm là bao nhiêu?",
                                      "Mức phí gửi ô tô tại tầng hầm ra sao?", "phi gui o to tai tang ham bao nhieu",
                                      "Biểu phí quy định như thế nào về phí gửi ô tô tại tầng hầm?"])
def test_the_words_that_ask_are_not_looked_for_in_the_documents(question: str) -> None:
    from shared.services.answering.sentences import coverage
    assert coverage(question, FEES) == 1.0  # "bao nhiêu" is what the row answers, not a word it must hold


class RankedAs(DirectAnswerGenerator):
    """The generator over a fixed ranking (passage n's text, its score), to test what it quotes."""

    def rank(self, question, passages, question_vector=None):
        return [Candidate(n, 0, hit.chunk.text, hit.score) for n, hit in enumerate(passages, start=1)]


@pytest.mark.parametrize(("runner_up_score", "quoted"), [(0.97, True), (0.80, False)])
def test_a_close_runner_up_is_quoted_even_past_the_length_budget(runner_up_score: float, quoted: bool) -> None:
    best, runner_up = "Mức phạt là 5 triệu đồng.", "Trường hợp tái phạm thì mức phạt " + "rất cao " * 60 + "."
    ranked = [SearchHit(Chunk(id="a", document_id="a", ordinal=0, text=best), 1.0),
              SearchHit(Chunk(id="b", document_id="b", ordinal=0, text=runner_up), runner_up_score)]
    answer = "".join(RankedAs().generate("?", ranked))
    assert answer.startswith(best) and (runner_up in answer) is quoted


def test_a_yes_no_question_is_answered_by_the_rule_on_the_action_it_asks_about() -> None:
    cues = asked_cues("công dân có phải trả phí khi yêu cầu cung cấp thông tin không?")
    assert cue_match(cues, "công dân được cung cấp thông tin không phải trả phí, lệ phí") == 1.0
    assert cue_match(cues, "người yêu cầu cung cấp thông tin phải trả chi phí thực tế để in, sao") == 0.0
    leave = asked_cues("người lao động có được trợ cấp thôi việc không?")
    assert cue_match(leave, "1. không được trợ cấp thôi việc.") == 1.0
    assert cue_match(leave, "người sử dụng lao động phải trả trợ cấp thôi việc") == 0.0  # another party's duty


@pytest.mark.parametrize(("question", "topic"), [
    ("Bộ luật Dân sự 2015 quy định thế nào về tên gọi của pháp nhân?", "tên gọi của pháp nhân"),
    ("Bộ luật Dân sự năm 2015 quy định như thế nào về hủy bỏ quyết định tuyên bố mất tích?",
     "hủy bỏ quyết định tuyên bố mất tích"),
    ("Tên gọi của pháp nhân được quy định ra sao?", "tên gọi của pháp nhân"),
    ("Quy định về tên gọi của pháp nhân như thế nào?", "tên gọi của pháp nhân"),
    ("Pháp luật quy định gì về tên gọi của pháp nhân?", "tên gọi của pháp nhân"),
    ("Bộ luật Dân sự quy định về tên gọi của pháp nhân như thế nào?", "tên gọi của pháp nhân"),
    ("Tội làm mất vũ khí quân dụng được quy định như thế nào theo Bộ luật Hình sự 2015?",
     "tội làm mất vũ khí quân dụng"),
    ("Người lao động được nghỉ hằng năm bao nhiêu ngày?", None),
    ("Người chống người thi hành công vụ bị xử lý như thế nào?", None),
    ("Thời điểm chịu rủi ro của bên bán như thế nào nếu tài sản phải đăng ký theo quy định của pháp luật?", None),
])
def test_a_question_about_how_the_law_provides_for_a_topic_names_the_topic(question: str, topic: str | None) -> None:
    assert asked_provision(question.lower()) == topic


def test_clauses_keep_their_numbering_and_their_lists() -> None:
    text = ("1. Bên cầm cố có các nghĩa vụ sau đây:\na) Giao tài sản cầm cố;\nb) Báo cho bên nhận cầm cố về quyền\n"
            "của người thứ ba.\n\n2. Thanh toán chi phí hợp lý.")
    assert clauses(text) == ["1. Bên cầm cố có các nghĩa vụ sau đây: a) Giao tài sản cầm cố; b) Báo cho bên nhận "
                             "cầm cố về quyền của người thứ ba.", "2. Thanh toán chi phí hợp lý."]


NAME_ARTICLE = ("1. Pháp nhân phải có tên gọi bằng tiếng Việt.\n\n2. Tên gọi của pháp nhân phải thể hiện rõ loại hình "
                "tổ chức của pháp nhân.\n\n3. Pháp nhân phải sử dụng tên gọi của mình trong giao dịch dân sự.\n\n"
                "4. Tên gọi của pháp nhân được pháp luật công nhận và bảo vệ.")
FOREIGN_ARTICLE = ("1. Quốc tịch của pháp nhân được xác định theo pháp luật của nước nơi pháp nhân thành lập.\n\n"
                   "2. Tên gọi của pháp nhân nước ngoài được xác định theo pháp luật của nước nơi pháp nhân "
                   "có quốc tịch.")


def article(number: int, heading: str, text: str) -> SearchHit:
    chunk = Chunk(id=f"c{number}", document_id="blds", ordinal=number, text=text,
                  headings=("Bộ luật dân sự", heading))
    return SearchHit(chunk, 1.0)


def test_a_provision_question_is_answered_by_the_article_its_topic_titles_as_written() -> None:
    passages = [article(1, "Điều 676. Pháp nhân", FOREIGN_ARTICLE), article(2, "Điều 78. Tên gọi của pháp nhân",
                                                                           NAME_ARTICLE)]
    answer = "".join(DirectAnswerGenerator().generate(
        "Bộ luật Dân sự 2015 quy định thế nào về tên gọi của pháp nhân?", passages))
    # the whole article in reading order, its clauses numbered as in the law, each cited
    assert answer == " ".join(f"{clause} [2]" for clause in NAME_ARTICLE.split("\n\n"))

    long_clauses = [f"{n}. Pháp nhân phải công khai tên gọi của mình {'tại trụ sở ' * 8}trong thời hạn {n} ngày."
                    for n in range(1, 5)]
    passages = [article(1, "Điều 78. Tên gọi của pháp nhân", "\n\n".join(long_clauses))]
    answer = "".join(DirectAnswerGenerator().generate("Tên gọi của pháp nhân được quy định như thế nào?", passages))
    quoted = re.findall(r"(\d)\. Pháp nhân", answer)
    assert quoted == ["1", "2"]  # within the answer's length, not the whole article
    assert len(answer) - 2 * len(" [1]") <= DirectAnswerGenerator().max_chars


def test_a_provision_question_with_no_article_so_titled_is_answered_sentence_by_sentence() -> None:
    passages = [article(1, "Điều 676. Pháp nhân", FOREIGN_ARTICLE)]
    answer = "".join(DirectAnswerGenerator().generate(
        "Bộ luật Dân sự 2015 quy định thế nào về tên gọi của pháp nhân?", passages))
    assert answer.startswith("Tên gọi của pháp nhân nước ngoài được xác định") and "[1]" in answer


def test_a_provision_question_quotes_a_long_article_from_its_first_retrieved_passage() -> None:
    later = Chunk(id="c2", document_id="blds", ordinal=2, text="4. Tên gọi của pháp nhân được pháp luật công nhận.",
                  headings=("Bộ luật dân sự", "Điều 78. Tên gọi của pháp nhân"))
    opening = Chunk(id="c1", document_id="blds", ordinal=1, text=NAME_ARTICLE.split("\n\n4.")[0],
                    headings=later.headings)
    answer = "".join(DirectAnswerGenerator().generate("Bộ luật Dân sự 2015 quy định thế nào về tên gọi của pháp nhân?",
                                                      [SearchHit(later, 1.0), SearchHit(opening, 0.9)]))
    assert answer.startswith("1. Pháp nhân phải có tên gọi bằng tiếng Việt. [2] 2. Tên gọi")
