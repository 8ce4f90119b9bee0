"""Consent (push, email, SMS permission): plans, the ledger, the consent guard.

The costliest mistake here is to opt somebody back in. A revert or a rollback to an older desired
state would do exactly that for users who opted out since, so every consent resource keeps a
*ledger*: per user (or address, number, device) the last state the stack applied or read back and
when. The consent guard refuses to plan an opt-in for anyone whose ledger says opted out unless the
desired state carries evidence (a consent source and a time later than that opt-out). Plain Python,
no Pulumi: the dynamic providers in `resource.py` beside it are thin adapters over this.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, Literal

from ...client import NetmeraClient, WriteResult
from ...engine import codec
from ...engine.consent_record import later
from ...engine.errors import GuardViolation
from ...engine.plan import OPTED_IN, OPTED_OUT, Operation, Plan, Preference, abbreviate
from ...models import MAX_IDS_PER_REQUEST

Channel = Literal["push", "email", "sms", "whatsapp"]
# How a consent list addresses people: external ids, or the channel's own handle.
Addressing = Literal["extId", "deviceToken", "emailList", "msisdnList", "wpNumbers"]

# The Netmera endpoints that set each channel's permission, (enable, disable).
PERMISSION_ENDPOINTS: Final[dict[Channel, tuple[str, str]]] = {
    "push": ("enablePush", "disablePush"),
    "email": ("enableMail", "disableMail"),
    "sms": ("enableSms", "disableSms"),
    "whatsapp": ("enableWhatsApp", "disableWhatsApp"),
}
# Opting an address or number in first adds it, so one new to the app becomes a (device-less) user
# that the opt-in reaches: otherwise Netmera answers 200, changes nobody, and the ledger would claim
# an opt-in Netmera does not have. Known addresses are left as they are (netmera-api.md §4).
ADD_FIRST: Final[dict[tuple[Channel, Addressing], str]] = {
    ("email", "emailList"): "addEmail",
    ("sms", "msisdnList"): "addMsisdn",
}
# Push permission is set one user or device per request; email and SMS take lists of up to 1000.
ONE_PER_REQUEST: Final = frozenset({"enablePush", "disablePush"})
_WRITES: Final[dict[str, Callable[..., WriteResult]]] = {
    "enablePush": NetmeraClient.enable_push,
    "disablePush": NetmeraClient.disable_push,
    "enableMail": NetmeraClient.enable_mail,
    "disableMail": NetmeraClient.disable_mail,
    "enableSms": NetmeraClient.enable_sms,
    "disableSms": NetmeraClient.disable_sms,
    "enableWhatsApp": NetmeraClient.enable_whats_app,
    "disableWhatsApp": NetmeraClient.disable_whats_app,
}


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Evidence:
    """Why a user may be opted in again: where the consent came from and when it was given."""

    source: str
    at: str  # RFC 3339


How = Literal["applied", "observed", "planned", "uncertain"]
HOWS: Final[tuple[How, ...]] = ("applied", "observed", "planned", "uncertain")


@dataclass(frozen=True)
class LedgerLine:
    """A ledger line: the state the stack last applied or observed for one id, and when.

    A `planned` line was written by a plan whose apply time is not known where the line is read (the
    provider's `check` sees only inputs, and must return the same inputs at preview and at `up --plan`,
    so it cannot stamp the clock); a refresh replaces it with the applied line and its time.

    An `uncertain` line is an id a failed or interrupted apply may have changed: every plan sends it
    again while it is listed. For the consent guard it counts as opted out if it was, or if an
    opt-out was being sent (an opt-in after it needs evidence, like after any opt-out).
    """

    state: Preference
    at: str  # RFC 3339, when the stack applied or observed it ("" when planned)
    how: How = "applied"

    def to_wire(self) -> str:
        """One string per line (`opted_out applied 2026-11-29T05:16:28.599Z`): a ledger of 100,000 ids
        is then 100,000 properties for the engine to diff and store, not 300,000."""
        return f"{self.state} {self.how} {self.at}".rstrip()

    @classmethod
    def from_wire(cls, raw: Any) -> LedgerLine | None:
        parts = raw.split(" ") if isinstance(raw, str) else []
        if len(parts) not in (2, 3) or parts[0] not in (OPTED_IN, OPTED_OUT) or parts[1] not in HOWS:
            return None
        how: How = next(h for h in HOWS if h == parts[1])
        return cls(
            state=OPTED_IN if parts[0] == OPTED_IN else OPTED_OUT,
            at=parts[2] if len(parts) == 3 else "",
            how=how,
        )


Ledger = Mapping[str, LedgerLine]


def ledger_from_wire(raw: Any) -> dict[str, LedgerLine]:
    """A ledger as stored in a resource's inputs or outputs (unreadable lines are dropped)."""
    if not isinstance(raw, Mapping):
        return {}
    records = {str(k): LedgerLine.from_wire(v) for k, v in raw.items()}
    return {k: r for k, r in records.items() if r is not None}


