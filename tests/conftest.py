"""Shared fixtures: one served emulator per test process, reset to the demo fixture before each test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from netmera_iac.emulator.server import DEMO_API_KEY, ServedEmulator
from tests.servers import AzureServer, PostgresServer, S3Server, azure_server, postgres_server, s3_server


class Emulator:
    """Handle on the served emulator for tests: API clients and the test-only routes."""

    def __init__(self, served: ServedEmulator) -> None:
        self.served = served
        self.base_url = served.base_url
        self.root_url = served.root_url
        self.control = httpx.Client(base_url=f"{served.root_url}/_emulator", timeout=30)

    def api(self, api_key: str | None = DEMO_API_KEY, **kwargs: Any) -> httpx.Client:
        headers = {"X-netmera-api-key": api_key} if api_key is not None else {}
        kwargs.setdefault("timeout", 30)
        return httpx.Client(base_url=self.base_url, headers=headers, **kwargs)

    def close(self) -> None:
        self.control.close()

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def reset(self, fixture: str = "demo") -> None:
        self.control.post("/reset", json={"fixture": fixture}).raise_for_status()

    def tags_of(self, ext_id: str, app: str = "demo") -> list[str]:
        return list(self.control.get(f"/apps/{app}/users/{ext_id}/tags").json())

    def users_of(self, tag: str, app: str = "demo") -> list[str]:
        return list(self.control.get(f"/apps/{app}/tags/{tag}/users").json())

    def contact_of(self, ext_id: str, app: str = "demo") -> dict[str, Any]:
        response = self.control.get(f"/apps/{app}/users/{ext_id}/contact")
        response.raise_for_status()
        return dict(response.json())

    def address_of(self, address: str, app: str = "demo") -> dict[str, Any] | None:
        response = self.control.get(f"/apps/{app}/addresses/{address}")
        return None if response.status_code == 404 else dict(response.raise_for_status().json())

    def counts(self) -> dict[str, int]:
        return dict(self.control.get("/requests/counts").json())

    def requests(self, operation: str | None = None) -> list[dict[str, Any]]:
        params = {"operation": operation} if operation else {}
        return list(self.control.get("/requests", params=params).json())

    def clear_requests(self) -> None:
        self.control.delete("/requests").raise_for_status()

    def add_fault(self, **rule: Any) -> None:
        self.control.post("/faults", json=rule).raise_for_status()


@pytest.fixture(scope="session")
def served_emulator() -> Iterator[ServedEmulator]:
    with ServedEmulator() as served:
        yield served


@pytest.fixture
def emulator(served_emulator: ServedEmulator) -> Iterator[Emulator]:
    handle = Emulator(served_emulator)
    handle.reset()
    yield handle
    handle.control.close()


@pytest.fixture
def api(emulator: Emulator) -> Iterator[httpx.Client]:
    with emulator.api() as client:
        yield client


@pytest.fixture(scope="session")
def s3() -> Iterator[S3Server]:
    """One S3-compatible server per test process (moto's standalone server on loopback)."""
    with s3_server() as server:
        yield server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One throw-away PostgreSQL cluster per test process, on loopback."""
    with postgres_server() as server:
        yield server


@pytest.fixture(scope="session")
def azure() -> Iterator[AzureServer]:
    """One Azure Blob emulator (Azurite) per test process, on loopback."""
    with azure_server() as server:
        yield server
