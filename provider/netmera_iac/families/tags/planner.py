"""Tag plans: tagUsers / untagUsers for the ids whose membership changes, nothing for the rest.

Pure functions over plain data. The additive and negative forms plan with `plan_tag_changes` from a
streamed difference (resource.py `TagProvider.changes`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ...client import NetmeraClient
from ...engine.plan import Operation, Plan


@dataclass(frozen=True)
class TagOperation(Operation):
    """tagUsers or untagUsers of one tag."""

    @property
    def verb(self) -> str:
        return "tag" if self.name == "tagUsers" else "untag"

    def send(self, client: NetmeraClient) -> int:
        write = client.tag_users if self.name == "tagUsers" else client.untag_users
        return write(self.target, self.ids).requests


def _ops(name: str, tag: str, ids: Iterable[str]) -> tuple[Operation, ...]:
    ordered = tuple(sorted(ids))
    return (TagOperation(name, tag, ordered),) if ordered else ()


def plan_tag_membership(tag: str, desired: Iterable[str], applied: Iterable[str]) -> Plan:
    """Authoritative over the ids it manages: add what is new, remove what it added that left."""
    want, have = set(desired), set(applied)
    return Plan(_ops("tagUsers", tag, want - have) + _ops("untagUsers", tag, have - want))


def plan_tag_changes(tag: str, add: Iterable[str], remove: Iterable[str]) -> Plan:
    """The plan for explicit additions and removals, e.g. a difference computed by a streaming merge
    of two encoded member sets (engine/codec.py) rather than by `plan_tag_membership`'s sets."""
    return Plan(_ops("tagUsers", tag, add) + _ops("untagUsers", tag, remove))
