"""Contact addresses in `netmera-iac plan`: whose email address or MSISDN is updated."""

from __future__ import annotations

from ...engine import codec
from ...engine.preview import Change, ResourceChange, Step, unmanaged


def _contacts(s: Step) -> ResourceChange:
    old, new = codec.json_map_in(s.old, "contacts"), codec.json_map_in(s.new, "contacts")
    emails, numbers = [], []
    for user, want in sorted(new.items()):
        have = old.get(user) or {}
        if "email" in want and want["email"] != have.get("email"):
            emails.append(user)
        if "msisdn" in want and want["msisdn"] != have.get("msisdn"):
            numbers.append(user)
    change = ResourceChange("contact addresses", s.op)
    change.changes = [c for c in (Change("update email", emails), Change("update MSISDN", numbers)) if c.ids]
    cleared = [u for u in numbers if new[u].get("msisdn") == ""]
    if cleared:
        change.note = f"clearing the MSISDN of {len(cleared)} user(s) resets their SMS permission"
    return change


def summarise(steps: list[Step]) -> list[ResourceChange]:
    return [unmanaged(s) if s.op == "delete" else _contacts(s) for s in steps]
