"""Merge the shards of stacks applied by earlier versions into one resource each, in the state only.

Versions before the compact collection format split a large tag (and the profiles) into shard
resources `big`, `big#1`, `big#2`, … Now one resource holds any number of users. The shards cannot be
merged by `pulumi up` itself: the new `big` resource would see only shard 0 as its previous state and
the other shards would be deleted, untagging their users. So this rewrites the exported deployment
once: the users of every shard go into shard 0's inputs and outputs, the other shards and their
manifest entries are dropped, and the result is imported. It sends nothing to Netmera; the next
`pulumi up` rewrites each resource in the compact format, again without a single write.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..engine.errors import NetmeraIacError
from ..families.tags.desired import MEMBERSHIP

SHARDED = {MEMBERSHIP: ("tag", "members"), "ProfileAttributes": (None, "profiles")}


class MigrationError(NetmeraIacError):
    """The state cannot be migrated as it is (e.g. an interrupted update left pending operations)."""


@dataclass
class Migration:
    deployment: dict[str, Any]
    merged: dict[str, list[str]] = field(default_factory=dict)  # kept resource -> merged shard names

    @property
    def changed(self) -> bool:
        return bool(self.merged)

    def describe(self) -> str:
        if not self.merged:
            return "nothing to migrate: no resource of this stack is split in shards"
        return "\n".join(
            f"merged {len(names) + 1} shards into {kept}: {', '.join(names)}"
            for kept, names in sorted(self.merged.items())
        )


def _kind(resource: Mapping[str, Any]) -> str:
    return str(resource.get("type", "")).rsplit(":", 1)[-1]


def _name(resource: Mapping[str, Any]) -> str:
    return str(resource.get("urn", "")).rsplit("::", 1)[-1]


def _shard(resource: Mapping[str, Any]) -> tuple[int, int]:
    shard = (resource.get("inputs") or {}).get("shard") or {}
    return int(shard.get("index", 0)), int(shard.get("count", 1))


def merge_shards(deployment: Mapping[str, Any]) -> Migration:
    """The deployment with every sharded resource merged into its shard 0."""
    result = copy.deepcopy(dict(deployment))
    if result.get("pending_operations"):
        raise MigrationError(
            "the stack has pending operations from an interrupted update; resolve them first "
            "(`pulumi refresh --clear-pending-creates` or `pulumi cancel`), then migrate"
        )
    resources: list[dict[str, Any]] = result.get("resources") or []
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for resource in resources:
        kind = _kind(resource)
        if kind in SHARDED and _shard(resource)[1] > 1 and not resource.get("delete"):
            key_prop = SHARDED[kind][0]
            key = str((resource.get("inputs") or {}).get(key_prop)) if key_prop else kind
            groups[(kind, key)].append(resource)
    migration = Migration(result)
    dropped: set[str] = set()
    renamed: dict[str, str] = {}  # manifest entry of a dropped shard -> entry of the kept one
    for (kind, key), shards in sorted(groups.items()):
        shards.sort(key=lambda r: _shard(r)[0])
        base = shards[0]
        if _shard(base)[0] != 0:
            raise MigrationError(f"{kind} {key!r}: shard 0 is missing from the state; cannot merge")
        collection = SHARDED[kind][1]
        for part in ("inputs", "outputs"):
            merged: dict[str, Any] = {}
            for shard in shards:
                merged.update(dict((shard.get(part) or {}).get(collection) or {}))
            base.setdefault(part, {})[collection] = dict(sorted(merged.items()))
            base[part]["shard"] = {"index": 0, "count": 1}
        for shard in shards[1:]:
            dropped.add(str(shard["urn"]))
            renamed[f"{kind}:{_name(shard)}"] = f"{kind}:{_name(base)}"
        migration.merged[f"{kind} {_name(base)!r}"] = [_name(s) for s in shards[1:]]
    result["resources"] = [r for r in resources if str(r.get("urn")) not in dropped]
    for resource in result["resources"]:
        if resource.get("dependencies"):
            resource["dependencies"] = [d for d in resource["dependencies"] if d not in dropped]
        if _kind(resource) == "StackManifest":
            for part in ("inputs", "outputs"):
                entries = (resource.get(part) or {}).get("resources")
                if isinstance(entries, dict):
                    resource[part]["resources"] = _merge_manifest(entries, renamed)
    return migration


def _merge_manifest(entries: dict[str, Any], renamed: Mapping[str, str]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for name, entry in entries.items():
        entry = {k: v for k, v in dict(entry).items() if k != "shards"}
        target = renamed.get(name, name)
        if target in merged:
            merged[target]["users"] = merged[target].get("users", 0) + entry.get("users", 0)
        else:
            merged[target] = entry
    return merged
