"""The real Pulumi CLI and our language host drive a dynamic provider through its whole lifecycle."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from pulumi import automation as auto

from tests.e2e.harness import Project

pytestmark = pytest.mark.e2e

SECRET_KEY = "nm-smoke-key-9f3a1c7e5b2d"


def read_calls(record_file: Path) -> list[dict[str, object]]:
    if not record_file.exists():
        return []
    return [json.loads(line) for line in record_file.read_text().splitlines()]


def calls_named(record_file: Path, name: str) -> list[dict[str, object]]:
    return [c for c in read_calls(record_file) if c["call"] == name]


def test_dynamic_resource_lifecycle_through_the_real_cli(tmp_path: Path) -> None:
    record_file = tmp_path / "calls.jsonl"
    project = Project.create(tmp_path, "smoke", Path(__file__).parent / "smoke_program")
    stack = project.stack("dev")
    stack.set_config("smoke:value", auto.ConfigValue("one"))
    stack.set_config("smoke:recordFile", auto.ConfigValue(str(record_file)))
    stack.set_config("netmera:apiKey", auto.ConfigValue(SECRET_KEY, secret=True))

    up = stack.up()
    assert up.summary.resource_changes == {"create": 2}
    assert up.outputs["value"].value == "one"
    assert [c["value"] for c in calls_named(record_file, "create")] == ["one"]

    # configure() received the secret key in plain text inside the provider process.
    configured = calls_named(record_file, "configure")
    assert configured
    assert configured[-1]["api_key_length"] == len(SECRET_KEY)
    assert configured[-1]["api_key_tail"] == SECRET_KEY[-4:]

    before = len(read_calls(record_file))
    preview = stack.preview()
    assert preview.change_summary == {"same": 2}
    # A preview only asks for diffs: no create, update or delete reached the provider.
    assert {c["call"] for c in read_calls(record_file)[before:]} <= {"configure", "diff"}

    stack.set_config("smoke:value", auto.ConfigValue("two"))
    up = stack.up()
    assert up.summary.resource_changes == {"update": 1, "same": 1}
    assert [c["value"] for c in calls_named(record_file, "update")] == ["two"]

    # `pulumi stack export` (without --show-secrets), the backend's files and the stack config file
    # hold the key only encrypted.
    exported = subprocess.run(
        ["pulumi", "stack", "export", "--stack", "dev"],
        cwd=project.work_dir,
        env=project.env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "ciphertext" in exported
    assert SECRET_KEY not in exported
    backend = Path(project.env["PULUMI_BACKEND_URL"].removeprefix("file://"))
    state_files = [p for p in backend.rglob("*") if p.is_file()]
    assert state_files
    assert all(SECRET_KEY.encode() not in p.read_bytes() for p in state_files)
    config_file = project.work_dir / "Pulumi.dev.yaml"
    assert SECRET_KEY not in config_file.read_text()

    destroy = stack.destroy()
    assert destroy.summary.resource_changes == {"delete": 2}
    assert [c["value"] for c in calls_named(record_file, "delete")] == ["two"]
