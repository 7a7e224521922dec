"""The query entry imports and answers with only what Lambda would put on its path.

tools/build_layer.py's own steps build, for the running interpreter, the runtime layer's python/ folder
(/opt/python) and the query function's package (/var/task: its libraries, pruned, plus shared/ and
functions/); boto3 stands in for the runtime's own site-packages. A `python -I -S` child (no site-packages,
no repository, no PYTHONPATH) puts exactly those three folders on sys.path, as Lambda orders them, imports
functions/query/app.py with the template's settings (DynamoDB on moto's server, an OpenSearch stub, the
model files the models layer carries) and invokes it with events/apigw_health.json.

The pip installs are cached under .cache/layer-test/, keyed by the tool's source and the interpreter, so
any change to the package lists or the pruning rules rebuilds them (about a minute, from PyPI).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import sysconfig
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "build_layer.py"
CACHE = ROOT / ".cache" / "layer-test"
REGION, TABLE = "ap-southeast-1", "vnrag-layer-test"
FORBIDDEN = ("torch", "sklearn", "scipy", "transformers", "sentence_transformers")
# The ingest function's readers: never in the query function's package.
INGEST_ONLY = ("docx", "pypdf", "openpyxl", "xlrd", "pptx", "striprtf", "PIL", "tesserocr", "pypdfium2")
HOST = ["--only-binary=:all:"]  # the running interpreter's platform, wheels only as for Lambda

PROBE = """
import json, sys
task, layer, runtime, event = sys.argv[1:5]
sys.path[:0] = [task, layer, runtime]  # /var/task, /opt/python, then the runtime's site-packages

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "vnrag-query", 1024, "5d9f6c2e-0000-4000-8000-0000000000aa"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:vnrag-query"
    def get_remaining_time_in_millis(self):
        return 29_000

from functions.query.app import lambda_handler
response = lambda_handler(json.load(open(event, encoding="utf-8")), Context())
# What a question then runs on the same modules: ONNX inference (numpy, tokenizers) and the CRF segmenter.
from shared.bootstrap import build_analyzer, build_embedder
from shared.config_aws import AwsSettings
settings = AwsSettings()
vector = build_embedder(settings).embed_queries(["Thời hạn giải quyết việc nuôi con nuôi là bao lâu?"])
terms = build_analyzer(settings).query_terms("Thời hạn giải quyết việc nuôi con nuôi là bao lâu?")
blocked = {}
for name in ("torch", "sklearn", "scipy"):
    try:
        __import__(name)
        blocked[name] = "importable"
    except ImportError:
        blocked[name] = "missing"
files = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}
print(json.dumps({"response": response, "files": files, "blocked": blocked, "shape": list(vector.shape),
                  "norm": float((vector[0] ** 2).sum()), "terms": terms}))
