"""The Pulumi program body: desired state under `stacks/<stack>/` -> Netmera resources.

Everything that can be judged without Netmera is judged here, before any resource is registered:
schema validation, overlaps between resources, empty sets, resource sizes. A problem stops the preview
with a message naming the file, the path and the value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime.config import is_config_secret

from .client import NetmeraError
from .engine import (
    MAX_IDS_PER_RESOURCE,
    ConsentListSpec,
    DesiredState,
    DesiredStateError,
    GuardSettings,
    GuardViolation,
    ProfilesSpec,
    TagMembershipSpec,
    codec,
    empty_set,
    load_desired_state,
    overlaps,
)
from .engine.journal import Entry
from .engine.record import record_desired_state
from .recovery import Recovery, register_retiring
from .resources import (
    CONFIRMATION,
    CategoryPreferences,
    ContactInfo,
    EmailConsent,
    ProfileArrayValues,
    ProfileAttributeRetirement,
    ProfileAttributes,
    PushApproval,
    PushConsent,
    SmsConsent,
    StackManifest,
    TagAssignment,
    TagExclusion,
    TagMembership,
    UserErasure,
)
from .resources._base import stack_journal
from .resources.reads import ReadError, check_api_key, get_segment_users

PROJECT_CONFIG = "netmera-iac"


@dataclass(frozen=True)
class StackSettings:
    """The stack's `netmera-iac:*` config, each value checked against its range: a threshold of 5 or
    a minimum of -3 would switch the mass-change guard off without a word."""

    guard: GuardSettings
    max_ids: int
    allow_forget_consent: bool


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
    return StackSettings(guard, values["maxIdsPerResource"], values["allowForgetConsent"])


def api_key_problems() -> list[str]:
    """A key in the stack file in plain text is readable by anyone who can read the repository."""
    if pulumi.Config("netmera").get("apiKey") and not is_config_secret("netmera:apiKey"):
        return [
            "stack config netmera:apiKey: stored in plain text in the stack's config file; store it "
            "encrypted with `pulumi config set --secret netmera:apiKey <key>` (or pass NETMERA_API_KEY "
            "from a secret store), and rotate the key, since it was committed in clear (value: hidden)"
        ]
    return []


def _entry_guard(stack: GuardSettings, allow_mass_change: bool, allow_empty: bool) -> GuardSettings:
    """The stack's guard, relaxed only where the desired-state entry says so."""
    return GuardSettings(
        stack.threshold, stack.minimum, stack.allow_mass_change or allow_mass_change, allow_empty
    )


def _empty_problem(source: str, size: int, settings: GuardSettings) -> str | None:
    """The empty-set guard's message for an entry, if it fires."""
    try:
        empty_set(source, size, settings)
    except GuardViolation as exc:
        return str(exc)
    return None


def _size_problem(source: str, size: int, noun: str, max_ids: int) -> str | None:
    """The error for a resource that would hold more ids than one resource may."""
    if size <= max_ids:
        return None
    return (
        f"{source}: {size} {noun} exceed the limit of {max_ids} per resource "
        "(netmera-iac:maxIdsPerResource); split the list into several tags or files"
    )


