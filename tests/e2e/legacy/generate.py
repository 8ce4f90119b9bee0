"""Re-create `v1-sharded/`: a stack applied by netmera-iac before the compact format (commit 690ea3a).

Run it with the OLD package first on the path, from a checkout of that commit:

    git worktree add /tmp/v1 690ea3a
    PYTHONPATH=/tmp/v1/provider:/tmp/v1 .venv/bin/python /tmp/v1/../main/tests/e2e/legacy/generate.py

It applies `desired/` (a tag in 4 shards, profiles in 2 shards, and every other family) to the demo
emulator app with `netmera-iac:maxIdsPerResource 15` and exports the stack (`state.json`, secrets stay
encrypted with the test passphrase). tests/e2e/test_upgrade.py imports it into the current version.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from pulumi import automation as auto

import netmera_iac
from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.e2e.harness import NetmeraStack

HERE = Path(__file__).resolve().parent / "v1-sharded"


def main() -> None:
    print(f"package: {netmera_iac.__file__}", file=sys.stderr)
    with ServedEmulator() as served, tempfile.TemporaryDirectory() as tmp:
        stack = NetmeraStack.create(Path(tmp), served.base_url, DEMO_API_KEY)
        stack.stack.set_config("netmera-iac:maxIdsPerResource", auto.ConfigValue("15"))
        for path in (HERE / "desired").iterdir():
            shutil.copy(path, stack.state_dir / path.name)
        result = stack.stack.up()
        print(result.summary.resource_changes, file=sys.stderr)
        exported = subprocess.run(
            ["pulumi", "stack", "export", "--stack", "e2e", "--file", str(HERE / "state.json")],
            cwd=stack.project.work_dir, env=stack.project.env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        print(exported.stderr, file=sys.stderr)


if __name__ == "__main__":
    main()
