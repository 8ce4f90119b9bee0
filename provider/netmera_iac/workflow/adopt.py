"""Adopt: write desired-state files that reproduce what Netmera can read back for given users.

Dynamic providers cannot `pulumi import`, so adoption is two steps: this reads the live state of the
users (given directly or as members of segments) and writes `categories.yaml`, `profiles.yaml` and
`consent.yaml` (push by user) with `adopt: true`; the first `pulumi up` then creates the resources,
each reading the live state first and sending only differences, i.e. nothing. Tags, email and SMS
permission cannot be read through the API and are not adopted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..client import NetmeraClient
from ..engine import OPTED_IN, OPTED_OUT
from ..families.consent.ledger import push_state
from ..families.profiles.schema import attribute_schema_file, load_attribute_schema
from ..reads import segment_id_of

Progress = Callable[[Iterable[str], str], Iterable[str]]


@dataclass
class Adoption:
    users: list[str]
    files: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)  # what could not be adopted, and why


def _plain(items: Iterable[str], _label: str) -> Iterable[str]:
    return items


def segment_users(client: NetmeraClient, segments: Sequence[str]) -> list[str]:
    """Users of segments named on the command line by id or by name (one getSegments for all)."""
    listing = client.get_segments().items if segments else []
    users: list[str] = []
    for segment in segments:
        segment_id = int(segment) if segment.isdigit() else segment_id_of(segment, listing)
        users += [u.external_id for u in client.get_segment_users(segment_id) if u.external_id]
    return users


def adopt(
    client: NetmeraClient,
    users: Sequence[str],
    segments: Sequence[str],
    categories: Sequence[str],
    state_dir: Path,
    schema_dir: Path,
    progress: Progress = _plain,
) -> Adoption:
    everyone = sorted(dict.fromkeys([*users, *segment_users(client, segments)]))
    result = Adoption(everyone)
    header = "# Written by `netmera-iac adopt` from Netmera's live state; review, then `pulumi up`.\n"

    if categories:
        answers = {u: client.get_category_preferences(u) for u in progress(everyone, "category preferences")}
        entries = []
        for category in categories:
            values = {u: a.category_preferences.get(category) for u, a in answers.items()}
            entry: dict[str, Any] = {"category": category, "adopt": True}
            entry[OPTED_IN] = sorted(u for u, v in values.items() if v is True)
            entry[OPTED_OUT] = sorted(u for u, v in values.items() if v is False)
            entries.append(entry)
        result.files["categories.yaml"] = header + _dump({"preferences": entries})

    schema_file = attribute_schema_file(state_dir, schema_dir)
    root = state_dir.parent.parent  # stacks/<stack>/ of the project
    shown = str(schema_file.relative_to(root)) if schema_file.is_relative_to(root) else str(schema_file)
    _, specs = load_attribute_schema(schema_file, shown)
    profiles: dict[str, dict[str, Any]] = {}
    unmanaged: set[str] = set()
    for user in progress(everyone, "profile attributes"):
        live = client.get_profile_attributes(ext_id=user).profile
        values = {a: v for a, v in sorted(live.items()) if a in specs and v is not None}
        unmanaged |= set(live) - set(specs)
        if values:
            profiles[user] = values
    if unmanaged:
        result.skipped.append(f"attributes outside {shown}: {', '.join(sorted(unmanaged))}")
    if profiles:
        result.files["profiles.yaml"] = header + _dump({"users": profiles, "adopt": True})

    push: dict[str, list[str]] = {OPTED_IN: [], OPTED_OUT: []}
    for user in progress(everyone, "push permission"):
        state = push_state(d.push_permitted for d in client.get_devices(user).devices)
        if state is not None:
            push[state].append(user)
    if push[OPTED_IN] or push[OPTED_OUT]:
        lists = {k: v for k, v in push.items() if v}
        result.files["consent.yaml"] = header + _dump({"push": {"users": {**lists, "adopt": True}}})
    result.skipped += [
        "tags: Netmera cannot list a user's tags",
        "email and SMS permission, addresses: Netmera cannot read them back",
    ]
    return result


def _dump(document: Any) -> str:
    return yaml.safe_dump(document, sort_keys=False, allow_unicode=True)


def write_adoption(adoption: Adoption, state_dir: Path, force: bool) -> list[str]:
    existing = [n for n in adoption.files if (state_dir / n).exists()]
    if existing and not force:
        raise FileExistsError(
            f"{state_dir}: {', '.join(existing)} already exist; adopt into a new stack or pass --force"
        )
    state_dir.mkdir(parents=True, exist_ok=True)
    for name, text in adoption.files.items():
        (state_dir / name).write_text(text, encoding="utf-8")
    return sorted(adoption.files)
