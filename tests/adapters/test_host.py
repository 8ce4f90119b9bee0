"""Our provider host (adapters/host.py): what it changes around each request Pulumi's host serves."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

# In a fresh interpreter: 300 MB in blocks below the mapping threshold, all freed but the last (which
# pins the top of the heap, so glibc cannot give the rest back by shrinking it); the resident size
# before and after what the host does at the end of each request.
_FREED_HEAP = textwrap.dedent(
    """
    import sys
    from netmera_iac.adapters.host import tuned_allocator

    def resident_mb():
        for line in open("/proc/self/status"):
            if line.startswith("VmRSS"):
                return int(line.split()[1]) / 1024

    release = tuned_allocator()
    blocks = [bytearray(b"x" * 200_000) for _ in range(1500)]
    del blocks[:-1]
    before = resident_mb()
    release()
    print(before, resident_mb())
    """
)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's allocator and /proc are Linux's")
def test_memory_a_request_freed_is_given_back_before_the_next_arrives() -> None:
    run = subprocess.run([sys.executable, "-c", _FREED_HEAP], capture_output=True, text=True, check=True)
    before, after = (float(x) for x in run.stdout.split())
    assert before > 250  # freed, yet still held by the allocator
    assert after < before - 200, (before, after)
