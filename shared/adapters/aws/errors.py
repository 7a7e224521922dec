"""AWS SDK errors → domain errors, in one place: `Throttled`, `DependencyUnavailable`, or left as they are.

Every AWS adapter runs its SDK calls through `call` (boto3) or `call_opensearch` (opensearch-py), so SDK
exceptions never reach the core:
- a throttling code (DynamoDB ProvisionedThroughputExceeded, ThrottlingException, S3 SlowDown, ...)
  becomes `Throttled`, which `RetryPolicy` retries with backoff;
- a server-side failure or a connection error becomes `DependencyUnavailable` (a 503, not retried here:
  boto3's own retries have already run);
- anything else (a validation error, a failed condition) passes through for the adapter to handle.
No botocore import is needed: the classification reads `exc.response` and the exception's class names.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from shared.domain.errors import DependencyUnavailable, Throttled

T = TypeVar("T")

# The one list of throttling codes (DynamoDB, S3, Bedrock, SQS, STS...). A transaction that collides with
# another one in progress is throttling too: the same request succeeds a moment later.
THROTTLING_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "ThrottledException",
    "RequestLimitExceeded", "TooManyRequestsException", "SlowDown", "RequestThrottled",
    "RequestThrottledException", "TransactionInProgressException",
})
# Failures on the service's side: nothing wrong with the request, the service cannot serve it now.
UNAVAILABLE_CODES = frozenset({
    "InternalServerError", "InternalServerException", "InternalFailure", "ServiceUnavailable",
    "ServiceUnavailableException", "ModelNotReadyException", "ModelTimeoutException", "ModelStreamErrorException",
})
# botocore's connection failures (by class name: no botocore import).
_CONNECTION_ERRORS = frozenset({"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                                "ConnectionClosedError"})


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else)."""
    response = getattr(exc, "response", None)
    code = (response or {}).get("Error", {}).get("Code", "") if isinstance(response, dict) else ""
    return code[:1].upper() + code[1:]  # event streams spell them throttlingException


def is_throttling(exc: BaseException) -> bool:
    return error_code(exc) in THROTTLING_CODES


def translate(exc: BaseException, what: str) -> DependencyUnavailable | None:
    """The domain error `exc` stands for (None: not an outage, the caller deals with it)."""
    if is_throttling(exc):
        return Throttled(f"{what} is busy, try again shortly")
    names = {cls.__name__ for cls in type(exc).__mro__}
    if error_code(exc) in UNAVAILABLE_CODES or names & _CONNECTION_ERRORS:
        return DependencyUnavailable(f"{what} is unavailable, try again later")
    return None


def call(fn: Callable[..., T], *, what: str, **kwargs: Any) -> T:
    """Run one SDK call; throttling raises Throttled, outages DependencyUnavailable, other errors pass through."""
    try:
        return fn(**kwargs)
    except Exception as exc:
        error = translate(exc, what)
        if error is not None:
            raise error from exc
        raise


def call_opensearch(fn: Callable[..., T], **kwargs: Any) -> T:
    """Run one opensearch-py call: HTTP 429 raises Throttled, a 5xx or no connection DependencyUnavailable,
    anything else (a 404, a version conflict) passes through."""
    from opensearchpy.exceptions import ConnectionError as OSConnectionError
    from opensearchpy.exceptions import TransportError

    try:
        return fn(**kwargs)
    except OSConnectionError as exc:
        raise DependencyUnavailable("the search index cannot be reached") from exc
    except TransportError as exc:
        status = exc.status_code if isinstance(exc.status_code, int) else 0
        if status == 429:
            raise Throttled("the search index is busy, try again shortly") from exc
        if status >= 500:
            raise DependencyUnavailable("the search index is unavailable, try again later") from exc
        raise
