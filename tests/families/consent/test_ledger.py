"""Consent planning, the ledger and the consent guard (pure logic)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.engine import OPTED_IN, OPTED_OUT, Preference, codec
from netmera_iac.families.consent.ledger import (
    Evidence,
    KnownLedger,
    LedgerLine,
    change_consent,
    consent_guard,
    implied_entries,
    ledger_delta,
    plan_consent,
    push_state,
    record_applied,
    record_observed,
)

OUT_AT = "2026-11-20T10:00:00.000Z"


def test_plan_sends_only_changes_and_opt_outs_first() -> None:
    ledger = {
        "a": LedgerLine(OPTED_IN, OUT_AT),
        "b": LedgerLine(OPTED_OUT, OUT_AT),
        "gone": LedgerLine(OPTED_IN, OUT_AT),
    }
    plan = plan_consent(
        "email", "extId", {"a": OPTED_IN, "b": OPTED_OUT, "c": OPTED_OUT, "d": OPTED_IN}, ledger
    )
    assert [(op.name, op.target, op.ids) for op in plan.operations] == [
        ("disableMail", "extId", ("c",)),
        ("enableMail", "extId", ("d",)),
    ]
    assert plan.calls == 2  # lists: one request per 1000 ids
    assert "gone" not in plan.ids("disableMail")  # leaving the list changes nobody


def test_push_is_one_request_per_user_and_addresses_use_list_operations() -> None:
    push = plan_consent("push", "deviceToken", {f"t{i}": OPTED_OUT for i in range(3)}, {})
    assert [op.name for op in push.operations] == ["disablePush"] and push.calls == 3
    sms = plan_consent("sms", "msisdnList", {f"+9055500{i:05d}": OPTED_IN for i in range(2500)}, {})
    # An opt-in by number adds the numbers first (new ones become users the opt-in reaches).
    assert [op.name for op in sms.operations] == ["addMsisdn", "enableSms"] and sms.calls == 6
    assert "add 2500 [addMsisdn, new to the app only]" in sms.summary()
    assert "opt in 2500 [enableSms by msisdnList]" in sms.summary()
    # The ledger records the permission writes only.
    assert set(record_applied({}, sms, "2026-11-29T10:00:00Z")) == set(sms.ids("enableSms"))


def test_whats_app_by_number_is_a_list_operation_without_an_add() -> None:
    plan = plan_consent("whatsapp", "wpNumbers", {"+905551110000": OPTED_IN, "+905551110001": OPTED_OUT}, {})
    assert [(op.name, op.ids) for op in plan.operations] == [
        ("disableWhatsApp", ("+905551110001",)),
        ("enableWhatsApp", ("+905551110000",)),
    ]
    assert plan.calls == 2


def test_guard_blocks_a_re_opt_in_without_later_evidence() -> None:
    ledger = {
        "u1": LedgerLine(OPTED_OUT, OUT_AT),
        "u2": LedgerLine(OPTED_OUT, OUT_AT, "observed"),
        "u3": LedgerLine(OPTED_IN, OUT_AT),
    }
    desired = {"u1": OPTED_IN, "u2": OPTED_IN, "u3": OPTED_IN, "new": OPTED_IN}
    evidence = {"u2": Evidence("form", "2026-11-19T10:00:00Z")}  # older than the opt-out
    blocked = consent_guard(desired, ledger, evidence)
    assert [b.ext_id for b in blocked] == ["u1", "u2"]
    assert "no evidence" in blocked[0].describe()
    assert "read back from Netmera" in blocked[1].describe() and "is not later" in blocked[1].describe()


def test_guard_allows_with_later_evidence_in_any_zone() -> None:
    ledger = {"u1": LedgerLine(OPTED_OUT, OUT_AT)}
    later = Evidence("preference centre", "2026-11-20T13:00:01+03:00")  # 10:00:01Z
    same = Evidence("preference centre", "2026-11-20T13:00:00+03:00")  # equal is not later
    assert consent_guard({"u1": OPTED_IN}, ledger, {"u1": later}) == []
    assert [b.ext_id for b in consent_guard({"u1": OPTED_IN}, ledger, {"u1": same})] == ["u1"]
    unreadable = Evidence("form", "yesterday")
    assert [b.ext_id for b in consent_guard({"u1": OPTED_IN}, ledger, {"u1": unreadable})] == ["u1"]


def test_guard_never_blocks_opt_outs() -> None:
    assert consent_guard({"u1": OPTED_OUT}, {"u1": LedgerLine(OPTED_OUT, OUT_AT)}, {}) == []


def test_ledger_keeps_lines_of_users_who_left_and_retimes_only_changes() -> None:
    ledger = {"left": LedgerLine(OPTED_OUT, OUT_AT), "same": LedgerLine(OPTED_IN, OUT_AT)}
    plan = plan_consent("push", "extId", {"new": OPTED_OUT, "same": OPTED_IN}, ledger)
    applied = record_applied(ledger, plan, "2026-11-29T00:00:00Z")
    assert applied["left"] == LedgerLine(OPTED_OUT, OUT_AT)
    assert applied["same"].at == OUT_AT
    assert applied["new"] == LedgerLine(OPTED_OUT, "2026-11-29T00:00:00Z", "applied")
    observed = record_observed(applied, {"same": OPTED_OUT, "new": OPTED_OUT}, "2026-11-29T01:00:00Z")
    assert observed["same"] == LedgerLine(OPTED_OUT, "2026-11-29T01:00:00Z", "observed")
    assert observed["new"].how == "applied"  # unchanged state keeps its time


def test_a_rollback_after_an_opt_out_is_blocked() -> None:
    """v1 opts in, v2 opts out, rolling back to v1 (with v1's evidence) must not opt in again."""
    v1 = {"u1": OPTED_IN}
    evidence_v1 = {"u1": Evidence("signup", "2026-11-01T00:00:00Z")}
    ledger = record_applied({}, plan_consent("sms", "extId", v1, {}), "2026-11-02T00:00:00Z")
    ledger = record_applied(
        ledger, plan_consent("sms", "extId", {"u1": OPTED_OUT}, ledger), "2026-11-10T00:00:00Z"
    )
    assert [b.ext_id for b in consent_guard(v1, ledger, evidence_v1)] == ["u1"]


def test_push_state_needs_every_device() -> None:
    assert push_state([]) is None
    assert push_state([True, True]) == OPTED_IN
    assert push_state([True, False]) == OPTED_OUT  # enablePush would re-enable the opted-out device


@given(
    st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from([OPTED_IN, OPTED_OUT])),
    st.dictionaries(st.sampled_from("abcdefgh"), st.sampled_from([OPTED_IN, OPTED_OUT])),
)
def test_applying_a_plan_reaches_desired_and_a_second_plan_is_empty(
    desired: dict[str, str], known: dict[str, str]
) -> None:
    ledger = {k: LedgerLine(v, OUT_AT) for k, v in known.items()}  # type: ignore[arg-type]
    plan = plan_consent("email", "emailList", desired, ledger)  # type: ignore[arg-type]
    after = record_applied(ledger, plan, "2026-11-29T00:00:00Z")
    assert {k: after[k].state for k in desired} == desired
    assert plan_consent("email", "emailList", desired, after).empty  # type: ignore[arg-type]
    assert all(after[k] == ledger[k] for k in ledger if k not in desired)


