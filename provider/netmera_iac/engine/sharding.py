"""Splitting a large membership into shards by a stable hash of the external id.

A shard's ids never depend on the other ids, so adding users never moves existing ones. The shard
count is a power of two; when it doubles, shard i keeps an id or gives it to shard i + old_count (a
split, never a reshuffle). It can only grow. The provider sends the shards of a tag as one plan, so
ids that move between shards cost no call.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

DEFAULT_MAX_PER_SHARD = 20_000  # ids; ~0.5 MB per map in state, far below gRPC's 4 MB


def shard_of(ext_id: str, count: int) -> int:
    digest = hashlib.blake2b(ext_id.encode("utf-8"), digest_size=8).digest()
    return int.from_bytes(digest, "big") % count


def is_power_of_two(n: int) -> bool:
    return n >= 1 and n & (n - 1) == 0


def split(ids: Iterable[str], count: int) -> list[list[str]]:
    if not is_power_of_two(count):
        raise ValueError(f"shard count must be a power of two, got {count}")
    shards: list[list[str]] = [[] for _ in range(count)]
    for ext_id in ids:
        shards[shard_of(ext_id, count)].append(ext_id)
    return shards


def shards_needed(size: int, max_per_shard: int = DEFAULT_MAX_PER_SHARD) -> int:
    """The smallest power of two that keeps a uniform split of `size` ids under the bound (with slack)."""
    count = 1
    while size / count > max_per_shard * 0.8:
        count *= 2
    return count
