"""How the program registers the consent section: one resource per list, after the contacts (opting
an address in needs the address to be on the user already)."""

from __future__ import annotations

from ...resources.registration import Registration
from .desired import ConsentSpec
from .resource import EmailConsent, PushConsent, SmsConsent, WhatsAppConsent

RESOURCES = {"push": PushConsent, "email": EmailConsent, "sms": SmsConsent, "whatsapp": WhatsAppConsent}


def register(spec: ConsentSpec, reg: Registration) -> None:
    """A list's interrupted change comes as the ledger lines it may have changed (resource.py)."""
    after = reg.after("contacts")
    for c in spec.lists:
        reg.refused(c.source, len(c.consents), "ids")
        RESOURCES[c.channel](
            c.name,
            c.addressing,
            dict(c.consents),
            dict(c.evidence),
            reg.entry_guard(c.allow_mass_change, allow_empty=True),
            after,
            c.adopt,
            interrupted=reg.recovery.prop(c.type, c.name, "ledger"),
        )
        reg.manage(c.type, c.name, len(c.consents), keepsLedger=True)
