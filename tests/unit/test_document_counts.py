"""Document kinds, their keys and the counter deltas a write implies."""

from __future__ import annotations

import pytest

from shared.domain.document_counts import count_changes, positive, tally
from shared.domain.models import AccessLevel, Document, DocumentKind, DocumentStatus

LAW = DocumentKind(AccessLevel.PUBLIC, DocumentStatus.INDEXED, "law")
MEMO = DocumentKind(AccessLevel.RESTRICTED, DocumentStatus.FAILED, "memo")


def test_kind_of_a_document() -> None:
    document = Document(id="a", title="t", document_type="memo", access_level=AccessLevel.RESTRICTED,
                        status=DocumentStatus.FAILED)
    assert DocumentKind.of(document) == MEMO


@pytest.mark.parametrize("document_type", ["law", "quy-chế#2", "", "T#S#L"])
def test_key_round_trips_any_type(document_type: str) -> None:
    kind = DocumentKind(AccessLevel.CONFIDENTIAL, DocumentStatus.PENDING, document_type)
    assert kind.key == f"L2#Spending#T{document_type}"
    assert DocumentKind.from_key(kind.key) == kind


@pytest.mark.parametrize("key", ["L1#law", "X1#Sindexed#Tlaw", "L1#Sgone#Tlaw", "L9#Sindexed#Tlaw"])
def test_malformed_keys_are_refused(key: str) -> None:
    with pytest.raises(ValueError):
        DocumentKind.from_key(key)


@pytest.mark.parametrize(("before", "after", "deltas"), [
    (None, LAW, {LAW: 1}),  # a new document
    (LAW, LAW, {}),  # re-put with the same type, level and status: nothing moves
    (LAW, MEMO, {LAW: -1, MEMO: 1}),  # replaced by a record of another kind
    (MEMO, None, {MEMO: -1}),  # deleted
    (None, None, {}),  # deleting nothing
])
def test_count_changes(before: DocumentKind | None, after: DocumentKind | None, deltas: dict) -> None:
    assert count_changes(before, after) == deltas


def test_tally_and_positive() -> None:
    assert tally([LAW, MEMO, LAW]) == {LAW: 2, MEMO: 1}
    assert positive({LAW: 0, MEMO: -1}) == {}
    assert positive({LAW: 3}) == {LAW: 3}
