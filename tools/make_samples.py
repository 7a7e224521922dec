"""Generate the sample documents under samples/: real Vietnamese law excerpts and a few fictional
company documents, in the formats organisations hold (txt, md, html, docx, pdf, a Word 97-2003 .doc,
an .xlsx workbook, a scanned PDF without a text layer, a .docx typed in the legacy TCVN3 fonts), each
with its `<file>.meta.json` sidecar (title, document_type, access_level, id). Also writes the .xls
copy of the workbook and the TCVN3/VNI .doc/.rtf/.pdf files that the parser tests read (tests/unit/data/).

    python tools/make_samples.py --corpus ../shared/data/vi-legal-dev/corpus.jsonl --out samples

The law texts come from the article passages of the vi-legal-dev corpus (Vietnamese legal
normative documents are not protected by copyright, Law on Intellectual Property, art. 15): a run
of consecutive articles of one law, written out as a legal document (title, number, chapter and
section headings, "Điều N. <name>" + body). The DRiLL copies are hard-wrapped; only their
whitespace is tidied. The company documents ("Công ty Mẫu") are fictional and written here.

The generated files are committed, so nothing here is a project dependency: run it with the project's
virtual environment plus fpdf2 (a throwaway `pip install fpdf2==2.8.5`), on a machine with the DejaVu
fonts (Debian: fonts-dejavu-core) and LibreOffice (libreoffice-writer-nogui, libreoffice-calc-nogui:
the only writer of .doc and .xls at hand).
"""

from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # shared/ and tools/ of this checkout

FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"), Path("/usr/share/fonts/dejavu"))
FIXED_DATE = dt.datetime(2025, 1, 15, 8, 0, tzinfo=dt.UTC)  # stable metadata, so reruns differ less


# Blocks: the format-neutral shape of a document.
@dataclass(frozen=True)
class Block:
    kind: str  # title | subtitle | chapter | section | article | para | table
    text: str = ""
    name: str = ""  # the heading's name line, for chapter and section
    rows: tuple[tuple[str, ...], ...] = ()


@dataclass
class Sample:
    file: str
    title: str
    document_type: str
    access_level: str
    id: str
    blocks: list[Block] = field(default_factory=list)


# ---------------------------------------------------------------- law excerpts from the corpus

@dataclass(frozen=True)
class LawExcerpt:
    file: str
    title: str  # the sidecar's title
    heading: str  # the law's title line, as printed
    number: str
    match: tuple[str, str]  # (metadata key, value) that selects the law in the corpus
    first: int
    last: int
    access_level: str
    document_type: str = "law"
    preamble: tuple[str, ...] = ()  # the enacting formula, for an excerpt that starts at the law's beginning
    # Article number → the headings that open before it: (kind, "Chương VII", "THỜI GIỜ …").
    headings: dict[int, tuple[tuple[str, str, str], ...]] = field(default_factory=dict)


# Most excerpts open the law: its first chapter starts before Điều 1.
CHAPTER_ONE = {1: (("chapter", "Chương I", "NHỮNG QUY ĐỊNH CHUNG"),)}

