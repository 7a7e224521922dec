"""Questions that differ only in encoding or typing search identically; questions with marks are never
rewritten, questions without them are restored."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from shared.adapters.local.hash_embedder import HashEmbedder
from shared.adapters.local.search_index import LocalSearchIndex, Weights
from shared.adapters.local.sqlite_store import SqliteDocumentStore
from shared.domain.errors import ModelUnavailable
from shared.domain.models import AccessLevel, SearchFilter, SearchQuery
from shared.services.ingestion import Ingestor, TextSource
from shared.services.retrieval.retriever import Retriever
from shared.services.retrieval.understanding import canonical_question
from shared.services.text.analysis import LexicalAnalyzer
from shared.services.text.segment import WordSegmenter

PYVI_DIR = Path(__file__).resolve().parents[3] / "models" / "pyvi"
EVERYTHING = SearchFilter(AccessLevel.RESTRICTED)

CANONICAL = "Điều 118 Bộ luật dân sự: hòa giải tranh chấp đất đai, bảo đảm sức khỏe và quyền lợi của thủy thủ?"
VARIANTS = {
    "nfd": unicodedata.normalize("NFD", CANONICAL),
    "new tone placement": CANONICAL.replace("hòa", "hoà").replace("khỏe", "khoẻ").replace("thủy", "thuỷ"),
    "full-width digits": CANONICAL.replace("118", "\uff11\uff11\uff18"),
    "full-width letters": CANONICAL.replace("Điều 118", "Điều １１８").replace("và", "ｖà"),
    "stray spaces": "  Điều   118 Bộ luật\u00a0dân sự :  hòa giải\ttranh chấp đất đai ,bảo đảm sức khỏe và "
                    "quyền lợi của thủy thủ ?  ",
    "stray punctuation": "- Điều 118 Bộ luật dân sự:: hòa giải tranh chấp đất đai,, bảo đảm sức khỏe và quyền "
                         "lợi của thủy thủ??",
    "zero-width and line breaks": "Điều 118 Bộ luật dân\u200b sự:\nhòa giải tranh chấp đất đai,\r\nbảo đảm "
                                  "sức khỏe và quyền lợi của thủy thủ?",
}


@pytest.fixture(scope="module")
def retriever(tmp_path_factory: pytest.TempPathFactory) -> Retriever:
    try:
        analyzer = LexicalAnalyzer(WordSegmenter(PYVI_DIR))
    except ModelUnavailable as exc:  # `make test` builds the model first: a missing one is a failure
        pytest.fail(str(exc))
    tmp = tmp_path_factory.mktemp("variants")
    embedder = HashEmbedder(dimension=64)
    index = LocalSearchIndex(tmp / "i.sqlite", analyzer=analyzer, dimension=64, weights=Weights(0.35, 0.15, 0.5))
    Ingestor(embedder=embedder, index=index, store=SqliteDocumentStore(tmp / "s.sqlite")).ingest_texts([
        TextSource("blds", "Bộ luật dân sự", "Điều 117. Điều kiện có hiệu lực của giao dịch dân sự\n"
                   "Giao dịch dân sự có hiệu lực khi chủ thể có năng lực pháp luật dân sự.\n"
                   "Điều 118. Giao dịch dân sự vô hiệu\nGiao dịch dân sự không có một trong các điều kiện "
                   "thì vô hiệu.\n"),
        TextSource("dat", "Luật Đất đai", "Điều 202. Hòa giải tranh chấp đất đai\nNhà nước khuyến khích các bên "
                   "tranh chấp đất đai tự hòa giải hoặc giải quyết tranh chấp đất đai thông qua hòa giải ở cơ sở.\n"),
        TextSource("ld", "Bộ luật lao động", "Điều 6. Quyền của người lao động\nNgười lao động được bảo đảm sức "
                   "khỏe, an toàn lao động và quyền lợi theo hợp đồng.\n"),
        TextSource("hh", "Bộ luật hàng hải", "Điều 59. Thuyền viên\nThủy thủ và thuyền viên được bảo đảm quyền "
                   "lợi, sức khỏe khi làm việc trên tàu biển.\n"),
    ])
    return Retriever(embedder=embedder, index=index, analyzer=analyzer, resources=index.query_resources)


def _same(a: SearchQuery, b: SearchQuery) -> None:
    assert (a.text, a.terms, a.folded_terms, a.article_refs, a.restored_from) == \
        (b.text, b.terms, b.folded_terms, b.article_refs, b.restored_from)
    assert np.array_equal(a.vector, b.vector)


def _ranking(retriever: Retriever, question: str, mode: str) -> list[tuple[str, float]]:
    hits = retriever.retrieve(question, filter=EVERYTHING, k=10, mode=mode).hits
    return [(h.chunk.id, round(h.score, 6)) for h in hits]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_variant_searches_like_the_canonical_form(retriever: Retriever, variant: str) -> None:
    question = VARIANTS[variant]
    assert question != CANONICAL
    assert canonical_question(question) == CANONICAL
    _same(retriever.analyze(question)[0], retriever.analyze(CANONICAL)[0])
    for mode in ("hybrid", "bm25", "dense"):
        assert _ranking(retriever, question, mode) == _ranking(retriever, CANONICAL, mode)


def test_canonical_form_names_its_article(retriever: Retriever) -> None:
    query, _ = retriever.analyze(CANONICAL)
    assert [(r.article, set(r.document_ids)) for r in query.article_refs] == [("118", {"blds"})]
    assert retriever.retrieve(CANONICAL, filter=EVERYTHING, k=1).hits[0].chunk.article == "118"


@pytest.mark.parametrize("question", [
    CANONICAL,
    "Hòa giải tranh chấp đất đai thế nào?",
    "thủy thủ được bảo đảm sức khỏe khi nào",
    "Luat Dat dai: hòa giải tranh chấp đất đai ở cơ sở",  # some words typed without marks, most with
])
def test_questions_with_marks_are_not_rewritten(retriever: Retriever, question: str) -> None:
    query, _ = retriever.analyze(question)
    assert query.text == canonical_question(question)
    assert query.restored_from is None


def test_question_without_marks_is_restored_and_searches_like_the_accented_one(retriever: Retriever) -> None:
    accented = "Hòa giải tranh chấp đất đai thế nào?"
    typed = "Hoa giai tranh chap dat dai the nao?"
    query, _ = retriever.analyze(typed)
    assert query.restored_from == typed
    assert query.text.startswith("Hòa giải tranh chấp đất đai")  # "thế nào" is not in this corpus
    assert query.folded_terms == retriever.analyze(accented)[0].folded_terms
    best = retriever.retrieve(typed, filter=EVERYTHING, k=1).hits[0].chunk.document_id
    assert best == retriever.retrieve(accented, filter=EVERYTHING, k=1).hits[0].chunk.document_id == "dat"


def test_restoration_can_be_turned_off(retriever: Retriever) -> None:
    off = replace(retriever, restore_below_ratio=0)
    query, _ = off.analyze("Hoa giai tranh chap dat dai")
    assert (query.text, query.restored_from) == ("Hoa giai tranh chap dat dai", None)


@pytest.mark.parametrize(("question", "canonical"), [
    ("?!… —", "…"),  # marks only: some kept, so the question is searched (and finds nothing), not refused
    ("...", "."),
    (" , ", ","),
])
def test_a_question_of_marks_only_stays_a_question(question: str, canonical: str) -> None:
    assert canonical_question(question) == canonical
