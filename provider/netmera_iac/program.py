"""The Pulumi program body (kept in the package so it is typed, linted and tested like the rest)."""

from __future__ import annotations

import pulumi


def main() -> None:
    config = pulumi.Config("netmera")
    pulumi.export("netmeraBaseUrl", config.get("baseUrl") or "https://restapi.netmera.com/rest/3.0")
