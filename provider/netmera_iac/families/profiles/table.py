"""`profiles.yaml` `users_file`: the users' values as a CSV or Parquet table, checked per column.

One row per user: the id in column `ext_id` (or the one named), one column per managed attribute. An
empty (null) cell leaves that attribute unmanaged for that user: a table has no way to tell "unset"
from "not given", and a export that misses a value must not erase it in Netmera (unset with an
explicit `null` under `users:`). A user whose cells are all empty is not managed at all.

Checked vectorised in DuckDB, never per row with JSON Schema: each column's type against the
managed-attribute schema (a CSV's cells are cast, and the rows that do not cast are named; a Parquet
column must have a fitting type), then the schema's constraints a column can be checked with in SQL
(`enum`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength`, `maxLength`,
`pattern`), and the numbers JSON cannot carry. A property using any other keyword is checked value by
value with JSON Schema for that column only. Problems name the file, the row (or its ext_id) and the
column.

DuckDB is imported where used, as in engine/tables.py (provider processes never load it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import duckdb

from ...engine.idfile import MAX_PROBLEMS
from ...engine.tables import Rows, file_rows, first_line, quote_identifier, read_id_column
from .schema import MAX_SAFE_INTEGER, AttributeSpec

SQL_TYPES: Final = {
    "STRING": "VARCHAR",
    "INTEGER": "BIGINT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
    "DATE": "BIGINT",
}
_INTEGERS = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT")
# What a Parquet column may be for each data type (DATE: epoch milliseconds, or a date or timestamp).
_FITS: Final = {
    "STRING": ("VARCHAR",),
    "INTEGER": _INTEGERS,
    "DOUBLE": (*_INTEGERS, "FLOAT", "DOUBLE", "DECIMAL"),
    "BOOLEAN": ("BOOLEAN",),
    "DATE": (
        *_INTEGERS,
        "DATE",
        "TIMESTAMP",
        "TIMESTAMP WITH TIME ZONE",
        "TIMESTAMP_MS",
        "TIMESTAMP_NS",
        "TIMESTAMP_S",
    ),
}
_SQL_KEYWORDS: Final = {"enum", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength",
                        "maxLength", "pattern"}  # fmt: skip
_IGNORED: Final = {"type", "description", "title", "x-netmera-type", "$comment", "examples", "default"}


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return "'" + str(value).replace("'", "''") + "'"


def read_profile_table(
    path: Path, shown: str, column: str | None, schema: Mapping[str, Any], specs: Mapping[str, AttributeSpec]
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The users' values of a table file (null cells left out), and its problems."""
    import duckdb

    try:
        rows = file_rows(path, shown)
    except duckdb.Error as exc:
        return {}, [f"{shown}: cannot be read: {first_line(exc)}"]
    try:
        return read_profile_rows(rows, column, schema, specs, f" as a {path.suffix[1:].upper()} table")
    finally:
        rows.con.close()


