"""Desired state from queries at scale, side by side in one run: a tag of N ids and profiles of N users
x 3 attributes loaded and checked from a real PostgreSQL server (a throw-away cluster on loopback, read
through ADBC), from Parquet (a `*_file` table and a `local` DuckDB query), and, as the floor, the same
ids as a text list file (the fastest path the loader had) and the profiles as YAML `users:` (the only
path profiles had). Also the setProfileAttributes calls the planner makes for a 1 % change.

    .venv/bin/python -m bench.bench_queries [--users 1000000] [--yaml-users 1000000]

Loading, not applying: what the program does before Pulumi starts (preview and apply against the engine
floor are measured per family by the other benchmarks).
"""

from __future__ import annotations

import argparse
import json
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import duckdb
import yaml

from netmera_iac.engine.sources import QuerySettings
from netmera_iac.families import load_desired_state
from netmera_iac.families.profiles.planner import plan_profiles
from netmera_iac.models import MAX_IDS_PER_REQUEST
from tests.servers import PG_PASSWORD, PG_USER, postgres_server

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
ROWS = (
    "SELECT 'u' || lpad(i::VARCHAR, 7, '0') AS ext_id, (['bronze', 'silver', 'gold', 'platinum'])[1 + i % 4] "
    "AS tier, (i % 1000) * 1.5 AS ltv, (i % 90)::INTEGER AS age FROM range({n}) t(i)"
)
PROFILE_COLUMNS = 'ext_id, tier AS "loyaltyTier", ltv AS "lifetimeValue", age'


def best(fn: Any, runs: int = 2) -> tuple[float, Any]:
    """The fastest of `runs` (the first run also warms the page cache and the server's buffers)."""
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def load(stack: Path, queries: QuerySettings, **files: str) -> Any:
    for name in ("tags", "profiles"):
        (stack / f"{name}.yaml").unlink(missing_ok=True)
    for name, text in files.items():
        (stack / f"{name}.yaml").write_text(text)
    return load_desired_state(stack, SCHEMAS, shown_root=stack.parent.parent, queries=queries)


def members(state: Any) -> int:
    return len(state.sections["tags"].memberships[0].members)


def profiles(state: Any) -> dict[str, dict[str, Any]]:
    return dict(state.sections["profiles"].profiles)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--yaml-users", type=int, default=1_000_000, help="0 skips the YAML baseline")
    args = parser.parse_args()
    n = args.users
    report: dict[str, Any] = {"users": n}
    with tempfile.TemporaryDirectory() as tmp, postgres_server() as pg:
        stack = Path(tmp) / "stacks" / "bench"
        (stack / "data").mkdir(parents=True)
        con = duckdb.connect()
        con.execute(f"COPY ({ROWS.format(n=n)}) TO $p (FORMAT parquet)", {"p": str(stack / "data/c.parquet")})
        con.execute(f"COPY (SELECT ext_id FROM ({ROWS.format(n=n)})) TO $p (HEADER false)",
                    {"p": str(stack / "data/ids.txt")})  # fmt: skip
        csv = Path(tmp) / "rows.csv"
        con.execute(f"COPY ({ROWS.format(n=n)}) TO $p (HEADER false)", {"p": str(csv)})
        db = pg.database("crm")
        pg.psql("create table customers (ext_id text primary key, tier text, ltv float8, age int)", db)
        pg.psql(f"alter table customers owner to {PG_USER}", db)
        pg.copy_in("customers", csv, db)
        pg.psql("analyze customers", db)
        (stack / "sources.yaml").write_text(f'sources:\n  crm: {{url: "{pg.url(db, password=False)}"}}\n')
        queries = QuerySettings({"crm": PG_PASSWORD})

        tag = "memberships:\n  vip:\n    {}\n"
        cases = {
            "text_list_file": tag.format("members_file: data/ids.txt"),
            "parquet_file": tag.format("members_file: data/c.parquet"),
            "local_query_parquet": tag.format(
                "members_query: {sql: \"select ext_id from 'data/c.parquet'\"}"
            ),
            "postgresql_query": tag.format(
                'members_query: {source: crm, sql: "select ext_id from customers"}'
            ),
        }
        tags: dict[str, float] = {}
        for name, text in cases.items():
            tags[name], state = best(lambda t=text: load(stack, queries, tags=t))
            assert members(state) == n, name
        floor = tags["text_list_file"]
        report["tag_load_s"] = {k: round(v, 2) for k, v in tags.items()}
        report["tag_load_ratio_to_text_list"] = {k: round(v / floor, 2) for k, v in tags.items()}

        table = stack / "data/p.parquet"
        con.execute(f"COPY (SELECT {PROFILE_COLUMNS} FROM ({ROWS.format(n=n)})) TO $p (FORMAT parquet)",
                    {"p": str(table)})  # fmt: skip
        local_sql = f"select {PROFILE_COLUMNS} from 'data/c.parquet'"
        pg_sql = f"select {PROFILE_COLUMNS} from customers"
        profile_cases = {
            "parquet_file": "users_file: data/p.parquet\n",
            "local_query_parquet": f"users_query: {{sql: {json.dumps(local_sql)}}}\n",
            "postgresql_query": f"users_query: {{source: crm, sql: {json.dumps(pg_sql)}}}\n",
        }
        loaded: dict[str, float] = {}
        values: dict[str, dict[str, dict[str, Any]]] = {}
        for name, text in profile_cases.items():
            loaded[name], state = best(lambda t=text: load(stack, queries, profiles=t))
            values[name] = profiles(state)
            assert len(values[name]) == n, name
        assert values["postgresql_query"] == values["parquet_file"] == values["local_query_parquet"]
        if args.yaml_users:
            rows = con.execute(f"SELECT {PROFILE_COLUMNS} FROM ({ROWS.format(n=args.yaml_users)})").fetchall()
            document = {"users": {r[0]: {"loyaltyTier": r[1], "lifetimeValue": float(r[2]), "age": r[3]}
                                  for r in rows}}  # fmt: skip
            text = yaml.safe_dump(document)
            loaded[f"yaml_users_{args.yaml_users}"], state = best(
                lambda: load(stack, queries, profiles=text), 1
            )
            assert len(profiles(state)) == args.yaml_users
        report["profiles_load_s"] = {k: round(v, 2) for k, v in loaded.items()}
        if args.yaml_users == n:
            yaml_s = loaded[f"yaml_users_{n}"]
            report["yaml_over_each_ratio"] = {
                k: round(yaml_s / v, 1) for k, v in loaded.items() if "yaml" not in k
            }

        # A 1 % change: every hundredth user's tier moves; the plan's calls against ⌈changed / 1000⌉.
        before = values["postgresql_query"]
        after = {u: ({**v, "loyaltyTier": "platinum" if v["loyaltyTier"] != "platinum" else "gold"}
                     if i % 100 == 0 else v) for i, (u, v) in enumerate(before.items())}  # fmt: skip
        plan = plan_profiles(after, before)
        report["one_percent_change"] = {
            "changed_users": plan.users_changed,
            "setProfileAttributes_calls": plan.calls,
            "minimum": math.ceil(plan.users_changed / MAX_IDS_PER_REQUEST),
        }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
