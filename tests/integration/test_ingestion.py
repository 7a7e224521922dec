"""The ingest pipeline on the real local adapters, with the hash embedder and the syllable analyzer."""

from pathlib import Path

import pytest

from shared.adapters.local.hash_embedder import HashEmbedder
from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.adapters.local.sqlite_store import SqliteDocumentStore
from shared.domain.models import AccessLevel, DocumentStatus, SearchFilter
from shared.services.ingestion import Ingestor, TextSource
from tests.contract.search_index_contract import query
from tests.fakes.analyzer import SyllableAnalyzer

EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)
LAW = """LUẬT THỬ NGHIỆM

Chương I
NHỮNG QUY ĐỊNH CHUNG

Điều 1. Phạm vi điều chỉnh
Luật này quy định về việc cấp giấy phép xây dựng nhà ở riêng lẻ.

Điều 2. Thời hạn cấp giấy phép
Thời hạn cấp giấy phép là 15 ngày kể từ ngày nhận đủ hồ sơ hợp lệ.
"""


@pytest.fixture
def ingestor(tmp_path: Path) -> Ingestor:
    embedder = HashEmbedder(dimension=64)
    index = LocalSearchIndex(tmp_path / "i.sqlite", analyzer=SyllableAnalyzer(), dimension=64,
                             weights=Weights(0.35, 0.15, 0.5))
    return Ingestor(embedder=embedder, index=index, store=SqliteDocumentStore(tmp_path / "s.sqlite"),
                    max_document_bytes=10_000)


def test_file_is_indexed_with_structure(ingestor: Ingestor) -> None:
    doc = ingestor.ingest_file("luat.txt", LAW.encode(), document_id="luat", title="Luật thử nghiệm",
                               access_level=AccessLevel.INTERNAL)
    assert doc.status is DocumentStatus.INDEXED and doc.chunk_count >= 2
    hit = ingestor.index.search(query("thời hạn cấp giấy phép"), k=1, filter=EVERYTHING)[0]
    assert hit.chunk.article == "2" and "Điều 2" in hit.chunk.heading_path
    assert hit.chunk.access_level is AccessLevel.INTERNAL


def test_same_bytes_twice_is_a_no_op(ingestor: Ingestor) -> None:
    first = ingestor.ingest_file("luat.txt", LAW.encode(), document_id="luat")
    second = ingestor.ingest_file("luat.txt", LAW.encode(), document_id="luat")
    assert first.updated_at == second.updated_at


def test_changed_file_replaces_the_old_version(ingestor: Ingestor) -> None:
    ingestor.ingest_file("luat.txt", LAW.encode(), document_id="luat")
    ingestor.ingest_file("luat.txt", "Điều 1. Nội dung thay thế hoàn toàn mới".encode(), document_id="luat")
    texts = {h.chunk.text for h in ingestor.index.search(query("giấy phép nội dung"), k=10, filter=EVERYTHING)}
    assert not any("15 ngày" in t for t in texts)
    assert any("thay thế" in t for t in texts)


@pytest.mark.parametrize(("name", "data", "code"), [
    ("x.exe", b"MZ...", "unsupported"),
    ("empty.txt", b"", "empty"),
    ("big.txt", "chữ ".encode() * 5000, "large"),
])
def test_bad_file_is_recorded_as_failed(ingestor: Ingestor, name: str, data: bytes, code: str) -> None:
    doc = ingestor.ingest_file(name, data, document_id="bad")
    assert doc.status is DocumentStatus.FAILED and doc.error
    assert ingestor.store.get_document("bad").status is DocumentStatus.FAILED


def test_failed_reingest_keeps_the_previous_version_searchable(ingestor: Ingestor) -> None:
    ingestor.ingest_file("luat.txt", LAW.encode(), document_id="luat", access_level=AccessLevel.RESTRICTED)
    doc = ingestor.ingest_file("luat.pdf", b"%PDF-broken", document_id="luat", access_level=AccessLevel.PUBLIC)
    assert doc.status is DocumentStatus.FAILED and doc.chunk_count >= 2
    assert doc.access_level is AccessLevel.RESTRICTED  # never advertises the kept chunks lower than they are
    assert ingestor.index.search(query("giấy phép"), k=1, filter=EVERYTHING)


def test_delete_removes_chunks_and_record(ingestor: Ingestor) -> None:
    ingestor.ingest_file("luat.txt", LAW.encode(), document_id="luat")
    assert ingestor.delete("luat") is True
    assert ingestor.index.search(query("giấy phép"), k=5, filter=EVERYTHING) == []
    assert ingestor.store.get_document("luat") is None
    assert ingestor.delete("luat") is False


def test_ingest_texts_reports_progress(ingestor: Ingestor) -> None:
    seen: list[int] = []
    docs = ingestor.ingest_texts([TextSource(f"d{i}", f"Văn bản {i}", f"Nội dung số {i} về thuế") for i in range(5)],
                                 progress=seen.append)
    assert sum(seen) == 5 and all(d.status is DocumentStatus.INDEXED for d in docs)


class CrashingEmbedder(HashEmbedder):
    def embed_passages(self, texts):
        raise RuntimeError("the model process died")


def test_embedder_crash_on_reingest_keeps_the_old_version_and_records_why(ingestor: Ingestor) -> None:
    ingestor.ingest_file("luat.txt", LAW.encode(), document_id="luat")
    broken = Ingestor(embedder=CrashingEmbedder(dimension=64), index=ingestor.index, store=ingestor.store)
    with pytest.raises(RuntimeError):
        broken.ingest_file("luat.txt", LAW.encode() + "\nĐiều 3. Hiệu lực\nLuật này có hiệu lực.".encode(),
                           document_id="luat")
    record = ingestor.store.get_document("luat")
    assert record.status is DocumentStatus.FAILED and "RuntimeError" in record.error
    hits = ingestor.index.search(query("thời hạn cấp giấy phép"), k=10, filter=EVERYTHING)
    assert {"1", "2"} <= {h.chunk.article for h in hits}  # the old version, whole ...
    assert "3" not in {h.chunk.article for h in hits}  # ... and nothing of the new one
