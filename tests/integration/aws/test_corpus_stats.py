"""Query understanding on AWS, on moto: the ingest handler keeps the syllable counts and the document
catalogue on S3, and query functions built from settings restore unaccented questions and resolve
"Điều N <title>" from them."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

import pytest

from shared.adapters.aws.clients import AwsClients
from shared.adapters.aws.s3.corpus_stats import SNAPSHOT, STATE, S3CorpusStats
from shared.adapters.aws.s3.query_resources import S3QueryResources
from shared.adapters.local.hash_embedder import HashEmbedder
from shared.bootstrap.aws import build_aws_core
from shared.bootstrap.aws_functions import create_aws_app, create_ingest_handler
from shared.config_aws import AwsSettings
from shared.domain.models import AccessLevel, Chunk, SearchFilter
from shared.services.retrieval.restore import SyllableCounts
from tests.fakes.analyzer import SyllableAnalyzer
from tests.fakes.opensearch import fake_opensearch
from tests.integration.aws.conftest import BUCKET
from tests.integration.aws.moto_env import REGION, TABLE
from tests.integration.aws.test_ingest_flow import s3_body, sqs_event

EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)
DAT_DAI = ("incoming/luat/dat-dai.md", "luat-dat-dai-md", "Luật Đất đai", (
    "# Luật Đất đai\n\nĐiều 1. Phạm vi điều chỉnh\n\nLuật này quy định về chế độ sở hữu đất đai, quyền hạn và "
    "trách nhiệm của Nhà nước đối với đất đai.\n\nĐiều 2. Đối tượng áp dụng\n\nCơ quan nhà nước, người sử dụng "
    "đất và thửa đất được giao.\n\nĐiều 3. Giải thích từ ngữ\n\nThửa đất là phần diện tích đất được giới hạn "
    "bởi ranh giới.\n"))
NHA_O = ("incoming/luat/nha-o.md", "luat-nha-o-md", "Luật Nhà ở", (
    "# Luật Nhà ở\n\nĐiều 1. Phạm vi điều chỉnh\n\nLuật này quy định về sở hữu nhà ở, phát triển nhà ở và "
    "quản lý nhà ở.\n\nĐiều 2. Đối tượng áp dụng\n\nTổ chức, hộ gia đình, cá nhân có nhà ở tại Việt Nam.\n\n"
    "Điều 3. Quyền có chỗ ở\n\nCông dân có quyền có chỗ ở thông qua việc mua nhà ở hoặc thuê nhà ở.\n"))


def settings(**overrides: Any) -> AwsSettings:
    return AwsSettings(table_name=TABLE, documents_bucket=BUCKET, opensearch_endpoint="https://fake",
                       jwt_secret="x" * 40, generator="extractive", **overrides)


@pytest.fixture
def world(dynamodb, s3, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setenv("AWS_REGION", REGION)
    opensearch, _ = fake_opensearch()
    return {"opensearch": opensearch, "dynamodb": dynamodb, "s3": s3}


def function(world: dict[str, Any], **overrides: Any) -> Any:
    """A fresh function's core (its own clients' cache, as another Lambda instance would have)."""
    cfg = settings(**overrides)
    return build_aws_core(cfg, AwsClients.for_settings(cfg, **world), embedder=HashEmbedder(64),
                          analyzer=SyllableAnalyzer())


def ingest(world: dict[str, Any], *documents: tuple[str, str, str, str], removed: bool = False,
           sequencer: str = "01") -> None:
    cfg = settings()
    handler = create_ingest_handler(settings=cfg, clients=AwsClients.for_settings(cfg, **world),
                                    embedder=HashEmbedder(64), analyzer=SyllableAnalyzer())
    for key, _, title, text in documents:
        if not removed:
            world["s3"].put_object(Bucket=BUCKET, Key=key, Body=text.encode(), Metadata={"title": "x"})
            world["s3"].put_object(Bucket=BUCKET, Key=key + ".meta.json", Body=json.dumps({"title": title}).encode())
    bodies = [s3_body(key, removed=removed, sequencer=sequencer) for key, *_ in documents]
    assert handler(sqs_event(*bodies), None) == {"batchItemFailures": []}


def snapshot(world: dict[str, Any], tmp_path: Path) -> tuple[SyllableCounts, dict]:
    data = world["s3"].get_object(Bucket=BUCKET, Key="_index/" + SNAPSHOT)["Body"].read()
    path = tmp_path / "syllables.snapshot"
    path.write_bytes(data)
    import gzip

    return SyllableCounts.load(path), json.loads(gzip.decompress(data))


def test_ingest_publishes_a_snapshot_that_query_functions_restore_and_resolve_with(world, tmp_path: Path) -> None:
    ingest(world, DAT_DAI, NHA_O)
    counts, payload = snapshot(world, tmp_path)  # SyllableCounts.dump's format
    assert counts.unigrams["thửa"] == 2 and counts.unigrams["nhà"] >= 5
    assert [d for d, *_ in payload["documents"]] == ["luat-dat-dai-md", "luat-nha-o-md"]

    core = function(world)  # a query function's cold start
    core.resources.refresh()
    assert core.resources.load_ms is not None and core.resources.size_bytes > 0
    retriever = core.answerer.retriever
    query, _ = retriever.analyze("trach nhiem cua nha nuoc doi voi dat dai")
    assert query.text == "trách nhiệm của nhà nước đối với đất đai"
    assert query.restored_from == "trach nhiem cua nha nuoc doi voi dat dai"
    assert retriever.analyze("Trách nhiệm của Nhà nước")[0].restored_from is None  # accented: as typed

    for question in ("Điều 2 Luật Nhà ở quy định gì?", "dieu 2 luat nha o quy dinh gi"):
        query, _ = retriever.analyze(question)
        [ref] = query.article_refs
        assert (ref.article, ref.document_ids) == ("2", frozenset({"luat-nha-o-md"}))
        first = retriever.retrieve(question, filter=EVERYTHING, k=3).hits[0].chunk
        assert (first.document_id, first.article) == ("luat-nha-o-md", "2")


def test_delete_takes_the_document_out_of_counts_and_catalogue(world, tmp_path: Path) -> None:
    ingest(world, DAT_DAI, NHA_O)
    before, _ = snapshot(world, tmp_path)
    reader = function(world, corpus_stats_refresh_minutes=0).resources
    assert reader().catalogue is not None and reader.version == 2

    ingest(world, DAT_DAI, removed=True, sequencer="02")
    after, payload = snapshot(world, tmp_path)
    assert "thửa" not in after.unigrams and after.unigrams["nhà"] < before.unigrams["nhà"]
    assert sum(after.unigrams.values()) < sum(before.unigrams.values())
    assert [d for d, *_ in payload["documents"]] == ["luat-nha-o-md"] and payload["version"] == 3
    assert sorted(S3CorpusStats(BUCKET, client=world["s3"]).state()["documents"]) == ["luat-nha-o-md"]
    assert reader().catalogue.size == 1  # gone from the catalogue too
    assert reader.version == 3
    keys = [o["Key"] for o in world["s3"].list_objects_v2(Bucket=BUCKET, Prefix="_index/")["Contents"]]
    assert not any("luat-dat-dai" in k for k in keys)  # its contribution object is gone as well


def chunk(document_id: str, ordinal: int, text: str, article: str | None = None) -> Chunk:
    return Chunk(id=f"{document_id}-{ordinal}-{abs(hash(text))}", document_id=document_id, ordinal=ordinal,
                 text=text, headings=(), article=article, title=f"Văn bản {document_id}")


def test_totals_always_equal_a_recount_of_the_current_documents(s3) -> None:
    stats = S3CorpusStats(BUCKET, client=s3)
    a1 = [chunk("a", 0, "quyền sử dụng đất", "1"), chunk("a", 1, "thửa đất liền kề", "2")]
    a2 = [chunk("a", 0, "quyền sở hữu nhà ở", "1")]
    b = [chunk("b", 0, "nghỉ phép năm mười hai ngày")]
    stats.set_document("a", a1)
    stats.set_document("b", b)
    stats.set_document("a", a1)  # a redelivered event: counted once
    assert stats.counts().unigrams == SyllableCounts.of_texts(c.passage for c in a1 + b).unigrams
    stats.set_document("a", a2)  # replaced: the old version's counts leave
    assert stats.counts().bigrams == SyllableCounts.of_texts(c.passage for c in a2 + b).bigrams
    stats.add_chunks("b", [*b, chunk("b", 1, "làm việc từ xa")])  # an upsert: the known chunk is not recounted
    stats.remove_document("a")
    stats.remove_document("a")  # twice: nothing more leaves
    expected = SyllableCounts.of_texts(["nghỉ phép năm mười hai ngày", "làm việc từ xa"])
    assert (stats.counts().unigrams, stats.counts().bigrams) == (expected.unigrams, expected.bigrams)
    assert sorted(stats.state()["documents"]) == ["b"]


def test_concurrent_writers_never_lose_an_update(s3) -> None:
    """Writer B commits between writer A's read and A's conditional PUT: A reads again and reapplies."""
    a, b = S3CorpusStats(BUCKET, client=s3), S3CorpusStats(BUCKET, client=s3)
    a.set_document("seed", [chunk("seed", 0, "văn bản đầu tiên")])
    real_put, raced = s3.put_object, threading.Event()

    class Racing:
        def __getattr__(self, name: str) -> Any:
            return getattr(s3, name)

        def put_object(self, **kwargs: Any) -> Any:
            if kwargs["Key"] == "_index/" + STATE and not raced.is_set():
                raced.set()
                b.set_document("b", [chunk("b", 0, "quy chế nghỉ phép")])
            return real_put(**kwargs)

    a._client = Racing()
    a.set_document("a", [chunk("a", 0, "luật đất đai")])
    state = a.state()
    assert raced.is_set() and sorted(state["documents"]) == ["a", "b", "seed"] and state["version"] == 3
    expected = SyllableCounts.of_texts(["văn bản đầu tiên", "quy chế nghỉ phép", "luật đất đai"])
    assert a.counts().unigrams == expected.unigrams
    published = json.loads(__import__("gzip").decompress(
        s3.get_object(Bucket=BUCKET, Key="_index/" + SNAPSHOT)["Body"].read()))
    assert published["version"] == 3  # the newest state, never an older one over it


def test_reader_checks_at_most_every_interval_and_survives_s3_trouble(s3, monkeypatch) -> None:
    now = [0.0]
    reader = S3QueryResources(BUCKET, client=s3, refresh_seconds=300, clock=lambda: now[0])
    assert reader().restorer is None and reader().catalogue is None  # nothing published yet: no error
    writer = S3CorpusStats(BUCKET, client=s3)
    writer.set_document("a", [chunk("a", 0, "quyền sử dụng đất", "7")])
    assert reader().restorer is None  # checked less than 5 minutes ago
    now[0] = 301.0
    assert reader().restorer.restore("quyen su dung dat") == "quyền sử dụng đất" and reader.version == 1
    calls = []
    monkeypatch.setattr(s3, "get_object", lambda **kw: calls.append(kw) or (_ for _ in ()).throw(
        RuntimeError("S3 is down")))
    now[0] = 700.0
    assert reader().restorer is not None and calls  # kept what it had
    reader.invalidate()
    assert reader().catalogue is not None and len(calls) == 2


def test_unchanged_snapshot_is_not_downloaded_again(s3) -> None:
    S3CorpusStats(BUCKET, client=s3).set_document("a", [chunk("a", 0, "quyền sử dụng đất")])
    reader = S3QueryResources(BUCKET, client=s3, refresh_seconds=0)
    assert reader.refresh() is True
    first = reader()
    assert reader.refresh() is False and reader() is first  # 304 Not Modified


def test_query_function_loads_the_snapshot_at_cold_start(world) -> None:
    ingest(world, NHA_O)
    cfg = settings()
    app = create_aws_app(settings=cfg, clients=AwsClients.for_settings(cfg, **world), embedder=HashEmbedder(64),
                         analyzer=SyllableAnalyzer())
    resources = app.state.services.queries.answerer.retriever.resources
    assert resources.version == 1 and resources.load_ms < 1000


def test_internal_objects_are_never_ingested(world) -> None:
    cfg = settings(drop_prefix="")
    handler = create_ingest_handler(settings=cfg, clients=AwsClients.for_settings(cfg, **world),
                                    embedder=HashEmbedder(64), analyzer=SyllableAnalyzer())
    world["s3"].put_object(Bucket=BUCKET, Key="_index/syllables.snapshot", Body=b"x")
    assert handler(sqs_event(s3_body("_index/syllables.snapshot")), None) == {"batchItemFailures": []}
    assert function(world).store.get_document("index-syllables-snapshot") is None