def test_a_planned_opt_out_blocks_until_its_time_is_known() -> None:
    """`check` writes planned lines without a clock time; evidence cannot be compared until a refresh."""
    ledger = record_applied({}, plan_consent("push", "extId", {"u1": OPTED_OUT}, {}), None)
    assert ledger["u1"] == LedgerLine(OPTED_OUT, "", "planned")
    blocked = consent_guard({"u1": OPTED_IN}, ledger, {"u1": Evidence("form", "2026-11-28T00:00:00Z")})
    assert [b.ext_id for b in blocked] == ["u1"] and "--refresh" in blocked[0].describe()
    assert LedgerLine.from_wire(ledger["u1"].to_wire()) == ledger["u1"]


def test_uncertain_lines_are_sent_again_and_keep_the_guard_on_opt_outs() -> None:
    from netmera_iac.families.consent.ledger import record_uncertain

    then = "2026-01-01T00:00:00Z"
    ledger = {"a": LedgerLine("opted_out", then), "b": LedgerLine("opted_in", then)}
    sent = plan_consent("email", "extId", {"a": "opted_in", "b": "opted_out", "c": "opted_in"}, ledger)
    at = "2026-02-01T00:00:00Z"
    after = record_uncertain(ledger, sent, ["a", "b", "c"], at)
    assert after["a"] == LedgerLine("opted_out", then, "uncertain")  # an opt-in was sent
    assert after["b"] == LedgerLine("opted_out", at, "uncertain")  # an opt-out was sent
    assert after["c"] == LedgerLine("opted_in", at, "uncertain")
    assert LedgerLine.from_wire(after["b"].to_wire()) == after["b"]
    # Every listed uncertain id is sent again, whatever the desired state says now ...
    again = plan_consent("email", "extId", {"a": "opted_out", "b": "opted_out", "c": "opted_in"}, after)
    sent_again = {(op.name, op.ids) for op in again.operations}
    assert sent_again == {("disableMail", ("a", "b")), ("enableMail", ("c",))}
    # ... and opting a possibly opted-out id in still needs evidence.
    assert [b.ext_id for b in consent_guard({"b": "opted_in"}, after, {})] == ["b"]


