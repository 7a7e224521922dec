"""Each adapter family classifies its own SDK's errors: throttling → Throttled (retried), an outage →
DependencyUnavailable (a 503), anything else passes through (a bug or an answer the adapter handles)."""

from __future__ import annotations

import sqlite3

import pytest

from shared.adapters.aws import errors as aws_errors
from shared.adapters.local import sqlite as sqlite_errors
from shared.domain.errors import DependencyUnavailable, Throttled


class ClientError(Exception):
    """botocore's ClientError as the classification sees it: a `response` with the error code."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.response = {"Error": {"Code": code, "Message": "..."}}


class EndpointConnectionError(Exception):
    pass


@pytest.mark.parametrize("code", sorted(aws_errors.THROTTLING_CODES) + ["throttlingException"])
def test_every_aws_throttling_code_is_throttled(code: str) -> None:
    assert isinstance(aws_errors.translate(ClientError(code), "the database"), Throttled)


@pytest.mark.parametrize("exc", [ClientError("InternalServerError"), ClientError("ServiceUnavailable"),
                                 EndpointConnectionError("no route")])
def test_aws_outages_are_unavailable_but_not_throttled(exc: Exception) -> None:
    error = aws_errors.translate(exc, "the database")
    assert isinstance(error, DependencyUnavailable) and not isinstance(error, Throttled)
    assert str(error) == "the database is unavailable, try again later"


@pytest.mark.parametrize("exc", [ClientError("ValidationException"), ClientError("ConditionalCheckFailedException"),
                                 ValueError("bug")])
def test_other_aws_errors_pass_through(exc: Exception) -> None:
    assert aws_errors.translate(exc, "the database") is None
    with pytest.raises(type(exc)):
        aws_errors.call(lambda: (_ for _ in ()).throw(exc), what="the database")


def _sqlite_error(code: int) -> sqlite3.OperationalError:
    error = sqlite3.OperationalError("some message")  # the classification never reads it
    error.sqlite_errorcode = code  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize("code", [sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_BUSY_SNAPSHOT])
def test_a_busy_sqlite_database_is_throttled(code: int) -> None:
    assert isinstance(sqlite_errors.translate(_sqlite_error(code)), Throttled)


@pytest.mark.parametrize("code", [sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_IOERR_WRITE, sqlite3.SQLITE_READONLY,
                                  sqlite3.SQLITE_FULL, sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB])
def test_an_sqlite_file_that_cannot_be_used_is_unavailable(code: int) -> None:
    error = sqlite_errors.translate(_sqlite_error(code))
    assert isinstance(error, DependencyUnavailable) and not isinstance(error, Throttled)


@pytest.mark.parametrize("code", [sqlite3.SQLITE_ERROR, sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH])
def test_other_sqlite_errors_are_bugs_and_pass_through(code: int) -> None:
    assert sqlite_errors.translate(_sqlite_error(code)) is None
    assert sqlite_errors.translate(sqlite3.OperationalError("no code at all")) is None
