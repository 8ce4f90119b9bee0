"""The consent guard holds per person, whatever addressing a list uses (issue 21, item 1): the
reproductions, both orders, for email, SMS and WhatsApp and for an address written in another form,
through the real CLI against the emulator; the record outliving a list; an upgrade from ledgers only."""

from __future__ import annotations

import shutil
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import REPO_ROOT, NetmeraStack, kill_up_when_sent, netmera_iac

pytestmark = pytest.mark.e2e

CONTACTS = {
    "users": {
        "cust-ayse": {"email": "ayse@example.com", "msisdn": "+905551110005", "whatsapp": ["+905551110005"]},
    }
}
# (channel, list by handle, ayse's handle as first written, the same handle in another form)
CHANNELS = [
    ("email", "addresses", "ayse@example.com", "AYSE@Example.com"),
    ("sms", "numbers", "+905551110005", "00905551110005"),
    ("whatsapp", "numbers", "+905551110005", "00905551110005"),
]


def write(stack: NetmeraStack, consent: dict[str, Any], contacts: dict[str, Any] | None = CONTACTS) -> None:
    (stack.state_dir / "consent.yaml").write_text(yaml.safe_dump(consent))
    path = stack.state_dir / "contacts.yaml"
    if contacts is None:
        path.unlink(missing_ok=True)
    else:
        path.write_text(yaml.safe_dump(contacts))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def refused(stack: NetmeraStack, emulator: Emulator) -> str:
    """The preview (with --refresh, as CI runs it) fails, sending nothing; its output."""
    emulator.control.delete("/requests")
    run = stack.cli("preview", "--refresh")
    assert run.returncode != 0, run.stdout
    assert writes(emulator) == []
    return run.stdout + run.stderr


@pytest.mark.parametrize(("channel", "by_handle", "handle", "other_form"), CHANNELS)
def test_an_opt_out_by_id_blocks_an_opt_in_by_the_persons_handle(
    netmera_stack: NetmeraStack,
    emulator: Emulator,
    channel: str,
    by_handle: str,
    handle: str,
    other_form: str,
) -> None:
    write(netmera_stack, {channel: {"users": {"opted_out": ["cust-ayse"]}}})
    netmera_stack.stack.up()
    for written in (handle, other_form):
        write(netmera_stack, {channel: {"users": {}, by_handle: {"opted_in": [written]}}})
        out = refused(netmera_stack, emulator)
        assert (
            f"consent.yaml: {channel}.{by_handle}: {written} (person cust-ayse) opted out as id:cust-ayse"
            in out
        )
        assert f"by consent list {channel}-users (applied by this stack); no evidence" in out


@pytest.mark.parametrize(("channel", "by_handle", "handle", "other_form"), CHANNELS)
def test_an_opt_out_by_handle_blocks_an_opt_in_by_external_id(
    netmera_stack: NetmeraStack,
    emulator: Emulator,
    channel: str,
    by_handle: str,
    handle: str,
    other_form: str,
) -> None:
    write(netmera_stack, {channel: {by_handle: {"opted_out": [handle]}}})
    netmera_stack.stack.up()
    write(netmera_stack, {channel: {by_handle: {}, "users": {"opted_in": ["cust-ayse"]}}})
    out = refused(netmera_stack, emulator)
    assert f"consent.yaml: {channel}.users: cust-ayse (person cust-ayse) opted out as" in out
    assert f"by consent list {channel}-{by_handle}" in out
    # The handle in another form is the same handle, whoever holds it.
    write(netmera_stack, {channel: {by_handle: {"opted_in": [other_form]}}}, contacts=None)
    out = refused(netmera_stack, emulator)
    assert f"{channel}.{by_handle}: {other_form} (" in out and f"by consent list {channel}-{by_handle}" in out


