"""Loading and checking profiles of N users and 3 attributes: `users:` in profiles.yaml (YAML parse, the
file's JSON Schema, per-user checks) against the same values as a `users_file` table in CSV and in
Parquet (DuckDB, checked per column), side by side in one run. The YAML path is measured at the
smaller size only, since at 1,000,000 it takes minutes.

    .venv/bin/python -m bench.bench_profile_tables [--users 1000000] [--yaml-users 100000]
"""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

import duckdb
import yaml

from bench.common import timed
from netmera_iac.families import load_desired_state

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"
SELECT = (
    "SELECT 'u' || lpad(i::VARCHAR, 7, '0') AS ext_id, (['bronze', 'silver', 'gold', 'platinum'])[1 + i % 4] "
    "AS loyaltyTier, (i % 1000) * 1.5 AS lifetimeValue, (i % 90)::BIGINT AS age FROM range({n}) t(i)"
)


def write_tables(stack: Path, users: int) -> None:
    con = duckdb.connect()
    con.execute(f"COPY ({SELECT.format(n=users)}) TO $p (FORMAT parquet)", {"p": str(stack / "p.parquet")})
    con.execute(f"COPY ({SELECT.format(n=users)}) TO $p (HEADER)", {"p": str(stack / "p.csv")})


def load(stack: Path, users_file: str | None) -> int:
    if users_file is not None:
        (stack / "profiles.yaml").write_text(f"users_file: {users_file}\n")
    return len(load_desired_state(stack, SCHEMAS).sections["profiles"].profiles)  # type: ignore[attr-defined]


def measure(root: Path, users: int, with_yaml: bool) -> dict[str, float]:
    stack = root / f"stacks/n{users}"
    stack.mkdir(parents=True)
    write_tables(stack, users)
    found: dict[str, float] = {}
    for name in ("p.parquet", "p.csv"):
        found[name.split(".")[1]] = timed(lambda f=name: load(stack, f))
        assert load(stack, name) == users
    if with_yaml:
        rows = duckdb.connect().execute(SELECT.format(n=users)).fetchall()
        document = {
            "users": {r[0]: {"loyaltyTier": r[1], "lifetimeValue": float(r[2]), "age": r[3]} for r in rows}
        }
        (stack / "profiles.yaml").write_text(yaml.safe_dump(document))
        found["yaml"] = timed(lambda: load(stack, None))
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=1_000_000)
    parser.add_argument("--yaml-users", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        small = measure(Path(tmp), args.yaml_users, with_yaml=True)
        large = measure(Path(tmp), args.users, with_yaml=False)
    report = {
        f"users_{args.yaml_users}": {f"{k}_s": round(v, 2) for k, v in small.items()},
        f"yaml_over_parquet_ratio_at_{args.yaml_users}": round(small["yaml"] / small["parquet"], 1),
        f"users_{args.users}": {f"{k}_s": round(v, 2) for k, v in large.items()},
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
