"""Which credential a request carries: the one reading shared by the app and the API Gateway authorizer."""

import pytest

from shared.services.auth.credentials import Credential, read_credential

KEY = "sk_" + "A" * 43
JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJsYW4ifQ.c2lnbmF0dXJl"


@pytest.mark.parametrize(("authorization", "x_api_key", "expected"), [
    (f"Bearer {JWT}", None, Credential("jwt", JWT)),
    (f"bearer   {JWT}  ", None, Credential("jwt", JWT)),
    (f"Bearer {KEY}", None, Credential("api_key", KEY)),  # the form API Gateway's cached authorizer sees
    (f"ApiKey {KEY}", None, Credential("api_key", KEY)),
    (f"api-key {KEY}", None, Credential("api_key", KEY)),
    (None, KEY, Credential("api_key", KEY)),  # local mode
    (f"Bearer {JWT}", KEY, Credential("jwt", JWT)),  # Authorization wins
    ("Basic Z3Vlc3Q6cGFzcw==", KEY, Credential("api_key", KEY)),  # an unusable Authorization is ignored
    ("ApiKey", KEY, Credential("api_key", KEY)),
])
def test_reads_the_credential(authorization: str | None, x_api_key: str | None, expected: Credential) -> None:
    assert read_credential(authorization, x_api_key) == expected


@pytest.mark.parametrize(("authorization", "x_api_key"), [
    (None, None), ("", ""), ("Bearer", None), ("Bearer ", "  "), ("Basic Z3Vlc3Q6cGFzcw==", None), ("Token abc", None),
    (KEY, None),  # a bare value without a scheme
])
def test_no_credential(authorization: str | None, x_api_key: str | None) -> None:
    assert read_credential(authorization, x_api_key) is None