LAWS = (
    LawExcerpt(
        file="luat-tiep-can-thong-tin.txt",
        title="Luật Tiếp cận thông tin 2016 – Chương I. Những quy định chung",
        heading="LUẬT TIẾP CẬN THÔNG TIN", number="Luật số: 104/2016/QH13",
        match=("law", "Luật Tiếp cận thông tin"), first=1, last=16, access_level="public",
        preamble=("Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;",
                  "Quốc hội ban hành Luật Tiếp cận thông tin."),
        headings=CHAPTER_ONE,
    ),
    LawExcerpt(
        file="luat-nuoi-con-nuoi.html",
        title="Luật Nuôi con nuôi 2010 (trích Điều 14–24)",
        heading="LUẬT NUÔI CON NUÔI", number="Luật số: 52/2010/QH12",
        match=("law_id", "52/2010/QH12"), first=14, last=24, access_level="public",
    ),
    LawExcerpt(
        file="bo-luat-lao-dong-thoi-gio-lam-viec-nghi-ngoi.docx",
        title="Bộ luật Lao động 2019 – Chương VII. Thời giờ làm việc, thời giờ nghỉ ngơi",
        heading="BỘ LUẬT LAO ĐỘNG", number="Luật số: 45/2019/QH14",
        match=("law_id", "45/2019/QH14"), first=105, last=116, access_level="internal",
        headings={
            105: (("chapter", "Chương VII", "THỜI GIỜ LÀM VIỆC, THỜI GIỜ NGHỈ NGƠI"),
                  ("section", "Mục 1", "THỜI GIỜ LÀM VIỆC")),
            109: (("section", "Mục 2", "THỜI GIỜ NGHỈ NGƠI"),),
        },
    ),
    LawExcerpt(
        file="luat-an-ninh-mang.pdf",
        title="Luật An ninh mạng 2018 – Chương I. Những quy định chung",
        heading="LUẬT AN NINH MẠNG", number="Luật số: 24/2018/QH14",
        match=("law", "Luật An ninh mạng"), first=1, last=9, access_level="public",
        preamble=("Căn cứ Hiến pháp nước Cộng hòa xã hội chủ nghĩa Việt Nam;",
                  "Quốc hội ban hành Luật An ninh mạng."),
        headings=CHAPTER_ONE,
    ),
    LawExcerpt(
        file="luat-cu-tru.doc",
        title="Luật Cư trú 2020 – Chương I. Những quy định chung (Word 97-2003)",
        heading="LUẬT CƯ TRÚ", number="Luật số: 68/2020/QH14",
        match=("law", "Luật Cư trú"), first=1, last=7, access_level="public",
        headings=CHAPTER_ONE,
    ),
    LawExcerpt(
        file="luat-phong-chong-ma-tuy-ban-scan.pdf",
        title="Luật Phòng, chống ma túy 2021 (bản scan, trích Điều 1–3)",
        heading="LUẬT PHÒNG, CHỐNG MA TÚY", number="Luật số: 73/2021/QH14",
        match=("law", "Luật Phòng, chống ma túy"), first=1, last=3, access_level="public",
        headings=CHAPTER_ONE,
    ),
    LawExcerpt(
        file="luat-thanh-nien-tcvn3.docx",
        title="Luật Thanh niên 2020 – Chương I (văn bản gõ phông TCVN3 .VnTime)",
        heading="LUẬT THANH NIÊN", number="Luật số: 57/2020/QH14",
        match=("law", "Luật Thanh niên"), first=1, last=8, access_level="internal",
        headings=CHAPTER_ONE,
    ),
)


def load_articles(corpus: Path, key: str, value: str) -> dict[int, dict]:
    articles: dict[int, dict] = {}
    with corpus.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            meta = row["metadata"]
            if meta.get(key) == value:
                number = meta.get("article_id") or meta.get("article_index")
                articles[int(number)] = row
    return articles


def tidy_drill(text: str) -> str:
    """Whitespace only: the DRiLL copies wrap lines mid-sentence (\\r\\n) and run points together
    with tabs; give each clause and point its own line."""
    text = re.sub(r"\r\n(?=\d{1,2}\.\s)", "\n", text)  # a wrap right before "2. …" starts a clause
    text = text.replace("\r\n", " ")
    text = re.sub(r"\t+", "\n", text)
    text = re.sub(r"(?<=[;:])[ ]*(?=\d{1,2}\.[ ]|[a-zđ]\)[ ])", "\n", text)  # "gồm có: 1. …; 2. …"
    text = re.sub(r"(?<=[a-zà-ỹ])\.(?=[A-ZÀ-Ỹ])", ". ", text)  # "của Luật này.Việc lấy ý kiến"
    text = re.sub(r"[ ]{2,}", " ", text)
    return "\n".join(line.strip() for line in text.split("\n"))


def law_sample(spec: LawExcerpt, corpus: Path) -> Sample:
    articles = load_articles(corpus, *spec.match)
    sample_id = spec.file.rsplit(".", 1)[0]
    sample = Sample(spec.file, spec.title, spec.document_type, spec.access_level, sample_id)
    sample.blocks += [Block("title", spec.heading), Block("subtitle", spec.number)]
    sample.blocks += [Block("para", line) for line in spec.preamble]
    for number in range(spec.first, spec.last + 1):
        row = articles[number]
        for kind, label, name in spec.headings.get(number, ()):
            sample.blocks.append(Block(kind, label, name=name))
        if row["doc_id"].startswith("drill-"):
            # DRiLL passages hold the body only: the article keeps its number alone.
            heading, body = f"Điều {number}.", tidy_drill(row["text"])
        else:
            name, _, body = row["text"].partition("\n")
            heading = f"Điều {number}. {name.strip()}"
        sample.blocks.append(Block("article", heading))
        # One paragraph a line; runs of spaces inside the source text are tidied to one.
        paragraphs = [" ".join(p.split()) for p in body.split("\n") if p.strip()]
        sample.blocks += [Block("para", p) for p in paragraphs]
    return sample


