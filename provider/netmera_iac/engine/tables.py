"""Id lists kept as tables: a `.csv` or `.parquet` file wherever a list file is accepted.

Audiences leave spreadsheets and warehouses as tables, not as one id per line; without this every
team writes an unreviewed export script in front of the product. DuckDB (embedded, in-process) reads
both formats vectorised: the id column is checked for nulls, duplicates and its type in SQL, so a
1,000,000-row file costs about what the text list does, and every problem names the file, the row
and the column. Each file gets a fresh in-memory connection that may read that one file and nothing
else (`allowed_paths`, external access off), so a table cannot make the loader read outside the
stack folder.

Rows are numbered as a reader counts them: the first data row is row 1 (a CSV's header is not a row).
CSV cells are read as text (an id `007` stays `007`); a Parquet id column must be a text column, since
a number column has already lost what made ids like `007` distinct.

DuckDB is imported inside the functions that use it, not at the top: every process that imports the
families' registry imports this module, provider processes too, which never read a table, and
DuckDB costs a process ~27 MB (tests/test_layers.py checks that providers do not load it). JSON
Schema is imported where a file is validated, for the same reason.
"""

from __future__ import annotations

import functools
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

from .idfile import _SUSPECT_ASCII, ID, MAX_ID_LENGTH, MAX_PROBLEMS, invisible, look_alike

TABLE_SUFFIXES = (".csv", ".parquet")
DEFAULT_COLUMN = "ext_id"
_TEXT_TYPES = ("VARCHAR",)


def is_table(path: str | Path) -> bool:
    return Path(path).suffix.lower() in TABLE_SUFFIXES


def connect_to(path: Path) -> duckdb.DuckDBPyConnection:
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute("SET allowed_paths = ?", [[str(path)]])
    con.execute("SET enable_external_access = false")  # now only `path` can be read; the lock holds
    con.execute("SET lock_configuration = true")
    return con


def scan_of(path: Path) -> str:
    """The table function reading `path` (its name is a parameter of the statement, never text)."""
    if path.suffix.lower() == ".csv":  # every cell as text; a column's type is checked by casting it
        return "read_csv($path, header = true, all_varchar = true, auto_detect = true)"
    return "read_parquet($path)"


def quote_identifier(name: str) -> str:
    """A column name as SQL text (any name a table may hold, quotes included)."""
    return '"' + name.replace('"', '""') + '"'


@dataclass
class Rows:
    """Rows DuckDB scans: a table file, or what a query returned (engine/sources.py materialises it
    on its own connection). `scan` is the SQL naming them, `params` its parameters; `text_cells`: every
    cell is text (a CSV), so a column's type comes from casting; `from_query`: the id column, unless
    named, is `ext_id` or else the first one (a query's first column is its id)."""

    con: duckdb.DuckDBPyConnection
    scan: str
    params: dict[str, str]
    shown: str
    text_cells: bool = False
    from_query: bool = False

    @functools.cached_property
    def columns(self) -> dict[str, str]:
        """Name -> type, described once (a CSV's description sniffs the file again)."""
        table = self.con.execute(f"DESCRIBE SELECT * FROM {self.scan}", self.params).fetchall()
        return {str(r[0]): str(r[1]) for r in table}

    def id_column(self, column: str | None, columns: Sequence[str]) -> str:
        if column or not self.from_query or DEFAULT_COLUMN in columns or not columns:
            return column or DEFAULT_COLUMN
        return columns[0]


def file_rows(path: Path, shown: str) -> Rows:
    """The rows of a table file, on a connection that may read that file alone."""
    return Rows(connect_to(path), scan_of(path), {"path": str(path)}, shown, path.suffix.lower() == ".csv")


Evidence = dict[str, tuple[str, str]]  # consent evidence per id: (where it was given, when)


def read_id_table(path: Path, shown: str, column: str | None) -> tuple[list[str], list[str]]:
    """The ids of one column of a table file, in row order, and its problems."""
    ids, _, problems = read_table(path, shown, column)
    return ids, problems


def read_table(
    path: Path, shown: str, column: str | None, evidence: bool = False
) -> tuple[list[str], Evidence, list[str]]:
    """`read_id_table`, and with `evidence` (a consent list) the evidence columns beside the ids."""
    import duckdb

    try:
        rows = file_rows(path, shown)
    except duckdb.Error as exc:
        return [], {}, [f"{shown}: cannot be read: {first_line(exc)}"]
    try:
        ids, problems = read_id_column(rows, column, f" as a {path.suffix[1:].upper()} table")
        given, problems = read_evidence(rows, column) if evidence and not problems else ({}, problems)
        return ids, given, problems
    finally:
        rows.con.close()


