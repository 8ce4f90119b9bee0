"""A long refresh reports its reads (issue 22, item 2): each read-back resource sends a status line
counting its reads, which reaches the streamed events `netmera-iac plan` and `drift` draw bars from."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
import yaml
from rich.console import Console

from netmera_iac.workflow.progress import read_progress, status_counts
from netmera_iac.workflow.pulumi_cli import PulumiCli
from tests.e2e.harness import generated_stack

pytestmark = pytest.mark.e2e

USERS = [f"u{n:06d}" for n in range(1, 301)]


def test_a_refresh_reports_its_reads_as_they_happen(tmp_path: Path) -> None:
    with generated_stack(tmp_path, "reads", len(USERS)) as (stack, handle):
        stack.project.env |= {"NETMERA_IAC_PROGRESS_SECONDS": "0.5", "NETMERA_MAX_CONCURRENCY": "1"}
        consent = {"push": {"users": {"opted_in": USERS}}}
        (stack.state_dir / "consent.yaml").write_text(yaml.safe_dump(consent))
        applied = stack.cli("up", "--yes", "--skip-preview")
        assert applied.returncode == 0, applied.stdout + applied.stderr
        handle.add_fault(operation="getDevices", fault={"kind": "latency", "latency_ms": 10}, probability=1)
        heard: list[dict[str, Any]] = []
        cli = PulumiCli(stack.stack.name, stack.project.work_dir, stack.project.env)
        code, events, stderr = cli.preview_events("--refresh", on_event=heard.append)
        assert code == 0, stderr
    assert heard == events
    counts = [
        status_counts(e["diagnosticEvent"]["message"])
        for e in events
        if (e.get("diagnosticEvent") or {}).get("ephemeral")
        and e["diagnosticEvent"].get("urn", "").endswith("::push-users")
    ]
    reads = [c for c in counts if c is not None and c[0] == "reading devices of"]
    assert len(reads) >= 2, counts
    assert {total for _verb, _done, total in reads} == {300}
    done = [d for _verb, d, _total in reads]
    assert done == sorted(done) and done[-1] > done[0]


def test_status_lines_become_a_bar_per_resource_on_a_terminal() -> None:
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=80)
    urn = "urn:pulumi:e2e::netmera-iac::pulumi-python:dynamic/netmera:ProfileAttributes::profiles"
    with read_progress(console, "pulumi preview --refresh (e2e)") as on_event:
        for done in (23_000, 61_000):
            message = f"reading profiles of {done:,} / 100,000 users · {done // 1} / 100000 calls · 429s: 0"
            on_event({"diagnosticEvent": {"ephemeral": True, "urn": urn, "message": message}})
        on_event({"diagnosticEvent": {"ephemeral": True, "urn": urn, "message": "something else"}})
        console.file.flush()
        drawn = out.getvalue()
    assert "profiles: reading profiles of" in drawn and "61000/100000" in drawn
    assert status_counts("tagging 1,000 / 3,000 users · 1 / 3 calls") == ("tagging", 1000, 3000)
    assert status_counts("warning: something") is None
