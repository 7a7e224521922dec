"""Settings, validated once at start-up. Nothing below the composition root reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal, Self

from pydantic import Field, PositiveInt, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The repository root: where `make model` writes the offline model files.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


class _Base(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="VNRAG_", extra="ignore", env_ignore_empty=True)


class ModelSettings(_Base):
    """Where the embedding model and the word segmenter live."""

    model_dir: Path = PROJECT_ROOT / "models" / "me5-small-q4"
    pyvi_dir: Path = PROJECT_ROOT / "models" / "pyvi"
    embed_batch_size: PositiveInt = 32
    embed_threads: PositiveInt | None = None


class RetrievalSettings(_Base):
    """How the hybrid search ranks. Weights apply to min-max normalised scores of each signal."""

    weight_lexical: float = Field(default=0.35, ge=0)
    weight_folded: float = Field(default=0.15, ge=0)
    weight_dense: float = Field(default=0.5, ge=0)
    candidates: PositiveInt = 100
    chunk_max_words: PositiveInt = 300
    chunk_overlap_words: int = Field(default=40, ge=0)
    # Questions with fewer than this share of marked syllables are restored from the corpus's own
    # syllable statistics before searching (0 turns restoration off). See shared/services/retrieval/restore.py.
    restore_below_ratio: float = Field(default=0.5, ge=0, le=1)
    # Added to the fused score (0..1) of the chunks of an article the question names (0: off).
    reference_boost: float = Field(default=1.0, ge=0)
    # Added per unit of fused score of the best candidate of the adjacent article in the same law
    # (0: off, the default: its dev gain did not survive a paired interval).
    # See shared/services/retrieval/neighbours.py.
    neighbour_boost: float = Field(default=0.0, ge=0, le=1)


class AnswerSettings(_Base):
    """The extractive answerer: how many sentences it quotes and when it declines to answer."""

    # "direct": the fact asked for first, then a few supporting quotations (shared/services/answering/direct.py);
    # "quotes": the three best-matching sentences, passage by passage (shared/services/answering/extractive.py).
    answer_style: Literal["direct", "quotes"] = "direct"
    answer_max_sentences: PositiveInt = 3  # for "quotes"
    # "direct": weight of the e5 similarity between the question and each sentence (0: off, the default).
    # On, ingestion embeds every quotable sentence too (about as much model time again as the chunks);
    # its dev gain did not clear a paired interval (README, "Answers").
    answer_meaning_weight: float = Field(default=0.0, ge=0, le=10)
    # Below this cosine between question and best passage the answer says nothing was found ...
    answer_min_dense_score: float = Field(default=0.87, ge=-1, le=1)
    # ... unless at least this share of the question's content words appear in one passage.
    # bench/answer_gate.py: with 0.87 / 0.9, 99.2 % of the dev questions are answered and 10 % of
    # off-topic ones (me5-small puts unrelated Vietnamese text at cosine 0.80-0.87).
    answer_min_term_coverage: float = Field(default=0.9, ge=0, le=1.01)


class AuthSettings(_Base):
    """Tokens, API keys, rate limits and the first director account (VNRAG_JWT_SECRET, ...)."""

    jwt_secret: SecretStr | None = None
    token_ttl_seconds: PositiveInt = 3600
    environment: Literal["development", "production"] = "development"
    rate_limit_per_minute: PositiveInt = 10
    admin_username: str = "admin"
    admin_password: SecretStr | None = None

    @model_validator(mode="after")
    def _production_needs_a_strong_secret(self) -> Self:
        check_jwt_secret(self)
        return self


def check_jwt_secret(settings: AuthSettings) -> None:
    """ValueError unless the secret may sign tokens. In development a missing secret is generated and kept in
    the data directory; in production every instance must share one strong secret, so refuse to start rather
    than sign weakly."""
    if settings.environment != "production":
        return
    if settings.jwt_secret is None:
        raise ValueError("VNRAG_JWT_SECRET is required when VNRAG_ENVIRONMENT=production")
    secret = settings.jwt_secret.get_secret_value()
    if secret.strip().lower() in _KNOWN_DEFAULT_SECRETS:
        raise ValueError("VNRAG_JWT_SECRET is a well-known default; generate one, e.g. "
                         "python -c 'import secrets; print(secrets.token_urlsafe(48))'")
    if len(secret) < _MIN_SECRET_CHARS or len(set(secret)) < 8:
        raise ValueError(f"VNRAG_JWT_SECRET must be at least {_MIN_SECRET_CHARS} characters of random text")


class HttpSettings(_Base):
    """Browser access: VNRAG_CORS_ORIGINS, comma-separated origins (https://app.example.com) allowed to call the
    API from a page. Empty (the default): no CORS headers, so browsers on other origins are refused. `*` allows
    any origin, never with credentials (the API uses bearer headers, not cookies, so none are allowed anyway)."""

    cors_origins: Annotated[tuple[str, ...], NoDecode] = ()

    @field_validator("cors_origins", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            return tuple(o.strip().rstrip("/") for o in value.split(",") if o.strip())
        return value


class ObservabilitySettings(_Base):
    """Logs and metrics: the service name in every log line, whether questions are logged, who may scrape."""

    service_name: str = Field(default="vnrag", min_length=1, max_length=100)
    # Questions can hold personal data: log lines carry their length, and their text only when asked to.
    log_query_text: bool = False
    # `GET /metrics` answers a manager+ caller, or a scraper sending `Authorization: Bearer <this token>`.
    metrics_token: SecretStr | None = None
    # Days a logged query (and its rating) is kept; the analytics counters outlive it. Unset: kept for ever.
    query_log_ttl_days: PositiveInt | None = 90


class LocalSettings(ModelSettings, RetrievalSettings, AnswerSettings, AuthSettings, ObservabilitySettings,
                    HttpSettings):
    """The embedded local mode: everything under one data directory, no services."""

    mode: Literal["local"] = "local"
    data_dir: Path = Path(".vnrag")
    max_document_bytes: PositiveInt = 20_000_000

    @property
    def embedding_cache_path(self) -> Path:
        return self.data_dir / "embeddings.sqlite"


# Placeholders that tutorials and templates ship with; a production secret must be none of them.
_KNOWN_DEFAULT_SECRETS = frozenset({
    "secret", "changeme", "change-me", "changethis", "change_this", "jwt-secret", "jwt_secret", "dev",
    "development",
    "your-256-bit-secret", "your-secret-key", "supersecret", "super-secret-key", "secret-key", "password",
    "change-me-in-production", "please-change-this-secret-in-production", "vnrag", "vnrag-dev-secret",
})
_MIN_SECRET_CHARS = 32
