"""`vnrag ingest` on a folder as organisations have them: readable files of the new formats are indexed
(a scan with per-page OCR progress), an unreadable one fails with its reason, a format nothing reads is
skipped with a line saying so, and nothing else in the batch is lost."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from shared.entrypoints.cli.main import main
from shared.services.parsing import ocr
from tools.document_builders import image_bytes, render_pages

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(ocr.unavailable_reason() is not None or shutil.which("antiword") is None,
                                 reason="needs antiword and tesseract-ocr-vie (make os-packages)")]


def test_a_mixed_folder_is_ingested_and_every_refusal_has_its_reason(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNRAG_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "van-ban"
    folder.mkdir()
    for name in ("luat-cu-tru.doc", "bieu-phi-noi-bo.xlsx"):
        shutil.copy(ROOT / "samples" / name, folder / name)
    [page] = render_pages("Công văn số 12/CV\nV/v gia hạn nộp hồ sơ đến ngày 30 tháng 6.", dpi=300, seed=3)
    (folder / "cong-van-scan.png").write_bytes(image_bytes(page, "PNG", dpi=(300, 300)))
    (folder / "hong.doc").write_bytes(b"\xd0\xcf\x11\xe0 not a word file" * 40)
    (folder / "luu-tru.zip").write_bytes(b"PK\x05\x06" + b"\x00" * 18)
    runner = CliRunner()

    result = runner.invoke(main, ["ingest", str(folder)])
    assert result.exit_code == 0, result.output
    out = result.output  # tqdm's bar shares the stream: look for each line's text, not whole lines
    assert "3 indexed, 0 unchanged, 1 failed, 1 skipped (unsupported format)" in out
    assert f"FAILED    {folder / 'hong.doc'}: the .doc file cannot be read: the file is not a Word Document." in out
    assert f"skipped   {folder / 'luu-tru.zip'}: .zip is not a format vnrag reads" in out
    assert "OCR page 1/1 of cong-van-scan.png" in out

    shown = json.loads(runner.invoke(main, ["documents", "show", "hong-doc"]).output)
    assert shown["status"] == "failed" and "Word" in shown["error"]
    fee = json.loads(runner.invoke(main, ["query", "mức phí gửi ô tô tại tầng hầm", "--json"]).output)
    assert fee["found"] and fee["sources"][0]["document_id"] == "bieu-phi-noi-bo-xlsx"
    scan = json.loads(runner.invoke(main, ["query", "gia hạn nộp hồ sơ đến ngày nào", "--json"]).output)
    assert scan["sources"] and scan["sources"][0]["document_id"] == "cong-van-scan-png"