@dataclass(frozen=True)
class Blocked:
    ext_id: str
    opted_out_at: str
    how: str
    evidence: Evidence | None

    def describe(self) -> str:
        if self.how == "planned":
            return (
                f"{self.ext_id} (opted out by an earlier update of this stack whose time is recorded in "
                "its outputs; run the preview with --refresh so evidence can be compared with it)"
            )
        where = "read back from Netmera" if self.how == "observed" else "applied by this stack"
        if self.evidence is None:
            why = "no evidence in the desired state"
        else:
            why = f"evidence from {self.evidence.source!r} at {self.evidence.at} is not later"
        return f"{self.ext_id} (opted out {self.opted_out_at}, {where}; {why})"


class ConsentBlocked(GuardViolation):
    """The consent guard fired: the message names every blocked id and how to unblock it."""

    def __init__(self, resource: str, blocked: list[Blocked], limit: int = 1000) -> None:
        self.blocked = blocked
        shown = "\n  ".join(b.describe() for b in blocked[:limit])
        more = f"\n  … and {len(blocked) - limit} more" if len(blocked) > limit else ""
        super().__init__(
            f"{resource}: consent guard: {len(blocked)} user(s) would be opted in again after opting out:"
            f"\n  {shown}{more}\n"
            "Opt them in only with evidence: add `evidence: {<id>: {source: <where consent was given>, "
            "at: <RFC 3339 time later than the opt-out>}}` to the list in the desired state (or, for a "
            "table or query, the columns evidence_source and evidence_at), or leave them opted out."
        )


def consent_guard(
    desired: Mapping[str, Preference], ledger: Ledger, evidence: Mapping[str, Evidence]
) -> list[Blocked]:
    """Every id desired opted in whose last known state is opted out without later evidence."""
    blocked = []
    for ext_id, want in sorted(desired.items()):
        record = ledger.get(ext_id)
        if want != OPTED_IN or record is None or record.state != OPTED_OUT:
            continue
        proof = evidence.get(ext_id)
        if proof is not None and record.how != "planned" and later(proof.at, record.at):
            continue
        blocked.append(Blocked(ext_id, record.at, record.how, proof))
    return blocked


@dataclass(frozen=True)
class ConsentOperation(Operation):
    """A permission write; `target` is the addressing (extId, deviceToken, emailList, msisdnList)."""

    @property
    def calls(self) -> int:
        if self.name in ONE_PER_REQUEST:
            return len(self.ids)
        return math.ceil(len(self.ids) / MAX_IDS_PER_REQUEST)

    def send(self, client: NetmeraClient) -> int:
        """By external id the ids go first; by device token, address or number, second."""
        write = _WRITES[self.name]
        by_id = self.target == "extId"
        return (write(client, self.ids) if by_id else write(client, (), self.ids)).requests

    def describe(self, limit: int = 10) -> str:
        shown = abbreviate(self.ids, limit)
        verb = "opt in" if self.enable else "opt out"
        return f"{verb} {len(self.ids)} [{self.name} by {self.target}]: {shown}"


