"""The API Gateway REQUEST authorizer over a real AuthService (in-memory stores): JWTs and API keys in the
Authorization header (the header API Gateway caches the answer by), rejections, the stage-wide policy."""

from __future__ import annotations

import pytest

from shared.domain.models import Principal, Role
from shared.entrypoints.aws_lambda.authorizer import make_authorizer
from shared.services.auth.service import AuthService
from tests.unit.auth.conftest import DIRECTOR

# As events/apigw_authorizer_request.json (what `sam local invoke` sends), less what the authorizer never reads.
EVENT = {
    "type": "REQUEST", "methodArn": "arn:aws:execute-api:ap-southeast-1:123456789012:abc123/dev/POST/api/v1/query",
    "resource": "/api/{proxy+}", "path": "/api/v1/query", "httpMethod": "POST",
    "requestContext": {"accountId": "123456789012", "stage": "dev", "apiId": "abc123", "httpMethod": "POST"},
}
PASSWORD = "mat-khau-kiem-thu-2025"


def request(headers: dict[str, str]) -> dict:
    return {**EVENT, "headers": headers, "multiValueHeaders": {k: [v] for k, v in headers.items()}}


@pytest.fixture
def authorize(service: AuthService):
    service.create_user(DIRECTOR, "lan", PASSWORD, "employee")
    return make_authorizer(service)


@pytest.fixture
def key(service: AuthService, authorize) -> str:
    return service.create_api_key(Principal("lan", Role.EMPLOYEE), "ci", 30)[1]


@pytest.mark.parametrize("form", ["Bearer {}", "ApiKey {}"])
def test_api_key_in_authorization(authorize, key: str, form: str) -> None:
    allowed = authorize(request({"Authorization": form.format(key)}), None)
    assert allowed["principalId"] == "lan"
    assert allowed["context"] == {"principal_id": "lan", "role": "employee", "auth": "api_key"}


def test_jwt_in_authorization_with_a_stage_wide_policy(authorize, service: AuthService) -> None:
    token = service.login("lan", PASSWORD).access_token
    allowed = authorize(request({"authorization": f"Bearer {token}"}), None)
    assert allowed["context"]["auth"] == "jwt" and allowed["context"]["role"] == "employee"
    # API Gateway reuses a cached answer for every route of the stage, so the policy must cover them all.
    assert allowed["policyDocument"]["Statement"] == [{
        "Action": "execute-api:Invoke", "Effect": "Allow",
        "Resource": ["arn:aws:execute-api:ap-southeast-1:123456789012:abc123/dev/*/*"]}]


def test_x_api_key_alone_still_reads(authorize, key: str) -> None:
    # Behind the cached authorizer API Gateway refuses such a request before calling us (no Authorization);
    # the function itself reads it as the app does.
    assert authorize(request({"X-API-Key": key}), None)["context"]["auth"] == "api_key"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer nonsense"}, {"Authorization": "Bearer sk_nope"},
                                     {"Authorization": "ApiKey " + "sk_" + "A" * 43}, {"Authorization": "Basic eA=="},
                                     {"X-API-Key": "sk_nope"}])
def test_anything_else_is_unauthorized(authorize, headers: dict[str, str]) -> None:
    with pytest.raises(Exception, match="^Unauthorized$"):
        authorize(request(headers), None)


def test_a_revoked_key_is_refused_on_the_next_call(authorize, key: str, service: AuthService) -> None:
    owner = Principal("lan", Role.EMPLOYEE)
    service.revoke_api_key(owner, service.list_api_keys(owner)[0].id)
    with pytest.raises(Exception, match="^Unauthorized$"):
        authorize(request({"Authorization": f"Bearer {key}"}), None)


def test_a_request_without_headers_is_unauthorized(authorize) -> None:
    with pytest.raises(Exception, match="^Unauthorized$"):
        authorize(dict(EVENT), None)
