"""Live progress of an apply: a status line per resource in Pulumi's own display.

A 50,000-member tag at 2 s per call used to show nothing but dots for half a minute; at a million a
user cannot tell working from hung. While a plan is sent, the client tells this listener of every
batch and retry (client `LISTENER`), and a timer thread sends the resource's status as an ephemeral
engine message (`tagging 23,000 / 50,000 users · 23 / 50 calls · 429s: 2`): every second on a
terminal (between Pulumi's 0.5 s redraws and a 2 s stall a user would notice), every 10 s when `CI` is
set, since a non-interactive display prints each status change as a line of its own.
`NETMERA_IAC_PROGRESS_SECONDS` overrides both.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

from ..client import LISTENER, RetryEvent
from ..engine import Plan
from ._host import current_urn, engine_status

INTERVAL_ENV: Final = "NETMERA_IAC_PROGRESS_SECONDS"
VERBS: Final = {
    "tagUsers": "tagging",
    "untagUsers": "untagging",
    "setCategoryPreferences": "setting preferences of",
    "addEmail": "adding addresses of",
    "addMsisdn": "adding numbers of",
}


def interval() -> float:
    raw = os.environ.get(INTERVAL_ENV)
    if raw:
        try:
            return max(0.5, float(raw))
        except ValueError:
            pass
    return 10.0 if os.environ.get("CI", "").lower() not in ("", "0", "false") else 1.0


def _verb(operation: str) -> str:
    if operation in VERBS:
        return VERBS[operation]
    return (
        "opting in"
        if operation.startswith("enable")
        else "opting out"
        if operation.startswith("disable")
        else operation
    )


class LiveProgress:
    """Counts of one plan's sending; `line()` is the status shown."""

    def __init__(self, plan: Plan) -> None:
        self.total = sum(len(op.ids) for op in plan.operations)
        self.calls = sum(op.calls for op in plan.operations)
        self.done = self.calls_done = self.failed = self.throttled = self.retries = 0
        self.operation = plan.operations[0].name if plan.operations else ""
        self._lock = threading.Lock()

    def batch(self, operation: str, ids: int, ok: bool) -> None:
        with self._lock:
            self.operation = operation
            self.calls_done += 1
            if ok:
                self.done += ids
            else:
                self.failed += 1

    def retry(self, event: RetryEvent) -> None:
        with self._lock:
            self.retries += 1
            self.throttled += " 429" in f" {event.reason}" or "RateLimit" in event.reason

    def line(self) -> str:
        with self._lock:
            parts = [
                f"{_verb(self.operation)} {self.done:,} / {self.total:,} users",
                f"{self.calls_done} / {self.calls} calls",
                f"429s: {self.throttled}",
            ]
            if self.retries > self.throttled:
                parts.append(f"other retries: {self.retries - self.throttled}")
            if self.failed:
                parts.append(f"failed calls: {self.failed}")
        return " · ".join(parts)


@contextmanager
def shown(plan: Plan, show: Callable[[str, str], None] = engine_status) -> Iterator[LiveProgress]:
    """Report `plan`'s progress on the served resource's status line while the block sends it."""
    progress = LiveProgress(plan)
    urn = current_urn() or ""
    token = LISTENER.set(progress)
    stop = threading.Event()
    every = interval()

    def tick() -> None:
        last = ""
        while not stop.wait(every):
            now = progress.line()
            if now != last:
                last = now
                try:
                    show(now, urn)
                except Exception:  # a status line is never worth failing an apply for
                    return

    timer = threading.Thread(target=tick, daemon=True, name="netmera-progress")
    timer.start()
    try:
        yield progress
    finally:
        stop.set()
        LISTENER.reset(token)
        timer.join(timeout=every + 1)
