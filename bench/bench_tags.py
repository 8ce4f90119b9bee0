"""Tag memberships at scale through the real Pulumi CLI, against the emulator, in one run.

Scenario (issue 5): 10 tags x 100,000 members, each tag in 8 shards of ~12,500 ids.
  1. initial load, 2. 1 % churn (500 removed + 500 added per tag), 3. no change.
For each phase: write calls counted in the emulator's request log against the minimum
(the sum over tags and operations of ceil(changed ids / 1000)), and the wall time of `pulumi up`
against a bare NetmeraClient making the same batched calls, measured side by side.
Also: the no-change preview of a 1,000-member stack against an empty stack's preview, and the peak
resident memory of the dynamic-provider process.

    .venv/bin/python -m bench.bench_tags [--tags 10] [--members 100000] [--shards 8]

Both sides use the same client settings; the request-rate cap is raised (NETMERA_MAX_REQUESTS_PER_SECOND)
so that the emulator, not the cap, is what both are measured against.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import tempfile
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import yaml

from bench.common import RATE, new_stack, timed
from netmera_iac.client import NetmeraClient
from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator


class PeakMemory:
    """Polls /proc for the dynamic-provider process and keeps its highest VmHWM (peak RSS)."""

    def __init__(self) -> None:
        self.peak_kib = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
                    if b"pulumi/dynamic" not in cmdline and b"pulumi.dynamic" not in cmdline:
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            self.peak_kib = max(self.peak_kib, int(line.split()[1]))
                except OSError:
                    continue
            self._stop.wait(0.2)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def writes(emulator: Emulator) -> Counter[str]:
    return Counter(
        str(r["operation"]) for r in emulator.requests() if str(r["operation"]) in ("tagUsers", "untagUsers")
    )


def minimum(changes: dict[str, tuple[int, int]]) -> int:
    return sum(math.ceil(add / 1000) + math.ceil(remove / 1000) for add, remove in changes.values())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tags", type=int, default=10)
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--shards", type=int, default=8)
    args = parser.parse_args()
    os.environ["NETMERA_MAX_REQUESTS_PER_SECOND"] = RATE
    churn = args.members // 200  # 0.5 % removed + 0.5 % added = 1 % of the members change
    users = args.members + churn
    tags = [f"tag-{t:02d}" for t in range(args.tags)]
    base = [f"u{n:07d}" for n in range(1, args.members + 1)]
    churned = base[churn:] + [f"u{n:07d}" for n in range(args.members + 1, users + 1)]
    report: dict[str, Any] = {"tags": args.tags, "members": args.members, "shards": args.shards}

    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        fixture = tmp / "bench.yaml"
        generated = {"count": users, "prefix": "u", "width": 7}
        app = {"id": "bench", "name": "bench", "api_keys": [DEMO_API_KEY], "generated_users": generated}
        fixture.write_text(yaml.safe_dump({"apps": [app]}))
        with (
            ServedEmulator(fixture=str(fixture)) as served,
            Emulator(served) as emulator,
            PeakMemory() as memory,
        ):
            stack = new_stack(tmp / "big", served.base_url)

            def desired(members: list[str]) -> dict[str, Any]:
                return {"memberships": {t: {"members": members, "shards": args.shards} for t in tags}}

            phases = [
                ("initial_load", base, {t: (args.members, 0) for t in tags}),
                ("churn_1pct", churned, {t: (churn, churn) for t in tags}),
                ("no_change", churned, {t: (0, 0) for t in tags}),
            ]
            for name, members, changes in phases:
                stack.write(desired(members))
                emulator.control.delete("/requests")
                seconds = timed(stack.stack.up)
                calls = writes(emulator)
                report[name] = {
                    "pulumi_up_s": round(seconds, 2),
                    "write_calls": sum(calls.values()),
                    "minimum_calls": minimum(changes),
                    "calls_by_operation": dict(calls),
                }

            # The same batched calls from a bare client, side by side (state is reset in between).
            emulator.reset(str(fixture))
            with NetmeraClient(DEMO_API_KEY, served.base_url) as client:
                bare_initial = timed(lambda: [client.tag_users(t, base) for t in tags])
                removed, added = base[:churn], churned[-churn:]
                bare_churn = timed(
                    lambda: [(client.untag_users(t, removed), client.tag_users(t, added)) for t in tags]
                )
            report["initial_load"]["bare_client_s"] = round(bare_initial, 2)
            report["churn_1pct"]["bare_client_s"] = round(bare_churn, 2)
            for name in ("initial_load", "churn_1pct"):
                phase = report[name]
                phase["pulumi_over_bare_ratio"] = round(phase["pulumi_up_s"] / phase["bare_client_s"], 2)
            state_files = [p for p in (tmp / "big" / "state").rglob("*.json") if p.is_file()]
            report["state_file_mb"] = round(max(p.stat().st_size for p in state_files) / 1e6, 1)

            # No-change preview of a 1,000-member stack against an empty stack's, in the same run.
            emulator.reset("demo")
            small, empty = (
                new_stack(tmp / "small", served.base_url),
                new_stack(tmp / "empty", served.base_url),
            )
            # 1,000 members; ids the demo app does not know are accepted (Netmera ignores them).
            thousand = [f"user-{n:04d}" for n in range(1, 61)] + [f"bench-{n}" for n in range(940)]
            small.write({"memberships": {"thousand": {"members": thousand}}})
            empty.write({})
            small.stack.up()
            empty.stack.up()
            preview_small = min(timed(small.stack.preview) for _ in range(3))
            preview_empty = min(timed(empty.stack.preview) for _ in range(3))
            report["no_change_preview_1000_members_s"] = round(preview_small, 2)
            report["no_change_preview_empty_stack_s"] = round(preview_empty, 2)
            report["preview_1000_over_empty_ratio"] = round(preview_small / preview_empty, 2)
        report["provider_peak_rss_mb"] = round(memory.peak_kib / 1024, 1)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
