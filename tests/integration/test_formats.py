"""The formats organisations hold beyond txt/md/html/docx/pdf: .doc, .xlsx/.xls/.csv, .pptx, .odt, .rtf,
docx data tables, and scans (image-only PDF pages, .png/.jpg/.tiff) read by Vietnamese OCR.

Golden extractions: the committed samples (tools/make_samples.py) against tests/integration/data/golden/."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter
from rapidfuzz.distance import Levenshtein

from shared.domain.errors import CorruptDocument, DocumentTooLarge, EmptyDocument, UnsupportedFormat
from shared.services.parsing import ocr, parse_document
from tests.integration.test_parsing import VI, make_pdf
from tools.document_builders import image_bytes, images_to_pdf, render_pages

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = Path(__file__).parent / "data" / "golden"
FEES = "Dịch vụ: Cấp lại thẻ nhân viên; Đơn vị tính: lần; Mức phí (đồng): 50.000; Ghi chú: Miễn phí lần đầu"

needs_antiword = pytest.mark.skipif(shutil.which("antiword") is None or shutil.which("catdoc") is None,
                                    reason="antiword and catdoc not installed (make os-packages)")
needs_ocr = pytest.mark.skipif(ocr.unavailable_reason() is not None, reason=str(ocr.unavailable_reason()))


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8").rstrip("\n")


# --- golden extractions of the samples ------------------------------------------------------------


@needs_antiword
def test_doc_sample_golden() -> None:
    parsed = parse_document("luat-cu-tru.doc", (ROOT / "samples" / "luat-cu-tru.doc").read_bytes())
    assert parsed.text == golden("luat-cu-tru.doc.txt")


@pytest.mark.parametrize("path", ["samples/bieu-phi-noi-bo.xlsx", "tests/integration/data/bieu-phi-noi-bo.xls"])
def test_workbook_golden_xlsx_and_xls_alike(path: str) -> None:
    parsed = parse_document(path, (ROOT / path).read_bytes())
    assert parsed.text == golden("bieu-phi-noi-bo.xlsx.txt")
    assert FEES in parsed.text.split("\n")  # a fee keeps its column labels


def test_tcvn3_docx_sample_golden() -> None:
    parsed = parse_document("a.docx", (ROOT / "samples" / "luat-thanh-nien-tcvn3.docx").read_bytes())
    assert parsed.text == golden("luat-thanh-nien-tcvn3.docx.txt")
    assert "Thanh niên là công dân Việt Nam từ đủ 16 tuổi đến 30 tuổi." in parsed.text


# --- .doc -----------------------------------------------------------------------------------------

LEGACY = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Điều 1. Phạm vi điều chỉnh",
          "Luật này quy định về quyền, nghĩa vụ và trách nhiệm của thanh niên."]


@needs_antiword
@pytest.mark.parametrize("name", ["tcvn3.doc", "vni.doc", "tcvn3.rtf", "vni.rtf", "tcvn3.pdf", "vni.pdf"])
def test_legacy_fonts_in_formats_that_keep_no_font_name(name: str) -> None:
    # LibreOffice's copies of .docx files typed in .VnTime/.VnTimeH and VNI-Times (tools/make_samples.py).
    # The .doc files are too short for antiword: catdoc reads them.
    text = parse_document(name, (Path(__file__).parent / "data" / "legacy" / name).read_bytes()).text
    assert " ".join(text.split()) == " ".join(LEGACY)


@needs_antiword
@pytest.mark.parametrize("data", [b"not a word file" * 50, (ROOT / "samples" / "luat-cu-tru.doc").read_bytes()[:3000]])
def test_doc_that_is_not_word_is_corrupt_with_a_reason(data: bytes) -> None:
    with pytest.raises((CorruptDocument, EmptyDocument)):
        parse_document("a.doc", data)


def test_doc_without_antiword_is_refused_clearly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(Path, "is_file", lambda self: False)
    with pytest.raises(UnsupportedFormat, match="antiword"):
        parse_document("a.doc", b"\xd0\xcf\x11\xe0" + b"\x00" * 600)


# --- spreadsheets ---------------------------------------------------------------------------------


def test_csv_any_delimiter_keeps_labels() -> None:
    for delimiter in (",", ";", "\t"):
        rows = [["Thủ tục", "Lệ phí", "Thời hạn"], ["Đăng ký kết hôn", "Miễn", "3 ngày"],
                ["Cấp bản sao trích lục", "8.000 đồng", "1 ngày"]]
        data = "\n".join(delimiter.join(row) for row in rows).encode()
        assert parse_document("a.csv", data).text.split("\n") == [
            "Thủ tục | Lệ phí | Thời hạn",
            "Thủ tục: Đăng ký kết hôn; Lệ phí: Miễn; Thời hạn: 3 ngày",
            "Thủ tục: Cấp bản sao trích lục; Lệ phí: 8.000 đồng; Thời hạn: 1 ngày",
        ]


def test_csv_without_a_header_row_keeps_plain_rows() -> None:
    assert parse_document("a.csv", b"1,2,3\n4,5,6\n").text == "1 | 2 | 3\n4 | 5 | 6"


def test_xlsx_dates_numbers_and_empty_sheets() -> None:
    import datetime as dt

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Danh sách"
    sheet.append(["Họ và tên", "Ngày sinh", "Hệ số lương"])
    sheet.append(["Nguyễn Văn A", dt.datetime(1990, 5, 17), 2.34])
    sheet.append(["Trần Thị B", None, 3.0])
    book.create_sheet("Trống")
    buffer = io.BytesIO()
    book.save(buffer)
    assert parse_document("a.xlsx", buffer.getvalue()).text == (
        "Danh sách\nHọ và tên | Ngày sinh | Hệ số lương\n"
        "Họ và tên: Nguyễn Văn A; Ngày sinh: 1990-05-17; Hệ số lương: 2.34\n"
        "Họ và tên: Trần Thị B; Hệ số lương: 3"
    )


def test_xlsx_zip_bomb_and_cell_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/workbook.xml", b"\x00" * 2_000_000)
    with pytest.raises(DocumentTooLarge):
        parse_document("bomb.xlsx", buffer.getvalue(), max_bytes=50_000)
    from shared.services.parsing import spreadsheets

    monkeypatch.setattr(spreadsheets, "MAX_CELLS", 10)
    with pytest.raises(DocumentTooLarge):
        parse_document("a.xlsx", (ROOT / "samples" / "bieu-phi-noi-bo.xlsx").read_bytes())


def test_a_docx_that_is_not_a_workbook_is_corrupt() -> None:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with pytest.raises(CorruptDocument):
        parse_document("a.xlsx", buffer.getvalue())
    with pytest.raises(CorruptDocument):
        parse_document("a.xls", b"\xd0\xcf\x11\xe0" + b"\x00" * 600)


# --- docx data tables -----------------------------------------------------------------------------


def _docx_table(rows: list[list[str]], *, bold_header: bool) -> bytes:
    document = docx.Document()
    table = document.add_table(rows=len(rows), cols=len(rows[0]))
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            run = table.cell(r, c).paragraphs[0].add_run(value)
            run.bold = bold_header and r == 0
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_docx_data_table_keeps_labels_and_key_value_tables_stay_as_they_are() -> None:
    fees = [["Dịch vụ", "Mức phí"], ["Cấp giấy phép", "50.000 đồng"], ["Gia hạn", "20.000 đồng"]]
    assert parse_document("a.docx", _docx_table(fees, bold_header=True)).text.split("\n") == [
        "Dịch vụ | Mức phí", "Dịch vụ: Cấp giấy phép; Mức phí: 50.000 đồng", "Dịch vụ: Gia hạn; Mức phí: 20.000 đồng"]
    # Two columns, no marked header: a label | value list, read as it is.
    pairs = [["Tên thủ tục", "Cấp giấy phép"], ["Cơ quan", "Sở Xây dựng"], ["Lệ phí", "50.000 đồng"]]
    assert parse_document("a.docx", _docx_table(pairs, bold_header=False)).text.split("\n") == [
        "Tên thủ tục | Cấp giấy phép", "Cơ quan | Sở Xây dựng", "Lệ phí | 50.000 đồng"]


# --- .pptx, .odt, .rtf ----------------------------------------------------------------------------


def make_pptx() -> bytes:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    slide = presentation.slides.add_slide(presentation.slide_layouts[1])
    slide.shapes.title.text = "Quy trình nghỉ phép"
    slide.placeholders[1].text_frame.text = "Bước 1. Nộp đơn trước 3 ngày"
    lower = slide.shapes.add_textbox(Inches(1), Inches(6), Inches(4), Inches(1))
    lower.text_frame.text = "Liên hệ: Phòng Nhân sự"
    slide.notes_slide.notes_text_frame.text = "Ghi chú của người trình bày"
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Mức phụ cấp"
    table = second.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2)).table
    for r, row in enumerate([["Loại", "Mức"], ["Ăn trưa", "730.000 đồng"], ["Xăng xe", "800.000 đồng"]]):
        for c, value in enumerate(row):
            table.cell(r, c).text = value
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def test_pptx_slides_in_reading_order_with_tables_and_notes() -> None:
    parsed = parse_document("a.pptx", make_pptx())
    assert parsed.title == "Quy trình nghỉ phép"
    assert parsed.text == (
        "Quy trình nghỉ phép\nBước 1. Nộp đơn trước 3 ngày\nLiên hệ: Phòng Nhân sự\nGhi chú của người trình bày\n\n"
        "Mức phụ cấp\nLoại | Mức\nLoại: Ăn trưa; Mức: 730.000 đồng\nLoại: Xăng xe; Mức: 800.000 đồng"
    )


_ODT_CONTENT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:text>
<text:h text:outline-level="1">Điều 1. Phạm vi điều chỉnh</text:h>
<text:p>Luật này quy định<text:s text:c="2"/>về <text:span>phòng, chống</text:span> ma túy.<text:note><text:note-body>
<text:p>chú thích</text:p></text:note-body></text:note></text:p>
<text:list><text:list-item><text:p>a) mục một</text:p></text:list-item></text:list>
<table:table><table:table-row><table:table-cell><text:p>Dịch vụ</text:p></table:table-cell>
<table:table-cell><text:p>Mức phí</text:p></table:table-cell></table:table-row>
<table:table-row><table:table-cell><text:p>Gia hạn</text:p></table:table-cell>
<table:table-cell><text:p>20.000 đồng</text:p></table:table-cell></table:table-row></table:table>
</office:text></office:body></office:document-content>"""
_ODT_META = """<?xml version="1.0" encoding="UTF-8"?><office:document-meta
 xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:dc="http://purl.org/dc/elements/1.1/">
<office:meta><dc:title>Luật mẫu</dc:title></office:meta></office:document-meta>"""


