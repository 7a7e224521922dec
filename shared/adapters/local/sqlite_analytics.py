"""Analytics counters of local mode, in SQLite: the AnalyticsStore layout of shared/services/analytics.py.

Each (pk, sk) item is spread over four tables: numeric attributes (`ADD`), set members (`ADD` to a string
set), a label (`SET`) and the bare items of `add_once`. One transaction per `add`, so an item's attributes
move together.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from shared.adapters.local.sqlite import open_database, write_transaction
from shared.domain.activity import CounterItem

_SCHEMA = """
CREATE TABLE IF NOT EXISTS counter_values (
    pk TEXT NOT NULL, sk TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, PRIMARY KEY (pk, sk, name));
CREATE TABLE IF NOT EXISTS counter_members (
    pk TEXT NOT NULL, sk TEXT NOT NULL, member TEXT NOT NULL, PRIMARY KEY (pk, sk, member));
CREATE TABLE IF NOT EXISTS counter_labels (
    pk TEXT NOT NULL, sk TEXT NOT NULL, label TEXT NOT NULL, PRIMARY KEY (pk, sk));
CREATE TABLE IF NOT EXISTS counter_items (pk TEXT NOT NULL, sk TEXT NOT NULL, PRIMARY KEY (pk, sk));
"""


class SqliteAnalyticsStore:
    def __init__(self, path: Path) -> None:
        self._db = open_database(path, _SCHEMA)
        self._lock = threading.Lock()

    def add(self, pk: str, sk: str, amounts: Mapping[str, float], *, label: str | None = None,
            members: Iterable[str] = ()) -> None:
        with self._lock, write_transaction(self._db):
            self._db.executemany(
                "INSERT INTO counter_values VALUES (?,?,?,?) "
                "ON CONFLICT (pk, sk, name) DO UPDATE SET value = value + excluded.value",
                [(pk, sk, name, float(value)) for name, value in amounts.items()])
            self._db.executemany("INSERT OR IGNORE INTO counter_members VALUES (?,?,?)",
                                 [(pk, sk, m) for m in members])
            if label is not None:
                self._db.execute("INSERT OR REPLACE INTO counter_labels VALUES (?,?,?)", (pk, sk, label))

    def swap_label(self, pk: str, sk: str, label: str) -> str | None:
        with self._lock, write_transaction(self._db):
            row = self._db.execute("SELECT label FROM counter_labels WHERE pk = ? AND sk = ?",
                                   (pk, sk)).fetchone()
            self._db.execute("INSERT OR REPLACE INTO counter_labels VALUES (?,?,?)", (pk, sk, label))
        return row[0] if row else None

    def add_once(self, pk: str, sk: str) -> bool:
        with self._lock:  # one statement: atomic on its own, across processes too
            return self._db.execute("INSERT OR IGNORE INTO counter_items VALUES (?,?)", (pk, sk)).rowcount == 1

    def query(self, pk: str, sk_prefix: str = "") -> list[CounterItem]:
        like = sk_prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        where = "pk = ? AND sk LIKE ? ESCAPE '\\'"
        values: dict[str, dict[str, float]] = {}
        members: dict[str, set[str]] = {}
        labels: dict[str, str] = {}
        with self._lock:  # one connection: keep reads out of another thread's open transaction
            value_rows = self._db.execute(f"SELECT sk, name, value FROM counter_values WHERE {where}",
                                          (pk, like)).fetchall()
            member_rows = self._db.execute(f"SELECT sk, member FROM counter_members WHERE {where}",
                                           (pk, like)).fetchall()
            label_rows = self._db.execute(f"SELECT sk, label FROM counter_labels WHERE {where}",
                                          (pk, like)).fetchall()
            bare = {sk for (sk,) in self._db.execute(f"SELECT sk FROM counter_items WHERE {where}", (pk, like))}
        for sk, name, value in value_rows:
            values.setdefault(sk, {})[name] = value
        for sk, member in member_rows:
            members.setdefault(sk, set()).add(member)
        for sk, label in label_rows:
            labels[sk] = label
        keys = sorted(set(values) | set(members) | set(labels) | bare)
        return [CounterItem(sk=sk, values=values.get(sk, {}), label=labels.get(sk),
                            members=frozenset(members.get(sk, ()))) for sk in keys]
