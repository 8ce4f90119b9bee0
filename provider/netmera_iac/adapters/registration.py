"""What a family's `register(section, registration)` is given by the program (program.py).

The stack's guard settings and size limit, the interrupted changes found in the journal, and the
places where a family leaves what the program needs afterwards: the manifest entries (which guard
removals, adapters/manifest.py), the encoded id sets (which the recorded desired state refers to),
the problems found (all raised together, before anything is sent), and the resources registered per
family, so a family can be registered after another (`Family.after`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from ..engine import DesiredState, GuardSettings, GuardViolation, codec, empty_set
from ..engine.consent_record import ConsentRecord
from ..engine.journal import Entry
from .existence import existence_input


def interrupted_message(entry: Entry, desired: bool) -> str:
    if entry.failure:
        head = (
            f"the last update of {entry.type} {entry.name!r} failed part-way ({entry.failure}); the "
            f"{entry.count} user(s) it sent are sent again"
        )
    else:
        head = (
            f"an interrupted update was found: {entry.type} {entry.name!r} started sending at "
            f"{entry.started} and never reported back; the {entry.count} user(s) it may have changed "
            "are sent again"
        )
    if desired:
        return head + " as the desired state now says"
    return (
        head + f" as the stack last recorded them ({entry.type} {entry.name!r} is no longer in the "
        "desired state: it is kept for this update and removed by the next `pulumi up`)"
    )


@dataclass
class Recovery:
    """The stack's journal entries found at the start of the run (engine/journal.py), handed to their
    resources as these register; what is left belongs to resources the desired state dropped."""

    entries: Mapping[tuple[str, str], Entry] = field(default_factory=dict)
    registered: set[tuple[str, str]] = field(default_factory=set)

    def take(self, kind: str, name: str) -> Entry | None:
        self.registered.add((kind, name))
        entry = self.entries.get((kind, name))
        if entry is not None:
            pulumi.log.warn(interrupted_message(entry, desired=True))
        return entry

    def ids(self, kind: str, name: str) -> str | None:
        """The entry's ids (encoded), for resources that take a plain id set."""
        entry = self.take(kind, name)
        return entry.ids if entry else None

    def prop(self, kind: str, name: str, prop: str) -> str | None:
        """A family's own record of an interrupted change (e.g. the attributes, the ledger lines)."""
        entry = self.take(kind, name)
        value = entry.props.get(prop) if entry else None
        return str(value) if value else None

    def left(self) -> list[Entry]:
        """Entries of resources no longer in the desired state."""
        return [e for key, e in sorted(self.entries.items()) if key not in self.registered]


def size_problem(source: str, size: int, noun: str, max_ids: int) -> str | None:
    """The error for a resource that would hold more ids than one resource may."""
    if size <= max_ids:
        return None
    return (
        f"{source}: {size} {noun} exceed the limit of {max_ids} per resource "
        "(netmera-iac:maxIdsPerResource); split the list into several tags or files"
    )


@dataclass
class Registration:
    guard: GuardSettings
    max_ids: int
    recovery: Recovery = field(default_factory=Recovery)
    manifest: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    encoded: dict[tuple[str, str, str], str] = field(default_factory=dict)
    resources: dict[str, list[pulumi.Resource]] = field(default_factory=dict)
    # The whole desired state, for a family that judges with another's section (consent with the
    # contacts), and the stack's consent record (engine/consent_record.py).
    desired: DesiredState | None = None
    consent: ConsentRecord | None = None
    check_existence: bool = False  # the stack's netmera-iac:checkExistence

    def existence(self, entry: bool) -> dict[str, Any]:
        """The input asking a resource to find unknown ids first (adapters/existence.py)."""
        return existence_input(entry or self.check_existence)

    def entry_guard(self, allow_mass_change: bool, allow_empty: bool) -> GuardSettings:
        """The stack's guard, relaxed only where the desired-state entry says so."""
        stack = self.guard
        return GuardSettings(
            stack.threshold, stack.minimum, stack.allow_mass_change or allow_mass_change, allow_empty
        )

    def refused(self, source: str, size: int, noun: str, settings: GuardSettings | None = None) -> bool:
        """Whether the entry is refused (noted in `problems`): too many ids, or empty when the
        empty-set guard of `settings` forbids it."""
        problem = size_problem(source, size, noun, self.max_ids)
        if problem is None and settings is not None:
            try:
                empty_set(source, size, settings)
            except GuardViolation as exc:
                problem = str(exc)
        if problem:
            self.problems.append(problem)
        return problem is not None

    def encode(self, kind: str, name: str, prop: str, ids: tuple[str, ...]) -> str:
        """The id set as a resource input; kept so the recorded desired state can refer to it."""
        self.encoded[(kind, name, prop)] = value = codec.encode_ids(ids)
        return value

    def manage(self, kind: str, name: str, users: int, **flags: bool) -> None:
        """The resource's manifest entry (adapters/manifest.py guards removing it)."""
        self.manifest[f"{kind}:{name}"] = {"type": kind, "users": users, **flags}

    def added(self, family: str, resource: pulumi.Resource) -> None:
        self.resources.setdefault(family, []).append(resource)

    def after(self, *families: str) -> pulumi.ResourceOptions | None:
        """Options that make a resource wait for the resources of `families`, if any."""
        waits = [r for name in families for r in self.resources.get(name, [])]
        return pulumi.ResourceOptions(depends_on=waits) if waits else None

    def held(self) -> dict[tuple[str, str, str], codec.Header]:
        """Count and digest of each id set encoded (the recorded desired state refers to them)."""
        return {key: head for key, value in self.encoded.items() if (head := codec.header(value))}