def make_odt(content: str = _ODT_CONTENT) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
        archive.writestr("meta.xml", _ODT_META)
    return buffer.getvalue()


def test_odt_headings_paragraphs_lists_and_tables() -> None:
    parsed = parse_document("a.odt", make_odt())
    assert parsed.title == "Luật mẫu"
    assert parsed.text == (
        "Điều 1. Phạm vi điều chỉnh\n\nLuật này quy định  về phòng, chống ma túy.\n\na) mục một\n\n"
        "Dịch vụ | Mức phí\nDịch vụ: Gia hạn; Mức phí: 20.000 đồng"
    )


def test_odt_with_an_entity_bomb_is_refused() -> None:
    bomb = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'
            '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0">&b;'
            "</office:document-content>")
    with pytest.raises((CorruptDocument, EmptyDocument)):
        parse_document("a.odt", make_odt(bomb))


def make_rtf() -> bytes:
    return (r"{\rtf1\ansi\ansicpg1258\deff0{\fonttbl{\f0\fcharset163 Times New Roman;}}"
            r"\f0 \u272?i\u7873?u 1. Ph\u7841?m vi \u273?i\u7873?u ch\u7881?nh\par "
            r"Lu\u7853?t n\u224?y quy \u273?\u7883?nh.\par}").encode("ascii")


