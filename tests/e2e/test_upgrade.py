"""A stack applied by the sharded version (690ea3a) upgrades in place: no user is untagged or re-tagged.

`legacy/v1-sharded/state.json` is that version's exported state of `legacy/v1-sharded/desired/` (a tag
in 4 shard resources, profiles in 2, and every other family); `legacy/generate.py` re-creates it.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack, netmera_iac

pytestmark = pytest.mark.e2e

LEGACY = Path(__file__).parent / "legacy" / "v1-sharded"


def legacy_members(name: str) -> list[str]:
    """The members the old version stored in one shard resource."""
    state = json.loads((LEGACY / "state.json").read_text())
    (resource,) = [
        r for r in state["deployment"]["resources"] if r["urn"].endswith(f":TagMembership::{name}")
    ]
    return sorted(resource["inputs"]["members"])


def test_a_sharded_stack_upgrades_in_place_without_a_write(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    big = sorted({m for name in ("big", "big#1", "big#2", "big#3") for m in legacy_members(name)})
    assert len(big) == 40
    with emulator.api() as api:  # Netmera as the old version left it
        api.post("/tagUsers", json={"tag": "big", "extIds": big}).raise_for_status()
        api.post(
            "/tagUsers", json={"tag": "small", "extIds": ["cust-ayse", "cust-mehmet"]}
        ).raise_for_status()
    for path in (LEGACY / "desired").iterdir():
        shutil.copy(path, netmera_stack.state_dir / path.name)
    imported = netmera_stack.cli("stack", "import", "--file", str(LEGACY / "state.json"))
    assert imported.returncode == 0, imported.stderr
    emulator.control.delete("/requests")

    # Plain `pulumi up` cannot plan a shard alone: it refuses at preview, naming what to run.
    refused = netmera_stack.cli("preview")
    assert refused.returncode != 0
    said = " ".join((refused.stdout + refused.stderr).split())
    # The engine stops at the first failing resource; which one it checks first depends on timing.
    assert (
        "TagMembership 'big' was applied as 4 shards" in said or "ProfileAttributes was applied as 2" in said
    )
    assert "netmera-iac migrate --stack <stack>" in refused.stdout + refused.stderr
    assert writes(emulator) == []

    migrated = netmera_iac(netmera_stack, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    assert "merged 4 shards into TagMembership 'big': big#1, big#2, big#3" in migrated.stdout
    assert "merged 2 shards into ProfileAttributes 'profiles': profiles#1" in migrated.stdout

    plan = netmera_iac(netmera_stack, "plan", "--no-refresh")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert " 0 user change(s)" in plan.stdout
    up = netmera_stack.stack.up()
    assert "delete" not in up.summary.resource_changes  # no shard was deleted, so nobody was untagged
    assert writes(emulator) == []
    assert emulator.users_of("big") == big
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0

    # The merged resource knows every shard's users: dropping one from the old last shard untags one.
    leaving = legacy_members("big#3")[0]
    tags = (netmera_stack.state_dir / "tags.yaml").read_text().replace(f"{leaving}, ", "")
    (netmera_stack.state_dir / "tags.yaml").write_text(tags.replace("    shards: 4\n", ""))
    netmera_stack.stack.up()
    assert [(r["operation"], r["ids"]) for r in writes(emulator)] == [("untagUsers", 1)]
    assert emulator.users_of("big") == [m for m in big if m != leaving]
