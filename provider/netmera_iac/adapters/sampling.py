"""A sampled refresh, for audiences too big to read whole.

Netmera has no batched read for category preferences, profiles or push permission: a refresh reads one
user per request. Measured for issue 24 on the emulator, 100,000 category preferences took 228 s and
100,000 profiles 291 s to refresh (2.3 and 2.9 ms per user); a million-user audience would take about
40 minutes, every night. `netmera-iac drift --sample N` sets `NETMERA_IAC_READ_SAMPLE=N` for its
`pulumi preview --refresh`: each resource's read then asks about N of its users, chosen at random on
every run (so nightly checks cover different users), and every user not read keeps the value the state
last recorded. A sampled read therefore never claims drift, or its absence, for users it did not read.
"""

from __future__ import annotations

import os
import random
from collections.abc import Collection
from typing import Final

SAMPLE_SETTING: Final = "NETMERA_IAC_READ_SAMPLE"


def sample_size() -> int | None:
    """The users a refresh reads per resource, or None for all (unset, empty or not a positive number)."""
    raw = os.environ.get(SAMPLE_SETTING, "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else None


def read_sample(ids: Collection[str]) -> list[str]:
    """The ids a refresh reads: all of them, or a random sample of `sample_size()` (sorted)."""
    size = sample_size()
    ordered = sorted(ids)
    if size is None or size >= len(ordered):
        return ordered
    return sorted(random.SystemRandom().sample(ordered, size))
