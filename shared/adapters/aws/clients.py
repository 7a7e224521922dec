"""boto3 (and OpenSearch) clients for the AWS adapters, created in one place so every one honours the endpoint
override.

boto3 is imported here, lazily: local mode never imports this module, and AWS mode pays for boto3 once.
`endpoint_url` (settings' AWS_ENDPOINT_URL) points every client at LocalStack or moto's server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from shared.config_aws import AuthorizerSettings, AwsSettings


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


@dataclass
class AwsClients:
    """One client per service, created on first use; pass prebuilt ones in `given` (tests)."""

    region: str | None = None
    endpoint_url: str | None = None
    opensearch_endpoint: str | None = None
    opensearch_service: str = "es"
    opensearch_sign: bool = True
    given: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def for_settings(cls, settings: AwsSettings | AuthorizerSettings, **given: Any) -> AwsClients:
        search = settings if isinstance(settings, AwsSettings) else None
        return cls(region=settings.aws_region, endpoint_url=settings.aws_endpoint_url,
                   opensearch_endpoint=search.opensearch_endpoint if search else None,
                   opensearch_service=search.opensearch_service if search else "es",
                   opensearch_sign=search.opensearch_sign if search else True, given=dict(given))

    def get(self, service: str) -> Any:
        if service not in self.given:
            if service == "opensearch":
                from shared.adapters.aws.opensearch.client import opensearch_client

                self.given[service] = opensearch_client(self.opensearch_endpoint or "", region=self.region,
                                                        service=self.opensearch_service, sign=self.opensearch_sign)
            elif service == "bedrock-runtime":
                self.given[service] = bedrock_runtime_client(region=self.region, endpoint_url=self.endpoint_url)
            else:
                self.given[service] = aws_client(service, region=self.region, endpoint_url=self.endpoint_url)
        return self.given[service]
