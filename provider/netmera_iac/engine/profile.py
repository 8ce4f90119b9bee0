"""Profile attributes: the managed-attribute schema, validation of desired values, and plans.

Netmera drops undefined keys, wrong types and nulls without an error (shared/reference/netmera-api.md
§4), so everything is judged here before sending: each desired value against the JSON Schema in
`schemas/profile-attributes.schema.json`, and that schema against the app's own definitions
(`app/profile-attributes`). An explicit null means "unset"; an attribute a user does not list is not
managed for that user.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from jsonschema import Draft202012Validator

from ..models import MAX_IDS_PER_REQUEST, AttributeDefinition
from .plan import abbreviate

# JSON Schema type -> Netmera data type. Dates are epoch milliseconds, marked with x-netmera-type.
_DATA_TYPES = {"string": "STRING", "integer": "INTEGER", "number": "DOUBLE", "boolean": "BOOLEAN"}
NETMERA_TYPE_KEY = "x-netmera-type"

Profiles = Mapping[str, Mapping[str, Any]]  # ext id -> attribute -> value (None: unset)


class ProfileSchemaError(Exception):
    """The managed-attribute schema itself is unusable."""


@dataclass(frozen=True)
class AttributeSpec:
    code: str
    data_type: str
    is_array: bool
    nullable: bool


def _types(schema: Mapping[str, Any]) -> list[str]:
    raw = schema.get("type", [])
    return [raw] if isinstance(raw, str) else list(raw)


def attribute_specs(schema: Mapping[str, Any], shown_name: str) -> dict[str, AttributeSpec]:
    """What the schema says each managed attribute is, in Netmera's terms."""
    specs: dict[str, AttributeSpec] = {}
    problems: list[str] = []
    for code, prop in (schema.get("properties") or {}).items():
        types = _types(prop)
        nullable = "null" in types
        concrete = [t for t in types if t != "null"]
        is_array = concrete == ["array"]
        element = _types(prop.get("items") or {}) if is_array else concrete
        element = [t for t in element if t != "null"]
        if len(element) != 1 or element[0] not in _DATA_TYPES:
            problems.append(
                f"{shown_name}: properties.{code}: give one type of {sorted(_DATA_TYPES)} "
                f"(or an array of one), got {json.dumps(prop.get('type'))}"
            )
            continue
        declared = (prop.get("items") if is_array else prop) or {}
        data_type = declared.get(NETMERA_TYPE_KEY) or _DATA_TYPES[element[0]]
        specs[code] = AttributeSpec(code, data_type, is_array, nullable)
    if problems:
        raise ProfileSchemaError("\n".join(problems))
    return specs


def load_attribute_schema(path: Path, shown_name: str) -> tuple[dict[str, Any], dict[str, AttributeSpec]]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ProfileSchemaError(f"{shown_name}: {exc}") from None
    Draft202012Validator.check_schema(schema)
    return schema, attribute_specs(schema, shown_name)


def short_json(value: Any, limit: int = 80) -> str:
    """A value as JSON, cut to `limit` characters for error messages."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def validate_profiles(
    profiles: Profiles, schema: Mapping[str, Any], shown_name: str, where: str
) -> list[str]:
    """Every problem as `file: users.<id>.<attribute>: problem (value: …)`."""
    validator = Draft202012Validator(schema)
    problems = []
    for ext_id, values in profiles.items():
        for error in sorted(validator.iter_errors(values), key=lambda e: list(map(str, e.absolute_path))):
            path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
            if error.validator == "additionalProperties":
                extra = sorted(set(values) - set(schema.get("properties") or {}))
                problems.append(
                    f"{shown_name}: {where}.{ext_id}: "
                    f"attribute(s) not in the managed schema: {', '.join(extra)}"
                )
                continue
            reason = error.message if len(error.message) <= 160 else f"{error.validator} failed"
            problems.append(
                f"{shown_name}: {where}.{ext_id}{path}: {reason} (value: {short_json(error.instance)})"
            )
        for path, number in _numbers(values):
            problem = number_problem(number)
            if problem:
                problems.append(f"{shown_name}: {where}.{ext_id}{path}: {problem} (value: {number!r})")
    return problems


# Netmera speaks JSON, whose numbers its services read as doubles: integers beyond 2^53 lose digits.
MAX_SAFE_INTEGER = 2**53 - 1


def number_problem(number: float) -> str | None:
    """Why a number cannot be sent as it is written (YAML's .nan/.inf, or an integer too large)."""
    if isinstance(number, float) and not math.isfinite(number):
        return "not a finite number; JSON, and so Netmera, has no NaN or infinity"
    if isinstance(number, int) and abs(number) > MAX_SAFE_INTEGER:
        return f"an integer beyond ±2^53-1 ({MAX_SAFE_INTEGER}) would be rounded by Netmera"
    return None


def _numbers(value: Any, path: str = "") -> Iterator[tuple[str, float]]:
    if isinstance(value, bool):
        return
    if isinstance(value, (int, float)):
        yield path, value
    elif isinstance(value, Mapping):
        for key, item in value.items():
            yield from _numbers(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            yield from _numbers(item, f"{path}[{index}]")


def compare_with_app(specs: Mapping[str, AttributeSpec], app: Iterable[AttributeDefinition]) -> list[str]:
    """Mismatches between the managed schema and the app's definitions, which Netmera would drop."""
    defined = {d.code: d for d in app}
    problems = []
    for code, spec in sorted(specs.items()):
        definition = defined.get(code)
        if definition is None:
            problems.append(f"profile attribute {code!r} is not defined in the Netmera app")
        elif definition.data_type != spec.data_type:
            problems.append(
                f"profile attribute {code!r}: the schema says {spec.data_type}, "
                f"the app says {definition.data_type}"
            )
        elif definition.is_array != spec.is_array:
            kind = "an array" if spec.is_array else "a single value"
            problems.append(f"profile attribute {code!r}: the schema says {kind}, the app says the opposite")
    return problems


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
UNKNOWN_VALUE: Final[dict[str, str]] = {"netmera-iac": "unknown: a write failed or was interrupted"}


def mark_unknown(applied: Profiles, attributes: Mapping[str, Iterable[str]]) -> dict[str, dict[str, Any]]:
    """`applied` with the given attributes of the given users recorded as unknown."""
    marked = {ext_id: dict(values) for ext_id, values in applied.items()}
    for ext_id, attrs in attributes.items():
        for attr in attrs:
            marked.setdefault(ext_id, {})[attr] = UNKNOWN_VALUE
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


def apply_profile_plan(plan: ProfilePlan, state: Profiles) -> dict[str, dict[str, Any]]:
    """The profiles after `plan` (for tests): Netmera's merge semantics, arrays replaced whole."""
    result = {ext_id: dict(values) for ext_id, values in state.items()}
    for ext_id, values in plan.sets.items():
        result.setdefault(ext_id, {}).update(values)
    for ext_id, attrs in plan.unsets.items():
        for attr in attrs:
            result.get(ext_id, {}).pop(attr, None)
    return result


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
