"""Profile attributes at scale through the real Pulumi CLI, against the emulator, in one run.

Scenario (issue 6): N users x 5 attributes, one resource. Phases: initial load, 1 % churn (one
attribute of 1 % of the users changes), no change, and a refresh (which reads every managed user
back). Write calls are counted against the minimum, ceil(changed entries / 1000) per operation;
`pulumi up` is timed against a bare client sending the same entries in the same run.

    .venv/bin/python -m bench.bench_profiles [--users 100000] [--verify 1000]
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.common import RATE, new_stack, timed
from netmera_iac.client import NetmeraClient
from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from netmera_iac.models import ProfileEntry
from tests.conftest import Emulator

ATTRIBUTES = [
    {"code": "loyaltyTier", "data_type": "STRING"},
    {"code": "age", "data_type": "INTEGER"},
    {"code": "lifetimeValue", "data_type": "DOUBLE"},
    {"code": "isSubscribed", "data_type": "BOOLEAN"},
    {"code": "favouriteBrands", "data_type": "STRING", "is_array": True},
]
TIERS = ["bronze", "silver", "gold", "platinum"]


def values(n: int, generation: int = 0) -> dict[str, Any]:
    return {
        "loyaltyTier": TIERS[(n + generation) % 4],
        "age": 18 + n % 60,
        "lifetimeValue": round(n * 1.5, 1),
        "isSubscribed": n % 2 == 0,
        "favouriteBrands": [f"brand-{n % 7}"],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--verify", type=int, default=1000, help="users read back after each apply")
    args = parser.parse_args()
    os.environ["NETMERA_MAX_REQUESTS_PER_SECOND"] = RATE
    ids = [f"u{n:07d}" for n in range(1, args.users + 1)]
    initial = {u: values(n) for n, u in enumerate(ids)}
    churned = dict(initial)
    changed = ids[::100]  # 1 % of the users get a new tier
    for u in changed:
        churned[u] = {**initial[u], "loyaltyTier": TIERS[(TIERS.index(initial[u]["loyaltyTier"]) + 1) % 4]}
    report: dict[str, Any] = {
        "users": args.users,
        "attributes": 5,
        "verify_sample": args.verify,
    }

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        fixture = tmp / "bench.yaml"
        app = {
            "id": "bench",
            "name": "bench",
            "api_keys": [DEMO_API_KEY],
            "profile_attributes": ATTRIBUTES,
            "generated_users": {"count": args.users, "prefix": "u", "width": 7},
        }
        fixture.write_text(yaml.safe_dump({"apps": [app]}))
        with ServedEmulator(fixture=str(fixture)) as served, Emulator(served) as emulator:
            stack = new_stack(tmp / "stack", served.base_url)
            schema_file = stack.project.work_dir / "schemas" / "profile-attributes.schema.json"
            schema = json.loads(schema_file.read_text())
            schema["properties"] = {
                k: v for k, v in schema["properties"].items() if k in {a["code"] for a in ATTRIBUTES}
            }
            schema_file.write_text(json.dumps(schema))

            def write(profiles: dict[str, Any]) -> None:
                doc = {"users": profiles, "verify": args.verify}
                (stack.state_dir / "profiles.yaml").write_text(yaml.safe_dump(doc))

            phases = [
                ("initial_load", initial, {"setProfileAttributes": len(ids)}),
                ("churn_1pct", churned, {"setProfileAttributes": len(changed)}),
                ("no_change", churned, {}),
            ]
            for name, profiles, entries in phases:
                write(profiles)
                emulator.control.delete("/requests")
                seconds = timed(stack.stack.up)
                calls = Counter(str(r["operation"]) for r in emulator.requests())
                write_calls = {op: n for op, n in calls.items() if not op.startswith(("get", "app/"))}
                report[name] = {
                    "pulumi_up_s": round(seconds, 2),
                    "write_calls": write_calls,
                    "minimum_write_calls": {op: math.ceil(n / 1000) for op, n in entries.items()},
                    "read_calls": {op: n for op, n in calls.items() if op.startswith(("get", "app/"))},
                }
            emulator.control.delete("/requests")
            refresh_s = timed(stack.stack.refresh)
            report["refresh"] = {
                "pulumi_refresh_s": round(refresh_s, 2),
                "getProfileAttributes_calls": emulator.counts().get("getProfileAttributes", 0),
            }
            with NetmeraClient(DEMO_API_KEY, served.base_url) as client:
                entries = [ProfileEntry(ext_id=u, profile=v) for u, v in initial.items()]
                churn_entries = [
                    ProfileEntry(ext_id=u, profile={"loyaltyTier": churned[u]["loyaltyTier"]})
                    for u in changed
                ]
                bare = {
                    "initial_load": timed(lambda: client.set_profile_attributes(entries)),
                    "churn_1pct": timed(lambda: client.set_profile_attributes(churn_entries)),
                    "refresh": timed(lambda: client.get_profile_attributes_many(ids)),
                }
            pulumi_s = {
                "initial_load": report["initial_load"]["pulumi_up_s"],
                "churn_1pct": report["churn_1pct"]["pulumi_up_s"],
                "refresh": refresh_s,
            }
            for name, seconds in bare.items():
                report[name]["bare_client_s"] = round(seconds, 3)
                report[name]["pulumi_over_bare_ratio"] = round(pulumi_s[name] / seconds, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
