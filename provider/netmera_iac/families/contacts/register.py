"""How the program registers the contacts section: one resource for every listed user."""

from __future__ import annotations

from ...adapters.registration import Registration
from .desired import NAME, ContactsSection
from .resource import ContactInfo


def register(spec: ContactsSection, reg: Registration) -> None:
    interrupted = reg.recovery.ids("ContactInfo", "contacts")
    reg.added(NAME, ContactInfo("contacts", dict(spec.contacts), interrupted=interrupted))
    reg.manage("ContactInfo", "contacts", len(spec.contacts))
