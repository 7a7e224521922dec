"""boto3 clients for the AWS adapters, created in one place so every one honours the endpoint override.

boto3 is imported here, lazily: local mode never imports this module, and AWS mode pays for boto3 once.
`endpoint_url` (settings' AWS_ENDPOINT_URL) points every client at LocalStack or moto's server.
"""

from __future__ import annotations

from typing import Any


def aws_client(service: str, *, region: str | None = None, endpoint_url: str | None = None,
               max_attempts: int = 3, read_timeout: float = 10.0) -> Any:
    """A low-level client with standard retries and bounded timeouts (a Lambda must not hang on a socket)."""
    import boto3
    from botocore.config import Config

    # SigV4 for S3 too: presigned upload URLs must be v4 (v2 is refused in newer regions).
    extra = {"signature_version": "s3v4"} if service == "s3" else {}
    config = Config(retries={"max_attempts": max_attempts, "mode": "standard"}, connect_timeout=3,
                    read_timeout=read_timeout, **extra)
    return boto3.client(service, region_name=region, endpoint_url=endpoint_url or None, config=config)


BEDROCK_READ_TIMEOUT_S = 60.0


def bedrock_runtime_client(*, region: str | None = None, endpoint_url: str | None = None) -> Any:
    """bedrock-runtime with bounds of its own. An answer is the slowest call there is (Converse returns only once
    the whole answer is written; ConverseStream can pause before its first token), so a 10 s read timeout cut
    good answers short, and each retry repeats all of that work: a 60 s read timeout and at most one retry."""
    return aws_client("bedrock-runtime", region=region, endpoint_url=endpoint_url, max_attempts=1,
                      read_timeout=BEDROCK_READ_TIMEOUT_S)

_UNAVAILABLE_CODES = frozenset({
    "ProvisionedThroughputExceededException", "ThrottlingException", "Throttling", "RequestLimitExceeded",
    "InternalServerError", "InternalServerException", "ServiceUnavailable", "ServiceUnavailableException",
    "ModelNotReadyException", "ModelTimeoutException", "ModelStreamErrorException", "TooManyRequestsException",
    "SlowDown",
})


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ClientError ('' for anything else). No botocore import needed."""
    response = getattr(exc, "response", None)
    return (response or {}).get("Error", {}).get("Code", "") if isinstance(response, dict) else ""


def is_unavailable(exc: BaseException) -> bool:
    """True for throttling, server-side failures and connection errors: worth retrying later, not a bug."""
    code = error_code(exc)
    if code[:1].upper() + code[1:] in _UNAVAILABLE_CODES:  # event streams spell them throttlingException
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"EndpointConnectionError", "ConnectTimeoutError", "ReadTimeoutError",
                         "ConnectionClosedError"})
