"""Parsing uploaded files into NFC text, and every way that can fail (the formats beyond txt, md, html,
docx and pdf have their own tests in test_formats.py; the fuzzing below covers them all)."""

from __future__ import annotations

import codecs
import io
import random
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from pypdf import PdfReader, PdfWriter

from shared.domain.errors import (
    CorruptDocument,
    DocumentTooLarge,
    DomainError,
    EmptyDocument,
    UnsupportedFormat,
)
from shared.services.parsing import SUPPORTED_EXTENSIONS, parse_document, pdf_files
from tests.fakes.pdf import assemble_pdf

VI = "Điều 1. Phạm vi điều chỉnh\nLuật này quy định về phòng, chống ma túy; quản lý người sử dụng trái phép."
VI_LINES = VI.split("\n")

# --- fixtures built in code -----------------------------------------------------------------------

_TONES = "\u0300\u0301\u0303\u0309\u0323"


def to_cp1258(text: str) -> bytes:
    """Vietnamese as Windows-1258 writes it: base letters (â, ơ, …) plus a combining tone mark."""
    out = []
    for char in text:
        parts = unicodedata.normalize("NFD", char)
        base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONES))
        out.append(base + "".join(c for c in parts if c in _TONES))
    return "".join(out).encode("cp1258")


def make_pdf(pages: list[list[str]], title: str | None = None) -> bytes:
    """A minimal valid PDF whose text layer holds `pages` (lists of lines), any Unicode included.

    The font is a Type0/Identity-H font whose ToUnicode CMap maps one made-up glyph id per character:
    nothing is rendered properly, but text extraction sees exactly the characters written.
    """
    chars = sorted({c for lines in pages for line in lines for c in line})
    cid = {c: i + 1 for i, c in enumerate(chars)}
    bfchar = "\n".join(f"<{cid[c]:04X}> <{c.encode('utf-16-be').hex().upper()}>" for c in chars)
    cmap = (
        "/CIDInit /ProcSet findresource begin 12 dict begin begincmap\n"
        "/CMapName /Custom def /CMapType 2 def\n"
        f"1 begincodespacerange <0000> <FFFF> endcodespacerange\n{len(chars)} beginbfchar\n{bfchar}\n"
        "endbfchar\nendcmap CMapName currentdict /CMap defineresource pop end end"
    )
    page_ids = [5 + 2 * n for n in range(len(pages))]
    objects = {
        1: "<< /Type /Catalog /Pages 2 0 R >>",
        2: f"<< /Type /Pages /Kids [{' '.join(f'{p} 0 R' for p in page_ids)}] /Count {len(pages)} >>",
        3: "<< /Type /Font /Subtype /Type0 /BaseFont /Arial /Encoding /Identity-H /DescendantFonts "
        "[<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Arial /CIDSystemInfo << /Registry (Adobe) "
        "/Ordering (Identity) /Supplement 0 >> /DW 500 >>] /ToUnicode 4 0 R >>",
        4: _stream(cmap),
    }
    for page_id, lines in zip(page_ids, pages, strict=True):
        ops = ["BT", "/F1 12 Tf", "14 TL", "50 800 Td"]
        ops += ["<" + "".join(f"{cid[c]:04X}" for c in line) + "> Tj T*" for line in lines]
        objects[page_id] = (
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            f"/Resources << /Font << /F1 3 0 R >> >> /Contents {page_id + 1} 0 R >>"
        )
        objects[page_id + 1] = _stream("\n".join([*ops, "ET"]))
    info = None
    if title is not None:
        info = len(objects) + 1
        objects[info] = f"<< /Title <FEFF{title.encode('utf-16-be').hex().upper()}> >>"
    return assemble_pdf(objects, info=info)


def _stream(text: str) -> str:
    return f"<< /Length {len(text.encode('latin-1'))} >>\nstream\n{text}\nendstream"


