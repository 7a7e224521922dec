"""The Lambda entries import and answer with only what Lambda would put on their path.

Two modes, one set of tests:
- `make test`: tools/build_layer.py's own steps build, for the running interpreter, the runtime layer's
  python/ folder (/opt/python), the query function's package (/var/task: its libraries, pruned, plus shared/
  and functions/) and the ingest function's; boto3 stands in for the runtime's own site-packages. The pip
  installs are cached under .cache/layer-test/, keyed by the tool's source and the interpreter, so any change
  to the package lists or the pruning rules rebuilds them (about a minute, from PyPI).
- `make deploy-check`: VNRAG_LAMBDA_BUILD names the folders `make layer` built (exactly what `sam deploy`
  zips and uploads) and VNRAG_LAMBDA_PYTHON a python3.12, the runtime those wheels were chosen for.

A `python -I -S` child (no site-packages, no repository, no PYTHONPATH) puts exactly those folders on sys.path,
as Lambda orders them, imports functions/query/app.py with the template's settings (DynamoDB on moto's server,
an OpenSearch stub, the model files the models layer carries) and invokes it with events/apigw_health.json.
The stream function is started as Lambda starts it, by functions/stream/run.sh (uvicorn from the package),
and answers a login and a streamed question once its port accepts connections (the adapter's TCP check).
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
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOL = ROOT / "tools" / "build_layer.py"
CACHE = ROOT / ".cache" / "layer-test"
REGION, TABLE = "ap-southeast-1", "vnrag-layer-test"
FORBIDDEN = ("torch", "sklearn", "scipy", "transformers", "sentence_transformers")
# The ingest function's readers: never in the query function's package.
INGEST_ONLY = ("docx", "pypdf", "openpyxl", "xlrd", "pptx", "striprtf", "PIL", "tesserocr", "pypdfium2")
HOST = ["--only-binary=:all:"]  # the running interpreter's platform, wheels only as for Lambda
PAGES = ("/", "/documents", "/api/docs", "/static/ask.js", "/static/swagger-ui/swagger-ui-bundle.js")

PROBE = """
import json, sys
task, layer, runtime, event, *pages = sys.argv[1:]
sys.path[:0] = [task, layer, runtime]  # /var/task, /opt/python, then the runtime's site-packages

class Context:
    function_name, memory_limit_in_mb, aws_request_id = "vnrag-query", 1024, "5d9f6c2e-0000-4000-8000-0000000000aa"
    invoked_function_arn = "arn:aws:lambda:ap-southeast-1:123456789012:function:vnrag-query"
    def get_remaining_time_in_millis(self):
        return 29_000

from functions.query.app import lambda_handler
health = json.load(open(event, encoding="utf-8"))
response = lambda_handler(health, Context())
# The browser pages and Swagger UI's files come from the same package
# (shared/entrypoints/http/static, swagger_ui_bundle).
served = {}
for path in pages:
    request = {**health, "path": path, "resource": path,
               "requestContext": {**health["requestContext"], "path": "/dev" + path, "resourcePath": path}}
    page = lambda_handler(request, Context())
    served[path] = {"status": page["statusCode"], "type": page["headers"].get("content-type", ""),
                    "csp": page["headers"].get("content-security-policy", ""), "length": len(page["body"])}
# What a question then runs on the same modules: ONNX inference (numpy, tokenizers) and the CRF segmenter.
from shared.bootstrap.models import build_analyzer, build_embedder
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
print(json.dumps({"response": response, "served": served, "files": files, "blocked": blocked,
                  "shape": list(vector.shape), "norm": float((vector[0] ** 2).sum()), "terms": terms}))