def read_id_column(rows: Rows, column: str | None, what: str = "") -> tuple[list[str], list[str]]:
    """The ids of `rows` (a profile table reads its values next, on the same connection): no null,
    no repeat, text, each a valid id. `what` says what the rows were read as, for a failed scan."""
    import duckdb

    con, scan, params, shown = rows.con, rows.scan, rows.params, rows.shown
    try:
        columns = rows.columns
    except duckdb.Error as exc:
        return [], [f"{shown}: cannot be read{what}: {first_line(exc)}"]
    name = rows.id_column(column, list(columns))
    if name not in columns:
        hint = "" if column else "; name the id column with `column:`"
        listed = ", ".join(list(columns)[:12]) + (", …" if len(columns) > 12 else "")
        return [], [f"{shown}: no column {name!r} (columns: {listed}){hint}"]
    if columns[name] not in _TEXT_TYPES:
        fix = f"select it as text ({name}::text)" if rows.from_query else "write the column as a string"
        return [], [
            f"{shown}: column {name!r} is {columns[name]}, not text: ids are text (a number column "
            f"has lost leading zeros); {fix}"
        ]
    quoted = quote_identifier(name)
    try:
        nulls, distinct, count, odd = con.execute(
            f"SELECT count(*) FILTER ({quoted} IS NULL), count(DISTINCT {quoted}), count(*), "
            f"count(*) FILTER ({quoted} = '' OR {quoted} <> trim({quoted}) "
            f"OR length({quoted}) > {MAX_ID_LENGTH}) FROM {scan}",
            params,
        ).fetchone() or (0, 0, 0, 0)
        if nulls or distinct + nulls < count:
            return [], _null_and_duplicate_rows(con, scan, params, shown, name, quoted)
        ids = [value for (value,) in con.execute(f"SELECT {quoted} FROM {scan}", params).fetchall()]
    except duckdb.Error as exc:
        return [], [f"{shown}: cannot be read: {first_line(exc)}"]
    joined = "\n".join(ids)
    if not odd and joined.isascii() and not _SUSPECT_ASCII.search(joined):
        return ids, []  # ASCII, no control character, no surrounding space, none too long: all valid
    return ids, _id_problems(ids, shown, name)


EVIDENCE_COLUMNS = ("evidence_source", "evidence_at")
_ZONED = ("TIMESTAMP WITH TIME ZONE",)


def read_evidence(rows: Rows, column: str | None) -> tuple[Evidence, list[str]]:
    """Consent evidence per id from the columns `evidence_source` and `evidence_at` (where the consent
    came from, and when: a zoned timestamp or RFC 3339 text), if the rows have them; a row with
    neither has none. The times are checked by the consent family, as evidence written in YAML is."""
    import duckdb

    columns = rows.columns
    present = [c for c in EVIDENCE_COLUMNS if c in columns]
    if not present:
        return {}, []
    if len(present) == 1:
        other = next(c for c in EVIDENCE_COLUMNS if c not in present)
        return {}, [f"{rows.shown}: column {present[0]!r} needs column {other!r} beside it"]
    at_type = columns["evidence_at"]
    if at_type.startswith("TIMESTAMP") and at_type not in _ZONED:
        return {}, [
            f"{rows.shown}: column 'evidence_at' is {at_type}, a time without a zone: give it a zone "
            "(TIMESTAMP WITH TIME ZONE, or text such as 2026-11-28T09:00:00Z)"
        ]
    if at_type not in (*_ZONED, *_TEXT_TYPES):
        return {}, [f"{rows.shown}: column 'evidence_at' is {at_type}, not a time"]
    at = (
        "strftime(evidence_at AT TIME ZONE 'UTC', '%Y-%m-%dT%H:%M:%S.%fZ')"
        if at_type in _ZONED
        else "evidence_at"
    )
    q = quote_identifier(rows.id_column(column, list(columns)))
    try:
        found = rows.con.execute(
            f"SELECT n, id, ev_source, ev_at FROM (SELECT row_number() OVER () AS n, {q} AS id, "
            f"CAST(evidence_source AS VARCHAR) AS ev_source, {at} AS ev_at FROM {rows.scan}) "
            "WHERE ev_source IS NOT NULL OR ev_at IS NOT NULL ORDER BY n",
            rows.params,
        ).fetchall()
    except duckdb.Error as exc:
        return {}, [f"{rows.shown}: the evidence columns cannot be read: {first_line(exc)}"]
    problems = [
        f"{rows.shown}: row {row} ({ext_id}): evidence needs both evidence_source and evidence_at"
        for row, ext_id, src, at in found
        if src is None or at is None
    ][:MAX_PROBLEMS]
    return {ext_id: (src, at) for _, ext_id, src, at in found if src is not None and at is not None}, problems


