"""Providers configured as the engine would, pointed at the served emulator."""

from __future__ import annotations

from typing import TypeVar

from pulumi.dynamic import ConfigureRequest
from pulumi.dynamic.config import Config

from netmera_iac.adapters.provider import NetmeraProvider
from netmera_iac.emulator.server import DEMO_API_KEY
from tests.conftest import Emulator

P = TypeVar("P", bound=NetmeraProvider)


def configured(provider: P, emulator: Emulator, api_key: str | None = DEMO_API_KEY) -> P:
    raw = {"netmera:baseUrl": emulator.base_url}
    if api_key:
        raw["netmera:apiKey"] = api_key
    provider.configure(ConfigureRequest(Config(raw, "netmera-iac")))
    return provider


def writes(emulator: Emulator) -> int:
    return sum(1 for r in emulator.requests() if not r["operation"].startswith("get"))