@dataclass(frozen=True)
class AddContactsOperation(Operation):
    """addEmail / addMsisdn before an opt-in by address or number; not a permission (`enable` None):
    the ledger records only what the permission writes did."""

    def describe(self, limit: int = 10) -> str:
        return f"add {len(self.ids)} [{self.name}, new to the app only]: {abbreviate(self.ids, limit)}"

    def send(self, client: NetmeraClient) -> int:
        add = client.add_email if self.name == "addEmail" else client.add_msisdn
        return add(self.ids).requests


def plan_consent(
    channel: Channel, addressing: Addressing, desired: Mapping[str, Preference], ledger: Ledger
) -> Plan:
    """Set each listed id whose last known state differs from desired. Ids leaving the list keep theirs."""
    ins = [i for i, p in desired.items() if p == OPTED_IN and _state(ledger, i) != OPTED_IN]
    outs = [i for i, p in desired.items() if p == OPTED_OUT and _state(ledger, i) != OPTED_OUT]
    return _consent_plan(channel, addressing, ins, outs)


def _consent_plan(channel: Channel, addressing: Addressing, ins: list[str], outs: list[str]) -> Plan:
    enable_op, disable_op = PERMISSION_ENDPOINTS[channel]
    ops: list[Operation] = []
    if outs:  # opt-outs first: if the run stops half-way, nobody was opted in before others left
        ops.append(ConsentOperation(disable_op, addressing, tuple(sorted(outs)), enable=False))
    if ins and (channel, addressing) in ADD_FIRST:
        ops.append(AddContactsOperation(ADD_FIRST[channel, addressing], addressing, tuple(sorted(ins))))
    if ins:
        ops.append(ConsentOperation(enable_op, addressing, tuple(sorted(ins)), enable=True))
    return Plan(tuple(ops))


# A list's collections: the desired states, the ledger in the outputs, and in the inputs the ledger's
# lines its desired states do not imply (`ledger_delta`).
CONSENTS, LEDGER, LEDGER_DELTA = "consents", "ledger", "ledgerDelta"
# Outputs: the time most implied lines were applied at, and the implied lines applied at another.
APPLIED_AT, TIMES = "ledgerAppliedAt", "ledgerTimes"
# The lines a desired `opted_in` implies: nothing in them matters to a plan or the consent guard.
_IMPLIED: Final = (b"opted_in applied", b"opted_in planned")
_IMPLIED_LINE: Final = b"opted_in planned"
_ABSENT: Final = b"absent"


APPLIED_PREFIX: Final = _IMPLIED[0] + b" "


def applied_line(at: str | None) -> bytes:
    """The line an id desired opted in is implied to have: applied at `at` (outputs), or planned."""
    return APPLIED_PREFIX + at.encode() if at else _IMPLIED_LINE


def is_implied(wire: str) -> bool:
    """A line the desired state opted in implies (`ledger_delta` leaves it out of the delta)."""
    return wire.encode().startswith(_IMPLIED)


def ledger_delta(
    desired: str | None,
    ledger: Iterable[tuple[bytes, bytes]],
    at: str | None = None,
    times: dict[str, str] | None = None,
) -> str:
    """The lines of `ledger` (entries in line order) that the encoded `desired` map does not imply,
    encoded. The inputs carry the ledger in this form: `check` sees only inputs, so they must hold
    the ledger, but repeating a million opted-in lines beside a million opted-in desired states would
    make the state carry the list twice (the outputs hold it in this form too, with the times). What
    is left out is an opted-in line, applied or planned, of an id desired opted in: its time matters
    to nobody (the consent guard times opt-outs; an uncertain or observed line is kept), and
    `implied_entries` gives it back as a planned line. A desired id with no line at all (Netmera did
    not know it, or it was never applied) gets an `absent` line, so that none is implied for it: an
    id the delta does not name is then always one desired opted in, holding that state.

    With `times` (the outputs' form), an implied line that is not `applied_line(at)` is put there, so
    the delta, `at` and `times` give back every line with its time (`KnownLedger`)."""
    usual = applied_line(at)

    def kept() -> Iterator[tuple[bytes, bytes]]:
        wanted = codec.entries(desired)
        want = next(wanted, None)
        for key, wire in ledger:
            while want is not None and want[0] < key:
                yield want[0], _ABSENT
                want = next(wanted, None)
            if want is not None and want[0] == key:
                implied = want[1] == b"opted_in" and wire.startswith(_IMPLIED)
                want = next(wanted, None)
                if implied:
                    if times is not None and wire != usual:
                        times[key[:-1].decode()] = wire.decode()
                    continue
            yield key, wire
        while want is not None:
            yield want[0], _ABSENT
            want = next(wanted, None)

    return codec.encode_entries(kept())


