"""SQLite storage of the emulator's state: one database, one connection, one lock.

Every write runs in a transaction that commits before the HTTP answer is sent, so a write that was
answered 200 survives the process being killed (WAL mode; the commit reaches the OS before we reply).
`:memory:` gives a throw-away store for fast tests.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS apps (app_id TEXT PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS api_keys (api_key TEXT PRIMARY KEY, app_id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS categories (
    app_id TEXT NOT NULL, name TEXT NOT NULL, channels TEXT NOT NULL,
    PRIMARY KEY (app_id, name));
CREATE TABLE IF NOT EXISTS attribute_defs (
    app_id TEXT NOT NULL, code TEXT NOT NULL, name TEXT, data_type TEXT NOT NULL,
    is_array INTEGER NOT NULL, standard INTEGER NOT NULL,
    PRIMARY KEY (app_id, code));
CREATE TABLE IF NOT EXISTS users (
    app_id TEXT NOT NULL, ext_id TEXT NOT NULL, email TEXT, msisdn TEXT,
    email_permitted INTEGER NOT NULL DEFAULT 0, sms_permitted INTEGER NOT NULL DEFAULT 0,
    profile TEXT NOT NULL DEFAULT '{}', whatsapp_permitted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, ext_id));
CREATE INDEX IF NOT EXISTS users_email ON users (app_id, email);
CREATE INDEX IF NOT EXISTS users_msisdn ON users (app_id, msisdn);
CREATE TABLE IF NOT EXISTS user_tags (
    app_id TEXT NOT NULL, tag TEXT NOT NULL, ext_id TEXT NOT NULL,
    PRIMARY KEY (app_id, tag, ext_id));
CREATE INDEX IF NOT EXISTS user_tags_user ON user_tags (app_id, ext_id);
CREATE TABLE IF NOT EXISTS category_prefs (
    app_id TEXT NOT NULL, ext_id TEXT NOT NULL, category TEXT NOT NULL, channel TEXT NOT NULL,
    enabled INTEGER NOT NULL,
    PRIMARY KEY (app_id, ext_id, category, channel));
CREATE TABLE IF NOT EXISTS devices (
    app_id TEXT NOT NULL, installation_id TEXT NOT NULL, ext_id TEXT, platform TEXT NOT NULL,
    token TEXT, device_model TEXT, push_permitted INTEGER NOT NULL,
    PRIMARY KEY (app_id, installation_id));
CREATE INDEX IF NOT EXISTS devices_user ON devices (app_id, ext_id);
CREATE INDEX IF NOT EXISTS devices_token ON devices (app_id, token);
CREATE TABLE IF NOT EXISTS segments (
    app_id TEXT NOT NULL, id INTEGER NOT NULL, name TEXT NOT NULL, type TEXT NOT NULL,
    created INTEGER NOT NULL,
    PRIMARY KEY (app_id, id));
CREATE TABLE IF NOT EXISTS segment_members (
    app_id TEXT NOT NULL, segment_id INTEGER NOT NULL, ext_id TEXT NOT NULL,
    PRIMARY KEY (app_id, segment_id, ext_id));
CREATE TABLE IF NOT EXISTS whatsapp_numbers (
    app_id TEXT NOT NULL, ext_id TEXT NOT NULL, number TEXT NOT NULL,
    PRIMARY KEY (app_id, ext_id, number));
CREATE INDEX IF NOT EXISTS whatsapp_numbers_number ON whatsapp_numbers (app_id, number);
CREATE TABLE IF NOT EXISTS anonymous_contacts (
    app_id TEXT NOT NULL, channel TEXT NOT NULL, address TEXT NOT NULL,
    permitted INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, channel, address));
CREATE TABLE IF NOT EXISTS messages (
    app_id TEXT NOT NULL, message_id INTEGER NOT NULL, approved INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (app_id, message_id));
"""

TABLES = (
    "apps",
    "api_keys",
    "categories",
    "attribute_defs",
    "users",
    "user_tags",
    "category_prefs",
    "devices",
    "segments",
    "segment_members",
    "whatsapp_numbers",
    "anonymous_contacts",
    "messages",
)
# Columns added after a database could have been created: (table, column, definition).
ADDED_COLUMNS = (("users", "whatsapp_permitted", "INTEGER NOT NULL DEFAULT 0"),)


class Store:
    """The database. Callers hold `transaction()` for every read-modify-write."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
        self._conn.executescript(SCHEMA)
        self._add_columns()

    def _add_columns(self) -> None:
        """A database written by an earlier emulator gains the columns added since (kept data)."""
        for table, column, definition in ADDED_COLUMNS:
            have = {row["name"] for row in self._conn.execute(f"PRAGMA table_info({table})")}
            if column not in have:
                self._conn.execute(f"ALTER TABLE {table} ADD COLUMN {column} {definition}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            else:
                self._conn.execute("COMMIT")

    def is_empty(self) -> bool:
        with self.transaction() as db:
            return bool(db.execute("SELECT COUNT(*) FROM apps").fetchone()[0] == 0)

    def wipe(self) -> None:
        with self.transaction() as db:
            for table in TABLES:
                db.execute(f"DELETE FROM {table}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()
