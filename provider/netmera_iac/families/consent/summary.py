"""Consent lists in `netmera-iac plan`: who is opted in and out, per channel and addressing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ...engine import codec
from ...engine.preview import ResourceChange, Step, adopted_before, drifted, flips, unmanaged
from .ledger import ledger_in


def _ledger_states(props: Mapping[str, Any]) -> dict[str, str]:
    return {k: record.state for k, record in ledger_in(props).items()}


def _observed_at(props: Mapping[str, Any]) -> dict[str, str]:
    """When the stack saw each live state it read back (a refresh's `observed` lines)."""
    ledger = ledger_in(props)
    return {k: record.at for k, record in ledger.items() if record.how == "observed"}


def _consent(s: Step) -> ResourceChange:
    inputs = s.new or s.old
    channel = s.type.removesuffix("Consent").lower()
    change = ResourceChange(f"{channel} permission `{s.name}` (by {inputs.get('addressing')})", s.op)
    adopted = adopted_before(s, codec.str_map_in(s.new, "consents"))
    if adopted is not None:  # read at check: only what differs from the live state is sent
        change.changes = flips(adopted, codec.str_map_in(s.new, "consents"))
    else:
        live, desired = _ledger_states(s.old), codec.str_map_in(s.new, "consents")
        change.changes = flips(live, _ledger_states(s.new))
        change.drifted = drifted(live, desired, _observed_at(s.old)) if s.op == "update" else []
    facts = s.new.get("optIns") or {}
    unheld = int(facts.get("unknownHolder") or 0) if isinstance(facts, Mapping) else 0
    if unheld:  # the stack cannot tell whose opt-out these would override (person.py)
        ids = ", ".join(f"`{i}`" for i in facts.get("unknownHolderIds") or [])
        change.note = (
            f"{unheld} opted-in address(es) or number(s) whose holder this stack does not know "
            f"(no contacts.yaml entry or read ties them to a user), without evidence: {ids}"
        )
    return change


def summarise(steps: list[Step]) -> list[ResourceChange]:
    return [unmanaged(s) if s.op == "delete" else _consent(s) for s in steps]