def implied_entries(
    desired: str | None, delta: str | None, implied: bytes = _IMPLIED_LINE
) -> Iterator[tuple[bytes, bytes]]:
    """The ledger a `ledger_delta` was taken from, streamed in line order: the delta's lines, and the
    `implied` line (opted in, planned unless told) for every other id `desired` opts in (none for an
    `absent` one)."""
    lines = codec.entries(delta)
    line = next(lines, None)
    for key, want in codec.entries(desired):
        while line is not None and line[0] < key:
            if line[1] != _ABSENT:
                yield line
            line = next(lines, None)
        if line is not None and line[0] == key:
            if line[1] != _ABSENT:
                yield line
            line = next(lines, None)
        elif want == b"opted_in":
            yield key, implied
    while line is not None:
        if line[1] != _ABSENT:
            yield line
        line = next(lines, None)


def holds_whole_ledger(props: Mapping[str, Any]) -> bool:
    """Outputs and inputs of earlier versions hold the ledger whole (encoded, or as a map)."""
    return isinstance(props.get(codec.hidden(LEDGER)), str) or codec.is_legacy(props, LEDGER)


def encoded_map(props: Mapping[str, Any], name: str) -> str | None:
    """The encoded map `name`; one written before the compact format is encoded here, once."""
    value = props.get(codec.hidden(name))
    if isinstance(value, str):
        return value
    legacy = codec.str_map_in(props, name)
    return codec.encode_str_map(legacy) if legacy else None


def recorded_ledger(props: Mapping[str, Any], over: Mapping[str, LedgerLine] | None = None) -> KnownLedger:
    """The ledger a list's inputs or outputs record, in whichever form they hold it: whole (outputs,
    and the inputs of earlier versions; it then wins) or as a delta over their desired states (the
    inputs `check` writes), with `over` taken in over it."""
    delta = props.get(codec.hidden(LEDGER_DELTA))
    if not holds_whole_ledger(props) and isinstance(delta, str):
        desired = encoded_map(props, CONSENTS) or codec.encode_str_map({})
        at = props.get(APPLIED_AT)
        times = codec.str_map_in(props, TIMES)
        return KnownLedger(delta, over or {}, desired, at if isinstance(at, str) and at else None, times)
    return KnownLedger(encoded_map(props, LEDGER), over or {})


def ledger_in(props: Mapping[str, Any]) -> dict[str, LedgerLine]:
    """The whole ledger of a list's inputs or outputs, in whichever form they hold it."""
    return recorded_ledger(props).whole()


def _parsed(entries: Iterable[tuple[bytes, bytes]]) -> dict[str, LedgerLine]:
    lines = ((key[:-1].decode(), LedgerLine.from_wire(wire.decode())) for key, wire in entries)
    return {k: line for k, line in lines if line is not None}


