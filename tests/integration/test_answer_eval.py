"""Answer scoring against gold short answers, and the bootstrap intervals every figure is printed with."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from shared.services.evaluation.answers import (
    first_statement,
    fold,
    load_answer_queries,
    score_answer,
    summarize_answers,
)
from shared.services.evaluation.confidence import bootstrap_interval, paired_difference

ANSWER = ("Người  THÀNH niên là người từ đủ mười tám tuổi trở lên [1]. "
          "Người chưa thành niên là người chưa đủ [2] mười tám tuổi.")


def test_first_statement_is_the_text_before_the_first_citation() -> None:
    assert first_statement(ANSWER) == "Người  THÀNH niên là người từ đủ mười tám tuổi trở lên"
    assert first_statement("Không có trích dẫn.") == "Không có trích dẫn."


def test_folding_ignores_case_spacing_citations_and_composition() -> None:
    decomposed = "Ng\u01b0\u01a1\u0300i"  # "Người" with the grave accent as a combining mark
    assert fold(f"  {decomposed}\n\n THÀNH [3] niên ") == "người thành niên"


@pytest.mark.parametrize(("gold", "first", "anywhere"), [
    ("người từ đủ mười tám tuổi trở lên.", 1.0, 1.0),  # the gold's final full stop is not required
    ("Người thành niên", 1.0, 1.0),
    ("chưa đủ mười tám tuổi", 0.0, 1.0),  # only after a citation mark, which folding drops
    ("hai mươi tuổi", 0.0, 0.0),
])
def test_containment_in_the_first_statement_and_anywhere(gold: str, first: float, anywhere: float) -> None:
    scored = score_answer(ANSWER, gold)
    assert (scored["answer_first_contains"], scored["answer_contains"]) == (first, anywhere)
    assert scored["answer_chars"] == len(ANSWER)


def test_verdict_and_letter_answers_are_skipped_and_counted(tmp_path: Path) -> None:
    rows = [{"qid": "a", "query": "Thời hiệu là bao lâu?",
             "metadata": {"question_type": "question", "answer": "03 năm"}},
            {"qid": "b", "query": "..., đúng hay sai?", "metadata": {"question_type": "Đúng/Sai", "answer": "Đúng"}},
            {"qid": "c", "query": "Chọn?", "metadata": {"question_type": "Trắc nghiệm", "answer": "B"}},
            {"qid": "d", "query": "Không có đáp án", "metadata": {"question_type": "natural question"}}]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows), encoding="utf-8")
    kept, skipped = load_answer_queries(path)
    assert [q.qid for q in kept] == ["a"] and kept[0].gold == "03 năm"
    assert skipped == {"Đúng/Sai": 1, "Trắc nghiệm": 1}


def test_summary_reports_shares_with_intervals_and_percentiles() -> None:
    rows = [{"answer_first_contains": float(i % 2), "answer_contains": 1.0, "answer_chars": 100.0 + i,
             "answer_ms": float(i)} for i in range(100)]
    summary = summarize_answers(rows)
    assert summary["answer_first_contains"] == 0.5 and summary["answer_contains"] == 1.0
    low, high = summary["ci95"]["answer_first_contains"]
    assert 0.38 < low < 0.5 < high < 0.62
    assert summary["ci95"]["answer_contains"] == (1.0, 1.0)
    assert summary["answer_chars_p50"] == 149.0 and summary["answer_ms_p95"] == 94.0


def test_bootstrap_interval_holds_the_mean_and_narrows_with_more_questions() -> None:
    rng = np.random.default_rng(0)
    small, large = rng.random(50) < 0.8, rng.random(2000) < 0.8
    (low_s, high_s), (low_l, high_l) = bootstrap_interval(small), bootstrap_interval(large)
    assert low_s <= small.mean() <= high_s and low_l <= large.mean() <= high_l
    assert (high_l - low_l) < (high_s - low_s) / 3
    assert bootstrap_interval(small) == (low_s, high_s)  # seeded: the same scores print the same interval
    assert bootstrap_interval([]) == (0.0, 0.0)


def test_paired_difference_sees_a_small_consistent_gain_that_unpaired_intervals_miss() -> None:
    rng = np.random.default_rng(1)
    a = rng.random(300)
    b = a + 0.01  # every question a little better: the intervals of a and b overlap, the paired one does not
    diff = paired_difference(a, b)
    assert diff["difference"] == pytest.approx(0.01) and diff["excludes_zero"]
    assert bootstrap_interval(a)[1] > bootstrap_interval(b)[0]
    noise = paired_difference(a, rng.permutation(a))
    assert noise["low"] < 0 < noise["high"] and not noise["excludes_zero"]
    with pytest.raises(ValueError):
        paired_difference([1.0], [1.0, 0.0])
