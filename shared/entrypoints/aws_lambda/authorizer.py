"""The API Gateway Lambda authorizer (REQUEST type): a JWT or an API key, read as the app reads them
(shared/services/auth/credentials.py).

Allowed callers get a policy for every method of the API stage, because API Gateway caches the answer
by the Authorization header (template.yaml) and serves it for the caller's next calls on any route;
roles are enforced per route by the app, which authenticates every request again from the store.
The context carries the caller's id and role for logs only. Anything else is the string
"Unauthorized", which API Gateway turns into a 401 without calling the function behind it.
"""

from __future__ import annotations

from typing import Any

from shared.domain.errors import AuthenticationFailed
from shared.services.auth.credentials import read_credential


def make_authorizer(auth: Any) -> Any:
    def authorize(event: dict, context: Any) -> dict:
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items() if isinstance(v, str)}
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
        return {"principalId": principal.id,
                "policyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _stage_wildcard(event)}]},
                "context": {"principal_id": principal.id, "role": principal.role.label, "auth": credential.kind}}

    return authorize


def _stage_wildcard(event: dict) -> str:
    """arn:aws:execute-api:region:account:api/stage/METHOD/path → arn:...:api/stage/*/*"""
    arn = event.get("methodArn", "")
    prefix, _, rest = arn.partition(":execute-api:")
    parts = rest.split("/")
    return f"{prefix}:execute-api:{parts[0]}/{parts[1]}/*/*" if len(parts) >= 2 else arn
