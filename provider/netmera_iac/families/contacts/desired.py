"""`contacts.yaml`: each user's email address and MSISDN, as Netmera should hold them."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

from ...engine.addresses import email_problem
from ...engine.desired import DesiredState
from ...engine.family import Reading, Section
from ...engine.plan import OPTED_IN
from ..consent.desired import NAME as CONSENT
from ..consent.desired import ConsentSpec
from .planner import Contact

NAME = "contacts"
FILE = "contacts.yaml"


@dataclass(frozen=True)
class ContactsSpec(Section):
    contacts: Mapping[str, Contact]
    source: str

    def managed(self) -> Iterator[tuple[str, Collection[str]]]:
        yield self.source, self.contacts.keys()


def parse(reading: Reading) -> ContactsSpec | None:
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
                "in Netmera; set `reset_sms_permission: true` beside it if that is intended (value: '')"
            )
        contacts[ext_id] = Contact(email=email, msisdn=msisdn)
    reading.problems.extend(found)
    return None if found else ContactsSpec(contacts, name)


def cleared_numbers_opted_in(state: DesiredState) -> list[str]:
    """Clearing a number resets SMS permission, so the same user cannot also be opted in to SMS."""
    contacts, consent = state.named(NAME, ContactsSpec), state.named(CONSENT, ConsentSpec)
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
