"""dashboards/ <-> code: every series a Grafana panel queries is one the telemetry exposes."""

from __future__ import annotations

import json
import re

import pytest

from shared.config import PROJECT_ROOT
from shared.observability import PrometheusTelemetry

GRAFANA = PROJECT_ROOT / "dashboards" / "grafana"


def _exposed_series() -> set[str]:
    telemetry = PrometheusTelemetry()
    telemetry.query_finished(query_id="q", principal_id="u", role="guest", found=False,
                             timings_ms={"embed": 1, "search": 1, "generate": 1, "total": 3}, question="q")
    return {sample.name for family in telemetry.registry.collect() for sample in family.samples}


def _dashboard() -> dict:
    return json.loads((GRAFANA / "vnrag.json").read_text(encoding="utf-8"))


def test_every_panel_queries_exposed_series_with_known_labels() -> None:
    exposed, panels = _exposed_series(), _dashboard()["panels"]
    assert len(panels) >= 8 and len({p["id"] for p in panels}) == len(panels)
    used = set()
    for panel in panels:
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            names = set(re.findall(r"\bvnrag_[a-z_]+", target["expr"]))
            assert names and names <= exposed, (panel["title"], names - exposed)
            used |= {re.sub(r"_(total|bucket|sum|count)$", "", n) for n in names}
            for label in re.findall(r"by \(([^)]*)\)", target["expr"]):
                assert {x.strip() for x in label.split(",")} <= {"le", "stage", "status", "role"}
    assert used == {"vnrag_queries", "vnrag_query_duration_seconds", "vnrag_no_answer", "vnrag_ingested_documents",
                    "vnrag_ingested_chunks", "vnrag_ingest_failures", "vnrag_rate_limited"}


def test_provisioning_points_at_the_dashboard_and_its_data_source() -> None:
    yaml = pytest.importorskip("yaml")
    datasources = yaml.safe_load((GRAFANA / "provisioning" / "datasources" / "vnrag.yaml").read_text())
    (source,) = datasources["datasources"]
    assert source["type"] == "prometheus"
    variable = next(v for v in _dashboard()["templating"]["list"] if v["name"] == "datasource")
    assert variable["current"]["value"] == source["uid"]
    providers = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "vnrag.yaml").read_text())
    assert providers["providers"][0]["type"] == "file"
    scrape = yaml.safe_load((PROJECT_ROOT / "dashboards" / "prometheus" / "prometheus.yml").read_text())
    (job,) = scrape["scrape_configs"]
    assert job["metrics_path"] == "/metrics" and job["authorization"]["type"] == "Bearer"
