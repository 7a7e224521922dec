"""The local index across format changes, crashes and concurrent processes.

Migration: a file of the earlier format (one chunks table keyed by id) is searchable after opening,
with the same chunks and counts; a file of a later format is refused with what to do. Crash safety:
the lexical directory is derived, so losing it, a write that never reached it, or a crash between its
commit and the note of what it applied leave every search correct. Concurrency: searches in one
process see each replaced document whole (old or new, never both, never neither) while another
process replaces it, and a write of another process is searchable within a second.
"""

from __future__ import annotations

import json
import multiprocessing
import shutil
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.domain.errors import DependencyUnavailable
from shared.domain.models import AccessLevel, SearchFilter
from tests.contract.search_index_contract import (
    ANALYZER,
    EMBEDDER,
    EVERYTHING,
    make_chunk,
    query,
    vectors,
)

WEIGHTS = Weights(lexical=0.35, folded=0.15, dense=0.5)

# The format written before rows were numbered (what `vnrag serve` data directories hold).
FORMAT_1 = """
CREATE TABLE chunks (
    id TEXT PRIMARY KEY, document_id TEXT NOT NULL, ordinal INTEGER NOT NULL, text TEXT NOT NULL,
    headings TEXT NOT NULL, article TEXT, title TEXT NOT NULL, document_type TEXT NOT NULL,
    access_level INTEGER NOT NULL, terms TEXT NOT NULL, folded TEXT NOT NULL, vector BLOB NOT NULL
);
CREATE INDEX chunks_by_document ON chunks(document_id, ordinal);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE syllable_unigrams (form TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE syllable_bigrams (pair TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
"""


def open_index(path: Path) -> LocalSearchIndex:
    return LocalSearchIndex(path, analyzer=ANALYZER, dimension=EMBEDDER.dimension, weights=WEIGHTS,
                            model_id=EMBEDDER.model_id)


def texts(index: LocalSearchIndex, question: str, k: int = 20, level: AccessLevel = AccessLevel.RESTRICTED) -> list:
    return sorted(h.chunk.text for h in index.search(query(question), k=k, filter=SearchFilter(level)))


def write_format_1(path: Path, chunks) -> None:
    db = sqlite3.connect(path)
    db.executescript(FORMAT_1)
    db.execute("INSERT INTO meta VALUES ('embedding_model', ?)", (f"{EMBEDDER.model_id}/{EMBEDDER.dimension}",))
    db.executemany("INSERT INTO chunks VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                   [(c.id, c.document_id, c.ordinal, c.text, json.dumps(c.headings, ensure_ascii=False), c.article,
                     c.title, c.document_type, int(c.access_level), " ".join(ANALYZER.index_terms(c.passage)),
                     " ".join(ANALYZER.folded_terms(c.passage)), v.tobytes())
                    for c, v in zip(chunks, vectors(chunks), strict=True)])
    db.commit()
    db.close()


# -- migration ----------------------------------------------------------------------------------------
def test_a_format_1_file_is_migrated_when_opened(tmp_path: Path) -> None:
    chunks = [make_chunk("luat", i, f"điều {i} về hợp đồng lao động") for i in range(3)]
    chunks.append(make_chunk("mat", 0, "hợp đồng lao động mật", level=AccessLevel.CONFIDENTIAL))
    write_format_1(tmp_path / "index.sqlite", chunks)

    index = open_index(tmp_path / "index.sqlite")

    assert index.count() == 4
    assert index.document_chunks("luat") == chunks[:3]
    assert texts(index, "hợp đồng lao động") == sorted(c.text for c in chunks)
    assert texts(index, "hợp đồng lao động", level=AccessLevel.PUBLIC) == sorted(c.text for c in chunks[:3])
    assert index.syllable_counts().unigrams["đồng"] == 4  # counted once from the migrated passages
    index.replace_document("luat", chunks[:1], vectors(chunks[:1]))  # and it takes writes as any index
    assert texts(index, "hợp đồng", level=AccessLevel.PUBLIC) == [chunks[0].text]
    index.close()
    reopened = open_index(tmp_path / "index.sqlite")  # migrated once: a second open changes nothing
    assert reopened.count() == 2


