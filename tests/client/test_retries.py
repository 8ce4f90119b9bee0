"""Retries: what is retried, how long we intend to wait, and where it stops."""

from __future__ import annotations

import httpx
import pytest
import stamina

from netmera_iac.client import (
    BadRequestError,
    BatchError,
    NetmeraClient,
    RateLimitError,
    ResponseFormatError,
    RetryEvent,
    ServerError,
    TransportError,
)
from tests.client.conftest import BASE, KEY, Script, error

OK = httpx.Response(200)
SEGMENTS = httpx.Response(200, json={"list": []})


def test_429_then_503_then_ok(client: NetmeraClient, script: Script, retries: list[RetryEvent]) -> None:
    script.replies = [error(429, 4000, "slow down", **{"Retry-After": "7"}), error(503, 2001), OK]
    client.tag_users("t", ["a"])
    assert len(script.requests) == 3
    assert [r.attempt for r in retries] == [1, 2]
    assert retries[0].wait == 7.0  # Retry-After honoured as the wait
    assert retries[1].wait is None  # exponential backoff with jitter


def test_retry_after_is_a_minimum_and_is_capped(script: Script) -> None:
    events: list[RetryEvent] = []
    script.replies = [
        error(429, 4000, **{"Retry-After": "0"}),
        error(429, 4000, **{"Retry-After": "0"}),
        error(429, 4000, **{"Retry-After": "3600"}),
        SEGMENTS,
    ]
    with NetmeraClient(
        KEY,
        BASE,
        transport=httpx.MockTransport(script),
        on_retry=events.append,
        retry_initial_wait=2.0,
        retry_after_cap=60.0,
    ) as client:
        client.get_segments()
    assert [e.wait for e in events] == [2.0, 4.0, 60.0]


def test_retry_after_as_http_date(client: NetmeraClient, script: Script, retries: list[RetryEvent]) -> None:
    script.replies = [error(429, 4000, **{"Retry-After": "Wed, 21 Oct 2099 07:28:00 GMT"}), SEGMENTS]
    client.get_segments()
    assert retries[0].wait == client.settings.retry_after_cap


@pytest.mark.parametrize(
    "failure",
    [
        httpx.ConnectTimeout("connect timeout"),
        httpx.ReadTimeout("read timeout"),
        httpx.RemoteProtocolError("peer closed connection without sending complete message body"),
        httpx.ReadError("connection reset"),
        httpx.ConnectError("refused"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_transport_failures_are_retried(client: NetmeraClient, script: Script, failure: Exception) -> None:
    script.replies = [failure, OK]
    client.untag_users("t", ["a"])
    assert len(script.requests) == 2


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_other_4xx_are_not_retried(client: NetmeraClient, script: Script, status: int) -> None:
    script.replies = [error(status, 2004), OK]
    with pytest.raises(Exception) as caught:
        client.get_segments()
    assert len(script.requests) == 1
    assert not isinstance(caught.value, (ServerError, RateLimitError))


def test_a_read_answered_with_something_else_is_a_response_format_error(
    client: NetmeraClient, script: Script
) -> None:
    script.replies = [httpx.Response(200, text="<html>maintenance</html>")]
    with pytest.raises(ResponseFormatError, match="getSegments: the answer is not JSON"):
        client.get_segments()


def test_501_is_not_retried(client: NetmeraClient, script: Script) -> None:
    script.replies = [error(501, 2001), OK]
    with pytest.raises(ServerError):
        client.get_segments()
    assert len(script.requests) == 1


def test_attempts_are_bounded(script: Script) -> None:
    script.replies = [error(502, 2001)]
    with (
        NetmeraClient(KEY, BASE, transport=httpx.MockTransport(script), max_attempts=4) as client,
        pytest.raises(ServerError) as caught,
    ):
        client.get_segments()
    assert len(script.requests) == 4
    assert caught.value.attempts == 4


def test_transport_error_after_last_attempt(script: Script) -> None:
    script.replies = [httpx.ReadTimeout("slow")]
    with (
        NetmeraClient(KEY, BASE, transport=httpx.MockTransport(script), max_attempts=3) as client,
        pytest.raises(TransportError, match="after 3 attempt"),
    ):
        client.get_segments()


def test_overall_deadline_stops_retrying_before_the_attempt_limit(script: Script) -> None:
    script.replies = [error(503, 2001)]
    with (
        stamina.set_testing(False),
        NetmeraClient(
            KEY,
            BASE,
            transport=httpx.MockTransport(script),
            max_attempts=50,
            retry_deadline=0.3,
            retry_initial_wait=0.1,
            retry_jitter=0,
        ) as client,
        pytest.raises(ServerError),
    ):
        client.get_segments()
    # Waits of 0.1, 0.2, 0.4 s: the deadline ends it after a handful of attempts, not 50.
    assert 2 <= len(script.requests) <= 5


def test_batch_failure_reports_applied_and_failed_batches(client: NetmeraClient, script: Script) -> None:
    def reply(request: httpx.Request) -> httpx.Response:
        return error(400, 2004, "bad batch") if b'"u1000"' in request.content else OK

    script.replies = [reply]
    ids = [f"u{i}" for i in range(2500)]
    with pytest.raises(BatchError) as caught:
        client.tag_users("t", ids)
    err = caught.value
    assert [(b.index, b.ids) for b in err.applied] == [(0, 1000), (2, 500)]
    assert [(b.index, b.ids) for b in err.failed] == [(1, 1000)]
    assert err.failed_ids == set(ids[1000:2000])  # by id: nobody re-batches to find them
    assert err.applied_ids == set(ids[:1000]) | set(ids[2000:])
    assert isinstance(err.failed[0].error, BadRequestError)
    assert "1 of 3 batches failed" in str(err)
    assert "Applied: 2 batch(es), 1500 ids." in str(err)  # one line, whatever the number of batches


def test_before_send_runs_before_every_attempt_and_can_stop_it(script: Script) -> None:
    """The provider host's engine check (adapters/process.py `engine_alive`) is called once per attempt,
    retries included, after the request is built and before it leaves; when it raises, nothing leaves."""
    checks: list[int] = []
    script.replies = [error(503, 2001), OK]
    with NetmeraClient(
        KEY,
        BASE,
        transport=httpx.MockTransport(script),
        before_send=lambda: checks.append(len(script.requests)),
    ) as client:
        client.tag_users("t", ["a"])
    assert checks == [0, 1]  # each check ran before its own request was sent

    class EngineGone(Exception):
        pass

    def gone() -> None:
        raise EngineGone

    script.requests.clear()
    script.replies = [OK]
    with (
        NetmeraClient(KEY, BASE, transport=httpx.MockTransport(script), before_send=gone) as client,
        pytest.raises(EngineGone),
    ):
        client.tag_users("t", ["a"])
    assert script.requests == []