def _null_and_duplicate_rows(
    con: duckdb.DuckDBPyConnection, scan: str, params: dict[str, str], shown: str, name: str, quoted: str
) -> list[str]:
    """The rows that break the primary-key rule, first ones first (read only when there are some)."""
    numbered = f"(SELECT row_number() OVER () AS row, {quoted} AS id FROM {scan})"
    nulls = con.execute(
        f"SELECT row FROM {numbered} WHERE id IS NULL ORDER BY row LIMIT {MAX_PROBLEMS}", params
    ).fetchall()
    problems = [
        f"{shown}: row {row}: column {name!r} is empty (null): every row needs an id" for (row,) in nulls
    ]
    duplicated = con.execute(
        f"SELECT id, list(row ORDER BY row) FROM {numbered} WHERE id IS NOT NULL GROUP BY id "
        f"HAVING count(*) > 1 ORDER BY min(row) LIMIT {MAX_PROBLEMS}",
        params,
    ).fetchall()
    problems += [
        f"{shown}: row {rows[1]}: {value!r} in column {name!r} is listed more than once "
        f"(first at row {rows[0]})"
        for value, rows in duplicated
    ]
    return problems[:MAX_PROBLEMS]


def _id_problems(ids: Sequence[str], shown: str, name: str) -> list[str]:
    """The id rule of the schemas, checked in one pass; rows named only when something is wrong."""
    problems: list[str] = []
    for row, ext_id in enumerate(ids, start=1):
        if len(ext_id) > MAX_ID_LENGTH or ID.fullmatch(ext_id) is None:
            why = "longer than 256 characters" if len(ext_id) > MAX_ID_LENGTH else "not a valid id"
            problems.append(f"{shown}: row {row}: column {name!r}: {why} (value: {ext_id[:80]!r})")
        elif not ext_id.isascii() and (hidden := invisible(ext_id)):
            problems.append(f"{shown}: row {row}: {ext_id[:80]!r} holds an invisible character ({hidden})")
        if len(problems) >= MAX_PROBLEMS:
            return problems
    rows = {ext_id: row for row, ext_id in enumerate(ids, start=1)}
    problems += [
        f"{shown}: row {rows[other]}: {other!r} is {one!r} (row {rows[one]}) in another Unicode form "
        "(equal after NFC): likely listed twice"
        for one, other in look_alike(ids)
    ]
    return problems[:MAX_PROBLEMS]


def id_table_content(name: str, ids: Sequence[str], column: str = DEFAULT_COLUMN) -> str | bytes:
    """A table of one id column in the format `name` says: CSV text, or the bytes of a Parquet file
    (rollback restores a table this way)."""
    if name.lower().endswith(".csv"):
        return _csv_cell(column) + "\n" + "".join(f"{_csv_cell(i)}\n" for i in ids)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "ids.parquet"
        write_id_table(path, ids, column)
        return path.read_bytes()


def write_id_table(path: Path, ids: Sequence[str], column: str = DEFAULT_COLUMN) -> None:
    """A table file of one id column, in the format its name says."""
    import duckdb

    if path.suffix.lower() == ".csv":
        path.write_text(str(id_table_content(path.name, ids, column)), encoding="utf-8")
        return
    con = duckdb.connect(":memory:")
    try:
        con.execute("CREATE TABLE t (id VARCHAR)")
        if ids:
            con.execute("INSERT INTO t SELECT unnest($ids)", {"ids": list(ids)})
        column_sql = quote_identifier(column)
        con.execute(f"COPY (SELECT id AS {column_sql} FROM t) TO $path (FORMAT parquet)", {"path": str(path)})
    finally:
        con.close()


def _csv_cell(value: str) -> str:
    return '"' + value.replace('"', '""') + '"' if any(c in value for c in ',;"\n') else value


def first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def table_ids(name: str, content: str | bytes, column: str | None = None) -> list[str]:
    """The ids of a table file's content (as rollback restored it), read as the loader reads files."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"table{Path(name).suffix.lower()}"
        path.write_bytes(content.encode() if isinstance(content, str) else content)
        ids, problems = read_id_table(path, name, column)
    if problems:
        raise ValueError("; ".join(problems))
    return ids


def rows_table_content(rows: Mapping[str, Mapping[str, Any]], column: str = DEFAULT_COLUMN) -> bytes:
    """Values per id as the bytes of a Parquet table: column `column` and one column per key, typed
    as DuckDB reads the values (numbers, text, booleans, lists), every row sampled (a column empty
    for its first rows must not be typed from them). Rollback writes a profile query's rows this way,
    and the profile table reader reads them back."""
    import duckdb

    with tempfile.TemporaryDirectory() as tmp:
        lines, table = Path(tmp) / "rows.jsonl", Path(tmp) / "rows.parquet"
        with lines.open("w", encoding="utf-8") as out:
            for ext_id, values in rows.items():
                out.write(json.dumps({column: ext_id, **values}, ensure_ascii=False) + "\n")
        con = duckdb.connect(":memory:")
        try:
            if rows:
                con.execute(
                    "COPY (SELECT * FROM read_json($lines, format = 'newline_delimited', sample_size = -1)) "
                    "TO $table (FORMAT parquet)",
                    {"lines": str(lines), "table": str(table)},
                )
            else:
                con.execute(f"COPY (SELECT NULL::VARCHAR AS {quote_identifier(column)} LIMIT 0) TO $table "
                            "(FORMAT parquet)", {"table": str(table)})  # fmt: skip
        finally:
            con.close()
        return table.read_bytes()
