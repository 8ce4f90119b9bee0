"""Short errors at `up`: whatever happened (a 429 storm, Netmera gone mid-apply, a 4xx mid-batch), a
failed resource says it in at most 8 lines under Diagnostics: what failed with Netmera's answer, what
was applied, the retries in one line, and what to run next; retries are not printed one by one."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import pytest
import yaml

from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator
from tests.e2e.harness import NetmeraStack

pytestmark = pytest.mark.e2e

FAST_RETRIES = {
    "NETMERA_RETRY_INITIAL_WAIT": "0.05",
    "NETMERA_RETRY_MAX_WAIT": "0.3",
    "NETMERA_RETRY_JITTER": "0",
}
MAX_LINES = 8


def diagnostics(output: str) -> dict[str, list[str]]:
    """`pulumi up`'s Diagnostics section: the lines under each resource, by its `type (name)`."""
    section = output.split("\nDiagnostics:\n", 1)[1].split("\nOutputs:\n", 1)[0].split("\nResources:\n", 1)[0]
    blocks: dict[str, list[str]] = {}
    current = ""
    for line in section.splitlines():
        if re.match(r"^  \S.*:$", line):
            current = line.strip().rstrip(":")
            blocks[current] = []
        elif line.strip() and current:
            blocks[current].append(line)
    return blocks


def tags(stack: NetmeraStack, members: dict[str, list[str]]) -> None:
    document = {"memberships": {tag: {"members": ids} for tag, ids in members.items()}}
    (stack.state_dir / "tags.yaml").write_text(yaml.safe_dump(document))


def up(stack: NetmeraStack) -> subprocess.CompletedProcess[str]:
    stack.project.env.update(FAST_RETRIES)
    return stack.cli("up", "--yes")


def test_a_429_storm_is_five_lines(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    tags(netmera_stack, {"loyal": ["cust-ayse", "user-0001", "user-0002"]})
    emulator.add_fault(operation="tagUsers", fault={"kind": "status", "status": 429, "retryAfter": 0.05})
    failed = up(netmera_stack)
    assert failed.returncode != 0
    output = failed.stdout + failed.stderr
    block = diagnostics(output)["pulumi-python:dynamic/netmera:TagMembership (loyal)"]
    assert len(block) <= MAX_LINES, "\n".join(block)
    text = "\n".join(block)
    assert "tag 'loyal': tagUsers: HTTP 429, Netmera code 4000" in text
    assert re.search(r"retries: 4 retries over \d+ s: 429 ×4", text), text  # noqa: RUF001
    assert "next: `pulumi up` again once Netmera answers" in text
    assert "stamina" not in output and output.count("attempt ") == 0


def test_a_4xx_mid_batch_names_what_was_applied_and_what_to_fix(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    members = [f"user-{n:04d}" for n in range(1, 61)] + [f"x-{n:05d}" for n in range(2000)]
    tags(netmera_stack, {"big": members})
    refused = {"kind": "status", "status": 400, "code": 1001}
    emulator.add_fault(operation="tagUsers", sequence=[None, refused, None])
    failed = up(netmera_stack)
    assert failed.returncode != 0
    block = diagnostics(failed.stdout + failed.stderr)["pulumi-python:dynamic/netmera:TagMembership (big)"]
    assert len(block) <= MAX_LINES, "\n".join(block)
    text = "\n".join(block)
    assert "HTTP 400" in text and "next: correct what Netmera refused" in text
    assert "retries:" not in text  # a 400 is final


def test_netmera_gone_mid_apply_is_a_few_lines_per_resource(tmp_path: Path) -> None:
    with ServedEmulator() as served:
        handle = Emulator(served)
        stack = NetmeraStack.create(tmp_path, served.base_url, DEMO_API_KEY)
        members = [f"x-{n:05d}" for n in range(10_000)]  # 10 calls, one at a time
        tags(stack, {"first": members, "second": ["cust-ayse"], "third": ["user-0001"]})
        handle.add_fault(operation="tagUsers", fault={"kind": "latency", "latencyMs": 400})
        stack.project.env.update(FAST_RETRIES | {"NETMERA_MAX_CONCURRENCY": "1"})
        log = tmp_path / "up.log"
        with log.open("w") as out:
            cli = subprocess.Popen(
                ["pulumi", "up", "--yes", "--stack", stack.stack.name, "--non-interactive"],
                cwd=stack.project.work_dir, env=stack.project.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
            deadline = time.monotonic() + 120
            while not handle.requests("tagUsers") and time.monotonic() < deadline:
                time.sleep(0.05)
            handle.close()
            served.stop()  # Netmera is gone
            assert cli.wait(timeout=300) != 0
    output = log.read_text()
    blocks = {k: v for k, v in diagnostics(output).items() if "TagMembership" in k}
    assert blocks, output
    for name, block in blocks.items():
        assert len(block) <= MAX_LINES, f"{name}:\n" + "\n".join(block)
        assert "next: `pulumi up` again once Netmera answers" in "\n".join(block), block
    assert "stamina" not in output
