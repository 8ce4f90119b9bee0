"""Lifecycle of the consent resources against the emulator: apply, ledger, guard, drift by read."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netmera_iac.adapters.guards import guard_input
from netmera_iac.engine import GuardSettings, Plan, codec
from netmera_iac.families.consent import resource as consent_resource
from netmera_iac.families.consent.ledger import (
    ConsentBlocked,
    KnownLedger,
    ledger_delta,
    ledger_in,
    record_applied,
)
from netmera_iac.families.consent.person import ledger_lines
from netmera_iac.families.consent.resource import (
    EmailConsentProvider,
    PushConsentProvider,
    SmsConsentProvider,
)
from tests.adapters.conftest import configured, writes
from tests.conftest import Emulator


def props(addressing: str, evidence: dict[str, Any] | None = None, **ids: str) -> dict[str, Any]:
    return {
        "name": "t",
        "addressing": addressing,
        **codec.collection(
            "consents", codec.encode_str_map({k.replace("_", "-"): v for k, v in ids.items()})
        ),
        **codec.collection("evidence", codec.encode_json_map(evidence or {})),
        "guard": guard_input(GuardSettings()),
        "ledger": None,
    }


def ledger(props: dict[str, Any]) -> dict[str, str]:
    """The ledger of inputs (the lines their desired states do not imply) or outputs (whole)."""
    return {k: line.to_wire() for k, line in ledger_in(props).items()}


def pushed(emulator: Emulator, ext_id: str) -> list[bool]:
    with emulator.api() as api:
        devices = api.get("/getDevices", params={"extId": ext_id}).json()["devices"]
    return [d["pushPermitted"] for d in devices]


def test_email_consent_lifecycle_and_guard(emulator: Emulator) -> None:
    provider = configured(EmailConsentProvider(), emulator)
    first = provider.check({}, props("extId", cust_ayse="opted_out", cust_mehmet="opted_in"))
    assert first.failures == []
    created = provider.create(first.inputs)
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is False
    assert emulator.contact_of("cust-mehmet")["emailPermitted"] is True
    assert ledger(created.outs)["cust-ayse"].startswith("opted_out applied 20")
    # Re-opting ayse in without evidence: the check fails, naming her, and nothing is sent. The checked
    # inputs the engine stored mark her line as planned (no clock time: check must be repeatable).
    assert ledger(first.inputs)["cust-ayse"] == "opted_out planned"
    before = writes(emulator)
    again = props("extId", cust_ayse="opted_in", cust_mehmet="opted_in")
    blocked = provider.check(first.inputs, again)
    assert [f.property for f in blocked.failures] == ["consentGuard"]
    assert "cust-ayse (opted out by an earlier update of this stack" in blocked.failures[0].reason
    assert "--refresh" in blocked.failures[0].reason

    # A refresh copies the applied times into the inputs; then the guard names the opt-out's time.
    refreshed = provider.read(created.id, created.outs)
    assert refreshed.inputs is not None
    opted_out_at = ledger(created.outs)["cust-ayse"].split(" ")[2]
    blocked = provider.check(refreshed.inputs, again)
    assert (
        f"cust-ayse (opted out {opted_out_at}, applied by this stack; no evidence"
        in blocked.failures[0].reason
    )
    assert writes(emulator) == before

    proof = {"cust-ayse": {"source": "preference centre", "at": "2999-01-01T00:00:00Z"}}
    allowed = provider.check(
        refreshed.inputs, props("extId", proof, cust_ayse="opted_in", cust_mehmet="opted_in")
    )
    assert allowed.failures == []
    assert provider.diff(created.id, created.outs, allowed.inputs).changes is True
    updated = provider.update(created.id, created.outs, allowed.inputs)
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is True
    assert [r["operation"] for r in emulator.requests() if r["operation"].endswith("Mail")][
        -1
    ] == "enableMail"
    assert ledger(updated.outs)["cust-ayse"].startswith("opted_in applied")

    # Leaving the list and deleting change nobody; the ledger line stays for a later return.
    after_leave = provider.update(created.id, updated.outs, props("extId", cust_mehmet="opted_in"))
    provider.delete(created.id, after_leave.outs)
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is True
    assert "cust-ayse" in ledger(after_leave.outs)


def test_diff_needs_no_plan_over_settled_outputs_and_plans_after_drift(emulator: Emulator) -> None:
    """An apply that sent its whole plan marks its outputs settled over the desired states, so the
    next diff of the same list plans nothing; a refresh that observes drift takes the mark away, so
    the diff plans again (here from the observed opt-out) and finds the change."""
    provider = configured(PushConsentProvider(), emulator)
    desired = props("extId", cust_mehmet="opted_in", user_0040="opted_out")
    created = provider.create(provider.check({}, desired).inputs)
    again = provider.check(created.outs, dict(desired)).inputs
    marked = dict(created.outs)
    assert marked["settledOver"] == codec.header(desired["__consents"]).digest
    assert provider.diff(created.id, marked, again).changes is False

    # The same mark over other desired states says nothing about them: the desired change is an update.
    other = provider.check(created.outs, props("extId", cust_mehmet="opted_out", user_0040="opted_out"))
    assert provider.diff(created.id, marked, other.inputs).changes is True

    with emulator.api() as api:  # user-0040 is opted in behind the stack's back
        api.post("/enablePush", json={"extId": "user-0040"}).raise_for_status()
    read = provider.read(created.id, created.outs)
    assert "settledOver" not in read.outs
    assert read.inputs is not None and "settledOver" not in read.inputs
    assert provider.diff(created.id, read.outs, again).changes is True  # opted out again
    updated = provider.update(created.id, read.outs, again)
    assert pushed(emulator, "user-0040") == [False]
    assert provider.diff(created.id, updated.outs, again).changes is False


def test_sms_consent_by_number_sends_one_list_request(emulator: Emulator) -> None:
    provider = configured(SmsConsentProvider(), emulator)
    checked = provider.check(
        {}, props("msisdnList", **{"+905551234567": "opted_out", "+905559876543": "opted_out"})
    )
    provider.create(checked.inputs)
    assert [r["operation"] for r in emulator.requests()] == ["disableSms"]
    assert emulator.contact_of("cust-ayse")["smsPermitted"] is False
    assert emulator.contact_of("cust-mehmet")["smsPermitted"] is False


def test_push_drift_is_read_back_and_then_guarded(emulator: Emulator) -> None:
    provider = configured(PushConsentProvider(), emulator)
    checked = provider.check({}, props("extId", cust_mehmet="opted_in", user_0040="opted_out"))
    created = provider.create(checked.inputs)
    assert pushed(emulator, "cust-mehmet") == [True] and pushed(emulator, "user-0040") == [False]
    assert ledger(provider.read(created.id, created.outs).outs) == ledger(created.outs)  # no drift

    with emulator.api() as api:  # mehmet turns push off in the app
        api.post("/disablePush", json={"deviceToken": "tok-mehmet-iphone"}).raise_for_status()
    read = provider.read(created.id, created.outs)
    assert ledger(read.outs)["cust-mehmet"].startswith("opted_out observed 20")
    assert read.inputs is not None and ledger(read.inputs) == ledger(read.outs)
    again = provider.check(read.inputs, props("extId", cust_mehmet="opted_in", user_0040="opted_out"))
    assert (
        "cust-mehmet (opted out" in again.failures[0].reason
        and "read back from Netmera" in again.failures[0].reason
    )


def test_push_consent_by_device_is_read_through_device_tokens(emulator: Emulator) -> None:
    provider = configured(PushConsentProvider(), emulator)
    checked = provider.check({}, props("deviceToken", **{"tok-ayse-ipad": "opted_in"}))
    created = provider.create(checked.inputs)
    assert pushed(emulator, "cust-ayse") == [True, True]
    with emulator.api() as api:
        api.post("/disablePush", json={"extId": "cust-ayse"}).raise_for_status()
    read = provider.read(created.id, created.outs)
    assert ledger(read.outs)["tok-ayse-ipad"].startswith("opted_out observed")
    assert "getDeviceTokens" in {r["operation"] for r in emulator.requests()}


def test_the_inputs_do_not_repeat_the_lines_their_desired_states_imply(emulator: Emulator) -> None:
    """The outputs hold the ledger with applied times (as its delta, the time its implied lines were
    applied at, and those applied at another); the inputs (which the next check reads) hold only what
    the desired states do not say: here the one opt-out, not the 40 opt-ins."""
    provider = configured(EmailConsentProvider(), emulator)
    wanted = {f"user_{i:04d}": "opted_in" for i in range(1, 41)} | {"cust_ayse": "opted_out"}
    checked = provider.check({}, props("extId", **wanted))
    created = provider.create(checked.inputs)
    assert len(ledger(created.outs)) == 41
    applied_at = ledger(created.outs)["user-0001"].split(" ")[2]
    assert created.outs["ledgerAppliedAt"] == applied_at  # the apply's own time: no line is listed apart
    assert created.outs["ledgerTimes"].startswith("0 ") and "__ledger" not in created.outs
    opted_out = ledger(created.outs)["cust-ayse"]
    assert codec.decode_str_map(created.outs["__ledgerDelta"]) == {"cust-ayse": opted_out}
    again = provider.check(checked.inputs, props("extId", **wanted))
    assert "__ledger" not in again.inputs
    assert codec.decode_str_map(again.inputs["__ledgerDelta"]) == {"cust-ayse": "opted_out planned"}
    assert again.inputs["plan"] == "no changes"
    read = provider.read(created.id, created.outs)
    assert read.inputs is not None and "__ledger" not in read.inputs
    assert codec.decode_str_map(read.inputs["__ledgerDelta"]) == {
        "cust-ayse": ledger(created.outs)["cust-ayse"]
    }


def test_rollback_and_seeding_read_every_line_of_the_outputs_with_its_time(emulator: Emulator) -> None:
    """What rollback's guard and a record's seeding read of a list (person.py `ledger_lines`) is its
    whole ledger, from the outputs' delta and times, keyed by person."""
    provider = configured(EmailConsentProvider(), emulator)
    wanted = {"user_0001": "opted_in", "cust_ayse": "opted_out"}
    created = provider.create(provider.check({}, props("extId", **wanted)).inputs)
    lines = ledger_lines([("EmailConsent", created.outs)])["email"]
    whole = ledger_in(created.outs)
    assert set(lines) == {"id:user-0001", "id:cust-ayse"}
    for shown, line in whole.items():
        assert (lines[f"id:{shown}"].state, lines[f"id:{shown}"].at) == (line.state, line.at)
    assert lines["id:cust-ayse"].state == "opted_out" and lines["id:cust-ayse"].at


