"""Settings of AWS mode: the local settings' model, retrieval, answer and auth groups plus the AWS
resources. Names are VNRAG_<FIELD>; the region and endpoint override also read AWS_REGION and
AWS_ENDPOINT_URL, which Lambda and LocalStack set."""

from __future__ import annotations

from typing import Literal, Self

from pydantic import AliasChoices, Field, PositiveInt, model_validator

from shared.config import (
    AnswerSettings,
    AuthSettings,
    ModelSettings,
    ObservabilitySettings,
    RetrievalSettings,
    _Base,
    check_jwt_secret,
)


class AwsResources(_Base):
    """Where the AWS-side state lives; every client honours `aws_endpoint_url` (LocalStack, moto server)."""

    aws_region: str | None = Field(default=None, validation_alias=AliasChoices("VNRAG_AWS_REGION", "AWS_REGION"))
    aws_endpoint_url: str | None = Field(default=None, validation_alias=AliasChoices("VNRAG_AWS_ENDPOINT_URL",
                                                                                     "AWS_ENDPOINT_URL"))
    table_name: str
    documents_bucket: str | None = None
    drop_prefix: str = "incoming/"
    # What query understanding learns from the corpus (syllable counts, document catalogue) lives under
    # this prefix of the documents bucket (shared/adapters/aws/s3/corpus_stats.py); the query and stream
    # functions load it at cold start and look for a newer version at most this often.
    corpus_stats_prefix: str = "_index/"
    corpus_stats_refresh_minutes: float = Field(default=5.0, ge=0)


class SearchBackend(_Base):
    opensearch_endpoint: str
    opensearch_index: str = "vnrag-chunks"
    opensearch_service: Literal["es", "aoss"] = "es"  # managed domain or Serverless (SigV4 service name)
    opensearch_sign: bool = True  # False only for an unauthenticated local OpenSearch


class GeneratorSettings(_Base):
    generator: Literal["bedrock", "extractive"] = "bedrock"
    bedrock_model_id: str = "anthropic.claude-3-haiku-20240307-v1:0"
    bedrock_max_tokens: PositiveInt = 1024


class SecretSource(_Base):
    """Where the JWT secret is kept: read once at cold start (never put into the function's environment)."""

    jwt_secret_arn: str | None = None  # Secrets Manager secret (ARN or name)
    jwt_secret_parameter: str | None = None  # or an SSM SecureString parameter name


class AwsSettings(ModelSettings, RetrievalSettings, AnswerSettings, AuthSettings, ObservabilitySettings, AwsResources,
                  SearchBackend, GeneratorSettings, SecretSource):
    """Everything the query, stream and ingest functions need."""

    mode: Literal["aws"] = "aws"
    max_document_bytes: PositiveInt = 20_000_000
    # Files dropped without metadata get this level; "public" like the CLI. Put the sidecar first (or
    # use S3 object metadata, which arrives with the object) for anything that is not public.
    drop_default_access_level: Literal["public", "internal", "confidential", "restricted"] = "public"

    @model_validator(mode="after")
    def _production_needs_a_strong_secret(self) -> Self:
        _check_secret_unless_fetched_later(self)
        return self


class AuthorizerSettings(AuthSettings, ObservabilitySettings, AwsResources, SecretSource):
    """The authorizer and analytics functions need only the table and the secret: no model, no index."""

    @model_validator(mode="after")
    def _production_needs_a_strong_secret(self) -> Self:
        _check_secret_unless_fetched_later(self)
        return self


def _check_secret_unless_fetched_later(settings: AwsSettings | AuthorizerSettings) -> None:
    """A secret named by ARN or parameter is checked once fetched (shared.adapters.aws.secrets), not before."""
    if settings.jwt_secret is None and (settings.jwt_secret_arn or settings.jwt_secret_parameter):
        return
    check_jwt_secret(settings)
