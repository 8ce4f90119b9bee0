"""How the program registers the consent section: the lists judged together per person first
(person.py), then one resource per list, after the contacts (opting an address in needs the address
to be on the user already)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pulumi

from ...adapters.own_state import exported_deployment
from ...adapters.registration import Registration
from ...engine import OPTED_OUT, Preference
from ...engine.consent_record import Line, linked
from ...reads import SEEN_USERS
from ..contacts.desired import NAME as CONTACTS
from ..contacts.desired import ContactsSection
from .desired import TYPES, ConsentSection
from .person import Judgement, contact_links, judge, read_links, seed
from .resource import EmailConsent, PushConsent, SmsConsent, WhatsAppConsent

# Each channel's resource, by the type name the one table gives it (desired.py TYPES).
RESOURCES = {
    channel: next(r for r in (PushConsent, EmailConsent, SmsConsent, WhatsAppConsent) if r.__name__ == kind)
    for channel, kind in TYPES.items()
}


def judged(spec: ConsentSection, reg: Registration) -> Judgement:
    """The person-level judgement (person.py) against the stack's consent record. A record an earlier
    version never kept is first seeded from the ledgers in the stack's state (once; nothing is sent).
    Links learnt in this run (contacts.yaml, reads) are used now, and kept by an update."""
    record = reg.consent
    if record is None:
        return Judgement()
    if not record.seeded:
        count = seed(record, exported_deployment(pulumi.get_stack(), Path.cwd()))
        if count:
            pulumi.log.info(f"the consent record of this stack took in {count} ledger line(s) of its state")
    contacts = reg.desired.named(CONTACTS, ContactsSection) if reg.desired else None
    users = {ext_id: c.to_wire() for ext_id, c in contacts.contacts.items()} if contacts else {}
    pairs = [*contact_links(users), *read_links(SEEN_USERS)]
    # An update keeps what it learnt; a preview only uses it.
    links = record.link(pairs) if not pulumi.runtime.is_dry_run() else linked(record.links(), pairs)
    channels = {c.channel for c in spec.lists}
    # Without links a person is one key, judged by its own opt-out: the record's other lines (most of
    # a million) are never read.
    state: Preference | None = None if links else OPTED_OUT
    lines: dict[str, Mapping[str, Line]] = {c: record.lines(c, state) for c in TYPES if c in channels}
    return judge(spec, lines, links)


def register(spec: ConsentSection, reg: Registration) -> None:
    """A list's interrupted change comes as the ledger lines it may have changed (resource.py)."""
    verdict = judged(spec, reg)
    if verdict.problems:  # the preview fails with these; the lists' own guards would only repeat them
        reg.problems.extend(verdict.problems)
        return
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
            resend=verdict.resend.get(c.name, {}),
            unknown_holders=verdict.unknown_holders.get(c.name, []),
            existence=reg.existence(c.check_existence) if c.addressing == "extId" else {},
        )
        reg.manage(c.type, c.name, len(c.consents), keepsLedger=True)
