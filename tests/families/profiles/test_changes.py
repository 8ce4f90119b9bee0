"""The profiles plan from a streamed difference: only users whose line changed are decoded, and the
plan is the one the whole maps give."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.engine import codec
from netmera_iac.families.profiles.planner import plan_profiles
from netmera_iac.families.profiles.resource import (
    INTERRUPTED,
    PROFILES,
    VALUE_COUNT,
    _known,
    _managed,
    _profiles,
    changed_profiles,
    managed_values,
)

ATTRIBUTES = {
    "age": {"dataType": "INTEGER", "isArray": False},
    "tier": {"dataType": "STRING", "isArray": False},
}
users = st.sampled_from([f"u{n}" for n in range(8)])
values = st.dictionaries(
    st.sampled_from(["age", "tier"]), st.none() | st.integers(0, 3) | st.sampled_from(["gold", "silver"])
)
maps = st.dictionaries(users, values, max_size=8)


def _props(profiles: dict[str, dict[str, Any]], **extra: Any) -> dict[str, Any]:
    encoded = codec.collection(PROFILES, codec.encode_json_map(profiles), "users")
    return {**encoded, "attributes": ATTRIBUTES, VALUE_COUNT: managed_values(profiles), **extra}


@given(maps, maps, st.dictionaries(users, st.lists(st.sampled_from(["age", "tier"]), max_size=2), max_size=3))
def test_the_streamed_plan_is_the_plan_of_the_whole_maps(
    old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]], touched: dict[str, list[str]]
) -> None:
    olds = _props(old) if old else {}
    interrupted = codec.collection(INTERRUPTED, codec.encode_json_map(touched), "ids") if touched else {}
    news = _props(new, **interrupted)
    desired, known = changed_profiles(olds, news)
    assert plan_profiles(desired, known) == plan_profiles(_profiles(news), _known(olds, news))
    assert set(desired) <= set(new)


def test_unchanged_users_are_not_decoded_and_the_guard_base_is_kept_beside_the_map() -> None:
    old = {f"u{n:04d}": {"age": n, "tier": "gold"} for n in range(2000)}
    new = {**old, "u0007": {"age": 8, "tier": "gold"}, "u9999": {"tier": None}}
    desired, known = changed_profiles(_props(old), _props(new))
    assert (desired, known) == (
        {"u0007": {"age": 8, "tier": "gold"}, "u9999": {"tier": None}},
        {"u0007": old["u0007"]},
    )
    assert _managed(_props(old)) == 4000
    legacy = {PROFILES: {"u1": {"age": 41.0, "tier": None}}, "attributes": ATTRIBUTES}
    assert _managed(legacy) == 1
    assert changed_profiles(legacy, _props({"u1": {"age": 41}})) == (
        {"u1": {"age": 41}},
        {"u1": {"age": 41, "tier": None}},
    )
