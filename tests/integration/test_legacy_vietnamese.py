"""TCVN3 (ABC) and VNI-Windows text to Unicode: the whole alphabet both ways, detection that never touches
Unicode or foreign text, and every format that can carry such text (txt, html, docx, pdf)."""

from __future__ import annotations

import io
import shutil
import subprocess
import unicodedata

import docx
import pytest

from shared.services.parsing import legacy_vietnamese as lv
from shared.services.parsing import parse_document
from tests.integration.test_parsing import make_pdf
from tools.document_builders import legacy_docx, set_run_font

_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
_VOWELS = ("a", "a\u0306", "a\u0302", "e", "e\u0302", "i", "o", "o\u0302", "o\u031b", "u", "u\u031b", "y")
# The Vietnamese alphabet built from its parts (12 vowels × no tone and 5 tones, and đ), not from the tables.
LOWER = [unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES] + ["đ"]
UPPER = [letter.upper() for letter in LOWER]
SENTENCE = "Cộng hòa xã hội chủ nghĩa Việt Nam. Điều 1. Phạm vi điều chỉnh; người lao động được nghỉ ngơi."


def test_the_alphabet_has_every_letter_once() -> None:
    assert len(set(LOWER)) == 73 and all(len(letter) == 1 for letter in LOWER + UPPER)


# --- TCVN3 ----------------------------------------------------------------------------------------


def test_tcvn3_table_covers_every_non_ascii_lowercase_letter_and_the_seven_capitals() -> None:
    non_ascii = [letter for letter in LOWER if not letter.isascii()]
    assert sorted(lv.UNICODE_TO_TCVN3) == sorted([*non_ascii, "Ă", "Â", "Ê", "Ô", "Ơ", "Ư", "Đ"])
    assert all(0xA1 <= ord(code) <= 0xFE for code in lv.TCVN3_TO_UNICODE)


@pytest.mark.parametrize("letter", LOWER)
def test_tcvn3_lowercase_letters_round_trip(letter: str) -> None:
    (text, capitals), = lv.unicode_to_tcvn3_runs(letter)
    assert not capitals and lv.tcvn3_to_unicode(text) == letter


@pytest.mark.parametrize("letter", UPPER)
def test_tcvn3_capitals_come_from_the_capitals_font(letter: str) -> None:
    runs = lv.unicode_to_tcvn3_runs(letter)
    assert "".join(lv.tcvn3_to_unicode(text, capitals=capitals) for text, capitals in runs) == letter
    if letter in "ĂÂÊÔƠƯĐ":
        assert runs == [(lv.UNICODE_TO_TCVN3[letter], False)]  # the seven capitals with a code of their own


@pytest.mark.skipif(shutil.which("iconv") is None, reason="glibc iconv not installed")
def test_tcvn3_table_agrees_with_glibc_tcvn5712() -> None:
    # An independent reading of the standard: glibc's TCVN5712-1 converter (VN1, a superset of VN3).
    codes = "".join(lv.TCVN3_TO_UNICODE).encode("latin-1")
    out = subprocess.run(["iconv", "-f", "TCVN5712-1", "-t", "UTF-8"], input=codes, capture_output=True, check=True)
    assert unicodedata.normalize("NFC", out.stdout.decode()) == "".join(lv.TCVN3_TO_UNICODE.values())


def test_tcvn3_lines_typed_in_the_capitals_font_without_its_name() -> None:
    # A .doc, RTF or PDF keeps no font name: a line whose plain letters are all capitals was set in .VnTimeH.
    text = "CéNG HßA X· HéI CHñ NGHÜA VIÖT NAM\n§éc lËp - Tù do - H¹nh phóc\n§IÒU 1"
    assert lv.repair(text) == "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\nĐộc lập - Tự do - Hạnh phúc\nĐIỀU 1"


