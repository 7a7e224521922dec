"""S3 sequencers order events of one key as S3 documents it: right-pad the shorter with zeros, then compare.

Left-padding agrees with that only while both sequencers have the same length; with different lengths it
can rank the newer event below the older one, and the newer PUT or DELETE would be skipped as stale.
"""

from __future__ import annotations

from typing import Any

import pytest

from shared.adapters.aws.dynamodb.objects import DynamoDBObjectVersions, InMemoryObjectVersions
from tests.integration.aws.moto_env import TABLE

KEY = "vnrag-local-documents/incoming/quy-che.md"
# The newer one is shorter: right-padded it is 0062E99A88DC4074FF00 > 0062E99A88DC40746000.
OLDER, NEWER = "0062E99A88DC40746000", "0062E99A88DC4074FF"


@pytest.fixture(params=["dynamodb", "memory"])
def versions(request: pytest.FixtureRequest) -> Any:
    if request.param == "memory":
        return InMemoryObjectVersions()
    return DynamoDBObjectVersions(TABLE, client=request.getfixturevalue("dynamodb"))


def test_a_shorter_newer_sequencer_is_new(versions: Any) -> None:
    versions.record(KEY, OLDER)
    assert versions.is_new(KEY, NEWER)
    versions.record(KEY, NEWER)
    assert not versions.is_new(KEY, OLDER)  # the stale event arriving late is skipped
    assert not versions.is_new(KEY, NEWER)  # and so is a duplicate


def test_a_late_older_event_cannot_overwrite_the_newer_mark(versions: Any) -> None:
    versions.record(KEY, NEWER)
    versions.record(KEY, OLDER)  # conditional: the newer mark stays
    assert not versions.is_new(KEY, NEWER)


def test_trailing_zeros_and_case_do_not_make_an_event_new(versions: Any) -> None:
    versions.record(KEY, "0062e99a88dc4074ff")
    assert not versions.is_new(KEY, "0062E99A88DC4074FF000")
    assert versions.is_new(KEY, "0062E99A88DC4074FF01")
