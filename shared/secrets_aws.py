"""Reading the JWT signing secret from Secrets Manager or SSM Parameter Store, once per cold start."""

from __future__ import annotations

from typing import TypeVar

from pydantic import SecretStr

from shared.aws_clients import aws_client
from shared.config import AuthSettings
from shared.config_aws import AwsResources, SecretSource

S = TypeVar("S", bound=SecretSource)


def with_jwt_secret(settings: S, *, client_factory=aws_client) -> S:
    """`settings` with `jwt_secret` filled from its secret source (unchanged when it has a secret already
    or names no source). Validated again, so production still refuses a weak secret."""
    if settings.jwt_secret is not None or not (settings.jwt_secret_arn or settings.jwt_secret_parameter):
        return settings
    region = settings.aws_region if isinstance(settings, AwsResources) else None
    endpoint = settings.aws_endpoint_url if isinstance(settings, AwsResources) else None
    if settings.jwt_secret_arn:
        client = client_factory("secretsmanager", region=region, endpoint_url=endpoint)
        value = client.get_secret_value(SecretId=settings.jwt_secret_arn)["SecretString"]
    else:
        client = client_factory("ssm", region=region, endpoint_url=endpoint)
        value = client.get_parameter(Name=settings.jwt_secret_parameter, WithDecryption=True)["Parameter"]["Value"]
    filled = settings.model_copy(update={"jwt_secret": SecretStr(value.strip())})
    AuthSettings._production_needs_a_strong_secret(filled)  # the same rules as a secret given directly
    return filled
