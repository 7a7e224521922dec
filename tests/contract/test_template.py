"""template.yaml against the code: handlers resolve, environments cover the settings, the table matches
the adapters' key schema, and the shape (one REST API, streaming, batch failures, DLQ) holds."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.adapters.aws.dynamodb.table import TTL_ATTRIBUTE, table_definition
from shared.config import PROJECT_ROOT
from shared.config_aws import AuthorizerSettings, AwsSettings

TEMPLATE = PROJECT_ROOT / "template.yaml"
SETTINGS = {"QueryFunction": AwsSettings, "StreamFunction": AwsSettings, "IngestFunction": AwsSettings,
            "AuthFunction": AuthorizerSettings, "AnalyticsFunction": AuthorizerSettings}


class CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short forms (!Ref, !GetAtt, !Sub, !If ...) as their long-form dicts."""


def _intrinsic(loader: CfnLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
        if suffix == "GetAtt":
            value = value.split(".", 1)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)
    return {name: value}


CfnLoader.add_multi_constructor("!", _intrinsic)


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    return yaml.load(TEMPLATE.read_text(encoding="utf-8"), Loader=CfnLoader)  # noqa: S506 - SafeLoader subclass


def resources(template: dict, kind: str) -> dict[str, dict]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def environment(template: dict, function: dict) -> dict[str, Any]:
    merged = dict(template["Globals"]["Function"]["Environment"]["Variables"])
    merged.update(function["Properties"].get("Environment", {}).get("Variables", {}))
    return merged


def env_names(settings_class: type) -> dict[str, str]:
    """field -> the environment variable that sets it (the alias first, as the function sees it)."""
    names = {}
    for field_name, info in settings_class.model_fields.items():
        alias = info.validation_alias
        choices = getattr(alias, "choices", None)
        names[field_name] = str(choices[-1] if choices else alias) if alias else f"VNRAG_{field_name.upper()}"
    return names


def test_every_function_has_a_settings_class_and_a_known_handler(template: dict) -> None:
    assert set(resources(template, "AWS::Serverless::Function")) == set(SETTINGS)


@pytest.mark.parametrize("name", sorted(SETTINGS))
def test_environment_covers_the_required_settings(template: dict, name: str) -> None:
    function = template["Resources"][name]
    env = environment(template, function)
    cls = SETTINGS[name]
    names = env_names(cls)
    missing = [names[f] for f, info in cls.model_fields.items() if info.is_required() and names[f] not in env]
    assert not missing, f"{name} lacks {missing}"
    assert "VNRAG_JWT_SECRET_ARN" in env and "VNRAG_JWT_SECRET" not in env  # the secret never sits in env
    unknown = [k for k in env if k.startswith("VNRAG_") and k not in names.values()]
    assert not unknown or cls is AuthorizerSettings, f"{name} sets variables no setting reads: {unknown}"


def resolve(template: dict, value: Any) -> str:
    """A plausible value for an environment entry: parameter defaults, the dev side of conditions."""
    if not isinstance(value, dict):
        return str(value)
    [(kind, arg)] = value.items()
    if kind == "Ref" and arg in template["Parameters"]:
        return str(template["Parameters"][arg].get("Default", "placeholder"))
    if kind == "Fn::If":
        return resolve(template, arg[2] if arg[0] == "IsProd" else arg[1])
    return "placeholder"


