"""Answer-type cues: what kind of fact a question asks for, and whether a sentence states one.

"bao nhiêu ngày?" is answered by a number of days, "bao lâu?" by a time span, "bị phạt thế nào?" by a
penalty, "cơ quan nào?" by a body, "có được ... không?" by a rule that allows, requires or forbids,
"X là gì?" by a sentence that says "X là ...".
A sentence of the right kind is the likelier answer, whatever its other words. Pure functions on
lower-cased text; a question of no known kind has no cue and is scored on meaning and words alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# A quantity: digits ("12", "1.200.000", "01") or number words ("mười tám", "hai").
_NUMBER = r"(?:\d[\d.,]*|một|hai|ba|bốn|tư|năm|sáu|bảy|tám|chín|mười|mươi|trăm|nghìn|ngàn|triệu|tỷ|nửa)"
_TIME_UNIT = r"(?:giây|phút|giờ|ngày|tuần|tháng|năm|quý)"
_UNITS = {  # the word after "bao nhiêu" / "mấy" → what the answer's number is counted in
    "ngày": r"ngày(?: làm việc)?", "tháng": "tháng", "năm": "năm", "giờ": "giờ", "tuần": "tuần", "quý": "quý",
    "tuổi": "tuổi", "lần": "lần", "người": "người", "phần": r"(?:phần trăm|%)", "%": "%", "đồng": "đồng",
    "tiền": r"(?:đồng|triệu|tỷ|tháng lương|lần)", "thành": "thành viên", "loại": "loại", "hình": "hình thức",
}


@dataclass(frozen=True, slots=True)
class Cue:
    """One kind of fact: `asks` matches a question that wants it, `states` a sentence that gives it."""

    kind: str
    asks: re.Pattern[str]
    states: re.Pattern[str]


def _amount_in(unit: str) -> re.Pattern[str]:
    """A number of `unit`s ("12 ngày làm việc"), or how the number of them is reckoned ("số ngày nghỉ hằng
    năm theo tỷ lệ tương ứng với số tháng làm việc"): both answer "bao nhiêu ngày?"."""
    return re.compile(rf"(?<!\w){_NUMBER}(?: {_NUMBER})*\s*{unit}(?!\w)|"
                      rf"(?<!\w)số {unit}(?!\w)[^.;:]*?\b(?:theo tỷ lệ|tương ứng với|được tính theo|bằng)\b")


_ANY_AMOUNT = re.compile(rf"(?<!điều )(?<!khoản )(?<!chương )(?<!điểm )(?<!mục )(?<!số )(?<!\w){_NUMBER}(?!\w)"
                         rf"(?! ?/)")
_ASKS_AMOUNT = re.compile(r"(?<!\w)(?:bao nhiêu|mấy)(?: (\w+|%))?")
# "Người chưa thành niên là người như thế nào?" is answered by "Người chưa thành niên là người chưa đủ
# mười tám tuổi.": a sentence that opens with the question's subject and "là".
# "..., một giờ được tính là?" and "Danh dự, nhân phẩm, uy tín của cá nhân là?" ask the same way; the subject
# is the whole question or its last clause.
_ASKS_DEFINITION = re.compile(r"^(?:theo [^,]+, )?(.+?) (?:là gì|là ai|là người như thế nào|là như thế nào|"
                              r"được hiểu (?:là gì|như thế nào|thế nào)|có nghĩa là gì|(?:được (?:tính|hiểu) )?là)"
                              r"\s*\??$")
# "có phải trả phí ... không?" asks about one action ("trả phí"): the sentence that allows, requires or
# forbids that action ("không phải trả phí") answers, not any sentence with "phải" or "được" in it.
_ASKED_ACTION = re.compile(r"có (?:được|phải|bị|cần|quyền|bắt buộc phải|bắt buộc) (\w+ \w+)")
_MODAL = r"(?<!\w)(?:phải|được|bị|cần|quyền|cấm|buộc)"
_OPENING_MARKER = r"(?:\d+(?:\.\d+)*[.)]\s+|[a-zđ]\)\s+)?"

CUES = (
    Cue("duration", re.compile(r"bao lâu|thời hạn|thời hiệu|thời gian (?:tối (?:đa|thiểu)|là|được)|kéo dài|trong vòng"),
        _amount_in(_TIME_UNIT)),
    # "bị xử lý thế nào?" asks for a penalty; "quyền ... bị xâm phạm được xử lý như thế nào?" does not.
    Cue("penalty", re.compile(r"phạt|hình phạt|chế tài|(?<!được )xử lý (?:thế|như)|bị xử lý|chịu trách nhiệm hình sự|"
                              r"trách nhiệm gì"),
        re.compile(r"phạt tù|phạt tiền|cảnh cáo|cải tạo không giam giữ|tù chung thân|tử hình|trục xuất|"
                   r"tước quyền|cấm (?:đảm nhiệm|hành nghề|cư trú)|đình chỉ|buộc |bồi thường|kỷ luật|sa thải")),
    Cue("money", re.compile(r"phạt tiền|tiền phạt|mức phạt|bao nhiêu tiền|bao nhiêu đồng|"
                            r"mức (?:lương|tiền|phí|lệ phí)"),
        _amount_in("đồng")),
    # "cơ quan nào?" asks for an institution; "ai?" or "chủ thể nào?" may be any party ("người đang chiếm
    # hữu", "các chủ sở hữu còn lại"), so those carry no cue.
    Cue("body", re.compile(r"(?:cơ quan|bộ|đơn vị|tổ chức|cấp|tòa án|ủy ban|ban) nào|thẩm quyền"),
        re.compile(r"(?<!\w)(?:bộ(?: trưởng)? |ủy ban|tòa án|chính phủ|thủ tướng|viện kiểm sát|quốc hội|hội đồng|"
                   r"chủ tịch|cơ quan|ban |người đứng đầu|thanh tra|công an|nhà nước)")),
    Cue("permission", re.compile(r"(?:có (?:được|phải|bị|cần|quyền|bắt buộc)|được phép|bắt buộc)\b.*"
                                 r"(?:không|hay không)\s*\??$"),
        re.compile(r"không được|nghiêm cấm|(?<!\w)cấm(?!\w)|có quyền|được phép|không phải|(?<!\w)phải(?!\w)|"
                   r"bắt buộc|có trách nhiệm|có nghĩa vụ|(?<!\w)được(?!\w)")),
)


def asked_cues(question: str) -> tuple[Cue, ...]:
    """The kinds of fact the (lower-cased) question asks for; an amount in the unit it names. "X là gì?"
    asks for a definition only: "hình phạt là gì?" names a penalty but does not ask for one."""
    definition = _ASKS_DEFINITION.match(question.strip())
    if definition:
        subject = definition.group(1)
        said = "|".join(re.escape(part) for part in dict.fromkeys((subject, subject.rsplit(", ", 1)[-1])))
        return (Cue("definition", _ASKS_DEFINITION, re.compile(rf"^{_OPENING_MARKER}(?:{said}) là ")),)
    found = [cue for cue in CUES if cue.asks.search(question)]
    action = _ASKED_ACTION.search(question)
    if action:
        found = [Cue(cue.kind, cue.asks, re.compile(rf"{_MODAL} {re.escape(action.group(1))}(?!\w)"))
                 if cue.kind == "permission" else cue for cue in found]
    for match in _ASKS_AMOUNT.finditer(question):
        unit = _UNITS.get(match.group(1) or "")
        states = _amount_in(unit) if unit else _ANY_AMOUNT
        found.append(Cue(f"amount:{match.group(1) if unit else ''}", _ASKS_AMOUNT, states))
    return tuple(dict.fromkeys(found))


def cue_match(cues: tuple[Cue, ...], sentence: str) -> float:
    """Share of the asked kinds the (lower-cased) sentence states; 0 when nothing is asked."""
    if not cues:
        return 0.0
    return sum(1 for cue in cues if cue.states.search(sentence)) / len(cues)


# "bị phạt tù tối đa bao nhiêu năm?" asks for the most severe grade the passage states: an offence's
# article grades its penalties (clause 1, then "Phạm tội thuộc một trong các trường hợp sau đây, thì bị
# phạt tù từ 07 năm đến 15 năm: ..."), and the question names the offence, not the aggravating case.
_ASKS_MOST = re.compile(r"(?:tối đa|cao nhất|nặng nhất|nhiều nhất)(?: là)? (?:bao nhiêu|mấy|bao lâu)|"
                        r"(?:bao nhiêu|mấy)(?: \w+){0,2} (?:tối đa|cao nhất)")
_ASKS_LEAST = re.compile(r"(?:tối thiểu|thấp nhất|nhẹ nhất|ít nhất)(?: là)? (?:bao nhiêu|mấy|bao lâu)|"
                         r"(?:bao nhiêu|mấy)(?: \w+){0,2} (?:tối thiểu|thấp nhất)")
_ASKS_MONEY = re.compile(r"phạt tiền|bao nhiêu (?:tiền|đồng)|tiền phạt")
_ASKS_TERM = re.compile(r"(?<!\w)tù(?!\w)|(?:bao nhiêu|mấy) (?:năm|tháng)")
# Prison terms, in months so that "06 tháng" < "03 năm" < life < death, and fines: only amounts a
# penalty states ("phạt tù từ 07 năm đến 15 năm", "phạt tiền từ 10.000.000 đồng đến 100.000.000 đồng"), not
# the conditions of a grade ("thu lợi bất chính 200.000.000 đồng trở lên").
_BOUND = r"(?:từ |đến )?(\d[\d.]*) ({unit})(?: đến (\d[\d.]*) ({unit}))?"
_TERM = re.compile(r"(?:tù|giam giữ) " + _BOUND.format(unit="năm|tháng") + r"|(tù chung thân)|(tử hình)")
_FINE = re.compile(r"phạt tiền " + _BOUND.format(unit="đồng"))
_PREPARING = re.compile(r"chuẩn bị phạm tội")
_MONTHS = {"năm": 12, "tháng": 1}
_LIFE, _DEATH = 12 * 100, 12 * 1000


@dataclass(frozen=True, slots=True)
class Extreme:
    """A question asking for the most ("tối đa") or the least ("tối thiểu") of a penalty or amount."""

    most: bool
    money: bool
    preparing: bool = False  # the question asks about preparing the offence ("chuẩn bị phạm tội")

    def measure(self, sentence: str) -> int | None:
        """The sentence's highest (for `most`) or lowest stated term or sum; None when it states none.
        The grade for preparing an offence is not a grade of the offence itself: the least penalty for
        "cho thuê địa điểm ..." is clause 1's, not that of "Người chuẩn bị phạm tội này"."""
        if _PREPARING.search(sentence) and not self.preparing:
            return None
        values = _sums(sentence) if self.money else _terms(sentence)
        if not values:
            return None
        return max(values) if self.most else min(values)


def asked_extreme(question: str) -> Extreme | None:
    """Whether the (lower-cased) question asks for the most or the least of a term or a sum."""
    most = bool(_ASKS_MOST.search(question))
    if not most and not _ASKS_LEAST.search(question):
        return None
    money = bool(_ASKS_MONEY.search(question))
    if not money and not _ASKS_TERM.search(question):
        return None  # "mức khấu trừ tối đa là bao nhiêu?" asks for a share, not a term or a sum
    return Extreme(most=most, money=money, preparing=bool(_PREPARING.search(question)))


def _terms(sentence: str) -> list[int]:
    found = []
    for low, low_unit, high, high_unit, life, death in _TERM.findall(sentence):
        if life or death:
            found.append(_DEATH if death else _LIFE)
            continue
        found.append(int(low) * _MONTHS[low_unit])
        if high:
            found.append(int(high) * _MONTHS[high_unit])
    return found


def _sums(sentence: str) -> list[int]:
    return [int(amount.replace(".", "")) for low, _, high, _ in _FINE.findall(sentence)
            for amount in (low, high) if amount]


# "Bộ luật Dân sự 2015 quy định thế nào về tên gọi của pháp nhân?" and "Thông báo về việc thụ lý vụ án được
# quy định như thế nào?" ask for a provision as a whole, the one their topic names, not for one fact of it.
_ASKS_PROVISION = (re.compile(r"\bquy định (?:như )?(?:thế nào|ra sao|gì|những gì) về (.+?)\W*$"),
                   re.compile(r"\bquy định về (.+?) (?:như )?(?:thế nào|ra sao)\W*$"),
                   re.compile(r"^(.+?),? (?:được |đã được )?quy định (?:như )?(?:thế nào|ra sao)"
                              r"(?: (?:theo|trong|tại) [^?]+)?\W*$"))


def asked_provision(question: str) -> str | None:
    """The topic of a (lower-cased) question that asks how the law provides for it; None for any other."""
    for pattern in _ASKS_PROVISION:
        match = pattern.search(question.strip())
        if match:
            return match.group(1)
    return None
