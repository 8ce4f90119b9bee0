"""How the program registers the tags section: one resource per tag and form, segments resolved."""

from __future__ import annotations

from dataclasses import replace

import pulumi

from ...adapters.registration import Registration
from ...client import NetmeraError
from ...engine import DesiredStateError, GuardSettings
from ...engine.journal import Entry
from ...reads import ReadError, get_segment_users
from .desired import ASSIGNMENT, EXCLUSION, MEMBERSHIP, TagMembershipSpec, TagsSection
from .resource import TagAssignment, TagExclusion, TagMembership

LISTS: dict[str, type[TagAssignment] | type[TagExclusion]] = {
    ASSIGNMENT: TagAssignment,
    EXCLUSION: TagExclusion,
}


def resolve(spec: TagsSection) -> TagsSection:
    """Members of memberships that name a segment, read with getSegmentUsers (all pages) now."""
    if not any(m.segment is not None for m in spec.memberships):
        return spec
    memberships: list[TagMembershipSpec] = []
    for m in spec.memberships:
        if m.segment is None:
            memberships.append(m)
            continue
        try:
            users = [u.external_id for u in get_segment_users(m.segment) if u.external_id]
        except (ReadError, NetmeraError) as exc:
            raise DesiredStateError([f"{m.source}.segment: {exc} (value: {m.segment!r})"]) from None
        memberships.append(replace(m, members=tuple(dict.fromkeys([*m.members, *users]))))
    return replace(spec, memberships=tuple(memberships))


def register(spec: TagsSection, reg: Registration) -> None:
    for m in spec.memberships:
        settings = reg.entry_guard(m.allow_mass_change, m.allow_empty)
        if reg.refused(m.source, len(m.members), "members", settings):
            continue
        TagMembership(
            m.tag,
            m.tag,
            reg.encode(MEMBERSHIP, m.tag, "members", m.members),
            settings,
            shared=m.shared,
            opts=pulumi.ResourceOptions(protect=m.protect, retain_on_delete=m.retain_on_delete),
            interrupted=reg.recovery.ids(MEMBERSHIP, m.tag),
            existence=reg.existence(m.check_existence),
        )
        reg.manage(MEMBERSHIP, m.tag, len(m.members), removesUsers=True, retainOnDelete=m.retain_on_delete)
    for kind, tag_lists in ((ASSIGNMENT, spec.assignments), (EXCLUSION, spec.exclusions)):
        for t in tag_lists:
            reg.refused(t.source, len(t.members), "ids")
            members = reg.encode(kind, t.tag, "members", t.members)
            # Untagging an unknown user changes nothing: only assignments ask which users exist.
            existence = reg.existence(t.check_existence) if kind == ASSIGNMENT else {}
            LISTS[kind](t.tag, t.tag, members, interrupted=reg.recovery.ids(kind, t.tag), existence=existence)
            reg.manage(kind, t.tag, len(t.members))


def retire(entry: Entry, reg: Registration) -> bool:
    """A tag resource the desired state dropped while its change was interrupted: registered once more
    as the state recorded it (resource.py `retiring`), so its interrupted ids are sent again."""
    reg.manage(entry.type, entry.name, 0, removesUsers=entry.type == MEMBERSHIP, retiring=True)
    tag = str(entry.props.get("tag", entry.name))
    if entry.type == MEMBERSHIP:
        settings = GuardSettings(allow_mass_change=True, allow_empty=True)
        TagMembership(entry.name, tag, (), settings, interrupted=entry.ids, retiring=True)
    else:
        LISTS[entry.type](entry.name, tag, (), interrupted=entry.ids, retiring=True)
    return True
