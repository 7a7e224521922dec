"""Domain values shared by every part of the core. Plain frozen dataclasses: no I/O, no frameworks."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self


class _Ranked(enum.IntEnum):
    """An ordered scale named by its members: a lowercase label each, parsed back from it."""

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, value: str | Self) -> Self:
        """The member named `value` (any case, spaces around ignored); a member of this scale as it is."""
        if isinstance(value, cls):
            return value
        noun = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", cls.__name__).lower()  # AccessLevel -> access level
        if not isinstance(value, str):
            raise TypeError(f"neither a {cls.__name__} nor the name of one: {value!r}")
        try:
            return cls[value.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown {noun} {value!r}") from None


class AccessLevel(_Ranked):
    """How sensitive a document is. The integer order is the order of sensitivity."""

    PUBLIC = 0
    INTERNAL = 1
    CONFIDENTIAL = 2
    RESTRICTED = 3


class Role(_Ranked):
    """Who a caller is. A role reads every access level up to its own rank (design.md §1)."""

    GUEST = 0
    EMPLOYEE = 1
    MANAGER = 2
    DIRECTOR = 3


# What a document is filed as when its uploader names no type.
DEFAULT_DOCUMENT_TYPE = "general"


class DocumentStatus(enum.StrEnum):
    PENDING = "pending"  # accepted, waiting to be parsed
    INDEXING = "indexing"  # being parsed, chunked and embedded
    INDEXED = "indexed"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Principal:
    """An authenticated caller."""

    id: str
    role: Role


@dataclass(frozen=True, slots=True)
class Document:
    """A source document as the store records it (its text lives in chunks)."""

    id: str
    title: str
    document_type: str = DEFAULT_DOCUMENT_TYPE
    access_level: AccessLevel = AccessLevel.PUBLIC
    source: str = ""
    status: DocumentStatus = DocumentStatus.PENDING
    error: str | None = None
    chunk_count: int = 0
    content_hash: str = ""
    created_at: datetime | None = None
    updated_at: datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Section:
    """A piece of a parsed document before chunking: text under a heading path."""

    text: str
    headings: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedDocument:
    """What a parser returns: the document's title (if it has one) and its text in reading order."""

    title: str | None
    text: str


@dataclass(frozen=True, slots=True)
class Chunk:
    """A searchable passage of a document.

    `text` is what is shown and cited (original wording, NFC). `headings` is the path from the
    document title down to the article (title › Chương … › Điều …). `article` is the article number
    ("118") when the chunk belongs to one. Document-level fields are copied in so the index can filter
    on them without a join.
    """

    id: str
    document_id: str
    ordinal: int
    text: str
    headings: tuple[str, ...] = ()
    article: str | None = None
    title: str = ""
    document_type: str = DEFAULT_DOCUMENT_TYPE
    access_level: AccessLevel = AccessLevel.PUBLIC

    @property
    def heading_path(self) -> str:
        return " › ".join(self.headings)

    @property
    def passage(self) -> str:
        """The text embedded and indexed: heading path, then body, so the context travels with it."""
        return f"{self.heading_path}\n{self.text}" if self.headings else self.text


@dataclass(frozen=True, slots=True)
class SearchFilter:
    """What a search may return. Applied inside the index before top-k, never afterwards."""

    max_access_level: AccessLevel
    document_types: frozenset[str] | None = None
    document_ids: frozenset[str] | None = None

    def allows(self, chunk: Chunk) -> bool:
        if chunk.access_level > self.max_access_level:
            return False
        if self.document_types is not None and chunk.document_type not in self.document_types:
            return False
        return self.document_ids is None or chunk.document_id in self.document_ids


@dataclass(frozen=True, slots=True)
class SearchHit:
    chunk: Chunk
    score: float
    lexical_score: float | None = None
    dense_score: float | None = None


@dataclass(frozen=True, slots=True)
class Citation:
    number: int
    hit: SearchHit
    snippet: str


@dataclass(frozen=True, slots=True)
class Answer:
    text: str
    citations: tuple[Citation, ...]
    found: bool
    timings_ms: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """An article a question names explicitly ("khoản 2 Điều 5 Nghị định 37/2015/NĐ-CP"), resolved
    against the index: the article number (as in `Chunk.article`) and the documents that hold it."""

    article: str
    document_ids: frozenset[str]
    clause: str | None = None
    point: str | None = None


@dataclass(frozen=True, slots=True)
class SearchQuery:
    """A question analysed for every kind of matching the index does.

    `terms` match the segmented lexical field, `folded_terms` the diacritic-free field, `vector` the
    dense field (None in bm25 mode). `mode` is hybrid, bm25 or dense. `article_refs` are articles the
    question names; their chunks rank first. `restored_from` is the question as typed when it came
    without diacritics and `text` is its restored form.
    """

    text: str
    terms: tuple[str, ...] = ()
    folded_terms: tuple[str, ...] = ()
    vector: Any = None  # np.ndarray (float32, unit length); typed loosely to keep numpy out of the domain
    mode: str = "hybrid"
    article_refs: tuple[ArticleRef, ...] = ()
    restored_from: str | None = None


@dataclass(frozen=True, slots=True, order=True)
class DocumentKind:
    """What a document is counted under."""

    access_level: AccessLevel
    status: DocumentStatus
    document_type: str

    @classmethod
    def of(cls, document: Document) -> DocumentKind:
        return cls(AccessLevel(document.access_level), DocumentStatus(document.status), document.document_type)

    @property
    def key(self) -> str:
        """`L<level>#S<status>#T<type>`: the type comes last, so it may itself contain `#`."""
        return f"L{int(self.access_level)}#S{self.status.value}#T{self.document_type}"

    @classmethod
    def from_key(cls, key: str) -> DocumentKind:
        level, status, document_type = key.split("#", 2)
        if not (level.startswith("L") and status.startswith("S") and document_type.startswith("T")):
            raise ValueError(f"not a document kind key: {key!r}")
        return cls(AccessLevel(int(level[1:])), DocumentStatus(status[1:]), document_type[1:])


@dataclass(frozen=True, slots=True)
class BlobInfo:
    """What a HEAD tells about a stored file; `metadata` holds the known fields of its user metadata."""

    key: str
    size: int
    version: str  # the version id on a versioned bucket, else the ETag: either changes with the bytes
    metadata: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Purged:
    """What one purge of replaced versions did: chunks deleted, state records dropped, state records still
    read by every search (documents not clean yet: replaced or written within the grace period, or being
    written)."""

    chunks: int
    records_dropped: int
    records_left: int
