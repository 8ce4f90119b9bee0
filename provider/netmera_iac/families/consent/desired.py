"""`consent.yaml`: push, email, SMS and WhatsApp permission per user, device, address or number,
with evidence."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from ...engine.addresses import email_problem, msisdn_problem
from ...engine.consent_record import parse_time
from ...engine.desired import opted_in_out
from ...engine.family import Reading, Section
from ...engine.guards import Claim
from ...engine.plan import OPTED_IN, OPTED_OUT, Preference
from .ledger import Addressing, Channel, Evidence

NAME = "consent"
FILE = "consent.yaml"
# The Pulumi resource type of each channel's lists.
TYPES: dict[Channel, str] = {
    "push": "PushConsent",
    "email": "EmailConsent",
    "sms": "SmsConsent",
    "whatsapp": "WhatsAppConsent",
}


@dataclass(frozen=True)
class ConsentListSpec:
    """One consent list of `consent.yaml`, e.g. `email.addresses`."""

    channel: Channel
    addressing: Addressing
    consents: Mapping[str, Preference]
    evidence: Mapping[str, Evidence]
    source: str
    allow_mass_change: bool = False
    adopt: bool = False
    check_existence: bool = False

    @property
    def name(self) -> str:
        return consent_list_name(self.channel, self.addressing)

    @property
    def type(self) -> str:
        return TYPES[self.channel]


# (channel, addressing) <-> the list's key in consent.yaml
LIST_NAMES: dict[tuple[Channel, Addressing], str] = {
    ("push", "extId"): "users",
    ("push", "deviceToken"): "devices",
    ("email", "extId"): "users",
    ("email", "emailList"): "addresses",
    ("sms", "extId"): "users",
    ("sms", "msisdnList"): "numbers",
    ("whatsapp", "extId"): "users",
    ("whatsapp", "wpNumbers"): "numbers",
}


def consent_list_name(channel: Channel, addressing: Addressing) -> str:
    """The resource name of a consent list, e.g. `email-addresses` for `email.addresses`."""
    return f"{channel}-{LIST_NAMES[channel, addressing]}"


@dataclass(frozen=True)
class ConsentSection(Section):
    lists: tuple[ConsentListSpec, ...] = ()

    def claims(self) -> Iterator[Claim]:
        for c in self.lists:
            yield Claim(c.source, "consent", c.name, "authoritative", c.consents.keys())


def _evidence(path: str, source: str, at: str, found: list[str]) -> Evidence | None:
    """Evidence as the consent guard compares it: a time with a zone, not in the future."""
    try:
        given = parse_time(at)
    except ValueError as exc:
        found.append(f"{path}.at: not an RFC 3339 time with a zone: {exc} (value: {at!r})")
        return None
    if given > datetime.now(UTC):
        found.append(f"{path}.at: consent cannot be given in the future (value: {at!r})")
        return None
    return Evidence(source, at)


def parse(reading: Reading) -> ConsentSection:
    """The lists of `consent.yaml`, with addresses, numbers and evidence times checked."""
    name, doc = reading.documents[FILE]
    problems, lists = reading.problems, reading.lists
    specs: list[ConsentListSpec] = []
    for (channel, addressing), key in LIST_NAMES.items():
        entry = (doc.get(channel) or {}).get(key)
        if entry is None:
            continue
        where = f"{channel}.{key}"
        resource = (TYPES[channel], consent_list_name(channel, addressing), "consents")
        consents, found, ins, outs = opted_in_out(entry, name, where, lists, resource, evidence=True)
        handle_problem = {
            "emailList": email_problem,
            "msisdnList": msisdn_problem,
            "wpNumbers": msisdn_problem,
        }.get(addressing)
        if handle_problem is not None:  # an address or number Netmera would refuse, with the whole request
            for field_name, ids in (("opted_in", ins), ("opted_out", outs)):
                field_name += "_file" if f"{field_name}_file" in entry else ""
                found += [
                    f"{name}: {where}.{field_name}[{i}]: {problem}"
                    for i, handle in enumerate(ids)
                    if (problem := handle_problem(handle))
                ]
        evidence: dict[str, Evidence] = {}
        for ext_id, proof in (entry.get("evidence") or {}).items():
            path = f"{name}: {where}.evidence.{ext_id}"
            if consents.get(ext_id) != OPTED_IN:
                found.append(f"{path}: evidence for an id that is not opted_in (value: {ext_id!r})")
                continue
            if (checked := _evidence(path, proof["source"], proof["at"], found)) is not None:
                evidence[ext_id] = checked
        # Evidence columns of an opted_in table or query (engine/tables.py: evidence_source, evidence_at).
        for ext_id, (given_source, at) in lists.evidence.get((name, where, OPTED_IN), {}).items():
            path = f"{name}: {where}.opted_in: {ext_id!r}: evidence"
            if ext_id in evidence:
                found.append(f"{path}: given both under `evidence` and in the table's columns; keep one")
            elif (checked := _evidence(path, given_source, at, found)) is not None:
                evidence[ext_id] = checked
        if lists.evidence.get((name, where, OPTED_OUT)):
            found.append(f"{name}: {where}.opted_out: evidence columns are for opted_in lists only")
        if entry.get("check_existence") and addressing != "extId":
            found.append(
                f"{name}: {where}.check_existence: Netmera can say which external ids it knows, not "
                f"which addresses or numbers; use it on {channel}.users (value: true)"
            )
        problems.extend(found)
        if found:
            continue
        specs.append(
            ConsentListSpec(
                channel=channel,
                addressing=addressing,
                consents=consents,
                evidence=evidence,
                source=f"{name}: {where}",
                allow_mass_change=entry.get("allow_mass_change", False),
                adopt=entry.get("adopt", False),
                check_existence=entry.get("check_existence", False),
            )
        )
    return ConsentSection(tuple(specs))
