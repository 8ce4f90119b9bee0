"""Resources an earlier netmera-iac applied as shards of one collection.

Before the compact format a large collection was split over several resources. Such a shard cannot be
planned alone (the other shards' users are only in their own, now removed, resources), so `check`
refuses it until `netmera-iac migrate` has merged the shards in the state, sending nothing.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure


def legacy_shards(props: dict[str, Any]) -> int:
    """How many shards a resource written before the compact format was one of (1: not sharded)."""
    shard = props.get("shard")
    return int(shard.get("count", 1)) if isinstance(shard, dict) else 1


def legacy_shard_failures(olds: dict[str, Any], resource: str) -> list[CheckFailure]:
    count = legacy_shards(olds)
    if count <= 1:
        return []
    return [
        CheckFailure(
            "shard",
            f"{resource} was applied as {count} shards by an earlier netmera-iac; merge them into one "
            "resource in the stack's state first (sends nothing): `netmera-iac migrate --stack <stack>`, "
            "then preview again",
        )
    ]
