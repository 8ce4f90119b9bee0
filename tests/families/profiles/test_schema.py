"""The managed-attribute schema: Netmera types, validation of values, comparison with the app."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from netmera_iac.engine import DesiredStateError
from netmera_iac.families import load_desired_state
from netmera_iac.families.profiles.schema import (
    AttributeSpec,
    attribute_schema_file,
    attribute_specs,
    compare_with_app,
    load_attribute_schema,
    schema_of_app,
    validate_profiles,
)
from netmera_iac.models import AttributeDefinition

ROOT = Path(__file__).resolve().parents[3]
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


def test_schema_of_app_round_trips_to_the_apps_own_definitions() -> None:
    app = [
        AttributeDefinition(code="name", data_type="STRING"),
        AttributeDefinition(code="points", name="Points", data_type="INTEGER"),
        AttributeDefinition(code="joinedAt", data_type="DATE"),
        AttributeDefinition(code="score", data_type="DOUBLE"),
        AttributeDefinition(code="vip", data_type="BOOLEAN"),
        AttributeDefinition(code="interests", data_type="STRING", is_array=True),
        AttributeDefinition(code="blob", data_type="JSON"),  # not a type the product sends
    ]
    schema = schema_of_app(app, "an app")
    specs = attribute_specs(schema, "stacks/other/profile-attributes.schema.json")
    assert sorted(specs) == ["interests", "joinedAt", "name", "points", "score", "vip"]
    assert compare_with_app(specs, app) == []
    assert all(spec.nullable for spec in specs.values())
    assert (
        validate_profiles(
            {"u1": {"points": 3, "joinedAt": 1700000000000, "interests": ["a"]}}, schema, "f", "users"
        )
        == []
    )
    assert validate_profiles({"u1": {"points": "3"}}, schema, "f", "users") != []


def test_a_stacks_own_schema_takes_precedence(tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "other"
    stack.mkdir(parents=True)
    assert attribute_schema_file(stack, ROOT / "schemas") == SCHEMA_FILE
    own = stack / "profile-attributes.schema.json"
    own.write_text(json.dumps(schema_of_app([AttributeDefinition(code="points", data_type="INTEGER")], "x")))
    assert attribute_schema_file(stack, ROOT / "schemas") == own
    (stack / "profiles.yaml").write_text("users:\n  u1: {points: 4}\n")
    state = load_desired_state(stack, ROOT / "schemas")
    assert "stacks/other/profile-attributes.schema.json" in state.files
    (stack / "profiles.yaml").write_text("users:\n  u1: {loyaltyTier: gold}\n")  # the shared schema's
    with pytest.raises(DesiredStateError) as raised:
        load_desired_state(stack, ROOT / "schemas")
    assert raised.value.problems == [
        "stacks/other/profiles.yaml: users.u1: attribute(s) not in the managed schema: loyaltyTier"
    ]


def test_a_stacks_schema_must_not_be_a_link(tmp_path: Path) -> None:
    stack = tmp_path / "stacks" / "other"
    stack.mkdir(parents=True)
    (stack / "profile-attributes.schema.json").symlink_to(SCHEMA_FILE)
    (stack / "profiles.yaml").write_text("users: {}\n")
    with pytest.raises(DesiredStateError) as raised:
        load_desired_state(stack, ROOT / "schemas")
    assert raised.value.problems[0] == (
        "stacks/other/profile-attributes.schema.json: must be a regular file inside the stack folder, "
        "not a link"
    )
