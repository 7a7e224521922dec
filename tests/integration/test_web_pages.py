"""The browser pages as HTTP (their behaviour in Chromium is tests/integration/test_web_browser.py): served with a
Content-Security-Policy, no inline script or style, only relative URLs (they must work under a stage prefix), and
the static files from the package, nothing else. Also the API the pages lean on: /auth/me, the level filter,
each source's whole passage, and the `indexing` status of an upload being worked on."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from swagger_ui_bundle import swagger_ui_path

from shared.domain.models import DocumentStatus
from shared.entrypoints.http.web import PAGES
from shared.services.ingestion import Ingestor
from tests.integration.api_harness import Harness, assert_error, parse_sse, text_source


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.inline_script = False
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_script = tag == "script"

    def handle_endtag(self, tag: str) -> None:
        self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script and data.strip():
            self.inline_script = True


@pytest.fixture(scope="module")
def harness(harness: Harness) -> Harness:
    harness.ingest([
        text_source("cong-khai", "Luật Tiếp cận thông tin", "Điều 12. Chi phí tiếp cận thông tin\nCông dân được "
                    "cung cấp thông tin không phải trả phí, lệ phí.\nNgười yêu cầu cung cấp thông tin phải trả chi "
                    "phí thực tế để in, sao, chụp, gửi thông tin."),
        text_source("mat", "Chính sách phí nội bộ", "Điều 2. Phí in ấn\nPhí in ấn tài liệu nội bộ do phòng hành "
                    "chính chi trả.", level="confidential"),
    ])
    return harness


@pytest.mark.parametrize("path", sorted(PAGES))
def test_pages_carry_a_strict_csp_and_only_relative_urls(harness: Harness, path: str) -> None:
    response = harness.client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    csp = response.headers["content-security-policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp and "frame-ancestors 'none'" in csp
    assert "connect-src 'self';" in csp  # local mode: uploads go to this app, not to a bucket
    assert 'data-upload="presigned"' not in response.text
    assert "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"
    parser = _Tags()
    parser.feed(response.text)
    assert not parser.inline_script
    urls = [value for _, attrs in parser.tags for key, value in attrs.items() if key in ("src", "href") and value]
    assert urls and not [u for u in urls if u.startswith(("/", "http:", "https:", "//"))], urls
    assert not [attrs for _, attrs in parser.tags if "style" in attrs or any(k.startswith("on") for k in attrs)]
    current = [attrs["href"] for tag, attrs in parser.tags if tag == "a" and attrs.get("aria-current") == "page"]
    own = {"/": ["./"], "/documents": ["documents"], "/dashboard": ["dashboard"], "/api/docs": []}  # no top bar
    assert current == own[path]  # the page's own link in the top bar is marked
    for tag, attrs in parser.tags:  # every file a page loads is served
        if (tag == "script" and attrs.get("src")) or (tag == "link" and attrs.get("rel") in ("stylesheet", "icon")):
            target = (attrs.get("src") or attrs["href"]).removeprefix("../")
            assert harness.client.get("/" + target).status_code == 200, target


def test_static_files_come_from_the_package_and_nothing_else_is_served(harness: Harness) -> None:
    bundle = harness.client.get("/static/swagger-ui/swagger-ui-bundle.js")
    assert bundle.status_code == 200 and bundle.headers["content-type"].startswith("text/javascript")
    assert bundle.content == (swagger_ui_path / "swagger-ui-bundle.js").read_bytes()
    assert harness.client.get("/static/ask.js").headers["content-security-policy"]
    for missing in ("/static/nothing.js", "/static/swagger-ui/swagger-ui-bundle.js.map", "/static/../web.py",
                    "/static/%2e%2e/web.py", "/static/ask.html"):
        assert_error(harness.client.get(missing), 404)


def test_the_page_scripts_never_parse_api_text_as_html() -> None:
    from shared.entrypoints.http.web import STATIC

    for script in STATIC.glob("*.js"):
        source = script.read_text(encoding="utf-8")
        assert not re.search(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(", source), script.name


@pytest.mark.parametrize(("role", "levels", "manages"), [
    ("guest", ["public"], False), ("employee", ["public", "internal"], False),
    ("manager", ["public", "internal", "confidential"], True),
    ("director", ["public", "internal", "confidential", "restricted"], True)])
def test_me_says_what_the_caller_may_read_and_do(harness: Harness, role: str, levels: list[str],
                                                  manages: bool) -> None:
    me = harness.client.get("/api/v1/auth/me", headers=harness.headers(role)).json()
    assert me == {"id": role, "role": role, "access_levels": levels, "can_manage_documents": manages}
    assert_error(harness.client.get("/api/v1/auth/me"), 401)


def test_the_level_filter_narrows_and_never_widens(harness: Harness) -> None:
    question = "Phí in ấn tài liệu nội bộ do ai chi trả?"
    cited = {s["document_id"] for s in harness.ask("director", question).json()["sources"]}
    assert "mat" in cited
    narrowed = harness.ask("director", question, filters={"max_access_level": "internal"}).json()
    assert "mat" not in {s["document_id"] for s in narrowed["sources"]}
    widened = harness.ask("employee", question, filters={"max_access_level": "restricted"}).json()
    assert "mat" not in {s["document_id"] for s in widened["sources"]}
    assert_error(harness.ask("director", question, filters={"max_access_level": "secret"}), 422)


def test_each_source_carries_its_whole_passage(harness: Harness) -> None:
    answered = harness.ask("guest", "Người yêu cầu cung cấp thông tin có phải trả chi phí in sao không?").json()
    source = next(s for s in answered["sources"] if s["document_id"] == "cong-khai")
    assert source["text"].startswith("Công dân được cung cấp thông tin") and "in, sao, chụp" in source["text"]
    events = parse_sse(harness.stream("guest", "chi phi in sao chup gui thong tin").text)
    [citations] = [data for name, data in events if name == "citations"]
    assert all(s["text"] and s["snippet"] for s in citations["sources"])


def test_an_upload_reads_indexing_while_it_is_worked_on(harness: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    original = Ingestor.ingest_file

    def watching(self, filename, data, *, document_id, **kwargs):
        seen.append(self.store.get_document(document_id).status)
        return original(self, filename, data, document_id=document_id, **kwargs)

    monkeypatch.setattr(Ingestor, "ingest_file", watching)
    response = harness.client.post("/api/v1/documents", headers=harness.headers("manager"),
                                   files={"file": ("noi-quy.txt", "Điều 1. Giờ làm việc\nTừ 8 giờ.".encode())},
                                   data={"access_level": "internal"})
    assert response.status_code == 202 and response.json()["status"] == "pending"
    assert seen == [DocumentStatus.INDEXING]
    done = harness.client.get(f"/api/v1/documents/{response.json()['id']}", headers=harness.headers("manager"))
    assert done.json()["status"] == "indexed"
