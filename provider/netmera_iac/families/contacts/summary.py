"""Contact addresses in `netmera-iac plan`: whose email, MSISDN or WhatsApp numbers are set or removed."""

from __future__ import annotations

from ...engine import codec
from ...engine.preview import Change, ResourceChange, Step, unmanaged

# field -> how a reviewer reads its update and its removal
VERBS = {
    "email": ("update email", "remove email"),
    "msisdn": ("update MSISDN", "remove MSISDN"),
    "whatsapp": ("update WhatsApp", "remove WhatsApp"),
}


def _contacts(s: Step) -> ResourceChange:
    old, new = codec.json_map_in(s.old, "contacts"), codec.json_map_in(s.new, "contacts")
    changes: dict[str, list[str]] = {verb: [] for pair in VERBS.values() for verb in pair}
    for user, want in sorted(new.items()):
        have = old.get(user) or {}
        for field, (update, remove) in VERBS.items():
            if field not in want:
                continue
            if want[field] is None:
                if field not in have or have[field] is not None:
                    changes[remove].append(user)
            elif want[field] != have.get(field):
                changes[update].append(user)
    change = ResourceChange("contact addresses", s.op)
    change.changes = [Change(verb, ids) for verb, ids in changes.items() if ids]
    cleared = [u for u in changes["update MSISDN"] if new[u].get("msisdn") == ""]
    if cleared:
        change.note = f"clearing the MSISDN of {len(cleared)} user(s) resets their SMS permission"
    return change


def summarise(steps: list[Step]) -> list[ResourceChange]:
    return [unmanaged(s) if s.op == "delete" else _contacts(s) for s in steps]
