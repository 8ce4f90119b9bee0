"""Lifecycle of `CategoryPreferences`, including drift found by read."""

from __future__ import annotations

from typing import Any

from netmera_iac.adapters.guards import guard_input
from netmera_iac.engine import GuardSettings, codec
from netmera_iac.families.categories.resource import CategoryPreferencesProvider, preferences_input
from tests.adapters.conftest import configured, writes
from tests.conftest import Emulator


def prefs(channel: str | None = None, **users: str) -> dict[str, Any]:
    return {
        "category": "Promotion",
        "channel": channel,
        **preferences_input({k.replace("_", "-"): v for k, v in users.items()}),  # type: ignore[dict-item]
        "guard": guard_input(GuardSettings()),
    }


def live(emulator: Emulator, ext_id: str) -> bool:
    with emulator.api() as api:
        return bool(
            api.get("/getCategoryPreferences", params={"externalId": ext_id}).json()["categoryPreferences"][
                "Promotion"
            ]
        )


def test_category_preferences_lifecycle(emulator: Emulator) -> None:
    provider = configured(CategoryPreferencesProvider(), emulator)
    first = prefs(cust_ayse="opted_out", cust_mehmet="opted_in")
    assert provider.check({}, first).failures == []
    created = provider.create(first)
    assert created.id == "Promotion"
    assert (live(emulator, "cust-ayse"), live(emulator, "cust-mehmet")) == (False, True)

    second = prefs(cust_ayse="opted_in")  # mehmet leaves: keeps his preference
    provider.update(created.id, created.outs, second)
    assert (live(emulator, "cust-ayse"), live(emulator, "cust-mehmet")) == (True, True)

    # Drift behind the stack's back is what read reports.
    with emulator.api() as api:
        api.post(
            "/setCategoryPreferences", json=[{"extId": "cust-ayse", "category": "Promotion", "enable": False}]
        )
    read = provider.read(created.id, second)
    assert codec.str_map_in(read.outs, "preferences") == {"cust-ayse": "opted_out"}
    assert provider.diff(created.id, read.outs, second).changes

    before = writes(emulator)
    provider.delete(created.id, second)
    assert writes(emulator) == before  # deleting changes nobody's preference


def test_category_preferences_per_channel_read(emulator: Emulator) -> None:
    provider = configured(CategoryPreferencesProvider(), emulator)
    props = {**prefs("EMAIL", cust_ayse="opted_out"), "category": "Weekly Newsletter"}
    created = provider.create(props)
    assert created.id == "Weekly Newsletter/EMAIL"
    assert codec.str_map_in(provider.read(created.id, props).outs, "preferences") == {
        "cust-ayse": "opted_out"
    }
    with emulator.api() as api:  # the MOBILE channel is not this resource's business
        body = api.get(
            "/getCategoryPreferences", params={"externalId": "cust-ayse", "channels": "MOBILE"}
        ).json()
    assert body["categoryPreferences"]["Weekly Newsletter"] is True


def test_mass_opt_out_fails_check(emulator: Emulator) -> None:
    provider = configured(CategoryPreferencesProvider(), emulator)
    old = prefs(**{f"user_{n:04d}": "opted_in" for n in range(1, 11)})
    new = prefs(**{f"user_{n:04d}": ("opted_out" if n <= 4 else "opted_in") for n in range(1, 11)})
    failures = provider.check(old, new).failures
    assert len(failures) == 1 and "opt out 4 of 10 managed users" in failures[0].reason


def test_a_failed_write_leaves_its_users_unknown_and_a_revert_sends_them_again(emulator: Emulator) -> None:
    import pytest

    from netmera_iac.adapters.process import PartialApply

    provider = configured(CategoryPreferencesProvider(), emulator)
    created = provider.create(prefs(cust_ayse="opted_out", cust_mehmet="opted_out"))
    # The opt-in fails; Netmera may have applied it all the same (here it has: sent beforehand).
    with emulator.api() as api:
        entry = {"extId": "cust-ayse", "category": "Promotion", "enable": True}
        api.post("/setCategoryPreferences", json=[entry]).raise_for_status()
    emulator.add_fault(operation="setCategoryPreferences", sequence=[{"kind": "status", "status": 400}])
    wanted = prefs(cust_ayse="opted_in", cust_mehmet="opted_out")
    with pytest.raises(PartialApply) as failed:
        provider.update(created.id, created.outs, wanted)
    assert "1 id(s) with an unknown outcome" in failed.value.reason
    outputs = failed.value.outputs
    assert codec.str_map_in(outputs, "preferences") == {"cust-mehmet": "opted_out"}  # ayse: unknown
    assert live(emulator, "cust-ayse") is True
    emulator.control.delete("/faults")

    reverted = prefs(cust_ayse="opted_out", cust_mehmet="opted_out")  # before: planned nothing
    assert provider.diff(created.id, outputs, reverted).changes
    emulator.control.delete("/requests")
    provider.update(created.id, outputs, reverted)
    assert [r["operation"] for r in emulator.requests()] == ["setCategoryPreferences"]
    assert live(emulator, "cust-ayse") is False


def test_an_unknown_category_fails_the_check_and_unknown_users_tell_nothing(emulator: Emulator) -> None:
    provider = configured(CategoryPreferencesProvider(), emulator)
    typo = {**prefs(cust_ayse="opted_in"), "category": "Promotoin"}
    failures = provider.check({}, typo).failures
    assert [f.property for f in failures] == ["category"]
    assert "'Promotoin' is not defined in the app" in failures[0].reason
    # Users Netmera does not know list no categories: nothing to compare with, nothing refused.
    unknown = {**prefs(nobody_1="opted_in"), "category": "Promotoin"}
    assert provider.check({}, unknown).failures == []
    assert provider.check({}, prefs(cust_ayse="opted_in")).failures == []
