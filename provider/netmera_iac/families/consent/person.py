"""The consent guard per person, judged by the program before any resource is registered.

Each list's provider guards its own ledger (ledger.py); this judges every list of a channel together
against the stack's consent record (engine/consent_record.py), where every list's applied and observed
lines are kept by person key, and the links tie external ids to the addresses and numbers the stack
knows they hold: contacts.yaml, and what reads returned. It finds:
- opt-ins of a person whose newest line, under any key, is an opt-out with no later evidence;
- one person opted in by one list and out by another (whichever Netmera heard last would win);
- entries whose own list recorded them as desired, but whose person another list changed since: their
  list sends them again (otherwise the list's ledger would keep claiming what Netmera no longer has);
- opted-in addresses and numbers whose holder the stack does not know (stated for the plan and the
  policy pack).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from ...engine import OPTED_IN, OPTED_OUT, codec
from ...engine.consent_record import (
    CHANNEL_HANDLES,
    ConsentRecord,
    Desired,
    Line,
    Links,
    Wanted,
    conflicts,
    handle_key,
    newest,
    person_guard,
    person_key,
    person_of,
    state_of,
    unknown_holder,
)
from .desired import TYPES, ConsentListSpec, ConsentSection
from .ledger import LedgerLine, ledger_in

SHOWN = 20


@dataclass
class Judgement:
    problems: list[str] = field(default_factory=list)
    # list name -> id -> the ledger line (wire) its person's newer line gives it: sent again
    resend: dict[str, dict[str, str]] = field(default_factory=dict)
    unknown_holders: dict[str, list[str]] = field(default_factory=dict)  # list name -> opted-in handles


def handle_links(ext_id: str, kind: str, value: object) -> Iterator[tuple[str, str]]:
    """(external id key, handle key) for a user's `kind` handle: one, a list of them, or none."""
    for handle in [value] if isinstance(value, str) else value if isinstance(value, list | tuple) else []:
        if handle:
            yield f"id:{ext_id}", handle_key(kind, str(handle))


