"""Tag memberships at scale: netmera-iac against the engine floor, side by side in one run.

Scenarios (issue 12), ids of 32 random-looking hex characters read from `members_file`s:
  - `two`: 2 tags x 100,000 members;  - `ten`: 10 tags x 100,000;  - `million`: 1 tag x 1,000,000.
Phases: initial `pulumi up`, no-change `pulumi preview`, 1 % churn `pulumi up` (0.5 % of each tag
removed, 0.5 % added). For each: wall time of netmera-iac and of the floor program (bench/floor: the
same ids as one compressed string in a trivial provider that plans and sends nothing) and their ratio;
write calls counted in the emulator's request log against the minimum (Σ ⌈changed ids / 1000⌉ per tag
and operation); whether the emulator's members equal the desired state afterwards; state size; peak
resident memory of the CLI and of the dynamic-provider process on each side.

    .venv/bin/python -m bench.bench_tags [--scenario two|ten|million|all] [--source file|postgresql]

`--source postgresql`: netmera-iac reads each tag's ids with a `members_query` from a real PostgreSQL
server (a throw-away cluster on loopback; the churn is a table update), the floor still from files.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from bench.common import FLOOR, RATE, PeakMemory, new_stack, state_sizes, timed
from netmera_iac.emulator.fixtures import hex32_id
from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator
from tests.e2e.harness import Project
from tests.servers import PG_PASSWORD, PG_USER, postgres_server

SCENARIOS = {"two": (2, 100_000), "ten": (10, 100_000), "million": (1, 1_000_000)}


def write_calls(emulator: Emulator) -> Counter[str]:
    ops = (str(r["operation"]) for r in emulator.requests())
    return Counter(op for op in ops if op in ("tagUsers", "untagUsers"))


def minimum(changes: dict[str, tuple[int, int]]) -> int:
    return sum(math.ceil(add / 1000) + math.ceil(remove / 1000) for add, remove in changes.values())


def run(scenario: str, tmp: Path, source: str = "file") -> dict[str, Any]:
    count, members = SCENARIOS[scenario]
    churn = members // 200  # 0.5 % out + 0.5 % in = 1 % of the members change
    tags = [f"tag-{t:02d}" for t in range(count)]
    ids = [hex32_id("u", n) for n in range(1, members + churn + 1)]
    base, churned = ids[:members], ids[churn:]
    fixture = tmp / "bench.yaml"
    generated = {"count": members + churn, "prefix": "u", "ids": "hex32"}
    app = {"id": "bench", "name": "bench", "api_keys": [DEMO_API_KEY], "generated_users": generated}
    fixture.write_text(yaml.safe_dump({"apps": [app]}))
    report: dict[str, Any] = {"tags": count, "members_per_tag": members, "source": source}
    with contextlib.ExitStack() as servers:
        served = servers.enter_context(ServedEmulator(fixture=str(fixture)))
        emulator = servers.enter_context(Emulator(served))
        memory = servers.enter_context(PeakMemory())
        pg = servers.enter_context(postgres_server()) if source == "postgresql" else None
        netmera = new_stack(tmp / "netmera", served.base_url)
        floor = Project.create(tmp, "floor", FLOOR)
        floor_stack = floor.stack("bench")
        (floor.work_dir / "lists").mkdir()
        (netmera.state_dir / "lists").mkdir()

        if pg is not None:
            db = pg.database("crm")
            pg.psql(
                f"create table members (tag text, ext_id text); alter table members owner to {PG_USER}", db
            )
            (netmera.state_dir / "sources.yaml").write_text(
                f'sources:\n  crm: {{url: "{pg.url(db, password=False)}"}}\n'
            )
            netmera.stack.set_config(
                "netmera-iac:sourcePasswords.crm", auto.ConfigValue(PG_PASSWORD, secret=True), path=True
            )

        def write(members_now: list[str]) -> None:
            text = "\n".join(members_now) + "\n"
            for tag in tags:
                (netmera.state_dir / "lists" / f"{tag}.txt").write_text(text)
                (floor.work_dir / "lists" / f"{tag}.txt").write_text(text)
            doc: dict[str, Any] = {"memberships": {t: {"members_file": f"lists/{t}.txt"} for t in tags}}
            if pg is not None:  # the same ids as rows of a table, one query per tag
                rows = tmp / "members.csv"
                rows.write_text("".join(f"{t},{i}\n" for t in tags for i in members_now))
                pg.psql("truncate members", db)
                pg.copy_in("members", rows, db)
                pg.psql("analyze members", db)
                sql = "select ext_id from members where tag = '{}'"
                doc = {
                    "memberships": {
                        t: {"members_query": {"source": "crm", "sql": sql.format(t)}} for t in tags
                    }
                }
            (netmera.state_dir / "tags.yaml").write_text(yaml.safe_dump(doc))

        phases = [
            ("initial_up", base, {t: (members, 0) for t in tags}, "up"),
            ("no_change_preview", base, {t: (0, 0) for t in tags}, "preview"),
            ("churn_1pct_up", churned, {t: (churn, churn) for t in tags}, "up"),
        ]
        for name, members_now, changes, command in phases:
            write(members_now)
            emulator.control.delete("/requests")
            memory.reset()
            ours = timed(getattr(netmera.stack, command))
            ours_memory = memory.reset()
            calls = write_calls(emulator)
            theirs = timed(getattr(floor_stack, command))
            floor_memory = memory.reset()
            phase: dict[str, Any] = {
                "netmera_iac_s": round(ours, 2),
                "floor_s": round(theirs, 2),
                "ratio": round(ours / theirs, 2),
                "write_calls": sum(calls.values()),
                "minimum_calls": minimum(changes),
                "peak_rss_mb": {"netmera_iac": ours_memory, "floor": floor_memory},
            }
            if command == "up":
                expected = sorted(members_now)
                phase["emulator_matches_desired"] = all(
                    emulator.users_of(t, app="bench") == expected for t in tags
                )
            report[name] = phase
        report["state_mb"] = state_sizes(tmp)
    return report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scenario", choices=[*SCENARIOS, "all"], default="all")
    parser.add_argument("--source", choices=["file", "postgresql"], default="file")
    args = parser.parse_args()
    os.environ["NETMERA_MAX_REQUESTS_PER_SECOND"] = RATE
    report = {}
    for scenario in SCENARIOS if args.scenario == "all" else [args.scenario]:
        with tempfile.TemporaryDirectory() as tmp:
            report[scenario] = run(scenario, Path(tmp), args.source)
            print(json.dumps({scenario: report[scenario]}, indent=2), flush=True)


if __name__ == "__main__":
    main()
