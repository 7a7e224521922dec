"""template.yaml deploys and works as AWS documents its services, not only as cfn-lint reads it.

Each test names the vendor rule it holds the template to: what `sam build` does to prebuilt packages, how
Lambda scales an SQS source, who may use an alarm topic's key, what the Lambda Web Adapter waits for, what
OpenSearch Serverless and Bedrock inference profiles authorise, and which endpoint type keeps a stream open.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from shared.config import PROJECT_ROOT as ROOT
from tests.contract.test_template import CfnLoader, environment, resources, template  # noqa: F401 - the fixture

BUILD = "layers/embeddings/build/"
STREAM_ACTIONS = {"bedrock:InvokeModelWithResponseStream"}


def functions(cfn: dict) -> dict[str, dict]:
    return resources(cfn, "AWS::Serverless::Function")


def statements(function: dict) -> list[dict]:
    return [s for policy in function["Properties"].get("Policies", []) for s in policy.get("Statement", [])]


def actions(statement: dict) -> list[str]:
    return statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]


def subs(value: Any) -> list[str]:
    """The !Sub strings of a Resource (one or a list)."""
    values = value if isinstance(value, list) else [value]
    return [v["Fn::Sub"] for v in values if isinstance(v, dict) and isinstance(v.get("Fn::Sub"), str)]


def test_sam_build_leaves_the_prebuilt_packages_alone(template: dict) -> None:  # noqa: F811
    """aws-lambda-builders' python_pip workflow copies a CodeUri without the files in EXCLUDED_FILES, "*.so"
    among them: pydantic_core, argon2, cffi and lxml would be lost and every function fail at import."""
    assert "CodeUri" not in template["Globals"]["Function"]  # sam build does not rewrite it for its template
    for name, function in functions(template).items():
        assert function.get("Metadata", {}).get("SkipBuild") is True, f"{name}: sam build would strip its *.so"
        assert function["Properties"]["CodeUri"].startswith(BUILD), name
    for name, layer in resources(template, "AWS::Serverless::LayerVersion").items():
        assert "BuildMethod" not in layer.get("Metadata", {}), f"{name}: sam build would rebuild it"
        assert layer["Properties"]["ContentUri"].startswith(BUILD), name


def test_ingest_is_bounded_by_the_queue_not_by_reserved_concurrency(template: dict) -> None:  # noqa: F811
    """Reserving concurrency fails on accounts whose quota is 10 (Lambda keeps 10 unreserved); the SQS event's
    MaximumConcurrency bounds the poller instead (2-1000). Throttled receives count towards maxReceiveCount,
    which Lambda's SQS guidance asks to be at least 5."""
    for name, function in functions(template).items():
        assert "ReservedConcurrentExecutions" not in function["Properties"], name
    drop = template["Resources"]["IngestFunction"]["Properties"]["Events"]["Drop"]["Properties"]
    limit = drop["ScalingConfig"]["MaximumConcurrency"]
    parameter = template["Parameters"][limit["Ref"]]
    assert 2 <= parameter["MinValue"] <= parameter["Default"] <= parameter["MaxValue"] <= 1000
    assert template["Resources"]["IngestQueue"]["Properties"]["RedrivePolicy"]["maxReceiveCount"] >= 5


def test_cloudwatch_may_use_the_alarm_topics_key(template: dict) -> None:  # noqa: F811
    """An alarm publishes to an encrypted topic only if the key's policy lets cloudwatch.amazonaws.com decrypt
    and generate data keys; alias/aws/sns (an AWS managed key) can never say so."""
    topic = template["Resources"]["AlarmTopic"]["Properties"]
    key_ref = topic.get("KmsMasterKeyId")
    if key_ref is None:
        return  # an unencrypted topic: alarms publish without a key
    assert isinstance(key_ref, dict) and "Ref" in key_ref, f"{key_ref!r}: an AWS managed key CloudWatch cannot use"
    key = template["Resources"][key_ref["Ref"]]
    assert key["Type"] == "AWS::KMS::Key"
    granted = {a for s in key["Properties"]["KeyPolicy"]["Statement"]
               if s["Effect"] == "Allow" and s["Principal"].get("Service") == "cloudwatch.amazonaws.com"
               for a in actions(s)}
    assert {"kms:Decrypt", "kms:GenerateDataKey*"} <= granted


def test_stream_readiness_needs_no_dependency(template: dict) -> None:  # noqa: F811
    """The adapter polls its readiness check every 10 ms until it passes; /api/v1/health calls OpenSearch and
    DynamoDB, so their outage would hang every cold start. A TCP check passes once uvicorn listens."""
    env = environment(template, template["Resources"]["StreamFunction"])
    assert env.get("AWS_LWA_READINESS_CHECK_PROTOCOL") == "tcp"
    assert "AWS_LWA_READINESS_CHECK_PATH" not in env


