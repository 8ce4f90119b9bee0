"""Consent resources: `PushConsent`, `EmailConsent`, `SmsConsent`, `WhatsAppConsent`.

Each manages one list of `consent.yaml` (users by external id, or devices, addresses, numbers) and keeps
a ledger: per id the last state applied or read back, and when. The consent guard needs the ledger at
`check` (the only step whose failures the CLI shows as plain messages), and `check` only sees the last
*inputs*, so the ledger travels as an input too, as the lines the desired states do not imply
(ledger.py `ledger_delta`: a million opted-in lines are not stored twice). `check` must return the same
inputs at preview and at `up --plan`, so the lines its plan will write are marked `planned` (no clock
time); `create`/`update` store the ledger with the times lines were applied in the outputs (as the
same delta, the time its implied lines were applied at, and the implied lines applied at another:
the list is not carried a third time), and `read` (any refresh) copies the delta back into the
inputs. A blocked re-opt-in therefore
fails the preview with every blocked id named, before any request is sent. Users leaving a list keep
their permission; deleting a resource changes nobody.

Only push permission can be read back (getDevices per user, getDeviceTokens for devices); Netmera has
no read for email, SMS or WhatsApp permission, so for those the ledger is the reference and refresh
keeps it. Opting an address or number in adds it first (addEmail / addMsisdn), so the opt-in reaches
an address new to the app (ledger.py `ADD_FIRST`). `ConsentProvider` fills in the lifecycle
(adapters/lifecycle.py) for every list: its planning is the consent guard, the mass-change guard and
the planned ledger; its apply is journaled, with partial failures recorded as uncertain lines; what it
observes updates the ledger with what Netmera states. Each channel's subclass says what differs (push
reads back).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any, ClassVar

import pulumi
from pulumi.dynamic import CheckFailure, Resource

from ...adapters.existence import known_only, not_found_output
from ...adapters.guards import guard_input, guard_settings
from ...adapters.interrupted import INTERRUPTED, interrupted_input, interrupted_is_new
from ...adapters.lifecycle import Checked, LifecycleProvider
from ...adapters.preferences import (
    mass_opt_out_failures,
    preference_changes,
    preference_check,
    preference_failure,
    preference_map,
)
from ...adapters.progress import observing
from ...adapters.reviewed import adopting
from ...adapters.sampling import read_sample
from ...adapters.served import served
from ...client import NetmeraError
from ...engine import (
    OPTED_IN,
    OPTED_OUT,
    GuardSettings,
    PartialApplyError,
    Plan,
    Preference,
    abbreviate,
    codec,
)
from ...engine.consent_record import ConsentRecord, Line, person_key
from .desired import LIST_NAMES
from .ledger import (
    APPLIED_AT,
    APPLIED_PREFIX,
    CONSENTS,
    LEDGER,
    LEDGER_DELTA,
    TIMES,
    Addressing,
    Channel,
    ConsentBlocked,
    ConsentChange,
    DeltaView,
    Evidence,
    KnownLedger,
    LedgerLine,
    applied_line,
    change_consent,
    consent_guard,
    delta_view,
    encoded_map,
    holds_whole_ledger,
    is_implied,
    ledger_delta,
    ledger_from_wire,
    now_iso,
    plan_consent,
    push_state,
    record_applied,
    record_observed,
    record_uncertain,
    recorded_ledger,
)

EVIDENCE = "evidence"
# From the program's judgement per person (person.py): ids to send again because another list changed
# their person since, and opted-in addresses or numbers whose holder the stack does not know.
RESEND, UNKNOWN_HOLDERS = "resend", "unknownHolders"
# What the last refresh could not observe, in words (a read that does not state a permission).
OBSERVATION = "observation"
# In the outputs: the digest of the desired states whose every id the ledger holds as sent (an apply
# that sent its whole plan, none of it to ids unknown to Netmera), so `diff` needs to plan nothing.
SETTLED = "settledOver"

SHOWN_IDS = 20

# Each channel's addressings, from the one table of lists (desired.py).
ADDRESSINGS: dict[str, tuple[str, ...]] = {
    channel: tuple(a for c, a in LIST_NAMES if c == channel) for channel, _ in LIST_NAMES
}


def _consents(props: dict[str, Any]) -> dict[str, Preference]:
    return preference_map(props, CONSENTS)


def _evidence(props: dict[str, Any]) -> dict[str, Evidence]:
    return {
        k: Evidence(str(v.get("source", "")), str(v.get("at", "")))
        for k, v in codec.json_map_in(props, EVIDENCE).items()
        if isinstance(v, dict)
    }


def known_ledger(olds: dict[str, Any], news: dict[str, Any]) -> KnownLedger:
    """The ledger as last recorded, with the lines of an interrupted change taken in."""
    over: dict[str, LedgerLine] = {}
    if interrupted_is_new(olds, news):  # the lines of an interrupted change (engine/journal.py)
        over.update(ledger_from_wire(codec.str_map_in(news, INTERRUPTED)))
    # Their person changed since under another key (person.py): that state, marked uncertain.
    over.update(ledger_from_wire(codec.str_map_in(news, RESEND)))
    return recorded_ledger(olds, over)


def _own_delta(known: KnownLedger, news: dict[str, Any]) -> str | None:
    """The recorded ledger delta, when it is over the same desired states as `news` (by digest) and
    nothing is taken in over it: the common case of a preview with no change to the list."""
    if known.implied_by is None or known.over or known.recorded is None:
        return None
    before, now = codec.header(known.implied_by), codec.props_header(news, CONSENTS)
    return known.recorded if before is not None and now is not None and before.digest == now.digest else None


def _delta_view_of(olds: dict[str, Any], news: dict[str, Any], known: KnownLedger) -> DeltaView | None:
    """The delta view (ledger.py `delta_view`) of the change from `olds` to `news`, when `olds` hold
    their ledger's delta over their own desired states (inputs hold only that; outputs hold it with
    the times of its implied lines) and nothing is taken in over the ledger: the plan and guard the
    whole ledger gives, from the change alone. The lines of the ids it sends are the ledger's own
    (an opt-in's opted-out line is always in the delta; an implied line is the one `known` implies)."""
    delta, desired = olds.get(codec.hidden(LEDGER_DELTA)), olds.get(codec.hidden(CONSENTS))
    if known.over or not isinstance(delta, str) or not isinstance(desired, str):
        return None
    return delta_view(desired, encoded_map(news, CONSENTS), delta, known.implied)


# What outputs hold of the ledger, besides its delta, and inputs do not.
_OUTPUT_LEDGER = (codec.hidden(LEDGER), APPLIED_AT, TIMES, codec.hidden(TIMES), SETTLED)


def _ledger_parts(delta: str, at: str, times: Mapping[str, str]) -> dict[str, str]:
    """The outputs' ledger: its delta over their desired states, the time its implied lines were
    applied at, and those applied at another time (ledger.py `KnownLedger`); the visible `ledger`
    names all three, so it changes exactly when a line does."""
    encoded = codec.encode_str_map(dict(times))
    heads = [codec.header(v) for v in (delta, encoded)]
    shown = [h.digest[: codec.DIGEST_SHOWN] if h is not None else "" for h in heads]
    return {
        **codec.collection(LEDGER_DELTA, delta, "ids"),
        **codec.collection(TIMES, encoded, "ids"),
        APPLIED_AT: at,
        LEDGER: f"delta {shown[0]}; implied opt-ins applied {at}, {len(times)} at other times ({shown[1]})",
    }


def _applied_at(known: KnownLedger, entries: Iterable[tuple[bytes, bytes]] | None = None) -> str:
    """The time the outputs' implied lines share: the one recorded, or, over a whole ledger (an
    earlier version's outputs, a refresh), its most common opt-in time, or now."""
    if known.applied_at:
        return known.applied_at
    counts: Counter[bytes] = Counter(wire for _, wire in entries or () if wire.startswith(APPLIED_PREFIX))
    common = counts.most_common(1)
    return common[0][0].removeprefix(APPLIED_PREFIX).decode() if common else now_iso()


def _whole_parts(
    props: dict[str, Any], known: KnownLedger, updates: Mapping[str, LedgerLine]
) -> dict[str, str]:
    """The outputs' ledger from the whole of `known` with `updates`, by streamed passes."""
    at = _applied_at(known, known.entries(updates) if not known.applied_at else None)
    times: dict[str, str] = {}
    delta = ledger_delta(encoded_map(props, CONSENTS), known.entries(updates), at, times)
    return _ledger_parts(delta, at, times)


def _view_parts(known: KnownLedger, view: DeltaView, updates: Mapping[str, LedgerLine]) -> dict[str, str]:
    """The outputs' ledger from the change alone: every id outside the view keeps its implied line,
    so only the view's ids can enter or leave `times`."""
    at = _applied_at(known, ((b"", r.to_wire().encode()) for r in updates.values()))
    delta = view.ledger.delta(view.desired, updates)
    desired = codec.decode_str_map(view.desired)
    lines = codec.decode_str_map(view.ledger.recorded) if view.ledger.recorded else {}
    lines.update((k, r.to_wire()) for k, r in updates.items())
    times = {k: t for k, t in known.times.items() if k not in lines and k not in desired}
    usual = applied_line(at).decode()
    for key, wire in lines.items():
        if desired.get(key) == OPTED_IN and is_implied(wire) and wire != usual:
            times[key] = wire
    return _ledger_parts(delta, at, times)


def _delta_output(props: dict[str, Any]) -> dict[str, Any]:
    """Outputs as inputs: their ledger as its delta only (which a refresh writes beside it)."""
    return {k: v for k, v in props.items() if k not in _OUTPUT_LEDGER} | {LEDGER: None}


def _settled_output(props: dict[str, Any]) -> dict[str, str]:
    head = codec.props_header(props, CONSENTS)
    return {SETTLED: head.digest} if head is not None else {}


def _settled(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """Nothing to send, from the outputs' mark alone: the same desired states their ledger was settled
    over, and nothing taken in over it (an interrupted change, ids to send again)."""
    head, resend = codec.props_header(news, CONSENTS), codec.props_header(news, RESEND)
    return (
        head is not None
        and olds.get(SETTLED) == head.digest
        and not interrupted_is_new(olds, news)
        and (resend is None or resend.count == 0)
    )


def _ledger_output(ledger: dict[str, LedgerLine] | str) -> dict[str, str]:
    if not isinstance(ledger, str):
        ledger = codec.encode_str_map({k: r.to_wire() for k, r in ledger.items()})
    return codec.collection(LEDGER, ledger, "ids")


def opt_in_facts(plan: Plan, evidence: dict[str, Evidence], unheld: frozenset[str]) -> dict[str, Any]:
    """What the policy pack judges new opt-ins by. It cannot see `__` properties (Pulumi hides them
    from analyzers), so the provider states the facts: how many opt-ins this update sends, which
    carry no evidence source, and which are of an address or number whose holder the stack does not
    know, without evidence (the first ones, and how many)."""
    ins = sorted({i for op in plan.operations if op.name.startswith("enable") for i in op.ids})
    unsourced = [i for i in ins if not (i in evidence and evidence[i].source.strip())]
    without_holder = [i for i in ins if i in unheld and i not in evidence]
    return {
        "planned": len(ins),
        "withoutSource": len(unsourced),
        "withoutSourceIds": unsourced[:SHOWN_IDS],
        "unknownHolder": len(without_holder),
        "unknownHolderIds": without_holder[:SHOWN_IDS],
    }


def _written(plan: Plan) -> dict[str, Preference]:
    """The state each id of the plan's permission writes sets."""
    return {
        i: OPTED_IN if op.enable else OPTED_OUT
        for op in plan.operations
        if op.enable is not None
        for i in op.ids
    }


def _lines(props: dict[str, Any], states: Mapping[str, Preference], how: str, at: str) -> dict[str, Line]:
    """Record lines (engine/consent_record.py) of this list's ids."""
    name, addressing = str(props.get("name", "")), str(props["addressing"])
    return {person_key(addressing, i): Line(state, how, at, name) for i, state in states.items()}


class ConsentProvider(LifecycleProvider):
    """One consent list of one channel; subclasses name the channel and read back what can be read."""

    channel: ClassVar[Channel]
    collection = CONSENTS
    replaced_by = ("addressing",)

    def _name(self, props: dict[str, Any]) -> str:
        return f"{type(self).__name__.removesuffix('Provider')} {props.get('name', '')!r}"

    def _change(
        self, props: dict[str, Any], known: KnownLedger, view: DeltaView | None = None
    ) -> ConsentChange:
        """The change of the list, from its delta view when there is one (the whole list's change)."""
        if view is not None:
            return change_consent(
                self.channel, props["addressing"], view.desired, view.ledger, _evidence(props)
            )
        return change_consent(
            self.channel, props["addressing"], encoded_map(props, CONSENTS), known, _evidence(props)
        )

    def _delta_change(self, props: dict[str, Any], delta: str) -> ConsentChange:
        """The change when the ledger is a delta over the very desired states `props` carry: every id
        it does not name holds its desired opted-in state, so only the ids it names are planned and
        guarded (their desired states found by one pass, the rest never parsed)."""
        named = codec.decode_str_map(delta)
        wanted = codec.values_among(props, CONSENTS, named)
        return change_consent(
            self.channel,
            props["addressing"],
            codec.encode_str_map(wanted),
            KnownLedger(delta, {}),  # an `absent` line reads as no line
            _evidence(props),
        )

    def input_failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        if news.get("addressing") not in ADDRESSINGS[self.channel]:
            return [CheckFailure("addressing", f"one of {', '.join(ADDRESSINGS[self.channel])} is required")]
        return []

    def settled(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """Never at `check`: the consent guard and the expected ledger are worked out each time (from
        the ledger delta alone when the list did not change: `_own_delta`)."""
        return False

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        known = known_ledger(olds, news)
        own = _own_delta(known, news)
        view: DeltaView | None = None
        if own is not None:
            change = self._delta_change(news, own)
        else:  # the list changed: from the inputs' delta when they hold one
            view = _delta_view_of(olds, news, known)
            change = self._change(news, known, view)
        failures = preference_failure(CONSENTS, change.bad)
        if change.blocked:
            guarded = str(ConsentBlocked(self._name(news), change.blocked))
            failures.append(CheckFailure("consentGuard", guarded))
        if olds:
            diff = view.diff if view is not None else None
            changes = preference_changes(olds, news, CONSENTS, diff)
            failures += mass_opt_out_failures(
                self._name(news), changes.managed, changes.newly_out, guard_settings(news)
            )
        if failures:
            return Checked(failures=failures)
        plan = change.plan
        planned = record_applied({}, plan, None)
        if own is not None and plan.empty:
            expected = own  # the same desired states and nothing planned: the same lines
        elif view is not None:
            expected = view.ledger.delta(view.desired, planned)  # the view's lines are the whole delta
        else:
            expected = known.delta(encoded_map(news, CONSENTS), planned)
        facts = opt_in_facts(plan, _evidence(news), codec.ids_in(news, UNKNOWN_HOLDERS))
        return Checked(plan, inputs={**codec.collection(LEDGER_DELTA, expected, "ids"), "optIns": facts})

    def planned_adopting(self, news: dict[str, Any]) -> Checked:
        """Planned against the live state read now, whole (reading it is one request per listed id
        anyway)."""
        consents, failures = preference_check(news, CONSENTS)
        if failures:
            return Checked(failures=failures)
        evidence = _evidence(news)
        try:
            observed, _ = self.observe(news.get("addressing"), sorted(consents))
        except NetmeraError as exc:
            return Checked(failures=[CheckFailure("adopt", f"cannot read the live consent: {exc}")])
        seen = record_observed({}, observed, now_iso())  # as create will see it
        blocked = consent_guard(consents, seen, evidence)
        if blocked:
            guarded = str(ConsentBlocked(self._name(news), blocked))
            return Checked(failures=[CheckFailure("consentGuard", guarded)])
        plan = plan_consent(self.channel, news["addressing"], consents, seen)
        live = {i: observed.get(i) for i in sorted(plan.touched)}
        facts = opt_in_facts(plan, evidence, codec.ids_in(news, UNKNOWN_HOLDERS))
        return Checked(plan, inputs={**_ledger_output({}), "optIns": facts}, live=live)

    def changed(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        """A legacy (pre-compact) state is rewritten once. Other desired states are an update, which
        records them and sends only what differs; the same ones are none when the outputs are settled
        over them, and otherwise only when a plan from the outputs' ledger has work."""
        if any(codec.is_legacy(olds, name) for name in (CONSENTS, LEDGER)):
            return True
        if not codec.same_collection(olds, news, CONSENTS):
            return True
        if _settled(olds, news):
            return False
        known = known_ledger(olds, news)
        view = _delta_view_of(olds, news, known)
        change = self._change(news, known, view)
        return not change.plan.empty

    def resource_id(self, props: dict[str, Any]) -> str:
        return f"{self.channel}:{props['addressing']}:{props.get('name', '')}"

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        known = known_ledger(olds, news)
        if adopting(olds, news):
            observed, _ = self.observe(news.get("addressing"), sorted(_consents(news)))
            seen = record_observed({}, observed, now_iso())
            recorded = _ledger_output(seen)[codec.hidden(LEDGER)] if seen else None
            known = KnownLedger(recorded, known.over)
        # Outputs of an earlier version hold the times of their lines only in the whole ledger.
        view = None if holds_whole_ledger(olds) else _delta_view_of(olds, news, known)
        return self._apply(news, known, resource_id, view)

    # Deleting a list (`release`) changes nobody's consent.

    def _apply(
        self,
        props: dict[str, Any],
        known: KnownLedger,
        resource_id: str | None = None,
        view: DeltaView | None = None,
    ) -> dict[str, Any]:
        """Send the plan; the outputs carry the ledger as applied, or, if the plan failed part-way,
        with the lines it may have changed marked uncertain. The lines it may change are journaled
        first (engine/journal.py), so a killed apply is finished by the next run. With `view`, the
        plan comes from the change alone, and so do the outputs' delta and times; without one they
        are taken from the whole ledger, streamed."""
        # The outputs carry the ledger with the times it was applied (`_ledger_parts`), anew.
        stale = (LEDGER_DELTA, codec.hidden(LEDGER_DELTA), *_OUTPUT_LEDGER)
        props = {k: v for k, v in props.items() if k not in stale}
        change = self._change(props, known, view)
        if change.blocked:  # against the stored outputs too, should inputs and outputs differ
            raise ConsentBlocked(self._name(props), change.blocked)
        plan, before = change.plan, change.before

        def recorded(updates: dict[str, LedgerLine] | None = None) -> dict[str, str]:
            """The ledger with `updates`, from the view when there is one."""
            if view is None:
                return _whole_parts(props, known, updates or {})
            return _view_parts(known, view, updates or {})

        if plan.empty:
            return {**props, **recorded(), **not_found_output(props, ()), **_settled_output(props)}
        unknown: frozenset[str] = frozenset()
        if props.get("addressing") == "extId":  # ids Netmera does not know get no ledger line
            asked = {op.name for op in plan.operations if op.enable is not None}
            plan, unknown = known_only(self.client(), props, plan, self._name(props), asked)
        props = {**props, **not_found_output(props, unknown)}
        if plan.empty:
            return {**props, **recorded()}
        ids = plan.touched
        record = self._record()
        # The person's record first: an opt-out being sent counts as one from now on, wherever the
        # next run happens, even if this process never reports back (engine/consent_record.py).
        outs = {i: s for i, s in _written(plan).items() if s == OPTED_OUT}
        record.write(self.channel, _lines(props, outs, "uncertain", now_iso()))
        uncertain = record_uncertain(before, plan, ids, now_iso())
        entry = {"ledger": codec.encode_str_map({i: uncertain[i].to_wire() for i in ids})}

        def partial(exc: PartialApplyError) -> tuple[dict[str, Any], str, dict[str, Any]]:
            now = now_iso()
            applied = Plan(
                tuple(replace(op, ids=tuple(sorted(exc.progress.of(op.name)))) for op in plan.operations)
            )
            after = record_uncertain(record_applied(before, applied, now), plan, exc.progress.uncertain, now)
            # Only the lines that changed: a line of the view may stand for the ledger's own.
            changed = {i: line for i, line in after.items() if before.get(i) != line}
            record.write(self.channel, _lines(props, _written(applied), "applied", now))
            reason = (
                f"{self._name(props)}: {exc.cause} — {exc.progress.counts()}, recorded as uncertain "
                "and sent again by the next `pulumi up` while listed"
            )
            # Pulumi keeps the old inputs, which the next check sees: the journal keeps the lines as
            # recorded now (see Journal.failed); ids never recorded and not sent count as unknown.
            never_recorded = record_uncertain({}, plan, ids, now)
            kept = {i: (after[i] if i in after else never_recorded[i]).to_wire() for i in ids}
            outputs = {**props, **_whole_parts(props, known, changed)}
            return outputs, reason, {"ledger": codec.encode_str_map(kept)}

        self.send_journaled(plan, ids, entry, partial, resource_id)
        now = now_iso()
        record.write(self.channel, _lines(props, _written(plan), "applied", now))
        applied = recorded(record_applied(before, plan, now))
        return {**props, **applied, **({} if unknown else _settled_output(props))}

    def _record(self) -> ConsentRecord:
        """The stack's consent record; a provider served outside our host (which alone is told the
        resource) has none, and must not send consent it cannot record."""
        here = served()
        if here is None:
            raise RuntimeError("consent providers run only in netmera-iac's provider host (adapters/host.py)")
        return here.consent

    def observed(self, props: dict[str, Any]) -> dict[str, Any] | None:
        known = recorded_ledger(props)
        ledger = known.whole()
        ids = read_sample(set(_consents(props)) | set(ledger))  # unread ids keep their lines
        observed, unstated = self.observe(props.get("addressing"), ids) if ids else ({}, [])
        outs = {k: v for k, v in props.items() if k != OBSERVATION}
        now = now_iso()
        changed = {i: s for i, s in observed.items() if ledger.get(i) is None or ledger[i].state != s}
        if changed:
            outs.pop(SETTLED, None)  # drift: the next diff plans from what was observed
            self._record().write(self.channel, _lines(props, changed, "observed", now))
        seen = record_observed(ledger, observed, now)
        outs = {k: v for k, v in outs.items() if k not in _OUTPUT_LEDGER or k == SETTLED}
        whole = KnownLedger(
            codec.encode_str_map({k: r.to_wire() for k, r in seen.items()}), {}, applied_at=known.applied_at
        )
        outs.update(_whole_parts(outs, whole, {}))
        if unstated:  # said in the refresh's output, and kept in the state until a read states it
            outs[OBSERVATION] = (
                f"Netmera's answer did not state the permission of {len(unstated)} listed id(s) "
                f"({abbreviate(unstated, 5)}); their ledger lines are kept as last applied"
            )
        return outs

    def read_inputs(self, outputs: dict[str, Any]) -> dict[str, Any]:
        """The same ledger (as its delta): the next check sees what was observed."""
        return _delta_output(outputs)

    def observe(self, addressing: Any, ids: list[str]) -> tuple[dict[str, Preference], list[str]]:
        """Live state of `ids` where Netmera can tell (ids it cannot tell about are left out), and the
        ids whose answer does not state it (a shape without `pushPermitted`)."""
        return {}, []


class PushConsentProvider(ConsentProvider):
    channel = "push"

    def observe(self, addressing: Any, ids: list[str]) -> tuple[dict[str, Preference], list[str]]:
        client = self.client()
        observed: dict[str, Preference] = {}
        unstated: list[str] = []
        if addressing == "extId":
            with observing("getDevices", len(ids)):
                answers = client.get_devices_many(ids)
            for ext_id, answer in answers.items():
                state = push_state(d.push_permitted for d in answer.devices)
                if state is not None:
                    observed[ext_id] = state
                elif any(d.push_permitted is None for d in answer.devices):
                    unstated.append(ext_id)
        else:
            # Netmera reads one device only through the list of every installation (all pages).
            wanted = set(ids)
            for entry in client.get_device_tokens(max_per_page=1000):
                if entry.device_token not in wanted:
                    continue
                if entry.push_permitted is None:  # the current shape of getDeviceTokens omits it
                    unstated.append(entry.device_token)
                else:
                    observed[entry.device_token] = OPTED_IN if entry.push_permitted else OPTED_OUT
        return observed, sorted(set(unstated))


class EmailConsentProvider(ConsentProvider):
    channel = "email"


class SmsConsentProvider(ConsentProvider):
    channel = "sms"


class WhatsAppConsentProvider(ConsentProvider):
    channel = "whatsapp"


def _props(
    name: str,
    addressing: Addressing,
    consents: dict[str, Preference],
    evidence: dict[str, Evidence],
    guard: GuardSettings,
) -> dict[str, Any]:
    proofs = {k: {"source": v.source, "at": v.at} for k, v in evidence.items()}
    return {
        "name": name,
        "addressing": addressing,
        **codec.collection(CONSENTS, codec.encode_str_map(consents), "ids"),
        **codec.collection(EVIDENCE, codec.encode_json_map(proofs), "ids"),
        "guard": guard_input(guard),
    }


class _Consent(Resource):
    provider_class: ClassVar[type[ConsentProvider]]

    def __init__(
        self,
        name: str,
        addressing: Addressing,
        consents: dict[str, Preference],
        evidence: dict[str, Evidence],
        guard: GuardSettings,
        opts: pulumi.ResourceOptions | None = None,
        adopt: bool = False,
        interrupted: str | None = None,
        resend: dict[str, str] | None = None,
        unknown_holders: list[str] | None = None,
        existence: dict[str, Any] | None = None,
    ) -> None:
        props = {
            **_props(name, addressing, consents, evidence, guard),
            LEDGER: None,
            "adopt": adopt,
            **interrupted_input(interrupted),
            **(existence or {}),  # adapters/existence.py
            # Only when there are any: an empty set would change every existing list's inputs.
            **(codec.collection(RESEND, codec.encode_str_map(resend), "ids") if resend else {}),
            **(
                codec.collection(UNKNOWN_HOLDERS, codec.encode_ids(unknown_holders), "ids")
                if unknown_holders
                else {}
            ),
        }
        super().__init__(self.provider_class(), name, props, opts)


class PushConsent(_Consent, module="netmera", name="PushConsent"):
    """Push permission of users (enablePush/disablePush by extId, all their devices) or of devices."""

    provider_class = PushConsentProvider


class EmailConsent(_Consent, module="netmera", name="EmailConsent"):
    """Email permission by external id or by address (enableMail/disableMail)."""

    provider_class = EmailConsentProvider


class SmsConsent(_Consent, module="netmera", name="SmsConsent"):
    """SMS permission by external id or by MSISDN (enableSms/disableSms)."""

    provider_class = SmsConsentProvider


class WhatsAppConsent(_Consent, module="netmera", name="WhatsAppConsent"):
    """WhatsApp permission by external id or by WhatsApp number (enableWhatsApp/disableWhatsApp)."""

    provider_class = WhatsAppConsentProvider
