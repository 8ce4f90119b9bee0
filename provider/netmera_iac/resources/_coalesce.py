"""Coalescing the shards of one key (a tag, a stack's profiles) into one plan, so sharding never
costs extra calls.

A sharded tag is several Pulumi resources, but Netmera's cost is per tag: 1000 ids per request. All
dynamic resources of a deployment are served by one provider process, and the engine checks every
registered resource (serially, in program order) before or while it applies them. So `check` records
each shard's old and new members here, and the first shard of a tag to be applied sends the combined
plan of all shards of that tag (ids moving between shards cancel out); the others find their part
done. If not every shard was checked within `WAIT_SECONDS`, the first shard sends what is known and
the rest send their own parts: more calls, same result. This relies on the engine running the shard
steps of a tag at once (`PULUMI_PARALLEL`, set by tools/env.sh) and on `_host.widen_worker_pool`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ._host import WORKERS, widened

# How long the first shard of a tag waits for the others to be checked. They always come (the program
# registers every shard) unless the run fails or `--target` leaves some out; registering large maps
# takes the program a few seconds, so the window is generous.
WAIT_SECONDS = 60.0


def max_waiting() -> int:
    """Applies that may wait at once: leave the host threads for the checks they are waiting for."""
    return WORKERS - 16 if widened() else 2


@dataclass(eq=False)  # shards are compared by identity
class Shard:
    """One shard's change: `old` and `new` are whatever its family plans with (sets, maps)."""

    old: Any
    new: Any
    count: int
    done: bool = False
    error: Exception | None = None


@dataclass
class _Tag:
    shards: dict[int, Shard] = field(default_factory=dict)
    flushing: bool = False
    flush_now: bool = False


# send(batch, settled): make every shard in `batch` go from old to new; shards in `settled` are the
# key's other known shards (done ones hold `new`, the others still `old`).
Send = Callable[[list[Shard], list[Shard]], None]


class ShardCoalescer:
    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._tags: dict[str, _Tag] = {}
        self._waiting = 0

    def record(self, key: str, index: int, count: int, old: Any, new: Any) -> None:
        with self._cond:
            entry = self._tags.setdefault(key, _Tag())
            entry.shards[index] = Shard(old, new, count)
            self._cond.notify_all()

    def apply(self, key: str, index: int, count: int, old: Any, new: Any, send: Send) -> None:
        """Make shard `index` of `key` go from `old` to `new`, with at most one combined send."""
        with self._cond:
            entry = self._tags.setdefault(key, _Tag())
            mine = entry.shards.get(index)
            if mine is None or mine.old != old or mine.new != new or mine.count != count:
                mine = entry.shards[index] = Shard(old, new, count)
            if entry.flushing and not mine.done and self._waiting >= max_waiting():
                entry.flush_now = True  # no thread to spare: the flusher sends what it has now
                self._cond.notify_all()
            while entry.flushing and not mine.done:
                self._cond.wait()
            if mine.done:
                if mine.error is not None:
                    raise mine.error
                return
            entry.flushing, entry.flush_now = True, False
            deadline = time.monotonic() + WAIT_SECONDS
            self._waiting += 1
            try:
                while (
                    len(entry.shards) < count
                    and not entry.flush_now
                    and self._waiting <= max_waiting()
                    and time.monotonic() < deadline
                ):
                    self._cond.wait(timeout=max(0.0, deadline - time.monotonic()))
            finally:
                self._waiting -= 1
            batch = {i: s for i, s in entry.shards.items() if not s.done and s.count == count}
            settled = [s for s in entry.shards.values() if all(s is not b for b in batch.values())]
        try:
            send(list(batch.values()), settled)
        except Exception as exc:
            with self._cond:
                for shard in batch.values():
                    shard.done, shard.error = True, exc
                entry.flushing = False
                self._cond.notify_all()
            raise
        with self._cond:
            for shard in batch.values():
                shard.done = True
            entry.flushing = False
            self._cond.notify_all()


COALESCER = ShardCoalescer()