# ---------------------------------------------------------------- fictional company documents
# A tiny markup, one block a line: "= " title, "~ " subtitle, "§ " article heading, "| a | b" table row,
# else a paragraph; an indented line continues the line above.

LEAVE_PROCEDURE = """
= QUY TRÌNH XIN NGHỈ PHÉP
~ Công ty Cổ phần Mẫu (Công ty Mẫu) – tài liệu mẫu, hư cấu, chỉ dùng để minh họa. Mã tài liệu: QT-NS-03, phiên
  bản 2.1.
§ Điều 1. Phạm vi và đối tượng áp dụng
1. Quy trình này quy định việc đăng ký, phê duyệt và theo dõi các loại nghỉ của người lao động tại Công ty
  Mẫu.
2. Quy trình áp dụng cho người lao động làm việc theo hợp đồng lao động từ 01 tháng trở lên, kể cả người đang
  thử việc.
§ Điều 2. Các loại nghỉ
1. Nghỉ hằng năm: 12 ngày làm việc cho người làm việc đủ 12 tháng; cứ đủ 05 năm làm việc tại Công ty được cộng
  thêm 01 ngày, theo Điều 113 và Điều 114 của Bộ luật Lao động.
2. Nghỉ việc riêng có hưởng lương: kết hôn 03 ngày; con đẻ, con nuôi kết hôn 01 ngày; cha, mẹ, vợ hoặc chồng,
  con chết 03 ngày, theo Điều 115 của Bộ luật Lao động.
3. Nghỉ không hưởng lương: theo thỏa thuận với Trưởng bộ phận, tối đa 30 ngày trong một năm; trên 30 ngày phải
  được Giám đốc Nhân sự phê duyệt.
4. Nghỉ ốm, nghỉ thai sản: hưởng chế độ bảo hiểm xã hội; người lao động nộp giấy tờ của cơ sở y tế cho Phòng
  Nhân sự trong thời hạn 05 ngày làm việc kể từ ngày trở lại làm việc.
§ Điều 3. Thời hạn đăng ký
1. Nghỉ từ 01 đến 02 ngày: đăng ký trên hệ thống nhân sự nội bộ chậm nhất 02 ngày làm việc trước ngày nghỉ.
2. Nghỉ từ 03 ngày trở lên: đăng ký chậm nhất 05 ngày làm việc trước ngày nghỉ và bàn giao công việc bằng văn
  bản.
3. Trường hợp đột xuất (ốm đau, tai nạn, việc hiếu), người lao động báo cho Trưởng bộ phận bằng điện thoại
  hoặc tin nhắn ngay trong ngày nghỉ đầu tiên và đăng ký bù trên hệ thống chậm nhất 02 ngày làm việc sau khi
  trở lại làm việc.
§ Điều 4. Trình tự phê duyệt
1. Người lao động tạo đơn xin nghỉ trên hệ thống, ghi rõ loại nghỉ, số ngày nghỉ và người nhận bàn giao công
  việc.
2. Trưởng bộ phận phê duyệt hoặc từ chối trong thời hạn 01 ngày làm việc; quá thời hạn này mà không có ý kiến
  thì đơn được chuyển lên Giám đốc khối.
3. Đơn xin nghỉ từ 05 ngày làm việc liên tục trở lên phải có thêm phê duyệt của Giám đốc khối.
4. Phòng Nhân sự cập nhật số ngày phép còn lại và gửi thư điện tử xác nhận cho người lao động.
§ Điều 5. Ngày nghỉ hằng năm chưa sử dụng
1. Ngày nghỉ hằng năm chưa sử dụng được chuyển sang quý I của năm sau; hết ngày 31 tháng 3 mà chưa nghỉ thì
  không được chuyển tiếp.
2. Khi thôi việc, người lao động được thanh toán tiền lương cho những ngày chưa nghỉ hằng năm theo khoản 3
  Điều 113 của Bộ luật Lao động.
§ Điều 6. Trách nhiệm thực hiện
1. Trưởng bộ phận bố trí lịch nghỉ để bảo đảm hoạt động bình thường của bộ phận.
2. Phòng Nhân sự hướng dẫn, theo dõi và báo cáo tình hình nghỉ phép hằng quý cho Ban Giám đốc.
3. Mọi thắc mắc về quy trình này gửi về Phòng Nhân sự, số máy lẻ 1203.
"""

