"""The managed-attribute schema: Netmera types, validation of values, comparison with the app."""

from __future__ import annotations

from pathlib import Path

from netmera_iac.families.profiles.schema import (
    AttributeSpec,
    compare_with_app,
    load_attribute_schema,
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
