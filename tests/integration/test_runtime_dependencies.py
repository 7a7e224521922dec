"""The query path must fit a Lambda layer: no torch, scikit-learn or scipy may be imported by it."""

import json
import subprocess
import sys

import pytest

FORBIDDEN = ("torch", "sklearn", "scipy", "transformers", "sentence_transformers")

PROBE = """
import json, sys
from shared.config import LocalSettings
from shared.bootstrap.local import build_local_api
from shared.domain.models import AccessLevel, SearchFilter
api = build_local_api(LocalSettings(data_dir=sys.argv[1]))
api.core.answerer.answer("Thời hạn nuôi con nuôi?", filter=SearchFilter(AccessLevel.PUBLIC))
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)))
"""


@pytest.mark.slow
def test_query_path_imports_no_heavy_ml_stack(tmp_path) -> None:
    result = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True,
                            timeout=120, check=True)
    loaded = set(json.loads(result.stdout.strip().splitlines()[-1]))
    assert "onnxruntime" in loaded and "pycrfsuite" in loaded  # the probe really ran the query path
    assert not loaded & set(FORBIDDEN)
