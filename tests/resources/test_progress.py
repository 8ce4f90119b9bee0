"""The status line of a plan being sent, against the emulator: counts from the client's batches and
retries, shown at the set interval, and only while the plan is sent."""

from __future__ import annotations

import pytest

from netmera_iac.client import NetmeraClient
from netmera_iac.emulator.server import DEMO_API_KEY
from netmera_iac.engine import Plan, execute_tracked
from netmera_iac.families.tags.planner import TagOperation
from netmera_iac.resources.progress import INTERVAL_ENV, interval, shown
from tests.conftest import Emulator

IDS = tuple(f"user-{n:04d}" for n in range(1, 61)) + tuple(f"x-{n}" for n in range(2940))


def test_the_line_counts_users_calls_and_429s(emulator: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(INTERVAL_ENV, "0.5")
    slow = {"kind": "latency", "latency_ms": 400}
    throttled = {"kind": "status", "status": 429, "retryAfter": 0.1}
    emulator.add_fault(operation="tagUsers", sequence=[throttled, slow, slow, slow])
    plan = Plan((TagOperation("tagUsers", "vip", IDS),))
    lines: list[str] = []
    with NetmeraClient(DEMO_API_KEY, emulator.base_url, max_concurrency=1, retry_initial_wait=0.1) as client:
        with shown(plan, show=lambda line, _urn: lines.append(line)) as progress:
            execute_tracked(client, plan)
        after = len(lines)
        execute_tracked(client, plan)  # outside: nobody hears of it
    assert len(lines) == after >= 2
    assert lines[0].startswith("tagging ") and "/ 3,000 users · " in lines[0] and " / 3 calls" in lines[0]
    assert progress.line() == "tagging 3,000 / 3,000 users · 3 / 3 calls · 429s: 1"


def test_the_interval_is_short_on_a_terminal_and_long_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(INTERVAL_ENV, raising=False)
    monkeypatch.delenv("CI", raising=False)
    assert interval() == 1.0
    monkeypatch.setenv("CI", "true")
    assert interval() == 10.0
    monkeypatch.setenv(INTERVAL_ENV, "0.1")
    assert interval() == 0.5  # never faster than Pulumi redraws
