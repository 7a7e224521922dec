"""The browser pages in headless Chromium against a real server, with the network blocked (tests/integration/
browser.py): /api/docs renders every operation from the app's own files; on / a user signs in, asks without
diacritics, sees the answer grow as the stream's events arrive, follows [n] to its source, opens the whole
passage and rates the answer; /documents uploads files and shows them become indexed, deletes after a
confirmation, and is read-only for an employee; a document carrying <script> and <img onerror> is shown as
text; errors read in Vietnamese.

Needs the Debian packages `chromium` and `chromium-driver`; `.ci/run` and `make test` install them.
"""

from __future__ import annotations

import ast
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.integration.api_harness import PASSWORD, Harness, build_harness, text_source
from tests.integration.browser import CHROMEDRIVER, CHROMIUM, chrome, console_errors, requested_urls, serve

pytestmark = [pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                 reason="chromium and chromium-driver are not installed"),
              pytest.mark.timeout(240)]

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

RATE_LIMIT = 8  # questions per minute and user; the tests below ask fewer than that as any one user
EVENT_GAP_S = 0.15  # between the stream's events, as a model's tokens arrive: the page must draw each one
NUOI_CON_NUOI = ("Điều 19. Thời hạn giải quyết\n1. Người nhận con nuôi phải nộp hồ sơ tại Ủy ban nhân dân cấp xã "
                 "nơi thường trú của người được giới thiệu làm con nuôi.\n2. Thời hạn giải quyết việc nuôi con "
                 "nuôi là 30 ngày, kể từ ngày Ủy ban nhân dân cấp xã nhận đủ hồ sơ hợp lệ.\n3. Trường hợp cần xác "
                 "minh thêm thì thời hạn được kéo dài thêm 15 ngày.")
XSS_TITLE = 'Quy định thẻ <img src=x onerror="window.__xss=1">'
XSS_TEXT = ("Điều 1. Thẻ ra vào <script>window.__xss=2</script>\nNhân viên được cấp thẻ ra vào tại phòng hành "
            'chính <img src=x onerror="window.__xss=3"> trong ngày làm việc đầu tiên.')


@dataclass
class Site:
    base: str
    harness: Harness


class _SlowGenerator:
    """The extractive generator's pieces, one every EVENT_GAP_S seconds (a model streams its tokens like this)."""

    def __init__(self, inner) -> None:
        self.inner = inner

    def generate(self, question, passages, **options):
        for piece in self.inner.generate(question, passages, **options):
            time.sleep(EVENT_GAP_S)
            yield piece


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    harness = build_harness(tmp_path_factory.mktemp("web"), rate_limit_per_minute=RATE_LIMIT)
    harness.ingest([
        text_source("nuoi-con-nuoi", "Luật Nuôi con nuôi 2010", NUOI_CON_NUOI, document_type="law"),
        text_source("the-ra-vao", XSS_TITLE, XSS_TEXT, level="internal", document_type="policy"),
        text_source("luong-thuong", "Chính sách lương thưởng", "Điều 3. Thưởng Tết\nThưởng Tết bằng hai tháng "
                    "lương cơ bản.", level="confidential", document_type="policy"),
    ])
    answerer = harness.api.core.answerer
    # A frozen dataclass: swapped in place for this module's server only.
    object.__setattr__(answerer, "generator", _SlowGenerator(answerer.generator))
    with serve(harness.api.app) as base:
        yield Site(base, harness)


@pytest.fixture
def driver():
    browser = chrome()
    yield browser
    browser.quit()


def _wait(driver, seconds: float = 30) -> WebDriverWait:
    return WebDriverWait(driver, seconds)


def _sign_in(driver, site: Site, username: str, page: str = "") -> None:
    driver.get(f"{site.base}/{page}")
    _wait(driver).until(ec.visibility_of_element_located((By.ID, "username"))).send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-button").click()
    _wait(driver).until(ec.visibility_of_element_located((By.ID, "app")))


def _ask(driver, question: str) -> None:
    box = driver.find_element(By.ID, "question")
    box.clear()
    box.send_keys(question)
    box.send_keys(Keys.ENTER)  # Enter sends


def _answer_done(driver) -> None:
    _wait(driver).until(lambda d: d.find_element(By.ID, "answer").get_attribute("data-done") == "true"
                        or d.find_element(By.ID, "ask-error").text)


