"""Merging the shard resources of an earlier version's state (the exported deployment only)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netmera_iac.workflow.migrate import MigrationError, merge_shards

STATE = Path(__file__).resolve().parents[1] / "e2e" / "legacy" / "v1-sharded" / "state.json"


def resource(deployment: dict, name: str) -> dict:  # type: ignore[type-arg]
    (found,) = [r for r in deployment["resources"] if r["urn"].rsplit("::", 1)[-1] == name]
    return found  # type: ignore[no-any-return]


def test_shards_are_merged_into_shard_zero_with_every_user() -> None:
    old = json.loads(STATE.read_text())["deployment"]
    before = {
        m for name in ("big", "big#1", "big#2", "big#3") for m in resource(old, name)["inputs"]["members"]
    }
    migration = merge_shards(old)
    new = migration.deployment
    names = [r["urn"].rsplit("::", 1)[-1] for r in new["resources"]]
    assert not {"big#1", "big#2", "big#3", "profiles#1"} & set(names)
    big = resource(new, "big")
    for part in ("inputs", "outputs"):
        assert set(big[part]["members"]) == before and len(before) == 40
        assert big[part]["shard"] == {"index": 0, "count": 1}
    profiles = resource(new, "profiles")["inputs"]["profiles"]
    assert set(profiles) == {"cust-ayse", "cust-mehmet", "user-0001", "user-0002", "user-0003"}
    manifest = resource(new, "manifest")["inputs"]["resources"]
    assert manifest["TagMembership:big"]["users"] == 40 and "shards" not in manifest["TagMembership:big"]
    assert "TagMembership:big#1" not in manifest and manifest["ProfileAttributes:profiles"]["users"] == 6
    assert migration.merged == {
        "TagMembership 'big'": ["big#1", "big#2", "big#3"],
        "ProfileAttributes 'profiles'": ["profiles#1"],
    }
    assert resource(old, "big#1")  # the input is not modified
    assert not merge_shards(new).changed  # a second run finds nothing to do


def test_pending_operations_are_refused() -> None:
    old = json.loads(STATE.read_text())["deployment"]
    with pytest.raises(MigrationError, match="pending operations"):
        merge_shards({**old, "pending_operations": [{"type": "creating"}]})
