"""Plans: from desired, last applied and (where readable) live state to the fewest Netmera calls.

Pure functions over plain data. A `Plan` lists operations, each with the ids it touches; ids that do
not change never appear in one. `apply_plan_to` replays a plan on a state, which is how the property
tests show that applying a plan yields the desired state and that a second plan is empty.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, TypeVar

from ..models import MAX_IDS_PER_REQUEST

OPTED_IN: Final = "opted_in"
OPTED_OUT: Final = "opted_out"
Preference = Literal["opted_in", "opted_out"]
T = TypeVar("T")


def abbreviate(items: Sequence[T], limit: int, sep: str = ", ", show: Callable[[T], str] = str) -> str:
    """The first `limit` items and how many more: `a, b, … (+3)`. Only the shown items are formatted."""
    shown = sep.join(show(item) for item in items[:limit])
    return shown + (f"{sep}… (+{len(items) - limit})" if len(items) > limit else "")


@dataclass(frozen=True)
class Operation:
    """One logical write: an operation name, its target (tag, category[/channel]), and the ids."""

    name: str  # the Netmera operation, e.g. "tagUsers"
    target: str  # the tag, or the category name
    ids: tuple[str, ...]
    enable: bool | None = None  # setCategoryPreferences: opt in or out
    channel: str | None = None  # setCategoryPreferences: one channel, or every channel

    @property
    def calls(self) -> int:
        """Requests this takes at the API's limit of 1000 unique ids each."""
        return math.ceil(len(self.ids) / MAX_IDS_PER_REQUEST)

    def describe(self, limit: int = 10) -> str:
        shown = abbreviate(self.ids, limit)
        verb = {
            "tagUsers": "tag",
            "untagUsers": "untag",
            "setCategoryPreferences": "opt in" if self.enable else "opt out",
        }.get(self.name, self.name)
        where = f"{self.target}/{self.channel}" if self.channel else self.target
        return f"{verb} {len(self.ids)} user(s) [{where}]: {shown}"


@dataclass(frozen=True)
class Plan:
    operations: tuple[Operation, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.operations

    @property
    def calls(self) -> int:
        return sum(op.calls for op in self.operations)

    @property
    def users_changed(self) -> int:
        """Distinct ids this plan changes (what policies cap per run)."""
        return len({i for op in self.operations for i in op.ids})

    def ids(self, name: str) -> tuple[str, ...]:
        return tuple(i for op in self.operations if op.name == name for i in op.ids)

    def summary(self) -> str:
        if self.empty:
            return "no changes"
        return "; ".join(op.describe() for op in self.operations) + f" ({self.calls} call(s))"


def _ops(
    name: str, target: str, ids: Iterable[str], enable: bool | None = None, channel: str | None = None
) -> tuple[Operation, ...]:
    ordered = tuple(sorted(ids))
    return (Operation(name, target, ordered, enable, channel),) if ordered else ()


def plan_tag_membership(tag: str, desired: Iterable[str], applied: Iterable[str]) -> Plan:
    """Authoritative over the ids it manages: add what is new, remove what it added that left."""
    want, have = set(desired), set(applied)
    return Plan(_ops("tagUsers", tag, want - have) + _ops("untagUsers", tag, have - want))


def plan_tag_changes(tag: str, add: Iterable[str], remove: Iterable[str]) -> Plan:
    """The plan for explicit additions and removals, e.g. a difference computed by a streaming merge
    of two encoded member sets (engine/codec.py) rather than by `plan_tag_membership`'s sets."""
    return Plan(_ops("tagUsers", tag, add) + _ops("untagUsers", tag, remove))


def plan_tag_assignment(tag: str, desired: Iterable[str], applied: Iterable[str]) -> Plan:
    """Additive: ensure listed ids carry the tag; ids leaving the list are left alone."""
    return Plan(_ops("tagUsers", tag, set(desired) - set(applied)))


def plan_tag_exclusion(tag: str, desired: Iterable[str], applied: Iterable[str]) -> Plan:
    """Negative: ensure listed ids do not carry the tag; ids leaving the list are left alone."""
    return Plan(_ops("untagUsers", tag, set(desired) - set(applied)))


def plan_category_preferences(
    category: str,
    channel: str | None,
    desired: Mapping[str, Preference],
    applied: Mapping[str, Preference],
    live: Mapping[str, Preference] | None = None,
) -> Plan:
    """Set each managed user whose known state (live if read, else applied) differs from desired.

    Users leaving the desired map keep their preference: stopping management changes nobody.
    """
    known = {**applied, **(live or {})}
    changed = {ext_id: pref for ext_id, pref in desired.items() if known.get(ext_id) != pref}
    ins = [i for i, p in changed.items() if p == OPTED_IN]
    outs = [i for i, p in changed.items() if p == OPTED_OUT]
    return Plan(
        _ops("setCategoryPreferences", category, ins, enable=True, channel=channel)
        + _ops("setCategoryPreferences", category, outs, enable=False, channel=channel)
    )


def apply_plan_to_tags(plan: Plan, tagged: Iterable[str]) -> set[str]:
    """The set of tagged ids after applying `plan` (tag operations only)."""
    state = set(tagged)
    state |= set(plan.ids("tagUsers"))
    state -= set(plan.ids("untagUsers"))
    return state


def apply_plan_to_preferences(plan: Plan, preferences: Mapping[str, Preference]) -> dict[str, Preference]:
    state = dict(preferences)
    for op in plan.operations:
        for ext_id in op.ids:
            state[ext_id] = OPTED_IN if op.enable else OPTED_OUT
    return state
