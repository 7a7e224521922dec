"""Cutting a document's text into searchable chunks along its structure.

Vietnamese legal texts are cut along Phần › Chương › Mục › Điều (one chunk per article when it
fits, else at khoản, then điểm, then sentences); other text along paragraphs and sentences.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

from shared.domain.models import DEFAULT_DOCUMENT_TYPE, AccessLevel, Chunk
from shared.services.chunking.lines import split_lines
from shared.services.chunking.split import Splitter
from shared.services.chunking.structure import legal_blocks, prose_blocks
from shared.services.text.normalize import unify_line_breaks

__all__ = ["chunk_id", "split_into_chunks"]

_TITLE_ARTICLE = re.compile(r"(?:^|[\s,.;:–-])(?:Điều|ĐIỀU)\s+(\d+[a-zđ]?)\s*$")


def split_into_chunks(
    *,
    document_id: str,
    title: str,
    text: str,
    document_type: str = DEFAULT_DOCUMENT_TYPE,
    access_level: AccessLevel = AccessLevel.PUBLIC,
    max_words: int = 300,
    overlap_words: int = 40,
) -> list[Chunk]:
    """The chunks of one document, in reading order, ordinals 0..n-1.

    Contract: no chunk is empty; every word of `text` is in some chunk's text or headings; no
    chunk's text has more than `max_words` words (headings not counted); overlap (at most
    `overlap_words`) only where a cut falls inside running text. Headings run from the title down
    to the article; `article` is the Điều number as written ("5", "5a"). A title ending in
    "Điều N" makes text before any heading part of article N. Ids are stable: the same input gives
    the same ids. Whitespace-only text gives no chunks.
    """
    if max_words < 1 or not 0 <= overlap_words < max_words:
        raise ValueError("need max_words >= 1 and 0 <= overlap_words < max_words")
    text = unicodedata.normalize("NFC", unify_line_breaks(text))
    title = unicodedata.normalize("NFC", " ".join(title.split()))
    lines = split_lines(text)
    title_article = _article_in_title(title)
    blocks = legal_blocks(lines, title_article)
    if blocks is None:
        blocks = prose_blocks(lines)
    splitter = Splitter(text, max_words, overlap_words)
    top = (title,) if title else ()
    chunks: list[Chunk] = []
    for block in blocks:
        if block.prose:
            # Prose flows across paragraphs: leave room to repeat the previous chunk's last sentences.
            spans = splitter.add_overlap(splitter.split(block.lines, max_words - overlap_words))
        else:
            spans = splitter.split(block.lines)
        headings = top + block.headings
        for start, end in spans:
            body = text[start:end].strip()
            if not body:
                continue
            ordinal = len(chunks)
            chunks.append(
                Chunk(
                    id=chunk_id(document_id, ordinal, headings, body),
                    document_id=document_id,
                    ordinal=ordinal,
                    text=body,
                    headings=headings,
                    article=block.article,
                    title=title,
                    document_type=document_type,
                    access_level=access_level,
                )
            )
    return chunks


def chunk_id(document_id: str, ordinal: int, headings: tuple[str, ...], text: str) -> str:
    """32 hex digits from everything that is indexed: the same content re-ingested keeps its ids,
    and the document id keeps two documents' ids apart."""
    key = "\x1f".join((document_id, str(ordinal), "\x1e".join(headings), text))
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]


def _article_in_title(title: str) -> str | None:
    found = _TITLE_ARTICLE.search(title)
    return found.group(1) if found else None
