"""Screenshots of the browser pages, as a new user sees them after `make serve`, into docs/screenshots/.

    .venv/bin/python tools/screenshots.py [--out docs/screenshots]

Builds a fresh local data directory in a temporary folder with the offline model (`make model`), ingests
samples/, adds a manager and an employee, serves the app on a free loopback port and drives headless Chromium
(network blocked, as in the browser tests): the sign-in page, a question typed without diacritics and its
streamed, cited answer, the documents page of a director (one upload indexed, one failed), the dashboard, the
documents page of an employee, and /api/docs.
"""

from __future__ import annotations

import argparse
import base64
import secrets
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as ec  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

from shared.bootstrap.local import build_local_api  # noqa: E402
from shared.config import LocalSettings  # noqa: E402
from shared.domain.models import Principal, Role  # noqa: E402
from shared.entrypoints.cli.files import ingest_paths  # noqa: E402
from tests.integration.browser import chrome, console_errors, serve  # noqa: E402

PASSWORD = "mat-khau-minh-hoa"
QUESTION = "thoi han giai quyet viec nuoi con nuoi la bao nhieu ngay"  # typed without diacritics


def _full_page(driver, path: Path, *, max_height: int = 2400) -> None:
    """The whole page from its top (at most `max_height` CSS pixels), not just the window."""
    driver.execute_script("window.scrollTo(0, 0)")
    size = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
    clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], max_height), "scale": 1}
    shot = driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True,
                                                             "clip": clip})
    path.write_bytes(base64.b64decode(shot["data"]))
    print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")


def _sign_in(driver, wait: WebDriverWait, base: str, page: str, username: str) -> None:
    driver.get(f"{base}/{page}")
    driver.execute_script("sessionStorage.clear()")
    driver.get(f"{base}/{page}")
    wait.until(ec.visibility_of_element_located((By.ID, "username"))).send_keys(username)
    driver.find_element(By.ID, "password").send_keys(PASSWORD)
    driver.find_element(By.ID, "login-button").click()
    wait.until(ec.visibility_of_element_located((By.ID, "app")))


def take(base: str, out: Path) -> None:
    driver = chrome()
    wait = WebDriverWait(driver, 60)
    try:
        driver.get(f"{base}/")
        wait.until(ec.visibility_of_element_located((By.ID, "username")))
        _full_page(driver, out / "signin.png")

        _sign_in(driver, wait, base, "", "lan")
        question = driver.find_element(By.ID, "question")
        for warm_up in ("nghi phep nam", QUESTION):  # one question first, so the history shows two
            question.clear()
            question.send_keys(warm_up + "\n")
            wait.until(lambda d: d.find_element(By.ID, "answer").get_attribute("data-done") == "true")
        driver.find_element(By.CSS_SELECTOR, "#source-1 summary").click()
        driver.find_element(By.ID, "thumb-up").click()
        driver.find_element(By.ID, "feedback-comment").send_keys("Đúng điều luật cần tìm.")
        _full_page(driver, out / "ask.png")

        _sign_in(driver, wait, base, "documents", "admin")
        files = [ROOT / "samples" / "quy-trinh-nghi-phep.md", _broken_pdf(out)]
        driver.find_element(By.ID, "files").send_keys("\n".join(str(f) for f in files))
        driver.find_element(By.ID, "doc-type").clear()
        driver.find_element(By.ID, "doc-type").send_keys("quy-trinh")
        driver.find_element(By.ID, "upload-button").click()
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, "#uploads li[data-status='indexed'], "
                                                                   "#uploads li[data-status='failed']")) == 2)
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-idle") == "true")
        _full_page(driver, out / "documents.png")

        driver.find_element(By.CSS_SELECTOR, ".topbar nav a[href='dashboard']").click()
        wait.until(lambda d: d.find_element(By.TAG_NAME, "body").get_attribute("data-loaded") == "true")
        _full_page(driver, out / "dashboard.png")

        _sign_in(driver, wait, base, "documents", "lan")
        _full_page(driver, out / "documents-employee.png")

        driver.get(f"{base}/api/docs")
        wait.until(lambda d: len(d.find_elements(By.CSS_SELECTOR, ".opblock")) > 0)
        _full_page(driver, out / "api-docs.png", max_height=1500)
        errors = console_errors(driver)
        if errors:
            print("console errors:", *errors, sep="\n  ")
    finally:
        driver.quit()


def _broken_pdf(out: Path) -> Path:
    """A file that is not the PDF its name says, to show a failed upload and its reason."""
    path = Path(tempfile.mkdtemp()) / "bao-cao-hong.pdf"
    path.write_bytes(b"%PDF-1.7\nthis file was cut short")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vnrag-screens-") as data:
        settings = LocalSettings(data_dir=Path(data), jwt_secret=secrets.token_urlsafe(48))
        api = build_local_api(settings)
        ingest_paths(api.core.ingestor, [ROOT / "samples"])
        operator = Principal(id="screenshots", role=Role.DIRECTOR)
        for username, role in (("admin", Role.DIRECTOR), ("lan", Role.EMPLOYEE)):
            api.services.auth.create_user(operator, username, PASSWORD, role)
        with serve(api.app) as base:
            take(base, args.out)


if __name__ == "__main__":
    main()
