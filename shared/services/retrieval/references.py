"""Explicit legal references in questions: "Điều 118 Bộ luật dân sự", "khoản 2 Điều 5 Nghị định
37/2015/NĐ-CP", "Luật số 45/2013/QH13 Điều 3", "điều 51 BLHS".

`parse_references` finds article mentions (with their clause and point) and document mentions
(numbers such as 45/2013/QH13 or 01/VBHN-VPQH, names and abbreviations) in a question; everything
is compared folded and lowercased, so "dieu 51 blhs" works as well. `DocumentCatalogue` knows the
indexed documents by title, number and known name (`shared.services.retrieval.legal_aliases`) and the
articles each holds, and resolves the mentions into `ArticleRef`s: the article number and the
documents that hold it. The index then ranks those chunks first (`LocalSearchIndex`; the OpenSearch
adapter fetches them with a filter-only query, `terms` on document_id and `term` on article, and adds
the same boost in its fusion). On AWS the catalogue comes from the published corpus statistics
(`shared.adapters.aws.s3.corpus_stats`).

A mention of "Điều N của Bộ luật này" (this code) is a cross-reference inside a quoted provision,
not the question's target, and is ignored. An article named without any document is resolved only
when a single indexed document holds an article of that number.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from shared.domain.models import ArticleRef, Chunk
from shared.services.retrieval.legal_aliases import DOCUMENT_ALIASES, TYPE_ABBREVIATIONS
from shared.services.text.normalize import fold_diacritics, normalize_text

# Added to the fused score (which lies in [0, 1]) of a named article's chunks: they rank first.
REFERENCE_BOOST = 1.0

_NOT_KEY = re.compile(r"[^a-z0-9/\-]+")
_NUMBER = re.compile(r"(?<![\w/])(\d+(?:/\d{4})?/[a-z][a-z0-9]*(?:-[a-z0-9]+)*|\d+/\d{4})(?![\w/])")
_ARTICLE = re.compile(
    r"(?<![a-z0-9])(?:diem ([a-z]) )?(?:khoan (\d+) )?(?:cua )?dieu (\d+[a-z]?)(?![a-z0-9/])"
    r"(?: khoan (\d+))?(?: diem ([a-z])(?![a-z0-9]))?")
_MORE_ARTICLES = re.compile(r"(?: (?:va )?(\d+[a-z]?)(?![a-z0-9/]))+")
_THIS_DOCUMENT = re.compile(
    r"^ (?:cua |tai )?(?:bo luat|luat|nghi dinh|nghi quyet|thong tu|van ban|hien phap|phap lenh) nay\b")
_TITLE_ARTICLE = re.compile(r"[,\s]*\bđiều\s+\d+[a-zđ]?\s*$", re.IGNORECASE)


def titled_article(title: str) -> str | None:
    """The law a single-article document belongs to: its title without the trailing ", Điều N"
    ("Bộ luật dân sự, Điều 651" → "Bộ luật dân sự"); None when the title names no article."""
    stripped = _TITLE_ARTICLE.sub("", title)
    return stripped if stripped != title else None


def key(text: str) -> str:
    """The form names and questions are compared in: folded, lowercase, only [a-z0-9/-] and spaces."""
    folded = fold_diacritics(normalize_text(text)).lower()
    words = _NOT_KEY.sub(" ", folded).split()
    return " ".join(TYPE_ABBREVIATIONS_FOLDED.get(w, w) for w in words)


TYPE_ABBREVIATIONS_FOLDED = {fold_diacritics(k): fold_diacritics(v) for k, v in TYPE_ABBREVIATIONS.items()}


@dataclass(frozen=True, slots=True)
class ArticleMention:
    article: str
    clause: str | None
    point: str | None
    start: int
    end: int
    this_document: bool  # "Điều N của Bộ luật này": a cross-reference, not a target


@dataclass(frozen=True, slots=True)
class DocumentMention:
    documents: frozenset[str]
    start: int
    end: int


def parse_articles(text_key: str) -> list[ArticleMention]:
    """Article mentions in a `key`-ed question, in order; "Điều 5 và 6" gives two."""
    mentions = []
    for m in _ARTICLE.finditer(text_key):
        point, clause, article, clause_after, point_after = m.groups()
        numbers = [article]
        end = m.end()
        if not (clause_after or point_after):
            more = _MORE_ARTICLES.match(text_key, end)
            if more:
                numbers += re.findall(r"\d+[a-z]?", more.group())
                end = more.end()
        this_document = bool(_THIS_DOCUMENT.match(text_key[end:]))
        for number in numbers:
            mentions.append(ArticleMention(number, clause or clause_after, point or point_after,
                                           m.start(), end, this_document))
    return mentions


class DocumentCatalogue:
    """The indexed documents by every name and number they are cited by, and the articles each holds.

    Built from the chunks (one pass, in memory): a document's keys are its title (without a trailing
    ", Điều N"), the document numbers in its title and first heading, and every alias in a group
    (`legal_aliases.DOCUMENT_ALIASES`) that shares one of those.
    """

    def __init__(self, documents: Iterable[tuple[str, Sequence[str], Iterable[str]]],
                 aliases: Sequence[Sequence[str]] = DOCUMENT_ALIASES) -> None:
        """`documents`: (document id, names (title, first heading), article numbers) per document."""
        groups = [{key(a) for a in group} for group in aliases]
        by_member: dict[str, list[set[str]]] = {}
        for group in groups:
            for member in group:
                by_member.setdefault(member, []).append(group)
        self._by_key: dict[str, set[str]] = {}
        self._articles: dict[str, frozenset[str]] = {}
        self._numbers: dict[str, set[str]] = {}
        for document_id, names, articles in documents:
            self._articles[document_id] = frozenset(a.lower() for a in articles)
            keys: set[str] = set()
            for name in names:
                base = key(_TITLE_ARTICLE.sub("", normalize_text(name)))
                if len(base) >= 4:
                    keys.add(base)
                keys.update(_NUMBER.findall(base))
            for k in list(keys):
                for group in by_member.get(k, ()):
                    keys |= group
            for k in keys:
                self._by_key.setdefault(k, set()).add(document_id)
                if _NUMBER.fullmatch(k):
                    self._numbers.setdefault(k, set()).add(document_id)
        names_by_length = sorted((k for k in self._by_key if not _NUMBER.fullmatch(k)), key=len, reverse=True)
        self._names = (re.compile(r"(?<![a-z0-9/\-])(?:" + "|".join(map(re.escape, names_by_length))
                                  + r")(?![a-z0-9/\-])") if names_by_length else None)

    @classmethod
    def from_chunks(cls, chunks: Iterable[Chunk],
                    aliases: Sequence[Sequence[str]] = DOCUMENT_ALIASES) -> DocumentCatalogue:
        names: dict[str, list[str]] = {}
        articles: dict[str, set[str]] = {}
        for c in chunks:
            if c.document_id not in names:
                names[c.document_id] = [c.title, *c.headings[:1]]
                articles[c.document_id] = set()
            if c.article:
                articles[c.document_id].add(c.article)
        return cls(((d, names[d], articles[d]) for d in names), aliases)

    @property
    def size(self) -> int:
        return len(self._articles)

    def documents_named(self, text_key: str) -> list[DocumentMention]:
        """Document mentions (names, abbreviations, numbers) in a `key`-ed question, in order."""
        found: list[DocumentMention] = []
        if self._names is not None:
            found += [DocumentMention(frozenset(self._by_key[m.group()]), m.start(), m.end())
                      for m in self._names.finditer(text_key)]
        for m in _NUMBER.finditer(text_key):
            number = m.group()
            documents = set(self._numbers.get(number, ()))
            if not documents and "/" in number and not number.split("/")[-1][0].isalpha():
                # "Nghị định 37/2015": the number without its issuer suffix
                for known, docs in self._numbers.items():
                    if known.startswith(number + "/"):
                        documents |= docs
            if documents and not any(f.start <= m.start() < f.end for f in found):
                found.append(DocumentMention(frozenset(documents), m.start(), m.end()))
        return sorted(found, key=lambda f: f.start)

    def resolve(self, question: str) -> tuple[ArticleRef, ...]:
        """The articles `question` names that the index holds, each with the documents holding it."""
        text_key = key(question)
        if "dieu" not in text_key:
            return ()
        articles = parse_articles(text_key)
        if not articles:
            return ()
        documents = self.documents_named(text_key)
        refs: list[ArticleRef] = []
        for i, art in enumerate(articles):
            if art.this_document:
                continue
            named = self._document_for(art, articles[i + 1].start if i + 1 < len(articles) else None, documents)
            candidates = named if named is not None else self._articles.keys()
            holders = frozenset(d for d in candidates if art.article in self._articles.get(d, ()))
            if not holders or (named is None and len(holders) > 1):
                continue  # not in the index, or an article of no named document that several documents have
            ref = ArticleRef(article=art.article, document_ids=holders, clause=art.clause, point=art.point)
            if ref not in refs:
                refs.append(ref)
        return tuple(refs)

    @staticmethod
    def _document_for(art: ArticleMention, next_article: int | None,
                      documents: Sequence[DocumentMention]) -> frozenset[str] | None:
        """The document an article mention belongs to: the one named right after it (before the next
        article), else the last one named before it, else the first one named anywhere."""
        if not documents:
            return None
        after = [d for d in documents if d.start >= art.end and (next_article is None or d.start < next_article)]
        if after:
            return after[0].documents
        before = [d for d in documents if d.end <= art.start]
        return (before[-1] if before else documents[0]).documents
