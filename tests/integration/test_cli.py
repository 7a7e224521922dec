"""The `vnrag` command line end to end, on the real offline model and a slice of the dev benchmark."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from shared.entrypoints.cli.main import main

DATA = Path(__file__).resolve().parents[3] / "shared" / "data" / "vi-legal-dev"
pytestmark = [pytest.mark.slow, pytest.mark.skipif(not DATA.exists(), reason=f"{DATA} not available")]


@pytest.fixture(scope="module")
def benchmark_slice(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """25 ALQAC 2022 questions, their gold articles and 150 distractors, as the same JSONL files."""
    out = tmp_path_factory.mktemp("slice")
    queries = [json.loads(line) for line in (DATA / "queries.jsonl").open(encoding="utf-8")]
    queries = [q for q in queries if q["metadata"]["source"].startswith("ALQAC 2022")][:25]
    wanted = {d for q in queries for d in q["relevant"]}
    corpus = [json.loads(line) for line in (DATA / "corpus.jsonl").open(encoding="utf-8")]
    kept = [p for p in corpus if p["doc_id"] in wanted] + [p for p in corpus if p["doc_id"] not in wanted][::30][:150]
    (out / "corpus.jsonl").write_text("\n".join(json.dumps(p, ensure_ascii=False) for p in kept), encoding="utf-8")
    (out / "queries.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in queries), encoding="utf-8")
    return out / "corpus.jsonl", out / "queries.jsonl"


def test_eval_prints_the_figures_as_a_last_json_line(benchmark_slice: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, queries = benchmark_slice
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--queries", str(queries), "--json",
                                       "--embedding-cache", str(tmp_path / "cache.sqlite")])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert {"recall@1", "recall@5", "recall@10", "recall@100", "mrr@10", "ndcg@10", "queries", "per_source",
            "query_ms_p50", "query_ms_p95", "index_passages_per_s"} <= set(figures)
    assert figures["queries"] == 25
    assert figures["recall@10"] >= 0.9  # easy slice: the gold article sits among 150 distractors
    assert figures["query_ms_p95"] > 0 and figures["index_passages_per_s"] > 0


def test_eval_strip_diacritics(benchmark_slice: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, queries = benchmark_slice
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--queries", str(queries), "--json",
                                       "--strip-diacritics", "--embedding-cache", str(tmp_path / "cache.sqlite")])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.output.strip().splitlines()[-1])
    assert figures["strip_diacritics"] is True
    assert figures["recall@10"] >= 0.9  # restored from the slice's own text, as with marks


def test_eval_answers_scores_answers_with_intervals(benchmark_slice: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, queries = benchmark_slice
    rows = [json.loads(line) for line in queries.read_text(encoding="utf-8").splitlines()]
    verdict = {**rows[0], "qid": "tf",
               "metadata": {**rows[0]["metadata"], "question_type": "Đúng/Sai", "answer": "Đúng"}}
    with_verdict = tmp_path / "queries.jsonl"
    with_verdict.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [*rows, verdict]), encoding="utf-8")
    result = CliRunner().invoke(main, ["eval", "--corpus", str(corpus), "--queries", str(with_verdict), "--answers",
                                       "--json", "--embedding-cache", str(tmp_path / "cache.sqlite")])
    assert result.exit_code == 0, result.output
    answers = json.loads(result.output.strip().splitlines()[-1])["answers"]
    assert answers["questions"] == 25 and answers["skipped"] == {"Đúng/Sai": 1}
    assert set(answers["per_type"]) == {"question"}
    assert answers["answer_first_contains"] >= 0.5  # easy slice: the gold article is nearly always first
    low, high = answers["ci95"]["answer_first_contains"]
    assert low <= answers["answer_first_contains"] <= high
    assert 0 < answers["answer_chars_p50"] and answers["answer_ms_p95"] > 0
    assert "first_contains" in result.output and "95% CI" in result.output


def test_ingest_query_list_show_delete(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VNRAG_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "nuoi-con-nuoi.txt").write_text(
        "LUẬT NUÔI CON NUÔI\n\nĐiều 19. Thời hạn giải quyết\nThời hạn giải quyết việc nuôi con nuôi trong nước "
        "là 30 ngày, kể từ ngày nhận đủ hồ sơ hợp lệ.\n", encoding="utf-8")
    (folder / "nuoi-con-nuoi.txt.meta.json").write_text('{"access_level": "internal", "title": "Luật Nuôi con nuôi"}')
    (folder / "hong.pdf").write_bytes(b"%PDF-1.4 not really")
    runner = CliRunner()

    ingested = runner.invoke(main, ["ingest", str(folder)])
    assert ingested.exit_code == 0, ingested.output
    assert "1 indexed, 0 unchanged, 1 failed" in ingested.output and "FAILED" in ingested.output

    answer = runner.invoke(main, ["query", "Thời hạn giải quyết việc nuôi con nuôi là bao lâu?", "--json"])
    body = json.loads(answer.output)
    assert body["found"] and "30 ngày" in body["answer"] and body["sources"][0]["document_id"] == "nuoi-con-nuoi-txt"

    as_guest = json.loads(runner.invoke(main, ["query", "nuôi con nuôi", "--json", "--role", "guest"]).output)
    assert as_guest["sources"] == [] and "30 ngày" not in as_guest["answer"]

    listing = runner.invoke(main, ["documents", "list"]).output
    assert "nuoi-con-nuoi-txt" in listing and "hong-pdf" in listing
    shown = json.loads(runner.invoke(main, ["documents", "show", "hong-pdf"]).output)
    assert shown["status"] == "failed" and shown["error"]

    assert runner.invoke(main, ["ingest", str(folder / "nuoi-con-nuoi.txt")]).output.startswith("unchanged")
    assert runner.invoke(main, ["documents", "delete", "nuoi-con-nuoi-txt"]).exit_code == 0
    assert runner.invoke(main, ["documents", "delete", "nuoi-con-nuoi-txt"]).exit_code != 0
