"""Every per-user family at scale: one resource of N users against the engine floor, side by side in one run.

Families (issue 24, item 6), ids of 32 random-looking hex characters:
  - `tags`: one tag, `members_file`; churn: 0.5 % of the members leave, 0.5 % join;
  - `category`: one category entry, `opted_in_file` / `opted_out_file`; churn: 1 % opt out;
  - `consent`: one email list by id, `opted_in_file` / `opted_out_file`; churn: 1 % opt out;
  - `profiles`: 3 attributes per user from a Parquet `users_file`; churn: 1 % get another tier.
Phases: initial `pulumi up`, no-change `pulumi preview`, 1 % churn `pulumi up`. For each: wall time of
netmera-iac and of the floor program (bench/floor: the same data as one compressed string in a trivial
provider that plans and sends nothing; its lines are what the family's resource carries, e.g.
`<id>\\topted_in`) and their ratio; write calls in the emulator's request log against the minimum
(Σ ⌈changed ids / 1000⌉ per operation); state size; peak resident memory of the CLI and of the
dynamic-provider process on each side. Profiles run with `verify: none`: the read-back costs one GET per
changed user, which the floor has no counterpart for (bench_profiles measures it).

    .venv/bin/python -m bench.bench_families [--family tags|category|consent|profiles|all] [--users 1000000]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import yaml

from bench.common import FLOOR, RATE, PeakMemory, new_stack, state_sizes, timed
from netmera_iac.emulator.fixtures import hex32_id
from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator
from tests.e2e.harness import Project

CATEGORY = "Bench"
TIERS = ("bronze", "silver", "gold", "platinum")
PROFILE_ATTRIBUTES = (
    {"code": "loyaltyTier", "data_type": "STRING"},
    {"code": "lifetimeValue", "data_type": "DOUBLE"},
    {"code": "age", "data_type": "INTEGER"},
)


@dataclass(frozen=True)
class Phase:
    """One generation of the desired state: what netmera-iac's files and the floor's lines say, and the
    ids each write operation must change to get there."""

    files: dict[str, str]  # path under the stack folder -> text (or, for .parquet, a DuckDB SELECT)
    floor_lines: list[str]
    changes: dict[str, int]  # write operation -> ids changed


def _ids(users: int, extra: int = 0) -> list[str]:
    return [hex32_id("u", n) for n in range(1, users + extra + 1)]


def _text(ids: list[str]) -> str:
    return "".join(f"{i}\n" for i in ids)


def _prefs(opted_in: list[str], opted_out: list[str]) -> list[str]:
    return sorted([f"{i}\topted_in" for i in opted_in] + [f"{i}\topted_out" for i in opted_out])


def tags(users: int) -> list[Phase]:
    churn = users // 200
    ids = _ids(users, churn)
    base, churned = ids[:users], ids[churn:]
    doc = yaml.safe_dump({"memberships": {"bench": {"members_file": "lists/bench.txt"}}})

    def phase(members: list[str], changes: dict[str, int]) -> Phase:
        return Phase({"tags.yaml": doc, "lists/bench.txt": _text(members)}, sorted(members), changes)

    return [
        phase(base, {"tagUsers": users}),
        phase(base, {}),
        phase(churned, {"tagUsers": churn, "untagUsers": churn}),
    ]


def _opt_lists(users: int, file: str, doc: dict[str, Any], opt_in: str, opt_out: str) -> list[Phase]:
    ids = _ids(users)
    leaving = ids[::100]
    kept = sorted(set(ids) - set(leaving))

    def phase(opted_in: list[str], opted_out: list[str], changes: dict[str, int]) -> Phase:
        files = {file: yaml.safe_dump(doc), "lists/in.txt": _text(opted_in)}
        files["lists/out.txt"] = _text(opted_out)
        return Phase(files, _prefs(opted_in, opted_out), changes)

    return [
        phase(ids, [], {opt_in: users}),
        phase(ids, [], {}),
        phase(kept, leaving, {opt_out: len(leaving)}),
    ]


def category(users: int) -> list[Phase]:
    lists = {"opted_in_file": "lists/in.txt", "opted_out_file": "lists/out.txt", "allow_mass_change": False}
    entry = {"category": CATEGORY, **lists}
    ops = "setCategoryPreferences"
    return _opt_lists(users, "categories.yaml", {"preferences": [entry]}, ops, ops)


def consent(users: int) -> list[Phase]:
    lists = {"opted_in_file": "lists/in.txt", "opted_out_file": "lists/out.txt"}
    return _opt_lists(users, "consent.yaml", {"email": {"users": lists}}, "enableMail", "disableMail")


def profiles(users: int) -> list[Phase]:
    ids = _ids(users)
    churned = set(ids[::100])
    doc = yaml.safe_dump({"users_file": "data/profiles.parquet", "verify": "none"})

    def phase(generation: int, changes: dict[str, int]) -> Phase:
        rows = [
            (i, TIERS[(n + generation * (i in churned)) % 4], n * 1.5, 18 + n % 60) for n, i in enumerate(ids)
        ]
        lines = sorted(
            f"{i}\t{_compact({'age': a, 'lifetimeValue': v, 'loyaltyTier': t})}" for i, t, v, a in rows
        )
        return Phase({"profiles.yaml": doc, "data/profiles.parquet": _parquet(rows)}, lines, changes)

    return [
        phase(0, {"setProfileAttributes": users}),
        phase(0, {}),
        phase(1, {"setProfileAttributes": len(churned)}),
    ]


def _compact(value: dict[str, Any]) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _parquet(rows: list[tuple[str, str, float, int]]) -> str:
    """The rows as CSV text, which `_write` converts to the Parquet file (typed columns) with DuckDB."""
    return "\n".join(f"{i},{t},{v},{a}" for i, t, v, a in rows)


FAMILIES: dict[str, Callable[[int], list[Phase]]] = {
    "tags": tags,
    "category": category,
    "consent": consent,
    "profiles": profiles,
}


def _write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix == ".parquet":
            staged = path.with_suffix(".csv.tmp")
            staged.write_text("ext_id,loyaltyTier,lifetimeValue,age\n" + text + "\n")
            con = duckdb.connect()
            con.execute(
                'COPY (SELECT ext_id::VARCHAR AS ext_id, loyaltyTier::VARCHAR AS "loyaltyTier", '
                'lifetimeValue::DOUBLE AS "lifetimeValue", age::BIGINT AS age '
                "FROM read_csv($s, header=true, all_varchar=true)) TO $p (FORMAT parquet)",
                {"s": str(staged), "p": str(path)},
            )
            con.close()
            staged.unlink()
        else:
            path.write_text(text)


def _limit_profile_schema(work_dir: Path) -> None:
    schema_file = work_dir / "schemas" / "profile-attributes.schema.json"
    schema = json.loads(schema_file.read_text())
    codes = {a["code"] for a in PROFILE_ATTRIBUTES}
    schema["properties"] = {k: v for k, v in schema["properties"].items() if k in codes}
    schema_file.write_text(json.dumps(schema))


def run(family: str, users: int, tmp: Path) -> dict[str, Any]:
    phases = FAMILIES[family](users)
    fixture = tmp / "bench.yaml"
    app = {
        "id": "bench",
        "name": "bench",
        "api_keys": [DEMO_API_KEY],
        "generated_users": {"count": users + users // 200, "prefix": "u", "ids": "hex32"},
        "categories": [{"name": CATEGORY}],
        "profile_attributes": list(PROFILE_ATTRIBUTES),
    }
    fixture.write_text(yaml.safe_dump({"apps": [app]}))
    writes = {op for phase in phases for op in phase.changes}
    report: dict[str, Any] = {"family": family, "users": users}
    with contextlib.ExitStack() as servers:
        served = servers.enter_context(ServedEmulator(fixture=str(fixture)))
        emulator = servers.enter_context(Emulator(served))
        memory = servers.enter_context(PeakMemory())
        netmera = new_stack(tmp / "netmera", served.base_url)
        _limit_profile_schema(netmera.project.work_dir)
        floor = Project.create(tmp, "floor", FLOOR)
        floor_stack = floor.stack("bench")
        (floor.work_dir / "lists").mkdir()
        for name, phase, command in zip(
            ("initial_up", "no_change_preview", "churn_1pct_up"), phases, ("up", "preview", "up"), strict=True
        ):
            _write(netmera.state_dir, phase.files)
            (floor.work_dir / "lists" / "bench.txt").write_text("\n".join(phase.floor_lines) + "\n")
            emulator.control.delete("/requests")
            memory.reset()
            ours = timed(getattr(netmera.stack, command))
            ours_memory = memory.reset()
            calls = Counter(str(r["operation"]) for r in emulator.requests() if r["operation"] in writes)
            theirs = timed(getattr(floor_stack, command))
            floor_memory = memory.reset()
            report[name] = {
                "netmera_iac_s": round(ours, 2),
                "floor_s": round(theirs, 2),
                "ratio": round(ours / theirs, 2),
                "write_calls": dict(calls),
                "minimum_calls": {op: math.ceil(n / 1000) for op, n in phase.changes.items()},
                "peak_rss_mb": {"netmera_iac": ours_memory, "floor": floor_memory},
            }
        report["state_mb"] = state_sizes(tmp)
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--family", choices=[*FAMILIES, "all"], default="all")
    parser.add_argument("--users", type=int, default=1_000_000)
    args = parser.parse_args()
    os.environ["NETMERA_MAX_REQUESTS_PER_SECOND"] = RATE
    for family in FAMILIES if args.family == "all" else [args.family]:
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(run(family, args.users, Path(tmp)), indent=2), flush=True)


if __name__ == "__main__":
    main()
