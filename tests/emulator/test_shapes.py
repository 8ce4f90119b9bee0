"""The emulator's alternative answer shapes: different on the wire, the same for the client."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from netmera_iac.client import NetmeraClient
from netmera_iac.emulator.server import DEMO_API_KEY
from tests.conftest import Emulator

READS: dict[str, Callable[[NetmeraClient], Any]] = {
    "getDevices": lambda c: [(d.token, d.push_permitted) for d in c.get_devices("cust-ayse").devices],
    "getDeviceTokens": lambda c: sorted(e.device_token or "" for e in c.get_device_tokens(max_per_page=1000)),
    "getCategoryPreferences": lambda c: c.get_category_preferences("cust-ayse").category_preferences,
    "getProfileAttributes": lambda c: c.get_profile_attributes(ext_id="cust-ayse").profile,
    "app/profile-attributes": lambda c: [
        (a.code, a.data_type, a.is_array) for a in c.app_profile_attributes().all()
    ],
    "getSegments": lambda c: [(s.id, s.name) for s in c.get_segments().items],
    "getSegmentUsers": lambda c: [u.external_id for u in c.get_segment_users(5883)],
}


def _answers(emulator: Emulator, shape: str) -> dict[str, Any]:
    emulator.control.put("/answers", json={"shape": shape}).raise_for_status()
    with NetmeraClient(DEMO_API_KEY, emulator.base_url) as client:
        return {operation: read(client) for operation, read in READS.items()}


def test_the_alternative_shapes_read_the_same_except_where_they_say_less(emulator: Emulator) -> None:
    documented = _answers(emulator, "documented")
    alternative = _answers(emulator, "alternative")
    # The current getDeviceTokens shape does not state pushPermitted: the client reads None, not False.
    assert alternative == documented
    with emulator.api() as api:
        raw = api.get("/getDeviceTokens", params={"max": 1000}).json()["devices"]
    assert raw and all("pushPermitted" not in d for d in raw)


@pytest.mark.parametrize("operation", sorted(READS))
def test_every_read_answers_differently_on_the_wire(emulator: Emulator, operation: str) -> None:
    params = {
        "getDevices": {"extId": "cust-ayse"},
        "getDeviceTokens": {"max": 5},
        "getCategoryPreferences": {"externalId": "cust-ayse"},
        "getProfileAttributes": {"extId": "cust-ayse"},
        "getSegmentUsers": {"id": 5883},
    }.get(operation, {})
    platform = {"X-netmera-os": "ANDROID"}  # the segment reads need it; the others ignore it
    with emulator.api() as api:
        documented = api.get(f"/{operation}", params=params, headers=platform).json()
        emulator.control.put("/answers", json={"shape": "alternative"}).raise_for_status()
        alternative = api.get(f"/{operation}", params=params, headers=platform).json()
    assert alternative != documented


def test_a_reset_restores_the_shape_the_server_started_with(emulator: Emulator) -> None:
    emulator.control.put("/answers", json={"shape": "alternative"}).raise_for_status()
    emulator.reset()
    with emulator.api() as api:
        assert "token" in api.get("/getDevices", params={"extId": "cust-ayse"}).json()["devices"][0]
