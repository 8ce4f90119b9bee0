"""The managed-attribute schema (`stacks/<stack>/profile-attributes.schema.json`, else the shared
`schemas/profile-attributes.schema.json`) and values checked against it.

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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ...engine.desired import short_json
from ...engine.errors import NetmeraIacError
from ...models import AttributeDefinition

Profiles = Mapping[str, Mapping[str, Any]]  # ext id -> attribute -> value (None: unset)

# JSON Schema type -> Netmera data type. Dates are epoch milliseconds, marked with x-netmera-type.
_DATA_TYPES = {"string": "STRING", "integer": "INTEGER", "number": "DOUBLE", "boolean": "BOOLEAN"}
NETMERA_TYPE_KEY = "x-netmera-type"


class ProfileSchemaError(NetmeraIacError):
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


ATTRIBUTE_SCHEMA = "profile-attributes.schema.json"


def attribute_schema_file(state_dir: Path, schema_dir: Path) -> Path:
    """A stack's own schema takes precedence over the shared one: attributes belong to an app, and
    each stack manages one app (written by `netmera-iac init` from the app's definitions)."""
    own = state_dir / ATTRIBUTE_SCHEMA
    return own if own.is_file() else schema_dir / ATTRIBUTE_SCHEMA


def schema_of_app(app: Iterable[AttributeDefinition], app_name: str) -> dict[str, Any]:
    """The managed-attribute schema for every attribute an app defines, each nullable (so a stack can
    unset it); the inverse of `attribute_specs`. A type this product cannot send is left out, named."""
    json_types = {netmera: json_type for json_type, netmera in _DATA_TYPES.items()}
    properties: dict[str, Any] = {}
    for definition in sorted(app, key=lambda d: d.code):
        if definition.data_type == "DATE":
            element: dict[str, Any] = {"type": "integer", NETMERA_TYPE_KEY: "DATE"}
        elif definition.data_type in json_types:
            element = {"type": json_types[definition.data_type]}
        else:
            continue
        if definition.is_array:
            prop: dict[str, Any] = {"type": ["array", "null"], "items": element, "uniqueItems": True}
        else:
            prop = {**element, "type": [element["type"], "null"]}
        if definition.name:
            prop["description"] = definition.name
        properties[definition.code] = prop
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": f"Profile attributes of {app_name}, managed by netmera-iac",
        "description": (
            "Written by `netmera-iac init` from the app's definitions (app/profile-attributes). Remove "
            "what the stack must not manage; narrow types with enum, minimum or maxLength."
        ),
        "type": "object",
        "additionalProperties": False,
        "properties": properties,
    }


def load_attribute_schema(path: Path, shown_name: str) -> tuple[dict[str, Any], dict[str, AttributeSpec]]:
    try:
        schema = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ProfileSchemaError(f"{shown_name}: {exc}") from None
    from jsonschema import Draft202012Validator  # where used, as DuckDB is (engine/tables.py)

    Draft202012Validator.check_schema(schema)
    return schema, attribute_specs(schema, shown_name)


def validate_profiles(
    profiles: Profiles, schema: Mapping[str, Any], shown_name: str, where: str
) -> list[str]:
    """Every problem as `file: users.<id>.<attribute>: problem (value: …)`."""
    from jsonschema import Draft202012Validator

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
