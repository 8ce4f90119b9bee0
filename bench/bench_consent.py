"""Consent at scale through the real Pulumi CLI, against the emulator, in one run.

Scenario (issue 7): one `email.users` list of N users (not sharded). Phases: initial opt-in of
everyone, 1 % opting out, no change, and a rollback to the initial desired state, which the consent
guard must block at preview with no request sent. Write calls are counted against the minimum,
ceil(changed ids / 1000) per operation; `pulumi up` is timed against a bare client sending the same
ids in the same run. Also reported: the state size of the stack after the churn.

    .venv/bin/python -m bench.bench_consent [--users 20000]
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
from pulumi import automation as auto

from bench.common import RATE, new_stack, timed
from netmera_iac.client import NetmeraClient
from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=20_000)
    args = parser.parse_args()
    os.environ["NETMERA_MAX_REQUESTS_PER_SECOND"] = RATE
    ids = [f"u{n:07d}" for n in range(1, args.users + 1)]
    leaving = ids[::100]
    report: dict[str, Any] = {"users": args.users}
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        fixture = tmp / "bench.yaml"
        app = {"id": "bench", "name": "bench", "api_keys": [DEMO_API_KEY],
               "generated_users": {"count": args.users, "prefix": "u", "width": 7}}  # fmt: skip
        fixture.write_text(yaml.safe_dump({"apps": [app]}))
        with ServedEmulator(fixture=str(fixture)) as served, Emulator(served) as emulator:
            stack = new_stack(tmp / "stack", served.base_url)

            def write(opted_in: list[str], opted_out: list[str]) -> None:
                lists = {"opted_in": opted_in, "opted_out": opted_out, "allow_mass_change": True}
                (stack.state_dir / "consent.yaml").write_text(yaml.safe_dump({"email": {"users": lists}}))

            kept = sorted(set(ids) - set(leaving))
            phases = [
                ("initial_opt_in", (ids, []), {"enableMail": len(ids)}),
                ("churn_1pct_opt_out", (kept, leaving), {"disableMail": len(leaving)}),
                ("no_change", (kept, leaving), {}),
            ]
            for name, (ins, outs), changed in phases:
                write(ins, outs)
                emulator.control.delete("/requests")
                seconds = timed(stack.stack.up)
                calls = Counter(str(r["operation"]) for r in emulator.requests())
                report[name] = {
                    "pulumi_up_s": round(seconds, 2),
                    "write_calls": dict(calls),
                    "minimum_write_calls": {op: math.ceil(n / 1000) for op, n in changed.items()},
                }
            state = json.dumps(stack.stack.export_stack().deployment)
            report["state_bytes"] = len(state)

            write(ids, [])  # the rollback: everyone opted in again, the leavers without evidence
            emulator.control.delete("/requests")
            blocked = False

            def preview() -> None:
                nonlocal blocked
                try:
                    stack.stack.preview(refresh=True)
                except auto.CommandError as exc:
                    blocked = f"{len(leaving)} user(s) would be opted in again" in str(exc)

            report["rollback_preview"] = {
                "pulumi_preview_s": round(timed(preview), 2),
                "blocked_by_consent_guard": blocked,
                "write_calls": len(
                    [r for r in emulator.requests() if not str(r["operation"]).startswith("get")]
                ),
            }
            with NetmeraClient(DEMO_API_KEY, served.base_url) as client:
                bare = {
                    "initial_opt_in": timed(lambda: client.enable_mail(ids)),
                    "churn_1pct_opt_out": timed(lambda: client.disable_mail(leaving)),
                }
            for name, seconds in bare.items():
                report[name]["bare_client_s"] = round(seconds, 3)
                report[name]["pulumi_over_bare_ratio"] = round(report[name]["pulumi_up_s"] / seconds, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