def test_a_file_of_a_later_format_is_refused_with_what_to_do(tmp_path: Path) -> None:
    db = sqlite3.connect(tmp_path / "index.sqlite")
    db.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
    db.execute("INSERT INTO meta VALUES ('index_format', '99')")
    db.commit()
    db.close()
    with pytest.raises(DependencyUnavailable, match="format 99.*upgrade vnrag.*VNRAG_DATA_DIR"):
        open_index(tmp_path / "index.sqlite")


# -- crash safety ---------------------------------------------------------------------------------------
def lexical_dir(tmp_path: Path) -> Path:
    return tmp_path / "index.lexical"


def test_a_lost_or_corrupt_lexical_directory_is_rebuilt(tmp_path: Path) -> None:
    chunks = [make_chunk(f"d{i}", 0, f"quyền sử dụng đất số {i}") for i in range(5)]
    index = open_index(tmp_path / "index.sqlite")
    index.upsert(chunks, vectors(chunks))
    want = texts(index, "quyền sử dụng đất")
    index.close()
    del index

    shutil.rmtree(lexical_dir(tmp_path))
    assert texts(open_index(tmp_path / "index.sqlite"), "quyền sử dụng đất") == want

    for f in lexical_dir(tmp_path).iterdir():  # every file garbled, meta.json included
        if f.is_file():
            f.write_bytes(b"\x00garbage")
    assert texts(open_index(tmp_path / "index.sqlite"), "quyền sử dụng đất") == want


def _write_then_die(path: str, text: str) -> None:
    """A process that commits a write and is killed before it applies it to the lexical index."""
    import os

    index = open_index(Path(path))
    chunks = [make_chunk("new", 0, text)]
    index.upsert(chunks, vectors(chunks))  # committed to SQLite; the lexical follower runs every 0.1 s
    os._exit(0)


