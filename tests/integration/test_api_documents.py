"""/api/v1/documents through the real app: listing, get, delete and upload, as each role may."""

from __future__ import annotations

import io
from dataclasses import replace

import docx
import pytest

from shared.entrypoints.http.app_factory import create_app
from shared.services.documents import DocumentService
from tests.integration.api_harness import (
    LEVELS,
    ROLES,
    Harness,
    assert_error,
    client_for,
    readable_levels,
    text_source,
    without_timestamp,
)

DOCS = "/api/v1/documents"
TYPES = {"public": "law", "internal": "policy", "confidential": "policy", "restricted": "memo"}
EXTRA_PUBLIC = 5  # more public laws, so paging has something to page through


def _article(number: int, topic: str) -> str:
    words = " ".join(f"{topic} quy định chi tiết khoản {i} áp dụng cho cơ quan tổ chức cá nhân" for i in range(20))
    return f"Điều {number}. {topic.capitalize()}\n{words}."


@pytest.fixture(scope="module")
def harness(harness: Harness) -> Harness:
    harness.ingest(
        [text_source(f"doc-{level}", f"Văn bản {level}", f"Điều 1. Nội dung\nVăn bản mức {level} về quản lý văn thư.",
                     level=level, document_type=TYPES[level]) for level in LEVELS]
        + [text_source(f"law-{i}", f"Luật số {i}", f"Điều 1. Phạm vi\nLuật số {i} quy định về thủ tục hành chính.",
                       document_type="law") for i in range(EXTRA_PUBLIC)]
        + [text_source("long-doc", "Bộ luật dài", "\n\n".join(_article(n, t) for n, t in
                       enumerate(["đất đai", "xây dựng", "môi trường", "khoáng sản"], start=1)),
                       level="confidential", document_type="code")])
    return harness


def _visible(role: str) -> int:
    counts = {"public": 1 + EXTRA_PUBLIC, "internal": 1, "confidential": 2, "restricted": 1}
    return sum(counts[level] for level in readable_levels(role))


def _list(harness: Harness, role: str, **params) -> dict:
    response = harness.client.get(DOCS, params=params, headers=harness.headers(role))
    assert response.status_code == 200, response.text
    return response.json()


def _upload(harness: Harness, role: str, filename: str, data: bytes, **form):
    return harness.client.post(DOCS, headers=harness.headers(role), files={"file": (filename, data)}, data=form)


# --- list --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_list_shows_only_what_the_role_may_read_and_counts_only_that(harness: Harness, role: str) -> None:
    body = _list(harness, role, limit=100)
    assert set(body) == {"documents", "total", "skip", "limit"}
    assert body["total"] == len(body["documents"]) == _visible(role)
    assert {d["access_level"] for d in body["documents"]} == readable_levels(role)
    first = body["documents"][0]
    assert {"id", "title", "document_type", "access_level", "status", "error", "chunk_count"} <= set(first)


def test_list_pages_through_everything_once(harness: Harness) -> None:
    seen, skip = [], 0
    while True:
        page = _list(harness, "director", skip=skip, limit=3)
        assert page["total"] == _visible("director") and page["skip"] == skip and page["limit"] == 3
        if not page["documents"]:
            break
        assert len(page["documents"]) <= 3
        seen += [d["id"] for d in page["documents"]]
        skip += 3
    assert len(seen) == len(set(seen)) == _visible("director")
    assert _list(harness, "director")["limit"] == 20  # the default


def test_list_filters_by_document_type_within_the_callers_level(harness: Harness) -> None:
    assert {d["id"] for d in _list(harness, "director", document_type="policy")["documents"]} == {
        "doc-internal", "doc-confidential"}
    assert _list(harness, "employee", document_type="policy")["total"] == 1
    guest = _list(harness, "guest", document_type="policy")
    assert guest["total"] == 0 and guest["documents"] == []
    assert _list(harness, "manager", document_type="memo")["total"] == 0
    assert _list(harness, "director", document_type="no-such-type")["total"] == 0


@pytest.mark.parametrize(("params", "field"), [
    ({"limit": 0}, "limit"), ({"limit": 101}, "limit"), ({"skip": -1}, "skip"), ({"skip": "first"}, "skip"),
    ({"limit": "1e9"}, "limit"), ({"document_type": "x" * 101}, "document_type"),
])
def test_list_validation_names_the_parameter(harness: Harness, params: dict, field: str) -> None:
    response = harness.client.get(DOCS, params=params, headers=harness.headers("employee"))
    assert assert_error(response, 422, "validation_error")["field"] == field


# --- get -----------------------------------------------------------------------------------------------------


def test_get_returns_metadata_status_and_chunk_count(harness: Harness) -> None:
    response = harness.client.get(f"{DOCS}/long-doc", headers=harness.headers("manager"))
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == "long-doc" and body["title"] == "Bộ luật dài" and body["document_type"] == "code"
    assert body["access_level"] == "confidential" and body["status"] == "indexed" and body["error"] is None
    assert body["chunk_count"] > 1


