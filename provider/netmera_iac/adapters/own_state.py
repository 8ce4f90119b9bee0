"""The stack's own last deployment, read by the program through the CLI that runs it.

A program sees no state, and `pulumi stack export` is the one reader every backend offers (it takes
no lock, so it works during the update that runs the program). Used once per stack, to carry what an
earlier version kept only in resource outputs into a record of its own (families/consent/person.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..engine.errors import BackendError


def exported_deployment(stack: str, project_dir: Path) -> dict[str, Any]:
    """The `deployment` of `pulumi stack export` for `stack` ({} for a stack with no update yet)."""
    cli = shutil.which("pulumi")
    if cli is None:
        raise BackendError(stack, "the `pulumi` CLI is not on PATH, so the stack's state cannot be read")
    run = subprocess.run(
        [cli, "stack", "export", "--stack", stack],
        cwd=project_dir,
        env=os.environ.copy(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if run.returncode != 0:
        last = (run.stderr.strip().splitlines() or ["no output"])[-1]
        raise BackendError(stack, f"`pulumi stack export` failed: {last[:300]}")
    try:
        deployment = json.loads(run.stdout).get("deployment") or {}
    except ValueError:
        raise BackendError(stack, "`pulumi stack export` did not print a deployment") from None
    return deployment if isinstance(deployment, dict) else {}
