"""`contacts.yaml`: each user's email address, MSISDN and WhatsApp numbers, as Netmera should hold
them; `null` removes one."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from ...engine.addresses import email_problem, msisdn_problem
from ...engine.desired import DesiredState, duplicates
from ...engine.family import Reading, Section
from ...engine.plan import OPTED_IN
from ..consent.desired import NAME as CONSENT
from ..consent.desired import ConsentSection
from .planner import FIELDS, Contact

NAME = "contacts"
FILE = "contacts.yaml"


@dataclass(frozen=True)
class ContactsSection(Section):
    contacts: Mapping[str, Contact]
    source: str

    def managed(self) -> Iterator[tuple[str, Collection[str]]]:
        yield self.source, self.contacts.keys()


def parse(reading: Reading) -> ContactsSection | None:
    name, doc = reading.documents[FILE]
    found: list[str] = []
    contacts: dict[str, Contact] = {}
    for ext_id, entry in (doc.get("users") or {}).items():
        where = f"{name}: users.{ext_id}"
        email, msisdn = entry.get("email"), entry.get("msisdn")
        if email is not None and (problem := email_problem(email)):
            found.append(f"{where}.email: {problem}")
        if msisdn == "" and not entry.get("reset_sms_permission"):
            found.append(
                f"{where}.msisdn: an empty MSISDN clears the number and resets the user's SMS permission "
                "in Netmera; set `reset_sms_permission: true` beside it if that is intended, or "
                "`msisdn: null` to remove the number and keep the permission (value: '')"
            )
        numbers, problems = _whatsapp(entry.get("whatsapp"), name, f"users.{ext_id}.whatsapp")
        found += problems
        removes = frozenset(f for f in FIELDS if f in entry and entry[f] is None)
        contacts[ext_id] = Contact(email=email, msisdn=msisdn, whatsapp=numbers, removes=removes)
    reading.problems.extend(found)
    return None if found else ContactsSection(contacts, name)


def _whatsapp(value: object, name: str, path: str) -> tuple[tuple[str, ...] | None, list[str]]:
    """A user's WhatsApp numbers (`path` in file `name`): one number or a list of them, each with a
    country code."""
    if value is None:
        return None, []
    numbers = (
        [str(value)] if isinstance(value, str) else [str(n) for n in value] if isinstance(value, list) else []
    )
    if not numbers:
        message = "an empty list sets no number; `whatsapp: null` removes the user's numbers (value: [])"
        return None, [f"{name}: {path}: {message}"]
    problems = [f"{name}: {path}[{i}]: {p}" for i, n in enumerate(numbers) if (p := msisdn_problem(n))]
    problems += duplicates(numbers, name, path)
    return tuple(numbers), problems


def cleared_numbers_opted_in(state: DesiredState) -> list[str]:
    """Clearing a number resets SMS permission, so the same user cannot also be opted in to SMS."""
    contacts, consent = state.named(NAME, ContactsSection), state.named(CONSENT, ConsentSection)
    if contacts is None or consent is None:
        return []
    cleared = {u for u, c in contacts.contacts.items() if c.msisdn == ""}
    return [
        f"{contacts.source}: users.{u}.msisdn: cleared, which resets SMS permission, but {spec.source} "
        f"opts the user in (value: {u!r})"
        for spec in consent.lists
        if spec.channel == "sms" and spec.addressing == "extId"
        for u in sorted(cleared)
        if spec.consents.get(u) == OPTED_IN
    ]
