"""Client behaviour on a MockTransport: erasure retries, pagination safety, caps."""

from __future__ import annotations

import threading
import time

import httpx
import pytest

from netmera_iac.client import NetmeraClient, NotFoundError, Throttle, UnsafePageError
from tests.client.conftest import BASE, KEY, Script, error

OK = httpx.Response(200)


def not_found(ext_id: str) -> httpx.Response:
    return error(
        400, 5016, f"User with external id '{ext_id}' does not exist or has already been permanently deleted"
    )


def test_delete_users_permanently__not_found_on_a_retry_counts_as_done(
    client: NetmeraClient, script: Script
) -> None:
    # The first attempt erased everything but its answer was lost; the retry reports each id in turn.
    script.replies = [httpx.ReadTimeout("lost answer"), not_found("a"), not_found("b"), OK]
    result = client.delete_users_permanently(["a", "b", "c"])
    assert result.ids == 3
    assert [b["extIds"] for b in script.bodies()] == [["a", "b", "c"], ["a", "b", "c"], ["b", "c"], ["c"]]


def test_delete_users_permanently__not_found_on_first_send_is_an_error(
    client: NetmeraClient, script: Script
) -> None:
    script.replies = [not_found("b")]
    with pytest.raises(NotFoundError) as caught:
        client.delete_users_permanently(["a", "b"])
    assert caught.value.code == 5016
    assert len(script.requests) == 1


def pages(base: str) -> list[httpx.Response]:
    return [
        httpx.Response(
            200,
            json={
                "total": 3,
                "devices": [{"installationId": "1", "platform": "IOS"}],
                "nextPage": f"{base}/getDeviceTokens?offset=1&max=1",
            },
        ),
        httpx.Response(
            200,
            json={
                "total": 3,
                "devices": [{"installationId": "2", "platform": "IOS"}],
                "nextPage": f"{base}/getDeviceTokens?offset=2&max=1",
            },
        ),
        httpx.Response(200, json={"total": 3, "devices": [{"installationId": "3", "platform": "IOS"}]}),
    ]


def test_get_device_tokens__follows_next_page(client: NetmeraClient, script: Script) -> None:
    script.replies = list(pages(BASE))
    assert [d.installation_id for d in client.get_device_tokens(max_per_page=1)] == ["1", "2", "3"]
    assert str(script.requests[1].url) == f"{BASE}/getDeviceTokens?offset=1&max=1"


@pytest.mark.parametrize(
    "foreign",
    [
        "https://evil.example/rest/3.0",
        "http://restapi.netmera.test/rest/3.0",
        "https://restapi.netmera.test:8443/rest/3.0",
    ],
    ids=["host", "scheme", "port"],
)
def test_next_page_to_another_origin_is_refused(client: NetmeraClient, script: Script, foreign: str) -> None:
    script.replies = pages(foreign)
    tokens = client.get_device_tokens()
    assert next(tokens).installation_id == "1"
    with pytest.raises(UnsafePageError, match="not followed"):
        next(tokens)
    assert len(script.requests) == 1  # the key went nowhere else


def test_get_segment_users__opaque_next_page(client: NetmeraClient, script: Script) -> None:
    script.replies = [
        httpx.Response(
            200,
            json={
                "name": "s",
                "list": [{"externalId": "a"}],
                "nextPage": f"{BASE}/getSegmentUsers?id=1&max=100&offset=opaque",
            },
        ),
        httpx.Response(200, json={"name": "s", "list": [{"externalId": "b"}]}),
    ]
    assert [u.external_id for u in client.get_segment_users(1)] == ["a", "b"]
    assert script.requests[1].url.params["offset"] == "opaque"
    # Every page carries the platform header the segment reads need (the default, IOS).
    assert [r.headers.get("X-netmera-os") for r in script.requests] == ["IOS", "IOS"]


def test_segment_reads_name_the_configured_platform(script: Script) -> None:
    script.replies = [httpx.Response(200, json={"list": []})]
    with NetmeraClient(KEY, BASE, transport=httpx.MockTransport(script), os="ANDROID") as android:
        android.get_segments()
    assert script.requests[0].headers["X-netmera-os"] == "ANDROID"


def test_concurrency_is_capped_across_batches() -> None:
    lock = threading.Lock()
    state = {"now": 0, "peak": 0}

    def slow(request: httpx.Request) -> httpx.Response:
        with lock:
            state["now"] += 1
            state["peak"] = max(state["peak"], state["now"])
        time.sleep(0.01)
        with lock:
            state["now"] -= 1
        return OK

    with NetmeraClient(
        KEY, BASE, transport=httpx.MockTransport(slow), max_concurrency=2, max_requests_per_second=1e6
    ) as c:
        result = c.tag_users("t", [f"u{i}" for i in range(8000)])
    assert result.requests == 8
    assert state["peak"] <= 2


def test_throttle_spaces_request_starts() -> None:
    clock = {"t": 100.0}
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(round(seconds, 6))

    throttle = Throttle(per_second=4, clock=lambda: clock["t"], sleep=sleep)
    for _ in range(3):
        throttle.acquire()
    assert slept == [0.25, 0.5]  # second start waits one interval, third two
    clock["t"] += 10
    throttle.acquire()
    assert slept == [0.25, 0.5]  # idle time is not saved up beyond the next slot


def test_delete_users_permanently__missing_ok_skips_already_erased_ids(
    client: NetmeraClient, script: Script
) -> None:
    script.replies = [not_found("b"), OK]
    result = client.delete_users_permanently(["a", "b", "c"], missing_ok=True)
    assert result.ids == 3
    assert [b["extIds"] for b in script.bodies()] == [["a", "b", "c"], ["a", "c"]]
