"""What the benchmarks share: the request-rate cap both sides use, a timer, a stack against the emulator."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from netmera_iac.emulator.server import DEMO_API_KEY
from tests.e2e.harness import NetmeraStack

# Raised on both sides (Pulumi's provider and the bare client) so the emulator, not the cap, is measured.
RATE = "1000"


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def new_stack(folder: Path, base_url: str) -> NetmeraStack:
    """A netmera-iac stack in `folder` (created), its provider using the benchmark's rate cap."""
    folder.mkdir()
    stack = NetmeraStack.create(folder, base_url, DEMO_API_KEY)
    stack.project.env["NETMERA_MAX_REQUESTS_PER_SECOND"] = RATE
    return NetmeraStack(stack.project, stack.project.stack(stack.stack.name), stack.state_dir)
