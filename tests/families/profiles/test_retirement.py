"""Lifecycle of `ProfileAttributeRetirement`, provider methods called directly against the emulator."""

from __future__ import annotations

from typing import Any

import httpx

from netmera_iac.engine import GuardSettings
from netmera_iac.families.profiles.retirement import ProfileAttributeRetirementProvider, retirement_input
from tests.adapters.conftest import configured
from tests.conftest import Emulator


def profile(api: httpx.Client, ext_id: str) -> dict[str, Any]:
    return dict(api.get("/getProfileAttributes", params={"extId": ext_id}).json()["profile"])


def test_profile_attribute_retirement_lifecycle(emulator: Emulator, api: httpx.Client) -> None:
    provider = configured(ProfileAttributeRetirementProvider(), emulator)
    body = [{"extId": "cust-ayse", "profile": {"age": 31, "loyaltyTier": "gold"}}]
    api.post("/setProfileAttributes", json=body).raise_for_status()
    emulator.clear_requests()

    guarded = retirement_input(["age"], {"loyaltyTier": ["gold"]}, GuardSettings())
    failures = provider.check({}, guarded).failures
    assert [f.property for f in failures] == ["retire"]
    assert "erase from every user of the app: attribute 'age', value 'gold' of 'loyaltyTier'" in str(
        failures[0].reason
    )

    allowed = retirement_input(["age"], {"loyaltyTier": ["gold"]}, GuardSettings(allow_mass_change=True))
    checked = provider.check({}, allowed)
    assert checked.failures == []
    assert checked.inputs["plan"] == "erase from every user: attribute 'age', value 'gold' of 'loyaltyTier'"
    assert checked.inputs["changedUsers"] == 0  # nobody is named: the per-run cap counts named users
    created = provider.create(checked.inputs)
    after = profile(api, "cust-ayse")
    assert "age" not in after and "loyaltyTier" not in after and after["name"] == "Ayşe"
    operations = [r["operation"] for r in emulator.requests()]
    assert operations.count("deleteProfileAttributes") == operations.count("deleteProfileAttributeValue") == 1

    # Erased once: the same list again sends nothing, and a value newly listed only that value.
    emulator.clear_requests()
    assert not provider.diff(created.id, created.outs, allowed).changes
    more = retirement_input(
        ["age"], {"loyaltyTier": ["gold", "silver"]}, GuardSettings(allow_mass_change=True)
    )
    assert provider.check(created.outs, more).inputs["plan"] == (
        "erase from every user: value 'silver' of 'loyaltyTier'"
    )
    provider.update(created.id, created.outs, more)
    assert [r["operation"] for r in emulator.requests()] == ["deleteProfileAttributeValue"]

    emulator.clear_requests()
    provider.delete(created.id, more)  # what was erased stays erased; nothing is sent
    assert emulator.requests() == []
