"""Ingestor: bytes or text → parse → normalise → chunk → embed → index, with the status recorded.

A document is replaced in one index transaction, so a search sees the old version or the new one,
never both or neither. A failure leaves the previous version searchable and records why on the
document's status.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from shared.domain.errors import DomainError
from shared.domain.models import DEFAULT_DOCUMENT_TYPE, AccessLevel, Chunk, Document, DocumentStatus
from shared.ports import DocumentStore, Embedder, SearchIndex
from shared.services.chunking import split_into_chunks
from shared.services.parsing import parse_document
from shared.services.text.normalize import normalize_text

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class TextSource:
    """A document already in text form (the evaluation corpus, an API body)."""

    document_id: str
    title: str
    text: str
    document_type: str = DEFAULT_DOCUMENT_TYPE
    access_level: AccessLevel = AccessLevel.PUBLIC
    source: str = ""


@dataclass(frozen=True, slots=True)
class Ingestor:
    embedder: Embedder
    index: SearchIndex
    store: DocumentStore
    chunk_max_words: int = 300
    chunk_overlap_words: int = 40
    max_document_bytes: int = 20_000_000
    # Work the answerer does once per chunk rather than per question (the local answerer embeds the
    # sentences it may quote); a failure there is logged and costs only answer quality.
    prepare_answers: Callable[[Sequence[Chunk]], None] | None = None

    def ingest_file(self, filename: str, data: bytes, *, document_id: str, title: str | None = None,
                    document_type: str = DEFAULT_DOCUMENT_TYPE, access_level: AccessLevel = AccessLevel.PUBLIC,
                    source: str = "", progress: Callable[[int, int], None] | None = None) -> Document:
        """Parse and index one file. Domain failures are recorded on the document and returned, not raised.

        Pages read by OCR are logged as they are done, and reported to `progress(done, total)`."""
        content_hash = hashlib.sha256(data).hexdigest()
        record = Document(id=document_id, title=title or filename, document_type=document_type,
                          access_level=access_level, source=source or filename, content_hash=content_hash)
        previous = self.store.get_document(document_id)
        if (previous and previous.status is DocumentStatus.INDEXED and previous.content_hash == content_hash
                and (previous.title, previous.document_type, previous.access_level)
                == (record.title if title else previous.title, document_type, access_level)):
            return previous  # same bytes, same metadata: nothing to do
        def page_done(done: int, total: int) -> None:
            log.info("%s: OCR page %d of %d", document_id, done, total)
            if progress is not None:
                progress(done, total)

        try:
            parsed = parse_document(filename, data, max_bytes=self.max_document_bytes, progress=page_done)
        except DomainError as exc:
            return self._fail(record, previous, exc)
        text_source = TextSource(document_id=document_id, title=title or parsed.title or filename,
                                 text=parsed.text, document_type=document_type,
                                 access_level=access_level, source=record.source)
        [document] = self.ingest_texts([text_source], content_hashes=[content_hash])
        return document

    def ingest_texts(self, sources: Sequence[TextSource], *, content_hashes: Sequence[str] | None = None,
                     progress: Callable[[int], None] | None = None) -> list[Document]:
        """Index many text documents, embedding all their chunks in length-sorted batches."""
        chunked: list[tuple[Document, list[Chunk]]] = []
        for i, src in enumerate(sources):
            text = normalize_text(src.text)
            record = Document(id=src.document_id, title=normalize_text(src.title) or src.document_id,
                              document_type=src.document_type, access_level=src.access_level,
                              source=src.source,
                              content_hash=content_hashes[i] if content_hashes else _hash_text(src.text))
            chunks = split_into_chunks(document_id=record.id, title=record.title, text=text,
                                       document_type=record.document_type, access_level=record.access_level,
                                       max_words=self.chunk_max_words, overlap_words=self.chunk_overlap_words)
            chunked.append((record, chunks))

        documents: list[Document] = []
        batch = 256  # bounded memory and steady progress for large corpora
        for start in range(0, len(chunked), batch):
            group = chunked[start:start + batch]
            passages = [c.passage for _, chunks in group for c in chunks]
            try:
                vectors = self.embedder.embed_passages(passages)
            except Exception as exc:
                # Nothing of this group reached the index: each previous version stays whole, and each
                # record says why the new one is missing. Unexpected errors still propagate.
                for record, _ in group:
                    self._fail(record, self.store.get_document(record.id), _reason(exc))
                raise
            offset = 0
            for record, chunks in group:
                mine = vectors[offset:offset + len(chunks)]
                offset += len(chunks)
                documents.append(self._index(record, chunks, mine))
            self._prepare_answers([c for _, chunks in group for c in chunks])
            if progress:
                progress(len(group))
        return documents

    def _prepare_answers(self, chunks: list[Chunk]) -> None:
        if self.prepare_answers is None or not chunks:
            return
        try:
            self.prepare_answers(chunks)
        except Exception:  # noqa: BLE001 - the documents are indexed; answers fall back to words alone
            log.warning("preparing answers for %d chunks failed", len(chunks), exc_info=True)

    def delete(self, document_id: str) -> bool:
        removed_chunks = self.index.delete_document(document_id)
        return self.store.delete_document(document_id) or removed_chunks > 0

    def _index(self, record: Document, chunks: list[Chunk], vectors) -> Document:
        previous = self.store.get_document(record.id)
        if not chunks:
            return self._fail(record, previous, DomainError("the document holds no text to index"))
        try:
            self.index.replace_document(record.id, chunks, vectors)
        except DomainError as exc:
            return self._fail(record, previous, exc)
        except Exception as exc:  # the transaction rolled back: the previous version is whole
            self._fail(record, previous, _reason(exc))
            raise
        done = replace(record, status=DocumentStatus.INDEXED, chunk_count=len(chunks), error=None)
        self.store.put_document(done)
        return self.store.get_document(record.id) or done

    def record_failure(self, record: Document, reason: str) -> Document:
        """Record that the ingest of `record` failed, and why (see `failed_version`); returns the stored record."""
        return self._fail(record, self.store.get_document(record.id), DomainError(reason))

    def _fail(self, record: Document, previous: Document | None, exc: Exception) -> Document:
        log.warning("ingest of %s failed: %s", record.id, exc)
        failed = failed_version(record, previous, str(exc))
        self.store.put_document(failed)
        return self.store.get_document(record.id) or failed


def failed_version(record: Document, previous: Document | None, reason: str) -> Document:
    """The record of a failed ingest of `record`. The previous version stays searchable: keep its chunk
    count, and never claim a lower access level than the chunks still in the index carry."""
    level = max(record.access_level, previous.access_level) if previous else record.access_level
    return replace(record, status=DocumentStatus.FAILED, error=reason, access_level=level,
                   chunk_count=previous.chunk_count if previous else 0)


def _reason(exc: Exception) -> Exception:
    """What a failed record says: a domain error's own message, otherwise only the kind of failure."""
    return exc if isinstance(exc, DomainError) else DomainError(f"the document could not be indexed "
                                                                f"({type(exc).__name__})")


def _hash_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