"""


def _tool():
    spec = importlib.util.spec_from_file_location("build_layer", TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@dataclass(frozen=True)
class LambdaBuild:
    python: str  # the interpreter of the children: the running one, or a python3.12 for the built artifacts
    layer: Path  # /opt/python
    task: Path  # the query, stream, auth and analytics package (/var/task)
    ingest_task: Path  # the ingest function's package
    ocr: Path  # the ingest function's OCR layer (/opt: python/, tessdata/, bin/, share/)
    runtime: Path  # boto3, which the python3.12 runtime provides after the layers
    models: Path  # /opt/models


def _built_artifacts(tool: Any, build: Path) -> LambdaBuild:
    """What `make layer` left under `build`, and boto3 for the runtime's own site-packages (pure Python)."""
    for part in ("runtime/python", "function", "function-ingest", "models/models", "ocr"):
        if not (build / part).is_dir():
            pytest.fail(f"{build / part} is missing: run `make layer` first")
    runtime = CACHE / ("runtime-" + hashlib.sha256(" ".join(tool.RUNTIME_PROVIDED).encode()).hexdigest()[:16])
    if not (runtime / ".complete").is_file():
        shutil.rmtree(runtime, ignore_errors=True)
        tool.pip_install(runtime, tool.RUNTIME_PROVIDED, no_deps=False, platform=HOST)
        (runtime / ".complete").touch()
    python = os.environ.get("VNRAG_LAMBDA_PYTHON") or sys.executable
    return LambdaBuild(python=python, layer=build / "runtime" / "python", task=build / "function",
                       ingest_task=build / "function-ingest", ocr=build / "ocr", runtime=runtime,
                       models=build / "models" / "models")


@pytest.fixture(scope="session")
def lambda_build(tmp_path_factory: pytest.TempPathFactory) -> LambdaBuild:
    tool = _tool()
    if os.environ.get("VNRAG_LAMBDA_BUILD"):
        return _built_artifacts(tool, (ROOT / os.environ["VNRAG_LAMBDA_BUILD"]).resolve())
    key = hashlib.sha256(TOOL.read_bytes() + f"{sys.version}|{platform.machine()}".encode()).hexdigest()[:16]
    done = CACHE / key
    if not (done / ".complete").is_file():
        partial = CACHE / f"{key}.partial-{os.getpid()}"
        shutil.rmtree(partial, ignore_errors=True)
        tool.build_runtime_layer(partial / "python", platform=HOST)
        tool.build_function_libraries(partial / "task-libs", platform=HOST)
        shutil.copytree(partial / "task-libs", partial / "ingest-libs")
        tool.pip_install(partial / "ingest-libs", tool.INGEST_PACKAGES, no_deps=False, platform=HOST)
        tool.prune(partial / "ingest-libs")
        tool.build_ocr_layer(partial / "ocr", platform=HOST)
        tool.pip_install(partial / "runtime", tool.RUNTIME_PROVIDED, no_deps=False, platform=HOST)
        (partial / ".complete").touch()
        shutil.rmtree(done, ignore_errors=True)
        partial.rename(done)
        for stale in CACHE.iterdir():  # builds of earlier package lists or pruning rules
            if stale != done and ".partial-" not in stale.name and not stale.name.startswith("runtime-"):
                shutil.rmtree(stale, ignore_errors=True)
    for name in ("me5-small-q4", "pyvi"):
        if not (ROOT / "models" / name).is_dir():
            pytest.fail(f"models/{name} not built (run `make model`; `make test` does it first)")
    packages = tmp_path_factory.mktemp("lambda")
    for libs, package in (("task-libs", "task"), ("ingest-libs", "ingest-task")):
        shutil.copytree(done / libs, packages / package)
        tool.add_project_code(packages / package)  # today's shared/ and functions/, as `make layer` packages them
    return LambdaBuild(python=sys.executable, layer=done / "python", task=packages / "task",
                       ingest_task=packages / "ingest-task", ocr=done / "ocr", runtime=done / "runtime",
                       models=ROOT / "models")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _OpenSearchStub(BaseHTTPRequestHandler):
    """An empty cluster: `_count` answers 0 and `_msearch` an empty result per search; anything else is 404
    (the cold start, the health check and a question over no documents need no more)."""

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        path = self.path.split("?")[0]
        length = int(self.headers.get("Content-Length") or 0)
        request = self.rfile.read(length).decode() if length else ""
        if path.endswith("/_count"):
            status, body = 200, {"count": 0, "_shards": {"total": 1, "successful": 1, "skipped": 0, "failed": 0}}
        elif path.endswith("/_msearch"):
            searches = len([line for line in request.splitlines() if line.strip()]) // 2
            empty = {"took": 0, "timed_out": False, "hits": {"total": {"value": 0, "relation": "eq"}, "hits": []},
                     "status": 200}
            status, body = 200, {"took": 0, "responses": [empty] * searches}
        else:
            status, body = 404, {"error": "not found", "status": 404}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_POST = do_HEAD = do_GET

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def endpoints(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto's server (DynamoDB, with the table) and the OpenSearch stub, over HTTP as Lambda reaches them."""
    from moto.server import ThreadedMotoServer

    from shared.adapters.aws.clients import aws_client
    from shared.adapters.aws.dynamodb.table import create_table

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


def _lambda_environment(endpoints: dict[str, str], task: Path, models: Path) -> dict[str, str]:
    """template.yaml's Globals and QueryFunction variables, pointed at the local endpoints and the models."""
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


def _assert_from(files: dict[str, str | None], paths: list[Path], python: str) -> None:
    """Every module came from the given folders or the child interpreter's standard library."""
    stdlib = Path(subprocess.run([python, "-I", "-S", "-c", "import sysconfig; print(sysconfig.get_path('stdlib'))"],
                                 capture_output=True, text=True, check=True).stdout.strip()).resolve()
    for name, file in files.items():
        if file:
            where = Path(file).resolve()
            from_stdlib = where.is_relative_to(stdlib) and "site-packages" not in where.relative_to(stdlib).parts
            assert from_stdlib or any(where.is_relative_to(p.resolve()) for p in paths), (name, file)


@pytest.mark.slow
def test_query_entry_answers_health_with_only_the_layer_and_its_package(
        lambda_build: LambdaBuild, endpoints: dict[str, str], tmp_path: Path) -> None:
    built = lambda_build
    assert not [name for name in INGEST_ONLY if (built.task / name).exists()]
    paths = [built.task, built.layer, built.runtime]
    result = subprocess.run(
        [built.python, "-I", "-S", "-B", "-c", PROBE, *map(str, paths), str(ROOT / "events" / "apigw_health.json"),
         *PAGES],
        capture_output=True, text=True, timeout=180, env=_lambda_environment(endpoints, built.task, built.models),
        cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])

    response = report["response"]
    assert response["statusCode"] == 200, response
    health = json.loads(response["body"])
    assert health["status"] == "ok" and set(health["checks"]) == {"index", "store", "embedder"}, health
    _assert_from(report["files"], paths, built.python)  # none from the venv or the repository
    loaded = {name.split(".")[0] for name in report["files"]}
    assert {"onnxruntime", "tokenizers", "pycrfsuite", "fastapi", "mangum", "pydantic_core", "argon2"} <= loaded
    assert not loaded & set(FORBIDDEN)
    assert not loaded & set(INGEST_ONLY)
    assert report["blocked"] == {"torch": "missing", "sklearn": "missing", "scipy": "missing"}
    served = report["served"]
    assert all(page["status"] == 200 and "script-src 'self'" in page["csp"] for page in served.values()), served
    assert served["/"]["type"].startswith("text/html") and served["/api/docs"]["type"].startswith("text/html")
    assert served["/static/swagger-ui/swagger-ui-bundle.js"]["length"] > 1_000_000, served  # the whole bundle
    assert report["shape"] == [1, 384] and abs(report["norm"] - 1) < 1e-3  # multilingual-e5-small, normalised
    assert "nuôi_con_nuôi" in report["terms"] or "con_nuôi" in report["terms"], report["terms"]


