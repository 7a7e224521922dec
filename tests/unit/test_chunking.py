"""Chunking along Vietnamese legal structure (Phần › Chương › Mục › Điều › khoản › điểm) and prose."""

from __future__ import annotations

import random
import unicodedata

import pytest

from shared.domain.models import AccessLevel, Chunk
from shared.services.chunking import split_into_chunks
from tests.unit.sample_law import LAW

LAW_TITLE = "Luật Quản lý thư viện công cộng"
CHAPTER_2 = "CHƯƠNG II. TỔ CHỨC VÀ HOẠT ĐỘNG CỦA THƯ VIỆN"


def chunks_of(text: str, title: str = LAW_TITLE, **kwargs: object) -> list[Chunk]:
    return split_into_chunks(document_id=kwargs.pop("document_id", "doc-1"), title=title, text=text, **kwargs)


def by_article(chunks: list[Chunk], article: str) -> list[Chunk]:
    return [chunk for chunk in chunks if chunk.article == article]


def assert_no_text_lost(text: str, chunks: list[Chunk]) -> None:
    """Every word of the input is in a chunk (its text or its heading path), and every chunk's text
    is a verbatim piece of the input. A heading whose name sat on the next line is joined with a
    period ("Chương II" + "QUY ĐỊNH CHUNG" -> "Chương II. QUY ĐỊNH CHUNG"): "II." covers "II"."""
    normalised = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    covered: set[str] = set()
    for chunk in chunks:
        assert chunk.text.strip(), "empty chunk"
        assert chunk.text in normalised
        covered.update(chunk.text.split())
        for heading in chunk.headings:
            covered.update(word for token in heading.split() for word in (token, token.removesuffix(".")))
    missing = [word for word in normalised.split() if word not in covered]
    assert not missing, missing[:10]


# --- the sample law -------------------------------------------------------------------------------


def test_one_chunk_per_article_with_heading_path() -> None:
    chunks = chunks_of(LAW)
    assert [chunk.article for chunk in chunks] == [None, "1", "2", "3", "4", "5", "6", "6a", "7"]
    article_4 = by_article(chunks, "4")[0]
    assert article_4.headings == (
        LAW_TITLE,
        CHAPTER_2,
        "Mục 1. THÀNH LẬP THƯ VIỆN",
        "Điều 4. Điều kiện thành lập thư viện",
    )
    # The heading line travels in `headings`, not in the text.
    assert article_4.text.startswith("1. Có tài nguyên thông tin")
    assert by_article(chunks, "6a")[0].headings[2] == "Mục 2. HOẠT ĐỘNG THƯ VIỆN"
    assert by_article(chunks, "7")[0].headings[1:] == (
        "Chương III. ĐIỀU KHOẢN THI HÀNH",
        "Điều 7. Hiệu lực thi hành",
    )
    assert_no_text_lost(LAW, chunks)


def test_preamble_is_its_own_chunk_under_the_title() -> None:
    preamble = chunks_of(LAW)[0]
    assert preamble.headings == (LAW_TITLE,)
    assert preamble.article is None
    assert "Căn cứ Hiến pháp" in preamble.text
    assert "Điều 1" not in preamble.text


def test_references_inside_sentences_do_not_start_articles() -> None:
    chunks = chunks_of(LAW)
    # "… theo quy định tại Điều 9 của Luật này." inside Điều 2, and a reference wrapped onto the start
    # of a line ("theo quy định tại" / "Điều 12 của Luật này.") inside Điều 3.
    assert "12" not in {chunk.article for chunk in chunks}
    assert "9" not in {chunk.article for chunk in chunks}
    assert by_article(chunks, "3")[0].text.endswith("Điều 12 của Luật này.")
    text = (
        "Điều 1. Áp dụng\nViệc xử lý thực hiện theo quy định tại Điều 5 của Luật này.\n"
        "Điều 5 của Luật này được áp dụng."
    )
    assert [chunk.article for chunk in chunks_of(text)] == ["1"]