@pytest.mark.parametrize("role", ["guest", "employee", "manager"])
def test_get_above_the_level_is_the_same_404_as_a_missing_document(harness: Harness, role: str) -> None:
    missing = harness.client.get(f"{DOCS}/no-such-document", headers=harness.headers(role))
    assert_error(missing, 404, "document_not_found")
    for level in LEVELS:
        response = harness.client.get(f"{DOCS}/doc-{level}", headers=harness.headers(role))
        if level in readable_levels(role):
            assert response.status_code == 200
        else:
            assert without_timestamp(response) == without_timestamp(missing)
            assert f"doc-{level}" not in response.text


# --- delete --------------------------------------------------------------------------------------------------


def test_delete_needs_manager_and_hides_what_is_above_the_caller(harness: Harness) -> None:
    for role in ("guest", "employee"):
        assert_error(harness.client.delete(f"{DOCS}/doc-public", headers=harness.headers(role)), 403, "forbidden")
    # Above the caller's level: 404 (not 403) so existence is not revealed, and nothing is deleted.
    assert_error(harness.client.delete(f"{DOCS}/doc-confidential", headers=harness.headers("employee")), 404)
    assert_error(harness.client.delete(f"{DOCS}/doc-restricted", headers=harness.headers("manager")), 404)
    assert_error(harness.client.delete(f"{DOCS}/no-such-document", headers=harness.headers("manager")), 404)
    for level in LEVELS:
        assert harness.client.get(f"{DOCS}/doc-{level}", headers=harness.headers("director")).status_code == 200


def test_delete_removes_the_document_and_every_chunk(harness: Harness) -> None:
    index = harness.api.core.index
    question = "Điều 3 môi trường quy định chi tiết khoản áp dụng cho cơ quan tổ chức cá nhân"
    before = harness.ask("manager", question).json()
    assert "long-doc" in {s["document_id"] for s in before["sources"]}
    chunks = harness.client.get(f"{DOCS}/long-doc", headers=harness.headers("manager")).json()["chunk_count"]
    count = index.count()

    assert harness.client.delete(f"{DOCS}/long-doc", headers=harness.headers("manager")).status_code == 204
    assert index.count() == count - chunks
    assert_error(harness.client.get(f"{DOCS}/long-doc", headers=harness.headers("director")), 404)
    assert "long-doc" not in {d["id"] for d in _list(harness, "director", limit=100)["documents"]}
    after = harness.ask("director", question).json()
    assert "long-doc" not in {s["document_id"] for s in after["sources"]}
    assert_error(harness.client.delete(f"{DOCS}/long-doc", headers=harness.headers("manager")), 404)


# --- upload ------------------------------------------------------------------------------------------------------


def _docx_bytes(title: str, *paragraphs: str) -> bytes:
    document = docx.Document()
    document.add_heading(title, level=0)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(("filename", "data"), [
    ("quy-che-cong-tac-phi.txt", "Điều 2. Công tác phí\nMức phụ cấp lưu trú đi công tác là 250.000 đồng mỗi ngày."
     .encode()),
    ("quy-che-cong-tac-phi.md", "# Quy chế\n\n## Điều 2. Công tác phí\n\nMức phụ cấp lưu trú đi công tác là "
     "250.000 đồng mỗi ngày.\n".encode()),
    ("quy-che-cong-tac-phi.html", "<html><body><h2>Điều 2. Công tác phí</h2><p>Mức phụ cấp lưu trú đi công tác là "
     "250.000 đồng mỗi ngày.</p></body></html>".encode()),
    ("quy-che-cong-tac-phi.docx", _docx_bytes("Quy chế công tác phí", "Điều 2. Công tác phí",
                                              "Mức phụ cấp lưu trú đi công tác là 250.000 đồng mỗi ngày.")),
], ids=["txt", "md", "html", "docx"])
def test_upload_is_accepted_then_indexed_and_searchable(harness: Harness, filename: str, data: bytes) -> None:
    response = _upload(harness, "manager", filename, data, title=f"Quy chế công tác phí ({filename})",
                       document_type="regulation", access_level="confidential")
    assert response.status_code == 202
    pending = response.json()
    assert pending["status"] in {"pending", "indexed"} and pending["access_level"] == "confidential"
    assert pending["title"] == f"Quy chế công tác phí ({filename})" and pending["document_type"] == "regulation"

    document = harness.client.get(f"{DOCS}/{pending['id']}", headers=harness.headers("manager")).json()
    assert document["status"] == "indexed" and document["error"] is None and document["chunk_count"] >= 1
    assert document["title"] == pending["title"] and document["source"] == filename

    answer = harness.ask("manager", "Mức phụ cấp lưu trú đi công tác mỗi ngày là bao nhiêu?",
                         filters={"document_ids": [pending["id"]]}).json()
    assert "250.000 đồng" in answer["answer"] and answer["sources"][0]["document_id"] == pending["id"]
    # ... and invisible below its level
    assert_error(harness.client.get(f"{DOCS}/{pending['id']}", headers=harness.headers("employee")), 404)
    assert pending["id"] not in harness.client.get(DOCS, params={"limit": 100},
                                                   headers=harness.headers("employee")).text