def test_rtf_unicode_escapes() -> None:
    assert parse_document("a.rtf", make_rtf()).text == "Điều 1. Phạm vi điều chỉnh\nLuật này quy định."


def test_rtf_in_a_tcvn3_font() -> None:
    body = "".join(f"\\'{b:02x}" if b > 127 else chr(b) for b in "Céng hoµ x· héi chñ nghÜa ViÖt Nam".encode("latin-1"))
    data = (r"{\rtf1\ansi{\fonttbl{\f0\fcharset0 .VnTime;}}\f0 " + body + r"\par}").encode("ascii")
    assert parse_document("a.rtf", data).text == "Cộng hoà xã hội chủ nghĩa Việt Nam"


def test_rtf_that_is_not_rtf_is_corrupt() -> None:
    with pytest.raises(CorruptDocument):
        parse_document("a.rtf", VI.encode())


# --- OCR: scans and images ------------------------------------------------------------------------

PAGE_ONE = ("Điều 1. Phạm vi điều chỉnh\nLuật này quy định về phòng, chống ma túy; quản lý người sử dụng trái "
            "phép chất ma túy; cai nghiện ma túy; trách nhiệm của cá nhân, gia đình, cơ quan, tổ chức.")
PAGE_TWO = ("Điều 2. Quyền và nghĩa vụ của người lao động\nNgười lao động được nghỉ hằng năm, hưởng nguyên lương "
            "theo hợp đồng lao động.")