def test_long_article_splits_at_khoan_boundaries() -> None:
    chunks = by_article(chunks_of(LAW, max_words=60), "5")
    assert len(chunks) == 3
    assert [chunk.text[:2] for chunk in chunks] == ["1.", "2.", "3."]
    assert all(chunk.headings[-1] == "Điều 5. Hồ sơ, thủ tục thành lập thư viện" for chunk in chunks)
    # No overlap between khoản groups: the pieces are the article, in order.
    assert "\n".join(chunk.text for chunk in chunks) in LAW


def test_khoan_are_grouped_up_to_the_budget() -> None:
    chunks = by_article(chunks_of(LAW, max_words=120), "5")
    assert len(chunks) == 1
    chunks = by_article(chunks_of(LAW, max_words=80), "6")
    assert all(len(chunk.text.split()) <= 80 for chunk in chunks)
    assert chunks[0].text.startswith("1. Được sử dụng")
    assert "2. Được hướng dẫn" in chunks[0].text  # khoản 1 and 2 fit together


def test_too_long_khoan_splits_at_diem() -> None:
    chunks = by_article(chunks_of(LAW, max_words=55), "6")
    starts = [chunk.text[:2] for chunk in chunks]
    assert "b)" in starts or "c)" in starts
    assert all(len(chunk.text.split()) <= 55 for chunk in chunks)
    assert_no_text_lost(LAW, chunks_of(LAW, max_words=55))


def test_budget_is_respected_at_every_size() -> None:
    for max_words in (10, 25, 40, 300):
        chunks = chunks_of(LAW, max_words=max_words, overlap_words=5)
        assert all(len(chunk.text.split()) <= max_words for chunk in chunks)
        assert_no_text_lost(LAW, chunks)


def test_long_sentence_runs_split_with_overlap() -> None:
    sentences = [f"Câu số {n} nói về quyền và nghĩa vụ của các bên trong hợp đồng mẫu." for n in range(60)]
    text = "Điều 9. Một điều rất dài\n" + " ".join(sentences)
    chunks = chunks_of(text, max_words=100, overlap_words=20)
    assert len(chunks) > 1
    for before, after in zip(chunks, chunks[1:], strict=False):
        assert len(after.text.split()) <= 100
        last_sentence = before.text.rsplit(". ", 1)[-1]
        assert after.text.startswith(last_sentence)  # the last sentence is repeated
    assert_no_text_lost(text, chunks)


def test_unpunctuated_text_is_cut_at_words_with_overlap() -> None:
    words = [f"từ{n}" for n in range(1000)]
    chunks = chunks_of(" ".join(words), title="Ghi chép", max_words=100, overlap_words=10)
    assert all(len(chunk.text.split()) <= 100 for chunk in chunks)
    first, second = chunks[0].text.split(), chunks[1].text.split()
    assert first[-10:] == second[:10]
    assert_no_text_lost(" ".join(words), chunks)


def test_case_insensitive_headings() -> None:
    text = (
        "PHẦN THỨ NHẤT\nQUY ĐỊNH CHUNG\n\nCHƯƠNG I\nPHẠM VI\n\nMỤC 1. ĐỐI TƯỢNG\n\n"
        "ĐIỀU 1. PHẠM VI ĐIỀU CHỈNH\nBộ luật này quy định địa vị pháp lý của cá nhân.\n\n"
        "Phần thứ hai\nQUYỀN SỞ HỮU\n\nChương 2: Quy định chung\n\nĐiều 2: Nội dung quyền sở hữu\n"
        "Quyền sở hữu bao gồm quyền chiếm hữu, quyền sử dụng và quyền định đoạt tài sản."
    )
    chunks = chunks_of(text, title="Bộ luật mẫu")
    assert [chunk.headings for chunk in chunks] == [
        ("Bộ luật mẫu", "PHẦN THỨ NHẤT. QUY ĐỊNH CHUNG", "CHƯƠNG I. PHẠM VI", "MỤC 1. ĐỐI TƯỢNG",
         "ĐIỀU 1. PHẠM VI ĐIỀU CHỈNH"),
        ("Bộ luật mẫu", "Phần thứ hai. QUYỀN SỞ HỮU", "Chương 2: Quy định chung",
         "Điều 2: Nội dung quyền sở hữu"),
    ]  # fmt: skip


