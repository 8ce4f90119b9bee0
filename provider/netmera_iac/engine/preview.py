"""What a preview changes, resource by resource: the shapes each family's summary builds.

`netmera-iac plan` decodes the steps of `pulumi preview --json` (the old and new checked inputs of each
resource) into `Step`s; each family turns the steps of its resource types into `ResourceChange`s: who
changes and how ("tag 3", "opt out 2"). Per-user collections travel encoded (engine/codec.py), so the
helpers here decode them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from . import codec


@dataclass
class Change:
    verb: str  # "tag", "untag", "opt in", "set loyaltyTier", …
    ids: list[str]


@dataclass(frozen=True)
class Drifted:
    """One user whose live state (read back by the preview's refresh) differs from the desired state:
    what Netmera has, what the desired state says, and when it was read, where the family records it.
    Netmera says nothing of when a value changed, so "since" is never claimed."""

    user: str
    has: str
    wants: str
    read_at: str = ""


@dataclass
class ResourceChange:
    title: str
    op: str
    changes: list[Change] = field(default_factory=list)
    note: str = ""
    drifted: list[Drifted] = field(default_factory=list)

    @property
    def users(self) -> int:
        return len({i for c in self.changes for i in c.ids})


@dataclass
class Step:
    """One resource's step in a preview: Pulumi's op, its type and name, its old and new inputs."""

    op: str
    type: str
    name: str
    old: dict[str, Any]
    new: dict[str, Any]
    retained: bool


# An adopting create reads the live state at check, so its plan lists only what `up` will send. The
# live values of just those users ride along under this name (their count follows the change, not
# the collection); a summary compares the desired state with them instead of with nothing.
ADOPT_LIVE = "adoptLive"


def adopted_before(step: Step, after: Mapping[str, Any]) -> dict[str, Any] | None:
    """What an adopting create starts from: the desired values, except where the live state read at
    check differs (those users' live values). None for any other step."""
    if step.op != "create" or not step.new.get("adopt") or codec.hidden(ADOPT_LIVE) not in step.new:
        return None
    return {**after, **codec.json_map_in(step.new, ADOPT_LIVE)}


def ids(props: Mapping[str, Any], name: str) -> set[str]:
    return set(codec.ids_in(props, name))


def fresh_interrupted(step: Step) -> set[str]:
    """The ids of an interrupted or failed change handed to the resource, unless already taken in."""
    new, old = codec.props_header(step.new, "interrupted"), codec.props_header(step.old, "interrupted")
    if new is None or (old is not None and old.digest == new.digest):
        return set()
    return ids(step.new, "interrupted")


def flips(old: Mapping[str, str], new: Mapping[str, str]) -> list[Change]:
    """Opt-ins and opt-outs between two maps of id -> opted_in | opted_out."""
    ins = sorted(i for i, s in new.items() if s == "opted_in" and old.get(i) != "opted_in")
    outs = sorted(i for i, s in new.items() if s == "opted_out" and old.get(i) != "opted_out")
    return [c for c in (Change("opt in", ins), Change("opt out", outs)) if c.ids]


NOTHING = "nothing"  # what a drift line says Netmera has when it holds no value for the user


def drifted(
    live: Mapping[str, str], desired: Mapping[str, str], read_at: Mapping[str, str] | None = None
) -> list[Drifted]:
    """Users of `desired` whose live value differs (an id -> opted_in | opted_out map, as refreshed)."""
    return [
        Drifted(i, live.get(i) or NOTHING, want, (read_at or {}).get(i, ""))
        for i, want in sorted(desired.items())
        if live.get(i) != want
    ]


def combined_op(steps: list[Step]) -> str:
    ops = sorted({s.op for s in steps})
    return ops[0] if len(ops) == 1 else "+".join(ops)


def unmanaged(step: Step) -> ResourceChange:
    """The delete of a resource whose removal changes nobody (it never undoes what it sent)."""
    return ResourceChange(f"{step.type} `{step.name}`", step.op, note="no longer managed; changes nobody")


def one_line(step: Step) -> ResourceChange:
    """A resource shown by its one-line `plan` input (one-shot resources, retirements)."""
    return ResourceChange(f"{step.type} `{step.name}`", step.op, note=str(step.new.get("plan") or ""))


def one_shot(steps: list[Step]) -> list[ResourceChange]:
    """Resources that send each item once and never undo: their one-line plan, or nobody on delete."""
    return [unmanaged(s) if s.op == "delete" else one_line(s) for s in steps]
