"""Reads against the answers Netmera is documented to give, in every shape (tests/client/answers/).

Each file holds one recorded answer, where its shape comes from, and what the product needs from it.
The same answers are replayed through the emulator's alternative shapes in tests/e2e/test_answer_shapes.py,
so both run end to end through `pulumi refresh`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from netmera_iac.client import NetmeraClient, ResponseFormatError
from tests.client.conftest import BASE, KEY, Script

ANSWERS = Path(__file__).parent / "answers"
CASES = sorted(ANSWERS.rglob("*.json"))


def _devices(client: NetmeraClient) -> dict[str, Any]:
    devices = client.get_devices("u1").devices
    return {"pushPermitted": [d.push_permitted for d in devices], "tokens": [d.token for d in devices]}


def _device_tokens(client: NetmeraClient) -> dict[str, Any]:
    entries = list(client.get_device_tokens())
    return {"tokens": [e.device_token for e in entries], "pushPermitted": [e.push_permitted for e in entries]}


def _segment_users(client: NetmeraClient) -> dict[str, Any]:
    return {"users": [u.external_id for u in client.get_segment_users(5883) if u.external_id]}


# What the product reads from each answer (the reads' "needed" fields, models/).
NEEDED: dict[str, Callable[[NetmeraClient], dict[str, Any]]] = {
    "getDevices": _devices,
    "getDeviceTokens": _device_tokens,
    "getCategoryPreferences": lambda c: {
        "categoryPreferences": c.get_category_preferences("u1").category_preferences
    },
    "getProfileAttributes": lambda c: {"profile": c.get_profile_attributes(ext_id="u1").profile},
    "app-profile-attributes": lambda c: {
        "attributes": [[a.code, a.data_type, a.is_array] for a in c.app_profile_attributes().all()]
    },
    "getSegments": lambda c: {"segments": [[s.id, s.name] for s in c.get_segments().items]},
    "getSegmentUsers": lambda c: {
        "users": [u.external_id for u in c.get_segment_users(5883) if u.external_id]
    },
}


def replaying(answer: Any) -> NetmeraClient:
    script = Script(replies=[httpx.Response(200, json=answer)])
    return NetmeraClient(KEY, BASE, transport=httpx.MockTransport(script), max_requests_per_second=10_000)


def test_every_read_has_answers_in_more_than_one_shape() -> None:
    shapes = {operation: len(list((ANSWERS / operation).glob("*.json"))) for operation in NEEDED}
    assert all(count >= 2 for count in shapes.values()), shapes


@pytest.mark.parametrize("case", CASES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_a_recorded_answer_gives_what_the_product_needs(case: Path) -> None:
    recorded = json.loads(case.read_text())
    with replaying(recorded["answer"]) as client:
        assert NEEDED[case.parent.name](client) == recorded["needed"]


@pytest.mark.parametrize(
    ("operation", "answer", "field"),
    [
        ("getCategoryPreferences", {"categories": {"Promotion": True}}, "categoryPreferences"),
        ("getProfileAttributes", {"extId": "u1", "values": {}}, "profile"),
        ("getDevices", {"extId": "u1"}, "devices"),
        ("getSegments", {"segments": []}, "list"),
        (
            "app-profile-attributes",
            {"customProfileAttributes": [{"name": "age"}]},
            "customProfileAttributes.0.code",
        ),
    ],
)
def test_a_missing_needed_field_is_named_with_the_answer(operation: str, answer: Any, field: str) -> None:
    with replaying(answer) as client, pytest.raises(ResponseFormatError) as caught:
        NEEDED[operation](client)
    message = str(caught.value)
    assert message.startswith(f"{operation.replace('app-', 'app/')}: ")
    assert f"`{field}`" in message and "which netmera-iac needs" in message
    assert json.dumps(answer, separators=(",", ":"))[:20] in message  # a snippet of the answer


def test_a_field_of_an_unexpected_type_is_named_too() -> None:
    with (
        replaying({"categoryPreferences": ["Promotion"]}) as client,
        pytest.raises(ResponseFormatError) as caught,
    ):
        client.get_category_preferences("u1")
    assert "has an unusable" in str(caught.value) and "`categoryPreferences`" in str(caught.value)