def make_docx(*, title: str | None = None, heading: str | None = None) -> bytes:
    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    if heading is not None:
        document.add_heading(heading, level=1)
    for line in VI_LINES:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "Mức phí"
    table.cell(0, 1).text = "100.000 đồng"
    merged = table.cell(1, 0).merge(table.cell(1, 1))
    merged.text = "Ô gộp hai cột"
    document.add_paragraph("Đoạn cuối sau bảng.")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def encrypted_pdf(user_password: str) -> bytes:
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(make_pdf([VI_LINES]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def valid_samples() -> dict[str, bytes]:
    from tests.integration.test_formats import make_odt, make_pptx, make_rtf
    from tools.document_builders import image_bytes, render_pages

    root = Path(__file__).resolve().parents[2]
    [page] = render_pages(VI, dpi=150, seed=0, max_lines=8)
    small = page.crop((0, 0, page.width, page.height // 3))
    return {
        ".txt": VI.encode(),
        ".md": f"# Tiêu đề\n\n{VI}".encode(),
        ".html": f"<html><head><title>T</title></head><body><p>{VI}</p></body></html>".encode(),
        ".htm": f"<p>{VI}</p>".encode(),
        ".docx": make_docx(),
        ".doc": (root / "samples" / "luat-cu-tru.doc").read_bytes(),
        ".pdf": make_pdf([VI_LINES]),
        ".xlsx": (root / "samples" / "bieu-phi-noi-bo.xlsx").read_bytes(),
        ".xls": (root / "tests" / "integration" / "data" / "bieu-phi-noi-bo.xls").read_bytes(),
        ".csv": "Điều,Nội dung\n1,Phạm vi điều chỉnh\n".encode(),
        ".pptx": make_pptx(),
        ".odt": make_odt(),
        ".rtf": make_rtf(),
        ".png": image_bytes(small, "PNG"),
        ".jpg": image_bytes(small, "JPEG"),
        ".jpeg": image_bytes(small, "JPEG"),
        ".tif": image_bytes(small, "TIFF"),
        ".tiff": image_bytes(small, "TIFF"),
    }


# --- dispatch and the errors every format shares --------------------------------------------------


def test_unknown_extension_lists_the_supported_ones() -> None:
    with pytest.raises(UnsupportedFormat) as caught:
        parse_document("bang-tinh.numbers", b"data")
    for extension in SUPPORTED_EXTENSIONS:
        assert extension in str(caught.value)
    with pytest.raises(UnsupportedFormat):
        parse_document("README", b"data")
    with pytest.raises(UnsupportedFormat):
        parse_document("archive.txt.zip", b"data")


def test_extension_is_case_insensitive_and_paths_are_fine() -> None:
    assert parse_document("uploads/2024/LUAT.TXT", VI.encode()).text == VI
    assert parse_document("C:\\docs\\luat.Md", VI.encode()).text == VI


def test_too_large_is_refused_before_parsing() -> None:
    with pytest.raises(DocumentTooLarge):
        parse_document("a.txt", b"x" * 101, max_bytes=100)
    assert parse_document("a.txt", b"x" * 100, max_bytes=100).text == "x" * 100


@pytest.mark.parametrize("extension", SUPPORTED_EXTENSIONS)
def test_zero_bytes_is_empty(extension: str) -> None:
    with pytest.raises(EmptyDocument):
        parse_document(f"a{extension}", b"")


@pytest.mark.parametrize("extension", [".txt", ".md", ".html"])
def test_whitespace_only_is_empty(extension: str) -> None:
    with pytest.raises(EmptyDocument):
        parse_document(f"a{extension}", b" \n\t\r\n  \n")


def test_markup_without_text_is_empty() -> None:
    with pytest.raises(EmptyDocument):
        parse_document("a.html", b"<html><head><title>Only a title</title></head><body> </body></html>")
    with pytest.raises(EmptyDocument):
        parse_document("a.md", b"#\n\n---\n")


# --- plain text -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        VI.encode("utf-8"),
        codecs.BOM_UTF8 + VI.encode("utf-8"),
        VI.encode("utf-16"),  # with its BOM
        codecs.BOM_UTF16_BE + VI.encode("utf-16-be"),
        VI.encode("utf-32"),
        to_cp1258(VI),
        unicodedata.normalize("NFD", VI).encode("utf-8"),
        VI.replace("\n", "\r\n").encode("utf-8"),
    ],
    ids=["utf8", "utf8-bom", "utf16", "utf16be-bom", "utf32", "cp1258", "nfd", "crlf"],
)
def test_text_encodings_come_out_as_the_same_nfc_text(data: bytes) -> None:
    parsed = parse_document("luat.txt", data)
    assert parsed.text == VI
    assert parsed.title is None


def test_short_cp1258_text_is_still_read_as_vietnamese() -> None:
    # Too short for a statistical detector to be sure; the cp1258 tone-mark check decides.
    assert parse_document("a.txt", to_cp1258("Thủ tục cấp giấy phép")).text == "Thủ tục cấp giấy phép"


def test_other_legacy_encodings_fall_back_to_detection() -> None:
    text = "Le délégué général a présenté le procès-verbal de la séance précédente. " * 5
    assert parse_document("a.txt", text.encode("cp1252")).text == text.strip()


def test_text_is_tidied() -> None:
    data = "  Dòng một   \n\n\n\n\nDòng hai\x00\x0c\tcột\n\n".encode()
    assert parse_document("a.txt", data).text == "Dòng một\n\nDòng hai\n\tcột"


@pytest.mark.parametrize(
    "data",
    [
        bytes(range(256)) * 20,
        b"\x00" * 500,
        b"PK\x03\x04" + random.Random(7).randbytes(3000),
        b"%PDF-1.4\n" + b"\x00\x01\x02\x03\xff\xfe" * 200,
    ],
    ids=["all-bytes", "nuls", "zip-junk", "pdf-as-txt"],
)
def test_binary_in_a_text_file_is_corrupt(data: bytes) -> None:
    with pytest.raises(CorruptDocument):
        parse_document("a.txt", data)


# --- markdown -------------------------------------------------------------------------------------


def test_markdown_keeps_text_and_drops_noise() -> None:
    source = (
        "---\ntitle: Quy chế nội bộ\nauthor: Phòng Pháp chế\n---\n"
        "# Quy chế làm việc\n\nĐoạn mở đầu có [liên kết](https://example.com) và `mã`.\n\n"
        "## Chương I ##\n**Điều 5.** Giải thích từ ngữ\n> Trích dẫn *nghiêng*\n\n"
        "| Cột A | Cột B |\n|---|:---:|\n| 1 | 2 |\n\n```\ncode = 1\n```\n![sơ đồ](a.png)\n<!-- ghi chú -->\n"
        "Tiêu đề setext\n=============\n- mục một\n"
    )
    parsed = parse_document("quy-che.md", source.encode())
    assert parsed.title == "Quy chế nội bộ"
    assert parsed.text.split("\n") == [
        "Quy chế làm việc",
        "",
        "Đoạn mở đầu có liên kết và mã.",
        "",
        "Chương I",
        "",
        "Điều 5. Giải thích từ ngữ",
        "Trích dẫn *nghiêng*",
        "",
        "| Cột A | Cột B |",
        "| 1 | 2 |",
        "",
        "code = 1",
        "sơ đồ",
        "",
        "Tiêu đề setext",
        "",
        "- mục một",
    ]


def test_markdown_title_is_the_first_level_one_heading() -> None:
    assert parse_document("a.md", "## Phụ\n\n# Chính\n\nNội dung".encode()).title == "Chính"
    assert parse_document("a.md", "## Phụ\n\nNội dung".encode()).title == "Phụ"
    assert parse_document("a.md", "Nội dung".encode()).title is None


# --- html -----------------------------------------------------------------------------------------


def test_html_visible_text_one_block_per_line() -> None:
    page = """<!DOCTYPE html><html><head><title> Luật
      Thư viện </title><style>p {color: red}</style><script>var x = "ẩn";</script></head>
      <body><nav><a href="/">Trang chủ</a></nav>
      <h1>Tiêu đề trang</h1><div><p>Đoạn   một
      vẫn là đoạn một.</p><p>Đoạn hai<br>dòng mới &amp; ký tự</p></div>
      <!-- chú thích --><ul><li>Mục <b>một</b></li><li>Mục hai</li></ul>
      <table><tr><th>Phí</th><td>100.000 đồng</td></tr></table>
      <pre>dòng 1
dòng 2</pre><noscript>bật JavaScript</noscript></body></html>"""
    parsed = parse_document("page.html", page.encode())
    assert parsed.title == "Luật Thư viện"
    assert parsed.text == (
        "Tiêu đề trang\n\nĐoạn một vẫn là đoạn một.\n\nĐoạn hai\ndòng mới & ký tự\n\nMục một\n\nMục hai\n\n"
        "Phí | 100.000 đồng\n\ndòng 1\ndòng 2"
    )
    for hidden in ("Trang chủ", "ẩn", "color", "chú thích", "JavaScript"):
        assert hidden not in parsed.text


def test_html_title_falls_back_to_first_h1() -> None:
    parsed = parse_document("a.htm", "<body><h1>Quy định <i>chung</i></h1><p>Nội dung</p></body>".encode())
    assert parsed.title == "Quy định chung"
    assert parse_document("a.htm", b"<p>x</p>").title is None


def test_html_declared_and_undeclared_legacy_encodings() -> None:
    body = "<p>Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ</p>"
    declared = b'<html><head><meta charset="windows-1258"></head><body>' + to_cp1258(body) + b"</body></html>"
    assert parse_document("a.html", declared).text == "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ"
    assert parse_document("a.html", to_cp1258(body)).text == "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ"
    # A wrong declaration is ignored when the bytes do not decode with it.
    lying = b'<meta charset="ascii">' + body.encode("utf-8")
    assert parse_document("a.html", lying).text == "Thủ tục cấp giấy phép xây dựng nhà ở riêng lẻ"


def test_deeply_nested_html_does_not_crash() -> None:
    data = b"<div>" * 5000 + "Nội dung".encode() + b"</div>" * 5000
    try:
        assert parse_document("a.html", data).text == "Nội dung"
    except CorruptDocument:
        pass  # refusing it is fine too; any other exception is not


# --- docx -----------------------------------------------------------------------------------------


def test_docx_paragraphs_and_tables_in_order() -> None:
    parsed = parse_document("luat.docx", make_docx(title="Luật Phòng, chống ma túy"))
    assert parsed.title == "Luật Phòng, chống ma túy"
    table = "Mức phí | 100.000 đồng\nÔ gộp hai cột"  # one line per row; a merged cell once
    assert parsed.text.split("\n\n") == [*VI_LINES, table, "Đoạn cuối sau bảng."]


def test_docx_title_from_heading_style() -> None:
    assert parse_document("a.DOCX", make_docx(heading="Quy chế chi tiêu")).title == "Quy chế chi tiêu"
    assert parse_document("a.docx", make_docx()).title is None


def test_docx_that_is_not_a_zip_or_not_word_is_corrupt() -> None:
    with pytest.raises(CorruptDocument):
        parse_document("a.docx", VI.encode())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "xin chào")
    with pytest.raises(CorruptDocument):
        parse_document("a.docx", buffer.getvalue())
    broken = make_docx().replace(b"word/document.xml", b"word/documenX.xml")
    with pytest.raises(CorruptDocument):
        parse_document("a.docx", broken)


def test_docx_zip_bomb_is_refused_before_inflating() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"\x00" * 2_000_000)
    data = buffer.getvalue()
    assert len(data) < 10_000
    with pytest.raises(DocumentTooLarge):
        parse_document("bomb.docx", data, max_bytes=50_000)  # may inflate to 20 x 50 kB = 1 MB


