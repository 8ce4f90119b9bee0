"""Query sources: URLs and credentials per kind (pure), and DuckDB's `local` source over the stack
folder (embedded, real files)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from netmera_iac.engine.redact import scrub
from netmera_iac.engine.sources import (
    LOCAL,
    Queries,
    QuerySettings,
    Source,
    adbc_connect,
    bounded,
    parse_sources,
)
from netmera_iac.engine.tables import read_id_column, write_id_table

SECRET = "p@ss:w/rd'\"x"


def test_sources_refuse_a_password_in_the_url_an_unknown_scheme_and_the_local_name() -> None:
    sources, problems = parse_sources(
        {
            "sources": {
                "crm": {"url": "postgresql://reader@db.internal:5432/crm"},
                "leaky": {"url": "postgresql://reader:hunter2@db.internal/crm"},
                "odd": {"url": "mysql://reader@db/crm"},
                "local": {"url": "postgresql://x@y/z"},
            }
        },
        "stacks/s/sources.yaml",
    )
    assert sorted(n for n, s in sources.items() if not s.refused) == ["crm", "local"]
    assert sorted(n for n, s in sources.items() if s.refused) == ["leaky", "odd"]  # their entries say no more
    assert sources["crm"].kind == "postgresql" and sources[LOCAL].kind == "duckdb"
    assert problems[0].startswith("stacks/s/sources.yaml: sources.leaky.url: holds a password")
    assert "hunter2" not in "\n".join(problems) and "reader:****@db.internal" in problems[0]
    assert "netmera-iac:sourcePasswords.leaky" in problems[0]
    assert problems[1].startswith("stacks/s/sources.yaml: sources.odd.url: scheme 'mysql' is not one of")
    assert (
        problems[2] == "stacks/s/sources.yaml: sources.local: the name is taken by the embedded DuckDB source"
    )


def test_postgresql_gets_the_secret_password_encoded_a_connect_timeout_and_a_read_only_transaction() -> None:
    source = Source("crm", "postgresql://reader@db.internal:5432/crm?sslmode=require")
    connect = adbc_connect(source, QuerySettings({"crm": SECRET}, timeout_seconds=42))
    assert connect.driver == "adbc_driver_postgresql"
    parts = urlsplit(connect.options["uri"])
    assert (parts.username, parts.hostname, parts.port, parts.path) == ("reader", "db.internal", 5432, "/crm")
    from urllib.parse import unquote

    assert unquote(parts.password or "") == SECRET
    assert parse_qs(parts.query) == {
        "sslmode": ["require"],
        "connect_timeout": ["10"],
        "application_name": ["netmera-iac"],
    }
    assert connect.setup == ("SET TRANSACTION READ ONLY", "SET LOCAL statement_timeout = '42s'")
    assert connect.transaction  # autocommit off: the READ ONLY transaction is the query's own
    assert SECRET not in repr(connect) and SECRET not in source.shown()
    # No password in config: libpq's own PGPASSWORD / ~/.pgpass apply, the URL stays without one.
    bare = adbc_connect(source, QuerySettings({}, env={}))
    assert urlsplit(bare.options["uri"]).password is None and bare.secrets == ()
    from_env = adbc_connect(source, QuerySettings({}, env={"PGPASSWORD": "env-secret"}))
    assert from_env.secrets == ("env-secret",) and "env-secret" not in from_env.options["uri"]


def test_snowflake_and_bigquery_options() -> None:
    snow = adbc_connect(
        Source("wh", "snowflake://loader@acme-eu1/ANALYTICS/CRM?warehouse=XS&role=READER"),
        QuerySettings({"wh": "s3cr et"}, timeout_seconds=60),
    )
    assert snow.driver == "adbc_driver_snowflake"
    assert snow.options == {"uri": "loader:s3cr%20et@acme-eu1/ANALYTICS/CRM?warehouse=XS&role=READER"}
    assert snow.setup == ("ALTER SESSION SET STATEMENT_TIMEOUT_IN_SECONDS = 60",)
    assert not snow.transaction  # the warehouses' drivers run each query on its own
    key = '{"type": "service_account", "private_key": "-----BEGIN"}'
    bq = adbc_connect(Source("bq", "bigquery://acme-prod/crm"), QuerySettings({"bq": key}, env={}))
    assert bq.driver == "adbc_driver_bigquery"
    assert bq.options == {
        "adbc.bigquery.sql.project_id": "acme-prod",
        "adbc.bigquery.sql.dataset_id": "crm",
        "adbc.bigquery.sql.auth_type": "adbc.bigquery.sql.auth_type.json_credential_string",
        "adbc.bigquery.sql.auth_credentials": key,
    }
    from_file = adbc_connect(
        Source("bq", "bigquery://acme-prod"),
        QuerySettings({}, env={"GOOGLE_APPLICATION_CREDENTIALS": "/k.json"}),
    )
    assert from_file.options == {
        "adbc.bigquery.sql.project_id": "acme-prod",
        "adbc.bigquery.sql.auth_type": "adbc.bigquery.sql.auth_type.json_credential_file",
        "adbc.bigquery.sql.auth_credentials": "/k.json",
    }
    default = adbc_connect(Source("bq", "bigquery://acme-prod"), QuerySettings({}, env={}))
    assert default.options == {"adbc.bigquery.sql.project_id": "acme-prod"}  # Google's default credentials


def test_a_missing_optional_driver_names_the_extra(tmp_path: Path) -> None:
    queries = Queries(tmp_path, {"wh": Source("wh", "snowflake://u@acct/db/s")}, QuerySettings())
    try:
        rows, problems = queries.rows("wh", "select 1", "tags.yaml: memberships.vip.members_query")
    finally:
        queries.close()
    assert rows is None
    assert problems == [
        "tags.yaml: memberships.vip.members_query (source wh (snowflake://u@acct/db/s)): "
        "the snowflake driver "
        "(adbc_driver_snowflake) is not installed: install netmera-iac[snowflake]"
    ]


def test_scrub_hides_a_password_in_the_forms_a_driver_quotes_it() -> None:
    text = f"login 'p@ss:w/rd''\"x' failed; uri postgresql://u:p%40ss%3Aw%2Frd%27%22x@h; raw {SECRET}"
    assert SECRET not in scrub(text, [SECRET]) and "p%40ss" not in scrub(text, [SECRET])


def test_bounded_reads_the_sql_as_one_subquery_cut_one_row_past_the_limit() -> None:
    assert bounded("select ext_id from t;  ", 10) == (
        "SELECT * FROM (select ext_id from t\n) AS netmera_iac_query LIMIT 11"
    )


@pytest.fixture
def stack_folder(tmp_path: Path) -> Path:
    folder = tmp_path / "stacks" / "demo"
    (folder / "data").mkdir(parents=True)
    write_id_table(folder / "data" / "customers.parquet", ["c1", "c2", "c3"])
    (tmp_path / "outside.csv").write_text("ext_id\nleaked\n")
    (folder / "data" / "here.csv").write_text("ext_id\nfine\n")
    return folder


def _run(folder: Path, sql: str, **settings: int) -> tuple[list[str], list[str]]:
    queries = Queries(folder, {LOCAL: Source(LOCAL)}, QuerySettings(**settings))  # type: ignore[arg-type]
    try:
        rows, problems = queries.rows(LOCAL, sql, "tags.yaml: memberships.vip.members_query")
        if rows is None:
            return [], problems
        return read_id_column(rows, None)
    finally:
        queries.close()


def test_local_reads_relative_paths_inside_the_stack_folder_only(
    stack_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(stack_folder.parent.parent)  # the project root, as under `pulumi preview`
    assert _run(stack_folder, "select ext_id from 'data/customers.parquet' where ext_id <> 'c2'") == (
        ["c1", "c3"],
        [],
    )
    assert _run(stack_folder, "select ext_id from 'data/here.csv'") == (["fine"], [])
    for outside in (
        "../../outside.csv",
        str(stack_folder.parent.parent / "outside.csv"),
        "data/../../../outside.csv",
    ):
        ids, problems = _run(stack_folder, f"select ext_id from '{outside}'")
        assert ids == [] and "Permission Error" in problems[0], outside
    assert Path.cwd() == stack_folder.parent.parent  # the working directory is put back


def test_local_refuses_statements_too_many_rows_a_number_id_and_a_slow_query(stack_folder: Path) -> None:
    ids, problems = _run(stack_folder, "copy (select 'x' as ext_id) to 'data/out.csv'")
    assert ids == [] and "must be one query" in problems[0]
    assert not (stack_folder / "data" / "out.csv").exists()
    assert _run(stack_folder, "select 'u' || i as ext_id from range(5) t(i)", max_rows=4)[1] == [
        "tags.yaml: memberships.vip.members_query (source local (DuckDB over the stack folder)): "
        "returned more "
        "than 4 rows (netmera-iac:maxIdsPerResource): narrow the query or split the entry"
    ]
    assert "column 'n' is INTEGER, not text" in _run(stack_folder, "select 1 as n")[1][0]
    assert "is listed more than once" in _run(stack_folder, "select 'a' as ext_id union all select 'a'")[1][0]
    nulls = _run(stack_folder, "select 'a' as ext_id union all select null")[1][0]
    assert "row 2: column 'ext_id' is empty (null)" in nulls
    slow = "select cast(count(*) as varchar) as ext_id from range(100000000000) a"
    assert _run(stack_folder, slow, timeout_seconds=1)[1] == [
        "tags.yaml: memberships.vip.members_query (source local (DuckDB over the stack folder)): took longer "
        "than 1 s (netmera-iac:queryTimeoutSeconds)"
    ]
