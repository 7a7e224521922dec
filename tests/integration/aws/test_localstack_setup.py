"""tools/localstack_setup.py against moto's server over HTTP, the way it reaches LocalStack."""

from __future__ import annotations

import importlib.util
import json
import socket
from pathlib import Path
from urllib.parse import unquote_plus

import pytest

from shared.adapters.aws.clients import aws_client

ROOT = Path(__file__).resolve().parents[3]
REGION = "ap-southeast-1"


def load_setup_module():
    spec = importlib.util.spec_from_file_location("localstack_setup", ROOT / "tools" / "localstack_setup.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def endpoint(monkeypatch: pytest.MonkeyPatch):
    from moto.server import ThreadedMotoServer

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                       "AWS_DEFAULT_REGION": REGION}.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


def test_setup_creates_the_stack_and_drops_reach_the_queue(endpoint: str) -> None:
    setup = load_setup_module()
    settings = setup.set_up(endpoint, REGION)
    assert setup.set_up(endpoint, REGION)["VNRAG_TABLE_NAME"] == settings["VNRAG_TABLE_NAME"]  # idempotent

    dynamodb = aws_client("dynamodb", region=REGION, endpoint_url=endpoint)
    table = dynamodb.describe_table(TableName=settings["VNRAG_TABLE_NAME"])["Table"]
    assert table["TableStatus"] == "ACTIVE" and table["GlobalSecondaryIndexes"]
    assert aws_client("secretsmanager", region=REGION, endpoint_url=endpoint).get_secret_value(
        SecretId=settings["VNRAG_JWT_SECRET_ARN"])["SecretString"]

    s3 = aws_client("s3", region=REGION, endpoint_url=endpoint)
    s3.put_object(Bucket=settings["VNRAG_DOCUMENTS_BUCKET"], Key="incoming/luat.txt", Body="Điều 1. Phạm vi".encode())
    s3.put_object(Bucket=settings["VNRAG_DOCUMENTS_BUCKET"], Key="elsewhere/x.txt", Body=b"not watched")
    sqs = aws_client("sqs", region=REGION, endpoint_url=endpoint)
    messages = sqs.receive_message(QueueUrl=settings["VNRAG_INGEST_QUEUE_URL"], MaxNumberOfMessages=10,
                                   WaitTimeSeconds=1).get("Messages", [])
    # Event keys are URL-encoded, as S3 sends them (the ingest handler decodes them).
    keys = [unquote_plus(r["s3"]["object"]["key"]) for m in messages for r in json.loads(m["Body"]).get("Records", [])]
    assert keys == ["incoming/luat.txt"]


def test_the_sample_events_name_the_bucket_localstack_setup_creates() -> None:
    """The ingest function ignores a record of another bucket: `sam local invoke IngestFunction -e
    events/sqs_s3_put.json` against LocalStack must name the bucket the setup made."""
    bucket = load_setup_module().NAMES["bucket"]
    for name in ("sqs_s3_put.json", "sqs_s3_delete.json"):
        event = json.loads((ROOT / "events" / name).read_text(encoding="utf-8"))
        for message in event["Records"]:
            for record in json.loads(message["body"])["Records"]:
                assert record["s3"]["bucket"]["name"] == bucket, name
                assert record["s3"]["bucket"]["arn"] == f"arn:aws:s3:::{bucket}", name


def test_every_local_invoke_in_the_readme_runs_against_localstack() -> None:
    """Without --config-env localstack, `sam local` runs the functions with none of LocalStack's settings
    (samconfig.toml's [localstack.local_invoke] carries the environment file and the Docker network)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = [line for line in readme.splitlines() if "sam local " in line]
    assert commands
    for line in commands:
        assert "--config-env localstack" in line, line