def test_words_that_look_like_keywords_are_body_text() -> None:
    text = (
        "Điều 3. Chương trình giáo dục\n"
        "Chương trình giáo dục phổ thông được ban hành thống nhất.\n"
        "Mục 3.1 và mục 3.2 của Danh mục được sửa đổi.\n"
        "Phần lớn kinh phí do ngân sách nhà nước bảo đảm."
    )
    chunks = chunks_of(text, title="Luật Giáo dục")
    assert len(chunks) == 1
    assert chunks[0].headings == ("Luật Giáo dục", "Điều 3. Chương trình giáo dục")
    assert chunks[0].text.count("\n") == 2


def test_names_on_their_own_line_in_any_case() -> None:
    text = (
        "Chương I\nNhững quy định chung\nĐiều 1. Phạm vi\nNội dung.\n\n"
        "CHƯƠNG II\nQUYỀN SỞ HỮU VÀ QUYỀN KHÁC\nĐỐI VỚI TÀI SẢN\n"
        "ĐIỀU 2. NỘI DUNG\nQuyền sở hữu gồm ba quyền.\n\n"
        "Mục 1\nMục này áp dụng cho mọi tài sản.\nĐiều 3. Tài sản\nTài sản là vật."
    )
    chapter_2 = "CHƯƠNG II. QUYỀN SỞ HỮU VÀ QUYỀN KHÁC ĐỐI VỚI TÀI SẢN"
    assert [(chunk.headings[1:], chunk.text) for chunk in chunks_of(text, title="T")] == [
        (("Chương I. Những quy định chung", "Điều 1. Phạm vi"), "Nội dung."),
        ((chapter_2, "ĐIỀU 2. NỘI DUNG"), "Quyền sở hữu gồm ba quyền."),
        # A sentence under "Mục 1" is body text, not the section's name.
        ((chapter_2, "Mục 1"), "Mục này áp dụng cho mọi tài sản."),
        ((chapter_2, "Mục 1", "Điều 3. Tài sản"), "Tài sản là vật."),
    ]


def test_wrapped_article_name_joins_the_heading() -> None:
    text = (
        "Điều 8. Quyền và nghĩa vụ của người lao động trong\n"
        "việc thực hiện hợp đồng\n1. Người lao động có quyền."
    )
    chunk = chunks_of(text, title="Bộ luật Lao động")[0]
    assert chunk.headings[-1] == "Điều 8. Quyền và nghĩa vụ của người lao động trong việc thực hiện hợp đồng"
    assert chunk.text == "1. Người lao động có quyền."


def test_article_name_on_the_next_line() -> None:
    text = "Điều 115\nGiải thích từ ngữ\nTrong Luật này, các từ ngữ được hiểu như sau."
    chunk = chunks_of(text, title="X")[0]
    assert chunk.headings == ("X", "Điều 115. Giải thích từ ngữ")
    chunk = chunks_of("Điều 115\n\n1. Đại biểu Hội đồng nhân dân là người đại diện.", title="X")[0]
    assert chunk.headings == ("X", "Điều 115")
    assert chunk.text.startswith("1. Đại biểu")


