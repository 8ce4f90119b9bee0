"""A progress bar per resource while `netmera-iac plan` or `drift` waits for Pulumi's preview.

The preview's refresh reads one user per request (a refresh of 100,000 profiles takes minutes); each
provider reports its reads as an ephemeral status line (adapters/progress.py: `reading profiles of
23,000 / 100,000 users · …`), which reaches the preview's streamed JSON events. On a terminal those
lines become rich progress bars; elsewhere nothing is drawn.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

STATUS = re.compile(r"^(?P<verb>.+?) (?P<done>[\d,]+) / (?P<total>[\d,]+) users")


def status_counts(message: str) -> tuple[str, int, int] | None:
    """(verb, done, total) of a provider's status line, or None for any other message."""
    found = STATUS.match(message.strip())
    if found is None:
        return None
    return found["verb"], int(found["done"].replace(",", "")), int(found["total"].replace(",", ""))


@contextmanager
def read_progress(console: Console, title: str) -> Iterator[Callable[[dict[str, Any]], None]]:
    """A spinner for the preview, and a bar per resource that reports counts; yields the event hook."""
    columns = (SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn())  # fmt: skip
    with Progress(*columns, console=console, transient=True) as bars:
        bars.add_task(title, total=None)
        tasks: dict[str, Any] = {}

        def on_event(event: dict[str, Any]) -> None:
            diagnostic = event.get("diagnosticEvent") or {}
            counts = (
                status_counts(str(diagnostic.get("message") or "")) if diagnostic.get("ephemeral") else None
            )
            if counts is None:
                return
            verb, done, total = counts
            urn = str(diagnostic.get("urn") or "")
            name = urn.rsplit("::", 1)[-1] or "?"
            if urn not in tasks:
                tasks[urn] = bars.add_task(f"{name}: {verb}", total=total)
            bars.update(tasks[urn], completed=done, total=total, description=f"{name}: {verb}")
            bars.refresh()  # status lines come at most once a second per resource: draw each

        yield on_event