_ids = st.sampled_from([f"u{n}" for n in range(10)])
_wire_lines = st.sampled_from(
    [
        "opted_in applied 2026-11-01T00:00:00.000Z",
        "opted_in planned",
        "opted_in uncertain 2026-11-01T00:00:00.000Z",
        "opted_out applied 2026-11-01T00:00:00.000Z",
        "opted_out observed 2026-11-30T00:00:00.000Z",
        "opted_out planned",
    ]
)


# A list's desired states, and a ledger, over the same few ids.
_desired_states = st.dictionaries(_ids, st.sampled_from(["opted_in", "opted_out"]))
_ledgers = st.dictionaries(_ids, _wire_lines)


@settings(max_examples=60, deadline=None)
@given(_desired_states, _ledgers)
def test_a_check_from_the_inputs_delta_plans_and_guards_as_from_the_whole_ledger(
    desired: dict[str, str], recorded: dict[str, str]
) -> None:
    """A preview whose list did not change reads only the lines the inputs' delta names; it plans,
    guards and records the same as a check over the whole ledger."""
    provider = EmailConsentProvider()
    provider.api_key = "key"
    news = props("extId", **desired)
    whole = codec.encode_str_map(recorded)
    delta = ledger_delta(news["__consents"], codec.entries(whole))
    from_whole = provider.check({**news, **codec.collection("ledger", whole)}, dict(news))
    from_delta = provider.check({**news, **codec.collection("ledgerDelta", delta)}, dict(news))
    assert [f.reason for f in from_delta.failures] == [f.reason for f in from_whole.failures]
    if not from_whole.failures:
        assert from_delta.inputs["plan"] == from_whole.inputs["plan"]
        assert ledger(from_delta.inputs) == ledger(from_whole.inputs)


