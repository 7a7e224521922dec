"""Sentence splitting and word overlap for the extractive answerer. Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.services.text.normalize import fold_diacritics, has_diacritics, syllables
from shared.services.text.stopwords import STOPWORDS

# A numbered clause, a lettered point or a bullet starts a new line of meaning even without a full stop.
_LIST_MARKER = re.compile(r"(?:\d+(?:\.\d+)*[.)]|[a-zđ]\)|[-–•+*])\s", re.IGNORECASE)
_BREAK = re.compile(r"[.;?!:]\s+")
_LINE_ENDS = (".", ";", "?", "!", ":")
_MIN_SENTENCE_CHARS = 12
_LIST_ITEM = re.compile(r"^(?:[a-zđ]\)|[-–•+])\s", re.IGNORECASE)
_NUMBERED = re.compile(r"^\d+(?:\.\d+)*[.)]\s")
_MAX_LIST_ITEMS = 6
_RECORD_FIELD = re.compile(r"^[^:;.!?]{1,80}: \S")
# Words a statement is read with count this much of its own: what a list item or a later clause means
# depends on them, but a statement that says the words itself is the closer answer.
CONTEXT_WEIGHT = 0.8
# Between a list's opening sentence and an item quoted after it, where the items before it are left out.
ELISION = " … "
# A number is one word whatever its leading zeros or thousands dots: "2 thương binh" is "02 thương binh",
# and "5.000.000" is not three words "5", "000", "000". With what it counts it is a second word, a quantity:
# "03 người" is not "03 năm", so a statement giving the question's quantity matches it twice.
_QUANTITY = re.compile(r"(?<![\w.])(\d{1,3}(?:\.\d{3})+(?![\w.])|\d+(?!\w))(?:\s*(%|[^\W\d]\w*))?")
# "không" negates in a question ("khi các bên không có thỏa thuận"), so it is looked for; the "không?" that
# ends a yes/no question asks, and is dropped with the other asking words.
_ANSWER_STOPWORDS = STOPWORDS - {"không"}
_FOLDED_STOPWORDS = frozenset(fold_diacritics(word) for word in _ANSWER_STOPWORDS)
# The words that ask ("bao nhiêu (tiền)", "mấy", "ra sao", "quy định thế nào về", a final "không?"): an answer
# states the fact, it does not repeat them. "gì", "nào", "ai", "thế" are stopwords already.
_ASKING = re.compile(r"(?<!\w)(?:bao nhiêu(?: tiền)?|bao lâu|bao giờ|mấy|ra sao|tại sao|vì sao|ở đâu|"
                     r"(?:hay |hoặc )?không(?=\W*$)|quy định (?:như )?thế nào(?: về)?)(?!\w)", re.IGNORECASE)
# Without marks "may" may be "máy" ("xe máy"), so "mấy" is not dropped there.
_ASKING_FOLDED = re.compile(fold_diacritics(_ASKING.pattern).replace("|may|", "|"), re.IGNORECASE)
# A source named in a question: a code, law, decree or circular with its year, or an article number.
_NAMED_SOURCE = re.compile(r"(?:\b(?:theo|trong|tại|của)\s+)?(?:\b(?:bộ luật|luật|nghị định|thông tư|hiến pháp)\b"
                           r"[^,?:]*?\b(?:19|20)\d\d\b|\bđiều \d+[a-zđ]?\b)", re.IGNORECASE)


def split_sentences(text: str) -> list[str]:
    """Sentences of a passage in order, with whitespace collapsed; fragments too short to quote are dropped.

    Hard-wrapped lines (PDF, DRiLL texts) are joined first: a line break ends a sentence only after
    final punctuation, before a list marker, or at a blank line. Inside a line a sentence ends at
    . ; ? ! : followed by an upper-case letter, a digit or a list marker: "1.200.000", "37/2015/NĐ-CP"
    and a colon introducing lower-case words or a number ("Nghỉ hằng năm: 12 ngày") are not ends. A
    table row written as labelled values ("Dịch vụ: Gửi ô tô; Đơn vị tính: tháng; Mức phí (đồng):
    1.200.000") is one sentence.
    """
    sentences: list[str] = []
    for line in _unwrap(text):
        if _is_record(line):
            sentences.append(line)  # a table row: its values mean nothing without their labels
            continue
        start = 0
        for match in _BREAK.finditer(line):
            rest = line[match.end():]
            if _LIST_MARKER.fullmatch(line[start:match.end()]):
                continue  # "1. " or "a) " opens the sentence, it does not end one
            if match.group().startswith(":") and rest[:1].isdigit() and not _LIST_MARKER.match(rest):
                continue  # "Nghỉ hằng năm: 12 ngày làm việc": a value after its label, not a new sentence
            if rest and (rest[0].isupper() or rest[0].isdigit() or rest[0] in "“\"(" or _LIST_MARKER.match(rest)):
                sentences.append(line[start:match.end()])
                start = match.end()
        sentences.append(line[start:])
    cleaned = (" ".join(s.split()) for s in sentences)
    return [s for s in cleaned if len(s) >= _MIN_SENTENCE_CHARS]


def _is_record(line: str) -> bool:
    """Whether a line is a table row as `shared.services.parsing._tables` writes it: values joined by "; ",
    at least two of them and at least half of them "label: value" with a short label."""
    fields = line.rstrip(" ;.").split("; ")
    labelled = sum(1 for field in fields if _RECORD_FIELD.match(field))
    return labelled >= 2 and 2 * labelled >= len(fields)


def with_its_list(sentence: str, following: list[str]) -> str:
    """A sentence that introduces a list ("... như sau:") is quoted with its first items (a), b), - ...),
    since the answer usually is the list: "được nghỉ hằng năm như sau: a) 12 ngày làm việc; ..."."""
    if not sentence.rstrip().endswith(":"):
        return sentence
    items: list[str] = []
    for item in following:
        if not _is_item_of(item, sentence) or len(items) == _MAX_LIST_ITEMS:
            break
        items.append(item)
    return " ".join([sentence.rstrip(), *items])


@dataclass(frozen=True, slots=True)
class Statement:
    """One thing an answer may quote from a passage.

    `text` is what is quoted. `own` is what the statement itself says, `context` what it is read with:
    a list item ("đ) Tái phạm nguy hiểm.") means nothing alone, so it is quoted after the sentence that
    opens its list ("Phạm tội thuộc một trong các trường hợp sau đây, thì bị phạt tù từ 07 năm đến 15
    năm: … đ) Tái phạm nguy hiểm.") and read with that sentence; any later sentence is read with its
    article's title and first sentence ("2. Người chuẩn bị phạm tội này, thì bị phạt tù ..." is about the
    offence clause 1 names)."""

    text: str
    own: str
    context: str


def statements(text: str, title: str = "") -> list[Statement]:
    """The statements of a passage in reading order: each sentence (a sentence that opens a list with its
    first items), and each list item after the sentence that opens its list."""
    sentences = split_sentences(text)
    found: list[Statement] = []
    opener: int | None = None  # the sentence that opens the list being read
    for i, sentence in enumerate(sentences):
        if opener is not None and _is_item_of(sentence, sentences[opener]):
            lead = sentences[opener]
            joint = " " if i == opener + 1 else ELISION
            context = _join(lead, title, sentences[0] if opener else "")
            found.append(Statement(f"{lead}{joint}{sentence}", sentence, context))
            continue
        opener = i if sentence.rstrip().endswith(":") else None
        shown = with_its_list(sentence, sentences[i + 1:])
        found.append(Statement(shown, shown, _join(title, sentences[0] if i else "")))
    return found


def answer_sentences(text: str, title: str = "") -> list[str]:
    """The texts an answer may quote from a passage, in reading order (see `statements`)."""
    return [statement.text for statement in statements(text, title)]


def clauses(text: str) -> list[str]:
    """The clauses of a passage in reading order, as written: each paragraph ("1. Pháp nhân phải có tên gọi
    bằng tiếng Việt.") with its numbering, the lettered points and bullets of a list joined to the
    paragraph that opens it, whitespace collapsed."""
    found: list[str] = []
    for line in _unwrap(text):
        line = " ".join(line.split())
        if found and _LIST_ITEM.match(line):
            found[-1] = f"{found[-1]} {line}"
        else:
            found.append(line)
    return found


def _is_item_of(sentence: str, opener: str) -> bool:
    """Whether `sentence` is an item of the list `opener` opens: a lettered point or a bullet, or a
    numbered item under an opener that is not itself a numbered clause ("... có nhiệm vụ sau đây: 1. ...")."""
    return bool(_LIST_ITEM.match(sentence) or (_NUMBERED.match(sentence) and not _NUMBERED.match(opener)))


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def _unwrap(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.split("\n"):
        line = raw.strip()
        if not line:
            lines.append("")
        elif (lines and lines[-1] and not lines[-1].endswith(_LINE_ENDS) and not _LIST_MARKER.match(line)
              and not _is_record(line) and not _is_record(lines[-1])):
            lines[-1] = f"{lines[-1]} {line}"  # a wrapped line continues the sentence above it
        else:
            lines.append(line)
    return [line for line in lines if line]


def content_syllables(text: str, *, fold: bool = True) -> set[str]:
    """Syllables that carry meaning (stopwords other than "không" and one-character tokens removed), and
    the numbers with their quantities (see `_QUANTITY`), folded unless `fold` is False: folding lets a
    question typed without marks meet the text, but it also makes unrelated words meet (`báo` and
    `bao`), so accented questions compare accented syllables."""
    numbers = _quantities(text, fold=fold)
    if fold:  # a stopword typed without marks ("tai" for "tại") is one too, on both sides alike
        folded = (fold_diacritics(s) for s in syllables(text))
        return numbers | {s for s in folded if s not in _FOLDED_STOPWORDS and len(s) > 1 and not s.isdigit()}
    return numbers | {s for s in syllables(text) if s not in _ANSWER_STOPWORDS and len(s) > 1 and not s.isdigit()}


def _quantities(text: str, *, fold: bool) -> set[str]:
    """The numbers of `text` ("3"), and each with the word it counts ("3 người")."""
    found: set[str] = set()
    for number, unit in _QUANTITY.findall(text):
        value = number.replace(".", "").lstrip("0") or "0"
        found.add(value)
        if unit:
            found.add(f"{value} {fold_diacritics(unit.lower()) if fold else unit.lower()}")
    return found


def content_bigrams(text: str, *, fold: bool = True) -> set[str]:
    words = [fold_diacritics(s) if fold else s for s in syllables(text)]
    return {f"{a}_{b}" for a, b in zip(words, words[1:], strict=False)}


@dataclass(frozen=True, slots=True)
class QuestionWords:
    """A question's content syllables and word pairs, to measure how much of it a sentence says."""

    syllables: frozenset[str]
    pairs: frozenset[str]
    fold: bool

    @classmethod
    def of(cls, question: str) -> QuestionWords:
        """The words of what is asked: a named source ("Theo Bộ luật Dân sự 2015, ...", "Điều 15") says where
        to look, which retrieval has used, and its words would only favour sentences that name a law."""
        fold = not has_diacritics(question)  # a question typed without marks meets the text folded
        asked = _NAMED_SOURCE.sub(" ", asked_part(question))
        if not content_syllables(asked, fold=fold):
            asked = question
        return cls(frozenset(content_syllables(asked, fold=fold)), frozenset(content_bigrams(asked, fold=fold)), fold)

    def overlap(self, sentence: str, context: str = "") -> tuple[float, float]:
        """(share of the question's content syllables, share of its word pairs) found in `sentence`.

        What the sentence is read with (`context`: its list's opening sentence, its article's title and
        first sentence) counts too, its syllables at `CONTEXT_WEIGHT`: "2. Phạm tội thuộc một trong các
        trường hợp sau đây, thì bị phạt tù từ 07 năm đến 15 năm: … đ) Tái phạm nguy hiểm." answers a question
        that names both the offence of clause 1 and the repeat offence, better than clause 1 does. A sentence
        that says none of the question's words itself scores nothing, whatever its context says."""
        words = content_syllables(sentence, fold=self.fold)
        if not self.syllables & words:
            return 0.0, 0.0
        inherited = content_syllables(context, fold=self.fold) - words if context else set()
        pairs = content_bigrams(f"{sentence} {context}" if context else sentence, fold=self.fold)
        found = len(self.syllables & words) + CONTEXT_WEIGHT * len(self.syllables & inherited)
        return found / len(self.syllables), len(self.pairs & pairs) / max(len(self.pairs), 1)


def asked_part(question: str) -> str:
    """The question without its asking words: what an answer's words can be compared with. A question
    typed without marks loses them in that form too ("bao nhieu")."""
    if has_diacritics(question):
        return _ASKING.sub(" ", question)
    return _ASKING_FOLDED.sub(" ", question)


def coverage(question: str, passage: str) -> float:
    """Share of the question's content syllables found in the passage (0 when the question has none)."""
    wanted = content_syllables(asked_part(question))
    if not wanted:
        return 0.0
    return len(wanted & content_syllables(passage)) / len(wanted)
