"""Shards of one tag are sent as one combined plan."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest

from netmera_iac.engine import Plan, shard_of, split
from netmera_iac.resources._coalesce import Shard, ShardCoalescer
from netmera_iac.resources.tag import combined_tag_plan

IDS = [f"u{i:05d}" for i in range(3000)]


def collect(sent: list[Plan]) -> Callable[[list[Shard], list[Shard]], None]:
    """A send that records the combined tag plan instead of calling Netmera."""

    def send(batch: list[Shard], settled: list[Shard]) -> None:
        sent.append(combined_tag_plan("vip", batch, settled))

    return send


def test_shards_of_a_tag_are_sent_once_with_minimal_calls() -> None:
    coalescer = ShardCoalescer()
    sent: list[Plan] = []
    shards = split(IDS, 4)
    for index, ids in enumerate(shards):
        coalescer.record("vip", index, 4, set(), set(ids))
    threads = [
        threading.Thread(target=coalescer.apply, args=("vip", i, 4, set(), set(ids), collect(sent)))
        for i, ids in enumerate(shards)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(sent) == 1
    assert sent[0].calls == 3  # ceil(3000 / 1000), not one call per shard
    assert sorted(sent[0].ids("tagUsers")) == IDS


def test_ids_moving_between_shards_are_not_untagged() -> None:
    coalescer = ShardCoalescer()
    sent: list[Plan] = []
    members = IDS[:100]
    kept = [i for i in members if shard_of(i, 2) == 0]
    moved = [i for i in members if shard_of(i, 2) == 1]
    removed, added = kept[0], "u09999"
    shard0_new, shard1_new = set(kept) - {removed}, set(moved) | {added}
    coalescer.record("vip", 0, 2, set(members), shard0_new)  # shard 0 held all 100 before doubling
    coalescer.record("vip", 1, 2, set(), shard1_new)
    coalescer.apply("vip", 0, 2, set(members), shard0_new, collect(sent))
    coalescer.apply("vip", 1, 2, set(), shard1_new, collect(sent))
    assert len(sent) == 1
    assert sent[0].ids("untagUsers") == (removed,)
    assert sent[0].ids("tagUsers") == (added,)


def test_a_failed_send_fails_every_shard_of_the_batch() -> None:
    coalescer = ShardCoalescer()
    coalescer.record("vip", 0, 2, set(), {"a"})
    coalescer.record("vip", 1, 2, set(), {"b"})

    def boom(batch: list[Shard], settled: list[Shard]) -> None:
        raise RuntimeError("netmera down")

    errors = []
    for index, ids in ((0, {"a"}), (1, {"b"})):
        try:
            coalescer.apply("vip", index, 2, set(), ids, boom)
        except RuntimeError as exc:
            errors.append(str(exc))
    assert errors == ["netmera down", "netmera down"]


def test_missing_shards_do_not_block_forever(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("netmera_iac.resources._coalesce.WAIT_SECONDS", 0.05)
    coalescer = ShardCoalescer()
    sent: list[Plan] = []
    coalescer.apply("vip", 0, 4, set(), {"a"}, collect(sent))  # shards 1-3 were never checked
    assert [p.ids("tagUsers") for p in sent] == [("a",)]