def test_tcvn3_mojibake_from_the_wild() -> None:
    assert lv.repair("Céng hoµ x· héi chñ nghÜa ViÖt Nam") == "Cộng hoà xã hội chủ nghĩa Việt Nam"
    assert lv.tcvn3_to_unicode("Céng hoµ x· héi chñ nghÜa viÖt nam", capitals=True) == (
        "CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    )


# --- VNI ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", LOWER + UPPER)
def test_vni_letters_round_trip(letter: str) -> None:
    assert lv.vni_to_unicode(lv.unicode_to_vni(letter)) == letter


def test_vni_spellings_from_the_published_table() -> None:
    published = {"aù": "á", "aâ": "â", "aá": "ấ", "aê": "ă", "aë": "ặ", "eä": "ệ", "oâ": "ô", "ô": "ơ", "ôù": "ớ",
                 "ö": "ư", "öï": "ự", "æ": "ỉ", "ó": "ĩ", "ò": "ị", "î": "ỵ", "ñ": "đ", "Ñ": "Đ", "AÙ": "Á",
                 "OÄ": "Ộ", "ÖÔÙ": "ƯỚ", "YÕ": "Ỹ", "Î": "Ỵ"}
    for spelling, letter in published.items():
        assert lv.vni_to_unicode(spelling) == letter, spelling


def test_vni_a_converted_letter_is_not_read_again() -> None:
    # oø is ò; ò on its own is VNI ị. One pass must give hòa, not hịa.
    assert lv.vni_to_unicode("hoøa") == "hòa"


@pytest.mark.parametrize("encode", [lv.unicode_to_vni, lambda t: "".join(x for x, _ in lv.unicode_to_tcvn3_runs(t))],
                         ids=["vni", "tcvn3"])
def test_sentences_are_detected_and_repaired(encode) -> None:
    legacy = encode(SENTENCE)
    assert legacy != SENTENCE and not lv.is_unicode_vietnamese(legacy)
    assert lv.repair(legacy) == SENTENCE


# --- what must never be converted -----------------------------------------------------------------


@pytest.mark.parametrize("text", [
    SENTENCE,
    "Cá và cơm. Bà má là cô giáo.",  # Unicode Vietnamese with only Latin-1 letters on a line
    "Cà Mau\nCá\nBà Rịa",
    "Le délégué général a présenté le procès-verbal de la séance précédente à Genève.",
    "Müller über Größe, ½ ¼ § 5 ©, «citation» — año señor niño",
    "Nguyen Van A, Ha Noi, 2024",
    "",
])
def test_unicode_and_foreign_text_is_never_touched(text: str) -> None:
    assert lv.detect(text) is None
    assert lv.repair(text) == text


def test_a_mixed_document_converts_only_its_legacy_lines() -> None:
    legacy = lv.unicode_to_vni("Điều 2. Người lao động được nghỉ hằng năm")
    assert lv.repair(f"{SENTENCE}\n{legacy}") == f"{SENTENCE}\nĐiều 2. Người lao động được nghỉ hằng năm"


def test_font_names() -> None:
    assert lv.font_encoding(".VnTime") == ("tcvn3", False)
    assert lv.font_encoding(".VnTimeH") == ("tcvn3", True)
    assert lv.font_encoding(".VnArial Narrow") == ("tcvn3", False)
    assert lv.font_encoding("VNI-Times") == ("vni", False)
    assert lv.font_encoding("Times New Roman") == (None, False)
    assert lv.font_encoding(None) == (None, False)


# --- through parse_document -----------------------------------------------------------------------


def _tcvn3_bytes(text: str) -> bytes:
    return "".join(code for code, _ in lv.unicode_to_tcvn3_runs(text)).encode("latin-1")


def test_txt_files_in_tcvn3_and_vni_bytes() -> None:
    assert parse_document("a.txt", _tcvn3_bytes(SENTENCE)).text == SENTENCE
    assert parse_document("a.txt", lv.unicode_to_vni(SENTENCE).encode("latin-1")).text == SENTENCE
    # Mojibake saved as UTF-8 (copied out of a .VnTime document) is repaired too.
    assert parse_document("a.txt", lv.unicode_to_vni(SENTENCE).encode("utf-8")).text == SENTENCE


def test_html_with_a_legacy_font() -> None:
    page = f'<html><body><p><font face=".VnTime">{_tcvn3_bytes(SENTENCE).decode("latin-1")}</font></p></body></html>'
    assert parse_document("a.html", page.encode("latin-1")).text == SENTENCE


def test_pdf_text_layer_in_a_legacy_font() -> None:
    assert parse_document("a.pdf", make_pdf([[lv.unicode_to_vni(SENTENCE)]])).text == SENTENCE


LINES = ["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Điều 1. Phạm vi điều chỉnh",
         "Ở đâu, Ước mơ, Ứng xử, Ủy ban, Ý kiến: đúng như văn bản gốc."]


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_docx_runs_in_legacy_fonts(encoding: str) -> None:
    assert parse_document("a.docx", legacy_docx(LINES, encoding)).text.split("\n\n") == LINES


def test_docx_a_legacy_font_name_over_unicode_text_is_left_alone() -> None:
    # Converted to Unicode long ago but still styled .VnTime: "công ty" must not become "cụng ty".
    document = docx.Document()
    for line in ("Công ty Mẫu", "công ty"):
        set_run_font(document.add_paragraph().add_run(line), ".VnTime")
    buffer = io.BytesIO()
    document.save(buffer)
    assert parse_document("a.docx", buffer.getvalue()).text == "Công ty Mẫu\n\ncông ty"
