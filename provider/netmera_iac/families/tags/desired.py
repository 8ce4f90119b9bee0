"""`tags.yaml`: authoritative memberships, additive assignments and negative exclusions per tag."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from ...engine.desired import short_json
from ...engine.family import Reading, Section
from ...engine.guards import Claim

FILE = "tags.yaml"
# The Pulumi resource types of the three forms: the registry, the program, the summary and the
# migration name them from here.
MEMBERSHIP, ASSIGNMENT, EXCLUSION = "TagMembership", "TagAssignment", "TagExclusion"
TYPES = (MEMBERSHIP, ASSIGNMENT, EXCLUSION)
SHARDS_IGNORED = (
    "`shards` is no longer used: every tag and the profiles are one resource whatever their size; "
    "remove the key"
)


@dataclass(frozen=True)
class TagMembershipSpec:
    tag: str
    members: tuple[str, ...]
    source: str
    allow_empty: bool = False
    allow_mass_change: bool = False
    protect: bool = False
    retain_on_delete: bool = False
    shared: bool = False
    segment: str | int | None = None  # members also include this segment's users (resolved by the program)
    check_existence: bool = False  # unknown ids found before sending (adapters/existence.py)


@dataclass(frozen=True)
class TagListSpec:
    """An additive (`assignments`) or negative (`exclusions`) list for one tag."""

    tag: str
    members: tuple[str, ...]
    source: str
    check_existence: bool = False


@dataclass(frozen=True)
class TagsSection(Section):
    memberships: tuple[TagMembershipSpec, ...] = ()
    assignments: tuple[TagListSpec, ...] = ()
    exclusions: tuple[TagListSpec, ...] = ()

    def claims(self) -> Iterator[Claim]:
        for m in self.memberships:
            yield Claim(m.source, "tag", m.tag, "authoritative", m.members)
        for a in self.assignments:
            yield Claim(a.source, "tag", a.tag, "additive", a.members)
        for e in self.exclusions:
            yield Claim(e.source, "tag", e.tag, "negative", e.members)


def parse(reading: Reading) -> TagsSection:
    name, doc = reading.documents[FILE]
    problems, lists = reading.problems, reading.lists
    memberships: list[TagMembershipSpec] = []
    for tag, spec in (doc.get("memberships") or {}).items():
        where = f"memberships.{tag}"
        holder = None if "segment" in spec else (MEMBERSHIP, tag, "members", None)
        members = lists.ids(spec, "members", name, where, problems, holder)
        if not {"members", "members_file", "members_query", "segment"} & set(spec):
            needed = "`members`, `members_file`, `members_query` or `segment` is required"
            problems.append(f"{name}: {where}: {needed} (value: {short_json(spec)})")
        if "shards" in spec:
            reading.warnings.append(f"{name}: {where}.shards: {SHARDS_IGNORED} (value: {spec['shards']})")
        memberships.append(
            TagMembershipSpec(
                tag=tag,
                members=tuple(members),
                source=f"{name}: {where}",
                allow_empty=spec.get("allow_empty", False),
                allow_mass_change=spec.get("allow_mass_change", False),
                protect=spec.get("protect", False),
                retain_on_delete=spec.get("retain_on_delete", False),
                shared=spec.get("shared", False),
                segment=spec.get("segment"),
                check_existence=spec.get("check_existence", False),
            )
        )
    lists_by_kind: dict[str, list[TagListSpec]] = {"assignments": [], "exclusions": []}
    for section, kind in (("assignments", ASSIGNMENT), ("exclusions", EXCLUSION)):
        for tag, spec in (doc.get(section) or {}).items():
            # A plain list, or {members_file: …}; an inline list reports duplicates as section.tag[i].
            entry = spec if isinstance(spec, dict) else {"members": spec}
            where = f"{section}.{tag}"
            ids = lists.ids(entry, "members", name, where, problems, (kind, tag, "members", None), bare=True)
            checks = bool(entry.get("check_existence", False))
            lists_by_kind[section].append(TagListSpec(tag, tuple(ids), f"{name}: {where}", checks))
    return TagsSection(
        tuple(memberships), tuple(lists_by_kind["assignments"]), tuple(lists_by_kind["exclusions"])
    )
