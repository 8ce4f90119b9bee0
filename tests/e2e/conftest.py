"""End-to-end fixtures: the real netmera-iac project, the real Pulumi CLI, the served emulator."""

from __future__ import annotations

from pathlib import Path

import pytest

from netmera_iac.emulator.server import DEMO_API_KEY
from tests.conftest import Emulator
from tests.e2e.harness import NetmeraStack


@pytest.fixture
def netmera_stack(tmp_path: Path, emulator: Emulator) -> NetmeraStack:
    return NetmeraStack.create(tmp_path, emulator.base_url, DEMO_API_KEY)


def writes(emulator: Emulator) -> list[dict[str, object]]:
    """Requests that could change Netmera (everything but the reads)."""
    return [r for r in emulator.requests() if not str(r["operation"]).startswith(("get", "app/"))]
