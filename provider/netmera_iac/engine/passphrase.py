"""The rule for a stack's secrets provider, shared by the program (every run) and `netmera-iac init`
(before a stack exists): the demo passphrase is printed in this repository, so a real stack's secrets
encrypted with it are readable by anyone who can read the stack file."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

DEMO_STACK = "demo"
DEMO_PASSPHRASE = "netmera-iac-demo-only"  # public: encrypts the demo stack's public emulator key


def given_passphrase(env: Mapping[str, str]) -> str | None:
    """PULUMI_CONFIG_PASSPHRASE, else the content of PULUMI_CONFIG_PASSPHRASE_FILE, as the CLI reads them."""
    given = env.get("PULUMI_CONFIG_PASSPHRASE")
    if given is None and env.get("PULUMI_CONFIG_PASSPHRASE_FILE"):
        try:
            given = Path(env["PULUMI_CONFIG_PASSPHRASE_FILE"]).read_text().strip()
        except OSError:
            given = None
    return given


def passphrase_problems(stack: str, env: Mapping[str, str]) -> list[str]:
    if stack == DEMO_STACK or given_passphrase(env) != DEMO_PASSPHRASE:
        return []
    return [
        f"stack {stack!r}: its secrets are encrypted with the demo passphrase, which this repository "
        "publishes; set PULUMI_CONFIG_PASSPHRASE (or _FILE) from a secret store and re-encrypt them "
        "(`pulumi stack change-secrets-provider passphrase`), then rotate netmera:apiKey"
    ]