def test_heading_with_no_body_keeps_its_words() -> None:
    text = (
        "Điều 157. Thời hiệu\nThời hiệu bắt đầu lại.\n\n"
        "Phần thứ hai\n\nQUYỀN SỞ HỮU VÀ QUYỀN KHÁC ĐỐI VỚI TÀI SẢN"
    )
    chunks = chunks_of(text, title="Bộ luật dân sự")
    assert len(chunks) == 1
    assert chunks[0].text.endswith("QUYỀN SỞ HỮU VÀ QUYỀN KHÁC ĐỐI VỚI TÀI SẢN")
    text = "Chương I\nBÃI BỎ\n\nChương II\nQUY ĐỊNH KHÁC\n\nĐiều 2. Hiệu lực\nLuật này có hiệu lực."
    chunks = chunks_of(text, title="Luật sửa đổi")
    assert_no_text_lost(text, chunks)
    assert chunks[-1].headings[1:] == ("Chương II. QUY ĐỊNH KHÁC", "Điều 2. Hiệu lực")


# --- a single article given without its "Điều N" line (the evaluation corpus) ---------------------


def test_article_number_and_name_from_title_and_first_line() -> None:
    text = (
        "Phạm vi điều chỉnh\n\nLuật này quy định về phòng, chống ma túy; quản lý người sử dụng trái phép "
        "chất ma túy."
    )
    chunks = chunks_of(text, title="Luật Phòng, chống ma túy, Điều 1")
    assert len(chunks) == 1
    assert chunks[0].article == "1"
    assert chunks[0].headings == ("Luật Phòng, chống ma túy, Điều 1", "Phạm vi điều chỉnh")
    assert chunks[0].text.startswith("Luật này quy định")


def test_name_line_followed_directly_by_khoan() -> None:
    text = "Đối tượng áp dụng\n1. Cơ quan, tổ chức, cá nhân Việt Nam.\n\n2. Tổ chức, cá nhân nước ngoài."
    chunk = chunks_of(text, title="Luật Du lịch, Điều 2")[0]
    assert chunk.headings == ("Luật Du lịch, Điều 2", "Đối tượng áp dụng")
    assert chunk.article == "2"


@pytest.mark.parametrize(
    "text",
    [
        # Body text only: a sentence, or a hard-wrapped first line that continues below.
        "Luật này quy định về việc thành lập, tổ chức, hoạt động của tổ chức tín dụng.",
        "Luật này quy định nguyên tắc, điều\r\nkiện nuôi con nuôi; thẩm quyền, trình tự.",
        "Ngân hàng Nhà nước có thẩm quyền cấp Giấy phép theo quy định của\nỦy ban nhân dân cấp tỉnh.",
        "Trong Luật này, các từ ngữ dưới đây được hiểu như sau:\n\n1. Con nuôi là người được nhận nuôi.",
    ],
)
def test_body_first_line_is_not_mistaken_for_a_name(text: str) -> None:
    chunks = chunks_of(text, title="52/2010/QH12, Điều 3")
    assert chunks[0].headings == ("52/2010/QH12, Điều 3",)
    assert chunks[0].article == "3"
    assert_no_text_lost(text, chunks)


def test_heading_only_article_keeps_its_line_as_text() -> None:
    chunks = chunks_of("Mục tiêu giáo dục", title="Luật Giáo dục, Điều 2")
    assert [(chunk.text, chunk.article) for chunk in chunks] == [("Mục tiêu giáo dục", "2")]


# --- prose ----------------------------------------------------------------------------------------


def test_prose_is_grouped_by_paragraph_under_headings_with_overlap() -> None:
    paragraph = " ".join(f"Bước {n} của quy trình được thực hiện bởi bộ phận phụ trách." for n in range(8))
    text = f"Quy trình cấp phép\n\n{paragraph}\n\n{paragraph}\n\nPhụ lục\n\n{paragraph}"
    chunks = chunks_of(text, title="Quy trình nội bộ", max_words=120, overlap_words=15)
    assert {chunk.article for chunk in chunks} == {None}
    assert chunks[0].headings == ("Quy trình nội bộ", "Quy trình cấp phép")
    assert chunks[-1].headings == ("Quy trình nội bộ", "Phụ lục")
    assert all(len(chunk.text.split()) <= 120 for chunk in chunks)
    first, second = chunks[0], chunks[1]
    assert second.headings == first.headings
    assert first.text.endswith(second.text.split("\n")[0])  # starts by repeating the end of the first
    assert_no_text_lost(text, chunks)


