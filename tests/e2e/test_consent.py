"""Consent, contacts, segment-derived tags and the program's reads through the real CLI and emulator."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from netmera_iac.emulator.server import DEMO_API_KEY
from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import NetmeraStack, Project

pytestmark = pytest.mark.e2e


def write(netmera_stack: NetmeraStack, name: str, document: dict[str, Any]) -> None:
    (netmera_stack.state_dir / name).write_text(yaml.safe_dump(document))


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def email_users(**lists: Any) -> dict[str, Any]:
    return {"email": {"users": lists}}


def test_consent_guard_blocks_a_re_opt_in_until_evidence(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    write(netmera_stack, "consent.yaml", email_users(opted_in=["cust-ayse"], opted_out=["user-0001"]))
    netmera_stack.stack.up()
    assert emulator.contact_of("user-0001")["emailPermitted"] is False

    emulator.control.delete("/requests")
    write(netmera_stack, "consent.yaml", email_users(opted_in=["cust-ayse", "user-0001"]))
    with pytest.raises(auto.CommandError) as caught:
        netmera_stack.stack.preview()
    message = str(caught.value)
    # The stack's consent record knows when the opt-out was applied, with or without a refresh.
    assert "consent guard (email): 1 opt-in(s) of people who opted out" in message
    assert "email.users: user-0001 (person user-0001) opted out 20" in message
    assert "by consent list email-users (applied by this stack); no evidence in the desired state" in message
    refreshed = netmera_stack.cli("preview", "--refresh")
    assert refreshed.returncode != 0
    assert "email.users: user-0001 (person user-0001) opted out 20" in refreshed.stdout
    assert writes(emulator) == []

    time.sleep(0.01)  # evidence must be later than the recorded opt-out
    proof = {"user-0001": {"source": "preference centre, ticket 4711", "at": now()}}
    write(netmera_stack, "consent.yaml", email_users(opted_in=["cust-ayse", "user-0001"], evidence=proof))
    netmera_stack.stack.up(refresh=True)
    assert emulator.contact_of("user-0001")["emailPermitted"] is True
    assert [(r["operation"], r["ids"]) for r in writes(emulator)] == [("enableMail", 1)]


def test_rollback_to_an_older_desired_state_cannot_re_opt_in(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    signup = {"user-0002": {"source": "signup form", "at": "2026-01-01T00:00:00Z"}}
    v1 = {"sms": {"users": {"opted_in": ["user-0002", "user-0003"], "evidence": signup}}}
    v2 = {"sms": {"users": {"opted_in": ["user-0003"], "opted_out": ["user-0002"]}}}
    write(netmera_stack, "consent.yaml", v1)
    netmera_stack.stack.up()
    write(netmera_stack, "consent.yaml", v2)
    netmera_stack.stack.up()
    assert emulator.contact_of("user-0002")["smsPermitted"] is False

    write(netmera_stack, "consent.yaml", v1)  # "revert the commit and pulumi up"
    result = netmera_stack.cli("up", "--yes", "--refresh")
    assert result.returncode != 0
    assert "sms.users: user-0002 (person user-0002) opted out" in result.stdout + result.stderr
    assert "evidence from 'signup form' at 2026-01-01T00:00:00Z is not later" in result.stdout + result.stderr
    assert emulator.contact_of("user-0002")["smsPermitted"] is False

    # Dropping the list would drop its ledger, and with it this protection: refused at preview.
    (netmera_stack.state_dir / "consent.yaml").unlink()
    dropped = netmera_stack.cli("preview")
    assert dropped.returncode != 0
    assert "removing SmsConsent:sms-users would forget its consent ledger" in dropped.stdout


def test_push_drift_is_found_by_refresh(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    consent = {
        "push": {
            "users": {"opted_in": ["cust-mehmet"], "opted_out": ["user-0040"]},
            "devices": {"opted_out": ["tok-ayse-ipad"]},
        }
    }
    write(netmera_stack, "consent.yaml", consent)
    netmera_stack.stack.up()
    assert netmera_stack.cli("refresh", "--yes", "--expect-no-changes").returncode == 0

    with emulator.api() as api:  # behind the stack's back: mehmet turns push off, ayse's iPad on
        api.post("/disablePush", json={"extId": "cust-mehmet"}).raise_for_status()
        api.post("/enablePush", json={"deviceToken": "tok-ayse-ipad"}).raise_for_status()
    drift = netmera_stack.cli("refresh", "--yes", "--expect-no-changes", "--diff")
    assert drift.returncode != 0
    assert "cust-mehmet" in drift.stdout and "tok-ayse-ipad" in drift.stdout

    # The device is opted out again (an opt-out needs no evidence); mehmet's re-opt-in is blocked.
    preview = netmera_stack.cli("preview")
    assert preview.returncode != 0
    assert "push.users: cust-mehmet (person cust-mehmet) opted out" in preview.stdout
    assert "read back from Netmera" in preview.stdout
    consent["push"]["users"] = {"opted_out": ["cust-mehmet", "user-0040"]}
    write(netmera_stack, "consent.yaml", consent)
    emulator.control.delete("/requests")
    netmera_stack.stack.up()
    assert [r["operation"] for r in writes(emulator)] == ["disablePush"]  # the iPad; mehmet already off


def test_contacts_and_consent_by_address(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    write(
        netmera_stack,
        "contacts.yaml",
        {"users": {"user-0005": {"email": "five@shop.example.com", "msisdn": "+905550005555"}}},
    )
    write(
        netmera_stack,
        "consent.yaml",
        {
            "email": {"addresses": {"opted_out": ["five@shop.example.com"]}},
            "sms": {"numbers": {"opted_out": ["+905550005555"]}},
        },
    )
    netmera_stack.stack.up()
    assert emulator.contact_of("user-0005") == {
        "extId": "user-0005",
        "email": "five@shop.example.com",
        "msisdn": "+905550005555",
        "whatsapp": [],
        "emailPermitted": False,
        "smsPermitted": False,
        "whatsappPermitted": False,
    }
    order = [r["operation"] for r in writes(emulator)]
    assert order.index("updateEmail") < order.index("disableMail")  # contacts first

    write(netmera_stack, "contacts.yaml", {"users": {"user-0006": {"msisdn": ""}}})
    with pytest.raises(auto.CommandError) as caught:
        netmera_stack.stack.preview()
    assert "stacks/e2e/contacts.yaml: users.user-0006.msisdn: an empty MSISDN clears the number" in str(
        caught.value
    )
    write(
        netmera_stack, "contacts.yaml", {"users": {"user-0006": {"msisdn": "", "reset_sms_permission": True}}}
    )
    netmera_stack.stack.up()
    assert emulator.contact_of("user-0006")["smsPermitted"] is False
    assert emulator.contact_of("user-0005")["msisdn"] == "+905550005555"  # left the file: untouched

    write(netmera_stack, "consent.yaml", {"email": {"addresses": {"opted_in": ["not-an-address"]}}})
    with pytest.raises(auto.CommandError) as caught:
        netmera_stack.stack.preview()
    assert "stacks/e2e/consent.yaml: email.addresses.opted_in[0]: not a valid email address" in str(
        caught.value
    )


def test_a_tag_derived_from_a_segment(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    write(netmera_stack, "tags.yaml", {"memberships": {"vip-segment": {"segment": "VIP customers"}}})
    netmera_stack.stack.up()
    expected = ["cust-ayse", *(f"user-{i:04d}" for i in range(1, 13))]
    assert emulator.users_of("vip-segment") == expected
    write(netmera_stack, "tags.yaml", {"memberships": {"vip-segment": {"segment": "No such segment"}}})
    with pytest.raises(auto.CommandError) as caught:
        netmera_stack.stack.preview()
    assert "memberships.vip-segment.segment: getSegments: no segment named 'No such segment'" in str(
        caught.value
    )


def test_every_read_is_usable_in_a_program(tmp_path: Path, emulator: Emulator) -> None:
    project = Project.create(tmp_path, "reads", Path(__file__).parent / "reads_program")
    stack = project.stack("dev")
    stack.set_config("netmera:apiKey", auto.ConfigValue(DEMO_API_KEY, secret=True))
    stack.set_config("netmera:baseUrl", auto.ConfigValue(emulator.base_url))
    outputs = stack.up().outputs
    assert outputs["segments"].value == ["Mixpanel cohort", "Churn risk", "VIP customers"]
    assert outputs["vipUsers"].value == ["cust-ayse", *(f"user-{i:04d}" for i in range(1, 13))]
    assert outputs["churnUsers"].value == 21
    assert outputs["ayseDevices"].value == ["tok-ayse-pixel", "tok-ayse-ipad"]
    assert outputs["deviceTokens"].value == 63
    assert outputs["ayseProfile"].value["loyaltyTier"] == "gold"
    counts = emulator.counts()
    assert (
        counts["getSegmentUsers"] >= 2
        and counts["getDeviceTokens"] >= 1
        and counts["getProfileAttributes"] == 1
    )
