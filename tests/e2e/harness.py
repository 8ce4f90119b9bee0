"""Runs the real Pulumi CLI (found on PATH, see tools/setup.sh) against throw-away local file backends.

Every test gets its own backend, PULUMI_HOME and project folder, so tests can run in parallel and
never touch the developer's `.pulumi/` state. Nothing here fakes the engine.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pulumi import automation as auto

from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = REPO_ROOT / ".venv"
TEST_PASSPHRASE = "netmera-iac-test-only"


def engine_env(backend: Path | str, home: Path) -> dict[str, str]:
    """The offline-safe settings of tools/env.sh, with a fresh PULUMI_HOME and a fresh file backend
    (a folder), or the backend URL given (a bucket or database shared by several runners)."""
    if isinstance(backend, Path):
        backend.mkdir()
    home.mkdir()
    return {
        "PULUMI_BACKEND_URL": backend.as_uri() if isinstance(backend, Path) else backend,
        "PULUMI_HOME": str(home),
        "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE,
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_DISABLE_REGISTRY_RESOLVE": "true",
        "GOMEMLIMIT": os.environ.get("GOMEMLIMIT", "768MiB"),
        "PATH": os.environ["PATH"],
    }


def pulumi_command() -> auto.PulumiCommand:
    """The CLI on PATH; the suite refuses to run end-to-end tests without one instead of skipping them."""
    if shutil.which("pulumi") is None:
        raise RuntimeError("no `pulumi` on PATH: run the suite through tools/test.sh, which builds it")
    return auto.PulumiCommand()


@dataclass
class Project:
    """A Pulumi project folder using the repository's virtualenv, with an isolated backend."""

    work_dir: Path
    env: dict[str, str] = field(default_factory=dict)

    @classmethod
    def create(
        cls,
        tmp_path: Path,
        name: str,
        program_dir: Path,
        extra_env: Mapping[str, str] | None = None,
    ) -> Project:
        work_dir = tmp_path / name
        shutil.copytree(program_dir, work_dir, ignore=shutil.ignore_patterns("__pycache__"))
        settings = {
            "name": name,
            "runtime": {"name": "python", "options": {"toolchain": "pip", "virtualenv": str(VENV)}},
        }
        (work_dir / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
        env = engine_env(tmp_path / f"{name}-state", tmp_path / f"{name}-home")
        env.update(extra_env or {})
        return cls(work_dir=work_dir, env=env)

    def stack(self, stack_name: str) -> auto.Stack:
        return auto.create_or_select_stack(
            stack_name=stack_name,
            work_dir=str(self.work_dir),
            opts=auto.LocalWorkspaceOptions(
                env_vars=self.env,
                pulumi_home=self.env["PULUMI_HOME"],
                pulumi_command=pulumi_command(),
            ),
        )


PROJECT_FILES = ("__main__.py",)


@dataclass
class NetmeraStack:
    """The real netmera-iac project in a temp folder: desired state files, config, and its stack."""

    project: Project
    stack: auto.Stack
    state_dir: Path

    @classmethod
    def create(
        cls,
        tmp_path: Path,
        base_url: str,
        api_key: str,
        stack_name: str = "e2e",
        backend: str | None = None,
        backend_env: Mapping[str, str] | None = None,
    ) -> NetmeraStack:
        """`backend`: a shared backend's URL (with `backend_env`, its credentials); else a folder."""
        work_dir = tmp_path / "project"
        work_dir.mkdir()
        for name in PROJECT_FILES:
            shutil.copy(REPO_ROOT / name, work_dir / name)
        shutil.copytree(REPO_ROOT / "schemas", work_dir / "schemas")
        settings = yaml.safe_load((REPO_ROOT / "Pulumi.yaml").read_text())
        settings["runtime"]["options"]["virtualenv"] = str(VENV)
        (work_dir / "Pulumi.yaml").write_text(yaml.safe_dump(settings))
        state_dir = work_dir / "stacks" / stack_name
        state_dir.mkdir(parents=True)
        env = engine_env(backend or tmp_path / "state", tmp_path / "home")
        env.update(
            {
                **(backend_env or {}),
                "HOME": str(tmp_path / "home"),
                "NETMERA_IAC_HOME": str(tmp_path / "home"),
            }
        )
        project = Project(work_dir=work_dir, env=env)
        stack = project.stack(stack_name)
        stack.set_config("netmera:apiKey", auto.ConfigValue(api_key, secret=True))
        stack.set_config("netmera:baseUrl", auto.ConfigValue(base_url))
        return cls(project, stack, state_dir)

    def on_new_runner(self, folder: Path) -> NetmeraStack:
        """The same stack from another machine: a fresh clone of the project (the desired state as
        it is now), a fresh HOME, PULUMI_HOME and NETMERA_IAC_HOME; only the backend is shared."""
        folder.mkdir()
        work_dir = folder / "project"
        shutil.copytree(self.project.work_dir, work_dir, ignore=shutil.ignore_patterns("__pycache__"))
        home = folder / "home"
        env = {**self.project.env, "PULUMI_HOME": str(home), "HOME": str(home), "NETMERA_IAC_HOME": str(home)}
        home.mkdir()
        project = Project(work_dir=work_dir, env=env)
        return NetmeraStack(
            project,
            project.stack(self.stack.name),
            work_dir / self.state_dir.relative_to(self.project.work_dir),
        )

    def write(self, tags: object | None = None, categories: object | None = None) -> None:
        for name, document in (("tags.yaml", tags), ("categories.yaml", categories)):
            path = self.state_dir / name
            if document is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(document if isinstance(document, str) else yaml.safe_dump(document))

    def cli(self, *args: str, check: bool = False) -> subprocess.CompletedProcess[str]:
        """The plain CLI, for what the Automation API does not expose (e.g. --expect-no-changes)."""
        return subprocess.run(
            ["pulumi", *args, "--stack", self.stack.name, "--non-interactive"],
            cwd=self.project.work_dir,
            env=self.project.env,
            capture_output=True,
            text=True,
            check=check,
            timeout=600,
        )


def netmera_iac(stack: NetmeraStack, *args: str) -> subprocess.CompletedProcess[str]:
    """The `netmera-iac` command on a test stack, with the stack's backend and passphrase."""
    return subprocess.run(
        [sys.executable, "-m", "netmera_iac.cli", *args, "--stack", stack.stack.name,
         "--project", str(stack.project.work_dir)],
        env=stack.project.env,
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip


def generated_app(tmp_path: Path, app_id: str, users: int) -> str:
    """A fixture file with one app of `users` generated users (u000001, …) opened by the demo key."""
    fixture = tmp_path / f"{app_id}.yaml"
    app = {
        "id": app_id,
        "name": app_id,
        "api_keys": [DEMO_API_KEY],
        "generated_users": {"count": users, "prefix": "u"},
    }
    fixture.write_text(yaml.safe_dump({"apps": [app]}))
    return str(fixture)


@contextmanager
def generated_stack(tmp_path: Path, app_id: str, users: int) -> Iterator[tuple[NetmeraStack, Emulator]]:
    """An emulator serving one app of `users` generated users, and a stack pointed at it."""
    with (
        ServedEmulator(fixture=generated_app(tmp_path, app_id, users)) as served,
        Emulator(served) as handle,
    ):
        yield NetmeraStack.create(tmp_path, served.base_url, DEMO_API_KEY), handle


def start_up(stack: NetmeraStack, output: int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    """`pulumi up` without a preview, in a process group of its own, for a test to kill."""
    return subprocess.Popen(
        ["pulumi", "up", "--yes", "--skip-preview", "--stack", stack.stack.name, "--non-interactive"],
        cwd=stack.project.work_dir, env=stack.project.env, text=True,
        stdout=output, stderr=subprocess.STDOUT if output != subprocess.DEVNULL else subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip


def kill_up_when_sent(
    stack: NetmeraStack, handle: Emulator, operation: str, calls: int, settle: float
) -> None:
    """Start `pulumi up`, SIGKILL its process group once `calls` requests of `operation` have arrived,
    then wait `settle` seconds for the requests in flight to be answered."""
    cli = start_up(stack)
    try:
        deadline = time.monotonic() + 180
        while len(handle.requests(operation)) < calls and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(handle.requests(operation)) >= calls, f"the update never sent {operation}"
        os.killpg(cli.pid, signal.SIGKILL)
        cli.wait(timeout=30)
        time.sleep(settle)
    finally:
        if cli.poll() is None:
            cli.kill()
