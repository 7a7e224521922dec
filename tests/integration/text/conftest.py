"""Fixtures for the text tests: the extracted pyvi model, built by `make model`."""

from __future__ import annotations

from pathlib import Path

import pytest

from shared.domain.errors import ModelUnavailable
from shared.services.text.analysis import LexicalAnalyzer
from shared.services.text.segment import WordSegmenter

PYVI_DIR = Path(__file__).resolve().parents[3] / "models" / "pyvi"


@pytest.fixture(scope="session")
def segmenter() -> WordSegmenter:
    try:
        return WordSegmenter(PYVI_DIR)
    except ModelUnavailable as exc:  # `make test` builds the model first: a missing one is a failure
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def analyzer(segmenter: WordSegmenter) -> LexicalAnalyzer:
    return LexicalAnalyzer(segmenter)
