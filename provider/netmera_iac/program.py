"""The Pulumi program body: desired state under `stacks/<stack>/` -> Netmera resources.

Everything that can be judged without Netmera is judged here, before any resource is registered:
schema validation, overlaps between resources, empty sets, resource sizes. A problem stops the preview
with a message naming the file, the path and the value.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import is_config_secret

from .adapters.manifest import StackManifest
from .adapters.registration import Recovery, Registration, interrupted_message
from .adapters.served import stack_journal
from .backends import StackJournal
from .engine import MAX_IDS_PER_RESOURCE, DesiredState, DesiredStateError, GuardSettings, overlaps
from .engine.errors import BackendError
from .engine.family import in_order
from .engine.passphrase import passphrase_problems
from .engine.record import record_desired_state
from .engine.sources import DEFAULT_TIMEOUT_SECONDS, QUERY_LINE, QuerySettings
from .families import BY_TYPE, DESIRED_STATE_FILES, FAMILIES, load_desired_state
from .reads import check_api_key

PROJECT_CONFIG = "netmera-iac"


@dataclass(frozen=True)
class StackSettings:
    """The stack's `netmera-iac:*` config, each value checked against its range: a threshold of 5 or
    a minimum of -3 would switch the mass-change guard off without a word."""

    guard: GuardSettings
    max_ids: int
    allow_forget_consent: bool
    check_existence: bool = False
    query_timeout: int = DEFAULT_TIMEOUT_SECONDS


def _share(raw: str) -> float:
    value = float(raw)
    if not 0 < value <= 1:  # also refuses nan, which would switch the guard off
        raise ValueError(raw)
    return value


def _whole(lowest: int, highest: int | None = None) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        value = int(raw)
        if value < lowest or (highest is not None and value > highest):
            raise ValueError(raw)
        return value

    return parse


def _boolean(raw: str) -> bool:
    if raw.lower() not in ("true", "false"):
        raise ValueError(raw)
    return raw.lower() == "true"


# key: (parser, which raises ValueError outside the range; default; the range in words)
SETTINGS: dict[str, tuple[Callable[[str], Any], Any, str]] = {
    "massChangeThreshold": (_share, 0.30, "a share of the managed users above 0 and at most 1"),
    "massChangeMinimum": (_whole(1), 10, "a whole number of users, at least 1"),
    "maxIdsPerResource": (
        _whole(1, MAX_IDS_PER_RESOURCE),
        MAX_IDS_PER_RESOURCE,
        f"a whole number of ids (at most {MAX_IDS_PER_RESOURCE})",
    ),
    "allowMassChange": (_boolean, False, "true or false"),
    "allowForgetConsent": (_boolean, False, "true or false"),
    "allowInsecureHttp": (_boolean, False, "true or false"),  # read by client/settings.py
    "checkExistence": (_boolean, False, "true or false"),  # adapters/existence.py
    "queryTimeoutSeconds": (_whole(1, 3600), DEFAULT_TIMEOUT_SECONDS, "a whole number of seconds, 1 to 3600"),
}


def stack_settings(get: Callable[[str], str | None]) -> StackSettings:
    """`get`: the stack config of this project by key (`pulumi.Config(PROJECT_CONFIG).get`)."""
    values: dict[str, Any] = {}
    problems: list[str] = []
    for key, (parse, default, meaning) in SETTINGS.items():
        raw = get(key)
        try:
            values[key] = default if raw is None else parse(raw)
        except ValueError:
            problems.append(f"stack config {PROJECT_CONFIG}:{key}: must be {meaning} (value: {raw!r})")
    if problems:
        raise DesiredStateError(problems)
    guard = GuardSettings(
        threshold=values["massChangeThreshold"],
        minimum=values["massChangeMinimum"],
        allow_mass_change=values["allowMassChange"],
    )
    return StackSettings(
        guard,
        values["maxIdsPerResource"],
        values["allowForgetConsent"],
        values["checkExistence"],
        values["queryTimeoutSeconds"],
    )


def query_settings(config: pulumi.Config, settings: StackSettings) -> QuerySettings:
    """The sources' passwords (`netmera-iac:sourcePasswords`, a secret map of source name to password)
    and the bounds every query runs within."""
    key = f"{PROJECT_CONFIG}:sourcePasswords"
    raw = config.get_object("sourcePasswords")
    if raw is not None and not is_config_secret(key):
        raise DesiredStateError([
            f"stack config {key}: stored in plain text in the stack's config file; store it encrypted "
            f"with `pulumi config set --secret --path '{key}.<source>' <password>`, and change the "
            "passwords, since they were committed in clear (value: hidden)"
        ])  # fmt: skip
    if raw is not None and not (isinstance(raw, dict) and all(isinstance(v, str) for v in raw.values())):
        raise DesiredStateError(
            [f"stack config {key}: must be a map of source name to password (value: hidden)"]
        )
    passwords = {str(k): str(v) for k, v in (raw or {}).items()}
    return QuerySettings(passwords, settings.query_timeout, settings.max_ids)


def api_key_problems() -> list[str]:
    """A key in the stack file in plain text is readable by anyone who can read the repository."""
    if pulumi.Config("netmera").get("apiKey") and not is_config_secret("netmera:apiKey"):
        return [
            "stack config netmera:apiKey: stored in plain text in the stack's config file; store it "
            "encrypted with `pulumi config set --secret netmera:apiKey <key>` (or pass NETMERA_API_KEY "
            "from a secret store), and rotate the key, since it was committed in clear (value: hidden)"
        ]
    return []


def resolve(desired: DesiredState) -> DesiredState:
    """Parts of the desired state read from Netmera now (a family adapter's `resolve`, e.g. the
    members of a segment), checked again for overlaps before anything is registered."""
    sections = dict(desired.sections)
    for family in FAMILIES:
        adapter = family.adapter()
        if family.name in sections and hasattr(adapter, "resolve"):
            sections[family.name] = adapter.resolve(sections[family.name])
    if sections == dict(desired.sections):
        return desired
    resolved = replace(desired, sections=sections)
    problems = overlaps(resolved.claims())
    if problems:
        raise DesiredStateError(problems)
    return resolved


def register(desired: DesiredState, reg: Registration) -> None:
    """Register every family's resources (in `Family.after` order); problems are raised together.
    A resource of an interrupted change that the desired state dropped is registered once more by its
    family's `retire`, to finish the change; the manifest guards its removal then."""
    for family in in_order(FAMILIES):
        section = desired.of(family)
        if section is not None:
            family.adapter().register(section, reg)
    for entry in reg.recovery.left():
        adapter = BY_TYPE[entry.type].adapter() if entry.type in BY_TYPE else None
        if adapter is not None and hasattr(adapter, "retire"):
            adapter.retire(entry, reg)
            pulumi.log.warn(interrupted_message(entry, desired=False))
        else:
            pulumi.log.warn(
                f"an interrupted update of {entry.type} {entry.name!r} (started {entry.started}) may "
                f"have changed {entry.count} user(s), and it is no longer in the desired state: put it "
                "back for one `pulumi up` to send them again as it says"
            )
    if reg.problems:
        raise DesiredStateError(reg.problems)