@dataclass(frozen=True)
class KnownLedger:
    """The ledger as the stack knows it, never decoded whole on the common path: the lines recorded
    in the state (one encoded value, engine/codec.py) and the few taken in over them (an interrupted
    change's, or those of ids whose person changed under another key since). With `implied_by` (the
    encoded desired states of the inputs or outputs that recorded it), `recorded` is a `ledger_delta`;
    outputs also say when its implied lines were applied (`applied_at`, and `times` for those applied
    at another time), inputs do not (their implied lines read as planned)."""

    recorded: str | None
    over: Mapping[str, LedgerLine]
    implied_by: str | None = None
    applied_at: str | None = None
    times: Mapping[str, str] = field(default_factory=dict)

    def implied(self, key: str) -> str:
        """The line of an id whose line is implied by the desired states that recorded this ledger."""
        return self.times.get(key) or applied_line(self.applied_at).decode()

    def _recorded_entries(self) -> Iterator[tuple[bytes, bytes]]:
        if self.implied_by is not None:
            entries = implied_entries(self.implied_by, self.recorded, applied_line(self.applied_at))
            return codec.patched_entries(entries, self.times) if self.times else entries
        return codec.entries(self.recorded)

    def entries(self, updates: Mapping[str, LedgerLine] | None = None) -> Iterator[tuple[bytes, bytes]]:
        lines = {**self.over, **(updates or {})}
        return codec.patched_entries(self._recorded_entries(), {k: r.to_wire() for k, r in lines.items()})

    def delta(self, desired: str | None, updates: Mapping[str, LedgerLine] | None = None) -> str:
        """The ledger with `updates` over it, as the inputs of `desired` carry it (`ledger_delta`)."""
        return ledger_delta(desired, self.entries(updates))

    def whole(self) -> dict[str, LedgerLine]:
        """Every line (for the rarer paths that read the live state of every listed id anyway)."""
        return _parsed(self.entries())


@dataclass(frozen=True)
class DeltaView:
    """The part of a list that can plan or be guarded, when its ledger is a delta over the list's
    previous desired states: the ids the delta names and those whose desired state changed. Every
    other id is desired opted in, as before, with an implied opted-in line, so no plan, guard or
    delta line comes from it. `desired`: the new desired states of those ids (encoded); `ledger`:
    their lines; `diff`: the change of the desired states (for the mass-change guard)."""

    desired: str
    ledger: KnownLedger
    diff: codec.MapDiff


def delta_view(
    old_desired: str | None,
    new_desired: str | None,
    delta: str,
    implied: Callable[[str], str] = lambda _: _IMPLIED_LINE.decode(),
) -> DeltaView:
    """One streamed merge of the two desired maps (with the values of the ids the delta names): what
    `change_consent` and `ledger_delta` need of a million-id list with a few changes. Planning and
    guarding the view gives the plan, the guard and the delta the whole list gives (tested). An id
    whose line was implied gets `implied(id)` (outputs know its time)."""
    named = codec.decode_str_map(delta)
    diff = codec.diff_str_maps(old_desired, new_desired, among=named)
    wanted = {k: new for k, (_, new) in diff.changed.items()} | diff.same
    lines = {k: wire for k, wire in named.items() if wire.encode() != _ABSENT}
    for key, old in [*((k, old) for k, (old, _) in diff.changed.items()), *diff.removed.items()]:
        if key not in named and old == OPTED_IN:  # implied by the old desired state
            lines[key] = implied(key)
    return DeltaView(codec.encode_str_map(wanted), KnownLedger(codec.encode_str_map(lines), {}), diff)


@dataclass(frozen=True)
class ConsentChange:
    """The plan of one consent list and what the consent guard found, from one streamed merge of the
    desired map with the ledger. `before`: the known lines of the ids the plan sends (what a failure
    record starts from); `bad`: an id whose desired value is not a preference."""

    plan: Plan
    blocked: list[Blocked]
    before: dict[str, LedgerLine]
    bad: str | None