@settings(max_examples=80, deadline=None)
@given(_desired_states, _desired_states, _ledgers)
def test_a_check_of_a_changed_list_from_the_inputs_delta_plans_and_guards_as_from_the_whole_ledger(
    before: dict[str, str], desired: dict[str, str], recorded: dict[str, str]
) -> None:
    """A preview whose list changed reads the change of the desired states and the lines the inputs'
    delta names (ledger.py `delta_view`); it plans and guards as a check over the whole ledger does,
    the mass-change guard included, and records the delta a pass over the whole delta-form ledger
    records (an id that left the list keeps an implied line there: its time was never kept)."""
    provider = EmailConsentProvider()
    provider.api_key = "key"
    olds, news = props("extId", **before), props("extId", **desired)
    news["guard"] = olds["guard"] = guard_input(GuardSettings(minimum=2))
    whole = codec.encode_str_map(recorded)
    delta = ledger_delta(olds["__consents"], codec.entries(whole))
    from_whole = provider.check({**olds, **codec.collection("ledger", whole)}, dict(news))
    from_delta = provider.check({**olds, **codec.collection("ledgerDelta", delta)}, dict(news))
    assert [f.reason for f in from_delta.failures] == [f.reason for f in from_whole.failures]
    if not from_whole.failures:
        assert from_delta.inputs["plan"] == from_whole.inputs["plan"]
        assert from_delta.inputs["optIns"] == from_whole.inputs["optIns"]
        planned = record_applied({}, provider._change(news, KnownLedger(whole, {})).plan, None)
        known = KnownLedger(delta, {}, implied_by=olds["__consents"])
        expected = codec.header(known.delta(news["__consents"], planned))
        assert codec.header(from_delta.inputs["__ledgerDelta"]) == expected


