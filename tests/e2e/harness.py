"""Runs the real Pulumi CLI (found on PATH, see tools/setup.sh) against throw-away local file backends.

Every test gets its own backend, PULUMI_HOME and project folder, so tests can run in parallel and
never touch the developer's `.pulumi/` state. Nothing here fakes the engine.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pulumi import automation as auto

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV = REPO_ROOT / ".venv"
TEST_PASSPHRASE = "netmera-iac-test-only"


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
        backend = tmp_path / f"{name}-state"
        home = tmp_path / f"{name}-home"
        backend.mkdir()
        home.mkdir()
        env = {
            "PULUMI_BACKEND_URL": backend.as_uri(),
            "PULUMI_HOME": str(home),
            "PULUMI_CONFIG_PASSPHRASE": TEST_PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            "PULUMI_DISABLE_REGISTRY_RESOLVE": "true",
            "PATH": os.environ["PATH"],
        }
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
