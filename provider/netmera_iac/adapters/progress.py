"""Live progress of an apply: a status line per resource in Pulumi's own display.

A 50,000-member tag at 2 s per call used to show nothing but dots for half a minute; at a million a
user cannot tell working from hung. While a plan is sent, the client tells this listener of every
batch and retry (client `LISTENER`), and a timer thread sends the resource's status as an ephemeral
engine message (`tagging 23,000 / 50,000 users · 23 / 50 calls · 429s: 2`): every second on a
terminal (between Pulumi's 0.5 s redraws and a 2 s stall a user would notice), every 10 s when `CI` is
set, since a non-interactive display prints each status change as a line of its own.
`NETMERA_IAC_PROGRESS_SECONDS` overrides both.

Retries are said as warnings at most once per resource per RETRY_WARNING_SECONDS (a 429 storm used
to print each retry twice), and a failed send ends in a report of a few lines (`failure_report`):
what failed with Netmera's answer, what was applied, the retries in one line, and what to run next.
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Final

from ..client import (
    LISTENER,
    AuthenticationError,
    BatchError,
    NetmeraError,
    PermissionDeniedError,
    RateLimitError,
    RetryEvent,
    ServerError,
    TransportError,
)
from ..engine import PartialApplyError, Plan
from .process import current_urn, engine_status, engine_warning

INTERVAL_ENV: Final = "NETMERA_IAC_PROGRESS_SECONDS"
RETRY_WARNING_SECONDS: Final = 10.0
READS_SHOWN: Final = 100  # fewer reads end before a status line would show
VERBS: Final = {
    "tagUsers": "tagging",
    "untagUsers": "untagging",
    "setCategoryPreferences": "setting preferences of",
    "addEmail": "adding addresses of",
    "addMsisdn": "adding numbers of",
    "setProfileAttributes": "setting profiles of",
    "unsetProfileAttributes": "unsetting attributes of",
    "getProfileAttributes": "reading profiles of",
    "getCategoryPreferences": "reading preferences of",
    "getDevices": "reading devices of",
    "updateEmail": "updating addresses of",
    "updateMsisdn": "updating numbers of",
    "updateWhatsApp": "updating WhatsApp numbers of",
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


def retry_kind(reason: str) -> str:
    """`503`, `429`, `timeout` or `connection`: how a retry summary counts a failed attempt."""
    status = re.search(r"HTTP (\d{3})", reason)
    if status:
        return status.group(1)
    return "timeout" if "timed out" in reason.lower() or "timeout" in reason.lower() else "connection"


Warn = Callable[[str, str], None]


class LiveProgress:
    """Counts of one plan's sending; `line()` is the status shown, `retry_line()` the retries."""

    def __init__(
        self,
        total: int,
        calls: int,
        operation: str,
        warn: Warn = engine_warning,
        urn: str = "",
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.calls, self.operation = total, calls, operation
        self.done = self.calls_done = self.failed = self.throttled = self.retries = 0
        self.kinds: Counter[str] = Counter()
        self.first_retry: float | None = None
        self.last_retry = 0.0
        self._warned: float | None = None
        self._unsaid = 0
        self.urn = urn  # the resource's (retries are reported from the client's pool threads)
        self._warn, self._clock = warn, clock
        self._lock = threading.Lock()

    @classmethod
    def of(cls, plan: Plan) -> LiveProgress:
        total = sum(len(op.ids) for op in plan.operations)
        calls = sum(op.calls for op in plan.operations)
        return cls(total, calls, plan.operations[0].name if plan.operations else "")

    def batch(self, operation: str, ids: int, ok: bool) -> None:
        with self._lock:
            self.operation = operation
            self.calls_done += 1
            if ok:
                self.done += ids
            else:
                self.failed += 1

    def retry(self, event: RetryEvent) -> None:
        now = self._clock()
        kind = retry_kind(event.reason)
        with self._lock:
            self.retries += 1
            self.throttled += kind == "429"
            self.kinds[kind] += 1
            self.first_retry = now if self.first_retry is None else self.first_retry
            self.last_retry = now
            if self._warned is not None and now - self._warned < RETRY_WARNING_SECONDS:
                self._unsaid += 1
                return
            self._warned, unsaid, self._unsaid = now, self._unsaid, 0
        since = f"; {unsaid + 1} retries since the last such line" if unsaid else ""
        with contextlib.suppress(Exception):  # a warning is never worth failing an apply for
            answer = event.reason.removeprefix(f"{event.operation}: ")
            self._warn(f"{event.operation}: retrying after {answer}{since}", self.urn)

    def retry_line(self) -> str:
        """`12 retries over 95 s: 503 ×9, timeout ×3`, or "" without retries."""  # noqa: RUF002
        with self._lock:
            if not self.retries or self.first_retry is None:
                return ""
            kinds = ", ".join(f"{kind} ×{n}" for kind, n in self.kinds.most_common())  # noqa: RUF001
            span = self.last_retry - self.first_retry
            return f"{self.retries} retr{'y' if self.retries == 1 else 'ies'} over {span:.0f} s: {kinds}"

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


def observing(operation: str, ids: int) -> contextlib.AbstractContextManager[object]:
    """The status line of `ids` reads of one request each (a refresh, an adoption), for reads long
    enough to need one; the same line as a send's (`reading profiles of 23,000 / 100,000 users`)."""
    if ids < READS_SHOWN or current_urn() is None:
        return contextlib.nullcontext()
    return shown(LiveProgress(ids, ids, operation))


@contextmanager
def shown(
    plan: Plan | LiveProgress, show: Callable[[str, str], None] = engine_status
) -> Iterator[LiveProgress]:
    """Report the progress of sending `plan` (or of counts given as a `LiveProgress`: the reads of
    `observing`) on the served resource's status line while the block runs."""
    progress = LiveProgress.of(plan) if isinstance(plan, Plan) else plan
    progress.urn = progress.urn or current_urn() or ""
    urn = progress.urn
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


def next_step(cause: NetmeraError) -> str:
    """What to run next, by what Netmera (or the network) said (a split operation: its first
    failed request's answer)."""
    if isinstance(cause, BatchError):
        cause = next((b.error for b in cause.failed if b.error is not None), cause)
    if isinstance(cause, (RateLimitError, ServerError, TransportError)):
        return "next: `pulumi up` again once Netmera answers; it sends only what is not known to be applied"
    if isinstance(cause, (AuthenticationError, PermissionDeniedError)):
        return "next: check netmera:apiKey and its permissions, then `pulumi up` (what was applied is kept)"
    return "next: correct what Netmera refused (named above), then `pulumi up`; what was applied is kept"


def failure_report(reason: str, exc: PartialApplyError, progress: LiveProgress | None) -> str:
    """The family's one line (what failed, Netmera's answer, what was applied), then the retries in
    one line and what to run next: a failed resource says what happened in a few lines."""
    lines = [reason]
    retried = progress.retry_line() if progress is not None else ""
    if retried:
        lines.append(f"retries: {retried}")
    lines.append(next_step(exc.cause))
    return "\n".join(lines)