def change_consent(
    channel: Channel,
    addressing: Addressing,
    desired: str | None,
    known: KnownLedger,
    evidence: Mapping[str, Evidence],
) -> ConsentChange:
    """`plan_consent` and `consent_guard` at once, over encoded `desired` (id -> opted_in | opted_out)
    and the ledger, both streamed in line order: memory follows the change, not the list. A line that
    already states the desired value (and is not uncertain) is passed over without being parsed."""
    ins: list[str] = []
    outs: list[str] = []
    blocked: list[Blocked] = []
    before: dict[str, LedgerLine] = {}
    bad: str | None = None
    lines = known.entries()
    line = next(lines, None)
    for key, want in codec.entries(desired):
        while line is not None and line[0] < key:
            line = next(lines, None)
        wire = line[1] if line is not None and line[0] == key else None
        if (
            wire is not None
            and wire.startswith(want + b" ")
            and not wire.startswith(b"uncertain", len(want) + 1)
        ):
            continue  # known to hold the desired state already
        ext_id, state = key[:-1].decode(), want.decode()
        if state not in (OPTED_IN, OPTED_OUT):
            bad = ext_id if bad is None else min(bad, ext_id)
            continue
        record = LedgerLine.from_wire(wire.decode()) if wire is not None else None
        if record is not None:
            before[ext_id] = record
        if state == OPTED_IN and record is not None and record.state == OPTED_OUT:
            proof = evidence.get(ext_id)
            if not (proof is not None and record.how != "planned" and later(proof.at, record.at)):
                blocked.append(Blocked(ext_id, record.at, record.how, proof))
        if _state(before, ext_id) != state:
            (ins if state == OPTED_IN else outs).append(ext_id)
    blocked.sort(key=lambda b: b.ext_id)
    return ConsentChange(_consent_plan(channel, addressing, ins, outs), blocked, before, bad)


def _state(ledger: Ledger, ext_id: str) -> Preference | None:
    """The state the stack knows; None (unknown, so sent again) when there is no line or it is uncertain."""
    record = ledger.get(ext_id)
    return record.state if record and record.how != "uncertain" else None


def _permission_writes(plan: Plan) -> list[Operation]:
    return [op for op in plan.operations if op.enable is not None]


def record_uncertain(ledger: Ledger, plan: Plan, ids: Iterable[str], at: str) -> dict[str, LedgerLine]:
    """The lines of `ids`, sent by `plan` with no known outcome, marked uncertain (see `LedgerLine`)."""
    wanted = set(ids)
    updated = dict(ledger)
    for op in _permission_writes(plan):
        for ext_id in wanted.intersection(op.ids):
            old = ledger.get(ext_id)
            if not op.enable:
                updated[ext_id] = LedgerLine(OPTED_OUT, at, "uncertain")
            elif old is not None:
                updated[ext_id] = LedgerLine(old.state, old.at, "uncertain")
            else:
                updated[ext_id] = LedgerLine(OPTED_IN, at, "uncertain")
    return updated


def record_applied(ledger: Ledger, plan: Plan, at: str | None) -> dict[str, LedgerLine]:
    """The ledger after `plan` was applied at `at` (None: planned, time not known yet); lines of ids
    that left the list are kept."""
    updated = dict(ledger)
    for op in _permission_writes(plan):
        for ext_id in op.ids:
            state: Preference = OPTED_IN if op.enable else OPTED_OUT
            updated[ext_id] = LedgerLine(state, at, "applied") if at else LedgerLine(state, "", "planned")
    return updated


def record_observed(ledger: Ledger, observed: Mapping[str, Preference], at: str) -> dict[str, LedgerLine]:
    """The ledger after reading live state: a line changes (and is re-timed) only when the state did."""
    updated = dict(ledger)
    for ext_id, state in observed.items():
        if _state(ledger, ext_id) != state:
            updated[ext_id] = LedgerLine(state, at, "observed")
    return updated


def push_state(permitted: Iterable[bool | None]) -> Preference | None:
    """A user's push state from their devices: opted in only if every device is. One opted-out device
    counts as opted out, so enablePush (which reaches all devices) is never sent without evidence.
    None (nothing observed): no device, or a device whose answer does not state its permission and
    no device that is opted out."""
    flags = list(permitted)
    if False in flags:
        return OPTED_OUT
    if not flags or None in flags:
        return None
    return OPTED_IN