def test_docx_without_text_is_empty() -> None:
    buffer = io.BytesIO()
    docx.Document().save(buffer)
    with pytest.raises(EmptyDocument):
        parse_document("a.docx", buffer.getvalue())


# --- pdf ------------------------------------------------------------------------------------------


def test_pdf_vietnamese_text_and_title() -> None:
    data = make_pdf([VI_LINES, ["Trang hai: Điều 2. Đối tượng áp dụng"]], title="Luật Phòng, chống ma túy")
    parsed = parse_document("luat.pdf", data)
    assert parsed.title == "Luật Phòng, chống ma túy"
    assert parsed.text == f"{VI}\n\nTrang hai: Điều 2. Đối tượng áp dụng"


def test_pdf_encrypted_with_a_password_is_corrupt_with_a_clear_message() -> None:
    with pytest.raises(CorruptDocument, match="password"):
        parse_document("a.pdf", encrypted_pdf("bí-mật"))


def test_pdf_encrypted_only_against_copying_is_read() -> None:
    assert parse_document("a.pdf", encrypted_pdf("")).text == VI


def test_pdf_without_text_layer_is_empty() -> None:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    buffer = io.BytesIO()
    writer.write(buffer)
    with pytest.raises(EmptyDocument, match="OCR"):
        parse_document("scan.pdf", buffer.getvalue())


