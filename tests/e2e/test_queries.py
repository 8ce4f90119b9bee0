"""Audiences from queries, end to end through the real Pulumi CLI: a tag, a category entry, a consent
list and the profiles from a real PostgreSQL server (a throw-away cluster on loopback, read by ADBC),
and a tag and profiles from DuckDB over Parquet files in the stack folder. The plan names each
query's source and row count; a row updated in PostgreSQL is planned and sent with the fewest calls;
a bad query fails the preview with 0 writes; rollback writes what the version returned in place of
the query; the source's password is nowhere in the output, the state or the plan."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import duckdb
import pytest
from pulumi import automation as auto

from tests.conftest import Emulator
from tests.e2e.conftest import refused_plan, writes
from tests.e2e.harness import NetmeraStack, netmera_iac
from tests.servers import PG_PASSWORD, PG_USER, PostgresServer

pytestmark = pytest.mark.e2e


def _crm(pg: PostgresServer) -> str:
    db = pg.database(f"crm_{uuid.uuid4().hex[:8]}")
    pg.psql(
        "create table customers (ext_id text primary key, ltv numeric, tier text, news boolean);"
        "insert into customers values ('user-0001', 1500, 'gold', true), ('user-0002', 900, 'silver', true),"
        " ('user-0003', 2500, 'gold', false), ('cust-ayse', 3000, 'platinum', true),"
        " ('user-0004', 10, 'bronze', false);"
        f"grant select on customers to {PG_USER};",
        db,
    )
    return db


def _queries_stack(stack: NetmeraStack, pg: PostgresServer, db: str) -> None:
    folder = stack.state_dir
    (folder / "sources.yaml").write_text(f'sources:\n  crm: {{url: "{pg.url(db, password=False)}"}}\n')
    (folder / "tags.yaml").write_text(
        "memberships:\n  vip:\n    members_query: "
        '{source: crm, sql: "select ext_id from customers where ltv > 1000"}\n'
    )
    (folder / "categories.yaml").write_text(
        "preferences:\n  - category: Promotion\n    opted_in_query: "
        '{source: crm, sql: "select ext_id from customers where news"}\n'
    )
    (folder / "consent.yaml").write_text(
        "email:\n  users:\n    opted_in_query: "
        '{source: crm, sql: "select ext_id from customers where news"}\n'
    )
    (folder / "profiles.yaml").write_text(
        'users_query:\n  source: crm\n  sql: >-\n    select ext_id, tier as "loyaltyTier", ltv::float8 as '
        '"lifetimeValue" from customers\n'
    )
    stack.stack.set_config(
        "netmera-iac:sourcePasswords.crm", auto.ConfigValue(PG_PASSWORD, secret=True), path=True
    )


def test_postgresql_drives_a_tag_a_category_consent_and_profiles(
    netmera_stack: NetmeraStack, emulator: Emulator, postgres: PostgresServer, tmp_path: Path
) -> None:
    db = _crm(postgres)
    _queries_stack(netmera_stack, postgres, db)
    planned = netmera_iac(netmera_stack, "plan")
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "#### Queries read" in planned.stdout
    source = f"crm (postgres://{PG_USER}@127.0.0.1:{postgres.port}/{db}?sslmode=disable)"
    read = (
        ("tags.yaml: memberships.vip.members_query", 3),
        ("categories.yaml: preferences[0].opted_in_query", 3),
        ("consent.yaml: email.users.opted_in_query", 3),
        ("profiles.yaml: users_query", 5),
    )
    for entry, rows in read:
        assert f"- stacks/e2e/{entry}: {rows} row(s) from {source}" in planned.stdout, planned.stdout
    emulator.clear_requests()
    up = netmera_stack.stack.up()
    assert up.summary.result == "succeeded"
    assert emulator.users_of("vip") == ["cust-ayse", "user-0001", "user-0003"]
    sent = sorted({str(r["operation"]) for r in writes(emulator)})
    assert "tagUsers" in sent and "setProfileAttributes" in sent and len(sent) >= 4, sent

    # A row updated in PostgreSQL: the next plan says who enters and leaves; apply sends one call each.
    postgres.psql("update customers set ltv = 1100 where ext_id = 'user-0002';"
                  "update customers set ltv = 100 where ext_id = 'user-0003'", db)  # fmt: skip
    emulator.clear_requests()
    saved = tmp_path / "plan.json"
    planned = netmera_iac(netmera_stack, "plan", "--save-plan", str(saved))
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "| tag `vip` | update | 2 | tag 1, untag 1 |" in planned.stdout, planned.stdout
    applied = netmera_iac(netmera_stack, "apply", "--plan", str(saved))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    # one call per operation: the tag's two users, and both users' changed lifetime values
    assert sorted((r["operation"], r["ids"]) for r in writes(emulator)) == [
        ("setProfileAttributes", 2), ("tagUsers", 1), ("untagUsers", 1),
    ]  # fmt: skip
    assert emulator.users_of("vip") == ["cust-ayse", "user-0001", "user-0002"]

    # A query that returns nothing (a failed export, a truncated table) meets the empty-set guard.
    postgres.psql("update customers set ltv = 0", db)
    empty = refused_plan(netmera_stack, emulator)
    assert "the desired set is empty, which would remove every user it manages" in empty.stdout, empty.stdout
    postgres.psql(
        "update customers set ltv = 1100 where ext_id in ('user-0001', 'user-0002', 'cust-ayse')", db
    )

    # A bad query: refused at preview, naming the file, the entry and the source; nothing is sent.
    (netmera_stack.state_dir / "tags.yaml").write_text(
        'memberships:\n  vip:\n    members_query: {source: crm, sql: "select ext_id from customers union all '
        "select 'user-0001'\"}\n"
    )
    refused = refused_plan(netmera_stack, emulator)
    assert "memberships.vip.members_query (source crm" in refused.stdout, refused.stdout
    assert "'user-0001' in column 'ext_id' is listed more than once" in refused.stdout

    # Rollback to version 1: what the queries returned then, written in place of the queries.
    rolled = netmera_iac(netmera_stack, "rollback", "--to", "1")
    assert rolled.returncode == 0, rolled.stdout + rolled.stderr
    assert (
        "in place of a query, what it returned then: tags.yaml: members_query (source crm) -> "
        "restored/tags.memberships.vip.members.txt" in rolled.stdout
    ), rolled.stdout
    tags = (netmera_stack.state_dir / "tags.yaml").read_text()
    assert 'members_file: "restored/tags.memberships.vip.members.txt"' in tags and "members_query" not in tags
    restored = netmera_stack.state_dir / "restored" / "tags.memberships.vip.members.txt"
    assert sorted(line for line in restored.read_text().splitlines() if not line.startswith("#")) == [
        "cust-ayse", "user-0001", "user-0003",
    ]  # fmt: skip
    assert emulator.users_of("vip") == ["cust-ayse", "user-0001", "user-0003"]
    assert "users_file" in (netmera_stack.state_dir / "profiles.yaml").read_text()

    # `pulumi stack export` (without --show-secrets) and the backend's files: encrypted only.
    exported = netmera_stack.cli("stack", "export", check=True).stdout
    assert "ciphertext" in exported and PG_PASSWORD not in exported
    backend = Path(netmera_stack.project.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    assert not [p for p in backend.rglob("*") if p.is_file() and PG_PASSWORD.encode() in p.read_bytes()]
    for output in (planned, applied, refused, rolled):
        assert PG_PASSWORD not in output.stdout + output.stderr


def test_duckdb_over_the_stack_folder_drives_a_tag_and_profiles(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    data = netmera_stack.state_dir / "data"
    data.mkdir()
    customers = data / "customers.parquet"
    duckdb.connect().execute(
        "COPY (SELECT * FROM (VALUES ('cust-ayse', 3000.0, 'platinum'), ('user-0001', 1500.0, 'gold'), "
        "('user-0002', 200.0, 'bronze')) t(ext_id, ltv, tier)) TO $p (FORMAT parquet)",
        {"p": str(customers)},
    )
    (netmera_stack.state_dir / "tags.yaml").write_text(
        "memberships:\n  vip:\n    members_query: {sql: \"select ext_id from 'data/customers.parquet' "
        'where ltv > 1000"}\n'
    )
    (netmera_stack.state_dir / "profiles.yaml").write_text(
        "users_query: {sql: 'select ext_id, tier as \"loyaltyTier\" from ''data/customers.parquet'''}\n"
    )
    up = netmera_stack.stack.up()
    assert up.summary.result == "succeeded"
    assert emulator.users_of("vip") == ["cust-ayse", "user-0001"]
    with emulator.api() as api:
        answer = api.get("/getProfileAttributes", params={"extId": "user-0002"}).json()
    assert "bronze" in json.dumps(answer)
    # A local query may read the stack folder only: a file beside the project is refused at preview.
    outside = netmera_stack.project.work_dir / "outside.parquet"
    customers.rename(outside)
    (netmera_stack.state_dir / "tags.yaml").write_text(
        f"memberships:\n  vip:\n    members_query: {{sql: \"select ext_id from '{outside}'\"}}\n"
    )
    (netmera_stack.state_dir / "profiles.yaml").unlink()
    refused = refused_plan(netmera_stack, emulator)
    assert "memberships.vip.members_query (source local" in refused.stdout, refused.stdout
    assert "Permission Error" in refused.stdout


def test_consent_evidence_columns_let_a_reviewed_re_opt_in_through_the_guard(
    netmera_stack: NetmeraStack, emulator: Emulator, postgres: PostgresServer
) -> None:
    db = postgres.database(f"crm_{uuid.uuid4().hex[:8]}")
    postgres.psql(
        "create table consents (ext_id text primary key, email_ok boolean, consent_source text, "
        "consent_at timestamptz);"
        "insert into consents values ('user-0001', true, 'signup form', now() - interval '30 days'),"
        " ('user-0002', false, null, null), ('user-0003', true, null, null);"
        f"grant select on consents to {PG_USER};",
        db,
    )
    (netmera_stack.state_dir / "sources.yaml").write_text(
        f'sources:\n  crm: {{url: "{postgres.url(db, password=False)}"}}\n'
    )
    columns = "ext_id, consent_source as evidence_source, consent_at as evidence_at"
    (netmera_stack.state_dir / "consent.yaml").write_text(
        "email:\n  users:\n"
        f'    opted_in_query: {{source: crm, sql: "select {columns} from consents where email_ok"}}\n'
        '    opted_out_query: {source: crm, sql: "select ext_id from consents where not email_ok"}\n'
    )
    netmera_stack.stack.set_config(
        "netmera-iac:sourcePasswords.crm", auto.ConfigValue(PG_PASSWORD, secret=True), path=True
    )
    assert netmera_stack.stack.up().summary.result == "succeeded"

    # user-0002 ticks the box again, but the table has no evidence yet: the guard holds at preview.
    postgres.psql("update consents set email_ok = true where ext_id = 'user-0002'", db)
    blocked = refused_plan(netmera_stack, emulator)
    assert "consent guard (email): email.users: user-0002 (person user-0002) opted out" in blocked.stdout
    assert "no evidence in the desired state" in blocked.stdout, blocked.stdout

    # The preference centre's record arrives in the table: where and when, later than the opt-out.
    postgres.psql(
        "update consents set consent_source = 'preference centre', consent_at = now() "
        "where ext_id = 'user-0002'",
        db,
    )
    emulator.clear_requests()
    saved = netmera_stack.project.work_dir / "plan.json"
    planned = netmera_iac(netmera_stack, "plan", "--save-plan", str(saved))
    assert planned.returncode == 0, planned.stdout
    assert "opt in 1" in planned.stdout, planned.stdout
    applied = netmera_iac(netmera_stack, "apply", "--plan", str(saved))
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert [(r["operation"], r["ids"]) for r in writes(emulator)] == [("enableMail", 1)]
