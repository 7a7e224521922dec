"""Neighbouring articles: a law treats one matter in a run of adjacent articles.

"Thừa kế theo pháp luật" is Điều 650 (when it applies) and Điều 651 (who inherits, in which order);
the time a court takes over a divorce is spread over Điều 191-203 of the civil procedure code. A
question about the matter often needs two of them, and the second shares few words with it. So each
candidate chunk gets a bonus of `boost` times the best fused score of the article just before or
just after its own in the same law, among the candidates: an article next to a strong match climbs
a little, an article with no strong neighbour is unchanged, and nothing outside the candidates (so
nothing outside the caller's filter) can come in.

Off by default. On the dev benchmark boost 0.2 lifted DRiLL recall@10 from 0.859 to 0.873, but
that is 1.5 of its 104 questions: `bench/compare.py neighbour_boost=0.2 neighbour_boost=0` puts the
paired 95 % interval of the change (off minus on) at -0.0144 [-0.0288, +0.0000] there, and every
other figure's interval, overall and per source, holds zero as well (recall@10 -0.0010 [-0.0061,
+0.0051], MRR@10 +0.0040 [-0.0026, +0.0118]). On questions the project never saw, turning it off
raised every figure. A gain that its interval does not separate from zero is not kept.

An article's position is (law, number): the law is the document for a document that holds many
articles, or the title without its trailing ", Điều N" for a document that is a single article
(as in corpora of one article per file), so both layouts find their neighbours.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from shared.domain.models import Chunk
from shared.services.retrieval.references import key, titled_article

# Added per unit of the neighbour's fused score (which lies in [0, 1]); 0: off (see above).
NEIGHBOUR_BOOST = 0.0

_LEADING_NUMBER = re.compile(r"\d+")

Position = tuple[str, int]


def article_position(chunk: Chunk) -> Position | None:
    """(law, article number) of the chunk, or None for a chunk outside any numbered article."""
    if not chunk.article:
        return None
    number = _LEADING_NUMBER.match(chunk.article)
    if number is None:
        return None
    law = titled_article(chunk.title)
    return (f"title:{key(law)}" if law is not None else f"document:{chunk.document_id}", int(number.group()))


def boost_neighbouring_articles(positions: Sequence[Position | None], scores: np.ndarray,
                                boost: float = NEIGHBOUR_BOOST) -> np.ndarray:
    """`scores` (fused, one per candidate) plus `boost` times the best score among the candidates of
    the article before or after each candidate's own, rescaled into [0, 1]. `positions[i]` is
    candidate i's position."""
    if boost <= 0 or len(scores) == 0:
        return scores
    best: dict[Position, float] = {}
    for position, score in zip(positions, scores.tolist(), strict=True):
        if position is not None and score > best.get(position, float("-inf")):
            best[position] = score
    bonus = np.zeros(len(scores), dtype=np.float32)
    for i, position in enumerate(positions):
        if position is not None:
            law, number = position
            neighbour = max(best.get((law, number - 1), 0.0), best.get((law, number + 1), 0.0))
            bonus[i] = boost * max(neighbour, 0.0)
    # Divided by (1 + boost) so fused scores stay in [0, 1]: a named article's REFERENCE_BOOST of 1.0
    # still puts it above every other chunk, and score thresholds keep their meaning.
    return ((scores + bonus) / (1 + boost)).astype(np.float32)


def rerank_with_neighbours(rows: np.ndarray, fused: np.ndarray, positions: Sequence[Position | None],
                           boost: float = NEIGHBOUR_BOOST) -> tuple[np.ndarray, np.ndarray]:
    """The fused candidates (`rows`, best first, and their scores; `positions` aligned with them) with
    the neighbour bonus added, best first again. Both index adapters rank through this."""
    boosted = boost_neighbouring_articles(positions, fused, boost)
    order = np.argsort(-boosted, kind="stable")
    return rows[order], boosted[order]
