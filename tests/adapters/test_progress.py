"""The status line of a plan being sent, against the emulator: counts from the client's batches and
retries, shown at the set interval, and only while the plan is sent."""

from __future__ import annotations

import logging

import pytest

from netmera_iac.adapters.progress import (
    INTERVAL_ENV,
    LiveProgress,
    failure_report,
    interval,
    retry_kind,
    shown,
)
from netmera_iac.client import BadRequestError, NetmeraClient, RateLimitError, RetryEvent
from netmera_iac.emulator.server import DEMO_API_KEY
from netmera_iac.engine import PartialApplyError, Plan, execute_tracked
from netmera_iac.engine.execute import Progress
from netmera_iac.families.tags.planner import TagOperation
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


def test_retry_warnings_are_rate_limited_and_summed_up_in_one_line() -> None:
    now = [100.0]
    warned: list[str] = []
    progress = LiveProgress(30, 3, "tagUsers", warn=lambda m, _u: warned.append(m), clock=lambda: now[0])
    for step, reason in enumerate(["HTTP 503, Netmera code 5000: down"] * 9 + ["timed out after 30 s"] * 3):
        now[0] = 100.0 + step * 8.6  # 12 retries over 95 s
        progress.retry(RetryEvent("tagUsers", step + 1, f"tagUsers: {reason}", None))
    assert warned[0] == "tagUsers: retrying after HTTP 503, Netmera code 5000: down"
    assert len(warned) == 6  # at most one per RETRY_WARNING_SECONDS (10 s), not one per retry (12)
    assert warned[1].endswith("; 2 retries since the last such line")
    assert progress.retry_line() == "12 retries over 95 s: 503 ×9, timeout ×3"  # noqa: RUF001
    assert retry_kind("tagUsers: HTTP 429, Netmera code 4000: slow down") == "429"
    assert retry_kind("tagUsers: connection refused") == "connection"


def test_a_failure_report_says_what_failed_the_retries_and_what_to_run_next() -> None:
    progress = LiveProgress(3, 1, "tagUsers", warn=lambda _m, _u: None, clock=iter([0.0, 4.0]).__next__)
    for attempt in (1, 2):
        progress.retry(RetryEvent("tagUsers", attempt, "tagUsers: HTTP 429, Netmera code 4000: x", 1.0))
    storm = PartialApplyError(Progress(), RateLimitError("tagUsers", 429, 4000, "x"))
    report = failure_report("tag 'vip': tagUsers: HTTP 429 — applied: nothing", storm, progress)
    assert report.splitlines() == [
        "tag 'vip': tagUsers: HTTP 429 — applied: nothing",
        "retries: 2 retries over 4 s: 429 ×2",  # noqa: RUF001
        "next: `pulumi up` again once Netmera answers; it sends only what is not known to be applied",
    ]
    refused = PartialApplyError(Progress(), BadRequestError("tagUsers", 400, 1001, "bad id"))
    assert (
        failure_report("tag 'vip': refused", refused, None)
        .splitlines()[1]
        .startswith("next: correct what Netmera refused")
    )


def test_without_a_listener_the_client_logs_a_retry_line_per_operation_per_10_s(
    emulator: Emulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="netmera_iac")
    emulator.add_fault(operation="tagUsers", sequence=[{"kind": "status", "status": 503}] * 3)
    with NetmeraClient(DEMO_API_KEY, emulator.base_url, retry_initial_wait=0.01, retry_jitter=0) as client:
        client.tag_users("vip", ["user-0001"])
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and lines[0].startswith("tagUsers: attempt 1 failed (tagUsers: HTTP 503")
    assert not [r for r in caplog.records if r.name.startswith("stamina")]
