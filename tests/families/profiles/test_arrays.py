"""Lifecycle of `ProfileArrayValues`, provider methods called directly against the emulator."""

from __future__ import annotations

from typing import Any

import httpx

from netmera_iac.families.profiles.arrays import ProfileArrayValuesProvider, array_values_input
from tests.adapters.conftest import configured
from tests.conftest import Emulator


def brands(api: httpx.Client, ext_id: str) -> list[Any]:
    return list(
        api.get("/getProfileAttributes", params={"extId": ext_id}).json()["profile"]["favouriteBrands"]
    )


def test_profile_array_values_lifecycle(emulator: Emulator, api: httpx.Client) -> None:
    provider = configured(ProfileArrayValuesProvider(), emulator)
    body = [{"extId": "cust-ayse", "profile": {"favouriteBrands": ["acme", "initech"]}}]
    api.post("/setProfileAttributes", json=body).raise_for_status()
    emulator.clear_requests()

    first = array_values_input("favouriteBrands", {"cust-ayse": ["globex"]}, {"cust-ayse": ["initech"]})
    checked = provider.check({}, first)
    assert checked.failures == []
    assert checked.inputs["changedUsers"] == 1
    assert "pushProfileAttributes 1 user(s) [favouriteBrands]: cust-ayse" in checked.inputs["plan"]
    created = provider.create(checked.inputs)
    assert created.id == "favouriteBrands"
    assert brands(api, "cust-ayse") == ["acme", "globex"]
    assert [r["operation"] for r in emulator.requests() if not r["operation"].startswith("get")] == [
        "pushProfileAttributes",
        "pullProfileAttributes",
    ]

    # The same lists again: nothing to send, nothing decoded.
    assert provider.check(created.outs, first).inputs["plan"] == "no changes"
    assert not provider.diff(created.id, created.outs, first).changes

    # Only what is newly listed is sent; what left the lists is not undone.
    emulator.clear_requests()
    second = array_values_input("favouriteBrands", {"cust-ayse": ["globex", "umbrella"]}, {})
    assert provider.diff(created.id, created.outs, second).changes
    provider.update(created.id, created.outs, second)
    pushes = emulator.requests("pushProfileAttributes")
    assert len(pushes) == 1 and emulator.requests("pullProfileAttributes") == []
    assert brands(api, "cust-ayse") == ["acme", "globex", "umbrella"]

    emulator.clear_requests()
    provider.delete(created.id, second)  # deleting changes nobody's array
    assert [r for r in emulator.requests() if not r["operation"].startswith("get")] == []


def test_profile_array_values_need_an_attribute_and_encoded_lists(emulator: Emulator) -> None:
    provider = configured(ProfileArrayValuesProvider(), emulator)
    props = array_values_input("", {"cust-ayse": ["globex"]}, {})
    del props["__absent"]
    failures = provider.check({}, props).failures
    assert [f.property for f in failures] == ["attribute", "absent"]
