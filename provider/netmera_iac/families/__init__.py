"""The resource families, in one registry: each is a package here owning its desired-state section,
its planner, its Pulumi resources and its lines in `netmera-iac plan` (engine/family.py). Everything
that spans families (the loader, the program, the summary, the recorded desired state, rollback)
iterates over `FAMILIES`; adding a family is its package and one line below.

Each family package keeps the Pulumi-free parts (`desired`, `planner`, `summary`) apart from its
Pulumi adapters (`resource`, `register`), which only the program and the provider host import.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..engine.desired import DesiredState, load
from ..engine.family import Family
from ..engine.sources import SOURCES_FILE, QuerySettings
from . import approvals, categories, consent, contacts, erasure, profiles, tags

FAMILIES: tuple[Family[Any], ...] = (
    tags.FAMILY,
    categories.FAMILY,
    profiles.FAMILY,
    consent.FAMILY,
    contacts.FAMILY,
    erasure.FAMILY,
    approvals.FAMILY,
)
# Every file a stack folder may hold, in the registry's order.
DESIRED_STATE_FILES: tuple[str, ...] = (
    *(f for family in FAMILIES for f in (*family.files, *family.companions)),
    SOURCES_FILE,  # the stack's query sources (engine/sources.py), recorded and restored with the rest
)
BY_TYPE: dict[str, Family[Any]] = {kind: family for family in FAMILIES for kind in family.types}


def load_desired_state(
    state_dir: Path, schema_dir: Path, shown_root: Path | None = None, queries: QuerySettings | None = None
) -> DesiredState:
    """The desired state of a stack folder, every family's section validated (engine/desired.py)."""
    return load(state_dir, schema_dir, FAMILIES, shown_root, queries)
