"""tools/build_pyvi.py: the restricted unpickler and the atomic, idempotent writes."""

from __future__ import annotations

import importlib.util
import os
import pickle
from pathlib import Path
from types import ModuleType

import pytest

TOOL = Path(__file__).resolve().parents[3] / "tools" / "build_pyvi.py"


@pytest.fixture(scope="module")
def build_pyvi() -> ModuleType:
    spec = importlib.util.spec_from_file_location("build_pyvi", TOOL)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_unpickler_refuses_unexpected_globals(build_pyvi: ModuleType) -> None:
    # Given a pickle that would call os.system when loaded normally
    payload = pickle.dumps(os.system)
    # Then extraction refuses it instead of resolving the global
    with pytest.raises(pickle.UnpicklingError, match="unexpected global"):
        build_pyvi.extract_crfsuite_model(payload)


def test_write_if_changed_is_idempotent(build_pyvi: ModuleType, tmp_path: Path) -> None:
    target = tmp_path / "words.txt"
    assert build_pyvi.write_if_changed(target, b"a b\n") is True
    assert build_pyvi.write_if_changed(target, b"a b\n") is False
    assert build_pyvi.write_if_changed(target, b"c d\n") is True
    assert target.read_bytes() == b"c d\n"
    assert [p.name for p in tmp_path.iterdir()] == ["words.txt"]  # no temporary file left behind