_ids = st.sampled_from([f"u{n}" for n in range(12)] + ["u\x01", "u\x01x"])
_lines = st.builds(
    LedgerLine,
    st.sampled_from([OPTED_IN, OPTED_OUT]),
    st.sampled_from(["", "2026-11-01T00:00:00.000Z", "2026-11-30T00:00:00.000Z"]),
    st.sampled_from(["applied", "observed", "planned", "uncertain"]),
)


@given(
    st.dictionaries(_ids, st.sampled_from([OPTED_IN, OPTED_OUT])),
    st.dictionaries(_ids, _lines),
    st.dictionaries(_ids, _lines, max_size=3),
    st.dictionaries(_ids, st.just(Evidence("form", "2026-11-15T00:00:00Z")), max_size=4),
)
def test_the_streamed_change_is_the_plan_and_guard_over_whole_maps(
    desired: dict[str, Preference],
    recorded: dict[str, LedgerLine],
    over: dict[str, LedgerLine],
    evidence: dict[str, Evidence],
) -> None:
    """One merge of the encoded desired map with the encoded ledger (and lines taken in over it)
    plans and guards exactly as `plan_consent` and `consent_guard` do over decoded maps."""
    encoded = codec.encode_str_map({k: r.to_wire() for k, r in recorded.items()}) if recorded else None
    known = KnownLedger(encoded, over)
    ledger = {**recorded, **over}
    change = change_consent("email", "extId", codec.encode_str_map(desired), known, evidence)
    assert change.plan == plan_consent("email", "extId", desired, ledger)
    assert change.blocked == consent_guard(desired, ledger, evidence)
    assert change.bad is None
    assert change.before == {i: ledger[i] for i in change.plan.touched if i in ledger}
    assert known.whole() == ledger
    applied = record_applied({}, change.plan, "2026-12-01T00:00:00.000Z")
    expected = record_applied(ledger, change.plan, "2026-12-01T00:00:00.000Z")
    assert codec.encode_entries(known.entries(applied)) == codec.encode_str_map(
        {k: r.to_wire() for k, r in expected.items()}
    )


@given(
    st.dictionaries(_ids, st.sampled_from([OPTED_IN, OPTED_OUT])),
    st.dictionaries(_ids, _lines),
    st.dictionaries(_ids, st.sampled_from([OPTED_IN, OPTED_OUT])),
    st.dictionaries(_ids, st.just(Evidence("form", "2026-11-15T00:00:00Z")), max_size=4),
)
def test_the_inputs_ledger_delta_plans_and_guards_as_the_whole_ledger(
    implied_by: dict[str, Preference],
    recorded: dict[str, LedgerLine],
    desired: dict[str, Preference],
    evidence: dict[str, Evidence],
) -> None:
    """The inputs keep only the ledger lines their desired states do not imply; given back, those
    lines plan and guard any next desired state exactly as the whole ledger does, and only an
    opted-in applied or planned line of an id desired opted in is left out."""
    implied = codec.encode_str_map(implied_by)
    whole = codec.encode_str_map({k: r.to_wire() for k, r in recorded.items()})
    delta = ledger_delta(implied, codec.entries(whole))
    kept = codec.decode_str_map(delta)
    absent = {k for k, v in kept.items() if v == "absent"}
    assert absent == {i for i in implied_by if i not in recorded}
    kept = {k: v for k, v in kept.items() if k not in absent}
    left_out = set(recorded) - set(kept)
    assert all(
        implied_by.get(i) == OPTED_IN
        and recorded[i].state == OPTED_IN
        and recorded[i].how != "uncertain"
        and recorded[i].how != "observed"
        for i in left_out
    )
    assert {k: v for k, v in kept.items()} == {
        k: recorded[k].to_wire() for k in recorded if k not in left_out
    }
    given_back = dict(implied_entries(implied, delta))
    assert all(given_back[(i + "\t").encode()] == b"opted_in planned" for i in left_out)
    assert not any((i + "\t").encode() in given_back for i in absent)

    change = change_consent(
        "email", "extId", codec.encode_str_map(desired), KnownLedger(delta, {}, implied), evidence
    )
    full = change_consent("email", "extId", codec.encode_str_map(desired), KnownLedger(whole, {}), evidence)
    assert change.plan == full.plan
    assert change.blocked == full.blocked


def test_a_desired_value_that_is_not_a_preference_is_named() -> None:
    desired = codec.encode_str_map({"a": "opted_in", "b": "maybe", "c": "yes"})
    change = change_consent("sms", "extId", desired, KnownLedger(None, {}), {})
    assert change.bad == "b"
    assert change.plan.ids("enableSms") == ("a",)
