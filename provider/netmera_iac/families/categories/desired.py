"""`categories.yaml`: who is opted in or out of a category (optionally of one channel of it)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from ...engine.desired import opted_in_out
from ...engine.family import Reading, Section
from ...engine.guards import Claim
from ...engine.plan import Preference

FILE = "categories.yaml"


@dataclass(frozen=True)
class CategoryPreferencesSpec:
    category: str
    channel: str | None
    preferences: Mapping[str, Preference]
    source: str
    allow_empty: bool = False
    allow_mass_change: bool = False
    protect: bool = False
    adopt: bool = False
    check_existence: bool = False

    @property
    def target(self) -> str:
        return f"{self.category}/{self.channel}" if self.channel else self.category


@dataclass(frozen=True)
class CategoriesSection(Section):
    preferences: tuple[CategoryPreferencesSpec, ...] = ()

    def claims(self) -> Iterator[Claim]:
        for c in self.preferences:
            yield Claim(c.source, "category", c.target, "authoritative", c.preferences.keys())


def parse(reading: Reading) -> CategoriesSection:
    name, doc = reading.documents[FILE]
    seen: dict[tuple[str, str | None], str] = {}
    specs: list[CategoryPreferencesSpec] = []
    for index, entry in enumerate(doc.get("preferences") or []):
        where = f"preferences[{index}]"
        key = (entry["category"], entry.get("channel"))
        if key in seen:
            reading.problems.append(
                f"{name}: {where}: category {key[0]!r}"
                + (f" channel {key[1]}" if key[1] else "")
                + f" is already managed by {seen[key]}"
            )
            continue
        seen[key] = where
        target = f"{entry['category']}/{entry['channel']}" if entry.get("channel") else entry["category"]
        holder = ("CategoryPreferences", target, "preferences")
        prefs, found, _, _ = opted_in_out(entry, name, where, reading.lists, holder)
        reading.problems.extend(found)
        specs.append(
            CategoryPreferencesSpec(
                category=entry["category"],
                channel=entry.get("channel"),
                preferences=prefs,
                source=f"{name}: {where} ({target})",
                allow_empty=entry.get("allow_empty", False),
                allow_mass_change=entry.get("allow_mass_change", False),
                protect=entry.get("protect", False),
                adopt=entry.get("adopt", False),
                check_existence=entry.get("check_existence", False),
            )
        )
    return CategoriesSection(tuple(specs))
