"""Carrying out a plan through the client, recording per operation what was applied.

Each operation sends itself (families/*/planner.py); `Progress.track` is the one step that turns a
failed batch into a `PartialApplyError` naming the ids answered 200 and those whose outcome is unknown.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from ..client import BatchError, NetmeraClient, NetmeraError
from .errors import NetmeraIacError
from .plan import Plan

T = TypeVar("T")


def execute(client: NetmeraClient, plan: Plan) -> int:
    """Send every operation of `plan`; returns the number of requests made."""
    return sum(part.send(client) for op in plan.operations for part in op.parts())


@dataclass
class Progress:
    """What a plan did before it failed, per operation: ids answered 200, and ids whose outcome is
    unknown (their request failed, possibly after Netmera applied it), which the next apply sends
    again. Operations after the failing one were not started."""

    applied: dict[str, set[str]] = field(default_factory=dict)
    uncertain_of: dict[str, set[str]] = field(default_factory=dict)  # per operation

    def of(self, operation: str) -> set[str]:
        return self.applied.get(operation, set())

    @property
    def uncertain(self) -> set[str]:
        return {i for ids in self.uncertain_of.values() for i in ids}

    def counts(self) -> str:
        done = ", ".join(f"{name} {len(ids)}" for name, ids in self.applied.items()) or "nothing"
        return f"applied: {done}; {len(self.uncertain)} id(s) with an unknown outcome"

    def track(self, operation: str, ids: Iterable[str], send: Callable[[], T]) -> T:
        """Send one operation of `ids`; record what was answered 200, or raise `PartialApplyError`
        with what is known so far. The client names the ids of each failed request (`BatchError`),
        so nothing here depends on how it batched them."""
        try:
            result = send()
        except BatchError as exc:
            self.applied.setdefault(operation, set()).update(exc.applied_ids)
            self.uncertain_of[operation] = exc.failed_ids
            raise PartialApplyError(self, exc) from exc
        except NetmeraError as exc:  # one request in all: its own error
            self.uncertain_of[operation] = set(ids)
            raise PartialApplyError(self, exc) from exc
        self.applied.setdefault(operation, set()).update(ids)
        return result


class PartialApplyError(NetmeraIacError, NetmeraError):
    """A plan failed part-way; `progress` says what is known to have been applied."""

    def __init__(self, progress: Progress, cause: NetmeraError) -> None:
        super().__init__(str(cause))
        self.progress = progress
        self.cause = cause


def execute_tracked(client: NetmeraClient, plan: Plan) -> int:
    """Send the plan in order, every family's the same way; returns the number of requests made. On
    failure raises `PartialApplyError` with what was applied so far, by id."""
    progress = Progress()
    requests = 0
    for op in plan.operations:
        for part in op.parts():
            requests += progress.track(op.name, part.ids, partial(part.send, client))
    return requests