PAY_POLICY = """
= CHÍNH SÁCH LƯƠNG, THƯỞNG NĂM 2025
~ Công ty Cổ phần Mẫu – tài liệu mẫu, hư cấu. MẬT: chỉ lưu hành trong Ban Giám đốc và Phòng Nhân sự.
§ Điều 1. Nguyên tắc trả lương
1. Tiền lương được trả theo vị trí việc làm, năng lực và kết quả công việc, không thấp hơn mức lương tối thiểu
  vùng do Chính phủ quy định.
2. Tiền lương được trả bằng chuyển khoản vào ngày 05 hằng tháng; nếu trùng ngày nghỉ thì trả vào ngày làm việc
  liền trước.
§ Điều 2. Thang bậc lương
Mức lương tháng theo bậc (đồng, chưa gồm phụ cấp):
| Bậc | Chức danh | Mức thấp nhất | Mức cao nhất
| B1 | Nhân viên | 9.000.000 | 14.000.000
| B2 | Chuyên viên | 14.000.000 | 22.000.000
| B3 | Trưởng nhóm | 22.000.000 | 32.000.000
| B4 | Trưởng phòng | 32.000.000 | 45.000.000
| B5 | Giám đốc khối | 45.000.000 | 70.000.000
§ Điều 3. Phụ cấp
1. Phụ cấp ăn trưa 900.000 đồng một tháng; phụ cấp điện thoại từ 300.000 đến 1.000.000 đồng một tháng theo
  chức danh.
2. Phụ cấp trách nhiệm cho Trưởng nhóm trở lên bằng 10% lương cơ bản.
§ Điều 4. Xét nâng lương
1. Việc xét nâng lương thực hiện mỗi năm một lần vào tháng 4, căn cứ kết quả đánh giá của năm trước.
2. Người lao động xếp loại A được tăng lương từ 8% đến 12%; xếp loại B từ 4% đến 7%; xếp loại C không được xét
  tăng lương.
§ Điều 5. Thưởng
1. Thưởng tháng lương thứ 13 bằng một tháng lương cơ bản, trả cùng kỳ lương tháng 12 cho người làm việc đủ 12
  tháng trong năm; người làm việc chưa đủ 12 tháng được thưởng theo tỷ lệ số tháng làm việc.
2. Thưởng hiệu quả kinh doanh: quỹ thưởng bằng 8% phần lợi nhuận sau thuế vượt kế hoạch, chia theo hệ số xếp
  loại: A hệ số 1,5; B hệ số 1,0; C hệ số 0,5.
3. Thưởng dự án, sáng kiến do Giám đốc khối đề xuất, tối đa 20.000.000 đồng cho một lần thưởng.
4. Quy chế thưởng chung được công bố tại nơi làm việc theo Điều 104 của Bộ luật Lao động; các mức lương và quỹ
  thưởng trong tài liệu này là thông tin mật.
§ Điều 6. Bảo mật thông tin tiền lương
1. Mức lương, thưởng của từng người lao động là thông tin mật; người được giao quản lý không được tiết lộ cho
  người khác.
2. Vi phạm quy định bảo mật tiền lương bị xử lý kỷ luật theo Nội quy lao động của Công ty.
"""

