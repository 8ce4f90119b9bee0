"""Queries as desired state: audiences computed where the data lives, only their ids travel.

`sources.yaml` names each source once per stack (`crm: {url: "postgresql://reader@db:5432/crm"}`);
an entry names one with `members_query: {source: crm, sql: "select ext_id from …"}` (also
`opted_in_query`, `opted_out_query`, and `users_query` in profiles.yaml). A query's column `ext_id`,
or else its first column, is the id; its rows are checked exactly as a table file's are
(engine/tables.py), so a NULL or repeated id, a missing or mistyped column, fails the preview naming
the file, the entry, the source and the first offending rows.

- `local` (the default when `source` is left out) is DuckDB, embedded, over the stack folder: relative
  paths in its SQL resolve there and nothing outside it can be read (`allowed_directories`, external
  access off, the configuration locked), so the demo and the tests need no server.
- PostgreSQL, Snowflake and BigQuery are read through their ADBC drivers (Apache Arrow's database
  connectivity): rows arrive as Arrow and go straight into DuckDB, never as Python objects per row.
  PostgreSQL is installed with netmera-iac; Snowflake and BigQuery are extras. DuckDB's own PostgreSQL
  scanner is not used: it downloads an extension at run time and fails offline.

Every query is read-only and bounded: it is wrapped as `SELECT * FROM (<sql>) LIMIT max+1` (so it must
be one query, not a statement; a data-modifying statement cannot hide in a subquery), PostgreSQL runs
it in a `READ ONLY` transaction with a `statement_timeout`, Snowflake with a session statement
timeout, and every source is cancelled from here after `netmera-iac:queryTimeoutSeconds`. A URL never
holds a password (it is in sources.yaml, reviewed and committed): the password comes from the secret
stack config `netmera-iac:sourcePasswords` (a map of source name to password) or the driver's own
environment (PGPASSWORD, ~/.pgpass; GOOGLE_APPLICATION_CREDENTIALS), and every message a driver
returns is scrubbed of it.

DuckDB is imported where used, as in engine/tables.py (provider processes never load it).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

if TYPE_CHECKING:
    import duckdb

from .errors import QueryError, SourceUnreachable
from .redact import scrub, shown_url
from .tables import Rows, first_line

SOURCES_FILE = "sources.yaml"
LOCAL = "local"
QUERY_LINE = "query: "  # the program's info line per query, which `netmera-iac plan` shows as read
DEFAULT_TIMEOUT_SECONDS = 300
CONNECT_TIMEOUT_SECONDS = 10
# URL scheme -> (kind, the ADBC driver's module, the extra that installs it)
SCHEMES: Mapping[str, tuple[str, str, str | None]] = {
    "postgresql": ("postgresql", "adbc_driver_postgresql", None),
    "postgres": ("postgresql", "adbc_driver_postgresql", None),
    "snowflake": ("snowflake", "adbc_driver_snowflake", "snowflake"),
    "bigquery": ("bigquery", "adbc_driver_bigquery", "bigquery"),
}
_BQ = "adbc.bigquery.sql"


@dataclass(frozen=True)
class Source:
    """A source as sources.yaml declares it (its URL never holds a password: the loader refuses one)."""

    name: str
    url: str = ""
    refused: bool = False  # sources.yaml's problem with it is said once; its entries say nothing more

    @property
    def kind(self) -> str:
        return SCHEMES[urlsplit(self.url).scheme.lower()][0] if self.url else "duckdb"

    def shown(self) -> str:
        if not self.url:
            return f"{self.name} (DuckDB over the stack folder)"
        return f"{self.name} ({shown_url(self.url)})"


@dataclass(frozen=True)
class QuerySettings:
    """What the stack config says about queries: passwords by source name, and the bounds."""

    passwords: Mapping[str, str] = field(default_factory=dict, repr=False)
    timeout_seconds: int = DEFAULT_TIMEOUT_SECONDS
    max_rows: int = 5_000_000
    env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ), repr=False)


def parse_sources(doc: Mapping[str, Any], shown_name: str) -> tuple[dict[str, Source], list[str]]:
    """The sources of a schema-valid sources.yaml, and what is wrong with them."""
    sources: dict[str, Source] = {LOCAL: Source(LOCAL)}
    problems: list[str] = []
    for name, spec in (doc.get("sources") or {}).items():
        if name == LOCAL:
            problems.append(f"{shown_name}: sources.{LOCAL}: the name is taken by the embedded DuckDB source")
            continue
        url = str(spec["url"]).strip()
        problem = _url_problem(url, name)
        if problem:
            problems.append(f"{shown_name}: sources.{name}.url: {problem} (value: {shown_url(url)!r})")
        sources[name] = Source(name, url, refused=problem is not None)
    return sources, problems


def _url_problem(url: str, name: str) -> str | None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not one of {', '.join(sorted(SCHEMES))}"
    if parts.password is not None:
        return (
            "holds a password, which would be committed in clear; take it out of the URL and set it with "
            f"`pulumi config set --secret --path 'netmera-iac:sourcePasswords.{name}'`"
        )
    return None


@dataclass(frozen=True)
class Connect:
    """How an ADBC database is opened for one source: the driver module, its options (which may hold
    the password: never shown), the statements run first in the query's transaction, and the secrets
    to scrub from any message."""

    driver: str
    options: dict[str, str] = field(repr=False)
    setup: tuple[str, ...] = ()
    secrets: tuple[str, ...] = field(default=(), repr=False)
    transaction: bool = False  # run in a transaction of our own (PostgreSQL: READ ONLY), rolled back


def adbc_connect(source: Source, settings: QuerySettings) -> Connect:
    """The ADBC options of a source (pure: the unit tests check each kind's URL and credentials)."""
    parts = urlsplit(source.url)
    kind, driver, _ = SCHEMES[parts.scheme.lower()]
    password = settings.passwords.get(source.name)
    secrets: tuple[str, ...] = (password,) if password else ()
    timeout = settings.timeout_seconds
    if kind == "postgresql":
        secrets += tuple(v for v in (settings.env.get("PGPASSWORD"),) if v)  # libpq's own, scrubbed too
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.setdefault("connect_timeout", str(CONNECT_TIMEOUT_SECONDS))
        query.setdefault("application_name", "netmera-iac")
        netloc = parts.netloc
        if password:  # else libpq's own PGPASSWORD or ~/.pgpass
            user, _, host = netloc.rpartition("@")
            netloc = f"{user}:{quote(password, safe='')}@{host}"
        uri = urlunsplit(("postgresql", netloc, parts.path, urlencode(query), ""))
        read_only = ("SET TRANSACTION READ ONLY", f"SET LOCAL statement_timeout = '{timeout}s'")
        return Connect(driver, {"uri": uri}, read_only, secrets, transaction=True)
    if kind == "snowflake":
        # The Go driver's DSN: user[:password]@account/database/schema?warehouse=…&role=…
        user, _, account = parts.netloc.rpartition("@")
        login = f"{user}:{quote(password, safe='')}" if password else user
        dsn = f"{login}@{account}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        setup = (f"ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = {timeout}",)
        return Connect(driver, {"uri": dsn}, setup, secrets)
    # bigquery://project[/dataset]: a service account's key as the password (JSON), or the key file
    # GOOGLE_APPLICATION_CREDENTIALS names, or Google's default credentials.
    options = {f"{_BQ}.project_id": parts.netloc}
    dataset = parts.path.strip("/")
    if dataset:
        options[f"{_BQ}.dataset_id"] = dataset
    if password:
        options[f"{_BQ}.auth_type"] = f"{_BQ}.auth_type.json_credential_string"
        options[f"{_BQ}.auth_credentials"] = password
    elif settings.env.get("GOOGLE_APPLICATION_CREDENTIALS"):
        options[f"{_BQ}.auth_type"] = f"{_BQ}.auth_type.json_credential_file"
        options[f"{_BQ}.auth_credentials"] = settings.env["GOOGLE_APPLICATION_CREDENTIALS"]
    return Connect(driver, options, (), secrets)


def bounded(sql: str, max_rows: int) -> str:
    """One query, read as a subquery and cut one row past the limit (so "too many" can be told)."""
    body = sql.strip().rstrip(";").strip()
    return f"SELECT * FROM ({body}\n) AS netmera_iac_query LIMIT {max_rows + 1}"


@contextmanager
def _deadline(seconds: int, cancel: Callable[[], object]) -> Iterator[threading.Event]:
    """Calls `cancel` if the block is still running after `seconds`; the event says it fired."""
    fired = threading.Event()

    def stop() -> None:
        fired.set()
        cancel()

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    try:
        yield fired
    finally:
        timer.cancel()


_CWD = threading.Lock()


@contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    """Run with the stack folder as the working directory: DuckDB resolves (and checks against
    `allowed_directories`) a relative path against it. Its `file_search_path` would not do: a file
    missing there is looked up in the working directory as well, outside the folder. The working
    directory is the process's, so one query at a time changes it, and it is always put back."""
    with _CWD:
        before = os.getcwd()
        os.chdir(folder)
        try:
            yield
        finally:
            os.chdir(before)


class Queries:
    """Runs the queries of one load: each result is materialised as a table of one in-memory DuckDB
    database, whose local queries see the stack folder alone. A remote source is connected to once
    per load, and a source that cannot be reached is reported once, not per entry."""

    def __init__(self, state_dir: Path, sources: Mapping[str, Source], settings: QuerySettings) -> None:
        self.state_dir = state_dir.resolve()
        self.sources = dict(sources)
        self.settings = settings
        self.counted: list[tuple[str, Source, int]] = []  # (entry, source, rows) for the plan
        self._con: duckdb.DuckDBPyConnection | None = None
        self._adbc: dict[str, tuple[Any, Any, Connect]] = {}  # source -> (database, connection, how)
        self._unreachable: set[str] = set()
        self._n = 0

    def _local(self) -> duckdb.DuckDBPyConnection:
        import duckdb

        if self._con is None:
            con = duckdb.connect(":memory:")
            con.execute("SET allowed_directories = ?", [[str(self.state_dir) + os.sep]])
            con.execute("SET autoinstall_known_extensions = false")
            con.execute("SET autoload_known_extensions = false")
            con.execute("SET enable_external_access = false")
            con.execute("SET lock_configuration = true")
            self._con = con
        return self._con

    def rows(self, source_name: str, sql: str, where: str) -> tuple[Rows | None, list[str]]:
        """The rows a query returned, or the problems (`where`: file and entry, for messages)."""
        source = self.sources.get(source_name)
        if source is None:
            declared = ", ".join(sorted(self.sources))
            return None, [
                f"{where}.source: no source {source_name!r} in {SOURCES_FILE} (sources: {declared})"
            ]
        shown = f"{where} (source {source.shown()})"
        if source.name in self._unreachable or source.refused:
            return None, []  # said once, for the first entry that used it
        self._n += 1
        table = f"query_{self._n}"
        try:
            if source.kind == "duckdb":
                self._run_local(table, sql)
            else:
                self._run_adbc(source, table, sql)
        except SourceUnreachable as exc:
            self._unreachable.add(source.name)
            said = f"{SOURCES_FILE}: source {source.shown()} cannot be reached (first used by {where})"
            return None, [f"{said}: {exc}"]
        except QueryError as exc:
            return None, [f"{shown}: {exc}"]
        con = self._local()
        (count,) = con.execute(f"SELECT count(*) FROM {table}").fetchone() or (0,)
        if count > self.settings.max_rows:
            return None, [
                f"{shown}: returned more than {self.settings.max_rows:,} rows "
                "(netmera-iac:maxIdsPerResource): narrow the query or split the entry"
            ]
        self.counted.append((where, source, int(count)))
        return Rows(con, table, {}, shown, text_cells=False, from_query=True), []

    def _run_local(self, table: str, sql: str) -> None:
        import duckdb

        con = self._local()
        try:
            with _in_folder(self.state_dir), _deadline(self.settings.timeout_seconds, con.interrupt) as fired:
                con.execute(f"CREATE TEMP TABLE {table} AS {bounded(sql, self.settings.max_rows)}")
        except (duckdb.Error, RuntimeError) as exc:
            raise self._failed(first_line(exc), exc, fired) from None

    def _failed(self, said: str, exc: Exception, fired: threading.Event) -> QueryError:
        """The error of a query that failed, or that was cancelled because it ran out of time."""
        if fired.is_set():
            return QueryError(
                f"took longer than {self.settings.timeout_seconds} s (netmera-iac:queryTimeoutSeconds)"
            )
        return QueryError(f"failed: {said}{_hint(exc)}")

    def _connection(self, source: Source) -> tuple[Any, Connect]:
        import adbc_driver_manager as adbc

        if source.name in self._adbc:
            _, connection, connect = self._adbc[source.name]
            return connection, connect
        connect = adbc_connect(source, self.settings)
        try:
            module = importlib.import_module(connect.driver)
        except ImportError:
            extra = SCHEMES[urlsplit(source.url).scheme.lower()][2]
            raise QueryError(
                f"the {source.kind} driver ({connect.driver}) is not installed: install netmera-iac[{extra}]"
            ) from None
        try:
            database = adbc.AdbcDatabase(driver=module._driver_path(), **connect.options)
            connection = adbc.AdbcConnection(database)
            if connect.transaction:
                connection.set_options(**{"adbc.connection.autocommit": "false"})
        except adbc.Error as exc:
            raise SourceUnreachable(_one_line(exc, connect)) from None
        self._adbc[source.name] = (database, connection, connect)
        return connection, connect

    def _run_adbc(self, source: Source, table: str, sql: str) -> None:
        import adbc_driver_manager as adbc
        import duckdb

        connection, connect = self._connection(source)
        statement = adbc.AdbcStatement(connection)
        try:
            with _deadline(self.settings.timeout_seconds, statement.cancel) as fired:
                try:
                    for setup in connect.setup:
                        statement.set_sql_query(setup)
                        statement.execute_update()
                    statement.set_sql_query(bounded(sql, self.settings.max_rows))
                    stream, _ = statement.execute_query()
                    self._local().from_arrow(stream).create(table)
                except (adbc.Error, duckdb.Error) as exc:
                    raise self._failed(_one_line(exc, connect), exc, fired) from None
        finally:
            statement.close()
            if connect.transaction:
                with contextlib.suppress(adbc.Error):  # read only: nothing to keep; the next starts clean
                    connection.rollback()

    def close(self) -> None:
        for database, connection, _ in self._adbc.values():
            for part in (connection, database):
                with contextlib.suppress(Exception):  # a broken connection must not hide the result
                    part.close()
        self._adbc.clear()
        if self._con is not None:
            self._con.close()
            self._con = None


def _one_line(exc: Exception, connect: Connect) -> str:
    """A driver's message, its first line, without the password in any form; libpq's lead-in
    (`IO: [libpq] …`) is kept, it says which layer failed."""
    text = scrub(first_line(exc), connect.secrets)
    for value in connect.options.values():
        if "://" in value or "@" in value:
            text = text.replace(value, shown_url(value))
    return text[:300]


def _hint(exc: Exception) -> str:
    """A syntax error in a statement that is not a query (`delete …`, `copy …`) is one because the SQL
    is read as a subquery; say so, or the error points at a word that looks right."""
    if "syntax error" in str(exc).lower():
        return " (an entry's sql must be one query, `select …` or `with … select …`; nothing else runs)"
    return ""
