"""Each system's data in its own SQLite file (WAL), plus `sim.sqlite` for the ground truth.

A system file holds
  versions  every record version ever published (the ledger); `current = 1` marks the one the
            API serves. Paging reads the partial index (resource, updated_ms, key) WHERE current.
  schedule  versions decided by the simulation but not yet due (the future of in-flight orders).
  defects   the published versions a `malformed` fault corrupted, by order (small).

Connections are per thread (sqlite3 objects must not cross threads); the sandbox serialises
writers with one lock, readers never wait thanks to WAL.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any, Iterable, Iterator

from tower.sandbox import faults as F

SYSTEM_SCHEMA = """
CREATE TABLE IF NOT EXISTS versions (
    seq          INTEGER PRIMARY KEY,   -- publication order
    resource     TEXT NOT NULL,
    key          TEXT NOT NULL,
    version      INTEGER NOT NULL,
    updated_ms   INTEGER NOT NULL,
    published_ms INTEGER NOT NULL,
    order_no     TEXT,
    defect       TEXT,
    current      INTEGER NOT NULL,
    body         TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS schedule (
    due_ms   INTEGER NOT NULL,
    resource TEXT NOT NULL,
    key      TEXT NOT NULL,
    version  INTEGER NOT NULL,
    order_no TEXT,
    body     TEXT NOT NULL,
    hold_ms  INTEGER,                   -- set when an out_of_order fault holds it back
    PRIMARY KEY (resource, key, version)
);
CREATE TABLE IF NOT EXISTS defects (
    resource TEXT NOT NULL, key TEXT NOT NULL, version INTEGER NOT NULL,
    order_no TEXT, defect TEXT NOT NULL,
    PRIMARY KEY (resource, key, version)
);
"""
SYSTEM_INDEXES = """
CREATE UNIQUE INDEX IF NOT EXISTS versions_key_idx ON versions (resource, key, version);
CREATE INDEX IF NOT EXISTS versions_page_idx ON versions (resource, updated_ms, key) WHERE current = 1;
CREATE INDEX IF NOT EXISTS schedule_due_idx ON schedule (due_ms);
"""
SIM_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
-- One row per order: its static facts and, as JSON lists, its timed ground-truth facts
-- [[visible_ms, kind, line_no, qty, amount_cents], ...] and scenarios [[visible_ms, name], ...].
CREATE TABLE IF NOT EXISTS orders (
    order_no    TEXT PRIMARY KEY,
    seq         INTEGER NOT NULL,
    placed_ms   INTEGER NOT NULL,
    warehouse   TEXT NOT NULL,
    customer_id TEXT NOT NULL,
    channel     TEXT NOT NULL,
    lines       TEXT NOT NULL,
    facts       TEXT NOT NULL,
    scenarios   TEXT NOT NULL
);
"""

# The `updated_ms >= ?` bound is max(since, cursor position) so the index seek starts at the
# cursor; bounding by `since` alone would rescan every earlier page (quadratic paging).
_PAGE = """
SELECT key, updated_ms, body, defect FROM versions
WHERE resource = ? AND current = 1 AND updated_ms >= ? AND (updated_ms, key) > (?, ?)
ORDER BY updated_ms, key LIMIT ?
"""


class Storage:
    """The sandbox's files under `root`: one per system and sim.sqlite."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self._local = threading.local()
        self.write_lock = threading.RLock()

    def path(self, name: str) -> Path:
        return self.root / f"{name}.sqlite"

    def exists(self) -> bool:
        return self.path("sim").exists()

    def conn(self, name: str) -> sqlite3.Connection:
        conns = self._local.__dict__.setdefault("conns", {})
        if name not in conns:
            conn = sqlite3.connect(self.path(name), timeout=30, isolation_level=None,
                                   check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA cache_size=-8000")  # 8 MB a file: memory stays small at any size
            conns[name] = conn
        return conns[name]

    def create(self, *, indexes: bool = True) -> None:
        for system in F.SYSTEMS:
            self.conn(system).executescript(SYSTEM_SCHEMA + (SYSTEM_INDEXES if indexes else ""))
        self.conn("sim").executescript(SIM_SCHEMA)

    def create_indexes(self) -> None:
        for system in F.SYSTEMS:
            self.conn(system).executescript(SYSTEM_INDEXES)

    def close(self) -> None:
        for conn in self._local.__dict__.get("conns", {}).values():
            conn.close()
        self._local.__dict__["conns"] = {}

    # -- meta -------------------------------------------------------------------------------
    def meta(self) -> dict[str, str]:
        return dict(self.conn("sim").execute("SELECT k, v FROM meta"))

    def set_meta(self, **values: Any) -> None:
        self.conn("sim").executemany("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)",
                                     [(k, str(v)) for k, v in values.items()])

    # -- reads for the API ------------------------------------------------------------------
    def page(self, system: str, resource: str, since_ms: int, after: tuple[int, str] | None,
             limit: int) -> list[tuple[str, int, str, str | None]]:
        """Current versions with updated >= since and (updated, key) > after, in that order."""
        after_ms, after_key = after if after is not None else (since_ms - 1, "")
        return self.conn(system).execute(
            _PAGE, (resource, max(since_ms, after_ms), after_ms, after_key, limit)).fetchall()

    # -- publication ------------------------------------------------------------------------
    def publish(self, system: str, now_ms: int, faults: F.Faults) -> int:
        """Move every version due by `now_ms` from the schedule into the ledger as current.
        An out_of_order fault holds some back (keeping their updated time), and any later
        version of the same record waits behind them, so a record never goes backwards."""
        conn = self.conn(system)
        with self.write_lock:
            rows = conn.execute(
                "SELECT due_ms, resource, key, version, order_no, body, hold_ms FROM schedule "
                "WHERE due_ms <= ? ORDER BY due_ms, resource, key, version", (now_ms,)).fetchall()
            if not rows:
                return 0
            held: set[tuple[str, str]] = set()
            published = 0
            conn.execute("BEGIN IMMEDIATE")
            try:
                for due, resource, key, version, order_no, body, hold in rows:
                    rk = (resource, key)
                    if rk in held:
                        continue
                    if hold is None:
                        delay = F.out_of_order_delay_ms(faults, system, resource, key, version)
                        if delay and due + delay > now_ms:
                            conn.execute("UPDATE schedule SET hold_ms = ? WHERE resource = ? AND key = ? "
                                         "AND version = ?", (due + delay, resource, key, version))
                            held.add(rk)
                            continue
                    elif hold > now_ms:
                        held.add(rk)
                        continue
                    self._insert_version(conn, system, resource, key, version, due, now_ms,
                                         order_no, body, faults, replace=True)
                    conn.execute("DELETE FROM schedule WHERE resource = ? AND key = ? AND version = ?",
                                 (resource, key, version))
                    published += 1
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            return published

    @staticmethod
    def _insert_version(conn: sqlite3.Connection, system: str, resource: str, key: str,
                        version: int, updated_ms: int, published_ms: int, order_no: str | None,
                        body: str, faults: F.Faults, *, replace: bool) -> None:
        defect = F.defect_for(faults, system, resource, key, version)
        if replace:
            conn.execute("UPDATE versions SET current = 0 WHERE resource = ? AND key = ? AND current = 1",
                         (resource, key))
        conn.execute("INSERT INTO versions (resource, key, version, updated_ms, published_ms, order_no, "
                     "defect, current, body) VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)",
                     (resource, key, version, updated_ms, published_ms, order_no, defect, body))
        if defect:
            conn.execute("INSERT OR REPLACE INTO defects VALUES (?, ?, ?, ?, ?)",
                         (resource, key, version, order_no, defect))

    def write_batch(self, system: str, current: list[tuple], scheduled: list[tuple],
                    faults: F.Faults, published_ms: int) -> None:
        """Bulk insert of newly generated versions: `current` rows (resource, key, version,
        updated_ms, order_no, body) are published now; `scheduled` rows (due_ms, resource,
        key, version, order_no, body) wait for their time."""
        conn = self.conn(system)
        rows = []
        defects = []
        for resource, key, version, updated, order_no, body in current:
            defect = F.defect_for(faults, system, resource, key, version) if faults.malformed else None
            rows.append((resource, key, version, updated, published_ms, order_no, defect, body))
            if defect:
                defects.append((resource, key, version, order_no, defect))
        with self.write_lock:
            conn.execute("BEGIN IMMEDIATE")
            try:
                # OR IGNORE: a day whose generation was interrupted is generated again on resume.
                conn.executemany("INSERT OR IGNORE INTO versions (resource, key, version, updated_ms, "
                                 "published_ms, order_no, defect, current, body) "
                                 "VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?)", rows)
                conn.executemany("INSERT OR IGNORE INTO schedule (due_ms, resource, key, version, "
                                 "order_no, body) VALUES (?, ?, ?, ?, ?, ?)", scheduled)
                conn.executemany("INSERT OR REPLACE INTO defects VALUES (?, ?, ?, ?, ?)", defects)
                conn.execute("COMMIT")
            except BaseException:
                conn.execute("ROLLBACK")
                raise

    def write_orders(self, rows: Iterable[tuple]) -> None:
        conn = self.conn("sim")
        with self.write_lock:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany("INSERT OR IGNORE INTO orders VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            conn.execute("COMMIT")

    # -- ledger -----------------------------------------------------------------------------
    def ledger(self, system: str, resource: str | None = None, after: int = 0,
               limit: int | None = None) -> Iterator[tuple]:
        """(seq, resource, key, version, updated_ms, published_ms, order_no, defect, current,
        body) in publication order, streamed in chunks."""
        conn = self.conn(system)
        left = limit
        while left is None or left > 0:
            chunk = 2000 if left is None else min(2000, left)
            if resource:
                rows = conn.execute("SELECT * FROM versions WHERE seq > ? AND resource = ? ORDER BY seq "
                                    "LIMIT ?", (after, resource, chunk)).fetchall()
            else:
                rows = conn.execute("SELECT * FROM versions WHERE seq > ? ORDER BY seq LIMIT ?",
                                    (after, chunk)).fetchall()
            yield from rows
            if len(rows) < chunk:
                return
            after = rows[-1][0]
            if left is not None:
                left -= len(rows)

    def counts(self, system: str) -> dict[str, int]:
        conn = self.conn(system)
        published = conn.execute("SELECT count(*) FROM versions").fetchone()[0]
        scheduled = conn.execute("SELECT count(*) FROM schedule").fetchone()[0]
        return {"published": published, "scheduled": scheduled}

    def next_due(self, system: str) -> int | None:
        row = self.conn(system).execute("SELECT min(due_ms) FROM schedule").fetchone()
        return row[0]
