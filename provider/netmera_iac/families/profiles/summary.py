"""Profiles in `netmera-iac plan`: which attribute is set or unset for whom."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

from ...engine import codec
from ...engine.preview import (
    NOTHING,
    Change,
    Drifted,
    ResourceChange,
    Step,
    adopted_before,
    combined_op,
    one_line,
    unmanaged,
)
from .planner import plan_array_values


def _profiles(steps: list[Step]) -> list[ResourceChange]:
    old: dict[str, Any] = {}
    new: dict[str, Any] = {}
    for s in steps:
        old.update(codec.json_map_in(s.old, "profiles"))
        if s.op != "delete":
            after = codec.json_map_in(s.new, "profiles")
            new.update(after)
            old.update(adopted_before(s, after) or {})  # read at check: only what differs is sent
    per_attribute: dict[str, list[str]] = defaultdict(list)
    for user in sorted(set(old) | set(new)):
        before, after = dict(old.get(user) or {}), dict(new.get(user) or {})
        for attr in sorted(set(before) | set(after)):
            if attr not in after or after[attr] is None:
                if before.get(attr) is not None:
                    per_attribute[f"unset {attr}"].append(user)
            elif before.get(attr) != after[attr]:
                per_attribute[f"set {attr}"].append(user)
    change = ResourceChange("profile attributes", combined_op(steps))
    change.changes = [Change(verb, ids) for verb, ids in sorted(per_attribute.items())]
    if change.op == "update":
        change.drifted = [
            Drifted(user, f"{attr}: {_shown(old.get(user, {}).get(attr))}", f"{attr}: {_shown(value)}")
            for user, values in sorted(new.items())
            for attr, value in sorted(values.items())
            if (old.get(user) or {}).get(attr) != value
        ]
    return [change]


def _shown(value: Any) -> str:
    return NOTHING if value is None else json.dumps(value, ensure_ascii=False)


def _array_values(s: Step) -> ResourceChange:
    attribute = s.new.get("attribute")
    push, pull = plan_array_values(s.old, s.new)
    change = ResourceChange(f"array values `{attribute}`", s.op)
    verbs = (("push", push), ("pull", pull))
    change.changes = [Change(f"{verb} {attribute}", sorted(users)) for verb, users in verbs if users]
    return change


def summarise(steps: list[Step]) -> list[ResourceChange]:
    """The profiles (every shard an earlier version split them in) as one; array values and
    retirements by their one-line plan."""
    profiles = [s for s in steps if s.type == "ProfileAttributes"]
    result = _profiles(profiles) if profiles else []
    for s in steps:
        if s.type == "ProfileArrayValues" and s.op == "delete":
            result.append(unmanaged(s))
        elif s.type == "ProfileArrayValues":
            result.append(_array_values(s))
        elif s.type != "ProfileAttributes":
            result.append(one_line(s))
    return result