def _load_entry(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location(f"entry_{path.parent.name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_handlers_resolve_to_callables(template: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each module SAM points at imports under the template's environment (placeholders for the
    intrinsic values, the local model files instead of /opt/models) and exposes its handler."""
    from tests.integration.aws.moto_env import REGION, dynamodb_with_table, fake_aws

    with fake_aws():
        dynamodb_with_table()
        from shared.adapters.aws.clients import aws_client

        secret = aws_client("secretsmanager", region=REGION).create_secret(
            Name="vnrag-jwt", SecretString="s" * 8 + "0123456789abcdefghijklmnopqrstuvwxyz")["ARN"]
        for function in resources(template, "AWS::Serverless::Function").values():
            env = {k: resolve(template, v) for k, v in environment(template, function).items()}
            env.update(VNRAG_TABLE_NAME="vnrag-test", VNRAG_JWT_SECRET_ARN=secret, AWS_REGION=REGION,
                       VNRAG_OPENSEARCH_ENDPOINT="https://search.example.invalid",
                       VNRAG_MODEL_DIR=str(PROJECT_ROOT / "models" / "me5-small-q4"),
                       VNRAG_PYVI_DIR=str(PROJECT_ROOT / "models" / "pyvi"))
            for key, value in env.items():
                monkeypatch.setenv(key, value)
            handler = function["Properties"]["Handler"]
            if handler.endswith(".sh"):  # the Lambda Web Adapter runs a script that starts uvicorn
                script = PROJECT_ROOT / handler
                assert script.stat().st_mode & stat.S_IXUSR, f"{handler} must be executable"
                assert "functions.stream.app:app" in script.read_text()
                assert callable(_load_entry(PROJECT_ROOT / "functions" / "stream" / "app.py").app)
                continue
            module_path, _, attribute = handler.rpartition(".")
            entry = _load_entry(PROJECT_ROOT / f"{module_path}.py")
            assert callable(getattr(entry, attribute)), handler
            monkeypatch.undo()
    sys.modules.pop("entry_query", None)


def test_table_matches_the_adapters(template: dict) -> None:
    [table] = resources(template, "AWS::DynamoDB::Table").values()
    props, wanted = table["Properties"], table_definition("x")
    assert props["KeySchema"] == wanted["KeySchema"]
    assert sorted(props["AttributeDefinitions"], key=str) == sorted(wanted["AttributeDefinitions"], key=str)
    assert props["GlobalSecondaryIndexes"] == wanted["GlobalSecondaryIndexes"]
    assert props["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def test_shape_one_rest_api_streaming_batch_failures_and_dlq(template: dict) -> None:
    [api] = resources(template, "AWS::Serverless::Api").values()
    authorizer = api["Properties"]["Auth"]["Authorizers"]["BearerOrApiKey"]
    assert authorizer["FunctionPayloadType"] == "REQUEST"
    assert not resources(template, "AWS::Serverless::HttpApi")  # HTTP APIs cannot stream

    stream = template["Resources"]["StreamFunction"]["Properties"]
    assert stream["Events"]["Stream"]["Properties"]["ResponseTransferMode"] == "RESPONSE_STREAM"
    assert stream["Environment"]["Variables"]["AWS_LWA_INVOKE_MODE"] == "response_stream"
    assert template["Globals"]["Function"]["Runtime"] == "python3.12"

    ingest = template["Resources"]["IngestFunction"]["Properties"]["Events"]["Drop"]
    assert ingest["Type"] == "SQS" and ingest["Properties"]["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # The timer that purges retired versions and state records (ingest_events.is_scheduled).
    purge = template["Resources"]["IngestFunction"]["Properties"]["Events"]["StatePurge"]
    assert purge["Type"] == "Schedule" and purge["Properties"]["Schedule"] == {"Ref": "StatePurgeSchedule"}
    assert template["Parameters"]["StatePurgeSchedule"]["Default"] == "rate(1 minute)"
    queue = template["Resources"]["IngestQueue"]["Properties"]
    assert queue["RedrivePolicy"]["deadLetterTargetArn"] == {"Fn::GetAtt": ["IngestDeadLetterQueue", "Arn"]}
    assert queue["VisibilityTimeout"] >= 6 * template["Resources"]["IngestFunction"]["Properties"]["Timeout"]

    # Open routes (the sign-in, the health check, the docs and the browser pages, which hold no data);
    # everything else goes through the authorizer.
    for name in ("Login", "Health", "Docs", "OpenApi", "AskPage", "DocumentsPage", "DashboardPage", "PageFiles"):
        event = template["Resources"]["QueryFunction"]["Properties"]["Events"][name]
        assert event["Properties"]["Auth"] == {"Authorizer": "NONE"}


def test_the_authorizer_is_cached_by_the_authorization_header_alone(template: dict) -> None:
    # Every identity source must be present on every call or API Gateway answers 401 itself: one header
    # that carries both JWTs and API keys (shared/services/auth/credentials.py) keeps every caller in.
    [api] = resources(template, "AWS::Serverless::Api").values()
    identity = api["Properties"]["Auth"]["Authorizers"]["BearerOrApiKey"]["Identity"]
    assert identity["Headers"] == ["Authorization"] and set(identity) == {"Headers", "ReauthorizeEvery"}
    ttl = template["Parameters"][identity["ReauthorizeEvery"]["Ref"]]
    assert 0 < ttl["Default"] <= ttl["MaxValue"] == 3600 and ttl["MinValue"] == 0


def test_no_function_may_scan_the_table(template: dict) -> None:
    for name, function in resources(template, "AWS::Serverless::Function").items():
        for policy in function["Properties"].get("Policies", []):
            for statement in policy.get("Statement", []):
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                assert "dynamodb:Scan" not in actions and "dynamodb:*" not in actions, name
                assert not any(a.endswith(":*") and not a.startswith("aoss") for a in actions), (name, actions)


def test_samconfig_has_dev_and_prod() -> None:
    import tomllib

    config = tomllib.loads((PROJECT_ROOT / "samconfig.toml").read_text())
    assert {"dev", "prod"} <= set(config)
    assert os.path.exists(PROJECT_ROOT / "events" / "sqs_s3_put.json")


def test_dashboard_and_alarms_watch_what_operators_need(template: dict) -> None:
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    assert set(alarms) == {"Api5xxRateAlarm", "ApiLatencyP95Alarm", "IngestDeadLetterAlarm", "ThrottleAlarm"}
    assert all(a["Properties"]["AlarmActions"] == [{"Ref": "AlarmTopic"}] for a in alarms.values())
    [dashboard] = resources(template, "AWS::CloudWatch::Dashboard").values()
    body_template, variables = dashboard["Properties"]["DashboardBody"]["Fn::Sub"]
    names = {*variables, "AWS::Region", "Stage", "QueryFunction", "StreamFunction", "IngestFunction",
             "Api5xxRateAlarm.Arn", "ApiLatencyP95Alarm.Arn", "IngestDeadLetterAlarm.Arn", "ThrottleAlarm.Arn"}
    used = set(re.findall(r"\$\{([^}!]+)\}", body_template))
    assert used <= names, used - names  # every substitution resolves
    body = json.loads(re.sub(r"\$\{[^}!]+\}", "x", body_template))  # valid JSON once substituted
    text = json.dumps(body)
    for series in ("5XXError", "Latency", "Queries", "QueryLatency", "IngestFailures", "Throttles",
                   "ApproximateNumberOfMessagesVisible"):
        assert series in text
