"""Category preferences in `netmera-iac plan`: who is opted in and out of which category."""

from __future__ import annotations

from ...engine import codec
from ...engine.preview import ResourceChange, Step, adopted_before, flips, unmanaged


def _category(s: Step) -> ResourceChange:
    inputs = s.new or s.old
    target = f"{inputs.get('category')}" + (f"/{inputs['channel']}" if inputs.get("channel") else "")
    change = ResourceChange(f"category `{target}`", s.op)
    after = codec.str_map_in(s.new, "preferences")
    before = adopted_before(s, after)
    change.changes = flips(codec.str_map_in(s.old, "preferences") if before is None else before, after)
    return change


def summarise(steps: list[Step]) -> list[ResourceChange]:
    return [unmanaged(s) if s.op == "delete" else _category(s) for s in steps]
