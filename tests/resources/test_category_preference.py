"""Lifecycle of `CategoryPreferences`, including drift found by read."""

from __future__ import annotations

from typing import Any

from netmera_iac.engine import GuardSettings, codec
from netmera_iac.resources import CategoryPreferencesProvider
from netmera_iac.resources._base import guard_input
from netmera_iac.resources.category_preference import preferences_input
from tests.conftest import Emulator
from tests.resources.conftest import configured, writes


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
