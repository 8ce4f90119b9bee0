"""Contact addresses: per user and field (email, MSISDN, WhatsApp numbers), an update when the value
changed, a removal when the desired state says `null`; nothing for fields a user does not list.

updateEmail / updateMsisdn / updateWhatsApp set a value; removeEmail / removeMsisdn / removeWhatsApp
clear it (the permission state is kept). Every one of them is one request per user.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from ...client import NetmeraClient
from ...engine.plan import Operation, Plan, abbreviate

FIELDS: Final = ("email", "msisdn", "whatsapp")
UPDATE: Final = {"email": "updateEmail", "msisdn": "updateMsisdn", "whatsapp": "updateWhatsApp"}
REMOVE: Final = {"email": "removeEmail", "msisdn": "removeMsisdn", "whatsapp": "removeWhatsApp"}
Value = str | tuple[str, ...]  # an address or number; WhatsApp: the user's numbers


@dataclass(frozen=True)
class Contact:
    """What the desired state says of one user: a value per field it manages (None: not managed),
    and the fields it clears (`removes`)."""

    email: str | None = None
    msisdn: str | None = None
    whatsapp: tuple[str, ...] | None = None
    removes: frozenset[str] = frozenset()

    def value(self, name: str) -> Value | None:
        found: Value | None = getattr(self, name)
        return found

    def to_wire(self) -> dict[str, Any]:
        """JSON: a value per managed field, null for a removed one (engine/codec.py json maps)."""
        wire: dict[str, Any] = {name: None for name in FIELDS if name in self.removes}
        for name in FIELDS:
            value = self.value(name)
            if value is not None:
                wire[name] = list(value) if isinstance(value, tuple) else value
        return wire

    @classmethod
    def from_wire(cls, wire: Mapping[str, Any]) -> Contact:
        numbers = wire.get("whatsapp")
        return cls(
            email=wire.get("email"),
            msisdn=wire.get("msisdn"),
            whatsapp=tuple(numbers) if isinstance(numbers, list) else None,
            removes=frozenset(name for name in FIELDS if name in wire and wire[name] is None),
        )


@dataclass(frozen=True)
class ContactPlan:
    updates: Mapping[str, Mapping[str, Value]] = field(default_factory=dict)  # endpoint -> ext id -> value
    removals: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # endpoint -> ext ids

    @property
    def emails(self) -> Mapping[str, Value]:
        return self.updates.get("updateEmail", {})

    @property
    def msisdns(self) -> Mapping[str, Value]:
        return self.updates.get("updateMsisdn", {})

    @property
    def users(self) -> set[str]:
        return {u for values in self.updates.values() for u in values} | {
            u for ids in self.removals.values() for u in ids
        }

    @property
    def empty(self) -> bool:
        return not any(self.updates.values()) and not any(self.removals.values())

    @property
    def calls(self) -> int:
        return sum(map(len, self.updates.values())) + sum(map(len, self.removals.values()))

    def to_plan(self) -> Plan:
        """The engine's plan of these writes: the updates, then the removals, users in id order."""
        ops: list[Operation] = [
            UpdateContact(op, "contacts", tuple(sorted(values)), values=values)
            for op in UPDATE.values()
            if (values := self.updates.get(op))
        ]
        ops += [
            RemoveContact(op, "contacts", ids) for op in REMOVE.values() if (ids := self.removals.get(op))
        ]
        return Plan(tuple(ops))

    @property
    def users_changed(self) -> int:
        return len(self.users)

    def summary(self, limit: int = 10) -> str:
        if self.empty:
            return "no changes"
        parts = []
        for name, values in self.updates.items():
            items = sorted(values.items())
            shown = abbreviate(items, limit, show=lambda i: f"{i[0]}={_shown(i[1])}")
            parts.append(f"{name} {len(items)} user(s): {shown}")
        parts += [
            f"{name} {len(ids)} user(s): {abbreviate(ids, limit)}" for name, ids in self.removals.items()
        ]
        return "; ".join(parts) + f" ({self.calls} call(s))"


def _shown(value: Value) -> str:
    if isinstance(value, tuple):
        return "+".join(value)
    return value or "(empty: resets SMS permission)"


def plan_contacts(desired: Mapping[str, Contact], applied: Mapping[str, Contact]) -> ContactPlan:
    """For each listed user and field: update a value that differs from the last applied one (or was
    removed), remove a value the desired state clears unless it was removed already."""
    updates: dict[str, dict[str, Value]] = {}
    removals: dict[str, list[str]] = {}
    for ext_id, want in sorted(desired.items()):
        have = applied.get(ext_id, Contact())
        for name in FIELDS:
            if name in want.removes:
                if name not in have.removes:
                    removals.setdefault(REMOVE[name], []).append(ext_id)
                continue
            value = want.value(name)
            if value is not None and (value != have.value(name) or name in have.removes):
                updates.setdefault(UPDATE[name], {})[ext_id] = value
    return ContactPlan(updates, {name: tuple(ids) for name, ids in removals.items()})


@dataclass(frozen=True)
class UpdateContact(Operation):
    """updateEmail / updateMsisdn / updateWhatsApp: one request per user, with its value."""

    values: Mapping[str, Value] = field(default_factory=dict)

    @property
    def calls(self) -> int:
        return len(self.ids)

    def send(self, client: NetmeraClient) -> int:
        if self.name == "updateWhatsApp":
            return client.update_whats_app_many({u: list(self.values[u]) for u in self.ids}).requests
        singles = {u: str(self.values[u]) for u in self.ids}
        many = client.update_email_many if self.name == "updateEmail" else client.update_msisdn_many
        return many(singles).requests


@dataclass(frozen=True)
class RemoveContact(Operation):
    """removeEmail / removeMsisdn / removeWhatsApp: one request per user."""

    @property
    def calls(self) -> int:
        return len(self.ids)

    def send(self, client: NetmeraClient) -> int:
        return client.remove_many(self.name, self.ids).requests
