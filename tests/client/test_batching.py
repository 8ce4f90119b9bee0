"""Splitting into requests of at most 1000 unique external ids, losing and duplicating nothing."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.client import NetmeraClient, entry_batches, id_batches
from netmera_iac.models import ProfileEntry
from tests.client.conftest import Script


@pytest.mark.parametrize(
    ("unique", "duplicates", "expected_sizes"),
    [
        (999, 0, [999]),
        (1000, 0, [1000]),
        (1001, 0, [1000, 1]),
        (2500, 0, [1000, 1000, 500]),
        (1000, 300, [1000]),
    ],
)
def test_tag_users__batches(
    client: NetmeraClient, script: Script, unique: int, duplicates: int, expected_sizes: list[int]
) -> None:
    ids = [f"u{i}" for i in range(unique)]
    result = client.tag_users("vip", ids + ids[:duplicates])
    sent = [body["extIds"] for body in script.bodies()]
    assert sorted(len(batch) for batch in sent) == sorted(expected_sizes)
    assert sorted(i for batch in sent for i in batch) == sorted(ids)
    assert (result.requests, result.ids) == (len(expected_sizes), unique)
    assert all(body["tag"] == "vip" for body in script.bodies())


def test_id_batches_keep_first_occurrence_order() -> None:
    assert id_batches(["b", "a", "b", "c"], size=2) == [["b", "a"], ["c"]]


def test_set_profile_attributes__entries_split_by_unique_ids(client: NetmeraClient, script: Script) -> None:
    entries = [ProfileEntry(ext_id=f"u{i % 1500}", profile={"age": i}) for i in range(3000)]
    result = client.set_profile_attributes(entries)
    bodies = script.bodies()
    assert all(len({e["extId"] for e in body}) <= 1000 for body in bodies)
    assert sum(len(body) for body in bodies) == 3000
    assert result.ids == 3000
    # Batches run concurrently, so arrival order is not batch order; each batch keeps entry order.
    firsts = sorted((json.loads(r.content)[0] for r in script.requests), key=lambda e: e["profile"]["age"])
    assert firsts[0] == {"extId": "u0", "profile": {"age": 0}}


@given(st.lists(st.text(min_size=1, max_size=4), max_size=300), st.integers(min_value=1, max_value=50))
def test_id_batches_lose_and_duplicate_nothing(ids: list[str], size: int) -> None:
    batches = id_batches(ids, size)
    flat = [i for b in batches for i in b]
    assert flat == list(dict.fromkeys(ids))
    assert all(0 < len(b) <= size for b in batches)


@given(st.lists(st.integers(min_value=0, max_value=60), max_size=300), st.integers(min_value=1, max_value=20))
def test_entry_batches_keep_every_entry_in_order(keys: list[int], size: int) -> None:
    entries = list(enumerate(keys))
    batches = entry_batches(entries, key=lambda e: str(e[1]), size=size)
    assert [e for b in batches for e in b] == entries
    assert all(len({e[1] for e in b}) <= size for b in batches)