def test_evidence_later_than_the_opt_out_opts_in_from_either_list(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(netmera_stack, {"email": {"users": {"opted_out": ["cust-ayse"]}}})
    netmera_stack.stack.up()
    opted_out_at = now()
    early = {"ayse@example.com": {"source": "form", "at": "2020-01-01T00:00:00Z"}}
    write(
        netmera_stack,
        {"email": {"users": {}, "addresses": {"opted_in": ["ayse@example.com"], "evidence": early}}},
    )
    assert "evidence from 'form' at 2020-01-01T00:00:00Z is not later" in refused(netmera_stack, emulator)
    time.sleep(0.01)
    proof = {"ayse@example.com": {"source": "preference centre", "at": now()}}
    assert proof["ayse@example.com"]["at"] > opted_out_at
    write(
        netmera_stack,
        {"email": {"users": {}, "addresses": {"opted_in": ["ayse@example.com"], "evidence": proof}}},
    )
    emulator.control.delete("/requests")
    netmera_stack.stack.up()
    assert [r["operation"] for r in writes(emulator)] == ["addEmail", "enableMail"]
    # Opted in since by address: the id list may say opted in too, without evidence.
    write(netmera_stack, {"email": {"users": {"opted_in": ["cust-ayse"]}, "addresses": {}}})
    run = netmera_stack.cli("preview")
    assert run.returncode == 0, run.stdout


def test_one_person_opted_out_and_in_by_two_lists_is_refused(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(
        netmera_stack,
        {"email": {"users": {"opted_out": ["cust-ayse"]}, "addresses": {"opted_in": ["Ayse@example.com"]}}},
    )
    out = refused(netmera_stack, emulator)
    assert (
        "consent.yaml: email.addresses: Ayse@example.com is opted in, but stacks/e2e/consent.yaml: "
        "email.users opts out cust-ayse, the same person (id:cust-ayse): keep one of them" in out
    )


def test_the_record_outlives_the_list_and_a_ledger_only_state_is_taken_in(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    write(netmera_stack, {"sms": {"users": {"opted_out": ["cust-ayse"]}}})
    netmera_stack.stack.up()
    record = tmp_path / "state" / ".netmera-iac" / "consent"
    assert any(record.rglob("*.json"))
    # As a stack applied by an earlier version: no record, only the list's ledger in the state. It is
    # taken in without a request sent or a change planned.
    shutil.rmtree(record)
    emulator.control.delete("/requests")
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0
    assert writes(emulator) == []
    write(netmera_stack, {"sms": {"users": {}, "numbers": {"opted_in": ["00905551110005"]}}})
    out = refused(netmera_stack, emulator)
    assert "by consent list sms-users" in out
    assert (record / "netmera-iac" / "e2e" / "seeded.json").is_file()
    # The list is dropped from the desired state, its ledger forgotten on purpose: the record holds.
    write(netmera_stack, {"sms": {"numbers": {"opted_out": ["+905550000001"]}}})
    netmera_stack.stack.set_config("netmera-iac:allowForgetConsent", auto.ConfigValue("true"))
    netmera_stack.stack.up()
    assert netmera_stack.stack.export_stack().deployment["resources"]  # sms-users is gone from it
    assert not [
        r
        for r in netmera_stack.stack.export_stack().deployment["resources"]
        if r["urn"].endswith("::sms-users")
    ]
    write(netmera_stack, {"sms": {"numbers": {"opted_in": ["+905551110005"]}}})
    assert "by consent list sms-users" in refused(netmera_stack, emulator)


def test_an_opted_in_address_of_unknown_holder_is_stated(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(netmera_stack, {"email": {"addresses": {"opted_in": ["stranger@example.com"]}}}, contacts=None)
    netmera_stack.stack.preview()  # allowed by the provider's guards; the policy pack asks for evidence
    policy = netmera_stack.cli("preview", "--policy-pack", str(REPO_ROOT / "policy"))
    assert policy.returncode != 0
    assert "1 opt-in(s) of an address or number whose holder this stack does not know" in policy.stdout
    assert "stranger@example.com" in policy.stdout


def test_an_opt_out_killed_in_flight_blocks_the_opt_in_by_address_on_another_runner(
    netmera_stack: NetmeraStack, emulator: Emulator, tmp_path: Path
) -> None:
    write(netmera_stack, {"email": {"users": {"opted_in": ["cust-ayse"]}}})
    netmera_stack.stack.up()
    write(netmera_stack, {"email": {"users": {"opted_out": ["cust-ayse"]}}})
    emulator.add_fault(operation="disableMail", fault={"kind": "latency", "latency_ms": 4000}, probability=1)
    emulator.control.delete("/requests")
    # The request in flight is answered within 5 s: ayse is opted out, and no state says so.
    kill_up_when_sent(netmera_stack, emulator, "disableMail", 1, settle=5)
    emulator.control.delete("/faults")
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is False

    # Another machine, the desired state switched to her address: refused, from the record alone.
    other = netmera_stack.on_new_runner(tmp_path / "runner-2")
    assert other.cli("cancel", "--yes").returncode == 0
    write(other, {"email": {"users": {}, "addresses": {"opted_in": ["ayse@example.com"]}}})
    out = refused(other, emulator)
    assert "email.addresses: ayse@example.com (person cust-ayse) opted out as id:cust-ayse" in out
    # As sent (if the provider outlived the engine long enough to hear the answer) or as in flight.
    assert "by consent list email-users (" in out and "no evidence in the desired state" in out


def test_a_rollback_keeps_the_person_opted_out_under_the_older_addressing(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    proof = {"ayse@example.com": {"source": "signup form", "at": "2026-01-01T00:00:00Z"}}
    v1 = {"email": {"users": {}, "addresses": {"opted_in": ["ayse@example.com"], "evidence": proof}}}
    write(netmera_stack, v1)
    netmera_stack.stack.up()  # version 1: opted in by address
    write(netmera_stack, {"email": {"addresses": {}, "users": {"opted_out": ["cust-ayse"]}}})
    netmera_stack.stack.up()  # version 2: she opted out, by external id
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is False

    emulator.control.delete("/requests")
    result = netmera_iac(netmera_stack, "rollback", "--to", "1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "kept opted out (consent guard, email-addresses): 1 user(s): ayse@example.com" in result.stdout
    restored = yaml.safe_load((netmera_stack.state_dir / "consent.yaml").read_text())
    assert restored["email"]["addresses"]["opted_out"] == ["ayse@example.com"]
    assert emulator.contact_of("cust-ayse")["emailPermitted"] is False
    assert "enableMail" not in [r["operation"] for r in writes(emulator)]


def test_a_segment_read_tells_who_holds_an_address(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    # No contacts.yaml: only getSegmentUsers (the tag's segment) says user-0005 holds this address.
    (netmera_stack.state_dir / "tags.yaml").write_text(
        yaml.safe_dump({"memberships": {"vip": {"segment": 5883}}})
    )
    write(netmera_stack, {"email": {"users": {"opted_out": ["user-0005"]}}}, contacts=None)
    netmera_stack.stack.up()
    write(
        netmera_stack,
        {"email": {"users": {}, "addresses": {"opted_in": ["User-0005@example.com"]}}},
        contacts=None,
    )
    out = refused(netmera_stack, emulator)
    assert "email.addresses: User-0005@example.com (person user-0005) opted out as id:user-0005" in out


def test_the_plan_says_an_address_has_no_known_holder(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(netmera_stack, {"email": {"addresses": {"opted_in": ["stranger@example.com"]}}}, contacts=None)
    plan = netmera_iac(netmera_stack, "plan")
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "1 opted-in address(es) or number(s) whose holder this stack does not know" in plan.stdout
    assert "`stranger@example.com`" in plan.stdout
