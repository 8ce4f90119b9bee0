"""WhatsApp consent and numbers, removing addresses, and adding new ones, through the real CLI.

WhatsApp permission is a channel of the consent family (consent.yaml `whatsapp.users` / `numbers`),
with the same ledger, consent guard, evidence, mass-change guard, policy facts and plan summary as
email and SMS; a user's WhatsApp numbers are in contacts.yaml. `null` in contacts.yaml removes an
address (removeEmail, removeMsisdn, removeWhatsApp), and an opt-in by address or number adds it first
(addEmail, addMsisdn), so an address new to the app is reached.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

import pytest
import yaml
from pulumi import automation as auto

from tests.conftest import Emulator
from tests.e2e.conftest import writes
from tests.e2e.harness import REPO_ROOT, NetmeraStack, netmera_iac

pytestmark = pytest.mark.e2e
USERS = [f"user-{i:04d}" for i in range(10, 22)]  # twelve users of the demo app
AYSE_NUMBER, MEHMET_NUMBER = "+905551110005", "+905551110006"


def write(stack: NetmeraStack, **files: Any) -> None:
    for name, document in files.items():
        (stack.state_dir / f"{name}.yaml").write_text(yaml.safe_dump(document))


def preview_failure(stack: NetmeraStack) -> str:
    with pytest.raises(auto.CommandError) as caught:
        stack.stack.preview()
    return " ".join(str(caught.value).split())


def test_whats_app_consent_and_numbers(netmera_stack: NetmeraStack, emulator: Emulator) -> None:
    numbers = {"opted_out": [MEHMET_NUMBER]}

    def consent(**users: Any) -> dict[str, Any]:
        return {"whatsapp": {"users": users, "numbers": numbers}}

    contacts = {"cust-ayse": {"whatsapp": [AYSE_NUMBER]}, "cust-mehmet": {"whatsapp": MEHMET_NUMBER}}
    write(netmera_stack, contacts={"users": contacts}, consent=consent(opted_in=["cust-ayse", *USERS]))
    plan = netmera_iac(netmera_stack, "plan")
    assert plan.returncode == 0, plan.stderr
    assert "| whatsapp permission `whatsapp-users` (by extId) | create | 13 | opt in 13 |" in plan.stdout
    assert "| whatsapp permission `whatsapp-numbers` (by wpNumbers) | create | 1 | opt out 1 |" in plan.stdout
    assert "| contact addresses | create | 2 | update WhatsApp 2 |" in plan.stdout
    assert writes(emulator) == []

    netmera_stack.stack.up()
    ayse, mehmet = emulator.contact_of("cust-ayse"), emulator.contact_of("cust-mehmet")
    assert (ayse["whatsapp"], ayse["whatsappPermitted"]) == ([AYSE_NUMBER], True)
    assert (mehmet["whatsapp"], mehmet["whatsappPermitted"]) == ([MEHMET_NUMBER], False)
    order = [r["operation"] for r in writes(emulator)]
    assert order.index("updateWhatsApp") < order.index("disableWhatsApp")  # numbers first
    assert [r["ids"] for r in emulator.requests("enableWhatsApp")] == [13]  # one list request
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0

    # Opting everyone out at once trips the mass-change guard at preview.
    write(netmera_stack, consent=consent(opted_out=["cust-ayse", *USERS]))
    emulator.control.delete("/requests")
    message = preview_failure(netmera_stack)
    assert "WhatsAppConsent 'whatsapp-users'" in message and "opt out 13 of 13 managed users" in message
    assert writes(emulator) == []

    # One user opts out; opting her back in needs evidence later than that (the consent guard).
    write(netmera_stack, consent=consent(opted_in=USERS, opted_out=["cust-ayse"]))
    netmera_stack.stack.up()
    assert emulator.contact_of("cust-ayse")["whatsappPermitted"] is False
    write(netmera_stack, consent=consent(opted_in=["cust-ayse", *USERS]))
    emulator.control.delete("/requests")
    message = preview_failure(netmera_stack)
    assert "consent guard (whatsapp): 1 opt-in(s) of people who opted out" in message
    assert "whatsapp.users: cust-ayse (person cust-ayse) opted out" in message and writes(emulator) == []
    time.sleep(0.01)  # evidence must be later than the recorded opt-out
    evidence = {"cust-ayse": {"source": "WhatsApp opt-in keyword", "at": _now()}}
    write(netmera_stack, consent=consent(opted_in=["cust-ayse", *USERS], evidence=evidence))
    netmera_stack.stack.up(refresh=True)  # the opt-out's applied time is compared with the evidence
    assert emulator.contact_of("cust-ayse")["whatsappPermitted"] is True

    # The policy pack sees WhatsApp opt-ins as it sees the other channels' (the provider states them).
    write(netmera_stack, consent=consent(opted_in=["cust-ayse", *USERS, "user-0030"], evidence=evidence))
    result = netmera_iac(netmera_stack, "plan", "--policy-pack", str(REPO_ROOT / "policy"))
    assert result.returncode == 1
    assert "whatsapp-users: 1 opt-in(s) without a consent source: user-0030" in result.stdout


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_addresses_are_removed_with_null_and_new_ones_added_before_an_opt_in(
    netmera_stack: NetmeraStack, emulator: Emulator
) -> None:
    contact = {"email": "five@shop.example.com", "msisdn": "+905550005555", "whatsapp": [AYSE_NUMBER]}
    write(netmera_stack, contacts={"users": {"user-0005": contact}},
          consent={"email": {"users": {"opted_in": ["user-0005"]}}})  # fmt: skip
    netmera_stack.stack.up()
    assert emulator.contact_of("user-0005")["whatsapp"] == [AYSE_NUMBER]

    write(netmera_stack, contacts={"users": {"user-0005": {"email": None, "msisdn": None, "whatsapp": None}}},
          consent={"email": {"users": {"opted_in": ["user-0005"]}}})  # fmt: skip
    plan = netmera_iac(netmera_stack, "plan")
    assert (
        "| contact addresses | update | 1 | remove email 1, remove MSISDN 1, remove WhatsApp 1 |"
        in plan.stdout
    )
    emulator.control.delete("/requests")
    netmera_stack.stack.up()
    assert sorted(r["operation"] for r in writes(emulator)) == [
        "removeEmail",
        "removeMsisdn",
        "removeWhatsApp",
    ]
    after = emulator.contact_of("user-0005")
    assert (after["email"], after["msisdn"], after["whatsapp"]) == (None, None, [])
    assert after["emailPermitted"] is True  # removing an address keeps the permission
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0

    # Opting in addresses new to the app: added first, so the opt-in reaches them.
    write(netmera_stack, consent={"email": {"users": {"opted_in": ["user-0005"]},
                                            "addresses": {"opted_in": ["brand-new@example.com"]}},
                                  "sms": {"numbers": {"opted_in": ["+905559990001"]}}})  # fmt: skip
    emulator.control.delete("/requests")
    netmera_stack.stack.up()
    order = [r["operation"] for r in writes(emulator)]
    assert order.index("addEmail") < order.index("enableMail")
    assert order.index("addMsisdn") < order.index("enableSms")
    assert emulator.address_of("brand-new@example.com") == {
        "address": "brand-new@example.com", "holders": [], "deviceLess": True, "deviceLessPermitted": True,
    }  # fmt: skip
    assert emulator.address_of("+905559990001")["deviceLessPermitted"] is True
    assert netmera_stack.cli("preview", "--expect-no-changes").returncode == 0


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"consent": {"whatsapp": {"numbers": {"opted_in": ["12345"]}}}},
         "consent.yaml: whatsapp.numbers.opted_in[0]: not an MSISDN with a country code"),
        ({"contacts": {"users": {"cust-ayse": {"whatsapp": []}}}},
         "contacts.yaml: users.cust-ayse.whatsapp: an empty list sets no number; `whatsapp: null` removes"),
        ({"contacts": {"users": {"cust-ayse": {"whatsapp": [AYSE_NUMBER, AYSE_NUMBER]}}}},
         f"contacts.yaml: users.cust-ayse.whatsapp[1]: '{AYSE_NUMBER}' is listed more than once"),
        ({"contacts": {"users": {"cust-ayse": {"whatsapp": "0555"}}}},
         "contacts.yaml: users.cust-ayse.whatsapp:"),
        ({"consent": {"whatsapp": {"users": {"opted_in": ["cust-ayse"], "opted_in_file": "lists/x.txt"}}}},
         "consent.yaml: whatsapp.users: give `opted_in` or `opted_in_file`, not both"),
    ],
)  # fmt: skip
def test_bad_whats_app_input_fails_the_preview_without_a_request(
    netmera_stack: NetmeraStack, emulator: Emulator, files: dict[str, Any], expected: str
) -> None:
    write(netmera_stack, **files)
    emulator.control.delete("/requests")
    message = preview_failure(netmera_stack)
    assert expected in message, message
    assert emulator.requests() == []
