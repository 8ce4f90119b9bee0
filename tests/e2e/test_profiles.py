"""Profile attributes through the real Pulumi CLI against the emulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack

pytestmark = pytest.mark.e2e


def profile(emulator: Emulator, ext_id: str) -> dict[str, Any]:
    with emulator.api() as api:
        return dict(api.get("/getProfileAttributes", params={"extId": ext_id}).json()["profile"])


def failing_preview(stack: NetmeraStack) -> str:
    with pytest.raises(auto.CommandError) as caught:
        stack.stack.preview()
    return str(caught.value)


def test_profiles_lifecycle(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    netmera_stack.write(None, None)
    (netmera_stack.state_dir / "profiles.yaml").write_text(
        yaml.safe_dump(
            {
                "users": {
                    "cust-ayse": {"loyaltyTier": "silver", "age": 35},
                    "cust-mehmet": {"isSubscribed": True},
                }
            }
        )
    )
    netmera_stack.stack.up()
    assert profile(emulator, "cust-ayse") == {
        "name": "Ayşe",
        "surname": "Yılmaz",
        "loyaltyTier": "silver",
        "age": 35,
    }
    assert profile(emulator, "cust-mehmet")["isSubscribed"] is True

    emulator.control.delete("/requests")
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0
    assert writes(emulator) == []

    # A changed value, an explicit null, and an attribute leaving a user.
    (netmera_stack.state_dir / "profiles.yaml").write_text(
        yaml.safe_dump({"users": {"cust-ayse": {"loyaltyTier": "gold", "age": None}, "cust-mehmet": {}}})
    )
    netmera_stack.stack.up()
    assert profile(emulator, "cust-ayse") == {"name": "Ayşe", "surname": "Yılmaz", "loyaltyTier": "gold"}
    assert "isSubscribed" not in profile(emulator, "cust-mehmet")
    assert sorted((r["operation"], r["ids"]) for r in writes(emulator)) == [
        ("setProfileAttributes", 1),
        ("unsetProfileAttributes", 2),
    ]


def test_a_wrong_type_is_caught_at_preview_with_zero_requests(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    (netmera_stack.state_dir / "profiles.yaml").write_text(
        yaml.safe_dump({"users": {"cust-ayse": {"age": "thirty"}}})
    )
    emulator.control.delete("/requests")
    message = failing_preview(netmera_stack)
    assert (
        "stacks/e2e/profiles.yaml: users.cust-ayse.age: 'thirty' is not of type 'integer', 'null'" in message
    )
    assert emulator.requests() == []  # not even a read


def test_schema_and_app_disagreeing_fails_the_preview(tmp_path: Path) -> None:
    fixture = tmp_path / "app.yaml"
    app = {
        "id": "demo",
        "name": "Mismatched",
        "api_keys": [DEMO_API_KEY],
        "profile_attributes": [{"code": "age", "data_type": "STRING"}],
        "users": [{"ext_id": "cust-ayse"}],
    }
    fixture.write_text(yaml.safe_dump({"apps": [app]}))
    with ServedEmulator(fixture=str(fixture)) as served, Emulator(served) as handle:
        stack = NetmeraStack.create(tmp_path, served.base_url, DEMO_API_KEY)
        (stack.state_dir / "profiles.yaml").write_text(yaml.safe_dump({"users": {"cust-ayse": {"age": 3}}}))
        message = failing_preview(stack)
        assert "profile attribute 'age': the schema says INTEGER, the app says STRING" in message
        assert "profile attribute 'loyaltyTier' is not defined in the Netmera app" in message
        assert "property appAttributes value {<nil>} has a problem" in message  # the map is not repeated
        assert message.split("Diagnostics:")[1].count("has a problem") == 1 and "netmera-iac init" in message
        assert writes(handle) == []


def test_drift_is_found_by_refresh(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    (netmera_stack.state_dir / "profiles.yaml").write_text(
        yaml.safe_dump({"users": {"cust-mehmet": {"loyaltyTier": "silver"}}})
    )
    netmera_stack.stack.up()
    with emulator.api() as api:
        body = [{"extId": "cust-mehmet", "profile": {"loyaltyTier": "platinum"}}]
        api.post("/setProfileAttributes", json=body).raise_for_status()
    drift = netmera_stack.cli("preview", "--refresh", "--expect-no-changes", "--diff")
    assert drift.returncode != 0
    # The values travel encoded (one digest per resource); the plan line names who is set back.
    assert '~ profiles    : "1 users · sha256:' in drift.stdout
    assert 'plan        : "set attributes of 1 user(s): cust-mehmet (1 call(s))"' in drift.stdout
    netmera_stack.stack.up(refresh=True)
    assert profile(emulator, "cust-mehmet")["loyaltyTier"] == "silver"
    assert netmera_stack.cli("preview", "--refresh", "--expect-no-changes").returncode == 0


def test_array_values_are_pushed_and_pulled_without_owning_the_array(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    with emulator.api() as api:
        body = [{"extId": "cust-ayse", "profile": {"favouriteBrands": ["acme", "initech", "umbrella"]}}]
        api.post("/setProfileAttributes", json=body).raise_for_status()
    arrays = {"favouriteBrands": {"present": {"cust-ayse": ["globex"]}, "absent": {"cust-ayse": ["initech"]}}}
    (netmera_stack.state_dir / "profiles.yaml").write_text(yaml.safe_dump({"arrays": arrays}))
    netmera_stack.stack.up()
    assert profile(emulator, "cust-ayse")["favouriteBrands"] == ["acme", "umbrella", "globex"]
    assert sorted(r["operation"] for r in writes(emulator)) == [
        "pullProfileAttributes",
        "pushProfileAttributes",
        "setProfileAttributes",  # the one made above, behind the stack's back
    ]


def test_erasing_from_every_user_is_guarded_then_allowed(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    # Retire the attribute `age` (taken out of the managed schema) and the value `gold` of loyaltyTier.
    schema_file = netmera_stack.project.work_dir / "schemas" / "profile-attributes.schema.json"
    schema = json.loads(schema_file.read_text())
    del schema["properties"]["age"]
    schema_file.write_text(json.dumps(schema))
    retire = {"attributes": ["age"], "values": {"loyaltyTier": ["gold"]}}
    (netmera_stack.state_dir / "profiles.yaml").write_text(yaml.safe_dump({"retire": retire}))
    emulator.control.delete("/requests")
    message = failing_preview(netmera_stack)
    assert (
        "this would erase from every user of the app: attribute 'age', value 'gold' of 'loyaltyTier'"
        in message
    )
    assert writes(emulator) == []

    (netmera_stack.state_dir / "profiles.yaml").write_text(
        yaml.safe_dump({"retire": {**retire, "allow_mass_change": True}})
    )
    netmera_stack.stack.up()
    assert "age" not in profile(emulator, "cust-ayse")
    assert "loyaltyTier" not in profile(emulator, "cust-ayse")  # was gold
    assert sorted(r["operation"] for r in writes(emulator)) == [
        "deleteProfileAttributeValue",
        "deleteProfileAttributes",
    ]
    emulator.control.delete("/requests")
    netmera_stack.stack.up()  # erasures are sent once
    assert writes(emulator) == []


def test_verified_apply_reports_values_netmera_dropped(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    users = {"cust-ayse": {"loyaltyTier": "gold"}, "ghost-1": {"loyaltyTier": "gold"}}  # ghost-1 is unknown
    (netmera_stack.state_dir / "profiles.yaml").write_text(yaml.safe_dump({"users": users}))
    with pytest.raises(auto.CommandError) as caught:
        netmera_stack.stack.up()
    message = str(caught.value)
    assert "Netmera dropped 1 value(s)" in message
    assert 'ghost-1.loyaltyTier: sent "gold", read back nothing' in message
    # The error as a tool says it: no Python traceback unless NETMERA_IAC_DEBUG is set.
    assert "Traceback" not in message and "NETMERA_IAC_DEBUG=1" in message
