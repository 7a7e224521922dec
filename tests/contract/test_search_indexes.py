from pathlib import Path

import pytest

from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.domain.errors import ModelUnavailable
from tests.contract.search_index_contract import (
    ANALYZER,
    EMBEDDER,
    EVERYTHING,
    SearchIndexContract,
    make_chunk,
    query,
    vectors,
)
from tests.fakes.search_index import InMemorySearchIndex


def open_local(path: Path) -> LocalSearchIndex:
    return LocalSearchIndex(path, analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                            weights=Weights(lexical=0.35, folded=0.15, dense=0.5))


class TestLocalSearchIndex(SearchIndexContract):
    @pytest.fixture
    def index(self, tmp_path: Path) -> LocalSearchIndex:
        return open_local(tmp_path / "index.sqlite")

    def test_persists_across_restarts(self, tmp_path: Path) -> None:
        chunks = [make_chunk("a", 0, "hợp đồng lao động")]
        open_local(tmp_path / "i.sqlite").upsert(chunks, vectors(chunks))
        reopened = open_local(tmp_path / "i.sqlite")
        assert reopened.search(query("hợp đồng"), k=1, filter=EVERYTHING)[0].chunk == chunks[0]

    def test_sees_writes_of_another_process(self, tmp_path: Path) -> None:
        reader, writer = open_local(tmp_path / "i.sqlite"), open_local(tmp_path / "i.sqlite")
        assert reader.search(query("hợp đồng"), k=1, filter=EVERYTHING) == []
        chunks = [make_chunk("a", 0, "hợp đồng lao động")]
        writer.upsert(chunks, vectors(chunks))
        assert len(reader.search(query("hợp đồng"), k=1, filter=EVERYTHING)) == 1

    def test_replace_rejects_chunks_of_another_document(self, index: LocalSearchIndex) -> None:
        chunks = [make_chunk("b", 0, "x")]
        with pytest.raises(ValueError):
            index.replace_document("a", chunks, vectors(chunks))


def test_refuses_to_mix_embedding_models(tmp_path: Path) -> None:
    chunks = [make_chunk("a", 0, "hợp đồng")]
    first = LocalSearchIndex(tmp_path / "i.sqlite", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                             weights=Weights(0.35, 0.15, 0.5), model_id="model-a")
    first.upsert(chunks, vectors(chunks))
    with pytest.raises(ModelUnavailable, match="model-a"):
        LocalSearchIndex(tmp_path / "i.sqlite", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                         weights=Weights(0.35, 0.15, 0.5), model_id="model-b")


class TestInMemorySearchIndex(SearchIndexContract):
    """The unit tests' fake keeps the promises of the real adapters."""

    @pytest.fixture
    def index(self) -> InMemorySearchIndex:
        return InMemorySearchIndex(ANALYZER)


class TestOpenSearchSearchIndexOnFake(SearchIndexContract):
    """The same contract on the OpenSearch adapter, served by an in-memory fake behind the real client."""

    @pytest.fixture
    def index(self):
        from shared.adapters.aws.opensearch.index import OpenSearchSearchIndex
        from tests.fakes.clock import FakeClock
        from tests.fakes.opensearch import fake_opensearch

        client, _ = fake_opensearch()
        index = OpenSearchSearchIndex(client, index="chunks", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                                      model_id=EMBEDDER.model_id, weights=Weights(0.35, 0.15, 0.5),
                                      clock=(clock := FakeClock()), sleep=clock.sleep)
        index.ensure_index()
        return index


class TestOpenSearchServerlessSearchIndexOnFake(SearchIndexContract):
    """The contract in Serverless mode: generated ids, no delete-by-query (the fake refuses both)."""

    @pytest.fixture
    def index(self):
        from shared.adapters.aws.opensearch.index import OpenSearchSearchIndex
        from tests.fakes.clock import FakeClock
        from tests.fakes.opensearch import fake_opensearch

        client, _ = fake_opensearch(serverless=True)
        index = OpenSearchSearchIndex(client, index="chunks", analyzer=ANALYZER, dimension=EMBEDDER.dimension,
                                      model_id=EMBEDDER.model_id, weights=Weights(0.35, 0.15, 0.5), serverless=True,
                                      clock=(clock := FakeClock()), sleep=clock.sleep)
        index.ensure_index()
        return index
