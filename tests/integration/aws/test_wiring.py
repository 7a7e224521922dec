"""AWS wiring details: local mode stays free of the AWS SDKs, the JWT secret source, the endpoint override."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest

from shared.adapters.aws.clients import aws_client
from shared.adapters.aws.secrets import with_jwt_secret
from shared.config_aws import AuthorizerSettings
from tests.integration.aws.moto_env import REGION

STRONG = "Zq8vN3pL0xR7tK2mW9cY4bH6jD1fG5sA"  # 32 random-looking characters


def test_local_mode_never_imports_the_aws_sdks(tmp_path) -> None:
    probe = (
        "import json, sys\n"
        "from shared.config import LocalSettings\n"
        "from shared.bootstrap.local import build_local_api\n"
        "from shared.adapters.local.hash_embedder import HashEmbedder\n"
        "build_local_api(LocalSettings(data_dir=sys.argv[1]), embedder=HashEmbedder(64))\n"
        "print(json.dumps(sorted(sys.modules)))\n")
    out = subprocess.run([sys.executable, "-c", probe, str(tmp_path)], capture_output=True, text=True, check=True,
                         timeout=120)
    modules = json.loads(out.stdout.strip().splitlines()[-1])
    packages = {m.split(".")[0] for m in modules}
    # (botocore itself is imported by Powertools' metrics module, which local mode uses for EMF.)
    assert "fastapi" in packages and not packages & {"boto3", "opensearchpy", "moto"}
    aws_words = ("dynamodb", "opensearch", "s3", "bedrock", "aws")  # module names of the AWS side, in any layout
    aws_modules = [m for m in modules if m.startswith("shared.")
                   and any(w in part.split("_") for part in m.split(".") for w in aws_words)]
    assert aws_modules == []


def test_secret_is_read_from_secrets_manager_and_checked(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    client = aws_client("secretsmanager", region=REGION)
    strong = client.create_secret(Name="strong", SecretString=STRONG + "\n")["ARN"]
    weak = client.create_secret(Name="weak", SecretString="changeme")["ARN"]
    monkeypatch.setenv("AWS_REGION", REGION)
    settings = AuthorizerSettings(table_name="t", environment="production", jwt_secret_arn=strong)
    assert settings.jwt_secret is None  # not checked until fetched
    assert with_jwt_secret(settings).jwt_secret.get_secret_value() == STRONG
    with pytest.raises(ValueError, match="well-known default"):
        with_jwt_secret(AuthorizerSettings(table_name="t", environment="production", jwt_secret_arn=weak))


def test_secret_from_ssm_parameter(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    aws_client("ssm", region=REGION).put_parameter(Name="/vnrag/jwt", Value=STRONG, Type="SecureString")
    monkeypatch.setenv("AWS_REGION", REGION)
    settings = AuthorizerSettings(table_name="t", jwt_secret_parameter="/vnrag/jwt")
    assert with_jwt_secret(settings).jwt_secret.get_secret_value() == STRONG


def test_production_without_any_secret_source_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match="VNRAG_JWT_SECRET"):
        AuthorizerSettings(table_name="t", environment="production")


def test_endpoint_override_reaches_a_real_http_server(monkeypatch: pytest.MonkeyPatch) -> None:
    """AWS_ENDPOINT_URL (how LocalStack is reached) is honoured: the stores work against moto's server over HTTP."""
    from moto.server import ThreadedMotoServer

    from shared.adapters.aws.clients import AwsClients
    from shared.adapters.aws.dynamodb.counters import DynamoDBCounterStore
    from shared.adapters.aws.dynamodb.table import create_table

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        for key, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                           "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_REGION": REGION}.items():
            monkeypatch.setenv(key, value)
        settings = AuthorizerSettings(table_name="over-http")
        assert settings.aws_endpoint_url == f"http://127.0.0.1:{port}"
        dynamodb = AwsClients.for_settings(settings).get("dynamodb")
        assert dynamodb.meta.endpoint_url == f"http://127.0.0.1:{port}"
        create_table(dynamodb, "over-http")
        counters = DynamoDBCounterStore("over-http", client=dynamodb)
        assert [counters.increment("k", ttl_seconds=60) for _ in range(3)] == [1, 2, 3]
    finally:
        server.stop()
