"""What the benchmarks share: the request-rate cap both sides use, a timer, a stack against the emulator,
the engine floor's program, peak memory and state sizes of both sides."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from netmera_iac.emulator.server import DEMO_API_KEY
from tests.e2e.harness import NetmeraStack

FLOOR = Path(__file__).resolve().parent / "floor"

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


class PeakMemory:
    """Polls /proc and keeps the highest VmHWM (peak RSS) of the CLI and of the provider process."""

    KINDS: ClassVar[dict[str, Callable[[bytes, bytes], bool]]] = {
        "cli": lambda argv0, cmd: argv0 == b"pulumi" or argv0.endswith(b"/pulumi"),
        # Pulumi's host, or ours, which the built CLI starts instead (tools/pulumi/build.sh)
        "provider": lambda argv0, cmd: any(
            h in cmd for h in (b"pulumi.dynamic", b"pulumi/dynamic", b"netmera_iac.adapters.host")
        ),
    }

    def __init__(self) -> None:
        self.peak_kib = dict.fromkeys(self.KINDS, 0)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            for pid in os.listdir("/proc"):
                if not pid.isdigit():
                    continue
                try:
                    cmd = Path(f"/proc/{pid}/cmdline").read_bytes()
                    kinds = [k for k, match in self.KINDS.items() if match(cmd.split(b"\0")[0], cmd)]
                    if not kinds:
                        continue
                    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            for kind in kinds:
                                self.peak_kib[kind] = max(self.peak_kib[kind], int(line.split()[1]))
                except OSError:
                    continue
            self._stop.wait(0.1)

    def reset(self) -> dict[str, float]:
        peaks = {k: round(v / 1024, 1) for k, v in self.peak_kib.items()}
        self.peak_kib = dict.fromkeys(self.KINDS, 0)
        return peaks

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def state_mb(folder: Path) -> float:
    files = [p for p in folder.rglob("*.json") if p.is_file() and ".history" not in str(p)]
    return round(max(p.stat().st_size for p in files) / 1e6, 1)


def state_sizes(tmp: Path) -> dict[str, float]:
    """The state of each side, as the benchmarks lay them out under `tmp`."""
    return {"netmera_iac": state_mb(tmp / "netmera" / "state"), "floor": state_mb(tmp / "floor-state")}
