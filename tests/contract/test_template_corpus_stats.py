"""template.yaml grants exactly what the corpus statistics (shared/adapters/aws/s3/corpus_stats.py) need: the
writers of the index read and write `_index/syllables*`, the stream function only reads the snapshot."""

from __future__ import annotations

from typing import Any

from shared.adapters.aws.s3.corpus_stats import SNAPSHOT, STATE
from shared.config_aws import AwsSettings
from tests.contract.test_template import template  # noqa: F401 - the fixture

PREFIX = AwsSettings.model_fields["corpus_stats_prefix"].default


def statements_on(cfn: dict[str, Any], function: str, marker: str) -> list[tuple[list[str], str]]:
    found = []
    for policy in cfn["Resources"][function]["Properties"]["Policies"]:
        for statement in policy["Statement"]:
            resource = statement["Resource"]
            text = resource.get("Fn::Sub") if isinstance(resource, dict) else None
            if isinstance(text, str) and marker in text:
                found.append((sorted(statement["Action"]), text.split("/", 1)[1]))
    return found


def test_index_writers_keep_the_statistics_and_readers_only_read_the_snapshot(template) -> None:  # noqa: F811
    assert PREFIX == "_index/" and STATE.startswith("syllables") and SNAPSHOT.startswith("syllables")
    writer = [(["s3:DeleteObject", "s3:GetObject", "s3:PutObject"], f"{PREFIX}syllables*")]
    assert statements_on(template, "IngestFunction", PREFIX) == writer
    assert statements_on(template, "QueryFunction", PREFIX) == writer  # document upload/delete write the index
    assert statements_on(template, "StreamFunction", PREFIX) == [(["s3:GetObject"], f"{PREFIX}{SNAPSHOT}")]
    for function in ("AuthFunction", "AnalyticsFunction"):
        assert statements_on(template, function, PREFIX) == []
