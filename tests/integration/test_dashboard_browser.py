"""GET /dashboard in headless Chromium against a real server: the charts draw and no script error shows.

Needs the Debian packages `chromium` (and `chromium-driver`); `.ci/run` installs them before `make test`.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.api_harness import Harness, build_harness, text_source
from tests.integration.browser import CHROMIUM, serve

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
CHARTS = ("chart-daily", "chart-ratings", "chart-doc-status", "chart-doc-level")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Harness]]:
    today = datetime.now(UTC).replace(hour=12).timestamp()
    harness = build_harness(tmp_path_factory.mktemp("dashboard"), clock=lambda: today)
    harness.ingest([text_source("nghi-phep", "Quy chế nghỉ phép", "Điều 4. Nghỉ phép năm\nNhân viên làm việc đủ 12 "
                                "tháng được nghỉ phép năm 14 ngày hưởng nguyên lương.", document_type="policy")])
    for question in ("Nhân viên được nghỉ phép năm bao nhiêu ngày?", "Giá vé máy bay đi Đà Nẵng?"):
        answered = harness.ask("employee", question).json()
        harness.client.post("/api/v1/feedback", json={"query_id": answered["query_id"], "rating": 4},
                            headers=harness.headers("employee"))
    with serve(harness.api.app) as base:
        yield base, harness


def _chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    command = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
               f"--user-data-dir={profile}", "--virtual-time-budget=15000", "--window-size=1280,1100", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=90)


@pytest.mark.timeout(180)
def test_the_dashboard_draws_every_chart_without_errors(served: tuple[str, Harness], tmp_path: Path) -> None:
    base, harness = served
    result = _chromium(tmp_path, "--dump-dom", f"{base}/dashboard#token={harness.tokens['manager']}")
    dom = result.stdout
    assert "<canvas" in dom, result.stderr[-2000:]
    errors = re.search(r'<div[^>]* id="errors"[^>]*>(.*?)</div>', dom, re.S)
    assert errors is not None and errors.group(1).strip() == "", errors and errors.group(1)
    assert re.search(r'<body[^>]*data-loaded="true"', dom), dom[-3000:]
    for chart in CHARTS:
        tag = re.search(rf'<canvas id="{chart}"[^>]*>', dom)
        assert tag and 'data-rendered="true"' in tag.group(0), chart
    daily = re.search(r'<canvas id="chart-daily"[^>]*data-bars="(\d+)"', dom)
    assert daily and int(daily.group(1)) == 30  # the default range: 30 days
    assert re.search(r'id="t-total">2<', dom) and re.search(r'id="t-rating">4\.00<', dom)
    assert "nhân viên được nghỉ phép năm bao nhiêu ngày" in dom  # top questions table


@pytest.mark.timeout(180)
def test_the_dashboard_reports_a_refused_token_instead_of_failing_silently(served: tuple[str, Harness],
                                                                             tmp_path: Path) -> None:
    base, harness = served
    dom = _chromium(tmp_path, "--dump-dom", f"{base}/dashboard#token={harness.tokens['employee']}").stdout
    errors = re.search(r'<div[^>]* id="errors"[^>]*>(.*?)</div>', dom, re.S)
    assert errors is not None and errors.group(1) == "Bạn không có quyền thực hiện thao tác này."
    assert 'data-rendered="true"' not in dom
