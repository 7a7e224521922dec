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
