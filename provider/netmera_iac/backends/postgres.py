"""Stores in a PostgreSQL database: Pulumi's PostgreSQL backend (v3.176+) and netmera-iac's own table.

Pulumi keeps its blobs (checkpoints, history, locks) in one table, `pulumi_state` unless the URL says
`?table=`. netmera-iac never writes there; it keeps its own values in `netmera_iac_journal` in the
same database, created on first write, one row per key, each put one upsert (a transaction of its
own, committed before `put` returns). The connection is the backend URL without Pulumi's `table`
parameter, so libpq's rules apply: `sslmode` and the other URL parameters, PGPASSWORD, ~/.pgpass.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from psycopg import sql

from ..engine.errors import BackendError
from .url import first_line

JOURNAL_TABLE = "netmera_iac_journal"
PULUMI_TABLE = "pulumi_state"
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,62}")
T = TypeVar("T")


def connection_of(raw: str) -> tuple[str, str]:
    """(libpq connection URL, Pulumi's table): the URL without the `table` parameter libpq lacks."""
    parts = urlsplit(raw)
    params = parse_qsl(parts.query, keep_blank_values=True)
    table = next((v for k, v in params if k == "table"), PULUMI_TABLE)
    query = urlencode([(k, v) for k, v in params if k != "table"])
    return urlunsplit(("postgresql", parts.netloc, parts.path, query, "")), table


class RowStore:
    """Whole values by key, one row each, in `table` (engine/journal.py `Store`)."""

    def __init__(self, conninfo: str, where: str, table: str = JOURNAL_TABLE) -> None:
        if not _NAME.fullmatch(table):
            raise BackendError(where, f"{table!r} is not a plain table name")
        self._conninfo = conninfo
        self._where = where
        self._table = sql.Identifier(table)
        self._name = table

    @property
    def where(self) -> str:
        return self._where

    @contextmanager
    def _connection(self, doing: str) -> Iterator[psycopg.Connection[Any]]:
        try:
            with psycopg.connect(self._conninfo, connect_timeout=10, autocommit=True) as conn:
                yield conn
        except psycopg.Error as exc:
            # libpq's messages name host and user, never the password.
            raise BackendError(
                self.where, f"cannot {doing}: {first_line(str(exc)) or type(exc).__name__}"
            ) from None

    def _exists(self, conn: psycopg.Connection[Any]) -> bool:
        row = conn.execute("select to_regclass(%s) is not null", (self._name,)).fetchone()
        return bool(row and row[0])

    def _if_table(self, doing: str, query: Callable[[psycopg.Connection[Any]], T], absent: T) -> T:
        with self._connection(doing) as conn:
            return query(conn) if self._exists(conn) else absent

    def get(self, key: str) -> bytes | None:
        def query(conn: psycopg.Connection[Any]) -> bytes | None:
            row = conn.execute(
                sql.SQL("select data from {} where key = %s").format(self._table), (key,)
            ).fetchone()
            return bytes(row[0]) if row else None

        return self._if_table(f"read {key}", query, None)

    def put(self, key: str, data: bytes) -> None:
        with self._connection(f"write {key}") as conn:
            conn.execute(
                sql.SQL(
                    "create table if not exists {} (key text primary key, data bytea not null, "
                    "updated_at timestamptz not null default now())"
                ).format(self._table)
            )
            conn.execute(
                sql.SQL(
                    "insert into {} (key, data) values (%s, %s) on conflict (key) "
                    "do update set data = excluded.data, updated_at = now()"
                ).format(self._table),
                (key, data),
            )

    def delete(self, key: str) -> None:
        def query(conn: psycopg.Connection[Any]) -> None:
            conn.execute(sql.SQL("delete from {} where key = %s").format(self._table), (key,))

        self._if_table(f"remove {key}", query, None)

    def keys(self, prefix: str) -> list[str]:
        def query(conn: psycopg.Connection[Any]) -> list[str]:
            rows = conn.execute(
                sql.SQL("select key from {} where starts_with(key, %s) order by key").format(self._table),
                (prefix,),
            ).fetchall()
            return [str(r[0]) for r in rows]

        return self._if_table(f"list {prefix}", query, [])


class PulumiTable(RowStore):
    """Pulumi's own table, read only (old checkpoints for rollback): each row's `data` is JSON
    `{"data": "<base64 of the blob>"}`."""

    def get(self, key: str) -> bytes | None:
        def query(conn: psycopg.Connection[Any]) -> bytes | None:
            row = conn.execute(
                sql.SQL("select data::text from {} where key = %s").format(self._table), (key,)
            ).fetchone()
            if not row:
                return None
            try:
                return base64.b64decode(json.loads(row[0])["data"])
            except (ValueError, KeyError, TypeError) as exc:
                raise BackendError(
                    self.where, f"Pulumi's row {key} is unreadable ({type(exc).__name__})"
                ) from None

        return self._if_table(f"read {key}", query, None)

    def put(self, key: str, data: bytes) -> None:
        raise BackendError(self.where, "netmera-iac never writes Pulumi's own table")

    def delete(self, key: str) -> None:
        raise BackendError(self.where, "netmera-iac never writes Pulumi's own table")
