"""Which generation of a document searches may see: the pure rules behind atomic replacement on OpenSearch.

Every write of a document stamps its chunks with a fresh `generation` (and `written_at`, the writer's
clock). A small state record per document being written says which generation is the document:

* `history`: the generations switched in, oldest first, each with `visible_at` (the writer's clock once
  all its chunks were searchable). `*` stands for "the chunks written before this record existed",
  whatever their generation (older writes, or chunks with no generation at all).
* `pending`: generations being written, not switched in yet (each with the time its write started).

A search takes, per document with a record, the newest history entry whose `visible_at + margin` is
not after the moment the search was sent, and shows only that generation's chunks (none if no entry
qualifies: a new document still being written). `margin` covers clock skew between the writer and the
searcher. A document without a record shows all its chunks except those written less than `margin`
before the search was sent: such a chunk belongs to a write whose record the search may have read too
early. The rules only ever look at times and the state record, never at how the chunk and state
sub-searches of one `_msearch` interleave, which OpenSearch does not make a snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

BASELINE = "*"


@dataclass(frozen=True, slots=True)
class DocumentState:
    document_id: str
    created_at: float
    history: tuple[tuple[str, float], ...] = ((BASELINE, 0.0),)
    pending: tuple[tuple[str, float], ...] = ()
    seq: int = 0  # Serverless keeps one record per state change; readers take the highest seq
    extra: dict[str, Any] = field(default_factory=dict, compare=False)  # _seq_no/_primary_term of a managed read

    # -- transitions (each is one state-record write) -----------------------------------------------
    def marked(self, generation: str, now: float) -> DocumentState:
        return replace(self, pending=(*self.pending, (generation, now)), seq=self.seq + 1)

    def switched(self, generation: str, visible_at: float) -> DocumentState:
        return replace(self, pending=tuple(p for p in self.pending if p[0] != generation),
                       history=(*self.history, (generation, visible_at)), seq=self.seq + 1)

    # -- reading ------------------------------------------------------------------------------------
    def chosen(self, sent_at: float, margin: float) -> str | None:
        """The generation a search sent at `sent_at` shows (BASELINE: the chunks this record does not name)."""
        for generation, visible_at in reversed(self.history):
            if visible_at + margin <= sent_at:
                return generation
        return None

    def named(self) -> set[str]:
        return {g for g, _ in self.history + self.pending if g != BASELINE}

    def shows(self, generation: str, written_at: float | None, sent_at: float, margin: float) -> bool:
        chosen = self.chosen(sent_at, margin)
        if chosen is None:
            return False
        if chosen != BASELINE:
            return generation == chosen
        # A baseline chunk was written before this record existed; anything newer is another write's.
        return generation not in self.named() and (written_at is None or written_at < self.created_at)

    # -- purging ------------------------------------------------------------------------------------
    def retired(self, now: float, grace: float, stale: float) -> tuple[set[str], bool, DocumentState | None]:
        """What a purge at `now` may delete: (retired generations, whether the baseline is retired, the
        record to keep, None when the document is clean and its record can go). A generation retires
        `grace` after a newer one became visible; a write pending longer than `stale` was abandoned."""
        keep_from = 0
        for i, (_, visible_at) in enumerate(self.history):
            if i > 0 and visible_at + grace <= now:
                keep_from = i
        retired = {g for g, _ in self.history[:keep_from] if g != BASELINE}
        baseline = keep_from > 0 and self.history[0][0] == BASELINE
        abandoned = {g for g, started in self.pending if started + stale <= now}
        kept = replace(self, history=self.history[keep_from:],
                       pending=tuple(p for p in self.pending if p[0] not in abandoned), seq=self.seq + 1)
        # Clean: one version left, visible long enough (or only the baseline: an abandoned write's record).
        clean = (not kept.pending and len(kept.history) == 1
                 and (kept.history[0][0] == BASELINE or kept.history[0][1] + grace <= now))
        return retired | abandoned, baseline, None if clean else kept

    # -- wire format --------------------------------------------------------------------------------
    def to_source(self, now: float) -> dict[str, Any]:
        return {"document_id": self.document_id, "created_at": self.created_at, "seq": self.seq,
                "history": [{"generation": g, "at": t} for g, t in self.history],
                "pending": [{"generation": g, "at": t} for g, t in self.pending], "updated_at": now}

    @classmethod
    def from_source(cls, source: dict[str, Any], **extra: Any) -> DocumentState:
        return cls(document_id=source["document_id"], created_at=source["created_at"], seq=source.get("seq", 0),
                   history=tuple((h["generation"], h["at"]) for h in source["history"]),
                   pending=tuple((p["generation"], p["at"]) for p in source["pending"]), extra=extra)


@dataclass(frozen=True, slots=True)
class SearchView:
    """The generations one search may show: built from the state records it fetched."""

    states: dict[str, DocumentState]
    sent_at: float
    margin: float

    @classmethod
    def of(cls, records: list[dict[str, Any]], sent_at: float, margin: float) -> SearchView:
        newest: dict[str, DocumentState] = {}
        for source in records:
            state = DocumentState.from_source(source)
            if state.document_id not in newest or state.seq > newest[state.document_id].seq:
                newest[state.document_id] = state
        return cls(newest, sent_at, margin)

    def shows(self, source: dict[str, Any]) -> bool:
        written_at = source.get("written_at")
        state = self.states.get(source["document_id"])
        if state is None:
            return written_at is None or written_at + self.margin <= self.sent_at
        return state.shows(source.get("generation") or "", written_at, self.sent_at, self.margin)