BOARD_RESOLUTION = """
= NGHỊ QUYẾT HỘI ĐỒNG QUẢN TRỊ
~ Công ty Cổ phần Mẫu – tài liệu mẫu, hư cấu. Số: 07/2025/NQ-HĐQT. Về kế hoạch kinh doanh và quỹ lương, thưởng
  năm 2025.
Căn cứ Luật Doanh nghiệp số 59/2020/QH14;
Căn cứ Điều lệ Công ty Cổ phần Mẫu;
Căn cứ biên bản họp Hội đồng quản trị ngày 15 tháng 01 năm 2025.
HỘI ĐỒNG QUẢN TRỊ QUYẾT NGHỊ:
§ Điều 1. Thông qua kế hoạch kinh doanh năm 2025
1. Doanh thu thuần 480 tỷ đồng, tăng 12% so với năm 2024.
2. Lợi nhuận sau thuế 36 tỷ đồng.
3. Cổ tức dự kiến 10% bằng tiền, trình Đại hội đồng cổ đông thường niên phê duyệt.
§ Điều 2. Quỹ lương và quỹ thưởng
1. Tổng quỹ lương năm 2025 không vượt quá 96 tỷ đồng.
2. Quỹ thưởng hiệu quả kinh doanh bằng 8% phần lợi nhuận sau thuế vượt kế hoạch, chi trả trong quý I năm 2026.
§ Điều 3. Đầu tư và tổ chức
1. Phê duyệt chủ trương mở chi nhánh tại thành phố Đà Nẵng trong quý III năm 2025, tổng mức đầu tư không quá
  15 tỷ đồng.
2. Giao Tổng Giám đốc lựa chọn đơn vị tư vấn và báo cáo Hội đồng quản trị tại phiên họp quý II.
§ Điều 4. Tổ chức thực hiện
1. Nghị quyết này có hiệu lực kể từ ngày ký.
2. Tổng Giám đốc, các Giám đốc khối và các thành viên Hội đồng quản trị chịu trách nhiệm thi hành Nghị quyết
  này.
3. Nghị quyết được lưu hành hạn chế trong Hội đồng quản trị, Ban Kiểm soát và Ban Tổng Giám đốc.
TM. HỘI ĐỒNG QUẢN TRỊ – CHỦ TỊCH (đã ký): Nguyễn Văn Mẫu
"""

COMPANY = (
    ("quy-trinh-nghi-phep.md", "Quy trình xin nghỉ phép – Công ty Mẫu", "procedure", "internal", LEAVE_PROCEDURE),
    ("chinh-sach-luong-thuong.docx", "Chính sách lương, thưởng năm 2025 – Công ty Mẫu", "policy", "confidential",
     PAY_POLICY),
    ("nghi-quyet-hdqt-07-2025.pdf", "Nghị quyết HĐQT số 07/2025 – Công ty Mẫu", "resolution", "restricted",
     BOARD_RESOLUTION),
)


def company_sample(file: str, title: str, document_type: str, access_level: str, markup: str) -> Sample:
    sample = Sample(file, title, document_type, access_level, file.rsplit(".", 1)[0])
    rows: list[tuple[str, ...]] = []
    for line in re.sub(r"\n[ ]+", " ", markup.strip()).splitlines():
        if line.startswith("| "):
            rows.append(tuple(cell.strip() for cell in line[2:].split("|")))
            continue
        if rows:
            sample.blocks.append(Block("table", rows=tuple(rows)))
            rows = []
        marker, _, rest = line.partition(" ")
        kind = {"=": "title", "~": "subtitle", "§": "article"}.get(marker)
        sample.blocks.append(Block(kind, rest) if kind else Block("para", line))
    if rows:
        sample.blocks.append(Block("table", rows=tuple(rows)))
    return sample


# ---------------------------------------------------------------- writers, one per format

def write_txt(sample: Sample, path: Path) -> None:
    out: list[str] = []
    for b in sample.blocks:
        if b.kind in ("chapter", "section"):
            out += [b.text, b.name]
        elif b.kind == "table":
            out += [" | ".join(row) for row in b.rows]
        else:
            out.append(b.text)
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


def write_md(sample: Sample, path: Path) -> None:
    out: list[str] = []
    for b in sample.blocks:
        if b.kind == "title":
            out.append(f"# {b.text}")
        elif b.kind == "subtitle":
            out.append(f"*{b.text}*")
        elif b.kind in ("chapter", "section"):
            out.append(f"## {b.text}. {b.name}")
        elif b.kind == "article":
            out.append(f"## {b.text}")
        elif b.kind == "table":
            head, *body = b.rows
            out += [f"| {' | '.join(head)} |", "|" + "---|" * len(head)] + [f"| {' | '.join(r)} |" for r in body]
        else:
            out.append(b.text)
        out.append("")
    path.write_text("\n".join(out), encoding="utf-8")