def test_a_write_committed_just_before_a_crash_is_searchable_after_it(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    open_index(path).close()
    process = multiprocessing.get_context("spawn").Process(target=_write_then_die,
                                                            args=(str(path), "giấy phép lái xe"))
    process.start()
    process.join(60)
    assert process.exitcode == 0
    assert texts(open_index(path), "giấy phép lái xe") == ["giấy phép lái xe"]


def test_a_crash_after_the_lexical_commit_replays_without_duplicates(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    index = open_index(path)
    first = [make_chunk("a", 0, "thuế thu nhập cá nhân"), make_chunk("b", 0, "thuế giá trị gia tăng")]
    index.upsert(first, vectors(first))
    index.search(query("thuế"), k=1, filter=EVERYTHING)  # applied
    stale = (lexical_dir(tmp_path) / "applied.json").read_text()
    index.delete_document("b")
    second = [make_chunk("c", 0, "thuế tiêu thụ đặc biệt")]
    index.upsert(second, vectors(second))
    index.search(query("thuế"), k=1, filter=EVERYTHING)  # applied, then "crash" before noting it:
    index.close()
    del index
    (lexical_dir(tmp_path) / "applied.json").write_text(stale)

    reopened = open_index(path)
    assert texts(reopened, "thuế") == ["thuế thu nhập cá nhân", "thuế tiêu thụ đặc biệt"]
    hits = reopened.search(query("thuế", "bm25"), k=10, filter=EVERYTHING)
    assert len(hits) == len({h.chunk.id for h in hits}) == 2


def test_a_failed_replace_leaves_the_previous_version_whole(tmp_path: Path) -> None:
    index = open_index(tmp_path / "index.sqlite")
    old = [make_chunk("a", i, f"phiên bản cũ đoạn {i}") for i in range(3)]
    index.upsert(old, vectors(old))
    new = [make_chunk("a", 0, "phiên bản mới")]
    with pytest.raises(ValueError):
        index.replace_document("a", new, vectors(new)[:, :5])  # wrong shape: fails inside the transaction
    assert texts(index, "phiên bản") == sorted(c.text for c in old)


# -- concurrency -----------------------------------------------------------------------------------------
VERSIONS = 12


def _replace_versions(path: str, started) -> None:
    index = open_index(Path(path))
    started.set()
    for version in range(1, VERSIONS + 1):
        chunks = [make_chunk("doc", i, f"quy chế nội bộ phiên bản v{version} phần {i}") for i in range(3)]
        index.replace_document("doc", chunks, vectors(chunks))
        time.sleep(0.05)


def test_searches_see_a_document_replaced_by_another_process_whole(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    reader = open_index(path)  # holds the lexical writer lock: it applies the other process's writes
    first = [make_chunk("doc", i, f"quy chế nội bộ phiên bản v0 phần {i}") for i in range(3)]
    reader.upsert(first, vectors(first))
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    writer = context.Process(target=_replace_versions, args=(str(path), started))
    writer.start()
    assert started.wait(60)
    seen: set[str] = set()
    deadline = time.monotonic() + 60
    while (writer.is_alive() or len(seen) < 2) and time.monotonic() < deadline:
        for mode in ("hybrid", "bm25", "dense"):
            hits = reader.search(query("quy chế nội bộ phiên bản", mode), k=10, filter=EVERYTHING)
            versions = {h.chunk.text.split()[6] for h in hits}
            assert len(hits) == 3 and len(versions) == 1, [h.chunk.text for h in hits]
            seen |= versions
    writer.join(60)
    assert writer.exitcode == 0
    assert len(seen) >= 2  # the searches did run while versions changed
    assert texts(reader, "quy chế") == [f"quy chế nội bộ phiên bản v{VERSIONS} phần {i}" for i in range(3)]


def _upsert_one(path: str, text: str) -> None:
    index = open_index(Path(path))
    chunks = [make_chunk("other", 0, text)]
    index.upsert(chunks, vectors(chunks))


def test_a_write_of_another_process_is_searchable_within_a_second(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite"
    reader = open_index(path)
    process = multiprocessing.get_context("spawn").Process(target=_upsert_one, args=(str(path), "bảo hiểm y tế"))
    process.start()
    process.join(60)
    assert process.exitcode == 0
    started = time.monotonic()
    assert texts(reader, "bảo hiểm y tế") == ["bảo hiểm y tế"]
    assert time.monotonic() - started < 1.0


def test_threads_searching_during_writes_never_see_half_a_replacement(tmp_path: Path) -> None:
    index = open_index(tmp_path / "index.sqlite")
    first = [make_chunk("doc", i, f"nội quy lao động bản v0 mục {i}") for i in range(4)]
    index.upsert(first, vectors(first))
    failures: list[str] = []
    stop = threading.Event()

    def search() -> None:
        while not stop.is_set():
            hits = index.search(query("nội quy lao động"), k=10, filter=EVERYTHING)
            versions = {h.chunk.text.split()[5] for h in hits}
            if len(hits) != 4 or len(versions) != 1:
                failures.append(repr([h.chunk.text for h in hits]))

    threads = [threading.Thread(target=search) for _ in range(3)]
    for t in threads:
        t.start()
    for version in range(1, 15):
        chunks = [make_chunk("doc", i, f"nội quy lao động bản v{version} mục {i}") for i in range(4)]
        index.replace_document("doc", chunks, vectors(chunks))
    stop.set()
    for t in threads:
        t.join(30)
    assert failures == []


def test_a_slow_resource_rebuild_runs_behind_the_questions(tmp_path: Path, monkeypatch) -> None:
    import shared.adapters.local.search_index as local_index

    index = open_index(tmp_path / "index.sqlite")
    chunks = [make_chunk("a", 0, "giấy phép xây dựng")]
    index.upsert(chunks, vectors(chunks))
    before = index.query_resources()
    assert before.restorer.restore("giay phep") == "giấy phép"
    monkeypatch.setattr(local_index, "_INLINE_RESOURCES_S", 0.0)  # as if the last build were slow
    more = [make_chunk("b", 0, "giấy phép lái xe")]
    index.upsert(more, vectors(more))
    assert index.query_resources() is before  # the question goes on with the previous resources
    deadline = time.monotonic() + 10
    while index.query_resources() is before and time.monotonic() < deadline:
        time.sleep(0.02)
    assert index.query_resources().restorer.restore("giay phep lai xe") == "giấy phép lái xe"


def test_one_id_twice_in_a_batch_keeps_the_last(tmp_path: Path) -> None:
    index = open_index(tmp_path / "index.sqlite")
    chunks = [make_chunk("a", 0, "bản nháp"), make_chunk("a", 0, "bản cuối cùng")]
    index.upsert(chunks, vectors(chunks))
    assert index.count() == 1 and texts(index, "bản") == ["bản cuối cùng"]
