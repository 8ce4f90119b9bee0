"""Splitting id lists and entry arrays into requests of at most 1000 unique external ids."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import TypeVar

from ..models import MAX_IDS_PER_REQUEST

T = TypeVar("T")


def id_batches(ids: Iterable[str], size: int = MAX_IDS_PER_REQUEST) -> list[list[str]]:
    """De-duplicate (first occurrence wins, order kept) and split into lists of at most `size`."""
    unique = list(dict.fromkeys(ids))
    return [unique[i : i + size] for i in range(0, len(unique), size)]


def entry_batches(
    entries: Sequence[T], key: Callable[[T], str | None], size: int = MAX_IDS_PER_REQUEST
) -> list[list[T]]:
    """Split entries (order kept, none dropped) so that no batch names more than `size` unique ids.

    Entries without an id (e.g. addressed by device token) count as one id each.
    """
    batches: list[list[T]] = []
    current: list[T] = []
    seen: set[str] = set()
    anonymous = 0
    for entry in entries:
        ident = key(entry)
        is_new = ident is None or ident not in seen
        if is_new and len(seen) + anonymous >= size:
            batches.append(current)
            current, seen, anonymous = [], set(), 0
        current.append(entry)
        if ident is None:
            anonymous += 1
        else:
            seen.add(ident)
    if current:
        batches.append(current)
    return batches