def write_html(sample: Sample, path: Path) -> None:
    esc = html.escape
    out = ["<!DOCTYPE html>", '<html lang="vi">', "<head>", '<meta charset="utf-8">',
           f"<title>{esc(sample.title)}</title>", "</head>", "<body>", "<article>"]
    for b in sample.blocks:
        if b.kind == "title":
            out.append(f"<h1>{esc(b.text)}</h1>")
        elif b.kind == "subtitle":
            out.append(f'<p class="so-hieu">{esc(b.text)}</p>')
        elif b.kind in ("chapter", "section"):
            out.append(f"<h2>{esc(b.text)}<br>{esc(b.name)}</h2>")
        elif b.kind == "article":
            out.append(f"<h3>{esc(b.text)}</h3>")
        elif b.kind == "table":
            cells = "".join(f"<tr>{''.join(f'<td>{esc(c)}</td>' for c in r)}</tr>" for r in b.rows)
            out.append(f"<table>{cells}</table>")
        else:
            out.append(f"<p>{esc(b.text)}</p>")
    out += ["</article>", "</body>", "</html>", ""]
    path.write_text("\n".join(out), encoding="utf-8")


def write_docx(sample: Sample, path: Path) -> None:
    import docx  # python-docx
    from docx.shared import Pt

    document = docx.Document()
    props = document.core_properties
    props.title, props.author, props.language = sample.title, "vnrag samples", "vi"
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    document.styles["Normal"].font.size = Pt(11)
    for b in sample.blocks:
        if b.kind == "title":
            document.add_heading(b.text, level=0)
        elif b.kind == "subtitle":
            document.add_paragraph(b.text).runs[0].italic = True
        elif b.kind in ("chapter", "section"):
            document.add_heading(b.text, level=1 if b.kind == "chapter" else 2)
            document.add_heading(b.name, level=1 if b.kind == "chapter" else 2)
        elif b.kind == "article":
            document.add_heading(b.text, level=3)
        elif b.kind == "table":
            table = document.add_table(rows=len(b.rows), cols=len(b.rows[0]))
            table.style = "Table Grid"
            for r, row in enumerate(b.rows):
                for c, value in enumerate(row):
                    table.cell(r, c).text = value
        else:
            document.add_paragraph(b.text)
    buffer = io.BytesIO()
    document.save(buffer)
    _fixed_zip(buffer.getvalue(), path)


