"""The API Gateway Lambda authorizer (REQUEST type): a JWT or an API key, read as the app reads them
(shared/services/auth/credentials.py).

Allowed callers get a policy for every method of the API stage, because API Gateway caches the answer
by the Authorization header (template.yaml) and serves it for the caller's next calls on any route;
roles are enforced per route by the app, which authenticates every request again from the store.
The context carries the caller's id and role for logs only. Anything else is the string
"Unauthorized", which API Gateway turns into a 401 without calling the function behind it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aws_lambda_powertools.utilities.data_classes.api_gateway_authorizer_event import (
    APIGatewayAuthorizerRequestEvent,
    APIGatewayAuthorizerResponse,
)

from shared.domain.errors import AuthenticationFailed
from shared.services.auth.credentials import read_credential
from shared.services.auth.service import AuthService


def make_authorizer(auth: AuthService) -> Callable[[dict, Any], dict[str, Any]]:
    def authorize(event: dict, context: Any) -> dict[str, Any]:
        request = APIGatewayAuthorizerRequestEvent(event)
        headers = request.headers if request.get("headers") else {}  # case-insensitive
        credential = read_credential(headers.get("authorization"), headers.get("x-api-key"))
        try:
            if credential is None:
                raise AuthenticationFailed("no credentials")
            if credential.kind == "jwt":
                principal = auth.authenticate_token(credential.value)
            else:
                principal = auth.authenticate_api_key(credential.value)
        except AuthenticationFailed:
            raise Exception("Unauthorized") from None  # noqa: TRY002 - the exact message API Gateway expects
        policy = APIGatewayAuthorizerResponse.from_route_arn(
            request.method_arn, principal.id,
            context={"principal_id": principal.id, "role": principal.role.label, "auth": credential.kind})
        policy.allow_all_routes()  # arn:...:api/stage/*/*, whatever method and path this call was for
        return policy.asdict()

    return authorize
