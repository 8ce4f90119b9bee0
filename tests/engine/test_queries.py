"""Desired state from queries, loaded from a real PostgreSQL server (a throw-away cluster on loopback)
and DuckDB over the stack folder: what each family gets, what every bad query or row is told, what is
recorded for rollback, and that the source's password appears nowhere."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from netmera_iac.engine import OPTED_IN, OPTED_OUT, DesiredStateError, codec
from netmera_iac.engine.record import record_desired_state, restore_desired_state
from netmera_iac.engine.sources import QuerySettings
from netmera_iac.engine.tables import write_id_table
from netmera_iac.families import DESIRED_STATE_FILES, load_desired_state
from netmera_iac.families.categories import FAMILY as CATEGORIES
from netmera_iac.families.consent import FAMILY as CONSENT
from netmera_iac.families.profiles import FAMILY as PROFILES
from netmera_iac.families.tags import FAMILY as TAGS
from tests.servers import PG_PASSWORD, PG_USER, PostgresServer

ROOT = Path(__file__).resolve().parents[2]
SCHEMAS = ROOT / "schemas"


@pytest.fixture(scope="module")
def crm(postgres: PostgresServer) -> Iterator[tuple[PostgresServer, str]]:
    """A database `crm` with 2,000 customers, readable (not writable) by the test role."""
    name = postgres.database(f"crm_{uuid.uuid4().hex[:8]}")
    postgres.psql(
        "create table customers (ext_id text primary key, ltv numeric, tier text, age int, churn boolean);"
        "insert into customers select 'cust-' || g, g, (array['bronze','silver','gold'])[g % 3 + 1], "
        "20 + g % 50, g % 7 = 0 from generate_series(1, 2000) g;"
        f"alter table customers owner to postgres; grant select on customers to {PG_USER};",
        name,
    )
    yield postgres, name


def _stack(tmp_path: Path, url: str, **files: str) -> Path:
    folder = tmp_path / "stacks" / "q"
    folder.mkdir(parents=True)
    (folder / "sources.yaml").write_text(f'sources:\n  crm: {{url: "{url}"}}\n')
    for name, text in files.items():
        (folder / f"{name}.yaml").write_text(text)
    return folder


def _load(folder: Path, password: str | None = PG_PASSWORD, **settings: int):  # type: ignore[no-untyped-def]
    queries = QuerySettings({"crm": password} if password else {}, **settings)  # type: ignore[arg-type]
    return load_desired_state(folder, SCHEMAS, shown_root=folder.parent.parent, queries=queries)


def _problems(folder: Path, password: str | None = PG_PASSWORD, **settings: int) -> list[str]:
    with pytest.raises(DesiredStateError) as caught:
        _load(folder, password, **settings)
    assert PG_PASSWORD not in str(caught.value)
    return caught.value.problems


def test_every_family_reads_its_entries_from_postgresql_and_duckdb(
    crm: tuple[PostgresServer, str], tmp_path: Path
) -> None:
    pg, db = crm
    folder = _stack(
        tmp_path,
        pg.url(db, password=False),
        tags="memberships:\n  vip:\n    members_query: {source: crm, sql: "
        '"select ext_id from customers where ltv > 1990"}\n'
        "assignments:\n  local-vip:\n    members_query: {sql: \"select ext_id from 'data/vip.parquet'\"}\n",
        categories="preferences:\n  - category: News\n    channel: EMAIL\n"
        '    opted_in_query: {source: crm, sql: "select ext_id from customers\n'
        "      where tier = 'gold' and ltv < 10\"}\n"
        '    opted_out_query: {source: crm, sql: "select ext_id from customers\n'
        '      where ltv between 10 and 11"}\n',
        consent="email:\n  users:\n    opted_in_query: {source: crm, sql: "
        '"select ext_id from customers where churn and ltv < 30"}\n',
        profiles='users_query:\n  source: crm\n  sql: >-\n    select ext_id, tier as "loyaltyTier", '
        'ltv::float8 as "lifetimeValue", age from customers where ltv <= 3\n',
    )
    (folder / "data").mkdir()
    write_id_table(folder / "data" / "vip.parquet", ["local-1", "local-2"])
    state = _load(folder)
    tags = state.of(TAGS)
    assert tags is not None
    assert sorted(tags.memberships[0].members) == [f"cust-{i}" for i in range(1991, 2001)]
    assert tags.assignments[0].members == ("local-1", "local-2")
    (pref,) = state.of(CATEGORIES).preferences  # type: ignore[union-attr]
    assert pref.preferences == {"cust-2": OPTED_IN, "cust-5": OPTED_IN, "cust-8": OPTED_IN,
                                "cust-10": OPTED_OUT, "cust-11": OPTED_OUT}  # fmt: skip
    consent = state.of(CONSENT)
    assert consent is not None
    assert sorted(consent.lists[0].consents) == ["cust-14", "cust-21", "cust-28", "cust-7"]
    profiles = state.of(PROFILES)
    assert profiles is not None
    assert profiles.profiles == {
        "cust-1": {"loyaltyTier": "silver", "lifetimeValue": 1.0, "age": 21},
        "cust-2": {"loyaltyTier": "gold", "lifetimeValue": 2.0, "age": 22},
        "cust-3": {"loyaltyTier": "bronze", "lifetimeValue": 3.0, "age": 23},
    }
    shown = [(where, source.split(" ")[0], rows) for where, source, rows in state.queries]
    assert shown == [
        ("stacks/q/tags.yaml: memberships.vip.members_query", "crm", 10),
        ("stacks/q/tags.yaml: assignments.local-vip.members_query", "local", 2),
        ("stacks/q/categories.yaml: preferences[0].opted_in_query", "crm", 3),
        ("stacks/q/categories.yaml: preferences[0].opted_out_query", "crm", 2),
        ("stacks/q/profiles.yaml: users_query", "crm", 3),
        ("stacks/q/consent.yaml: email.users.opted_in_query", "crm", 4),
    ]
    assert PG_PASSWORD not in repr(state)


def test_a_change_in_the_table_shows_in_the_next_load(
    crm: tuple[PostgresServer, str], tmp_path: Path
) -> None:
    pg, db = crm
    sql = "select ext_id from customers where tier = 'gold' and ltv > 1990"
    tags = f"memberships:\n  top:\n    members_query: {{source: crm, sql: {json.dumps(sql)}}}\n"
    folder = _stack(tmp_path, pg.url(db, password=False), tags=tags)
    before = _load(folder).of(TAGS).memberships[0].members  # type: ignore[union-attr]
    pg.psql("update customers set tier = 'gold' where ext_id = 'cust-1993'", db)
    try:
        after = _load(folder).of(TAGS).memberships[0].members  # type: ignore[union-attr]
    finally:
        pg.psql("update customers set tier = 'silver' where ext_id = 'cust-1993'", db)
    assert sorted(set(after) - set(before)) == ["cust-1993"] and set(before) <= set(after)


def test_every_bad_query_fails_the_load_naming_file_entry_source_and_rows(
    crm: tuple[PostgresServer, str], tmp_path: Path
) -> None:
    pg, db = crm
    url = pg.url(db, password=False)

    def tag(sql: str, n: int = 0) -> list[str]:
        tags = f"memberships:\n  vip:\n    members_query: {{source: crm, sql: {json.dumps(sql)}}}\n"
        folder = _stack(tmp_path / str(uuid.uuid4()), url, tags=tags)
        return _problems(folder, max_rows=n) if n else _problems(folder)

    where = "stacks/q/tags.yaml: memberships.vip.members_query (source crm (postgres://pulumi@127.0.0.1:"
    (failed,) = tag("select no_such_column from customers")
    assert failed.startswith(where) and 'column "no_such_column" does not exist' in failed
    (null,) = tag("select ext_id from customers where ltv = 1 union all select null")
    assert null.startswith(where) and null.endswith(
        "row 2: column 'ext_id' is empty (null): every row needs an id"
    )
    (twice,) = tag("select ext_id from customers where ltv = 1 union all select 'cust-1'")
    assert twice.endswith("row 2: 'cust-1' in column 'ext_id' is listed more than once (first at row 1)")
    (number,) = tag("select age from customers")
    assert number.startswith(where) and "column 'age' is INTEGER, not text" in number
    assert number.endswith("select it as text (age::text)")
    (many,) = tag("select ext_id from customers", n=100)
    assert many.endswith(
        "returned more than 100 rows (netmera-iac:maxIdsPerResource): narrow the query or split the entry"
    )
    (write,) = tag("delete from customers returning ext_id")
    assert "must be one query" in write
    assert pg.psql("select count(*) from customers", db) == "2000"
    sleepy = 'memberships:\n  vip:\n    members_query: {source: crm, sql: "select pg_sleep(3)::text"}\n'
    (slow,) = _problems(_stack(tmp_path / "slow", url, tags=sleepy), timeout_seconds=1)
    assert slow.endswith("took longer than 1 s (netmera-iac:queryTimeoutSeconds)")
    profiles = 'users_query: {source: crm, sql: "select ext_id, tier as age, ltv as points from customers"}\n'
    (unknown,) = _problems(_stack(tmp_path / "p", url, profiles=profiles))
    assert unknown.startswith("stacks/q/profiles.yaml: users_query (source crm (postgres://pulumi@")
    assert "column 'points' is not an attribute of the managed schema" in unknown
    profiles = 'users_query: {source: crm, sql: "select ext_id, tier as age from customers"}\n'
    (mistyped,) = _problems(_stack(tmp_path / "p2", url, profiles=profiles))
    assert mistyped.endswith(
        "column 'age' is VARCHAR, which does not hold INTEGER values; cast it in the query (as BIGINT)"
    )


def test_a_source_that_cannot_be_reached_is_one_short_problem_without_its_password(
    crm: tuple[PostgresServer, str], tmp_path: Path
) -> None:
    pg, db = crm
    two = (
        "memberships:\n  a:\n    members_query: {source: crm, sql: select ext_id from customers}\n"
        "  b:\n    members_query: {source: crm, sql: select ext_id from customers}\n"
    )
    (wrong,) = _problems(
        _stack(tmp_path / "w", pg.url(db, password=False), tags=two), password="wrong-" + PG_PASSWORD
    )
    assert wrong.startswith("sources.yaml: source crm (postgres://pulumi@127.0.0.1:")
    assert (
        "password authentication failed" in wrong and "wrong-" not in wrong and len(wrong.splitlines()) == 1
    )
    (down,) = _problems(_stack(tmp_path / "d", f"postgresql://{PG_USER}@127.0.0.1:1/crm", tags=two))
    assert "cannot be reached (first used by stacks/q/tags.yaml: memberships.a.members_query)" in down
    assert "Connection refused" in down
    (leaky,) = _problems(_stack(tmp_path / "l", pg.url(db), tags=two))
    assert "holds a password" in leaky and "pulumi:****@127.0.0.1" in leaky


def test_what_a_query_returned_is_recorded_and_restored_as_a_file_in_its_place(
    crm: tuple[PostgresServer, str], tmp_path: Path
) -> None:
    pg, db = crm
    tags = (
        "memberships:\n  vip:\n    description: top spenders\n    members_query:\n      source: crm\n"
        "      sql: select ext_id from customers where ltv > 1995\n    protect: true\n"
    )
    profiles = (
        'users_query: {source: crm, sql: \'select ext_id, tier as "loyaltyTier" from customers '
        "where ltv < 3'}\n"
    )
    folder = _stack(tmp_path, pg.url(db, password=False), tags=tags, profiles=profiles)
    state = _load(folder)
    members = state.of(TAGS).memberships[0].members  # type: ignore[union-attr]
    values = state.of(PROFILES).profiles  # type: ignore[union-attr]
    held = {("TagMembership", "vip", "members"): codec.header(codec.encode_ids(members))}
    recorded = record_desired_state(folder, DESIRED_STATE_FILES, state.list_files, held)  # type: ignore[arg-type]
    assert PG_PASSWORD not in json.dumps(recorded)
    deployment = {"resources": [
        {"urn": "urn:pulumi:q::p::pulumi-python:dynamic/netmera:TagMembership::vip",
         "inputs": codec.collection("members", codec.encode_ids(members), "ids")},
        {"urn": "urn:pulumi:q::p::pulumi-python:dynamic/netmera:ProfileAttributes::profiles",
         "inputs": codec.collection("profiles", codec.encode_json_map(values), "users")},
    ]}  # fmt: skip
    replaced: list[str] = []
    files = restore_desired_state(recorded, DESIRED_STATE_FILES, deployment, replaced)
    assert replaced == [
        "tags.yaml: members_query (source crm) -> restored/tags.memberships.vip.members.txt",
        "profiles.yaml: users_query (source crm) -> restored/profiles.users.parquet",
    ]
    assert files["tags.yaml"] == tags.replace(
        "    members_query:\n      source: crm\n      sql: select ext_id from customers where ltv > 1995\n",
        '    members_file: "restored/tags.memberships.vip.members.txt"\n',
    )
    assert files["profiles.yaml"] == 'users_file: "restored/profiles.users.parquet"\n'
    restored = tmp_path / "restored" / "stacks" / "q"
    restored.mkdir(parents=True)
    for name, content in files.items():
        (restored / name).parent.mkdir(parents=True, exist_ok=True)
        (restored / name).write_bytes(content.encode() if isinstance(content, str) else content)
    again = load_desired_state(restored, SCHEMAS, shown_root=restored.parent.parent)  # no source is asked
    assert sorted(again.of(TAGS).memberships[0].members) == sorted(members)  # type: ignore[union-attr]
    assert again.of(PROFILES).profiles == values  # type: ignore[union-attr]
    assert again.queries == ()


def test_without_a_configured_password_libpq_takes_pgpassword(
    crm: tuple[PostgresServer, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pg, db = crm
    tags = "memberships:\n  vip:\n    members_query: {source: crm, sql: select ext_id from customers}\n"
    folder = _stack(tmp_path, pg.url(db, password=False), tags=tags)
    monkeypatch.setenv("PGPASSWORD", PG_PASSWORD)
    assert len(_load(folder, password=None).of(TAGS).memberships[0].members) == 2000  # type: ignore[union-attr]
    monkeypatch.setenv("PGPASSWORD", "not-" + PG_PASSWORD)
    (refused,) = _problems(folder, password=None)
    assert "password authentication failed" in refused and "not-" not in refused