def test_upload_defaults_and_a_hostile_filename(harness: Harness) -> None:
    response = _upload(harness, "director", "../../../etc/cron.d/evil.txt", "Điều 1. Nội dung vô hại.".encode())
    assert response.status_code == 202
    body = response.json()
    assert body["source"] == "evil.txt" and body["access_level"] == "internal" and body["document_type"] == "general"
    assert harness.client.get(f"{DOCS}/{body['id']}", headers=harness.headers("director")).json()["status"] == "indexed"


@pytest.mark.parametrize(("filename", "data"), [
    ("hong.pdf", b"%PDF-1.4\nthis is not really a pdf"),
    ("hong.docx", b"PK\x03\x04 not a zip at all"),
    ("trang.txt", b"   \n\t  \n"),
    ("cu.doc", b"\xd0\xcf\x11\xe0 not a word file" * 40),
    ("bang.xlsx", b"PK\x05\x06" + b"\x00" * 18),
    ("scan.png", b"\x89PNG\r\n\x1a\n truncated"),
], ids=["pdf", "docx", "blank txt", "doc", "xlsx", "png"])
def test_a_file_that_cannot_be_read_ends_failed_with_its_error(harness: Harness, filename: str, data: bytes) -> None:
    response = _upload(harness, "manager", filename, data)
    assert response.status_code == 202
    document = harness.client.get(f"{DOCS}/{response.json()['id']}", headers=harness.headers("manager")).json()
    assert document["status"] == "failed" and document["error"] and document["chunk_count"] == 0
    assert "cannot" in document["error"] or "not" in document["error"] or "no text" in document["error"]


def test_an_unexpected_ingestion_crash_still_ends_failed_not_pending(harness: Harness) -> None:
    class Exploding:
        model_id, dimension = "exploding", 64

        def embed_passages(self, texts):
            raise RuntimeError("out of memory in the embedder")

        embed_queries = embed_passages

    services = harness.api.services
    ingestor = replace(services.documents.ingestor, embedder=Exploding())
    client = client_for(create_app(replace(services, documents=DocumentService(ingestor=ingestor))))
    response = client.post(DOCS, headers=harness.headers("manager"),
                           files={"file": ("ok.txt", "Điều 1. Nội dung hợp lệ.".encode())})
    assert response.status_code == 202
    document = harness.client.get(f"{DOCS}/{response.json()['id']}", headers=harness.headers("manager")).json()
    assert document["status"] == "failed" and document["error"] == "the document could not be indexed"
    assert "memory" not in document["error"]


@pytest.mark.parametrize(("filename", "data", "form", "status", "code"), [
    ("virus.exe", b"MZ\x90\x00", {}, 415, "unsupported_format"),
    ("bang.numbers", b"a,b\n1,2\n", {}, 415, "unsupported_format"),
    ("README", b"no extension", {}, 415, "unsupported_format"),
    ("rong.txt", b"", {}, 422, "empty_document"),
    ("lon.txt", b"x" * 200_001, {}, 413, "document_too_large"),
    ("ok.txt", b"Dieu 1.", {"access_level": "top-secret"}, 422, "validation_error"),
    ("ok.txt", b"Dieu 1.", {"title": "t" * 501}, 422, "validation_error"),
    ("ok.txt", b"Dieu 1.", {"document_type": "d" * 101}, 422, "validation_error"),
    ("ok.txt", b"Dieu 1.", {"access_level": "restricted"}, 403, "forbidden"),  # above the manager's own level
], ids=["exe", "numbers", "no extension", "empty", "over the limit", "bad level", "long title", "long type",
        "above own level"])
def test_bad_uploads_are_refused_with_the_right_status(harness: Harness, filename: str, data: bytes, form: dict,
                                                       status: int, code: str) -> None:
    before = _list(harness, "director", limit=1)["total"]
    assert_error(_upload(harness, "manager", filename, data, **form), status, code)
    assert _list(harness, "director", limit=1)["total"] == before  # nothing recorded


def test_upload_errors_name_the_field(harness: Harness) -> None:
    bad_level = _upload(harness, "manager", "ok.txt", b"Dieu 1.", access_level="top-secret")
    assert assert_error(bad_level, 422)["field"] == "access_level"
    no_file = harness.client.post(DOCS, headers=harness.headers("manager"), data={"title": "x"})
    assert assert_error(no_file, 422)["field"] == "file"
    as_json = harness.client.post(DOCS, headers=harness.headers("manager"), json={"file": "x"})
    assert assert_error(as_json, 422)["field"] == "file"


@pytest.mark.parametrize("role", ["guest", "employee"])
def test_only_managers_and_directors_upload(harness: Harness, role: str) -> None:
    assert_error(_upload(harness, role, "ok.txt", "Điều 1. Nội dung.".encode(), access_level="public"), 403,
                 "forbidden")


def test_director_may_upload_restricted(harness: Harness) -> None:
    response = _upload(harness, "director", "mat.txt", "Điều 1. Tài liệu mật.".encode(), access_level="restricted")
    assert response.status_code == 202 and response.json()["access_level"] == "restricted"