def cer(found: str, source: str) -> float:
    squash = lambda text: " ".join(text.split())  # noqa: E731 (line breaks are layout, not content)
    return Levenshtein.distance(squash(found), squash(source)) / len(squash(source))


@needs_ocr
def test_scanned_pdf_is_read_by_ocr_with_progress_per_page() -> None:
    pages = render_pages(PAGE_ONE, dpi=300, seed=1) + render_pages(PAGE_TWO, dpi=300, seed=2)
    seen: list[tuple[int, int]] = []
    parsed = parse_document("scan.pdf", images_to_pdf(pages, dpi=300), progress=lambda d, t: seen.append((d, t)))
    assert seen == [(1, 2), (2, 2)]
    assert cer(parsed.text, f"{PAGE_ONE}\n{PAGE_TWO}") < 0.03


@needs_ocr
def test_mixed_pdf_keeps_its_text_layer_and_reads_only_the_scanned_page() -> None:
    writer = PdfWriter()
    for source in (make_pdf([VI.split("\n")]), images_to_pdf(render_pages(PAGE_TWO, dpi=300, seed=3), dpi=300)):
        for page in PdfReader(io.BytesIO(source)).pages:
            writer.add_page(page)
    buffer = io.BytesIO()
    writer.write(buffer)
    seen: list[tuple[int, int]] = []
    text = parse_document("mixed.pdf", buffer.getvalue(), progress=lambda d, t: seen.append((d, t))).text
    first, _, rest = text.partition("\n\n")
    assert text.startswith(VI + "\n\n")  # the real text, untouched
    assert seen == [(1, 1)]  # one page went to OCR
    assert cer(text[len(VI) + 2 :], PAGE_TWO) < 0.03


@needs_ocr
@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "TIFF"])
def test_images_are_read_by_ocr_nfc_with_canonical_tones(fmt: str) -> None:
    [page] = render_pages(PAGE_ONE, dpi=300, seed=4)
    options = {"dpi": (300, 300)} if fmt != "JPEG" else {"dpi": (300, 300), "quality": 85}
    parsed = parse_document(f"scan.{fmt.lower()}", image_bytes(page, fmt, **options))
    assert cer(parsed.text, PAGE_ONE) < 0.03
    assert parsed.text == ocr.normalise(parsed.text)


@needs_ocr
def test_ocr_page_limit_is_checked_before_any_page_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "MAX_OCR_PAGES", 1)
    pages = render_pages(PAGE_ONE, dpi=200, seed=5) + render_pages(PAGE_TWO, dpi=200, seed=6)
    with pytest.raises(DocumentTooLarge, match="OCR"):
        parse_document("scan.pdf", images_to_pdf(pages, dpi=200))
    multi = io.BytesIO()
    pages[0].save(multi, format="TIFF", save_all=True, append_images=pages[1:])
    with pytest.raises(DocumentTooLarge, match="OCR"):
        parse_document("scan.tiff", multi.getvalue())


def test_scans_without_ocr_installed_are_refused_with_the_reason(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ocr, "tessdata_dir", lambda: None)
    [page] = render_pages("Điều 1.", dpi=100, seed=0)
    with pytest.raises(UnsupportedFormat, match="tesseract-ocr-vie"):
        parse_document("scan.pdf", images_to_pdf([page], dpi=100))
    with pytest.raises(UnsupportedFormat, match="tesseract-ocr-vie"):
        parse_document("scan.png", image_bytes(page))


@needs_ocr
def test_images_that_are_not_images_or_too_large(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(CorruptDocument):
        parse_document("a.png", VI.encode())
    gif = io.BytesIO()
    render_pages("x", dpi=50)[0].save(gif, format="GIF")
    with pytest.raises(CorruptDocument, match="GIF"):
        parse_document("a.png", gif.getvalue())
    monkeypatch.setattr(ocr, "MAX_PAGE_PIXELS", 1000)
    with pytest.raises(DocumentTooLarge, match="pixels"):
        parse_document("a.png", image_bytes(render_pages("x", dpi=50)[0]))
