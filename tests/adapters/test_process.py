"""The engine watchdog starts only inside Pulumi's dynamic-provider host, with the engine's address."""

from __future__ import annotations

import os

from netmera_iac.adapters.process import watch_engine

HOST = os.path.join("venv", "site-packages", "pulumi", "dynamic", "__main__.py")


def test_the_watchdog_does_not_start_outside_the_provider_host() -> None:
    assert watch_engine(["/usr/bin/pytest", "127.0.0.1:4242"]) is False  # e.g. a test calling providers


def test_the_watchdog_needs_the_engine_address() -> None:
    assert watch_engine([HOST]) is False
    assert watch_engine([HOST, "--flag"]) is False
