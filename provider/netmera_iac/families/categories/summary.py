"""Category preferences in `netmera-iac plan`: who is opted in and out of which category."""

from __future__ import annotations

from ...engine import codec
from ...engine.preview import ResourceChange, Step, adopted_before, drifted, flips, unmanaged


def _category(s: Step) -> ResourceChange:
    inputs = s.new or s.old
    target = f"{inputs.get('category')}" + (f"/{inputs['channel']}" if inputs.get("channel") else "")
    change = ResourceChange(f"category `{target}`", s.op)
    after = codec.str_map_in(s.new, "preferences")
    adopted = adopted_before(s, after)
    before = codec.str_map_in(s.old, "preferences") if adopted is None else adopted
    change.changes = flips(before, after)
    change.drifted = drifted(before, after) if s.op == "update" else []
    return change


def summarise(steps: list[Step]) -> list[ResourceChange]:
    return [unmanaged(s) if s.op == "delete" else _category(s) for s in steps]