class _NoRecord:
    def write(self, *_: Any) -> None:
        return None


class _Unsent(EmailConsentProvider):
    """Sends nothing and writes no consent record: what an update would send is kept in `sent`."""

    def __init__(self) -> None:
        self.api_key = "key"
        self.sent: list[Plan] = []

    def _record(self) -> Any:
        return _NoRecord()

    def send_journaled(self, plan: Plan, *_: Any) -> None:
        self.sent.append(plan)


def _updated(
    news: dict[str, Any], *outputs: dict[str, Any]
) -> list[tuple[dict[str, Any], list[Plan], str | None]]:
    """Per outputs, an update to `news` at one fixed time: (new outputs, what it sent, why blocked)."""
    results: list[tuple[dict[str, Any], list[Plan], str | None]] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(consent_resource, "now_iso", lambda: "2026-12-03T00:00:00.000Z")
        for outs in outputs:
            provider = _Unsent()
            try:
                results.append((provider.update("x", outs, dict(news)).outs, provider.sent, None))
            except ConsentBlocked as exc:
                results.append(({}, provider.sent, str(exc)))
    return results


@settings(max_examples=80, deadline=None)
@given(_desired_states, _desired_states, _ledgers)
def test_an_update_from_the_outputs_delta_sends_and_records_as_from_the_whole_ledger(
    before: dict[str, str], desired: dict[str, str], recorded: dict[str, str]
) -> None:
    """Outputs of the previous version carried their ledger's delta beside the whole ledger: an
    update from them sends, blocks and records as one from the whole ledger alone (the whole ledger
    wins: it alone has the times); the delta it records differs at most where an id that left the
    list keeps an implied line."""
    olds, news = props("extId", **before), props("extId", **desired)
    whole = codec.encode_str_map(recorded)
    outputs = {**olds, **codec.collection("ledger", whole)}
    with_delta = {
        **outputs,
        **codec.collection("ledgerDelta", ledger_delta(olds["__consents"], codec.entries(whole))),
    }
    (from_whole, sent_whole, blocked_whole), (from_delta, sent_delta, blocked_delta) = _updated(
        news, outputs, with_delta
    )
    assert blocked_delta == blocked_whole and sent_delta == sent_whole
    if blocked_whole is None:
        assert ledger(from_delta) == ledger(from_whole)
        assert from_delta.get("settledOver") == from_whole.get("settledOver")
        exact = codec.decode_str_map(from_whole["__ledgerDelta"])
        viewed = codec.decode_str_map(from_delta["__ledgerDelta"])
        assert viewed.keys() == exact.keys()
        for key, line in viewed.items():
            assert line == exact[key] or (
                line == "opted_in planned" and key not in desired and exact[key].startswith("opted_in ")
            )


_timed_lines = st.sampled_from(
    [
        "opted_in applied 2026-11-01T00:00:00.000Z",
        "opted_in applied 2026-11-15T00:00:00.000Z",
        "opted_in planned",
        "opted_in uncertain 2026-11-01T00:00:00.000Z",
        "opted_out applied 2026-11-15T00:00:00.000Z",
        "opted_out observed 2026-11-30T00:00:00.000Z",
    ]
)


