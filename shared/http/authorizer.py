"""The API Gateway Lambda authorizer (REQUEST type): a bearer JWT or an X-API-Key, as the app accepts.

Allowed callers get a policy for every method of the API stage (so a cached answer serves their next
call on any route) and a context with their id and role. Anything else is the string "Unauthorized",
which API Gateway turns into a 401 without calling the function behind it.
"""

from __future__ import annotations

from typing import Any

from shared.domain.errors import AuthenticationFailed


def make_authorizer(auth: Any) -> Any:
    def authorize(event: dict, context: Any) -> dict:
        headers = {k.lower(): v for k, v in (event.get("headers") or {}).items() if isinstance(v, str)}
        scheme, _, token = headers.get("authorization", "").partition(" ")
        token = token.strip() if scheme.lower() == "bearer" else ""
        api_key = headers.get("x-api-key", "").strip()
        try:
            if token:
                principal, how = auth.authenticate_token(token), "jwt"
            elif api_key:
                principal, how = auth.authenticate_api_key(api_key), "api_key"
            else:
                raise AuthenticationFailed("no credentials")
        except AuthenticationFailed:
            raise Exception("Unauthorized") from None  # noqa: TRY002 - the exact message API Gateway expects
        return {"principalId": principal.id,
                "policyDocument": {"Version": "2012-10-17", "Statement": [{
                    "Action": "execute-api:Invoke", "Effect": "Allow", "Resource": _stage_wildcard(event)}]},
                "context": {"principal_id": principal.id, "role": principal.role.label, "auth": how}}

    return authorize


def _stage_wildcard(event: dict) -> str:
    """arn:aws:execute-api:region:account:api/stage/METHOD/path → arn:...:api/stage/*/*"""
    arn = event.get("methodArn", "")
    prefix, _, rest = arn.partition(":execute-api:")
    parts = rest.split("/")
    return f"{prefix}:execute-api:{parts[0]}/{parts[1]}/*/*" if len(parts) >= 2 else arn
