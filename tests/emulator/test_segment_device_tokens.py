"""getSegments, getSegmentUsers, getDeviceTokens and sendPushApproval."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from netmera_iac.emulator.server import ServedEmulator
from tests.conftest import Emulator

IOS = {"X-netmera-os": "IOS"}  # getSegments and getSegmentUsers require it


def test_get_segments__newest_first(api: httpx.Client) -> None:
    body = api.get("/getSegments", headers=IOS).json()
    assert body["list"] == [
        {"id": 5936, "name": "Mixpanel cohort", "userCount": None, "type": "CONNECTORS_SEGMENT"},
        {"id": 5886, "name": "Churn risk", "userCount": 21, "type": "STANDARD"},
        {"id": 5883, "name": "VIP customers", "userCount": 13, "type": "STANDARD"},
    ]


def test_get_segment_users__max_below_100_still_returns_100(api: httpx.Client) -> None:
    first = api.get("/getSegmentUsers", params={"id": 5883, "max": 5}, headers=IOS).json()
    assert first["name"] == "VIP customers"
    assert len(first["list"]) == 13  # max below 100 still returns up to 100
    assert "nextPage" not in first
    assert first["list"][0] == {
        "externalId": "cust-ayse",
        "msisdn": "+905551234567",
        "email": "ayse@example.com",
    }


def test_get_segment_users__next_page_carries_an_opaque_token(tmp_path: Path) -> None:
    fixture = {
        "apps": [
            {
                "id": "big",
                "name": "Big",
                "api_keys": ["big-key"],
                "generated_users": {"count": 250},
                "segments": [{"id": 1, "name": "everyone", "generated_members": [1, 250]}],
            }
        ]
    }
    path = f"{tmp_path}/big.yaml"
    with open(path, "w") as fh:
        yaml.safe_dump(fixture, fh)
    headers = {"X-netmera-api-key": "big-key", **IOS}
    with ServedEmulator(fixture=path) as served, httpx.Client(headers=headers) as c:
        seen: list[str] = []
        url: str | None = f"{served.base_url}/getSegmentUsers?id=1"
        pages = 0
        while url:
            body = c.get(url).json()
            seen += [u["externalId"] for u in body["list"]]
            url = body.get("nextPage")
            pages += 1
            if url:
                assert url.startswith(served.base_url)
                assert "offset=" in url and "offset=100" not in url and "offset=200" not in url
        assert pages == 3
        assert seen == [f"user-{n:06d}" for n in range(1, 251)]
        too_big = c.get(f"{served.base_url}/getSegmentUsers", params={"id": 1, "max": 1001})
        assert (too_big.status_code, too_big.json()["code"]) == (400, 2004)
        bad_token = c.get(f"{served.base_url}/getSegmentUsers", params={"id": 1, "offset": "garbage"})
        assert (bad_token.status_code, bad_token.json()["code"]) == (400, 2004)


def test_get_segment_users__unknown_and_connector_segments(api: httpx.Client) -> None:
    unknown = api.get("/getSegmentUsers", params={"id": 1}, headers=IOS)
    assert (unknown.status_code, unknown.json()["code"]) == (400, 5042)
    connector = api.get("/getSegmentUsers", params={"id": 5936}, headers=IOS)
    assert (connector.status_code, connector.json()["code"]) == (400, 2001)


def test_get_device_tokens__next_page_uses_the_request_host(emulator: Emulator) -> None:
    localhost_url = emulator.base_url.replace("127.0.0.1", "localhost")
    with httpx.Client(headers={"X-netmera-api-key": "demo-netmera-api-key"}) as c:
        first = c.get(f"{localhost_url}/getDeviceTokens").json()
        assert first["total"] == 63
        assert len(first["devices"]) == 10  # default max
        assert first["nextPage"] == f"{localhost_url}/getDeviceTokens?offset=10&max=10"
        tokens: list[str | None] = []
        url: str | None = f"{emulator.base_url}/getDeviceTokens?max=25"
        while url:
            page = c.get(url).json()
            tokens += [d.get("deviceToken") for d in page["devices"]]
            url = page.get("nextPage")
        assert len(tokens) == 63 == len(set(tokens))


def test_send_push_approval(api: httpx.Client, emulator: Emulator) -> None:
    response = api.post("/sendPushApproval", json=[{"messageId": 9001}])
    assert (response.status_code, response.content) == (200, b"")
    assert emulator.control.get("/apps/demo/messages/9001").json()["approved"] is True
    assert emulator.control.get("/apps/demo/messages/9002").json()["approved"] is False
    unknown = api.post("/sendPushApproval", json=[{"messageId": 1}])
    assert (unknown.status_code, unknown.json()["code"]) == (400, 5003)


def test_segment_reads_need_the_platform_header(api: httpx.Client) -> None:
    """The seed's example sends `X-netmera-os: IOS` and other descriptions mark it required: a client
    that forgets it is caught here rather than by Netmera in production."""
    for path, params in (("/getSegments", {}), ("/getSegmentUsers", {"id": 5883})):
        missing = api.get(path, params=params)
        assert (missing.status_code, missing.json()) == (
            400,
            {"code": 2020, "error": "Missing required parameter: X-netmera-os"},
        )
        wrong = api.get(path, params=params, headers={"X-netmera-os": "WINDOWS"})
        assert (wrong.status_code, wrong.json()["code"]) == (400, 2004)
        assert api.get(path, params=params, headers={"X-netmera-os": "ANDROID"}).status_code == 200
