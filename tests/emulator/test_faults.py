"""Fault injection and the request log (`/_emulator/faults`, `/_emulator/requests`)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Emulator

TAG = {"tag": "Sport", "extIds": ["cust-ayse"]}

IOS = {"X-netmera-os": "IOS"}  # getSegments and getSegmentUsers require it


def test_exact_sequence_then_normal(api: httpx.Client, emulator: Emulator) -> None:
    emulator.add_fault(
        operation="tagUsers",
        sequence=[
            {"kind": "status", "status": 429, "retryAfter": 2},
            {"kind": "status", "status": 503},
            None,
        ],
    )
    first = api.post("/tagUsers", json=TAG)
    assert (first.status_code, first.headers["retry-after"]) == (429, "2")
    assert api.post("/tagUsers", json=TAG).status_code == 503
    assert api.post("/tagUsers", json=TAG).status_code == 200
    assert api.post("/tagUsers", json=TAG).status_code == 200
    # Faults answer before the write: only the two successful calls tagged the user.
    assert emulator.users_of("Sport") == ["cust-ayse"]
    assert [r["status"] for r in emulator.requests("tagUsers")] == [429, 503, 200, 200]


def test_other_operations_are_unaffected(api: httpx.Client, emulator: Emulator) -> None:
    emulator.add_fault(operation="tagUsers", fault={"kind": "status", "status": 500})
    assert api.post("/untagUsers", json=TAG).status_code == 200
    failed = api.post("/tagUsers", json=TAG)
    assert (failed.status_code, failed.json()["code"]) == (500, 2001)


def test_probability_with_a_seed_is_reproducible(emulator: Emulator) -> None:
    def run() -> list[int]:
        emulator.reset()
        emulator.add_fault(operation="*", probability=0.5, seed=7, fault={"kind": "status", "status": 502})
        with emulator.api() as api:
            return [api.post("/tagUsers", json=TAG).status_code for _ in range(20)]

    first, second = run(), run()
    assert first == second
    assert 0 < first.count(502) < 20


def test_drop_before_apply_loses_the_write(api: httpx.Client, emulator: Emulator) -> None:
    emulator.add_fault(operation="tagUsers", sequence=[{"kind": "drop"}])
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/tagUsers", json=TAG)
    assert emulator.users_of("Sport") == []


def test_drop_after_apply_keeps_the_write(api: httpx.Client, emulator: Emulator) -> None:
    emulator.add_fault(operation="tagUsers", sequence=[{"kind": "drop", "afterApply": True}])
    with pytest.raises(httpx.RemoteProtocolError):
        api.post("/tagUsers", json=TAG)
    assert emulator.users_of("Sport") == ["cust-ayse"]


def test_hang_times_the_client_out(emulator: Emulator) -> None:
    emulator.add_fault(operation="getSegments", sequence=[{"kind": "hang", "hangSeconds": 2}])
    with emulator.api(timeout=0.3) as api, pytest.raises(httpx.ReadTimeout):
        api.get("/getSegments", headers=IOS)


def test_latency_then_normal_answer(api: httpx.Client, emulator: Emulator) -> None:
    emulator.add_fault(operation="getSegments", sequence=[{"kind": "latency", "latencyMs": 150}])
    assert api.get("/getSegments", headers=IOS).status_code == 200
    (record,) = emulator.requests("getSegments")
    assert record["duration_ms"] >= 150
    assert record["fault"] == "latency"


def test_request_log_counts_ids_per_request(api: httpx.Client, emulator: Emulator) -> None:
    api.post("/tagUsers", json={"tag": "a", "extIds": ["x", "y", "y", "z"]})
    api.get("/getSegments", headers=IOS)
    assert emulator.counts() == {"tagUsers": 1, "getSegments": 1}
    assert emulator.requests("tagUsers")[0]["ids"] == 3


def test_invalid_fault_rule_is_rejected(emulator: Emulator) -> None:
    response = emulator.control.post("/faults", json={"operation": "tagUsers"})
    assert response.status_code == 400
