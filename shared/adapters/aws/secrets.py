"""Reading the JWT signing secret from Secrets Manager or SSM Parameter Store, once per cold start."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import SecretStr

from shared.adapters.aws.clients import aws_client
from shared.config import check_jwt_secret
from shared.config_aws import AuthorizerSettings, AwsSettings

S = TypeVar("S", AwsSettings, AuthorizerSettings)


def with_jwt_secret(settings: S, *, client_factory: Callable[..., Any] = aws_client) -> S:
    """`settings` with `jwt_secret` filled from its secret source (unchanged when it has a secret already
    or names no source). Validated again, so production still refuses a weak secret."""
    if settings.jwt_secret is not None or not (settings.jwt_secret_arn or settings.jwt_secret_parameter):
        return settings
    region, endpoint = settings.aws_region, settings.aws_endpoint_url
    if settings.jwt_secret_arn:
        client = client_factory("secretsmanager", region=region, endpoint_url=endpoint)
        value = client.get_secret_value(SecretId=settings.jwt_secret_arn)["SecretString"]
    else:
        client = client_factory("ssm", region=region, endpoint_url=endpoint)
        value = client.get_parameter(Name=settings.jwt_secret_parameter, WithDecryption=True)["Parameter"]["Value"]
    filled = settings.model_copy(update={"jwt_secret": SecretStr(value.strip())})
    check_jwt_secret(filled)  # the same rules as a secret given directly
    return filled
