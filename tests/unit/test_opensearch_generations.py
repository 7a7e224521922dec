"""The visibility rules of atomic replacement on OpenSearch, including the races a single `_msearch` allows
(its state and chunk sub-searches are no snapshot), which the in-memory fake cannot produce."""

from __future__ import annotations

from shared.adapters.aws.opensearch.generations import DocumentState, SearchView

MARGIN = 0.25


def chunk(generation: str, written_at: float | None) -> dict:
    return {"document_id": "a", "generation": generation, "written_at": written_at}


def view(state: DocumentState | None, sent_at: float) -> SearchView:
    return SearchView({"a": state} if state else {}, sent_at, MARGIN)


def test_a_search_that_read_no_record_never_shows_a_write_it_raced() -> None:
    # Record read before the mark became visible, chunks read after the new ones did.
    assert view(None, sent_at=100.0).shows(chunk("old", 10.0))
    assert not view(None, sent_at=100.0).shows(chunk("new", 100.2))


def test_a_search_that_read_the_mark_shows_only_the_old_chunks() -> None:
    marked = DocumentState("a", created_at=100.0).marked("new", 100.0)
    assert view(marked, 105.0).shows(chunk("old", 10.0)) and view(marked, 105.0).shows(chunk("", None))
    assert not view(marked, 105.0).shows(chunk("new", 100.1))


def test_a_search_sent_just_before_the_switch_was_visible_keeps_the_old_version() -> None:
    # Its chunk sub-searches may have run before every new chunk was searchable: old, whole.
    switched = DocumentState("a", created_at=100.0).marked("new", 100.0).switched("new", visible_at=101.0)
    early, late = view(switched, 101.1), view(switched, 101.0 + MARGIN)
    assert early.shows(chunk("old", 10.0)) and not early.shows(chunk("new", 100.1))
    assert late.shows(chunk("new", 100.1)) and not late.shows(chunk("old", 10.0))


def test_a_new_document_shows_nothing_until_its_switch_then_everything() -> None:
    switched = DocumentState("n", created_at=100.0).marked("g", 100.0).switched("g", visible_at=101.0)
    states = {"n": switched}
    assert not SearchView(states, 101.0, MARGIN).shows({"document_id": "n", "generation": "g", "written_at": 100.1})
    assert SearchView(states, 102.0, MARGIN).shows({"document_id": "n", "generation": "g", "written_at": 100.1})


def test_purge_waits_for_the_grace_period_and_then_drops_a_clean_record() -> None:
    state = DocumentState("a", created_at=100.0).marked("g", 100.0).switched("g", visible_at=101.0)
    assert state.retired(now=120.0, grace=30.0, stale=3600.0)[:2] == (set(), False)
    retired, baseline, kept = state.retired(now=131.0, grace=30.0, stale=3600.0)
    assert (retired, baseline, kept) == (set(), True, None)  # the baseline (old chunks) goes, then the record


def test_a_pending_write_is_kept_until_it_is_stale() -> None:
    state = DocumentState("a", created_at=100.0).marked("g", 100.0)
    assert state.retired(now=200.0, grace=30.0, stale=3600.0)[2].pending == (("g", 100.0),)
    retired, _, kept = state.retired(now=3701.0, grace=30.0, stale=3600.0)
    assert retired == {"g"} and kept is None  # its chunks go, then the record: the old version never changed