def test_pdf_page_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pdf_files, "MAX_PAGES", 1)
    with pytest.raises(DocumentTooLarge):
        parse_document("a.pdf", make_pdf([["một"], ["hai"]]))


@pytest.mark.parametrize("data", [b"%PDF-1.7\n", b"not a pdf at all", make_pdf([VI_LINES])[:200]])
def test_broken_pdf_is_corrupt(data: bytes) -> None:
    with pytest.raises((CorruptDocument, EmptyDocument)):
        parse_document("a.pdf", data)


# --- nothing but DomainErrors, whatever the bytes -------------------------------------------------


def _mutations(sample: bytes, rng: random.Random) -> list[bytes]:
    out = [sample[: rng.randrange(1, len(sample))] for _ in range(6)]  # truncated
    for _ in range(6):  # bytes flipped
        mutated = bytearray(sample)
        for _ in range(rng.randrange(1, 20)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        out.append(bytes(mutated))
    out.append(sample * 3)  # concatenated
    out.append(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4000))))  # noise
    return out


@pytest.mark.parametrize("extension", SUPPORTED_EXTENSIONS)
def test_random_and_damaged_input_raises_only_domain_errors(extension: str) -> None:
    rng = random.Random(extension)
    sample = valid_samples()[extension]
    cases = _mutations(sample, rng) + [rng.randbytes(n) for n in (1, 2, 7, 64, 999)]
    cases += [b"\x00", b"\xff\xfe", b"\xef\xbb\xbf", b"PK\x05\x06" + b"\x00" * 18, b"%PDF-"]
    for data in cases:
        try:
            parsed = parse_document(f"fuzz{extension}", data)
        except DomainError:
            continue
        assert parsed.text.strip()
        assert parsed.text == unicodedata.normalize("NFC", parsed.text)


def test_valid_samples_parse() -> None:
    for extension, data in valid_samples().items():
        if extension in (".doc", ".xlsx", ".xls", ".pptx", ".odt"):
            continue  # their own content, checked in test_formats.py
        assert "Phạm vi điều chỉnh" in parse_document(f"a{extension}", data).text, extension
