"""Headless Chromium for the browser tests and tools/screenshots.py: a real server on a free port, and a
WebDriver session that can reach nothing but this machine's loopback.

Needs the Debian packages `chromium` and `chromium-driver`; `.ci/run` and `make test` install them.
"""

from __future__ import annotations

import json
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import uvicorn
from fastapi import FastAPI

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(app: FastAPI, port: int | None = None, *, prefix: str = "") -> Iterator[str]:
    """`app` under uvicorn in a thread; yields its base URL (no trailing slash). `prefix`: where the vnrag app
    sits inside `app` (a stage path)."""
    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert httpx.get(f"{base}{prefix}/api/v1/health", timeout=5).status_code == 200
    try:
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def chrome(*, width: int = 1280, height: int = 900):
    """A headless Chromium WebDriver with the network blocked: names other than 127.0.0.1 do not resolve,
    and every request that is not to the loopback goes to a proxy that does not exist. Its console and
    network events are logged (`console_errors`, `requested_urls`)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    if CHROMIUM is None or CHROMEDRIVER is None:
        raise RuntimeError("chromium and chromedriver are needed (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-default-apps", "--lang=vi-VN", f"--window-size={width},{height}",
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                "--proxy-server=http://127.0.0.1:9"):  # loopback bypasses a proxy by default
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    return driver


def console_errors(driver) -> list[str]:
    """The console's errors since the last call (CSP violations and uncaught exceptions among them)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def requested_urls(driver) -> list[str]:
    """Every URL the browser asked the network for since the last call (from the DevTools network events;
    data: URLs, which Swagger UI's stylesheet uses for its icons, need no network)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent" and not message["params"]["request"]["url"].startswith(
                "data:"):
            urls.append(message["params"]["request"]["url"])
    return urls
