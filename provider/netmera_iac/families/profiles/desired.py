"""`profiles.yaml`: attribute values per user, additive array values, and all-user retirements.

Values are checked against the managed-attribute schema (the stack's own
`profile-attributes.schema.json`, else `schemas/profile-attributes.schema.json`; schema.py) here,
before anything is planned: Netmera drops what it does not accept without an error.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...engine.desired import restored_path
from ...engine.family import Reading, Section
from ...engine.idfile import ListFile, file_reference
from ..tags.desired import SHARDS_IGNORED
from .schema import (
    AttributeSpec,
    ProfileSchemaError,
    attribute_schema_file,
    load_attribute_schema,
    validate_profiles,
)
from .table import read_profile_rows, read_profile_table

FILE = "profiles.yaml"


@dataclass(frozen=True)
class ProfilesSection(Section):
    """`profiles.yaml`: values per user, additive array values, and all-user erasures."""

    profiles: Mapping[str, Mapping[str, Any]]
    attributes: Mapping[str, AttributeSpec]
    source: str
    present: Mapping[str, Mapping[str, tuple[Any, ...]]] = field(
        default_factory=dict
    )  # attr -> user -> values
    absent: Mapping[str, Mapping[str, tuple[Any, ...]]] = field(default_factory=dict)
    retire_attributes: tuple[str, ...] = ()
    retire_values: Mapping[str, tuple[Any, ...]] = field(default_factory=dict)
    allow_retire: bool = False
    allow_mass_change: bool = False
    verify: str | int = "all"
    adopt: bool = False

    def managed(self) -> Iterator[tuple[str, Collection[str]]]:
        yield self.source, self.profiles.keys()


def _table_users(
    reading: Reading,
    name: str,
    doc: Mapping[str, Any],
    schema: Mapping[str, Any],
    specs: Mapping[str, AttributeSpec],
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """`users_file` or `users_query`: the values as a table's (or a query's) rows, checked per column
    (table.py). A file is recorded whole for rollback like a list file; a query as a reference to the
    profiles resource, which holds exactly its values, so rollback writes them as a table."""
    key = "users_query" if "users_query" in doc else "users_file"
    given = [k for k in ("users", "users_file") if k in doc and k != key]
    if given:
        shown = f" (value: {file_reference(doc[key])[0]!r})" if key == "users_file" else ""
        return {}, [f"{name}: give `{given[0]}` or `{key}`, not both{shown}"]
    problems: list[str] = []
    if key == "users_query":
        rows, origin = reading.lists.query(doc[key], key, name, "", problems)
        if rows is None:
            return {}, problems
        users, problems = read_profile_rows(rows, None, schema, specs)
        path = restored_path(name, "", "users", ".parquet")
        holder = ("ProfileAttributes", "profiles", "profiles", None)
        reading.lists.files.append(ListFile(path, tuple(users), holder, query=origin, rows=True))
        return users, problems
    relative, column = file_reference(doc[key])
    table = reading.lists.locate(relative, f"{name}: {key}", problems)
    if table is None:
        return {}, problems
    users, problems = read_profile_table(table, reading.shown(table), column, schema, specs)
    reading.lists.files.append(ListFile(relative, (), None, column))
    return users, problems


def parse(reading: Reading) -> ProfilesSection | None:
    """Check `profiles.yaml` against the managed-attribute schema; None (with problems) if invalid."""
    name, doc = reading.documents[FILE]
    problems = reading.problems
    if "shards" in doc:
        reading.warnings.append(f"{name}: shards: {SHARDS_IGNORED} (value: {doc['shards']})")
    schema_file = attribute_schema_file(reading.state_dir, reading.schema_dir)
    try:
        schema, specs = load_attribute_schema(schema_file, reading.shown(schema_file))
    except ProfileSchemaError as exc:
        problems.append(str(exc))
        return None
    found: list[str] = []
    users: dict[str, dict[str, Any]] = {k: dict(v) for k, v in (doc.get("users") or {}).items()}
    if "users_query" in doc or "users_file" in doc:
        users, found = _table_users(reading, name, doc, schema, specs)
    else:
        found += validate_profiles(users, schema, name, "users")
    present: dict[str, dict[str, tuple[Any, ...]]] = {}
    absent: dict[str, dict[str, tuple[Any, ...]]] = {}
    for attr, forms in (doc.get("arrays") or {}).items():
        spec = specs.get(attr)
        if spec is None or not spec.is_array:
            found.append(f"{name}: arrays.{attr}: not an array attribute of the managed schema")
            continue
        for form, target in (("present", present), ("absent", absent)):
            lists = {u: list(v) for u, v in (forms.get(form) or {}).items()}
            found += validate_profiles(
                {u: {attr: v} for u, v in lists.items()}, schema, name, f"arrays.{attr}.{form}"
            )
            target[attr] = {u: tuple(v) for u, v in lists.items()}
        for user in sorted(set(present.get(attr, {})) & set(users)):
            if attr in users[user]:
                found.append(
                    f"{name}: users.{user}.{attr} and arrays.{attr}: the attribute is both owned and "
                    "changed additively for this user; use one or the other"
                )
        for user in sorted(set(present.get(attr, {})) & set(absent.get(attr, {}))):
            both = set(map(json.dumps, present[attr][user])) & set(map(json.dumps, absent[attr][user]))
            if both:
                found.append(
                    f"{name}: arrays.{attr}: {user} lists {', '.join(sorted(both))} as present and absent"
                )
    retire = doc.get("retire") or {}
    for attr in retire.get("attributes", []):
        if attr in specs:
            found.append(
                f"{name}: retire.attributes: {attr!r} is still in the managed schema; remove it there first"
            )
    for attr in retire.get("values", {}):
        if attr not in specs:
            found.append(f"{name}: retire.values.{attr}: not an attribute of the managed schema")
    problems.extend(found)
    if found:
        return None
    return ProfilesSection(
        profiles=users,
        attributes=specs,
        source=f"{name}",
        present=present,
        absent=absent,
        retire_attributes=tuple(retire.get("attributes", [])),
        retire_values={k: tuple(v) for k, v in retire.get("values", {}).items()},
        allow_retire=bool(retire.get("allow_mass_change", False)),
        allow_mass_change=doc.get("allow_mass_change", False),
        verify=doc.get("verify", "all"),
        adopt=doc.get("adopt", False),
    )
