"""`netmera-iac init`: a new stack for one Netmera app, from nothing to a first reviewed `pulumi up`.

Everything that can be refused is refused before anything is written: the stack name, a stack that
already exists, the base URL, the secrets provider (never the public demo passphrase for a real app),
and the API key, checked with one read (`app/profile-attributes`, which also gives the attribute
definitions the stack's own schema is written from). Then the stack is created through the Pulumi
CLI (`stack init`, `config set`; the key reaches the CLI on stdin, never in its arguments); if any
of those steps fails, what was created is removed again, so a failed init leaves nothing behind.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..client import NetmeraClient, NetmeraError
from ..client.settings import base_url_problem
from ..engine.errors import NetmeraIacError
from ..engine.passphrase import DEMO_PASSPHRASE, DEMO_STACK, given_passphrase
from ..families.profiles.schema import ATTRIBUTE_SCHEMA, schema_of_app
from ..models import AttributeDefinition, Segment
from .pulumi_cli import PulumiCli, PulumiError, last_line

# Pulumi's own rule for a stack name, kept narrow: it also names a folder under stacks/.
STACK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
OPERATING_SYSTEMS = ("IOS", "ANDROID")


class InitError(NetmeraIacError):
    """The stack cannot be created as asked; nothing was written."""


@dataclass(frozen=True)
class NewStack:
    name: str
    base_url: str
    os: str = "IOS"
    secrets_provider: str | None = None  # None: the passphrase provider


@dataclass(frozen=True)
class AppFacts:
    """What the one checking read, and the offer to adopt, learned of the app."""

    attributes: list[AttributeDefinition]
    segments: list[Segment]


def config_file(root: Path, name: str) -> Path:
    return root / "stacks" / f"Pulumi.{name}.yaml"


def state_dir(root: Path, name: str) -> Path:
    return root / "stacks" / name


def refusals(root: Path, new: NewStack, env: Mapping[str, str]) -> list[str]:
    """Every reason to refuse, before a request is made or a file written."""
    problems = []
    if not STACK_NAME.match(new.name):
        problems.append(
            f"--stack: letters, digits, '-', '_' and '.', starting with a letter or digit "
            f"(value: {new.name!r})"
        )
        return problems
    if config_file(root, new.name).exists():
        problems.append(f"stacks/Pulumi.{new.name}.yaml already exists: this stack has been set up")
    folder = state_dir(root, new.name)
    if folder.is_dir() and any(folder.iterdir()):
        problems.append(f"stacks/{new.name}/ already holds files; init writes into an empty folder only")
    if new.os not in OPERATING_SYSTEMS:
        problems.append(f"--os: one of {', '.join(OPERATING_SYSTEMS)} (value: {new.os!r})")
    url_problem = base_url_problem(new.base_url)
    if url_problem:
        problems.append(f"--base-url: {url_problem}")
    if new.secrets_provider is None and new.name != DEMO_STACK:
        passphrase = given_passphrase(env)
        if not passphrase:
            problems.append(
                f"stack {new.name!r} needs a secrets provider for its API key: set "
                "PULUMI_CONFIG_PASSPHRASE_FILE (or PULUMI_CONFIG_PASSPHRASE) from a secret store, or "
                "pass --secrets-provider (awskms://…, azurekeyvault://…, gcpkms://…, hashivault://…)"
            )
        elif passphrase == DEMO_PASSPHRASE:
            problems.append(
                f"stack {new.name!r}: the demo passphrase is published in this repository and "
                "protects nothing; use a passphrase of your own from a secret store"
            )
    return problems


def read_app(client: NetmeraClient) -> AppFacts:
    """The key's check: one read of the attribute definitions (then the segments, to offer them)."""
    try:
        attributes = client.app_profile_attributes().all()
    except NetmeraError as exc:
        raise InitError(f"the API key was not accepted, so nothing was created: {exc}") from None
    try:
        segments = client.get_segments().items
    except NetmeraError:
        segments = []  # only an offer; the key already proved itself
    return AppFacts(attributes, segments)


def create_stack(cli: PulumiCli, root: Path, new: NewStack, api_key: str, facts: AppFacts) -> list[str]:
    """Create the stack and write its files; undo all of it if a step fails. Returns what was written."""
    folder = state_dir(root, new.name)
    folder_existed = folder.exists()
    created_stack = False
    try:
        provider = ["--secrets-provider", new.secrets_provider] if new.secrets_provider else []
        _run(cli, "stack", "init", *provider)
        created_stack = True
        _run(cli, "config", "set", "netmera:baseUrl", new.base_url)
        _run(cli, "config", "set", "netmera:os", new.os)
        _run(cli, "config", "set", "--secret", "netmera:apiKey", stdin=api_key)
        folder.mkdir(parents=True, exist_ok=True)
        schema = schema_of_app(facts.attributes, f"the app behind stack {new.name!r}")
        (folder / ATTRIBUTE_SCHEMA).write_text(json.dumps(schema, indent=2) + "\n", encoding="utf-8")
    except (PulumiError, OSError) as exc:
        if created_stack:
            cli.run("stack", "rm", "--yes", "--force")
        config_file(root, new.name).unlink(missing_ok=True)
        (folder / ATTRIBUTE_SCHEMA).unlink(missing_ok=True)
        if not folder_existed and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
        raise InitError(f"creating stack {new.name!r} failed, and was undone: {exc}") from None
    return [f"stacks/Pulumi.{new.name}.yaml", f"stacks/{new.name}/{ATTRIBUTE_SCHEMA}"]


def _run(cli: PulumiCli, *args: str, stdin: str | None = None) -> None:
    result = cli.run(*args, stdin=stdin)
    if result.returncode != 0:
        # The key is never an argument, so what the CLI says cannot hold it.
        raise PulumiError(
            f"pulumi {args[0]} {args[1]}: {last_line(result.stderr) or f'exit {result.returncode}'}"
        )


def segment_offer(segments: Sequence[Segment]) -> list[str]:
    """Lines naming the segments whose users `adopt` can bring under management."""
    return [
        f"  {s.name} (id {s.id}" + (f", {s.user_count} users)" if s.user_count is not None else ")")
        for s in segments
    ]