INGEST_PROBE = """
import json, pathlib, sys
task, layer, ocr, runtime, samples = sys.argv[1:6]
sys.path[:0] = [task, layer, ocr, runtime]
from functions.ingest.app import lambda_handler
from shared.services.parsing import parse_document
import docx, lxml.etree, pypdf, bs4  # the parsers' libraries, compiled parts (lxml) included
import openpyxl, xlrd, pptx, striprtf, PIL, tesserocr, pypdfium2
html = parse_document("a.html", "<h1>Điều 1.</h1><p>Phạm vi điều chỉnh</p>".encode()).text
read = {name: parse_document(name, (pathlib.Path(samples) / name).read_bytes()).text
        for name in ("bieu-phi-noi-bo.xlsx", "luat-phong-chong-ma-tuy-ban-scan.pdf")}
files = {name: getattr(module, "__file__", None) for name, module in list(sys.modules.items())}
print(json.dumps({"callable": callable(lambda_handler), "html": html, "read": read, "files": files}))
"""


@pytest.mark.slow
def test_ingest_entry_imports_with_its_package_and_parses(
        lambda_build: LambdaBuild, endpoints: dict[str, str], tmp_path: Path) -> None:
    built = lambda_build
    # /opt/python holds both layers' python/ folders; the OCR layer's model is found through TESSDATA_PREFIX
    # here (in Lambda, at /opt/tessdata).
    paths = [built.ingest_task, built.layer, built.ocr / "python", built.runtime]
    env = {**_lambda_environment(endpoints, built.ingest_task, built.models), "VNRAG_DOCUMENTS_BUCKET": "vnrag-docs",
           "TESSDATA_PREFIX": str(built.ocr / "tessdata")}
    result = subprocess.run([built.python, "-I", "-S", "-B", "-c", INGEST_PROBE, *map(str, paths),
                             str(ROOT / "samples")], capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-4000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["callable"] and "Phạm vi điều chỉnh" in report["html"]
    assert "Mức phí (đồng): 1.200.000" in report["read"]["bieu-phi-noi-bo.xlsx"]
    assert "Chất gây nghiện là chất kích thích" in report["read"]["luat-phong-chong-ma-tuy-ban-scan.pdf"]  # OCR
    _assert_from(report["files"], paths, built.python)


def _wait_for_port(port: int, server: subprocess.Popen, within_s: float) -> None:
    """What the Lambda Web Adapter does with AWS_LWA_READINESS_CHECK_PROTOCOL=tcp."""
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"run.sh exited with {server.returncode}: {server.stdout.read()[-4000:]}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    pytest.fail(f"nothing listened on {port} within {within_s} s")


def _post(url: str, body: dict, token: str | None = None) -> tuple[int, str, str]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - a loopback URL
        return response.status, response.headers.get("Content-Type", ""), response.read().decode()


@pytest.mark.slow
def test_stream_function_serves_through_run_sh_with_only_the_layer_and_its_package(
        lambda_build: LambdaBuild, endpoints: dict[str, str], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """functions/stream/run.sh as the adapter runs it: `python -m uvicorn` must come from the package."""
    from click.testing import CliRunner

    from shared.entrypoints.cli.main import main

    built = lambda_build
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoints["aws"])
    made = CliRunner().invoke(main, ["users", "create", "giamdoc", "--role", "director", "--table", TABLE,
                                     "--password", "mat-khau-giam-doc-2025"])
    assert made.exit_code == 0, made.output

    # The script itself, with the runtime layer where this test built it instead of /opt/python, run by a
    # `python` that sees no site-packages: the runtime's own (boto3) comes after the script's PYTHONPATH.
    script = (ROOT / "functions" / "stream" / "run.sh").read_text().replace("/opt/python", str(built.layer))
    assert str(built.layer) in script
    (tmp_path / "run.sh").write_text(script)
    (tmp_path / "bin").mkdir()
    (tmp_path / "bin" / "python").write_text(f'#!/bin/sh\nexec "{built.python}" -S -B "$@"\n')
    (tmp_path / "bin" / "python").chmod(0o755)
    port = _free_port()
    env = {**_lambda_environment(endpoints, built.task, built.models), "PORT": str(port),
           "PYTHONPATH": str(built.runtime), "POWERTOOLS_LOG_LEVEL": "ERROR"}
    env["PATH"] = f"{tmp_path / 'bin'}:{env['PATH']}"
    server = subprocess.Popen(["sh", str(tmp_path / "run.sh")], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        _wait_for_port(port, server, within_s=120)
        base = f"http://127.0.0.1:{port}/api/v1"
        with urllib.request.urlopen(f"{base}/health", timeout=30) as health:  # noqa: S310 - a loopback URL
            assert health.status == 200
        _, _, login = _post(f"{base}/auth/login", {"username": "giamdoc", "password": "mat-khau-giam-doc-2025"})
        status, content_type, stream = _post(f"{base}/query/stream", {"query": "Thời hạn nghỉ phép năm?"},
                                             json.loads(login)["access_token"])
        assert status == 200 and content_type.startswith("text/event-stream"), (status, content_type)
        assert "event: done" in stream, stream
    finally:
        server.terminate()
        output = server.communicate(timeout=30)[0]
    # Its EMF metrics were flushed after the request, not held until 100 piled up.
    assert '"QueryLatency"' in output, output[-4000:]