def contact_links(users: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every address and number contacts.yaml's `users` give a user: per user, field -> value(s),
    as the file says it (a `Contact` in its wire form)."""
    for ext_id, fields in users.items():
        for kind in CHANNEL_HANDLES.values():
            yield from handle_links(ext_id, kind, (fields or {}).get(kind))


def read_links(users: Iterable[Any]) -> Iterator[tuple[str, str]]:
    """Links from getSegmentUsers answers (external id, email, MSISDN)."""
    for user in users:
        if user.external_id:
            yield from handle_links(user.external_id, "email", user.email)
            yield from handle_links(user.external_id, "msisdn", user.msisdn)


def judge(spec: ConsentSection, record: Mapping[str, Mapping[str, Line]], links: Links) -> Judgement:
    """`record`: the lines per channel; without `links`, its opted-out lines are enough (a person of
    one key is blocked by that key's own opt-out alone, and nothing else here reads a line). Nothing
    here sends or writes."""
    verdict = Judgement()
    for channel in TYPES:
        lists = [c for c in spec.lists if c.channel == channel]
        if not lists:
            continue
        lines = record.get(channel, {})
        if len(lists) > 1 or links:  # one list without links cannot name a person twice
            verdict.problems += conflicts(_desired(lists), links)
        blocked = person_guard(_may_be_blocked(lists, lines, links), lines, links)
        if blocked:
            shown = "\n  ".join(b.describe() for b in blocked[:SHOWN])
            more = f"\n  … and {len(blocked) - SHOWN} more" if len(blocked) > SHOWN else ""
            verdict.problems.append(
                f"consent guard ({channel}): {len(blocked)} opt-in(s) of people who opted out, by any "
                f"of their addresses:\n  {shown}{more}\nOpt them in only with evidence later than the "
                "opt-out (`evidence: {<id as listed>: {source: …, at: …}}` in the list that opts "
                "them in, or its table's evidence_source and evidence_at), or leave them opted out."
            )
        for c in lists:
            resend = _stale(c, lines, links)
            if resend:
                verdict.resend[c.name] = resend
            if c.addressing != "extId":
                unknown = sorted(
                    h
                    for h, p in c.consents.items()
                    if p == OPTED_IN and unknown_holder(person_key(c.addressing, h), links)
                )
                if unknown:
                    verdict.unknown_holders[c.name] = unknown
    return verdict


def _desired(lists: list[ConsentListSpec]) -> Iterator[Desired]:
    for c in lists:
        for shown, state in c.consents.items():
            yield Desired(c.source, shown, person_key(c.addressing, shown), state)


def wanted(lists: list[ConsentListSpec]) -> Iterator[Wanted]:
    for c in lists:
        for shown, state in c.consents.items():
            if state == OPTED_IN:
                proof = c.evidence.get(shown)
                yield Wanted(
                    c.source,
                    shown,
                    person_key(c.addressing, shown),
                    proof.at if proof else None,
                    proof.source if proof else None,
                )


def _may_be_blocked(
    lists: list[ConsentListSpec], lines: Mapping[str, Line], links: Links
) -> Iterator[Wanted]:
    """The opt-ins the person guard must look at: those of people with more than one key, or whose
    own line says opted out. A million opt-ins of people already opted in cost a lookup each; by
    external id and without links, a set lookup among the ids of the opted-out lines."""
    for c in lists:
        if not links and c.addressing == "extId":
            outs = {k[3:] for k in lines if k.startswith("id:") and state_of(lines, k) == OPTED_OUT}
            found = (s for s, state in c.consents.items() if state == OPTED_IN and s in outs) if outs else ()
            pairs: Iterable[tuple[str, str]] = ((s, f"id:{s}") for s in found)
        else:
            keyed = ((s, person_key(c.addressing, s)) for s, state in c.consents.items() if state == OPTED_IN)
            pairs = ((s, k) for s, k in keyed if k in links or state_of(lines, k) == OPTED_OUT)
        for shown, key in pairs:
            proof = c.evidence.get(shown)
            evidence = (proof.at, proof.source) if proof else (None, None)
            yield Wanted(c.source, shown, key, *evidence)


def _stale(c: ConsentListSpec, lines: Mapping[str, Line], links: Links) -> dict[str, str]:
    """Ids whose own line a newer line of their person, under another key, contradicts: their list
    takes that state in, marked uncertain, so it sends them as desired (and guards them by it)."""
    stale = {}
    for shown in c.consents:
        key = person_key(c.addressing, shown)
        if key not in links:  # a person of one key has no other key's line to be contradicted by
            continue
        own = lines.get(key)
        found = newest(person_of(key, links), lines)
        if own is None or found is None or found[0] == key:
            continue
        other = found[1]
        if other.state != own.state and other.newer_than(own):
            stale[shown] = LedgerLine(other.state, other.at, "uncertain").to_wire()
    return dict(sorted(stale.items()))


def deployment_outputs(deployment: Mapping[str, Any]) -> Iterator[tuple[str, Any]]:
    """(resource type, outputs) of every resource of an exported deployment, each collection kept by
    reference to the inputs read from them."""
    for resource in deployment.get("resources") or []:
        outputs = codec.resolved(resource.get("outputs") or {}, resource.get("inputs") or {})
        yield str(resource.get("type", "")).rsplit(":", 1)[-1], outputs


def ledger_lines(resources: Iterable[tuple[str, Any]]) -> dict[str, dict[str, Line]]:
    """Per channel, the record lines of every consent list's ledger among `resources` (type,
    outputs): the seeding of a record from a state kept by an earlier version, and rollback's view
    of the current state."""
    channels = {kind: channel for channel, kind in TYPES.items()}
    found: dict[str, dict[str, Line]] = {}
    for kind, outputs in resources:
        if kind not in channels or not isinstance(outputs, dict) or "addressing" not in outputs:
            continue
        channel, name = channels[kind], str(outputs.get("name", ""))
        lines = found.setdefault(channel, {})
        for shown, entry in ledger_in(outputs).items():  # whichever form the outputs hold it in
            key = person_key(str(outputs["addressing"]), shown)
            line = Line(entry.state, entry.how, entry.at, name)
            if key not in lines or line.newer_than(lines[key]):
                lines[key] = line
    return found


def seed(record: ConsentRecord, deployment: Mapping[str, Any]) -> int:
    """Take the ledgers of `deployment` into `record` (newer lines win) and mark it seeded; the
    number of lines taken."""
    seeded = ledger_lines(deployment_outputs(deployment))
    for channel, lines in seeded.items():
        record.merge(channel, lines)
    count = sum(len(lines) for lines in seeded.values())
    record.mark_seeded({"lines": count, "from": "the stack's state"})
    return count