def read_profile_rows(
    rows: Rows,
    column: str | None,
    schema: Mapping[str, Any],
    specs: Mapping[str, AttributeSpec],
    what: str = "",
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """The users' values of `rows` (a table file, or what `users_query` returned), and its problems."""
    import duckdb

    con, scan, params, shown = rows.con, rows.scan, rows.params, rows.shown
    try:
        ids, problems = read_id_column(rows, column, what)  # as for a list (nulls, repeats)
        if problems:
            return {}, problems
        columns = rows.columns
        id_name = rows.id_column(column, list(columns))
        attributes = [c for c in columns if c != id_name]
        problems += [
            f"{shown}: column {c!r} is not an attribute of the managed schema (its attributes: "
            f"{', '.join(sorted(specs)) or 'none'})"
            for c in attributes
            if c not in specs
        ]
        if problems:
            return {}, problems
        selected = []
        for name in attributes:
            expression, found = _typed(rows, name, columns[name], specs[name])
            problems += found
            selected.append(f"{expression} AS {quote_identifier(name)}")
        if problems:
            return {}, problems[:MAX_PROBLEMS]
        chosen = ", ".join(selected) or "1 AS _"
        typed = (
            f"(SELECT row_number() OVER () AS row, {quote_identifier(id_name)} AS id, {chosen} FROM {scan})"
        )
        for name in attributes:
            problems += _constraints(con, typed, params, shown, name, (schema.get("properties") or {})[name])
            if len(problems) >= MAX_PROBLEMS:
                return {}, problems[:MAX_PROBLEMS]
        if problems:
            return {}, problems
        values = con.execute(  # the ids were read above, in the same order
            f"SELECT {', '.join(map(quote_identifier, attributes)) or 'NULL'} FROM {typed} ORDER BY row",
            params,
        ).fetchall()
    except duckdb.Error as exc:
        return {}, [f"{shown}: cannot be read: {first_line(exc)}"]
    users: dict[str, dict[str, Any]] = {}
    for ext_id, cells in zip(ids, values, strict=True):
        managed = {a: v for a, v in zip(attributes, cells, strict=True) if v is not None}
        if managed:
            users[ext_id] = managed
    return users, []


def _typed(rows: Rows, name: str, sql_type: str, spec: AttributeSpec) -> tuple[str, list[str]]:
    """The column as its Netmera type (a SQL expression), or the problems that keep it from being one."""
    con, scan, params, shown, csv = rows.con, rows.scan, rows.params, rows.shown, rows.text_cells
    q = quote_identifier(name)
    if spec.is_array:
        element = SQL_TYPES[spec.data_type]
        if csv:
            return q, [f"{shown}: column {name!r}: array attribute {name!r} needs a Parquet list column"]
        base = sql_type.removesuffix("[]")
        if not sql_type.endswith("[]") or base.split("(")[0] not in _FITS[spec.data_type]:
            return q, [
                f"{shown}: column {name!r} is {sql_type}, not a list of {spec.data_type} ({element}[])"
            ]
        return f"CAST({q} AS {element}[])", []
    if csv:
        target = SQL_TYPES[spec.data_type]
        bad = con.execute(
            f"SELECT row, {q} FROM (SELECT row_number() OVER () AS row, {q} FROM {scan}) "
            f"WHERE {q} IS NOT NULL AND TRY_CAST({q} AS {target}) IS NULL ORDER BY row LIMIT 5",
            params,
        ).fetchall()
        return f"TRY_CAST({q} AS {target})", [
            f"{shown}: row {row}: column {name!r}: {value!r} is not {spec.data_type}" for row, value in bad
        ]
    base = sql_type.split("(")[0]
    if base not in _FITS[spec.data_type]:
        fix = f"; cast it in the query (as {SQL_TYPES[spec.data_type]})" if rows.from_query else ""
        return q, [
            f"{shown}: column {name!r} is {sql_type}, which does not hold {spec.data_type} values{fix}"
        ]
    if spec.data_type == "DATE" and base not in _INTEGERS:
        return f"epoch_ms(CAST({q} AS TIMESTAMP))", []  # a date or timestamp column: epoch milliseconds
    return f"CAST({q} AS {SQL_TYPES[spec.data_type]})", []


def _constraints(
    con: duckdb.DuckDBPyConnection,
    typed: str,
    params: dict[str, str],
    shown: str,
    name: str,
    prop: Mapping[str, Any],
) -> list[str]:
    """The rows whose value breaks the column's schema, first ones first."""
    q = quote_identifier(name)
    declared = {**prop, **{k: v for k, v in (prop.get("items") or {}).items() if k not in prop}}
    tests: list[tuple[str, str]] = []
    if "enum" in declared:
        allowed = [v for v in declared["enum"] if v is not None]
        tests.append(
            (f"{q} NOT IN ({', '.join(map(_literal, allowed)) or 'NULL'})", f"is not one of {allowed}")
        )
    for keyword, op in (
        ("minimum", "<"),
        ("maximum", ">"),
        ("exclusiveMinimum", "<="),
        ("exclusiveMaximum", ">="),
    ):
        if keyword in declared:
            tests.append((f"{q} {op} {_literal(declared[keyword])}", f"breaks {keyword} {declared[keyword]}"))
    if "minLength" in declared:
        tests.append(
            (f"length({q}) < {int(declared['minLength'])}", f"is shorter than {declared['minLength']}")
        )
    if "maxLength" in declared:
        tests.append(
            (f"length({q}) > {int(declared['maxLength'])}", f"is longer than {declared['maxLength']}")
        )
    if "pattern" in declared:
        tests.append(
            (
                f"NOT regexp_matches({q}, {_literal(declared['pattern'])})",
                f"does not match {declared['pattern']}",
            )
        )
    problems: list[str] = []
    array = _typed_as(prop, "array")
    for condition, why in tests if not array else []:
        for row, ext_id, value in con.execute(
            f"SELECT row, id, {q} FROM {typed} WHERE {q} IS NOT NULL AND ({condition}) ORDER BY row LIMIT 5",
            params,
        ).fetchall():
            problems.append(f"{shown}: row {row} ({ext_id}): column {name!r}: {value!r} {why}")
    if _typed_as(prop, "number"):
        for row, ext_id, value in con.execute(
            f"SELECT row, id, {q} FROM {typed} WHERE isnan({q}) OR isinf({q}) ORDER BY row LIMIT 5", params
        ).fetchall():
            problems.append(f"{shown}: row {row} ({ext_id}): column {name!r}: {value} is not a finite number")
    if _typed_as(prop, "integer"):
        for row, ext_id, value in con.execute(
            f"SELECT row, id, {q} FROM {typed} WHERE abs({q}) > {MAX_SAFE_INTEGER} ORDER BY row LIMIT 5",
            params,
        ).fetchall():
            problems.append(f"{shown}: row {row} ({ext_id}): column {name!r}: {value} is beyond ±2^53-1")
    other = set(declared) - _SQL_KEYWORDS - _IGNORED - {"items", "uniqueItems"}
    if other:  # keywords SQL does not express here: JSON Schema, this column only
        from jsonschema import Draft202012Validator

        validator = Draft202012Validator(prop)
        for row, ext_id, value in con.execute(
            f"SELECT row, id, {q} FROM {typed} WHERE {q} IS NOT NULL ORDER BY row", params
        ).fetchall():
            for error in validator.iter_errors(value):
                where = f"{shown}: row {row} ({ext_id}): column {name!r}"
                problems.append(f"{where}: {error.message} (value: {json.dumps(value)})")
                break
            if len(problems) >= MAX_PROBLEMS:
                break
    return problems


def _typed_as(prop: Mapping[str, Any], json_type: str) -> bool:
    raw = prop.get("type")
    return json_type in ([raw] if isinstance(raw, str) else list(raw or []))
