"""Hostile files and keys: PDFs built to make a parser loop, office files built to exhaust one, and S3 keys
that try to climb out of the drop prefix. Each must end quickly in a domain error (or a parse), never a hang,
a crash or an escaped id."""

from __future__ import annotations

from pathlib import PurePosixPath

import pytest

from shared.domain.errors import DomainError
from shared.domain.models import AccessLevel, Principal, Role
from shared.entrypoints.cli.files import document_id_for
from shared.services.parsing import parse_document
from shared.services.upload_urls import UploadUrls
from tests.fakes.pdf import assemble_pdf

CATALOG = "<< /Type /Catalog /Pages 2 0 R >>"
PAGE = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R >>"
CONTENT = "<< /Length 20 >>\nstream\nBT (abc) Tj ET      \nendstream"
HOSTILE_PDFS = {
    # the page tree lists itself as its own kid
    "self-kid": assemble_pdf({1: CATALOG, 2: "<< /Type /Pages /Kids [2 0 R 3 0 R] /Count 2 >>",
                              3: PAGE, 4: CONTENT}),
    # two page-tree nodes that are each other's kid
    "kid-cycle": assemble_pdf({1: CATALOG, 2: "<< /Type /Pages /Kids [5 0 R] /Count 1 >>",
                               5: "<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>", 3: PAGE, 4: CONTENT}),
    # an xref section whose /Prev points back at itself
    "xref-prev-self": assemble_pdf({1: CATALOG, 2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                    3: PAGE, 4: CONTENT}, prev_is_self=True),
    # a stream whose /Length is an indirect reference to itself
    "length-self": assemble_pdf({1: CATALOG, 2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                 3: PAGE, 4: "<< /Length 4 0 R >>\nstream\nBT (abc) Tj ET\nendstream"}),
    # a content array that names itself, and a huge declared page count
    "contents-self": assemble_pdf({1: CATALOG,
                                   2: "<< /Type /Pages /Kids [3 0 R] /Count 999999999 >>",
                                   3: "<< /Type /Page /Parent 2 0 R /Contents 5 0 R >>", 5: "[5 0 R 5 0 R]"}),
    # a form XObject that draws itself
    "xobject-self": assemble_pdf({1: CATALOG, 2: "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                                  3: "<< /Type /Page /Parent 2 0 R /Resources << /XObject << /X 6 0 R >> >> "
                                     "/Contents 4 0 R >>",
                                  4: "<< /Length 8 >>\nstream\n/X Do   \nendstream",
                                  6: "<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] "
                                     "/Resources << /XObject << /X 6 0 R >> >> /Length 8 >>"
                                     "\nstream\n/X Do   \nendstream"}),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("name", sorted(HOSTILE_PDFS))
def test_pdfs_built_to_loop_end_quickly(name: str) -> None:
    try:
        parsed = parse_document(f"{name}.pdf", HOSTILE_PDFS[name])
    except DomainError:
        return
    assert isinstance(parsed.text, str)


@pytest.mark.parametrize("key", [
    "incoming/../secret/luat.txt", "incoming/../../etc/passwd.txt", "incoming/./a/../../b.txt",
    "incoming/..%2F..%2Fx.txt", "incoming/a/..\\..\\b.txt", "incoming//abs/x.txt", "incoming/\x00/x.txt",
])
def test_s3_keys_never_make_an_id_that_climbs(key: str) -> None:
    document_id = document_id_for(PurePosixPath(key), PurePosixPath("incoming"))
    assert document_id and ".." not in document_id and "/" not in document_id and "\\" not in document_id
    assert all(c.isalnum() or c == "-" for c in document_id)


class _Blobs:
    bucket = "drop"

    def __init__(self) -> None:
        self.keys: list[str] = []

    def presign_put(self, key: str, **_: object) -> str:
        self.keys.append(key)
        return f"https://example.invalid/{key}"


class _Ingestion:
    prefix = "incoming/"

    def document_id(self, key: str) -> str:
        return document_id_for(PurePosixPath(key), PurePosixPath("incoming"))


@pytest.mark.parametrize("filename", ["../../etc/passwd.txt", "..\\..\\boot.ini.txt", "/abs/path.pdf",
                                      "incoming/../../x.md", "a/b/../../../c.docx", "....//....//d.txt"])
def test_upload_keys_stay_under_their_own_folder_whatever_the_filename(filename: str) -> None:
    blobs = _Blobs()
    urls = UploadUrls(blobs=blobs, ingestion=_Ingestion())
    made = urls.create(Principal(id="m", role=Role.MANAGER), filename=filename, title=None, document_type="law",
                       access_level=AccessLevel.INTERNAL)
    prefix, folder, name = made.key.split("/")
    assert prefix == "incoming" and len(folder) == 32 and name not in ("", ".", "..") and ".." not in made.key
    assert blobs.keys == [made.key]


_BOMB_DTD = ('<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa">'
             + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)) + "]>")


def _zip(members: dict[str, str]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


HOSTILE_OFFICE = {
    # billion laughs in the part each reader parses first
    "bomb.xlsx": _zip({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": _BOMB_DTD + "<workbook>&i;</workbook>"}),
    "bomb.pptx": _zip({"[Content_Types].xml": "<Types/>", "ppt/presentation.xml": _BOMB_DTD + "<p>&i;</p>"}),
    "bomb.odt": _zip({"content.xml": _BOMB_DTD + "<r>&i;</r>"}),
    "bomb.docx": _zip({"[Content_Types].xml": "<Types/>", "word/document.xml": _BOMB_DTD + "<d>&i;</d>"}),
    # a DTD that reaches for a local file
    "xxe.odt": _zip({"content.xml": '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                     "<r>&x;</r>"}),
    # text:s asking for a billion spaces, and lists nested past any sane depth
    "spaces.odt": _zip({"content.xml": '<r xmlns:o="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                        'xmlns:t="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><o:body><o:text><t:p>a'
                        '<t:s t:c="1000000000"/>b</t:p>' + "<t:list><t:list-item>" * 3000 + "<t:p>x</t:p>"
                        + "</t:list-item></t:list>" * 3000 + "</o:text></o:body></r>"}),
    "rows.csv": ("a," * 5000 + "\n").encode() * 3,
    "deep.rtf": b"{\\rtf1 " + b"{" * 100_000 + b"x" + b"}" * 100_000 + b"}",
}


@pytest.mark.timeout(60)
@pytest.mark.parametrize("name", sorted(HOSTILE_OFFICE))
def test_office_files_built_to_exhaust_a_parser_end_quickly(name: str) -> None:
    try:
        parsed = parse_document(name, HOSTILE_OFFICE[name])
    except DomainError:
        return
    assert "root:" not in parsed.text  # no external entity was resolved
    assert len(parsed.text) < 1_000_000