def test_serverless_collection_lets_every_function_role_use_the_index(template: dict) -> None:  # noqa: F811
    """OpenSearch Serverless answers 403 to any principal its data access policies do not name, whatever IAM
    allows: each function with aoss:APIAccessAll is named, and the writers may create and write the index."""
    [(name, policy)] = resources(template, "AWS::OpenSearchServerless::AccessPolicy").items()
    condition = template["Conditions"][policy["Condition"]]
    assert condition == {"Fn::Equals": [{"Ref": "OpenSearchService"}, "aoss"]}
    assert policy["Properties"]["Type"] == "data"
    body, variables = policy["Properties"]["Policy"]["Fn::Sub"]
    index = template["Globals"]["Function"]["Environment"]["Variables"]["VNRAG_OPENSEARCH_INDEX"]
    assert variables == {"Index": index}
    rules = json.loads(re.sub(r"\$\{([^}]+)\}", lambda m: m.group(1), body))
    granted: dict[str, set[str]] = {}
    for rule_set in rules:
        for principal in rule_set["Principal"]:
            for rule in rule_set["Rules"]:
                if rule["ResourceType"] == "index":
                    assert rule["Resource"] == ["index/OpenSearchCollectionName/Index*"]
                    granted.setdefault(principal.removesuffix(".Arn"), set()).update(rule["Permission"])
    for fn_name, function in functions(template).items():
        used = {a for s in statements(function) for a in actions(s)}
        if "aoss:APIAccessAll" not in used:
            assert f"{fn_name}Role" not in granted
            continue
        assert {"aoss:ReadDocument", "aoss:DescribeIndex"} <= granted[f"{fn_name}Role"], fn_name
        if "es:ESHttpPut" in used:  # a writer: ensure_index creates the index, ingest and delete write it
            assert {"aoss:CreateIndex", "aoss:WriteDocument", "aoss:UpdateIndex"} <= granted[f"{fn_name}Role"]


def test_bedrock_access_covers_models_and_inference_profiles(template: dict) -> None:  # noqa: F811
    """A cross-Region inference profile id (apac.…, global.…) is invoked through its inference-profile ARN,
    and the profile's requests reach the foundation model in each Region it routes to."""
    callers = 0
    for name, function in functions(template).items():
        bedrock = [s for s in statements(function) if any(a.startswith("bedrock:") for a in actions(s))]
        if not bedrock:
            continue
        callers += 1
        wanted = STREAM_ACTIONS if name == "StreamFunction" else {"bedrock:InvokeModel"}
        assert all(set(actions(s)) == wanted for s in bedrock), name
        direct = [r for s in bedrock if "Condition" not in s for r in subs(s["Resource"])]
        assert any(r.endswith("::foundation-model/${BedrockModelId}") for r in direct), name
        profile = ("arn:${AWS::Partition}:bedrock:${AWS::Region}:${AWS::AccountId}"
                   ":inference-profile/${BedrockModelId}")
        assert profile in direct, name
        [routed] = [s for s in bedrock if "Condition" in s]
        assert subs(routed["Resource"]) == ["arn:${AWS::Partition}:bedrock:*::foundation-model/*"]
        assert routed["Condition"] == {"StringEquals": {"bedrock:InferenceProfileArn": {"Fn::Sub": profile}}}
    assert callers == 2  # the query and the stream functions


def test_the_api_is_regional(template: dict) -> None:  # noqa: F811
    """An edge-optimized endpoint goes through CloudFront, which cuts a response stream after 30 s of silence."""
    [api] = resources(template, "AWS::Serverless::Api").values()
    assert api["Properties"]["EndpointConfiguration"] == {"Type": "REGIONAL"}


def test_no_usage_plan_without_a_method_that_requires_an_api_key(template: dict) -> None:  # noqa: F811
    """API Gateway applies a usage plan only to methods with ApiKeyRequired; without one it is inert."""
    [api] = resources(template, "AWS::Serverless::Api").values()
    keyed = [name for fn in functions(template).values() for name, event in fn["Properties"].get("Events", {}).items()
             if event["Type"] == "Api" and event["Properties"].get("Auth", {}).get("ApiKeyRequired")]
    assert "UsagePlan" not in api["Properties"].get("Auth", {}) or keyed
    settings = api["Properties"]["MethodSettings"][0]  # the stage throttling is what limits callers
    assert settings["ThrottlingRateLimit"] == {"Ref": "ApiThrottleRate"}
    assert settings["ThrottlingBurstLimit"] == {"Ref": "ApiThrottleBurst"}


@pytest.mark.skipif(not os.environ.get("VNRAG_SAM"), reason="runs the SAM CLI: make deploy-check sets VNRAG_SAM")
def test_sam_build_output_deploys_the_prebuilt_folders(tmp_path: Path) -> None:
    """What a habitual `sam build` would make `sam deploy` upload: every function and layer of the built
    template points back at the folders `make layer` built, not at copies stripped of their *.so files."""
    built = tmp_path / "build"
    result = subprocess.run([os.environ["VNRAG_SAM"], "build", "--build-dir", str(built)], cwd=ROOT,
                            capture_output=True, text=True, timeout=600, env={**os.environ, "SAM_CLI_TELEMETRY": "0"})
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    cfn = yaml.load((built / "template.yaml").read_text(encoding="utf-8"), Loader=CfnLoader)  # noqa: S506
    uris = {name: r["Properties"].get("CodeUri") or r["Properties"].get("ContentUri")
            for name, r in cfn["Resources"].items()
            if r["Type"] in ("AWS::Serverless::Function", "AWS::Serverless::LayerVersion")}
    assert len(uris) == 8  # five functions, the runtime, models and OCR layers
    for name, uri in uris.items():
        target = (built / uri).resolve()
        assert target.is_relative_to((ROOT / BUILD).resolve()), (name, uri)
        if name != "ModelsLayer":  # model files only; every other folder holds compiled modules
            assert any(target.rglob("*.so")), (name, "no compiled module in the folder it deploys")
