"""Live progress (issue 22, item 2): while a 50,000-member tag is applied at 200 ms per call, the
resource's status line in Pulumi's display advances at least every 2 s. Read from the engine's own
event log, which records every ephemeral status message the provider host sends."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path

import pytest

from tests.e2e.harness import generated_stack

pytestmark = pytest.mark.e2e

MEMBERS = [f"u{n:06d}" for n in range(1, 50_001)]
LINE = re.compile(r"^tagging ([\d,]+) / 50,000 users · (\d+) / 50 calls · 429s: (\d+)")


def test_a_long_apply_shows_a_status_line_that_advances(tmp_path: Path) -> None:
    with generated_stack(tmp_path, "big", 50_000) as (stack, handle):
        stack.project.env["NETMERA_MAX_CONCURRENCY"] = "1"  # 50 calls one after another: about 10 s
        stack.project.env["PULUMI_DEBUG_COMMANDS"] = "true"  # offers --event-log, as the Automation API does
        stack.write({"memberships": {"big": {"members": MEMBERS}}})
        handle.add_fault(operation="tagUsers", fault={"kind": "latency", "latency_ms": 200}, probability=1)
        events = tmp_path / "events.jsonl"
        run = stack.cli("up", "--yes", "--skip-preview", "--event-log", str(events))
        assert run.returncode == 0, run.stdout + run.stderr
        assert handle.users_of("big", app="big") == MEMBERS

    statuses = []
    for raw in events.read_text().splitlines():
        event = json.loads(raw)
        diag = event.get("diagnosticEvent") or {}
        if diag.get("ephemeral") and diag.get("urn", "").endswith("::big"):
            found = LINE.match(diag["message"].strip())
            assert found, diag["message"]
            statuses.append((event["timestamp"], int(found[1].replace(",", "")), int(found[2])))
    assert len(statuses) >= 4, statuses
    users = [s[1] for s in statuses]
    assert users == sorted(users) and users[-1] > users[0], statuses  # it advances
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(statuses)]
    assert max(gaps) <= 2, statuses  # the event log's timestamps are whole seconds
