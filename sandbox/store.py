"""SQLite storage: a writer and a reader connection, WAL, full fsync on commit.

Write requests run one at a time on the writer (handlers never await), each inside its own
savepoint, so a failed request rolls back completely; see sandbox/commits.py for how their
commits are grouped. Reads use the reader connection.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS orgs (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    leaderboard_enabled INTEGER NOT NULL DEFAULT 1,
    group_count INTEGER NOT NULL DEFAULT 0,
    user_created_count INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS tills (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL REFERENCES orgs(id),
    username TEXT NOT NULL UNIQUE,
    password_md5 TEXT NOT NULL,
    name TEXT NOT NULL,
    read_only INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS oauth_clients (
    client_key TEXT PRIMARY KEY,
    secret TEXT NOT NULL,
    till_id INTEGER NOT NULL REFERENCES tills(id)
);
CREATE TABLE IF NOT EXISTS tokens (
    token TEXT PRIMARY KEY,
    till_id INTEGER NOT NULL REFERENCES tills(id),
    expires_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS tokens_expiry ON tokens(expires_ms);
CREATE TABLE IF NOT EXISTS channels (
    id INTEGER PRIMARY KEY,
    org_id INTEGER NOT NULL,
    name TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS channels_org ON channels(org_id, id);
CREATE TABLE IF NOT EXISTS target_groups (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    tracking_type TEXT NOT NULL,
    active INTEGER NOT NULL,
    user_created INTEGER NOT NULL,
    start_ms INTEGER,
    end_ms INTEGER,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    updated_by INTEGER NOT NULL,
    doc TEXT NOT NULL
);
-- Materialised responses (sandbox/resources/materialized.py), kept out of target_groups so that
-- filtering and counting groups never reads these few kilobytes per row.
CREATE TABLE IF NOT EXISTS group_docs (
    group_id INTEGER PRIMARY KEY,
    full_json TEXT NOT NULL,
    lite_json TEXT NOT NULL,
    valid_until INTEGER NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS target_groups_name ON target_groups(org_id, name_key);
CREATE INDEX IF NOT EXISTS target_groups_org_user ON target_groups(org_id, user_created, id);
CREATE INDEX IF NOT EXISTS target_groups_org_type ON target_groups(org_id, tracking_type, id);
CREATE INDEX IF NOT EXISTS target_groups_org_start ON target_groups(org_id, start_ms);
CREATE INDEX IF NOT EXISTS target_groups_org_end ON target_groups(org_id, end_ms);
CREATE INDEX IF NOT EXISTS target_groups_org_active ON target_groups(org_id, active, id);
CREATE TABLE IF NOT EXISTS periods (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    updated_by INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS periods_group ON periods(group_id, start_ms);
CREATE TABLE IF NOT EXISTS targets (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    target_type TEXT NOT NULL,
    target_entity TEXT NOT NULL,
    event_name TEXT,
    enrolment_method TEXT,
    active INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    updated_by INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS targets_group ON targets(group_id, id);
CREATE INDEX IF NOT EXISTS targets_org_type ON targets(org_id, target_type, group_id);
CREATE INDEX IF NOT EXISTS targets_org_enrolment ON targets(org_id, enrolment_method, active);
CREATE TABLE IF NOT EXISTS target_values (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    target_id INTEGER NOT NULL,
    period_id INTEGER NOT NULL,
    value REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS target_values_target ON target_values(target_id, period_id);
CREATE INDEX IF NOT EXISTS target_values_period ON target_values(period_id);
CREATE TABLE IF NOT EXISTS streaks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    name TEXT NOT NULL,
    count INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    updated_by INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS streaks_group ON streaks(group_id, id);
CREATE TABLE IF NOT EXISTS communications (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    target_id INTEGER NOT NULL,
    communication_type TEXT NOT NULL,
    channel_id INTEGER NOT NULL,
    created_ms INTEGER NOT NULL,
    updated_ms INTEGER NOT NULL,
    created_by INTEGER NOT NULL,
    updated_by INTEGER NOT NULL,
    doc TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS communications_key
    ON communications(target_id, communication_type, channel_id);
CREATE INDEX IF NOT EXISTS communications_group ON communications(group_id);
CREATE TABLE IF NOT EXISTS customers (
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    created_ms INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id)
);
CREATE TABLE IF NOT EXISTS enrolments (
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    group_id INTEGER NOT NULL,
    enrolled_ms INTEGER NOT NULL,
    PRIMARY KEY (org_id, user_id, group_id)
);
CREATE INDEX IF NOT EXISTS enrolments_group ON enrolments(group_id);
CREATE TABLE IF NOT EXISTS activities (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    kind TEXT NOT NULL,
    event_name TEXT NOT NULL,
    occurred_ms INTEGER NOT NULL,
    amount REAL NOT NULL,
    gross_amount REAL NOT NULL,
    quantity REAL NOT NULL,
    store_id INTEGER,
    attributes TEXT NOT NULL,
    created_ms INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS activities_user ON activities(org_id, user_id, occurred_ms);
"""


class StoreError(Exception):
    """The database file cannot be opened or written (reported by the CLI without a traceback)."""


class Store:
    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            # isolation_level=None: transactions are explicit (BEGIN IMMEDIATE ... COMMIT), so a
            # request either commits everything it wrote or nothing.
            self.db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            # FULL: a commit is fsynced before the 2xx leaves, so an acknowledged write survives
            # kill -9 and power loss alike.
            self.db.execute("PRAGMA synchronous=FULL")
            self.db.execute("PRAGMA foreign_keys=OFF")
            self.db.execute("PRAGMA busy_timeout=5000")
            self.db.executescript(SCHEMA)
            # Reads go through their own connection: under WAL they see the last commit and
            # never wait for a commit's fsync, which runs on the writer in a worker thread.
            self.reader = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self.reader.row_factory = sqlite3.Row
            self.reader.execute("PRAGMA query_only=1")
            self.reader.execute("PRAGMA busy_timeout=5000")
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open database {self.path!r}: {exc}") from exc
        self._depth = 0

    def close(self) -> None:
        self.reader.close()
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction; nested use joins the outer one."""
        if self._depth:
            self._depth += 1
            try:
                yield self.db
            finally:
                self._depth -= 1
            return
        self.db.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self.db
        except BaseException:
            self._depth = 0
            self.db.execute("ROLLBACK")
            raise
        self._depth = 0
        self.db.execute("COMMIT")
