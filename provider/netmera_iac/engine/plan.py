"""Plans: what one resource sends to move Netmera from the applied (or live) state to the desired one.

A `Plan` lists operations, each with the ids it touches; ids that do not change never appear in one.
Each family's planner (families/*/planner.py) builds its own `Operation` kind, which knows how to send
itself through the client, so carrying out a plan (engine/execute.py) names no family.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal, TypeVar

from ..client import NetmeraClient
from ..models import MAX_IDS_PER_REQUEST

OPTED_IN: Final = "opted_in"
OPTED_OUT: Final = "opted_out"
Preference = Literal["opted_in", "opted_out"]
T = TypeVar("T")


def abbreviate(items: Sequence[T], limit: int, sep: str = ", ", show: Callable[[T], str] = str) -> str:
    """The first `limit` items and how many more: `a, b, … (+3)`. Only the shown items are formatted."""
    shown = sep.join(show(item) for item in items[:limit])
    return shown + (f"{sep}… (+{len(items) - limit})" if len(items) > limit else "")


@dataclass(frozen=True)
class Operation:
    """One logical write: a Netmera endpoint, its target (tag, category, addressing) and the ids."""

    name: str  # the Netmera endpoint, e.g. "tagUsers"
    target: str  # the tag, or the category name
    ids: tuple[str, ...]
    enable: bool | None = None  # setCategoryPreferences: opt in or out
    channel: str | None = None  # setCategoryPreferences: one channel, or every channel

    @property
    def calls(self) -> int:
        """Requests this takes at the API's limit of 1000 unique ids each."""
        return math.ceil(len(self.ids) / MAX_IDS_PER_REQUEST)

    @property
    def verb(self) -> str:
        return self.name

    def describe(self, limit: int = 10) -> str:
        where = f"{self.target}/{self.channel}" if self.channel else self.target
        return f"{self.verb} {len(self.ids)} user(s) [{where}]: {abbreviate(self.ids, limit)}"

    def send(self, client: NetmeraClient) -> int:
        """Send through `client`; returns the number of requests made."""
        raise NotImplementedError(f"{type(self).__name__} cannot send {self.name}")

    def parts(self) -> Sequence[Operation]:
        """The pieces this is sent in, each tracked on its own (engine/execute.py): one, unless the
        request entries of all its ids are too many to build at once (profiles)."""
        return (self,)


@dataclass(frozen=True)
class Plan:
    operations: tuple[Operation, ...] = field(default_factory=tuple)

    @property
    def empty(self) -> bool:
        return not self.operations

    @property
    def calls(self) -> int:
        return sum(op.calls for op in self.operations)

    @property
    def touched(self) -> set[str]:
        """The distinct ids this plan sends."""
        return {i for op in self.operations for i in op.ids}

    @property
    def users_changed(self) -> int:
        """Distinct ids this plan changes (what policies cap per run)."""
        return len(self.touched)

    def ids(self, name: str) -> tuple[str, ...]:
        return tuple(i for op in self.operations if op.name == name for i in op.ids)

    def summary(self) -> str:
        if self.empty:
            return "no changes"
        return "; ".join(op.describe() for op in self.operations) + f" ({self.calls} call(s))"