@settings(max_examples=80, deadline=None)
@given(_desired_states, _desired_states, st.dictionaries(_ids, _timed_lines))
def test_outputs_hold_the_ledger_as_delta_and_times_and_update_as_from_the_whole_ledger(
    before: dict[str, str], desired: dict[str, str], recorded: dict[str, str]
) -> None:
    """Outputs keep the ledger as its delta over their desired states, the time most of its implied
    lines were applied at and the implied lines applied at another time: every line comes back with
    its time, and an update from them (planned from the change alone) sends, blocks and records the
    very ledger, delta and times an update from the whole ledger (an earlier version's outputs) does."""
    olds, news = props("extId", **before), props("extId", **desired)
    whole = codec.encode_str_map(recorded)
    outputs = {**olds, **codec.collection("ledger", whole)}
    parts = consent_resource._whole_parts(olds, KnownLedger(whole, {}), {})
    assert "__ledger" not in parts
    assert ledger({**olds, **parts}) == recorded
    (from_whole, sent_whole, blocked_whole), (from_parts, sent_parts, blocked_parts) = _updated(
        news, outputs, {**olds, **parts}
    )
    assert blocked_parts == blocked_whole and sent_parts == sent_whole
    if blocked_whole is None:
        assert "__ledger" not in from_parts and "__ledger" not in from_whole
        assert ledger(from_parts) == ledger(from_whole)
        assert codec.decode_str_map(from_parts["__ledgerDelta"]) == codec.decode_str_map(
            from_whole["__ledgerDelta"]
        )
        assert from_parts.get("settledOver") == from_whole.get("settledOver")


def test_mass_opt_out_is_guarded(emulator: Emulator) -> None:
    provider = configured(EmailConsentProvider(), emulator)
    users = {f"user_{i:04d}": "opted_in" for i in range(1, 11)}
    first = provider.check({}, props("extId", **users))
    out = provider.check(first.inputs, props("extId", **{k: "opted_out" for k in users}))
    assert [f.property for f in out.failures] == ["guard"]
    assert "would opt out 10 of 10 managed users" in out.failures[0].reason


def test_a_failed_opt_in_is_recorded_uncertain_and_a_revert_sends_the_opt_out_again(
    emulator: Emulator,
) -> None:
    from netmera_iac.adapters.process import PartialApply

    provider = configured(EmailConsentProvider(), emulator)
    old = provider.check({}, props("extId", cust_mehmet="opted_out")).inputs
    created = provider.create(old)
    proof = {"cust-mehmet": {"source": "web form", "at": "2099-01-01T00:00:00Z"}}
    wanted = provider.check(created.outs, props("extId", proof, cust_mehmet="opted_in")).inputs
    # The opt-in fails; Netmera may have applied it all the same (here it has: sent beforehand).
    with emulator.api() as api:
        api.post("/enableMail", json={"extIds": ["cust-mehmet"]})
    emulator.add_fault(operation="enableMail", fault={"kind": "status", "status": 400}, probability=1)
    with pytest.raises(PartialApply) as failed:
        provider.update(created.id, created.outs, wanted)
    outputs = failed.value.outputs
    assert "applied: nothing; 1 id(s) with an unknown outcome" in failed.value.reason
    assert ledger(outputs)["cust-mehmet"].startswith("opted_out uncertain")  # guard: still opted out
    emulator.control.delete("/faults")

    reverted = props("extId", cust_mehmet="opted_out")  # the revert: before, it planned nothing
    assert provider.diff(created.id, outputs, reverted).changes
    checked = provider.check(outputs, reverted)
    assert checked.failures == [] and checked.inputs["plan"].startswith("opt out 1")
    emulator.control.delete("/requests")
    provider.update(created.id, outputs, checked.inputs)
    assert [r["operation"] for r in emulator.requests()] == ["disableMail"]
    assert emulator.contact_of("cust-mehmet")["emailPermitted"] is False


def test_interrupted_ledger_lines_are_taken_in_once(emulator: Emulator) -> None:
    from netmera_iac.adapters.interrupted import interrupted_input

    provider = configured(SmsConsentProvider(), emulator)
    created = provider.create(provider.check({}, props("extId", cust_ayse="opted_out")).inputs)
    assert not provider.diff(created.id, created.outs, created.outs).changes
    lines = codec.encode_str_map({"cust-ayse": "opted_out uncertain 2026-11-29T10:00:00.000Z"})
    news = {**props("extId", cust_ayse="opted_out"), **interrupted_input(lines)}
    assert provider.diff(created.id, created.outs, news).changes
    emulator.control.delete("/requests")
    done = provider.update(created.id, created.outs, provider.check(created.outs, news).inputs)
    assert [r["operation"] for r in emulator.requests()] == ["disableSms"]
    assert ledger(done.outs)["cust-ayse"].startswith("opted_out applied")
    assert not provider.diff(created.id, done.outs, {**done.outs, **news}).changes
