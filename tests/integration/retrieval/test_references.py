"""Explicit references: parsing, resolution against the catalogue, and the named article ranked first."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from shared.domain.models import AccessLevel, ArticleRef, SearchFilter
from shared.services.ingestion import TextSource
from shared.services.retrieval.references import DocumentCatalogue, key, parse_articles
from shared.services.retrieval.retriever import Retriever
from tests.fakes.small_index import small_index

EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)
ROOT = Path(__file__).resolve().parents[3]
CORPUS = Path("/work/shared/data/vi-legal-dev/corpus.jsonl")

# (document id, title, articles): one document per law here, like a law ingested as one file.
DOCUMENTS = [
    ("blds", "Bộ luật dân sự", ["1", "5", "118"]),
    ("blhs", "01/VBHN-VPQH", ["5", "33", "51"]),
    ("dat", "Luật Đất đai số 45/2013/QH13", ["3", "5"]),
    ("nd37", "37/2015/NĐ-CP, Điều 5", ["5"]),
    ("noiquy", "Nội quy công ty", ["77"]),
]


@pytest.fixture(scope="module")
def catalogue() -> DocumentCatalogue:
    return DocumentCatalogue((d, [title], articles) for d, title, articles in DOCUMENTS)


def refs(catalogue: DocumentCatalogue, question: str) -> list[tuple[str, set[str]]]:
    return [(r.article, set(r.document_ids)) for r in catalogue.resolve(question)]


@pytest.mark.parametrize(("question", "expected"), [
    ("Điều 118 Bộ luật dân sự quy định gì?", [("118", {"blds"})]),
    ("khoản 2 Điều 5 Nghị định 37/2015/NĐ-CP", [("5", {"nd37"})]),
    ("Luật số 45/2013/QH13 Điều 3", [("3", {"dat"})]),
    ("điều 51 BLHS", [("51", {"blhs"})]),
    ("dieu 51 bo luat hinh su", [("51", {"blhs"})]),
    ("Điều 33 Bộ luật hình sự 2015 quy định gì?", [("33", {"blhs"})]),
    ("Điều 5 NĐ 37/2015", [("5", {"nd37"})]),  # abbreviated type, number without its suffix
    ("Điều 3 và Điều 5 Luật đất đai", [("3", {"dat"}), ("5", {"dat"})]),
    ("Điều 3, 5 Luật Đất đai 2013", [("3", {"dat"}), ("5", {"dat"})]),
    ("Theo Điều 5 BLDS và Điều 33 BLHS", [("5", {"blds"}), ("33", {"blhs"})]),
    ("Điều 77 quy định gì?", [("77", {"noiquy"})]),  # only one document has an article 77
])
def test_resolves_named_articles(catalogue: DocumentCatalogue, question: str, expected: list) -> None:
    assert refs(catalogue, question) == expected


@pytest.mark.parametrize("question", [
    "Điều 5 quy định gì?",  # several documents have an article 5, none is named
    "Điều 999 Bộ luật dân sự",  # not in the index
    "Người phạm tội theo quy định tại Điều 51 của Bộ luật này thì bị phạt thế nào?",  # cross-reference
    "Điều kiện cấp giấy phép theo Luật đất đai",  # no article at all
    "Bộ luật dân sự quy định gì về thừa kế?",
])
def test_ignores_what_names_no_indexed_article(catalogue: DocumentCatalogue, question: str) -> None:
    assert catalogue.resolve(question) == ()


def test_parses_clause_and_point() -> None:
    [mention] = parse_articles(key("điểm đ khoản 2 Điều 5 Nghị định 37/2015/NĐ-CP"))
    assert (mention.article, mention.clause, mention.point) == ("5", "2", "d")
    [after] = parse_articles(key("Điều 5 khoản 3 BLDS"))
    assert (after.article, after.clause) == ("5", "3")


def test_catalogue_from_article_titles() -> None:
    from shared.domain.models import Chunk

    chunks = [Chunk(id="x", document_id="alqac22-01-vbhn-vpqh-170", ordinal=0, text="...", article="170",
                    title="01/VBHN-VPQH, Điều 170", headings=("01/VBHN-VPQH, Điều 170",))]
    catalogue = DocumentCatalogue.from_chunks(chunks)
    assert catalogue.resolve("điều 170 BLHS") == (ArticleRef("170", frozenset({"alqac22-01-vbhn-vpqh-170"})),)


@pytest.fixture
def retriever(tmp_path: Path) -> Retriever:
    small = small_index(tmp_path)
    small.ingest([
        TextSource("blds", "Bộ luật dân sự", "Điều 1. Phạm vi điều chỉnh\nBộ luật này quy định địa vị pháp lý.\n"
                   "Điều 2. Công nhận quyền dân sự\nQuyền dân sự được công nhận, tôn trọng, bảo vệ.\n"),
        TextSource("blhs", "Bộ luật hình sự", "Điều 1. Nhiệm vụ\nBộ luật hình sự có nhiệm vụ bảo vệ quyền dân sự.\n"
                   "Điều 2. Cơ sở của trách nhiệm hình sự\nChỉ người nào phạm một tội mới phải chịu trách nhiệm.\n",
                   access_level=AccessLevel.RESTRICTED),
    ])
    return small.retriever(with_resources=True)


@pytest.mark.parametrize("mode", ["hybrid", "bm25", "dense"])
def test_named_article_ranks_first(retriever: Retriever, mode: str) -> None:
    hits = retriever.retrieve("quyền dân sự theo Điều 1 BLHS", filter=EVERYTHING, k=3, mode=mode).hits
    assert (hits[0].chunk.document_id, hits[0].chunk.article) == ("blhs", "1")
    hits = retriever.retrieve("dieu 2 bo luat dan su", filter=EVERYTHING, k=3, mode=mode).hits
    assert (hits[0].chunk.document_id, hits[0].chunk.article) == ("blds", "2")


def test_named_article_never_bypasses_the_filter(retriever: Retriever) -> None:
    hits = retriever.retrieve("Điều 2 Bộ luật hình sự", filter=SearchFilter(AccessLevel.PUBLIC), k=5).hits
    assert hits and all(h.chunk.document_id == "blds" for h in hits)


def _bench():
    spec = importlib.util.spec_from_file_location("explicit_refs", ROOT / "bench" / "explicit_refs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(spec.name, module)  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(not CORPUS.exists(), reason="vi-legal-dev corpus not present")
def test_generated_reference_questions_on_a_corpus_slice(tmp_path: Path) -> None:
    bench = _bench()
    rows = bench.load_corpus_rows(CORPUS)[::12]
    questions = bench.generate(rows, sample=60)
    assert {q.kind for q in questions} == {"name", "number", "abbreviation", "unaccented"}
    small = small_index(tmp_path)
    small.ingest([TextSource(r["doc_id"], r["title"], r["text"], document_type="law") for r in rows])
    retriever = small.retriever(with_resources=True)
    first = [retriever.retrieve(q.text, filter=EVERYTHING, k=1).hits[0].chunk.document_id == q.relevant
             for q in questions]
    assert sum(first) / len(first) >= 0.95


def test_boost_can_be_turned_off(tmp_path: Path) -> None:
    small = small_index(tmp_path, reference_boost=0)
    small.ingest([
        TextSource("a", "Bộ luật dân sự", "Điều 1. Phạm vi\nQuy định chung.\nĐiều 2. Thừa kế\nThừa kế tài sản."),
    ])
    retriever = small.retriever(with_resources=True)
    assert retriever.retrieve("thừa kế tài sản Điều 1 BLDS", filter=EVERYTHING, k=1).hits[0].chunk.article == "2"
