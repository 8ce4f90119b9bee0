"""Sending a change under the stack's write-ahead journal (engine/journal.py).

The ids a change may touch are written down before its first request and the entry is ended once
the change is settled, so a kill at any call leaves a record the next run finishes from, on
whichever machine it runs. A part-way failure keeps the entry with the state as Netmera now has it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..engine import PartialApplyError, Plan
from .process import PartialApply
from .progress import LiveProgress, failure_report, shown
from .served import served

# What a part-way failure records: (outputs as Netmera now has them, the reason, the entry to keep).
Partial = Callable[[PartialApplyError], tuple[dict[str, Any], str, dict[str, Any]]]


def send_journaled(
    send: Callable[[], object],
    ids: set[str],
    entry: dict[str, Any],
    partial: Partial,
    resource_id: str | None,
    plan: Plan | None = None,
) -> None:
    """Journal `ids` (with `entry`, what the program needs to hand them back), send, and end the entry.
    On a part-way failure `partial` gives (outputs as Netmera now has them, the reason, the entry to
    keep for the next run; see engine/journal.py `Journal.failed`), raised as `PartialApply`. With
    `plan`, its progress is the resource's status line in Pulumi's display while it is sent."""
    here = served()
    if here:
        here.journal.begin(here.type, here.name, entry, ids)
    progress: LiveProgress | None = None
    try:
        if here and plan is not None:
            with shown(plan) as progress:
                send()
        else:
            send()
    except PartialApplyError as exc:
        outputs, reason, failed_entry = partial(exc)
        if here:  # the one line, which the next run's warning repeats
            here.journal.failed(here.type, here.name, failed_entry, ids, reason)
        raise PartialApply(outputs, failure_report(reason, exc, progress), resource_id) from exc
    if here:
        here.journal.end(here.type, here.name)