def register(
    desired: DesiredState,
    guard: GuardSettings,
    max_ids: int,
    recovery: Recovery | None = None,
) -> tuple[dict[str, dict[str, Any]], dict[tuple[str, str, str], codec.Header]]:
    """Register resources for `desired`; returns the manifest entries and the count and digest of
    each id set encoded (the recorded desired state refers to list files by them)."""
    recovery = recovery or Recovery()
    manifest: dict[str, dict[str, Any]] = {}
    encoded: dict[tuple[str, str, str], str] = {}
    problems: list[str] = []
    for m in desired.memberships:
        settings = _entry_guard(guard, m.allow_mass_change, m.allow_empty)
        problem = _empty_problem(m.source, len(m.members), settings) or _size_problem(
            m.source, len(m.members), "members", max_ids
        )
        if problem:
            problems.append(problem)
            continue
        encoded[("TagMembership", m.tag, "members")] = members = codec.encode_ids(m.members)
        TagMembership(
            m.tag,
            m.tag,
            members,
            settings,
            shared=m.shared,
            opts=pulumi.ResourceOptions(protect=m.protect, retain_on_delete=m.retain_on_delete),
            interrupted=recovery.ids("TagMembership", m.tag),
        )
        manifest[f"TagMembership:{m.tag}"] = {
            "type": "TagMembership",
            "users": len(m.members),
            "removesUsers": True,
            "retainOnDelete": m.retain_on_delete,
        }
    sizes = [(t.source, len(t.members)) for t in (*desired.assignments, *desired.exclusions)]
    sizes += [(c.source, len(c.preferences)) for c in desired.categories]
    sizes += [(c.source, len(c.consents)) for c in desired.consents]
    problems += [p for source, size in sizes if (p := _size_problem(source, size, "ids", max_ids))]
    for a in desired.assignments:
        encoded[("TagAssignment", a.tag, "members")] = members = codec.encode_ids(a.members)
        TagAssignment(a.tag, a.tag, members, interrupted=recovery.ids("TagAssignment", a.tag))
        manifest[f"TagAssignment:{a.tag}"] = {"type": "TagAssignment", "users": len(a.members)}
    for e in desired.exclusions:
        encoded[("TagExclusion", e.tag, "members")] = members = codec.encode_ids(e.members)
        TagExclusion(e.tag, e.tag, members, interrupted=recovery.ids("TagExclusion", e.tag))
        manifest[f"TagExclusion:{e.tag}"] = {"type": "TagExclusion", "users": len(e.members)}
    for c in desired.categories:
        settings = _entry_guard(guard, c.allow_mass_change, c.allow_empty)
        problem = _empty_problem(c.source, len(c.preferences), settings)
        if problem:
            problems.append(problem)
            continue
        CategoryPreferences(
            c.target,
            c.category,
            dict(c.preferences),
            settings,
            channel=c.channel,
            opts=pulumi.ResourceOptions(protect=c.protect),
            adopt=c.adopt,
            interrupted=recovery.ids("CategoryPreferences", c.target),
        )
        manifest[f"CategoryPreferences:{c.target}"] = {
            "type": "CategoryPreferences",
            "users": len(c.preferences),
        }
    if desired.profiles is not None:
        register_profiles(desired.profiles, guard, max_ids, manifest, problems, recovery)
    register_consent(desired, guard, manifest, recovery)
    if desired.erasure:
        UserErasure("erasure", desired.erasure, CONFIRMATION, recovery.ids("UserErasure", "erasure"))
    if desired.push_approvals:
        PushApproval("push-approvals", desired.push_approvals)
    if problems:
        raise DesiredStateError(problems)
    register_retiring(recovery, manifest)
    return manifest, {key: head for key, value in encoded.items() if (head := codec.header(value))}


def _prop(entry: Entry | None, name: str) -> str | None:
    """A family's own record of an interrupted change (e.g. the attributes, the ledger lines)."""
    value = entry.props.get(name) if entry else None
    return str(value) if value else None


def register_profiles(
    spec: ProfilesSpec,
    guard: GuardSettings,
    max_ids: int,
    manifest: dict[str, dict[str, Any]],
    problems: list[str],
    recovery: Recovery,
) -> None:
    too_big = _size_problem(spec.source, len(spec.profiles), "users", max_ids)
    if too_big:
        problems.append(too_big)
        return
    settings = _entry_guard(guard, spec.allow_mass_change, allow_empty=True)
    ProfileAttributes(
        "profiles",
        {u: dict(values) for u, values in spec.profiles.items()},
        dict(spec.attributes),
        settings,
        verify=spec.verify,
        adopt=spec.adopt,
        interrupted=_prop(recovery.take("ProfileAttributes", "profiles"), "attributes"),
    )
    values = sum(1 for user in spec.profiles.values() for v in user.values() if v is not None)
    manifest["ProfileAttributes:profiles"] = {
        "type": "ProfileAttributes",
        "users": values,
        "removesUsers": True,
    }
    for attr in sorted(set(spec.present) | set(spec.absent)):
        present, absent = spec.present.get(attr, {}), spec.absent.get(attr, {})
        ProfileArrayValues(f"array:{attr}", attr, dict(present), dict(absent))
        manifest[f"ProfileArrayValues:{attr}"] = {
            "type": "ProfileArrayValues",
            "users": len(set(present) | set(absent)),
        }
    if spec.retire_attributes or spec.retire_values:
        retire_guard = _entry_guard(guard, spec.allow_retire, allow_empty=True)
        ProfileAttributeRetirement("retired", spec.retire_attributes, dict(spec.retire_values), retire_guard)


