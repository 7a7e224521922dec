"""POST /api/v1/query through the real app: the answer's shape, its citations, validation, filters."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from shared.services.answering.service import NO_ANSWER
from tests.integration.api_harness import Harness, assert_error, text_source

QUERY = "/api/v1/query"
ADOPTION = "Thời hạn giải quyết việc nuôi con nuôi trong nước là bao nhiêu ngày?"
TRAFFIC = "Mức phạt người điều khiển xe ô tô không chấp hành đèn tín hiệu giao thông?"
LEAVE = "Nhân viên được nghỉ phép năm bao nhiêu ngày?"
BONUS = "Thưởng cuối năm bằng mấy tháng lương cơ bản?"


@pytest.fixture(scope="module")
def harness(harness: Harness) -> Harness:
    harness.ingest([
        text_source("nuoi-con-nuoi", "Luật Nuôi con nuôi", "Điều 19. Thời hạn giải quyết\nThời hạn giải quyết việc "
                    "nuôi con nuôi trong nước là 30 ngày, kể từ ngày nhận đủ hồ sơ hợp lệ. Trường hợp cần xác minh "
                    "thêm thì được gia hạn không quá 30 ngày.", document_type="law"),
        text_source("giao-thong", "Nghị định xử phạt giao thông", "Điều 6. Xử phạt người điều khiển xe ô tô\nPhạt "
                    "tiền từ 4.000.000 đồng đến 6.000.000 đồng đối với người điều khiển xe ô tô không chấp hành hiệu "
                    "lệnh của đèn tín hiệu giao thông.", document_type="decree"),
        text_source("nghi-phep", "Quy chế nghỉ phép", "Điều 4. Nghỉ phép năm\nNhân viên làm việc đủ 12 tháng được "
                    "nghỉ phép năm 14 ngày hưởng nguyên lương.", level="internal", document_type="policy"),
        text_source("thuong", "Quy chế lương thưởng", "Điều 3. Thưởng cuối năm\nThưởng cuối năm bằng hai tháng "
                    "lương cơ bản cho nhân viên hoàn thành nhiệm vụ.", level="confidential", document_type="policy"),
    ])
    return harness


def test_answer_has_the_contract_shape(harness: Harness) -> None:
    response = harness.ask("guest", ADOPTION)
    assert response.status_code == 200
    body = response.json()
    assert {"query_id", "query", "answer", "sources", "metadata", "timestamp"} <= set(body)
    assert re.fullmatch(r"[0-9a-f]{32}", body["query_id"])
    assert body["query"] == ADOPTION and body["found"] is True
    datetime.fromisoformat(body["timestamp"])
    assert "30 ngày" in body["answer"]
    assert body["sources"], body
    for source in body["sources"]:
        assert {"citation_number", "source_id", "document_id", "title", "relevance_score", "snippet"} <= set(source)
        assert isinstance(source["relevance_score"], float) and source["snippet"].strip()
    assert body["sources"][0]["document_id"] == "nuoi-con-nuoi"
    assert body["sources"][0]["title"] == "Luật Nuôi con nuôi"
    scores = [s["relevance_score"] for s in body["sources"]]
    assert scores == sorted(scores, reverse=True)
    latency = body["metadata"]["latency_ms"]
    assert {"analyze", "embed", "search", "generate", "total"} <= set(latency)
    assert all(v >= 0 for v in latency.values()) and latency["total"] >= latency["search"]
    assert body["metadata"]["sources_count"] == len(body["sources"])


def test_citation_markers_in_the_answer_match_the_sources(harness: Harness) -> None:
    for question in (ADOPTION, TRAFFIC):
        body = harness.ask("director", question).json()
        numbers = [s["citation_number"] for s in body["sources"]]
        assert numbers == list(range(1, len(numbers) + 1))
        cited = {int(n) for n in re.findall(r"\[(\d+)\]", body["answer"])}
        assert cited and cited <= set(numbers), body["answer"]
        # each quoted sentence comes from the source it cites: the text before "[n]" ends like a sentence of n
        for before, number in re.findall(r"([^\[\]]+?)\s*\[(\d+)\]", body["answer"]):
            source = body["sources"][int(number) - 1]
            assert before.strip()[-30:] in source["snippet"], (before, source["snippet"])


def test_query_ids_are_unique_per_question(harness: Harness) -> None:
    ids = {harness.ask("employee", ADOPTION).json()["query_id"] for _ in range(3)}
    assert len(ids) == 3


def test_top_k_bounds_the_sources(harness: Harness) -> None:
    one = harness.ask("director", ADOPTION, top_k=1).json()
    assert len(one["sources"]) == 1 and one["sources"][0]["document_id"] == "nuoi-con-nuoi"
    twenty = harness.ask("director", ADOPTION, top_k=20)
    assert twenty.status_code == 200 and 1 <= len(twenty.json()["sources"]) <= 20


def test_no_answer_is_a_plain_refusal_without_sources(harness: Harness) -> None:
    body = harness.ask("director", "Giá vàng hôm nay tăng mạnh không?").json()
    assert body["found"] is False and body["sources"] == [] and body["answer"] == NO_ANSWER
    assert body["metadata"]["sources_count"] == 0 and body["query_id"]


def test_a_role_never_gets_answers_from_above_its_level(harness: Harness) -> None:
    for role in ("guest", "employee"):
        body = harness.ask(role, BONUS).json()
        assert "hai tháng lương" not in body["answer"]
        assert all(s["document_id"] != "thuong" for s in body["sources"])
    allowed = harness.ask("manager", BONUS).json()
    assert "hai tháng lương" in allowed["answer"] and allowed["sources"][0]["document_id"] == "thuong"
    assert "14 ngày" not in harness.ask("guest", LEAVE).json()["answer"]
    assert "14 ngày" in harness.ask("employee", LEAVE).json()["answer"]


# --- filters narrow, never widen -------------------------------------------------------------------------


def test_document_type_filter_narrows(harness: Harness) -> None:
    body = harness.ask("director", ADOPTION, filters={"document_type": "decree"}).json()
    assert all(s["document_id"] == "giao-thong" for s in body["sources"])
    assert "30 ngày" not in body["answer"]
    as_list = harness.ask("director", ADOPTION, filters={"document_type": ["law", "decree"]}).json()
    assert as_list["sources"][0]["document_id"] == "nuoi-con-nuoi"


def test_document_ids_filter_narrows(harness: Harness) -> None:
    body = harness.ask("director", TRAFFIC, filters={"document_ids": ["nuoi-con-nuoi"]}).json()
    assert {s["document_id"] for s in body["sources"]} <= {"nuoi-con-nuoi"}
    assert "6.000.000" not in body["answer"]
    nothing = harness.ask("director", TRAFFIC, filters={"document_ids": []}).json()
    assert nothing["sources"] == [] and nothing["found"] is False


def test_filters_cannot_widen_access(harness: Harness) -> None:
    for filters in ({"document_ids": ["thuong"]}, {"document_type": "policy"},
                    {"document_type": "policy", "document_ids": ["thuong", "nghi-phep"]}):
        body = harness.ask("guest", BONUS, filters=filters).json()
        assert body["sources"] == [] and body["found"] is False and "hai tháng lương" not in body["answer"]
    employee = harness.ask("employee", BONUS, filters={"document_ids": ["thuong"]}).json()
    assert employee["sources"] == [] and "hai tháng lương" not in employee["answer"]


# --- validation -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("body", "field"), [
    ({"query": "thời hạn", "filters": {"access_level": "restricted"}}, "filters.access_level"),
    ({"query": "thời hạn", "filters": {"max_access_level": 3}}, "filters.max_access_level"),
    ({"query": "thời hạn", "role": "director"}, "role"),
    ({"query": "thời hạn", "top_k": 0}, "top_k"),
    ({"query": "thời hạn", "top_k": 21}, "top_k"),
    ({"query": "thời hạn", "top_k": -1}, "top_k"),
    ({"query": "thời hạn", "top_k": "many"}, "top_k"),
    ({"query": "thời hạn", "top_k": 2.5}, "top_k"),
    ({"query": ""}, "query"),
    ({"query": "   \n\t "}, "query"),
    ({"query": "x" * 1001}, "query"),
    ({"query": 42}, "query"),
    ({"query": None}, "query"),
    ({"top_k": 3}, "query"),
    ({"query": "thời hạn", "filters": "law"}, "filters"),
    ({"query": "thời hạn", "filters": None}, "filters"),
    ({"query": "thời hạn", "filters": {"document_ids": "nuoi-con-nuoi"}}, "filters.document_ids"),
    ({"query": "thời hạn", "filters": {"document_ids": ["x"] * 101}}, "filters.document_ids"),
    ({"query": "thời hạn", "filters": {"document_ids": [""]}}, "filters.document_ids.0"),
    ({"query": "thời hạn", "filters": {"document_type": ["law", 7]}}, "filters.document_type.1"),
    ({"query": "thời hạn", "filters": {"document_type": ["x" * 201]}}, "filters.document_type.0"),
])
def test_invalid_questions_are_422_naming_the_field(harness: Harness, body: dict, field: str) -> None:
    response = harness.client.post(QUERY, json=body, headers=harness.headers("employee"))
    error = assert_error(response, 422, "validation_error")
    assert error["field"] == field, error
    assert error["message"].startswith(f"{field}: ")
    assert error["details"][0]["field"] == field


def test_a_question_of_exactly_1000_characters_is_accepted(harness: Harness) -> None:
    question = ("nuôi con nuôi " * 100)[:1000]
    assert len(question) == 1000
    assert harness.ask("employee", question).status_code == 200


def test_a_question_with_no_searchable_word(harness: Harness) -> None:
    for question in ("?!… —", "...", "và của là"):  # analysable, but nothing to match: a plain refusal
        body = harness.ask("employee", question).json()
        assert body["found"] is False and body["sources"] == [] and body["answer"] == NO_ANSWER
    error = assert_error(harness.ask("employee", "\x00\x00"), 422, "invalid_query")  # empty once normalised
    assert error["field"] == "query"
