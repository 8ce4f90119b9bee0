"""Profile plans: setProfileAttributes / unsetProfileAttributes for the values that differ.

An explicit null means "unset"; an attribute a user does not list is not managed for that user.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Final, TypeVar

from ...client import NetmeraClient
from ...engine import codec
from ...engine.desired import short_json
from ...engine.plan import Operation, Plan, abbreviate
from ...models import MAX_IDS_PER_REQUEST, DeleteProfileAttributeValueEntry, ProfileEntry, UnsetProfileEntry
from .schema import Profiles

_T = TypeVar("_T", bound=Operation)


@dataclass(frozen=True)
class ProfilePlan:
    """Per user: values to set (one setProfileAttributes entry each) and attributes to unset."""

    sets: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    unsets: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not self.sets and not self.unsets

    @property
    def calls(self) -> int:
        return math.ceil(len(self.sets) / MAX_IDS_PER_REQUEST) + math.ceil(
            len(self.unsets) / MAX_IDS_PER_REQUEST
        )

    @property
    def users_changed(self) -> int:
        return len(set(self.sets) | set(self.unsets))

    def to_plan(self) -> Plan:
        """The engine's plan of these writes: sets, then unsets, each user once, in id order."""
        ops: list[Operation] = []
        if self.sets:
            ops.append(
                SetProfileAttributes(
                    "setProfileAttributes", "profiles", tuple(sorted(self.sets)), values=self.sets
                )
            )
        if self.unsets:
            unsets = tuple(sorted(self.unsets))
            ops.append(
                UnsetProfileAttributes("unsetProfileAttributes", "profiles", unsets, attributes=self.unsets)
            )
        return Plan(tuple(ops))

    def summary(self, limit: int = 10) -> str:
        if self.empty:
            return "no changes"
        parts = []
        for verb, users in (("set", self.sets), ("unset", self.unsets)):
            if users:
                ids = sorted(users)
                parts.append(f"{verb} attributes of {len(ids)} user(s): {abbreviate(ids, limit)}")
        return "; ".join(parts) + f" ({self.calls} call(s))"


_MISSING = object()


def _same(a: Any, b: Any) -> bool:
    """JSON equality that keeps `true` and `1` apart."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def _present(attr: str, seen: Mapping[str, Any] | None, had: Mapping[str, Any]) -> bool:
    """Whether `attr` may be set: as read back when read, else unless we unset it ourselves last time."""
    if seen is not None:
        return attr in seen
    return had.get(attr, _MISSING) is not None


# The recorded value of an attribute whose write had an unknown outcome (a failed or interrupted
# apply): an object, which no profile value ever is, so the next plan sets the desired value again
# (or unsets the attribute if it is no longer desired).
UNCERTAIN_VALUE: Final[dict[str, str]] = {"netmera-iac": "unknown: a write failed or was interrupted"}


def mark_uncertain(applied: Profiles, attributes: Mapping[str, Iterable[str]]) -> dict[str, dict[str, Any]]:
    """`applied` with the given attributes of the given users recorded as unknown."""
    marked = {ext_id: dict(values) for ext_id, values in applied.items()}
    for ext_id, attrs in attributes.items():
        for attr in attrs:
            marked.setdefault(ext_id, {})[attr] = UNCERTAIN_VALUE
    return marked


def plan_profiles(desired: Profiles, applied: Profiles, live: Profiles | None = None) -> ProfilePlan:
    """Set what differs from the known state; unset explicit nulls and attributes that left a user.

    The known state of a user is what `live` read back if given, else what the stack applied last
    (where an explicit null is recorded as None). An unset is skipped only when the known state
    shows the attribute absent.
    """
    sets: dict[str, dict[str, Any]] = {}
    unsets: dict[str, list[str]] = {}
    for ext_id in sorted(set(desired) | set(applied)):
        want = desired.get(ext_id, {})
        had = applied.get(ext_id, {})
        seen = live.get(ext_id) if live is not None else None

        for attr, value in sorted(want.items()):
            if value is None:
                if _present(attr, seen, had):
                    unsets.setdefault(ext_id, []).append(attr)
                continue
            current = seen.get(attr, _MISSING) if seen is not None else had.get(attr, _MISSING)
            if not _same(current, value):
                sets.setdefault(ext_id, {})[attr] = value
        for attr in sorted(set(had) - set(want)):
            if _present(attr, seen, had):
                unsets.setdefault(ext_id, []).append(attr)
    return ProfilePlan(sets, {k: tuple(v) for k, v in unsets.items()})


def dropped_values(plan: ProfilePlan, read_back: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Values that were sent but do not read back: what Netmera silently dropped."""
    dropped = []
    for ext_id, values in sorted(plan.sets.items()):
        if ext_id not in read_back:
            continue  # not in the verified sample
        seen = read_back[ext_id]
        for attr, value in sorted(values.items()):
            if not _same(seen.get(attr, _MISSING), value):
                got = "nothing" if attr not in seen else short_json(seen[attr])
                dropped.append(f"{ext_id}.{attr}: sent {short_json(value)}, read back {got}")
    return dropped


# Users whose request entries exist at once: a first apply of a million users would otherwise hold a
# million pydantic entries beside the plan (the client batches each part to 1000 per request).
SEND_PART: Final = 100 * MAX_IDS_PER_REQUEST


def _in_parts(op: _T) -> Sequence[_T]:
    """`op` in parts of SEND_PART users, in id order (the client batches each part)."""
    return [replace(op, ids=op.ids[start : start + SEND_PART]) for start in range(0, len(op.ids), SEND_PART)]


