"""What every service's state shares: the store, the app of an API key, which users an app knows.

The emulator follows moto: one module per service (services/*.py), each with its state methods (one
per Netmera operation, named after it; each runs in one store transaction and knows nothing of HTTP
beyond raising `EmulatorError`) beside the routes that parse the request and call them.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence

from .. import errors
from ..storage import Store


def placeholders(n: int) -> str:
    return ",".join("?" * n)


def chunks(items: Sequence[str], size: int = 500) -> Iterable[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


class StateBase:
    """State of every app in the store."""

    def __init__(self, store: Store) -> None:
        self.store = store

    def app_for_key(self, api_key: str | None) -> str:
        if not api_key:
            raise errors.invalid_api_key()
        with self.store.transaction() as db:
            row = db.execute("SELECT app_id FROM api_keys WHERE api_key = ?", (api_key,)).fetchone()
        if row is None:
            raise errors.invalid_api_key()
        return str(row["app_id"])

    def app_ids(self) -> list[str]:
        with self.store.transaction() as db:
            return [r["app_id"] for r in db.execute("SELECT app_id FROM apps ORDER BY app_id")]

    def _known_users(self, db: sqlite3.Connection, app: str, ext_ids: Sequence[str]) -> list[str]:
        known: list[str] = []
        unique = list(dict.fromkeys(ext_ids))
        for chunk in chunks(unique):
            rows = db.execute(
                f"SELECT ext_id FROM users WHERE app_id = ? AND ext_id IN ({placeholders(len(chunk))})",
                (app, *chunk),
            ).fetchall()
            known.extend(r["ext_id"] for r in rows)
        return known

    def _user_for_device(self, db: sqlite3.Connection, app: str, token: str) -> str | None:
        row = db.execute(
            "SELECT ext_id FROM devices WHERE app_id = ? AND token = ? AND ext_id IS NOT NULL",
            (app, token),
        ).fetchone()
        return None if row is None else str(row["ext_id"])
