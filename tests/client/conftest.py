"""Client test helpers: a scripted MockTransport and stamina's testing mode (no real waits)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
import stamina

from netmera_iac.client import NetmeraClient, RetryEvent

KEY = "nm-test-key-7b1f0c2d9e"
BASE = "https://restapi.netmera.test/rest/3.0"


@pytest.fixture(autouse=True)
def no_backoff_waits() -> Iterator[None]:
    """Retries happen as configured, without sleeping (cap=True keeps our attempt limits)."""
    with stamina.set_testing(True, attempts=1000, cap=True):
        yield


Reply = httpx.Response | Exception | Callable[[httpx.Request], httpx.Response]


@dataclass
class Script:
    """Answers requests in order from `replies` (the last one repeats) and records what was sent."""

    replies: list[Reply] = field(default_factory=lambda: [httpx.Response(200)])
    requests: list[httpx.Request] = field(default_factory=list)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        reply = self.replies[min(len(self.requests), len(self.replies)) - 1]
        if isinstance(reply, Exception):
            raise reply
        if callable(reply):
            return reply(request)
        return reply

    def bodies(self) -> list[Any]:
        return [json.loads(r.content) for r in self.requests]


def error(status: int, code: int, text: str = "boom", **headers: str) -> httpx.Response:
    return httpx.Response(status, json={"code": code, "error": text}, headers=headers)


@pytest.fixture
def script() -> Script:
    return Script()


@pytest.fixture
def retries() -> list[RetryEvent]:
    return []


@pytest.fixture
def client(script: Script, retries: list[RetryEvent]) -> Iterator[NetmeraClient]:
    with NetmeraClient(
        KEY,
        BASE,
        transport=httpx.MockTransport(script),
        on_retry=retries.append,
        max_requests_per_second=10_000,
    ) as c:
        yield c
