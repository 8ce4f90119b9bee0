"""The README's "Manage your own app" walk, run as written against the emulator's second app: `init`
with adoption, a plan of 0 user changes, a first `pulumi up` with no write, then a reviewed change
applied from its saved plan, which sends exactly that change."""

from __future__ import annotations

import contextlib
import os
import pty
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from netmera_iac.client import NetmeraClient
from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import REPO_ROOT, VENV, engine_env

pytestmark = pytest.mark.e2e

OTHER_KEY = "other-netmera-api-key"
README_URL = "http://127.0.0.1:8890/rest/3.0"


def readme_walk() -> list[list[str]]:
    """The `netmera-iac` and `pulumi` commands of the README section, in order."""
    text = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Manage your own app", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block is not None
    lines = [line.split(" #", 1)[0].strip() for line in block.group(1).splitlines()]
    return [shlex.split(line) for line in lines if line.startswith(("netmera-iac ", "pulumi "))]


def fresh_clone(tmp_path: Path) -> Path:
    """What a clone of the repository holds for a new app: the project, its schemas, no stack."""
    root = tmp_path / "clone"
    root.mkdir()
    shutil.copy(REPO_ROOT / "__main__.py", root)
    shutil.copytree(REPO_ROOT / "schemas", root / "schemas")
    settings = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
    settings["runtime"]["options"]["virtualenv"] = str(VENV)
    (root / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
    (root / "stacks").mkdir()
    return root


def run(root: Path, env: dict[str, str], command: list[str]) -> subprocess.CompletedProcess[str]:
    if command[0] == "netmera-iac":
        command = [sys.executable, "-m", "netmera_iac.cli", *command[1:]]
    else:
        command = [*command, "--non-interactive"]
    return subprocess.run(
        command, cwd=root, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=600
    )


def test_readme_walk_brings_a_second_app_under_management(tmp_path: Path, emulator: Emulator) -> None:
    root = fresh_clone(tmp_path)
    env = engine_env(tmp_path / "state", tmp_path / "home")
    passphrase = tmp_path / "passphrase"
    passphrase.write_text("a passphrase of our own\n")
    del env["PULUMI_CONFIG_PASSPHRASE"]
    env |= {"PULUMI_CONFIG_PASSPHRASE_FILE": str(passphrase), "NETMERA_API_KEY": OTHER_KEY}
    env |= {"HOME": str(tmp_path / "home"), "NETMERA_IAC_HOME": str(tmp_path / "home")}
    walk = [[emulator.base_url if arg == README_URL else arg for arg in c] for c in readme_walk()]
    assert [c[:2] for c in walk] == [
        ["netmera-iac", "init"],
        ["netmera-iac", "plan"],
        ["pulumi", "up"],
        ["netmera-iac", "plan"],
        ["netmera-iac", "apply"],
    ]
    init, first_plan, first_up, review, apply = walk

    emulator.clear_requests()
    created = run(root, env, init)
    assert created.returncode == 0, created.stderr
    assert "adopted 3 user(s) into consent.yaml, profiles.yaml" in created.stdout
    assert writes(emulator) == []
    stack_file = (root / "stacks" / "Pulumi.other.yaml").read_text()
    assert OTHER_KEY not in stack_file and OTHER_KEY not in created.stdout + created.stderr
    config = yaml.safe_load(stack_file)["config"]
    assert config["netmera:baseUrl"] == emulator.base_url and "secure" in config["netmera:apiKey"]
    schema = yaml.safe_load((root / "stacks" / "other" / "profile-attributes.schema.json").read_text())
    assert schema["properties"]["points"]["type"] == ["integer", "null"]
    assert schema["properties"]["joinedAt"]["x-netmera-type"] == "DATE"
    assert schema["properties"]["interests"]["items"] == {"type": "string"}
    assert "loyaltyTier" not in schema["properties"]  # the shared (demo app's) schema is not used

    planned = run(root, env, first_plan)
    assert planned.returncode == 0, planned.stdout + planned.stderr
    assert "**0 user changes**" in planned.stdout

    emulator.clear_requests()
    up = run(root, env, first_up)
    assert up.returncode == 0, up.stdout + up.stderr
    assert writes(emulator) == []

    profiles = root / "stacks" / "other" / "profiles.yaml"
    document = yaml.safe_load(profiles.read_text())
    document["users"]["member-0002"]["memberLevel"] = "blue"
    profiles.write_text(yaml.safe_dump(document))
    reviewed = run(root, env, review)
    assert reviewed.returncode == 0, reviewed.stdout + reviewed.stderr
    assert "set memberLevel 1" in reviewed.stdout and "`member-0002`" in reviewed.stdout
    assert (root / "plan.md").read_text() == reviewed.stdout.rstrip("\n") + "\n"

    emulator.clear_requests()
    applied = run(root, env, apply)
    assert applied.returncode == 0, applied.stdout + applied.stderr
    sent = writes(emulator)
    assert [r["operation"] for r in sent] == ["setProfileAttributes"]
    with NetmeraClient(OTHER_KEY, emulator.base_url) as client:
        assert client.get_profile_attributes(ext_id="member-0002").profile["memberLevel"] == "blue"


def test_init_refuses_before_writing_anything(tmp_path: Path, emulator: Emulator) -> None:
    root = fresh_clone(tmp_path)
    env = engine_env(tmp_path / "state", tmp_path / "home")
    base = ["netmera-iac", "init", "--stack", "other", "--base-url", emulator.base_url]

    demo_passphrase = {"PULUMI_CONFIG_PASSPHRASE": "netmera-iac-demo-only", "NETMERA_API_KEY": OTHER_KEY}
    demo = run(root, env | demo_passphrase, base)
    assert demo.returncode == 2 and "demo passphrase is published" in demo.stderr

    wrong = run(root, env | {"NETMERA_API_KEY": "not-a-key"}, base)
    assert wrong.returncode == 1 and "API key was not accepted" in wrong.stderr
    assert "not-a-key" not in wrong.stdout + wrong.stderr

    no_key = run(root, env, base)
    assert no_key.returncode == 2 and "no API key" in no_key.stderr

    assert sorted(p.name for p in (root / "stacks").iterdir()) == []
    listed = subprocess.run(
        ["pulumi", "stack", "ls", "--json"], cwd=root, env=env, capture_output=True, text=True, check=True
    )
    assert yaml.safe_load(listed.stdout) == []


def test_init_asks_on_a_terminal_for_what_flags_do_not_give(tmp_path: Path, emulator: Emulator) -> None:
    """Base URL, key (not echoed) and segments to adopt, answered at the prompts of a real terminal.
    Each answer goes in once its prompt has ended in ": ": click writes a hidden prompt's text, then
    getpass turns echo off (flushing any input typed before) and writes the final space."""
    root = fresh_clone(tmp_path)
    env = engine_env(tmp_path / "state", tmp_path / "home") | {"TERM": "dumb", "COLUMNS": "80"}
    command = [sys.executable, "-m", "netmera_iac.cli", "init", "--stack", "other"]
    pid, terminal = pty.fork()  # the child's controlling terminal is the pty, as in a real session
    if pid == 0:
        os.chdir(root)
        os.execve(command[0], command, env)
    answers = [("Base URL", emulator.base_url), ("(not shown)", OTHER_KEY), ("Adopt which", "Members")]
    seen, status = b"", None
    deadline = time.monotonic() + 120
    while status is None and time.monotonic() < deadline:
        if select.select([terminal], [], [], 0.2)[0]:
            with contextlib.suppress(OSError):  # the child has closed the terminal
                seen += os.read(terminal, 4096)
        last = seen.rsplit(b"\n", 1)[-1]
        if answers and answers[0][0].encode() in last and last.endswith(b": "):
            os.write(terminal, answers.pop(0)[1].encode() + b"\n")
        done, code = os.waitpid(pid, os.WNOHANG)
        status = code if done else None
    if status is None:
        os.kill(pid, signal.SIGKILL)
    os.close(terminal)
    shown = seen.decode(errors="replace")
    assert status is not None and os.waitstatus_to_exitcode(status) == 0, shown
    assert answers == [] and OTHER_KEY not in shown  # every prompt answered; the key never echoed
    assert "adopted 3 user(s)" in shown and (root / "stacks" / "other" / "profiles.yaml").is_file()
