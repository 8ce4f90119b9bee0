"""Profile plans: minimal, converging, and exact about what differs (true is not 1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.families.profiles.planner import ProfilePlan, plan_profiles
from netmera_iac.families.profiles.schema import (
    load_attribute_schema,
)

ROOT = Path(__file__).resolve().parents[3]
SCHEMA_FILE = ROOT / "schemas" / "profile-attributes.schema.json"
SCHEMA, SPECS = load_attribute_schema(SCHEMA_FILE, "schemas/profile-attributes.schema.json")


def apply_profile_plan(plan: ProfilePlan, state: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Netmera's merge semantics: set values merge into the profile (arrays replaced whole), unset
    attributes go."""
    result = {ext_id: dict(values) for ext_id, values in state.items()}
    for ext_id, values in plan.sets.items():
        result.setdefault(ext_id, {}).update(values)
    for ext_id, attrs in plan.unsets.items():
        for attr in attrs:
            result.get(ext_id, {}).pop(attr, None)
    return result


def test_plan_sets_changes_and_unsets_nulls_and_leavers() -> None:
    applied = {"a": {"age": 3, "loyaltyTier": "gold"}, "b": {"age": 5}}
    desired = {"a": {"age": 4, "loyaltyTier": None}, "c": {"isSubscribed": True}}
    plan = plan_profiles(desired, applied)
    assert plan.sets == {"a": {"age": 4}, "c": {"isSubscribed": True}}
    assert plan.unsets == {"a": ("loyaltyTier",), "b": ("age",)}
    assert plan.calls == 2
    assert (
        plan.summary() == "set attributes of 2 user(s): a, c; unset attributes of 2 user(s): a, b (2 call(s))"
    )


def test_plan_against_live_state_finds_drift_and_skips_what_is_already_right() -> None:
    applied = {"a": {"age": 3, "loyaltyTier": None}}
    live = {"a": {"age": 30, "loyaltyTier": "gold", "name": "Ayşe"}}
    plan = plan_profiles({"a": {"age": 3, "loyaltyTier": None}}, applied, live)
    assert plan.sets == {"a": {"age": 3}}
    assert plan.unsets == {"a": ("loyaltyTier",)}
    assert plan_profiles({"a": {"age": 30}}, applied, {"a": {"age": 30}}).empty


def test_true_and_1_are_different_values() -> None:
    assert plan_profiles({"a": {"isSubscribed": True}}, {"a": {"isSubscribed": 1}}).sets == {
        "a": {"isSubscribed": True}
    }


values = (
    st.none()
    | st.booleans()
    | st.integers(-5, 5)
    | st.sampled_from(["x", "y"])
    | st.lists(st.sampled_from(["p", "q"]), max_size=2)
)
profiles = st.dictionaries(
    st.sampled_from(["a", "b", "c"]),
    st.dictionaries(st.sampled_from(["k1", "k2", "k3"]), values, max_size=3),
    max_size=3,
)


@given(desired=profiles, applied=profiles)
def test_applying_a_plan_reaches_the_desired_state_and_a_second_plan_is_empty(
    desired: dict[str, dict[str, Any]], applied: dict[str, dict[str, Any]]
) -> None:
    live = {u: {k: v for k, v in vals.items() if v is not None} for u, vals in applied.items()}
    after = apply_profile_plan(plan_profiles(desired, applied, live), live)
    for user, vals in desired.items():
        for attr, value in vals.items():
            if value is None:
                assert attr not in after.get(user, {})
            else:
                assert json.dumps(after[user][attr]) == json.dumps(value)
    assert plan_profiles(desired, desired, after).empty
