"""BedrockGenerator through botocore's Stubber: request shapes are validated against the service model."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError, EventStreamError
from botocore.stub import Stubber

from shared.adapters.aws.bedrock import NOT_FOUND_MARKER, SYSTEM_PROMPT, BedrockGenerator, build_user_message
from shared.adapters.aws.clients import aws_client
from shared.domain.errors import DependencyUnavailable
from shared.domain.models import Chunk, SearchHit

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
QUESTION = "Nhân viên được nghỉ phép bao nhiêu ngày?"
PASSAGES = [SearchHit(Chunk(id="a-0", document_id="a", ordinal=0, text="Nhân viên được nghỉ phép 12 ngày mỗi năm.",
                            headings=("Quy chế nghỉ phép", "Điều 3"), title="Quy chế nghỉ phép"), 0.9),
            SearchHit(Chunk(id="b-0", document_id="b", ordinal=0, text="Ngày lễ được nghỉ có hưởng lương.",
                            title="Nội quy"), 0.5)]


@pytest.fixture
def client(aws) -> Any:
    return aws_client("bedrock-runtime", region="us-east-1")


def expected_request() -> dict:
    return {"modelId": MODEL, "system": [{"text": SYSTEM_PROMPT}],
            "messages": [{"role": "user", "content": [{"text": build_user_message(QUESTION, PASSAGES)}]}],
            "inferenceConfig": {"maxTokens": 1024, "temperature": 0.1}}


def converse_response(text: str) -> dict:
    return {"output": {"message": {"role": "assistant", "content": [{"text": text}]}}, "stopReason": "end_turn",
            "usage": {"inputTokens": 120, "outputTokens": 20, "totalTokens": 140}, "metrics": {"latencyMs": 321}}


def stub_stream(client: Any, stubber: Stubber, events: list[dict] | Iterator[dict]) -> None:
    """The Stubber validates the request; a real EventStream cannot be stubbed, so the parsed response's
    `stream` is swapped for the given events after the (validated) call."""
    stubber.add_response("converse_stream", {"stream": {"messageStart": {"role": "assistant"}}}, expected_request())

    def swap(parsed: dict, **_: Any) -> None:
        parsed["stream"] = events

    client.meta.events.register("after-call.bedrock-runtime.ConverseStream", swap)


def deltas(*texts: str) -> list[dict]:
    return ([{"messageStart": {"role": "assistant"}}]
            + [{"contentBlockDelta": {"delta": {"text": t}, "contentBlockIndex": 0}} for t in texts]
            + [{"contentBlockStop": {"contentBlockIndex": 0}}, {"messageStop": {"stopReason": "end_turn"}}])


def test_prompt_numbers_passages_and_demands_citations() -> None:
    message = build_user_message(QUESTION, PASSAGES)
    assert message.index("[1] Quy chế nghỉ phép › Điều 3") < message.index("[2] Nội quy") < message.index(QUESTION)
    assert "[n]" not in SYSTEM_PROMPT and "[1]" in SYSTEM_PROMPT and NOT_FOUND_MARKER in SYSTEM_PROMPT


def test_prompt_asks_for_the_direct_answer_first_then_cited_support() -> None:
    rules = SYSTEM_PROMPT.split("\n")
    direct = next(i for i, rule in enumerate(rules) if rule.startswith("2. Câu đầu tiên trả lời thẳng"))
    assert "[1]." in rules[direct] and "Sau đó mới nêu các căn cứ" in rules[direct]
    assert any("Không viết câu nào không có nguồn" in rule for rule in rules[direct + 1:])
    assert "tiếng Việt" in SYSTEM_PROMPT


def test_a_streamed_direct_answer_keeps_its_shape(client: Any) -> None:
    """Deltas cut anywhere, even inside a citation, join into the answer whose first statement is the fact."""
    from shared.services.evaluation.answers import first_statement, score_answer

    with Stubber(client) as stubber:
        stub_stream(client, stubber, deltas("Nhân viên được nghỉ phép ", "12 ngày mỗi năm [", "1]. Ngày lễ ",
                                            "được nghỉ có hưởng lương [2", "]."))
        answer = "".join(BedrockGenerator(MODEL, client=client).generate(QUESTION, PASSAGES))
        stubber.assert_no_pending_responses()
    assert first_statement(answer) == "Nhân viên được nghỉ phép 12 ngày mỗi năm"
    assert score_answer(answer, "12 ngày")["answer_first_contains"] == 1.0
    assert score_answer(answer, "có hưởng lương")["answer_first_contains"] == 0.0


def test_converse_request_shape_and_answer(client: Any) -> None:
    with Stubber(client) as stubber:
        stubber.add_response("converse", converse_response("Nhân viên được nghỉ 12 ngày mỗi năm [1]."),
                             expected_request())
        text = "".join(BedrockGenerator(MODEL, client=client, stream=False).generate(QUESTION, PASSAGES))
        stubber.assert_no_pending_responses()
    assert text == "Nhân viên được nghỉ 12 ngày mỗi năm [1]."


def test_stream_yields_the_deltas_in_order(client: Any) -> None:
    with Stubber(client) as stubber:
        stub_stream(client, stubber, deltas("Nhân viên ", "được nghỉ 12 ngày", " [1]."))
        pieces = list(BedrockGenerator(MODEL, client=client).generate(QUESTION, PASSAGES))
    assert "".join(pieces) == "Nhân viên được nghỉ 12 ngày [1]." and len(pieces) == 3


@pytest.mark.parametrize("pieces", [(NOT_FOUND_MARKER,), ("KHONG_", "CO_THONG", "_TIN"), (" ", NOT_FOUND_MARKER, ".")])
def test_refusal_marker_yields_nothing(client: Any, pieces: tuple[str, ...]) -> None:
    with Stubber(client) as stubber:
        stub_stream(client, stubber, deltas(*pieces))
        assert list(BedrockGenerator(MODEL, client=client).generate(QUESTION, PASSAGES)) == []


def test_text_that_only_starts_like_the_marker_is_kept(client: Any) -> None:
    with Stubber(client) as stubber:
        stub_stream(client, stubber, deltas("K", "hông quá 12 ngày [1]."))
        assert "".join(BedrockGenerator(MODEL, client=client).generate(QUESTION, PASSAGES)) == "Không quá 12 ngày [1]."


def test_no_passages_makes_no_call(client: Any) -> None:
    with Stubber(client):  # any call would fail: nothing is stubbed
        assert list(BedrockGenerator(MODEL, client=client).generate(QUESTION, [])) == []


@pytest.mark.parametrize("code", ["ThrottlingException", "ServiceUnavailableException", "ModelNotReadyException"])
def test_throttling_and_outages_are_dependency_unavailable(client: Any, code: str) -> None:
    with Stubber(client) as stubber:
        stubber.add_client_error("converse", service_error_code=code, http_status_code=429,
                                 expected_params=expected_request())
        with pytest.raises(DependencyUnavailable):
            list(BedrockGenerator(MODEL, client=client, stream=False).generate(QUESTION, PASSAGES))


def test_validation_errors_are_not_disguised(client: Any) -> None:
    with Stubber(client) as stubber:
        stubber.add_client_error("converse", service_error_code="ValidationException", http_status_code=400)
        with pytest.raises(ClientError):
            list(BedrockGenerator(MODEL, client=client, stream=False).generate(QUESTION, PASSAGES))


def test_error_in_the_middle_of_a_stream(client: Any) -> None:
    def events() -> Iterator[dict]:
        yield from deltas("Nhân viên ")[:2]
        raise EventStreamError({"Error": {"Code": "throttlingException", "Message": "slow down"}}, "ConverseStream")

    with Stubber(client) as stubber:
        stub_stream(client, stubber, events())
        received = []
        with pytest.raises(DependencyUnavailable):
            for piece in BedrockGenerator(MODEL, client=client).generate(QUESTION, PASSAGES):
                received.append(piece)
    assert received == ["Nhân viên "]


def test_the_functions_bedrock_client_waits_for_long_answers_and_retries_at_most_once(aws) -> None:
    """A Converse call returns only once the whole answer is written, and a retry writes it again: the client
    the functions build (AwsClients) reads for at least 60 s and makes at most two attempts in all."""
    from shared.adapters.aws.clients import AwsClients

    config = AwsClients(region="us-east-1").get("bedrock-runtime").meta.config
    assert config.read_timeout >= 60
    attempts = config.retries.get("total_max_attempts") or config.retries["max_attempts"] + 1
    assert attempts <= 2, config.retries
    other = AwsClients(region="us-east-1").get("dynamodb").meta.config
    assert other.read_timeout < config.read_timeout  # the other services keep their own, shorter bounds
