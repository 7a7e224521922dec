"""Every Lambda entry invoked with its events/*.json, on moto (DynamoDB, S3) and the fake OpenSearch.

The full flow: object put into S3 → its SQS-wrapped notification → ingest handler → index; the query
handler answers citing it; the authorizer admits the caller; the delete event removes the document.
The entries are built by the same factories functions/*/app.py call, with test clients passed in.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import pytest
from argon2 import PasswordHasher
from argon2.profiles import CHEAPEST

from shared.adapters.aws.clients import AwsClients
from shared.adapters.local.hash_embedder import HashEmbedder
from shared.bootstrap.aws_functions import (
    create_analytics_app,
    create_authorizer,
    create_aws_app,
    create_ingest_handler,
)
from shared.config_aws import AuthorizerSettings, AwsSettings
from shared.domain.models import Principal, Role
from shared.entrypoints.aws_lambda.entry import lambda_entrypoint, observed
from shared.services.auth.passwords import Passwords
from tests.fakes.analyzer import SyllableAnalyzer
from tests.fakes.opensearch import fake_opensearch
from tests.integration.aws.conftest import BUCKET, load_event
from tests.integration.aws.moto_env import REGION, TABLE

SECRET = secrets.token_urlsafe(48)
PASSWORD = "mat-khau-kiem-thu-2025"
KEY = "incoming/quy-che/quy chế nghỉ phép.md"
DOC_ID = "quy-che-quy-che-nghi-phep-md"
TEXT = ("# Quy chế nghỉ phép\n\nĐiều 3. Nghỉ phép năm\n\nNhân viên được nghỉ phép năm mười hai ngày "
        "có hưởng lương.\n").encode()


class LambdaContext:
    function_name = "vnrag-test"
    memory_limit_in_mb = 1024
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:vnrag-test"
    aws_request_id = "5d9f6c2e-0000-4000-8000-000000000000"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


CONTEXT = LambdaContext()


@dataclass
class Stack:
    query: Any
    stream: Any
    ingest: Any
    authorizer: Any
    analytics: Any
    services: Any
    s3: Any
    stream_app: Any = None  # the ASGI app itself, as uvicorn serves it under the Lambda Web Adapter


@pytest.fixture
def stack(dynamodb, s3, monkeypatch: pytest.MonkeyPatch) -> Stack:
    monkeypatch.setenv("AWS_REGION", REGION)
    settings = AwsSettings(table_name=TABLE, documents_bucket=BUCKET, opensearch_endpoint="https://fake",
                           jwt_secret=SECRET, generator="extractive", answer_min_dense_score=0.3)
    opensearch, _ = fake_opensearch()
    clients = AwsClients.for_settings(settings, opensearch=opensearch, dynamodb=dynamodb, s3=s3)
    cheap = Passwords(PasswordHasher.from_parameters(CHEAPEST))
    parts = {"settings": settings, "clients": clients, "embedder": HashEmbedder(64), "analyzer": SyllableAnalyzer()}
    app = create_aws_app(**parts, passwords=cheap)
    stream_app = create_aws_app(**parts, passwords=cheap, stream=True)
    auth_settings = AuthorizerSettings(table_name=TABLE, jwt_secret=SECRET)
    services = app.state.services
    boss = Principal(id="root", role=Role.DIRECTOR)
    for name, role in (("lan", "employee"), ("sep", "manager")):
        services.auth.create_user(boss, name, PASSWORD, role)
    return Stack(query=lambda_entrypoint(app), stream=lambda_entrypoint(stream_app),
                 ingest=observed(create_ingest_handler(**parts)),
                 authorizer=observed(create_authorizer(settings=auth_settings, clients=clients, passwords=cheap)),
                 analytics=lambda_entrypoint(create_analytics_app(settings=auth_settings, clients=clients,
                                                                   passwords=cheap)),
                 services=services, s3=s3, stream_app=stream_app)


def with_token(event: dict, token: str) -> dict:
    return json.loads(json.dumps(event).replace("<token>", token))


def login(stack: Stack, username: str = "lan") -> str:
    event = load_event("apigw_login.json")
    event["body"] = json.dumps({"username": username, "password": PASSWORD})
    response = stack.query(event, CONTEXT)
    assert response["statusCode"] == 200, response
    return json.loads(response["body"])["access_token"]


def ingest_sample(stack: Stack) -> None:
    stack.s3.put_object(Bucket=BUCKET, Key=KEY, Body=TEXT, Metadata={"access_level": "internal",
                                                                     "document_type": "quy-che"})
    assert stack.ingest(load_event("sqs_s3_put.json"), CONTEXT) == {"batchItemFailures": []}


def test_full_flow_put_ingest_query_cite_delete(stack: Stack) -> None:
    ingest_sample(stack)
    token = login(stack)
    response = stack.query(with_token(load_event("apigw_query.json"), token), CONTEXT)
    assert response["statusCode"] == 200, response
    answer = json.loads(response["body"])
    assert answer["found"] is True and "[1]" in answer["answer"]
    assert answer["sources"][0]["document_id"] == DOC_ID

    feedback = load_event("apigw_feedback.json")
    feedback["body"] = feedback["body"].replace("<query_id>", answer["query_id"])
    assert stack.query(with_token(feedback, token), CONTEXT)["statusCode"] == 201

    assert stack.ingest(load_event("sqs_s3_delete.json"), CONTEXT) == {"batchItemFailures": []}
    again = json.loads(stack.query(with_token(load_event("apigw_query.json"), token), CONTEXT)["body"])
    assert again["found"] is False and again["sources"] == []


def test_documents_routes_respect_levels(stack: Stack) -> None:
    ingest_sample(stack)
    token = login(stack)
    listing = stack.query(with_token(load_event("apigw_documents_list.json"), token), CONTEXT)
    assert listing["statusCode"] == 200
    body = json.loads(listing["body"])
    assert body["total"] == 1 and body["documents"][0]["id"] == DOC_ID
    got = stack.query(with_token(load_event("apigw_document_get.json"), token), CONTEXT)
    assert got["statusCode"] == 200 and json.loads(got["body"])["access_level"] == "internal"


def test_anonymous_and_health(stack: Stack) -> None:
    assert stack.query(load_event("apigw_health.json"), CONTEXT)["statusCode"] == 200
    anonymous = load_event("apigw_query.json")
    del anonymous["headers"]["Authorization"]
    anonymous["multiValueHeaders"].pop("Authorization")
    assert stack.query(anonymous, CONTEXT)["statusCode"] == 401


def test_docs_behind_the_stage_load_the_schema_under_the_stage(stack: Stack) -> None:
    """On the execute-api host every path sits under /<stage>: /dev/api/docs must fetch /dev/api/openapi.json."""
    docs = {**load_event("apigw_health.json"), "path": "/api/docs", "resource": "/api/docs"}
    response = stack.query(docs, CONTEXT)
    assert response["statusCode"] == 200
    # The page's URLs are relative (shared/entrypoints/http/web.py): from /dev/api/docs they all resolve under /dev/,
    # the schema Swagger UI fetches included.
    page = "https://abc123.execute-api.ap-southeast-1.amazonaws.com/dev/api/docs"
    loads = re.findall(r'(?:src|href)="([^"]+)"', response["body"])
    assert loads and all(urlsplit(urljoin(page, url)).path.startswith("/dev/") for url in loads), loads
    initializer = stack.query({**docs, "path": "/static/api-docs.js", "resource": "/static/{proxy+}"}, CONTEXT)
    assert 'url: "openapi.json"' in initializer["body"]
    assert urlsplit(urljoin(page, "openapi.json")).path == "/dev/api/openapi.json"
    schema = stack.query({**docs, "path": "/api/openapi.json", "resource": "/api/openapi.json"}, CONTEXT)
    assert schema["statusCode"] == 200 and json.loads(schema["body"])["servers"] == [{"url": "/dev"}]
    # Behind a custom domain the stage is not in the URL: nothing is prefixed.
    custom = json.loads(json.dumps(docs).replace("abc123.execute-api.ap-southeast-1.amazonaws.com", "api.example.vn"))
    assert "/dev/" not in stack.query(custom, CONTEXT)["body"]


def test_stream_event_through_the_same_app(stack: Stack) -> None:
    ingest_sample(stack)
    response = stack.stream(with_token(load_event("apigw_query_stream.json"), login(stack)), CONTEXT)
    assert response["statusCode"] == 200
    assert response["headers"]["content-type"].startswith("text/event-stream")
    assert "event: citations" in response["body"] and DOC_ID in response["body"]


def test_stream_app_flushes_its_emf_metrics_after_each_request(stack: Stack, capsys: pytest.CaptureFixture) -> None:
    """Under uvicorn no Lambda handler flushes Powertools' metrics: the app does, once the stream is sent."""
    from fastapi.testclient import TestClient

    from shared.observability import metrics

    ingest_sample(stack)
    token = login(stack)
    metrics.clear_metrics()
    capsys.readouterr()
    with TestClient(stack.stream_app) as client:
        response = client.post("/api/v1/query/stream", content=load_event("apigw_query_stream.json")["body"],
                               headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    assert response.status_code == 200 and "event: done" in response.text
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"_aws"' in line]
    names = {m["Name"] for r in records for d in r["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert {"QueryLatency", "EmbedLatency", "RetrieveLatency"} <= names, names
    assert not metrics.metric_set  # nothing left to leak into the next request's record


def test_authorizer_allows_tokens_and_keys_and_rejects_the_rest(stack: Stack) -> None:
    event = with_token(load_event("apigw_authorizer_request.json"), login(stack))
    allowed = stack.authorizer(event, CONTEXT)
    assert allowed["principalId"] == "lan" and allowed["context"] == {"principal_id": "lan", "role": "employee",
                                                                      "auth": "jwt"}
    [statement] = allowed["policyDocument"]["Statement"]
    assert statement["Effect"] == "Allow"
    assert statement["Resource"] == ["arn:aws:execute-api:ap-southeast-1:123456789012:abc123/dev/*/*"]

    _, key = stack.services.auth.create_api_key(Principal("lan", Role.EMPLOYEE), "ci", 30)
    by_key = json.loads(json.dumps(load_event("apigw_authorizer_api_key.json")).replace("<api_key>", key))
    assert stack.authorizer(by_key, CONTEXT)["context"] == {"principal_id": "lan", "role": "employee",
                                                            "auth": "api_key"}

    for headers in ({}, {"Authorization": "Bearer nonsense"}, {"X-API-Key": "sk_nope"}):
        with pytest.raises(Exception, match="^Unauthorized$"):
            stack.authorizer({**event, "headers": headers}, CONTEXT)


def test_a_cached_allow_grants_no_more_than_the_app(stack: Stack) -> None:
    """API Gateway serves a cached allow (stage-wide) for up to the TTL; the app still decides every call."""
    owner = Principal("lan", Role.EMPLOYEE)
    _, key = stack.services.auth.create_api_key(owner, "ci", 30)
    check = json.loads(json.dumps(load_event("apigw_authorizer_api_key.json")).replace("<api_key>", key))
    cached = stack.authorizer(check, CONTEXT)  # what API Gateway keeps under "Bearer <key>"
    assert cached["policyDocument"]["Statement"][0]["Resource"][0].endswith("/dev/*/*")

    # The policy admits the key to a manager-only route; the app reads the owner's role and refuses.
    upload = with_token(load_event("apigw_upload_url.json"), key)
    assert stack.query(upload, CONTEXT)["statusCode"] == 403
    assert stack.query(with_token(load_event("apigw_documents_list.json"), key), CONTEXT)["statusCode"] == 200

    # Revoked: the authorizer refuses at once, and a call the gateway still admits from its cache gets 401.
    stack.services.auth.revoke_api_key(owner, stack.services.auth.list_api_keys(owner)[0].id)
    with pytest.raises(Exception, match="^Unauthorized$"):
        stack.authorizer(check, CONTEXT)
    assert stack.query(with_token(load_event("apigw_documents_list.json"), key), CONTEXT)["statusCode"] == 401


def test_analytics_usage_for_managers(stack: Stack) -> None:
    ingest_sample(stack)
    event = load_event("apigw_analytics_usage.json")
    employee = stack.analytics(with_token(event, login(stack, "lan")), CONTEXT)
    assert employee["statusCode"] == 403
    manager = stack.analytics(with_token(event, login(stack, "sep")), CONTEXT)
    assert manager["statusCode"] == 200, manager
    assert "total_queries" in json.loads(manager["body"])


def test_query_function_answers_through_bedrock(dynamodb, s3, monkeypatch: pytest.MonkeyPatch) -> None:
    """The default generator: the query app calls Converse with the numbered passages (Stubber-checked)."""
    from botocore.stub import ANY, Stubber

    from shared.adapters.aws.clients import aws_client

    monkeypatch.setenv("AWS_REGION", REGION)
    settings = AwsSettings(table_name=TABLE, documents_bucket=BUCKET, opensearch_endpoint="https://fake",
                           jwt_secret=SECRET, answer_min_dense_score=0.3, bedrock_model_id="test-model")
    bedrock = aws_client("bedrock-runtime", region=REGION)
    opensearch, _ = fake_opensearch()
    clients = AwsClients.for_settings(settings, opensearch=opensearch, dynamodb=dynamodb, s3=s3,
                                      **{"bedrock-runtime": bedrock})
    parts = {"settings": settings, "clients": clients, "embedder": HashEmbedder(64), "analyzer": SyllableAnalyzer()}
    cheap = Passwords(PasswordHasher.from_parameters(CHEAPEST))
    app = create_aws_app(**parts, passwords=cheap)
    app.state.services.auth.create_user(Principal(id="root", role=Role.DIRECTOR), "lan", PASSWORD, "employee")
    stack = Stack(query=lambda_entrypoint(app), stream=None, ingest=observed(create_ingest_handler(**parts)),
                  authorizer=None, analytics=None, services=app.state.services, s3=s3)
    ingest_sample(stack)
    token = login(stack)
    with Stubber(bedrock) as stubber:
        stubber.add_response("converse", {
            "output": {"message": {"role": "assistant", "content": [{"text": "Mười hai ngày mỗi năm [1]."}]}},
            "stopReason": "end_turn", "usage": {"inputTokens": 1, "outputTokens": 1, "totalTokens": 2},
            "metrics": {"latencyMs": 5}},
            {"modelId": "test-model", "system": ANY, "messages": ANY, "inferenceConfig": ANY})
        response = stack.query(with_token(load_event("apigw_query.json"), token), CONTEXT)
    answer = json.loads(response["body"])
    assert answer["answer"] == "Mười hai ngày mỗi năm [1]." and answer["sources"][0]["document_id"] == DOC_ID


def test_a_multipart_upload_through_the_api_is_refused_with_the_way_that_works(stack: Stack) -> None:
    """Under Mangum the upload's background ingest would run inside the API request, which API Gateway ends at
    29 s: on AWS a file comes in by presigned URL only, and the API says so before reading the file."""
    boundary = "vnrag-boundary"
    event = load_event("apigw_upload_url.json")
    content_type = f"multipart/form-data; boundary={boundary}"
    event.update(path="/api/v1/documents", pathParameters={"proxy": "v1/documents"}, body=(
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"quy-che.md\"\r\n"
        f"Content-Type: text/markdown\r\n\r\n# Quy chế\n\nĐiều 1. Phạm vi\r\n--{boundary}--\r\n"))
    event["headers"]["Content-Type"], event["multiValueHeaders"]["Content-Type"] = content_type, [content_type]
    response = stack.query(with_token(event, login(stack, "sep")), CONTEXT)
    assert response["statusCode"] == 405, response
    error = json.loads(response["body"])["error"]
    assert error["code"] == "upload_by_url" and "/api/v1/documents/upload-url" in error["message"]
    assert stack.services.documents.list(Principal("sep", Role.MANAGER)) == ([], 0)  # nothing was taken in


def test_presigned_upload_lands_in_the_drop_folder_with_its_metadata(stack: Stack) -> None:
    """The URL's signed metadata arrive with the object; the ingest then indexes it at that level."""
    import urllib.parse

    from botocore.awsrequest import AWSRequest  # noqa: F401 - botocore is what signed the URL

    template = load_event("apigw_upload_url.json")
    template.update(body=json.dumps(
        {"filename": "nội quy.md", "title": "Nội quy lao động", "document_type": "noi-quy",
         "access_level": "confidential"}))
    response = stack.query(with_token(template, login(stack, "sep")), CONTEXT)
    assert response["statusCode"] == 201, response
    made = json.loads(response["body"])
    assert made["key"].startswith("incoming/") and made["key"].endswith("/nội quy.md")
    assert made["headers"]["x-amz-meta-access_level"] == "confidential"
    assert "X-Amz-Signature" in made["upload_url"]

    # What the client's PUT does (moto does not check presigned signatures; the metadata are what matter).
    meta = {k.removeprefix("x-amz-meta-"): v for k, v in made["headers"].items() if k.startswith("x-amz-meta-")}
    stack.s3.put_object(Bucket=BUCKET, Key=made["key"], Body="# Nội quy\n\nGiờ làm việc từ 8 giờ.".encode(),
                        Metadata=meta, ContentType=made["headers"]["Content-Type"])
    body = {"Records": [{"eventSource": "aws:s3", "eventName": "ObjectCreated:Put", "s3": {
        "bucket": {"name": BUCKET}, "object": {"key": urllib.parse.quote_plus(made["key"], safe="/"),
                                               "sequencer": "0A"}}}]}
    sqs = load_event("sqs_s3_put.json")
    sqs["Records"][0]["body"] = json.dumps(body)
    assert stack.ingest(sqs, CONTEXT) == {"batchItemFailures": []}
    document = stack.services.documents.get(Principal("sep", Role.MANAGER), made["document_id"])
    assert document.title == "Nội quy lao động" and document.access_level.label == "confidential"
    assert document.document_type == "noi-quy"

    employee = with_token(template, login(stack, "lan"))
    assert stack.query(employee, CONTEXT)["statusCode"] == 403


def test_the_documents_page_uploads_to_the_bucket_and_its_csp_allows_only_that(stack: Stack) -> None:
    """In AWS mode the page PUTs files to presigned URLs (the query function never parses them): it is told
    so, and its Content-Security-Policy lets it connect to this bucket's origin and nowhere else."""
    health = load_event("apigw_health.json")
    pages = {}
    for path in ("/documents", "/"):
        event = {**health, "path": path, "resource": path,
                 "requestContext": {**health["requestContext"], "path": "/dev" + path, "resourcePath": path}}
        pages[path] = stack.query(event, CONTEXT)
    documents = pages["/documents"]
    assert documents["statusCode"] == 200 and 'data-upload="presigned"' in documents["body"]
    upload = load_event("apigw_upload_url.json")
    upload.update(body=json.dumps({"filename": "noi-quy.md", "access_level": "internal"}))
    made = urlsplit(json.loads(stack.query(with_token(upload, login(stack, "sep")), CONTEXT)["body"])["upload_url"])
    connect = re.search(r"connect-src ([^;]+);", documents["headers"]["content-security-policy"]).group(1)
    assert connect.split() == ["'self'", f"{made.scheme}://{made.netloc}"] and BUCKET in made.netloc
    assert "script-src 'self';" in pages["/"]["headers"]["content-security-policy"]
