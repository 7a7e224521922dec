"""Settings, validated once at start-up. Nothing below the composition root reads the environment."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, PositiveInt
from pydantic_settings import BaseSettings, SettingsConfigDict

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


class AnswerSettings(_Base):
    """The extractive answerer: how many sentences it quotes and when it declines to answer."""

    answer_max_sentences: PositiveInt = 3
    # Below this cosine between question and best passage the answer says nothing was found.
    answer_min_dense_score: float = Field(default=0.80, ge=-1, le=1)
    # ... unless at least this share of the question's words appear in the best passage.
    answer_min_term_coverage: float = Field(default=0.6, ge=0, le=1)


class LocalSettings(ModelSettings, RetrievalSettings, AnswerSettings):
    """The embedded local mode: everything under one data directory, no services."""

    mode: Literal["local"] = "local"
    data_dir: Path = Path(".vnrag")
    max_document_bytes: PositiveInt = 20_000_000

    @property
    def embedding_cache_path(self) -> Path:
        return self.data_dir / "embeddings.sqlite"
