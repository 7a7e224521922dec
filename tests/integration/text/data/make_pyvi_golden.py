"""Record real pyvi 0.1.1 output as the golden file test_segment.py checks the port against.

Run with an interpreter that has pyvi==0.1.1 and its dependencies installed (a throwaway venv):

    /tmp/pyvi-ref/bin/python tests/integration/text/data/make_pyvi_golden.py /path/to/vi-legal-dev

The sample is fixed by a seed, so a rerun over the same data writes the same file.
"""

from __future__ import annotations

import json
import random
import sys
import unicodedata
from pathlib import Path

from pyvi import ViTokenizer

HERE = Path(__file__).parent
NFD_SOURCES = [
    "Tiếng Việt có dấu được chuẩn hóa NFC.",
    "Người sử dụng đất được cấp Giấy chứng nhận quyền sử dụng đất.",
    "Ủy ban nhân dân cấp huyện quyết định thu hồi đất.",
]
EDGE_CASES = [
    "", " ", "\n", "   \n\t ", ".", "...", "!!!", "==> -> >>", "_", "a, b", "a,b;c:d",
    "Liên hệ: nguyen.van.a@example.com.vn hoặc https://thuvienphapluat.vn/van-ban/abc?x=1&y=2 để biết.",
    "Gửi thư tới phong_phap_che+hoi@moj.gov.vn trước ngày 05/6.",
    "Giá 1.200.000đ, giảm còn 950.000 VNĐ (tương đương 40,5 USD).",
    "Ngày 12/03/2024 lúc 08:30, hạn chót 31-12-2025.",
    "Nghị định số 15/2020/NĐ-CP ngày 03/02/2020 của Chính phủ",
    "Thông tư 01/2021/TT-BTP và Luật số 45/2019/QH14",
    "TP. Hồ Chí Minh, Tp. Hà Nội và TP.HCM",
    "ThS. Nguyễn Văn A, Dr. Smith, Mr. Bean, Mrs. Lan, Ms. Hoa",
    "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc",
    "ĐIỀU 5. QUYỀN VÀ NGHĨA VỤ CỦA NGƯỜI LAO ĐỘNG",
    "Thu tuc cap giay phep xay dung nha o rieng le tai do thi",
    "gia vang hom nay tang manh",
    "muc phat vi pham giao thong khi vuot den do",
    "hoà giải, thuỷ lợi, khoẻ mạnh, uỷ ban, hoá học, tuỳ theo",
    "hòa giải, thủy lợi, khỏe mạnh, ủy ban, hóa học, tùy theo",
    "Điều 51 Bộ luật Hình sự",
    "khoản 2 Điều 8 Luật Đất đai",
    "biến_số snake_case 1_000 __init__",
    "Tôi   đi\thọc  \n\n\n  về",
    "\u201cHợp đồng\u201d \u2013 điều khoản\u2026 \u00abtrích dẫn\u00bb",
    "Chúc mừng 🎉 năm mới!",
    "ＡＢＣ １２３ ｈợｐ đồｎｇ",
    "ÐIỀU 1. Phạm vi",
    "Luật\u00a0Đất\u200bđai\u00adnăm 2024",
    "Tỷ lệ 3,14 và 0.5% rồi 100% số 1,5 triệu",
    "Trường hợp a) và b) khoản 1; điểm đ khoản 1 Điều 2",
    "Công ty ABC Ltd. ký hợp đồng với XYZ Corp. năm 2020",
    "Covid-19, H5N1, iPhone 15 Pro Max, 5G",
    "\u0301abc x\u0301 q\u0323",
    ">> xem tiếp ==> trang sau -> hết...",
    "v.v. và vv... cùng nhiều thứ khác",
    "Ông A. Nguyễn và bà B. Trần",
    "nhà Nước quản lý, bộ Tài chính hướng dẫn",
    "1.2.3 mục lục; 2,000,000 đồng; 1_2_3",
    "Số tiền 500.000.000 (năm trăm triệu) đồng",
    "line one\r\nline two\rline three",
    "quý khách quả thật giá cả già trẻ gìn giữ",
    "HOÀ BÌNH, Hoà Bình, hòa bình",
    "Cơ quan thuế\n\nĐiều 1\n\n1. Khoản một\n2. Khoản hai",
    "2. Con nuôi đã thành\r\nniên.",
    "của Luật này được áp\ndụng đối với người nước ngoài",
]


def sample(data: Path, rng: random.Random) -> list[str]:
    docs = [json.loads(line) for line in (data / "corpus.jsonl").open(encoding="utf-8")]
    queries = [json.loads(line)["query"] for line in (data / "queries.jsonl").open(encoding="utf-8")]
    lines = [ln.strip() for d in docs for ln in d["text"].split("\n") if ln.strip()]
    picked = [_cut(ln, 400) for ln in rng.sample(lines, 60)]
    picked += [_cut(d["text"], 1200) for d in rng.sample(docs, 8)]
    picked += [d["title"] for d in rng.sample(docs, 20)]
    picked += rng.sample(queries, 70)
    return picked


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0]


def main() -> None:
    rng = random.Random(20240312)
    nfd = [unicodedata.normalize("NFD", s) for s in NFD_SOURCES]
    inputs = EDGE_CASES + nfd + sample(Path(sys.argv[1]), rng)
    with (HERE / "pyvi_golden.jsonl").open("w", encoding="utf-8") as out:
        for text in inputs:
            row = {"input": text, "expected": ViTokenizer.tokenize(text)}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