def open_journal(setting: str | None) -> StackJournal:
    """The stack's journal (and consent record, beside it), checked: at a preview it must be readable
    (its entries are read next), and at an update also writable, before any resource sends its
    first request."""
    opened = stack_journal(pulumi.get_project(), pulumi.get_stack(), setting)
    if opened.warning:
        pulumi.log.warn(opened.warning)
    if not pulumi.runtime.is_dry_run():
        opened.journal.probe(uuid.uuid4().hex)
    return opened


def main() -> None:
    root = Path.cwd()
    config = pulumi.Config(PROJECT_CONFIG)
    state_dir = root / (config.get("stateDir") or f"stacks/{pulumi.get_stack()}")
    try:
        settings = stack_settings(config.get)
        key_problems = passphrase_problems(pulumi.get_stack(), os.environ) + api_key_problems()
        if key_problems:
            raise DesiredStateError(key_problems)
        queries = query_settings(config, settings)
        desired = load_desired_state(state_dir, root / "schemas", shown_root=root, queries=queries)
        for where, source, rows in desired.queries:  # `netmera-iac plan` lists them as the sources read
            pulumi.log.info(f"{QUERY_LINE}{where}: {rows:,} row(s) from {source}")
        if pulumi.runtime.is_dry_run():
            check_api_key()  # after the files: an invalid desired state fails without a request
        desired = resolve(desired)
        for warning in desired.warnings:
            pulumi.log.warn(warning)
        opened = open_journal(config.get("journal"))
        recovery = Recovery({(e.type, e.name): e for e in opened.journal.entries()})
        reg = Registration(
            settings.guard,
            settings.max_ids,
            recovery,
            desired=desired,
            consent=opened.consent,
            check_existence=settings.check_existence,
        )
        register(desired, reg)
    except (DesiredStateError, BackendError) as exc:
        raise pulumi.RunError(str(exc)) from None
    manifest = reg.manifest
    StackManifest("manifest", manifest, settings.guard, settings.allow_forget_consent)
    pulumi.export("desiredStateFiles", list(desired.files))
    # The files this update applies, so `netmera-iac rollback` works from the stack's history alone.
    # Not a secret: a self-managed backend cannot export old versions, so rollback reads them from its
    # history checkpoints, where secrets are encrypted. (The same data is plain in resource inputs.)
    pulumi.export(
        "desiredState", record_desired_state(state_dir, DESIRED_STATE_FILES, desired.list_files, reg.held())
    )
    pulumi.export("managedUsers", {name: entry["users"] for name, entry in sorted(manifest.items())})