def test_short_prose_is_one_chunk() -> None:
    chunks = chunks_of("Giờ làm việc từ 8 giờ đến 17 giờ.\nNghỉ trưa một giờ.", title="Nội quy")
    assert len(chunks) == 1
    assert chunks[0].headings == ("Nội quy",)


# --- identity and metadata ------------------------------------------------------------------------


def test_ids_are_stable_and_distinct() -> None:
    first = chunks_of(LAW, max_words=60)
    again = chunks_of(LAW, max_words=60)
    assert [chunk.id for chunk in first] == [chunk.id for chunk in again]
    assert len({chunk.id for chunk in first}) == len(first)
    other = chunks_of(LAW, max_words=60, document_id="doc-2")
    assert not {chunk.id for chunk in first} & {chunk.id for chunk in other}
    assert all(len(chunk.id) == 32 for chunk in first)


def test_metadata_is_copied_and_ordinals_count_up() -> None:
    chunks = chunks_of(LAW, max_words=60, document_type="law", access_level=AccessLevel.INTERNAL)
    assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
    assert {(c.title, c.document_type, c.access_level, c.document_id) for c in chunks} == {
        (LAW_TITLE, "law", AccessLevel.INTERNAL, "doc-1")
    }


def test_input_is_normalised_to_nfc_and_lf() -> None:
    text = unicodedata.normalize("NFD", "Điều 1. Phạm vi\r\nLuật này quy định về thư viện.")
    chunk = chunks_of(text, title=unicodedata.normalize("NFD", "Luật Thư viện"))[0]
    assert chunk.text == "Luật này quy định về thư viện."
    assert chunk.headings == ("Luật Thư viện", "Điều 1. Phạm vi")
    assert chunk.title == "Luật Thư viện"


def test_empty_text_and_bad_arguments() -> None:
    assert chunks_of("  \n\n \t") == []
    with pytest.raises(ValueError):
        chunks_of(LAW, max_words=0)
    with pytest.raises(ValueError):
        chunks_of(LAW, max_words=50, overlap_words=50)


def test_no_title_means_no_title_heading() -> None:
    chunks = chunks_of("Điều 1. Phạm vi\nNội dung.", title="  ")
    assert chunks[0].headings == ("Điều 1. Phạm vi",)


# --- the evaluation corpus ------------------------------------------------------------------------




# --- random input keeps every promise ---------------------------------------------------------------

_FRAGMENTS = (
    "Điều 5.", "ĐIỀU 7", "Chương II", "CHƯƠNG", "Mục 1", "Phần thứ hai", "1.", "2a.", "a)", "đ)", "theo",
    "quy", "định", "tại", "Điều", "của", "Luật", "này.", "Người", "lao", "động;", "sau", "đây:", "QUY",
    "ĐỊNH", "CHUNG", "\n", "\n", "\n\n", "\r\n", "\t", "  ", "x" * 30, "…", "“Điều 3.", "5", "II", "-", ":",
)  # fmt: skip


def test_random_structure_soup_keeps_the_contract() -> None:
    rng = random.Random(20240601)
    for _ in range(400):
        text = " ".join(rng.choice(_FRAGMENTS) for _ in range(rng.randrange(0, 300)))
        title = rng.choice(["", "Luật X", "Bộ luật dân sự, Điều 12", "Nghị định, Điều 5a"])
        max_words = rng.choice([1, 3, 20, 300])
        overlap = rng.randrange(0, max_words)
        chunks = chunks_of(text, title=title, max_words=max_words, overlap_words=overlap)
        assert all(len(chunk.text.split()) <= max_words for chunk in chunks)
        assert [chunk.ordinal for chunk in chunks] == list(range(len(chunks)))
        assert len({chunk.id for chunk in chunks}) == len(chunks)
        assert_no_text_lost(text, chunks)
