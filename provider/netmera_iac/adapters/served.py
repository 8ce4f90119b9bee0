"""Which resource a provider call serves, and the stack records kept for it.

Pulumi's dynamic providers are not told the resource they serve; our provider host (host.py) is, and
leaves the URN `urn:pulumi:<stack>::<project>::<type>::<name>` where `served()` reads it. From the
stack and project it opens the stack's journal and consent record, in the backend the CLI uses for
the stack (backends/), so the program and every provider of a stack share them.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from ..backends import StackJournal
from ..backends import stack_journal as journal_of
from ..engine.consent_record import ConsentRecord
from ..engine.journal import Journal, current_backend
from .process import current_urn, journal_setting


def pulumi_home() -> Path:
    return Path(os.environ.get("PULUMI_HOME") or Path.home() / ".pulumi")


def netmera_home() -> Path:
    return Path(os.environ.get("NETMERA_IAC_HOME") or Path.home() / ".netmera-iac")


def stack_journal(project: str, stack: str, setting: str | None) -> StackJournal:
    """The write-ahead journal of a stack (engine/journal.py), in the backend the CLI uses for it
    (backends/); the program and every provider open the same one. `setting`: `netmera-iac:journal`."""
    return _opened(current_backend(os.environ, pulumi_home()), setting, netmera_home(), project, stack)


# Opened once per process and place: every change a provider sends is journaled, and opening a bucket
# builds a credential chain (boto3 may read profiles or ask a role) that need not be built again.
_opened = functools.lru_cache(maxsize=8)(journal_of)


@dataclass(frozen=True)
class Served:
    """The resource a provider call serves, and its stack's records."""

    journal: Journal
    type: str
    name: str
    consent: ConsentRecord


def served() -> Served | None:
    """None outside our provider host (host.py), which alone is told the URN."""
    urn = current_urn()
    if not urn or not urn.startswith("urn:pulumi:"):
        return None
    parts = urn.removeprefix("urn:pulumi:").split("::")
    if len(parts) < 4:
        return None
    stack, project, urn_type, name = parts[0], parts[1], parts[2], "::".join(parts[3:])
    opened = stack_journal(project, stack, journal_setting())
    return Served(opened.journal, urn_type.rsplit(":", 1)[-1], name, opened.consent)