def write_pdf(sample: Sample, path: Path) -> None:
    from fpdf import FPDF

    font_dir = next((d for d in FONT_DIRS if (d / "DejaVuSans.ttf").is_file()), None)
    if font_dir is None:
        raise SystemExit("DejaVu Sans not found (Debian: apt-get install fonts-dejavu-core)")
    pdf = FPDF(format="A4")
    pdf.set_title(sample.title)
    pdf.set_author("vnrag samples")
    pdf.set_lang("vi")
    pdf.set_creation_date(FIXED_DATE)
    pdf.add_font("DejaVu", "", str(font_dir / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(font_dir / "DejaVuSans-Bold.ttf"))
    pdf.set_margins(20, 18, 20)
    pdf.set_auto_page_break(True, margin=18)
    pdf.add_page()

    def text(value: str, size: float, style: str = "", align: str = "L", before: float = 0) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.ln(before)
        pdf.multi_cell(0, size * 0.5, value, align=align, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1.5)

    for b in sample.blocks:
        if b.kind == "title":
            text(b.text, 15, "B", "C")
        elif b.kind == "subtitle":
            text(b.text, 10, "", "C")
        elif b.kind in ("chapter", "section"):
            text(b.text, 12, "B", "C", before=3)
            text(b.name, 12, "B", "C")
        elif b.kind == "article":
            text(b.text, 11, "B", "L", before=2)
        elif b.kind == "table":
            pdf.set_font("DejaVu", "", 10)
            with pdf.table() as table:
                for row in b.rows:
                    cells = table.row()
                    for value in row:
                        cells.cell(value)
        else:
            text(b.text, 10.5)
    pdf.output(str(path))


def _fixed_zip(data: bytes, path: Path) -> None:
    """Rewrite a zip with fixed timestamps, so a rerun writes the same bytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=FIXED_DATE.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(fixed, source.read(entry.filename))


def write_tcvn3_docx(sample: Sample, path: Path) -> None:
    """A .docx as it was typed with ABC in the 1990s-2000s: every run in .VnTime (headings in the
    capitals font .VnTimeH, and any toned capital too, which TCVN3 has no code for)."""
    import docx

    from tools.document_builders import add_legacy_paragraph

    document = docx.Document()
    props = document.core_properties
    props.author, props.language = "vnrag samples", "vi"
    props.created = props.modified = FIXED_DATE.replace(tzinfo=None)
    for b in sample.blocks:
        lines = [b.text, b.name] if b.kind in ("chapter", "section") else [b.text]
        for line in lines:
            capitals = b.kind in ("title", "chapter", "section")
            # In a capitals font the lowercase codes print as capitals: that is how headings were typed.
            paragraph = add_legacy_paragraph(document, line.lower() if capitals else line, "tcvn3",
                                             font=".VnTimeH" if capitals else ".VnTime")
            if b.kind != "para":
                for run in paragraph.runs:
                    run.bold = True
    buffer = io.BytesIO()
    document.save(buffer)
    _fixed_zip(buffer.getvalue(), path)


def _soffice_convert(source: Path, target_format: str, out_dir: Path) -> Path:
    soffice = shutil.which("soffice")
    if soffice is None:
        raise SystemExit("LibreOffice is needed to write .doc/.xls (Debian: libreoffice-writer-nogui)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                        target_format, "--outdir", str(out_dir), str(source)], check=True, capture_output=True)
    return out_dir / f"{source.stem}.{target_format}"


def write_doc(sample: Sample, path: Path) -> None:
    """Word 97-2003: the .docx writer's output, converted by LibreOffice."""
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / f"{path.stem}.docx"
        write_docx(sample, source)
        shutil.move(_soffice_convert(source, "doc", Path(tmp) / "out"), path)


def write_scanned_pdf(sample: Sample, path: Path) -> None:
    """The text typeset and "scanned": 300 dpi greyscale pages with noise and a slight skew, stored as
    images only (no text layer), as a copier's scan-to-PDF makes them."""
    from tools.document_builders import images_to_pdf, render_pages

    lines: list[str] = []
    for b in sample.blocks:
        lines += [b.text, b.name] if b.kind in ("chapter", "section") else [b.text]
    # Lighter noise than bench/ocr.py uses, so the committed file stays small.
    pages = render_pages("\n".join(lines), dpi=300, seed=7, noise=3.0)
    path.write_bytes(images_to_pdf(pages, dpi=300, quality=50))


WRITERS = {".txt": write_txt, ".md": write_md, ".html": write_html, ".docx": write_docx, ".pdf": write_pdf,
           ".doc": write_doc}
SPECIAL_WRITERS = {"luat-phong-chong-ma-tuy-ban-scan.pdf": write_scanned_pdf,
                   "luat-thanh-nien-tcvn3.docx": write_tcvn3_docx}


# ---------------------------------------------------------------- a workbook (fictional)

FEE_WORKBOOK = "bieu-phi-noi-bo.xlsx"
FEE_TITLE = "Biểu phí dịch vụ nội bộ và phụ cấp năm 2025 – Công ty Mẫu"
FEE_SHEETS = (
    ("Phí dịch vụ", "BIỂU PHÍ DỊCH VỤ NỘI BỘ NĂM 2025", ("Dịch vụ", "Đơn vị tính", "Mức phí (đồng)", "Ghi chú"), (
        ("Cấp lại thẻ nhân viên", "lần", 50_000, "Miễn phí lần đầu"),
        ("Gửi xe máy tại tầng hầm", "tháng", 100_000, ""),
        ("Gửi ô tô tại tầng hầm", "tháng", 1_200_000, "Theo thứ tự đăng ký"),
        ("Suất ăn trưa tại căng tin", "suất", 35_000, "Công ty hỗ trợ 50%"),
        ("In tài liệu màu khổ A4", "trang", 2_000, ""),
        ("Thuê phòng họp ngoài giờ", "giờ", 150_000, "Đặt trước 1 ngày"),
    )),
    ("Phụ cấp", "MỨC PHỤ CẤP HẰNG THÁNG", ("Loại phụ cấp", "Đối tượng", "Mức phụ cấp (đồng/tháng)"), (
        ("Phụ cấp điện thoại", "Trưởng phòng trở lên", 500_000),
        ("Phụ cấp xăng xe", "Nhân viên kinh doanh", 800_000),
        ("Phụ cấp ăn trưa", "Toàn bộ nhân viên", 730_000),
        ("Phụ cấp độc hại", "Nhân viên kho hóa chất", 1_000_000),
    )),
)


def write_workbook(path: Path, xls_copy: Path) -> None:
    import openpyxl
    from openpyxl.styles import Font

    book = openpyxl.Workbook()
    book.remove(book.active)
    book.properties.title, book.properties.creator = FEE_TITLE, "vnrag samples"
    book.properties.created = book.properties.modified = FIXED_DATE.replace(tzinfo=None)
    for name, heading, header, rows in FEE_SHEETS:
        sheet = book.create_sheet(name)
        sheet.append([heading])
        sheet["A1"].font = Font(bold=True)
        sheet.append([])
        sheet.append(list(header))
        for cell in sheet[3]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
            sheet.cell(sheet.max_row, 3).number_format = "#,##0"
        for column, width in zip("ABCD", (34, 24, 26, 24), strict=True):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    _fixed_zip(buffer.getvalue(), path)
    with tempfile.TemporaryDirectory() as tmp:
        xls_copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(_soffice_convert(path, "xls", Path(tmp)), xls_copy)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/data/vi-legal-dev/corpus.jsonl"))
    parser.add_argument("--out", type=Path, default=Path("samples"))
    parser.add_argument("--xls-fixture", type=Path, default=Path("tests/unit/data/bieu-phi-noi-bo.xls"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    samples = [law_sample(spec, args.corpus) for spec in LAWS]
    samples += [company_sample(*spec) for spec in COMPANY]
    for sample in samples:
        sample.blocks = [Block(b.kind, unicodedata.normalize("NFC", b.text), unicodedata.normalize("NFC", b.name),
                               tuple(tuple(unicodedata.normalize("NFC", c) for c in r) for r in b.rows))
                         for b in sample.blocks]
        path = args.out / sample.file
        SPECIAL_WRITERS.get(path.name, WRITERS.get(path.suffix))(sample, path)
        write_meta(path, sample.title, sample.document_type, sample.access_level, sample.id)
    workbook = args.out / FEE_WORKBOOK
    write_workbook(workbook, args.xls_fixture)
    write_meta(workbook, FEE_TITLE, "price_list", "internal", workbook.stem)
    print(f"{args.xls_fixture}  {args.xls_fixture.stat().st_size:>7} bytes  (test fixture)")
    write_legacy_fixtures(args.xls_fixture.parent / "legacy")


# Legacy-font documents in the formats that keep no font name (.doc, .rtf, .pdf), for the parser tests:
# LibreOffice writes them from .docx files typed in TCVN3 (.VnTime / .VnTimeH) and VNI fonts.
LEGACY_LINES = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Điều 1. Phạm vi điều chỉnh",
                "Luật này quy định về quyền, nghĩa vụ và trách nhiệm của thanh niên."]


def write_legacy_fixtures(folder: Path) -> None:
    from tools.document_builders import legacy_docx

    folder.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for encoding in ("tcvn3", "vni"):
            source = Path(tmp) / f"{encoding}.docx"
            source.write_bytes(legacy_docx(LEGACY_LINES, encoding))
            for fmt in ("doc", "rtf", "pdf"):
                target = folder / f"{encoding}.{fmt}"
                shutil.move(_soffice_convert(source, fmt, Path(tmp) / "out"), target)
                print(f"{target}  {target.stat().st_size:>7} bytes  (test fixture)")


def write_meta(path: Path, title: str, document_type: str, access_level: str, sample_id: str) -> None:
    meta = {"title": title, "document_type": document_type, "access_level": access_level, "id": sample_id}
    path.with_name(path.name + ".meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=2) + "\n",
                                                       encoding="utf-8")
    print(f"{path}  {path.stat().st_size:>7} bytes  {access_level}")


if __name__ == "__main__":
    main()
