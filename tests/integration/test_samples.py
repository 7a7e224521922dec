"""What `make serve` ingests: every file under samples/ is read by its parser (OCR included), has its sidecar,
and is listed in the README's samples table."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from shared.services.parsing import SUPPORTED_EXTENSIONS, extension_of, ocr, parse_document

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p for p in (ROOT / "samples").iterdir() if not p.name.endswith(".meta.json"))


@pytest.mark.parametrize("path", SAMPLES, ids=[p.name for p in SAMPLES])
def test_every_sample_is_read_and_has_its_sidecar(path: Path) -> None:
    assert extension_of(path.name) in SUPPORTED_EXTENSIONS
    meta = json.loads(path.with_name(path.name + ".meta.json").read_text(encoding="utf-8"))
    assert {"title", "document_type", "access_level", "id"} <= set(meta)
    if path.name.endswith("-scan.pdf") and ocr.unavailable_reason() is not None:
        pytest.fail(f"{path.name} needs OCR: {ocr.unavailable_reason()} (make os-packages)")
    text = parse_document(path.name, path.read_bytes()).text
    assert len(text) > 500
    assert any(marker in text for marker in ("Điều 1", "Điều 2", "Điều 105", "Điều 14", "Phí dịch vụ")), text[:300]


def test_the_readme_lists_every_sample() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Samples"):]
    section = section[: section.index("\n## ", 1)]
    listed = set(re.findall(r"^\| `([^`]+)` \|", section, flags=re.M))
    assert listed == {p.name for p in SAMPLES}