CONSENT_RESOURCES = {"push": PushConsent, "email": EmailConsent, "sms": SmsConsent}


def register_consent(
    desired: DesiredState,
    guard: GuardSettings,
    manifest: dict[str, dict[str, Any]],
    recovery: Recovery,
) -> None:
    """Contacts first: opting an address in needs the address to be on the user already. A list's
    interrupted change comes as the ledger lines it may have changed (resources/consent.py)."""
    contacts = None
    if desired.contacts:
        ids = recovery.ids("ContactInfo", "contacts")
        contacts = ContactInfo("contacts", dict(desired.contacts.contacts), interrupted=ids)
    after = pulumi.ResourceOptions(depends_on=[contacts]) if contacts else None
    if desired.contacts:
        manifest["ContactInfo:contacts"] = {"type": "ContactInfo", "users": len(desired.contacts.contacts)}
    for spec in desired.consents:
        settings = _entry_guard(guard, spec.allow_mass_change, allow_empty=True)
        entry = recovery.take(type_name(spec), spec.name)
        CONSENT_RESOURCES[spec.channel](
            spec.name,
            spec.addressing,
            dict(spec.consents),
            dict(spec.evidence),
            settings,
            after,
            spec.adopt,
            interrupted=_prop(entry, "ledger"),
        )
        manifest[f"{type_name(spec)}:{spec.name}"] = {
            "type": type_name(spec),
            "users": len(spec.consents),
            "keepsLedger": True,
        }


def type_name(spec: ConsentListSpec) -> str:
    return CONSENT_RESOURCES[spec.channel].__name__


def resolve_segments(desired: DesiredState) -> DesiredState:
    """Members of memberships that name a segment, read with getSegmentUsers (all pages) now."""
    if not any(m.segment is not None for m in desired.memberships):
        return desired
    memberships: list[TagMembershipSpec] = []
    for m in desired.memberships:
        if m.segment is None:
            memberships.append(m)
            continue
        try:
            users = [u.external_id for u in get_segment_users(m.segment) if u.external_id]
        except (ReadError, NetmeraError) as exc:
            raise DesiredStateError([f"{m.source}.segment: {exc} (value: {m.segment!r})"]) from None
        members = tuple(dict.fromkeys([*m.members, *users]))
        memberships.append(replace(m, members=members))
    resolved = replace(desired, memberships=tuple(memberships))
    problems = overlaps(resolved.claims())
    if problems:
        raise DesiredStateError(problems)
    return resolved


def main() -> None:
    root = Path.cwd()
    config = pulumi.Config(PROJECT_CONFIG)
    state_dir = root / (config.get("stateDir") or f"stacks/{pulumi.get_stack()}")
    try:
        settings = stack_settings(config.get)
        key_problems = api_key_problems()
        if key_problems:
            raise DesiredStateError(key_problems)
        desired = load_desired_state(state_dir, root / "schemas", shown_root=root)
        if pulumi.runtime.is_dry_run():
            check_api_key()  # after the files: an invalid desired state fails without a request
        desired = resolve_segments(desired)
        for warning in desired.warnings:
            pulumi.log.warn(warning)
        journal = stack_journal(pulumi.get_project(), pulumi.get_stack())
        recovery = Recovery({(e.kind, e.name): e for e in journal.entries()})
        manifest, held = register(desired, settings.guard, settings.max_ids, recovery)
    except DesiredStateError as exc:
        raise pulumi.RunError(str(exc)) from None
    StackManifest("manifest", manifest, settings.guard, settings.allow_forget_consent)
    pulumi.export("desiredStateFiles", list(desired.files))
    # The files this update applies, so `netmera-iac rollback` works from the stack's history alone.
    # Not a secret: a self-managed backend cannot export old versions, so rollback reads them from its
    # history checkpoints, where secrets are encrypted. (The same data is plain in resource inputs.)
    pulumi.export("desiredState", record_desired_state(state_dir, desired.list_files, held))
    pulumi.export("managedUsers", {name: entry["users"] for name, entry in sorted(manifest.items())})
