"""The change a kill or a failure cut short, handed back to its resource by the program.

The program finds the ids (or, for consent, the ledger lines) of such a change in the stack's journal
(engine/journal.py) and passes them as the `interrupted` collection. A resource takes them in once:
once applied, its outputs keep the same value, so the next check sees the same digest and skips it.
"""

from __future__ import annotations

from typing import Any

from ..engine import codec

INTERRUPTED = "interrupted"


def interrupted_input(encoded: str | None) -> dict[str, str]:
    return codec.collection(INTERRUPTED, encoded, "ids") if encoded else {}


def interrupted_is_new(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """From the headers alone: whether `news` carries an interrupted change this resource has not
    taken in yet."""
    new = codec.props_header(news, INTERRUPTED)
    if new is None or new.count == 0:
        return False
    old = codec.props_header(olds, INTERRUPTED)
    return old is None or old.digest != new.digest


def interrupted_ids(olds: dict[str, Any], news: dict[str, Any]) -> frozenset[str]:
    """The ids of an interrupted change not taken in yet (an id set), else none."""
    return codec.ids_in(news, INTERRUPTED) if interrupted_is_new(olds, news) else frozenset()
