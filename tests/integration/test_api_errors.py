"""Whatever a client sends, the answer is a 4xx with the one error body, never a 500.

Every response in these tests also passes the harness check (no 500; each 4xx/5xx has error.code,
error.message and error.timestamp).
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.integration.api_harness import PASSWORD, Harness, assert_error, check_error_body, fuzz

QUERY = "/api/v1/query"
JSON = {"content-type": "application/json"}


def _post(harness: Harness, path: str, content: bytes, headers: dict | None = None, role: str = "employee"):
    return harness.client.post(path, content=content, headers={**JSON, **harness.headers(role), **(headers or {})})


def test_malformed_json_is_422_on_the_body(harness: Harness) -> None:
    for content in (b"{", b'{"query": "x",}', b"{'query': 'x'}", b'{"query": "x"} trailing', b"nul"):
        error = assert_error(_post(harness, QUERY, content), 422, "validation_error")
        assert error["field"] == "body" and "JSON" in error["message"]


@pytest.mark.parametrize("content", [b"[]", b'"a question"', b"42", b"null", b"true", b'[{"query": "x"}]'])
def test_json_that_is_not_an_object_is_422(harness: Harness, content: bytes) -> None:
    assert_error(_post(harness, QUERY, content), 422, "validation_error")


def test_an_empty_body_is_422(harness: Harness) -> None:
    error = assert_error(_post(harness, QUERY, b""), 422, "validation_error")
    assert error["field"] == "body"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml",
                                          "multipart/form-data; boundary=x", "application/jsonp"])
def test_a_body_of_another_content_type_is_415(harness: Harness, content_type: str) -> None:
    response = _post(harness, QUERY, json.dumps({"query": "thời hạn"}).encode(), {"content-type": content_type})
    assert_error(response, 415, "unsupported_media_type")


def test_json_with_a_charset_or_a_json_suffix_is_accepted(harness: Harness) -> None:
    body = json.dumps({"query": "thời hạn nuôi con nuôi"}).encode()
    for content_type in ("application/json; charset=utf-8", "application/problem+json"):
        assert _post(harness, QUERY, body, {"content-type": content_type}).status_code == 200


def test_invalid_utf8_is_a_400(harness: Harness) -> None:
    for content in (b'{"query": "\xff\xfe\xfd"}', b"\xc3\x28", b'{"query": "ok", "top_k": 5}\x80'):
        assert_error(_post(harness, QUERY, content), 400, "bad_request")


def test_lone_surrogates_are_422_and_control_characters_harmless(harness: Harness) -> None:
    surrogate = _post(harness, QUERY, '{"query": "\\ud800 nuôi con"}'.encode())
    assert assert_error(surrogate, 422, "validation_error")["field"] == "query"
    for question in ('"\\u0001\\u0002 thời hạn"', '"\\u202e thời hạn \\ufeff"'):
        response = _post(harness, QUERY, f'{{"query": {question}}}'.encode())
        assert response.status_code == 200 and response.json()["found"] is False


def test_a_huge_body_is_422_not_500(harness: Harness) -> None:
    two_megabytes = json.dumps({"query": "nuôi con nuôi " * 150_000}).encode()
    assert len(two_megabytes) > 2_000_000
    error = assert_error(_post(harness, QUERY, two_megabytes), 422, "validation_error")
    assert error["field"] == "query"
    assert "nuôi con nuôi nuôi" not in json.dumps(error)  # the input is not echoed back
    many_ids = json.dumps({"query": "x", "filters": {"document_ids": ["a"] * 200_000}}).encode()
    error = assert_error(_post(harness, QUERY, many_ids), 422, "validation_error")
    assert error["field"] == "filters.document_ids" and len(error["details"]) <= 20
    many_bad = json.dumps({"query": "x", "filters": {"document_type": [1] * 50}}).encode()
    assert len(assert_error(_post(harness, QUERY, many_bad), 422)["details"]) <= 20


def test_deeply_nested_filters_are_refused(harness: Harness) -> None:
    shallow = b'{"query": "x", "filters": {"document_type": ' + b"[" * 50 + b"]" * 50 + b"}}"
    error = assert_error(_post(harness, QUERY, shallow), 422, "validation_error")
    assert error["field"] == "filters.document_type.0"
    nested_objects = b'{"query": "x", "filters": ' + b'{"a": ' * 200 + b"1" + b"}" * 200 + b"}"
    assert assert_error(_post(harness, QUERY, nested_objects), 422)["field"] == "filters.a"
    for depth in (100_000, 1_000_000):  # deeper than any JSON parser recurses
        deep = b'{"query": "x", "filters": {"document_type": ' + b"[" * depth + b"]" * depth + b"}}"
        assert_error(_post(harness, QUERY, deep), 400, "bad_request")


@pytest.mark.parametrize("top_k", ["1e400", "NaN", "Infinity", "-0", str(10**100), "5.5", "5.0", "true", '"5"',
                                   "[5]", "null"])
def test_numbers_out_of_range_or_of_another_type_are_422(harness: Harness, top_k: str) -> None:
    response = _post(harness, QUERY, f'{{"query": "thời hạn", "top_k": {top_k}}}'.encode())
    assert assert_error(response, 422, "validation_error")["field"] == "top_k"


@pytest.mark.parametrize("path", [
    "/api/v1/documents/..%2F..%2Fetc%2Fpasswd",
    "/api/v1/documents/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/api/v1/documents/..%5C..%5Cwindows%5Cwin.ini",
    "/api/v1/documents/%00",
    "/api/v1/documents/' OR '1'='1",
    "/api/v1/documents/" + "a" * 4000,
])
def test_path_traversal_and_odd_ids_are_a_json_404(harness: Harness, path: str) -> None:
    for method, role in (("GET", "director"), ("DELETE", "director")):
        response = harness.client.request(method, path, headers=harness.headers(role))
        assert_error(response, 404)
        assert "passwd" not in response.text and "root:" not in response.text


def test_dot_segments_never_escape_the_api(harness: Harness) -> None:
    response = harness.client.get("/api/v1/documents/../../../../etc/passwd", headers=harness.headers("director"))
    assert_error(response, 404, "not_found")
    assert "root:" not in response.text


@pytest.mark.parametrize("path", ["/index.html", "/api", "/api/v1", "/api/v2/query", "/api/v1/querys", "/etc/passwd",
                                  "/api/v1/documents/a/b", "/api/v1/auth/users/1"])
def test_unknown_routes_are_a_json_404(harness: Harness, path: str) -> None:
    for headers in ({}, harness.headers("guest")):
        assert_error(harness.client.get(path, headers=headers), 404, "not_found")


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "/api/v1/query"), ("PUT", "/api/v1/query"), ("GET", "/api/v1/query/stream"),
    ("PATCH", "/api/v1/documents/x"), ("PUT", "/api/v1/documents"), ("GET", "/api/v1/auth/login"),
    ("GET", "/api/v1/feedback"), ("DELETE", "/api/v1/auth/users"), ("DELETE", "/api/v1/health"),
])
def test_wrong_methods_are_a_json_405(harness: Harness, method: str, path: str) -> None:
    response = harness.client.request(method, path, headers=harness.headers("director"))
    assert_error(response, 405, "method_not_allowed")
    assert response.headers["allow"]


def test_docs_and_openapi_are_served(harness: Harness) -> None:
    assert harness.client.get("/api/docs").status_code == 200
    schema = harness.client.get("/api/openapi.json").json()
    assert {"/api/v1/query", "/api/v1/query/stream", "/api/v1/documents", "/api/v1/feedback",
            "/api/v1/health", "/api/v1/auth/login"} <= set(schema["paths"])


# --- fuzzing: no input gives a 500 ---------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12)
_fields = {
    "/api/v1/query": ["query", "top_k", "filters"],
    "/api/v1/query/stream": ["query", "top_k", "filters"],
    "/api/v1/feedback": ["query_id", "rating", "comment"],
    "/api/v1/auth/login": ["username", "password"],
    "/api/v1/auth/api-keys": ["name", "expires_in_days"],
    "/api/v1/auth/users": ["username", "password", "role", "email"],
}


@st.composite
def _bodies(draw) -> tuple[str, object]:
    path = draw(st.sampled_from(sorted(_fields)))
    known = st.dictionaries(st.sampled_from(_fields[path]), _json | st.text(max_size=60), max_size=4)
    return path, draw(known | _json)


@fuzz(150)
@given(request=_bodies())
def test_no_json_body_yields_a_500(harness: Harness, request: tuple[str, object]) -> None:
    path, body = request
    response = harness.client.post(path, json=body, headers=harness.headers("director"))
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        check_error_body(response)


@fuzz(60)
@given(content=st.binary(max_size=200), content_type=st.sampled_from(["application/json", "text/plain", ""]))
def test_no_raw_bytes_yield_a_500(harness: Harness, content: bytes, content_type: str) -> None:
    for path in ("/api/v1/query", "/api/v1/auth/login", "/api/v1/feedback"):
        response = harness.client.post(path, content=content,
                                       headers={"content-type": content_type, **harness.headers("employee")})
        assert response.status_code < 500, response.text


@fuzz(60)
@given(username=st.text(max_size=80), password=st.text(max_size=80))
def test_no_login_yields_a_500(harness: Harness, username: str, password: str) -> None:
    response = harness.client.post("/api/v1/auth/login", json={"username": username, "password": password})
    if response.status_code == 401:
        assert response.json()["error"]["message"] == "invalid username or password"
    else:
        assert_error(response, 422, "validation_error")


def test_login_with_the_right_password_still_works_after_the_fuzz(harness: Harness) -> None:
    response = harness.client.post("/api/v1/auth/login", json={"username": "guest", "password": PASSWORD})
    assert response.status_code == 200