"""


def _tool():
    spec = importlib.util.spec_from_file_location("build_layer", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def lambda_build() -> tuple[object, Path]:
    """(the tool module, the cached folder with python/, task-libs/ and runtime/)."""
    tool = _tool()
    key = hashlib.sha256(TOOL.read_bytes() + f"{sys.version}|{platform.machine()}".encode()).hexdigest()[:16]
    done = CACHE / key
    if not (done / ".complete").is_file():
        partial = CACHE / f"{key}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        tool.build_runtime_layer(partial / "python", platform=HOST)
        tool.build_function_libraries(partial / "task-libs", platform=HOST)
        tool.pip_install(partial / "runtime", tool.RUNTIME_PROVIDED, no_deps=False, platform=HOST)
        (partial / ".complete").touch()
        shutil.rmtree(done, ignore_errors=True)
        partial.rename(done)
        for stale in CACHE.iterdir():  # builds of earlier package lists or pruning rules
            if stale != done and ".partial-" not in stale.name:
                shutil.rmtree(stale, ignore_errors=True)
    return tool, done


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _OpenSearchStub(BaseHTTPRequestHandler):
    """An empty cluster: `_count` answers 0, anything else is 404 (the query function's cold start and
    health check only count)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        found = self.path.split("?")[0].endswith("/_count")
        body = json.dumps({"count": 0, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
                          if found else {"error": "not found", "status": 404}).encode()
        self.send_response(200 if found else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto's server (DynamoDB, with the table) and the OpenSearch stub, over HTTP as Lambda reaches them."""
    from moto.server import ThreadedMotoServer

    from shared.adapters.dynamodb_table import create_table
    from shared.aws_clients import aws_client

    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    moto_port = _free_port()
    moto = ThreadedMotoServer(ip_address="127.0.0.1", port=moto_port, verbose=False)
    moto.start()
    opensearch = ThreadingHTTPServer(("127.0.0.1", 0), _OpenSearchStub)
    threading.Thread(target=opensearch.serve_forever, daemon=True).start()
    aws = f"http://127.0.0.1:{moto_port}"
    create_table(aws_client("dynamodb", region=REGION, endpoint_url=aws), TABLE)
    yield {"aws": aws, "opensearch": f"http://127.0.0.1:{opensearch.server_address[1]}"}
    opensearch.shutdown()
    moto.stop()


def _lambda_environment(endpoints: dict[str, str], task: Path) -> dict[str, str]:
    """template.yaml's Globals and QueryFunction variables, pointed at the local endpoints and models/."""
    models = ROOT / "models"
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(task), "AWS_LAMBDA_FUNCTION_NAME": "vnrag-query", "AWS_REGION": REGION,
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_SESSION_TOKEN": "testing",
        "AWS_ENDPOINT_URL": endpoints["aws"], "POWERTOOLS_SERVICE_NAME": "vnrag",
        "POWERTOOLS_METRICS_NAMESPACE": "vnrag", "POWERTOOLS_LOG_LEVEL": "WARNING",
        "VNRAG_SERVICE_NAME": "vnrag-dev", "VNRAG_ENVIRONMENT": "development", "VNRAG_TABLE_NAME": TABLE,
        "VNRAG_JWT_SECRET": "layer-test-secret-" + "0123456789abcdef" * 3, "VNRAG_RATE_LIMIT_PER_MINUTE": "10",
        "VNRAG_MODEL_DIR": str(models / "me5-small-q4"), "VNRAG_PYVI_DIR": str(models / "pyvi"),
        "VNRAG_OPENSEARCH_ENDPOINT": endpoints["opensearch"], "VNRAG_OPENSEARCH_SIGN": "false",
        "VNRAG_OPENSEARCH_INDEX": "vnrag-chunks", "VNRAG_GENERATOR": "bedrock",
    }


@pytest.mark.slow
def test_query_entry_answers_health_with_only_the_layer_and_its_package(
        lambda_build: tuple[object, Path], endpoints: dict[str, str], tmp_path: Path) -> None:
    tool, built = lambda_build
    for name in ("me5-small-q4", "pyvi"):
        if not (ROOT / "models" / name).is_dir():
            pytest.fail(f"models/{name} not built (run `make model`; `make test` does it first)")
    task = tmp_path / "task"
    shutil.copytree(built / "task-libs", task)
    assert not [name for name in INGEST_ONLY if (task / name).exists()]
    tool.add_project_code(task)  # today's shared/ and functions/, as `make layer` packages them
    paths = [task, built / "python", built / "runtime"]

    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", PROBE, *map(str, paths), str(ROOT / "events" / "apigw_health.json")],
        capture_output=True, text=True, timeout=180, env=_lambda_environment(endpoints, task), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    response = report["response"]
    assert response["statusCode"] == 200, response
    health = json.loads(response["body"])
    assert health["status"] == "ok" and set(health["checks"]) == {"index", "store", "embedder"}, health
    # Every module came from the three folders or the standard library, none from the venv or the repo.
    stdlib = Path(sysconfig.get_path("stdlib")).resolve()
    for name, file in report["files"].items():
        if file:
            where = Path(file).resolve()
            from_stdlib = where.is_relative_to(stdlib) and "site-packages" not in where.relative_to(stdlib).parts
            assert from_stdlib or any(where.is_relative_to(p.resolve()) for p in paths), (name, file)
    loaded = {name.split(".")[0] for name in report["files"]}
    assert {"onnxruntime", "tokenizers", "pycrfsuite", "fastapi", "mangum"} <= loaded
    assert not loaded & set(FORBIDDEN)
    assert not loaded & set(INGEST_ONLY)
    assert report["blocked"] == {"torch": "missing", "sklearn": "missing", "scipy": "missing"}
    assert report["shape"] == [1, 384] and abs(report["norm"] - 1) < 1e-3  # multilingual-e5-small, normalised
    assert "nuôi_con_nuôi" in report["terms"] or "con_nuôi" in report["terms"], report["terms"]