@dataclass(frozen=True)
class SetProfileAttributes(Operation):
    """setProfileAttributes: one entry per user, the values the plan sets for them."""

    values: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def send(self, client: NetmeraClient) -> int:
        entries = [ProfileEntry(ext_id=u, profile=dict(self.values[u])) for u in self.ids]
        return client.set_profile_attributes(entries).requests

    def parts(self) -> Sequence[SetProfileAttributes]:
        return _in_parts(self)


@dataclass(frozen=True)
class UnsetProfileAttributes(Operation):
    """unsetProfileAttributes: one entry per user, the attributes the plan unsets for them."""

    attributes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def send(self, client: NetmeraClient) -> int:
        entries = [UnsetProfileEntry(ext_id=u, profile=list(self.attributes[u])) for u in self.ids]
        return client.unset_profile_attributes(entries).requests

    def parts(self) -> Sequence[UnsetProfileAttributes]:
        return _in_parts(self)


ArrayValues = dict[str, list[Any]]  # user -> values


def plan_array_values(olds: Mapping[str, Any], news: Mapping[str, Any]) -> tuple[ArrayValues, ArrayValues]:
    """Values to push and to pull: only those newly listed as present / absent (additive: leaving
    the lists changes nothing). Shared by the provider and the plan's summary, so both say the same."""
    result = []
    for form in ("present", "absent"):
        old, new = codec.json_map_in(olds, form), codec.json_map_in(news, form)
        delta = {u: [v for v in vals if v not in (old.get(u) or [])] for u, vals in new.items()}
        result.append({u: vals for u, vals in delta.items() if vals})
    return result[0], result[1]


@dataclass(frozen=True)
class PushProfileAttributes(Operation):
    """pushProfileAttributes: per user, values added to the array attribute `target`."""

    values: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    def entries(self) -> list[ProfileEntry]:
        return [ProfileEntry(ext_id=u, profile={self.target: list(self.values[u])}) for u in self.ids]

    def send(self, client: NetmeraClient) -> int:
        return client.push_profile_attributes(self.entries()).requests


@dataclass(frozen=True)
class PullProfileAttributes(PushProfileAttributes):
    """pullProfileAttributes: per user, values taken out of the array attribute `target`."""

    def send(self, client: NetmeraClient) -> int:
        return client.pull_profile_attributes(self.entries()).requests


def array_plan(attribute: str, push: ArrayValues, pull: ArrayValues) -> Plan:
    """The engine plan of `plan_array_values`' two maps: push before pull, users in order."""
    operations: list[Operation] = []
    writes = (
        (PushProfileAttributes, "pushProfileAttributes", push),
        (PullProfileAttributes, "pullProfileAttributes", pull),
    )
    for kind, name, values in writes:
        if values:
            users = tuple(sorted(values))
            operations.append(kind(name, attribute, users, values={u: tuple(values[u]) for u in users}))
    return Plan(tuple(operations))


@dataclass(frozen=True)
class DeleteProfileAttributes(Operation):
    """deleteProfileAttributes: the attributes `ids` erased from every user of the app."""

    def send(self, client: NetmeraClient) -> int:
        client.delete_profile_attributes(self.ids)
        return 1


@dataclass(frozen=True)
class DeleteProfileAttributeValue(Operation):
    """deleteProfileAttributeValue: each (attribute, value) of `pairs` erased from every user; `ids`
    are the attributes."""

    pairs: tuple[tuple[str, Any], ...] = ()

    def send(self, client: NetmeraClient) -> int:
        client.delete_profile_attribute_value(
            [DeleteProfileAttributeValueEntry(key=a, value=v) for a, v in self.pairs]
        )
        return 1


@dataclass(frozen=True)
class Retirement:
    """What a retirement erases from every user that it has not erased before (each once)."""

    attributes: tuple[str, ...] = ()
    values: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)

    @property
    def erasing(self) -> list[str]:
        return [f"attribute {a!r}" for a in self.attributes] + [
            f"value {v!r} of {a!r}" for a, vs in self.values.items() for v in vs
        ]

    @property
    def empty(self) -> bool:
        return not self.erasing

    @property
    def users_changed(self) -> int:
        return 0  # no user is named: the policy pack's per-run cap counts users listed

    def summary(self) -> str:
        return "erase from every user: " + (", ".join(self.erasing) or "nothing new")

    def to_plan(self) -> Plan:
        operations: list[Operation] = []
        if self.attributes:
            operations.append(
                DeleteProfileAttributes("deleteProfileAttributes", "every user", self.attributes)
            )
        pairs = tuple((a, v) for a, vs in sorted(self.values.items()) for v in vs)
        if pairs:
            keys = tuple(sorted(self.values))
            operations.append(
                DeleteProfileAttributeValue("deleteProfileAttributeValue", "every user", keys, pairs=pairs)
            )
        return Plan(tuple(operations))


def plan_retirement(olds: Mapping[str, Any], news: Mapping[str, Any]) -> Retirement:
    """The attributes and values listed now that were not erased before."""
    done = set(olds.get("attributes") or [])
    old_values = olds.get("values") or {}
    values = {
        a: tuple(v for v in vs if v not in (old_values.get(a) or []))
        for a, vs in (news.get("values") or {}).items()
    }
    return Retirement(
        tuple(a for a in news.get("attributes") or [] if a not in done),
        {a: vs for a, vs in values.items() if vs},
    )
