"""Names, abbreviations and numbers by which Vietnamese legal documents are cited.

Data, not logic: each line of the table is a group of strings that name the same document (its
official number, its name, the abbreviations people type). A question naming any of them finds indexed documents whose
title carries any other (`shared.services.retrieval.references.DocumentCatalogue`). Case, marks and spacing
do not matter (entries are compared folded and lowercased). Extend `DOCUMENT_ALIASES` for other
corpora, or pass your own groups to `DocumentCatalogue.from_chunks(..., aliases=...)`; none of it is
tuned to particular questions.

`TYPE_ABBREVIATIONS` expands the abbreviations of document types that precede a number or a name
(`NĐ 37/2015` = `Nghị định 37/2015`).
"""

from __future__ import annotations


def _alias_groups(table: str) -> tuple[tuple[str, ...], ...]:
    """One group per line of `table`, its names separated by `;`; blank lines and `#` comments are skipped."""
    rows = (line.strip() for line in table.splitlines())
    return tuple(tuple(name.strip() for name in row.split(";")) for row in rows if row and not row.startswith("#"))


DOCUMENT_ALIASES: tuple[tuple[str, ...], ...] = _alias_groups("""
# Codes (bộ luật)
Bộ luật dân sự; Bộ luật dân sự 2015; BLDS; BLDS 2015; 91/2015/QH13
Bộ luật hình sự; Bộ luật hình sự 2015; Bộ luật hình sự 2017; BLHS; BLHS 2015; BLHS 2017; 100/2015/QH13; 01/VBHN-VPQH
Bộ luật lao động; Bộ luật lao động 2019; BLLĐ; BLLĐ 2019; 45/2019/QH14
Bộ luật tố tụng dân sự; Bộ luật tố tụng dân sự 2015; BLTTDS; BLTTDS 2015; 92/2015/QH13
Bộ luật tố tụng hình sự; Bộ luật tố tụng hình sự 2015; BLTTHS; 101/2015/QH13
Bộ luật hàng hải; Bộ luật hàng hải 2015; BLHH; 95/2015/QH13
# Laws (luật)
Luật đất đai; Luật đất đai 2013; 45/2013/QH13
Luật hôn nhân và gia đình; Luật hôn nhân gia đình; Luật HNGĐ; Luật HN&GĐ; 52/2014/QH13
Luật tố tụng hành chính; Luật TTHC; 93/2015/QH13
Luật an ninh mạng; 24/2018/QH14
Luật nhà ở; Luật nhà ở 2014; 65/2014/QH13
Luật kinh doanh bất động sản; Luật kinh doanh bất động sản 2014; 66/2014/QH13
Luật doanh nghiệp; Luật doanh nghiệp 2014; 68/2014/QH13
Luật doanh nghiệp 2020; 59/2020/QH14
Luật xây dựng; Luật xây dựng 2014; 50/2014/QH13
Luật bảo hiểm xã hội; Luật BHXH; 58/2014/QH13
Luật hộ tịch; 60/2014/QH13
Luật nuôi con nuôi; 52/2010/QH12
Luật thuế thu nhập cá nhân; Luật thuế TNCN; 04/2007/QH12
Luật các tổ chức tín dụng; Luật tổ chức tín dụng; 47/2010/QH12
Luật thi hành án dân sự; 26/2008/QH12
Luật khiếu nại; 02/2011/QH13
Luật tố cáo; 03/2011/QH13
Luật giao thông đường bộ; 23/2008/QH12
Luật xử lý vi phạm hành chính; Luật XLVPHC; 15/2012/QH13
Luật bảo vệ quyền lợi người tiêu dùng; 59/2010/QH12
Luật phá sản; 51/2014/QH13
Luật cư trú; 68/2020/QH14
Luật người cao tuổi; 39/2009/QH12
Luật thương mại; 36/2005/QH11
Luật sở hữu trí tuệ; Luật SHTT; 50/2005/QH11
Luật quốc tịch; Luật quốc tịch Việt Nam; 24/2008/QH12
Luật phòng, chống ma túy; Luật phòng chống ma túy; 73/2021/QH14
Luật trọng tài thương mại; 54/2010/QH12
Luật viên chức; 58/2010/QH12
Luật giáo dục; 43/2019/QH14
Luật du lịch; 09/2017/QH14
Luật bảo vệ môi trường; Luật BVMT; 72/2020/QH14
Luật tiếp cận thông tin; 104/2016/QH13
Luật thanh niên; 57/2020/QH14
Luật điện ảnh; 05/2022/QH15
Luật trồng trọt; 31/2018/QH14
Luật chăn nuôi; 32/2018/QH14
Hiến pháp; Hiến pháp 2013; Hiến pháp năm 2013
# Decrees and resolutions (nghị định, nghị quyết)
Nghị định 37/2015/NĐ-CP; 37/2015/NĐ-CP
Nghị định 19/2011/NĐ-CP; 19/2011/NĐ-CP
Nghị định 24/2012/NĐ-CP; 24/2012/NĐ-CP
Nghị quyết 326/2016/UBTVQH14; 326/2016/UBTVQH14
""")

# Abbreviated document types, as typed before a number or a name -> the full type.
TYPE_ABBREVIATIONS: dict[str, str] = {
    "bl": "bộ luật",
    "nđ": "nghị định",
    "nđ-cp": "nghị định",
    "nq": "nghị quyết",
    "tt": "thông tư",
    "ttlt": "thông tư liên tịch",
    "qđ": "quyết định",
    "ct": "chỉ thị",
    "vbhn": "văn bản hợp nhất",
    "hp": "hiến pháp",
}