def _new_user(site: Site, username: str, role: str) -> str:
    site.harness.add_user(username, role)
    return username


def test_api_docs_render_every_operation_offline(site: Site, driver) -> None:
    operations = [(method.upper(), path) for path, item in
                  site.harness.client.get("/api/openapi.json").json()["paths"].items() for method in item]
    driver.get(f"{site.base}/api/docs")
    _wait(driver).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) >= len(operations))
    shown = {(block.find_element(By.CSS_SELECTOR, ".opblock-summary-method").text,
              block.find_element(By.CSS_SELECTOR, ".opblock-summary-path").get_attribute("data-path"))
             for block in driver.find_elements(By.CSS_SELECTOR, ".opblock")}
    assert shown == set(operations)
    assert ("POST", "/api/v1/query/stream") in shown
    urls = requested_urls(driver)
    assert urls and all(u.startswith(site.base + "/") for u in urls), urls  # nothing from a CDN
    assert f"{site.base}/static/swagger-ui/swagger-ui-bundle.js" in urls
    assert console_errors(driver) == []  # no CSP violation, no script error


def test_sign_in_ask_without_diacritics_and_follow_the_streamed_cited_answer(site: Site, driver) -> None:
    username = _new_user(site, "ngoc", "employee")
    _sign_in(driver, site, username)
    # Every change to the answer's text, in order: the page must draw each event as it arrives.
    driver.execute_script("""
        window.__seen = [];
        new MutationObserver(() => window.__seen.push(document.getElementById('answer').textContent))
          .observe(document.getElementById('answer'), {childList: true, subtree: true, characterData: true});""")
    _ask(driver, "thoi han giai quyet viec nuoi con nuoi la bao nhieu ngay")
    _answer_done(driver)
    answer = driver.find_element(By.ID, "answer")
    assert "30 ngày" in answer.text, driver.find_element(By.ID, "ask-error").text
    seen = [s for s in driver.execute_script("return window.__seen") if s]
    growing = [s for i, s in enumerate(seen) if i == 0 or s != seen[i - 1]]
    assert len(growing) >= 3, growing  # at least three different partial answers were on screen
    assert all(later.startswith(earlier) for earlier, later in zip(growing, growing[1:], strict=False)), growing
    assert driver.switch_to.active_element == answer  # focus moves to the answer

    # [1] links to source 1: title, heading path, the cited passage, and the whole passage on demand.
    link = answer.find_element(By.CSS_SELECTOR, "a.cite")
    assert link.text == "[1]" and link.get_attribute("href").endswith("#source-1")
    link.click()
    source = driver.find_element(By.ID, "source-1")
    assert driver.switch_to.active_element == source
    assert source.find_element(By.CSS_SELECTOR, ".title").text == "Luật Nuôi con nuôi 2010"
    path = source.find_element(By.CSS_SELECTOR, ".path").text
    assert path == "Luật Nuôi con nuôi 2010 › Điều 19. Thời hạn giải quyết"
    assert "30 ngày" in source.find_element(By.CSS_SELECTOR, "blockquote").text
    full = source.find_element(By.CSS_SELECTOR, ".fulltext")
    assert not full.is_displayed()
    source.find_element(By.CSS_SELECTOR, "summary").click()
    assert full.is_displayed() and "kéo dài thêm 15 ngày" in full.text

    # 👍 with a comment reaches /api/v1/feedback.
    driver.find_element(By.ID, "thumb-up").click()
    driver.find_element(By.ID, "feedback-comment").send_keys("Rất rõ ràng")
    driver.find_element(By.ID, "feedback-send").click()
    _wait(driver).until(lambda d: d.find_element(By.ID, "feedback-status").get_attribute("data-sent") == "true")
    assert driver.find_element(By.ID, "feedback-status").text == "Cảm ơn bạn đã góp ý!"
    quality = site.harness.client.get("/api/v1/analytics/quality", headers=site.harness.headers("director")).json()
    assert quality["ratings"]["5"] >= 1 and quality["feedback_count"] >= 1

    # The session's history lists the question; the credential is in sessionStorage, never a cookie.
    assert "thoi han giai quyet viec nuoi con nuoi" in driver.find_element(By.ID, "history").text
    assert driver.get_cookies() == []
    assert driver.execute_script("return localStorage.length") == 0
    assert driver.execute_script("return sessionStorage.getItem('vnrag.credential')")
    assert console_errors(driver) == []


