"""The SQLite analytics store's prefix query (LIKE with escaped wildcards), on a real file."""

from __future__ import annotations

from pathlib import Path

from shared.adapters.local.sqlite_analytics import SqliteAnalyticsStore


def test_the_store_reads_one_partition_by_prefix(tmp_path: Path) -> None:
    store = SqliteAnalyticsStore(tmp_path / "a.sqlite")
    store.add("day#1", "question#a_b", {"count": 1}, label="x")
    store.add("day#1", "question#a_b", {"count": 2.5}, members=["u1", "u2"])
    store.add("day#1", "questionXa", {"count": 1})  # `_` in the prefix must not match any character
    store.add("day#2", "question#c", {"count": 1})
    (item,) = store.query("day#1", "question#a_")
    assert item.values == {"count": 3.5} and item.label == "x" and item.members == {"u1", "u2"}
    assert [i.sk for i in store.query("day#1")] == ["question#a_b", "questionXa"]
    assert store.swap_label("day#1", "r", "5") is None and store.swap_label("day#1", "r", "3") == "5"
