"""What the program does with the stack's write-ahead journal (engine/journal.py).

An entry there is a change that started sending and never reported success: interrupted (the CLI or
the machine died) or failed part-way. The program hands each entry to its resource as that registers,
which sends the entry's ids again as the desired state now says, and says so in the output (and so in
`netmera-iac plan`). A resource the desired state dropped meanwhile is registered once more,
`retiring`, to finish its change; the manifest guards its removal then.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi

from .engine import GuardSettings
from .engine.journal import Entry
from .resources import TagAssignment, TagExclusion, TagMembership

TAG_LISTS: dict[str, type[TagAssignment] | type[TagExclusion]] = {
    "TagAssignment": TagAssignment,
    "TagExclusion": TagExclusion,
}


def interrupted_message(entry: Entry, desired: bool) -> str:
    if entry.failure:
        head = (
            f"the last update of {entry.kind} {entry.name!r} failed part-way ({entry.failure}); the "
            f"{entry.count} user(s) it sent are sent again"
        )
    else:
        head = (
            f"an interrupted update was found: {entry.kind} {entry.name!r} started sending at "
            f"{entry.started} and never reported back; the {entry.count} user(s) it may have changed "
            "are sent again"
        )
    if desired:
        return head + " as the desired state now says"
    return (
        head + f" as the stack last recorded them ({entry.kind} {entry.name!r} is no longer in the "
        "desired state: it is kept for this update and removed by the next `pulumi up`)"
    )


@dataclass
class Recovery:
    """The stack's journal entries found at the start of the run (engine/journal.py), handed to their
    resources as these register; what is left belongs to resources the desired state dropped."""

    entries: Mapping[tuple[str, str], Entry] = field(default_factory=dict)
    registered: set[tuple[str, str]] = field(default_factory=set)

    def take(self, kind: str, name: str) -> Entry | None:
        self.registered.add((kind, name))
        entry = self.entries.get((kind, name))
        if entry is not None:
            pulumi.log.warn(interrupted_message(entry, desired=True))
        return entry

    def ids(self, kind: str, name: str) -> str | None:
        """The entry's ids (encoded), for resources that take a plain id set."""
        entry = self.take(kind, name)
        return entry.ids if entry else None


def register_retiring(recovery: Recovery, manifest: dict[str, dict[str, Any]]) -> None:
    """Resources of interrupted changes that the desired state no longer has: registered once more as
    the state recorded them (resources/tag.py `retiring`), so their interrupted ids are sent again.
    The manifest guards their removal now, when it is decided (resources/manifest.py)."""
    for key, entry in sorted(recovery.entries.items()):
        if key in recovery.registered:
            continue
        if entry.kind not in ("TagMembership", *TAG_LISTS):
            pulumi.log.warn(
                f"an interrupted update of {entry.kind} {entry.name!r} (started {entry.started}) may "
                f"have changed {entry.count} user(s), and it is no longer in the desired state: put it "
                "back for one `pulumi up` to send them again as it says"
            )
            continue
        manifest[f"{entry.kind}:{entry.name}"] = {
            "type": entry.kind,
            "users": 0,
            "removesUsers": entry.kind == "TagMembership",
            "retiring": True,
        }
        tag = str(entry.props.get("tag", entry.name))
        if entry.kind == "TagMembership":
            settings = GuardSettings(allow_mass_change=True, allow_empty=True)
            TagMembership(entry.name, tag, (), settings, interrupted=entry.ids, retiring=True)
        else:
            TAG_LISTS[entry.kind](entry.name, tag, (), interrupted=entry.ids, retiring=True)
        pulumi.log.warn(interrupted_message(entry, desired=False))