def test_the_type_and_level_filters_narrow_what_the_answer_may_cite(site: Site, driver) -> None:
    username = _new_user(site, "quang", "manager")
    _sign_in(driver, site, username)
    levels = [o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#filter-level option")]
    assert levels == ["", "public", "internal"]  # a manager reads up to confidential: "all" is that
    _ask(driver, "Thưởng Tết bằng mấy tháng lương?")
    _answer_done(driver)
    assert "hai tháng" in driver.find_element(By.ID, "answer").text
    driver.find_element(By.CSS_SELECTOR, "#filter-level option[value='internal']").click()
    _ask(driver, "Thưởng Tết bằng mấy tháng lương?")
    _answer_done(driver)
    assert "hai tháng" not in driver.find_element(By.ID, "answer").text
    assert driver.find_element(By.ID, "not-found").is_displayed()  # "nothing found", in Vietnamese

    driver.find_element(By.CSS_SELECTOR, "#filter-level option[value='']").click()
    _wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#filter-type option[value='law']"))
    types = {o.get_attribute("value") for o in driver.find_elements(By.CSS_SELECTOR, "#filter-type option")}
    assert {"", "law", "policy"} <= types, types  # the types of the documents this user may read
    driver.find_element(By.CSS_SELECTOR, "#filter-type option[value='law']").click()
    _ask(driver, "Thưởng Tết bằng mấy tháng lương?")
    _answer_done(driver)
    assert "hai tháng" not in driver.find_element(By.ID, "answer").text  # a policy, not a law
    driver.find_element(By.CSS_SELECTOR, "#filter-type option[value='policy']").click()
    _ask(driver, "Thưởng Tết bằng mấy tháng lương?")
    _answer_done(driver)
    assert "hai tháng" in driver.find_element(By.ID, "answer").text


def test_a_document_with_script_and_img_onerror_is_shown_as_text(site: Site, driver) -> None:
    username = _new_user(site, "khoa", "manager")
    _sign_in(driver, site, username)
    _ask(driver, "Nhân viên được cấp thẻ ra vào ở đâu?")
    _answer_done(driver)
    sources = driver.find_element(By.ID, "sources")
    assert "<img src=x onerror=" in driver.find_element(By.ID, "answer").text
    assert XSS_TITLE in sources.text
    driver.find_element(By.CSS_SELECTOR, "#sources summary").click()
    assert "<script>window.__xss=2</script>" in sources.text
    for region in ("answer", "sources"):
        assert driver.find_elements(By.CSS_SELECTOR, f"#{region} img, #{region} script") == []

    driver.get(f"{site.base}/documents")
    _wait(driver).until(lambda d: XSS_TITLE in d.find_element(By.ID, "documents").text)
    assert driver.find_elements(By.CSS_SELECTOR, "#documents img, #documents script") == []
    assert driver.execute_script("return window.__xss === undefined")


def test_upload_files_and_see_them_indexed_then_delete_after_confirming(site: Site, driver,
                                                                        tmp_path: Path) -> None:
    username = _new_user(site, "minh", "manager")
    first, second = tmp_path / "noi-quy.txt", tmp_path / "bao-hiem.md"
    first.write_text("Điều 1. Giờ làm việc\nNhân viên làm việc từ 8 giờ đến 17 giờ.", encoding="utf-8")
    second.write_text("# Bảo hiểm\n\nĐiều 2. Bảo hiểm sức khỏe\nCông ty mua bảo hiểm sức khỏe cho nhân viên.",
                      encoding="utf-8")
    broken = tmp_path / "bao-cao.pdf"
    broken.write_bytes(b"%PDF-1.7\nthis file was cut short")
    _sign_in(driver, site, username, "documents")
    assert driver.find_element(By.CSS_SELECTOR, ".topbar nav a[href='dashboard']").is_displayed()  # a manager's
    driver.find_element(By.ID, "files").send_keys(f"{first}\n{second}\n{broken}")
    driver.find_element(By.ID, "doc-type").clear()
    driver.find_element(By.ID, "doc-type").send_keys("noi-quy")
    driver.find_element(By.CSS_SELECTOR, "#doc-level option[value='confidential']").click()
    driver.find_element(By.ID, "upload-button").click()

    _wait(driver, 60).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#uploads li[data-status='indexed']")) == 2)
    _wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#uploads li[data-status='failed']"))
    for item in driver.find_elements(By.CSS_SELECTOR, "#uploads li"):
        assert item.find_element(By.TAG_NAME, "progress").get_attribute("value") == "1"
        failed = item.get_attribute("data-file") == "bao-cao.pdf"
        assert ("Lỗi: Không đọc được tệp" if failed else "Đã lập chỉ mục") in item.text, item.text
    _wait(driver).until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-idle") == "true")
    rows = {row["source"]: row for row in driver.execute_script("""
        return [...document.querySelectorAll('#documents tbody tr[data-id]')].map((tr) => ({
          id: tr.dataset.id, source: tr.querySelector('.id').textContent,
          cells: [...tr.cells].map((td) => td.innerText.trim())}));""")}
    for name in ("noi-quy.txt", "bao-hiem.md"):
        cells = rows[name]["cells"]
        assert cells[1] == "noi-quy" and cells[2] == "Mật" and cells[3] == "Đã lập chỉ mục", cells
        assert int(cells[4]) >= 1, cells
    assert rows["bao-cao.pdf"]["cells"][3] == "Lỗi\nLý do: Không đọc được tệp: tệp bị hỏng hoặc sai định dạng."

    doomed = rows["noi-quy.txt"]["id"]
    delete = driver.find_element(By.CSS_SELECTOR, f"tr[data-id='{doomed}'] button.danger")
    delete.click()
    dialog = driver.find_element(By.ID, "confirm-delete")
    assert dialog.is_displayed() and "noi-quy.txt" in dialog.text
    driver.find_element(By.ID, "confirm-cancel").click()
    assert not dialog.is_displayed()
    assert site.harness.client.get(f"/api/v1/documents/{doomed}", headers=site.harness.headers("director")).is_success
    delete.click()
    driver.find_element(By.ID, "confirm-ok").click()
    _wait(driver).until(lambda d: not d.find_elements(By.CSS_SELECTOR, f"tr[data-id='{doomed}']"))
    gone = site.harness.client.get(f"/api/v1/documents/{doomed}", headers=site.harness.headers("director"))
    assert gone.status_code == 404


def test_an_employee_with_an_api_key_sees_a_read_only_list_of_what_they_may_read(site: Site, driver) -> None:
    site.harness.add_user("lan", "employee")
    token = site.harness.login("lan")
    key = site.harness.client.post("/api/v1/auth/api-keys", json={"name": "trình duyệt"},
                                   headers={"Authorization": f"Bearer {token}"}).json()["api_key"]
    driver.get(f"{site.base}/documents")
    _wait(driver).until(ec.visibility_of_element_located((By.ID, "api-key"))).send_keys(key)
    driver.find_element(By.ID, "key-button").click()
    _wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#documents tbody tr[data-id]"))
    assert not driver.find_element(By.ID, "upload-card").is_displayed()
    assert not driver.find_element(By.CSS_SELECTOR, ".topbar nav a[href='dashboard']").is_displayed()
    assert [b for b in driver.find_elements(By.CSS_SELECTOR, "#documents button") if b.is_displayed()] == []
    levels = {b.text for b in driver.find_elements(By.CSS_SELECTOR, "#documents .badge.level")}
    assert levels and levels <= {"Công khai", "Nội bộ"}, levels
    titles = driver.find_element(By.ID, "documents").text
    assert "Chính sách lương thưởng" not in titles and "Luật Nuôi con nuôi 2010" in titles


def test_a_wrong_password_and_a_bad_key_are_refused_in_vietnamese(site: Site, driver) -> None:
    driver.get(site.base + "/")
    _wait(driver).until(ec.visibility_of_element_located((By.ID, "username"))).send_keys("employee")
    driver.find_element(By.ID, "password").send_keys("sai-mat-khau")
    driver.find_element(By.ID, "login-button").click()
    error = driver.find_element(By.ID, "signin-error")
    _wait(driver).until(lambda d: error.text)
    assert error.text == "Tên đăng nhập hoặc mật khẩu không đúng."
    driver.find_element(By.ID, "api-key").send_keys("sk_khong_hop_le")
    driver.find_element(By.ID, "key-button").click()
    _wait(driver).until(lambda d: "khóa API không hợp lệ" in error.text)
    assert not driver.find_element(By.ID, "app").is_displayed()


def _wait_for_a_fresh_window(*, seconds_needed: float, window_seconds: int = 60) -> None:
    """Sleep into the next rate-limit window when the current one ends within `seconds_needed`: the limiter
    counts in aligned minutes (shared/services/rate_limit.py), so an allowance spent at :59 is fresh again at :00.
    """
    left = window_seconds - time.time() % window_seconds
    if left < seconds_needed:
        time.sleep(left + 0.5)


def test_rate_limit_and_a_server_that_cannot_be_reached_are_explained(site: Site, driver) -> None:
    username = _new_user(site, "hai", "employee")
    _sign_in(driver, site, username)
    token = site.harness.login(username)
    _wait_for_a_fresh_window(seconds_needed=20)
    for _ in range(RATE_LIMIT):  # the whole minute's allowance, spent elsewhere
        site.harness.client.post("/api/v1/query", json={"query": "nghỉ phép"},
                                 headers={"Authorization": f"Bearer {token}"})
    _ask(driver, "thoi han nuoi con nuoi")
    _answer_done(driver)
    error = driver.find_element(By.ID, "ask-error").text
    assert error.startswith("Bạn đã gửi quá nhiều yêu cầu") and " giây." in error, error
    seconds = int(error.split("sau ")[1].split(" giây")[0])
    assert 1 <= seconds <= 60

    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setBlockedURLs", {"urls": ["*/api/v1/query/stream"]})
    _ask(driver, "thoi han nuoi con nuoi")
    _wait(driver).until(lambda d: "Không kết nối được tới máy chủ" in d.find_element(By.ID, "ask-error").text)


def test_the_pages_work_under_a_stage_prefix(site: Site, driver) -> None:
    """API Gateway serves the app under /<stage>/: every URL in the pages is relative, so it still resolves."""
    from fastapi import FastAPI

    gateway = FastAPI()
    gateway.mount("/prod", site.harness.api.app)
    with serve(gateway, prefix="/prod") as base:
        driver.get(f"{base}/prod/api/docs")
        _wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock"))
        _sign_in(driver, Site(f"{base}/prod", site.harness), _new_user(site, "tam", "employee"))
        _ask(driver, "thoi han nuoi con nuoi")
        _answer_done(driver)
        assert "30 ngày" in driver.find_element(By.ID, "answer").text
        driver.find_element(By.LINK_TEXT, "Tài liệu").click()
        _wait(driver).until(lambda d: d.find_elements(By.CSS_SELECTOR, "#documents tbody tr[data-id]"))
        urls = requested_urls(driver)
    assert urls and [u for u in urls if not u.startswith(f"{base}/prod/")] == []


_FAILURES = ("CorruptDocument", "EmptyDocument", "UnsupportedFormat", "DocumentTooLarge", "ModelUnavailable",
             "DomainError")


def _failure_reasons() -> list[str]:
    """Every reason an ingest can record, read from the code: the messages of the document errors raised in
    shared/ (a formatted value written as "X"), the drop folder's own refusals, and the upload's catch-all."""
    def text(node: ast.expr) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.JoinedStr):
            return "".join(part.value if isinstance(part, ast.Constant) else "X" for part in node.values)
        return None

    reasons = set()
    for path in (Path(__file__).resolve().parents[2] / "shared").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in _FAILURES and node.args:
                reasons.add(text(node.args[0]))
            elif name == "_failed" and len(node.args) >= 4:  # drop_folder's refusals before reading a file
                reasons.add(text(node.args[3]))
    reasons.add("the document could not be indexed")  # documents.py, for an error that is not the domain's
    return sorted(r for r in reasons if r)


def test_every_failure_reason_the_service_records_reads_in_vietnamese(site: Site, driver) -> None:
    reasons = _failure_reasons()
    assert len(reasons) > 30 and "the file is empty" in reasons
    driver.get(f"{site.base}/documents")
    shown = driver.execute_async_script(
        "const [reasons, done] = arguments;"
        "import('./static/common.js').then((m) => done(reasons.map(m.failureReason)));", reasons)
    shown_for = dict(zip(reasons, shown, strict=True))
    untranslated = [reason for reason, text in shown_for.items() if text == reason]
    assert not untranslated, "\n".join(untranslated)
    assert shown_for["the PDF is password-protected; upload it without a password"].startswith("Tệp PDF có mật khẩu")
    assert shown_for["the file is empty"].startswith("Tài liệu không có nội dung")
