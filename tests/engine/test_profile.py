"""Profile attributes: schema, validation against it and the app, and plans (issue 6 groundwork)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.engine.profile import (
    AttributeSpec,
    apply_profile_plan,
    compare_with_app,
    load_attribute_schema,
    plan_profiles,
    validate_profiles,
)
from netmera_iac.models import AttributeDefinition

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_FILE = ROOT / "schemas" / "profile-attributes.schema.json"
SCHEMA, SPECS = load_attribute_schema(SCHEMA_FILE, "schemas/profile-attributes.schema.json")


def test_schema_maps_to_netmera_types() -> None:
    assert SPECS["dateOfBirth"] == AttributeSpec("dateOfBirth", "DATE", is_array=False, nullable=True)
    assert SPECS["lifetimeValue"].data_type == "DOUBLE"
    assert SPECS["favouriteBrands"] == AttributeSpec(
        "favouriteBrands", "STRING", is_array=True, nullable=True
    )


def test_wrong_values_name_file_user_attribute_and_value() -> None:
    profiles = {
        "cust-ayse": {"age": "thirty", "loyaltyTier": "diamond", "shoeSize": 38},
        "user-0001": {"age": 3},
    }
    problems = validate_profiles(profiles, SCHEMA, "stacks/demo/profiles.yaml", "users")
    assert problems == [
        "stacks/demo/profiles.yaml: users.cust-ayse: attribute(s) not in the managed schema: shoeSize",
        "stacks/demo/profiles.yaml: users.cust-ayse.age: 'thirty' is not of type 'integer', 'null' "
        '(value: "thirty")',
        "stacks/demo/profiles.yaml: users.cust-ayse.loyaltyTier: 'diamond' is not one of "
        "['bronze', 'silver', 'gold', 'platinum', None] (value: \"diamond\")",
    ]


def test_the_demo_app_matches_the_schema() -> None:
    from netmera_iac.emulator.fixtures import load_fixture

    demo = next(app for app in load_fixture("demo").apps if app.id == "demo")
    definitions = [
        AttributeDefinition(code=a.code, data_type=a.data_type, is_array=a.is_array)
        for a in demo.profile_attributes
    ]
    assert compare_with_app(SPECS, definitions) == []


def test_mismatches_with_the_app_are_named() -> None:
    definitions = [
        AttributeDefinition(code="age", data_type="STRING"),
        AttributeDefinition(code="favouriteBrands", data_type="STRING", is_array=False),
    ]
    problems = compare_with_app({k: SPECS[k] for k in ("age", "favouriteBrands", "loyaltyTier")}, definitions)
    assert problems == [
        "profile attribute 'age': the schema says INTEGER, the app says STRING",
        "profile attribute 'favouriteBrands': the schema says an array, the app says the opposite",
        "profile attribute 'loyaltyTier' is not defined in the Netmera app",
    ]


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
