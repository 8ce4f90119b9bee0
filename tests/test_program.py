"""The program's own checks, before any resource is registered."""

from __future__ import annotations

from netmera_iac.program import _shard_problem


def test_a_resource_above_the_bound_names_the_shards_needed() -> None:
    assert _shard_problem("stacks/e2e/tags.yaml: memberships.big", 20_000, "members", 1, 20_000) is None
    assert _shard_problem("stacks/e2e/tags.yaml: memberships.big", 20_001, "members", 1, 20_000) == (
        "stacks/e2e/tags.yaml: memberships.big: 20001 members in 1 shard(s) exceed 20000 per resource; "
        "set `shards: 2`"
    )
    assert _shard_problem("stacks/e2e/profiles.yaml", 100_000, "users", 2, 20_000) == (
        "stacks/e2e/profiles.yaml: 100000 users in 2 shard(s) exceed 20000 per resource; set `shards: 8`"
    )
