"""Sharding by a stable hash: adding users never moves existing ones; doubling only splits."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.engine import shard_of, shards_needed, split

ids = st.lists(st.text(min_size=1, max_size=8), unique=True, max_size=200)


@given(existing=ids, added=ids)
def test_adding_users_never_moves_existing_ones(existing: list[str], added: list[str]) -> None:
    before = {i: shard_of(i, 8) for i in existing}
    after = split(existing + [a for a in added if a not in before], 8)
    assert all(i in after[s] for i, s in before.items())


@given(ids)
def test_doubling_splits_each_shard_into_itself_and_its_sibling(members: list[str]) -> None:
    for i in members:
        assert shard_of(i, 16) in (shard_of(i, 8), shard_of(i, 8) + 8)


def test_shard_hash_is_pinned() -> None:
    # blake2b of the UTF-8 id, big-endian, modulo the count. Pinned: a different hash would silently
    # move users between the shards of every existing stack.
    assert [shard_of(f"user-{n:04d}", 16) for n in range(1, 9)] == [8, 11, 10, 12, 0, 2, 6, 14]
    assert shard_of("cust-ayse", 1024) == 624
    assert shard_of("cust-ayse", 1) == 0


def test_shards_needed_keeps_shards_under_the_bound() -> None:
    assert shards_needed(1_000) == 1
    assert shards_needed(100_000) == 8
    assert shards_needed(100_000, max_per_shard=10_000) == 16
    sizes = [len(s) for s in split([f"u{i}" for i in range(100_000)], shards_needed(100_000))]
    assert max(sizes) <= 20_000
