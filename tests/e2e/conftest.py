"""End-to-end fixtures: the real netmera-iac project, the real Pulumi CLI, the served emulator."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from netmera_iac.emulator.server import DEMO_API_KEY
from tests.conftest import Emulator
from tests.e2e.harness import NetmeraStack, netmera_iac


@pytest.fixture
def netmera_stack(tmp_path: Path, emulator: Emulator) -> NetmeraStack:
    return NetmeraStack.create(tmp_path, emulator.base_url, DEMO_API_KEY)


def writes(emulator: Emulator) -> list[dict[str, object]]:
    """Requests that could change Netmera (everything but the reads)."""
    return [r for r in emulator.requests() if not str(r["operation"]).startswith(("get", "app/"))]


def refused_plan(stack: NetmeraStack, emulator: Emulator) -> subprocess.CompletedProcess[str]:
    """`netmera-iac plan` refused at preview (exit 1) with nothing sent; the run, for its output."""
    emulator.clear_requests()
    run = netmera_iac(stack, "plan")
    assert run.returncode == 1, run.stdout + run.stderr
    assert writes(emulator) == []
    return run
