"""Lifecycle of `ContactInfo` against the emulator."""

from __future__ import annotations

from netmera_iac.engine import codec
from netmera_iac.families.contacts.resource import ContactInfoProvider, contacts_input
from tests.adapters.conftest import configured
from tests.conftest import Emulator


def test_contact_info_lifecycle(emulator: Emulator) -> None:
    provider = configured(ContactInfoProvider(), emulator)
    first = contacts_input(
        {
            "cust-ayse": {"email": "ayse@shop.example.com"},
            "user-0001": {"msisdn": "+905550009999"},
        }
    )
    checked = provider.check({}, first)
    assert "updateEmail 1 user(s): cust-ayse=ayse@shop.example.com" in checked.inputs["plan"]
    created = provider.create(checked.inputs)
    assert emulator.contact_of("cust-ayse")["email"] == "ayse@shop.example.com"
    assert emulator.contact_of("user-0001")["msisdn"] == "+905550009999"
    assert provider.diff(created.id, created.outs, first).changes is False

    # Clearing a number (the loader demands the explicit flag) resets SMS permission in Netmera.
    second = contacts_input({"user-0001": {"msisdn": ""}})
    emulator.control.delete("/requests")
    updated = provider.update(created.id, created.outs, second)
    assert [r["operation"] for r in emulator.requests()] == ["updateMsisdn"]  # ayse left: untouched
    assert emulator.contact_of("user-0001") | {"email": None} == {
        "extId": "user-0001",
        "email": None,
        "msisdn": "",
        "whatsapp": [],
        "emailPermitted": True,
        "smsPermitted": False,
        "whatsappPermitted": False,
    }
    assert codec.json_map_in(updated.outs, "contacts")["cust-ayse"] == {"email": "ayse@shop.example.com"}
    provider.delete(created.id, updated.outs)
    assert emulator.contact_of("cust-ayse")["email"] == "ayse@shop.example.com"


def test_a_failed_update_leaves_the_address_unknown_and_a_revert_sends_it_again(emulator: Emulator) -> None:
    import pytest

    from netmera_iac.adapters.process import PartialApply

    provider = configured(ContactInfoProvider(), emulator)
    first = contacts_input({"cust-ayse": {"email": "ayse@shop.example.com"}})
    created = provider.create(first)
    emulator.add_fault(operation="updateEmail", sequence=[{"kind": "status", "status": 400}])
    with pytest.raises(PartialApply) as failed:
        provider.update(created.id, created.outs, contacts_input({"cust-ayse": {"email": "new@x.example"}}))
    assert "ContactInfo:" in failed.value.reason and "updateEmail" in failed.value.reason
    assert codec.json_map_in(failed.value.outputs, "contacts") == {"cust-ayse": {}}  # unknown now
    emulator.control.delete("/faults")
    assert provider.diff(created.id, failed.value.outputs, first).changes  # the revert sends it again
    emulator.control.delete("/requests")
    provider.update(created.id, failed.value.outputs, first)
    assert [r["operation"] for r in emulator.requests()] == ["updateEmail"]
    assert emulator.contact_of("cust-ayse")["email"] == "ayse@shop.example.com"
