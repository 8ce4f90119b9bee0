"""Consent planning, the ledger and the consent guard (pure logic)."""

from __future__ import annotations

from netmera_iac.families.contacts.planner import Contact, plan_contacts


def test_contacts_plan_only_differences_and_names_the_sms_reset() -> None:
    applied = {"a": Contact("a@x.com", "+905550000001"), "b": Contact("b@x.com")}
    desired = {"a": Contact("a@x.com", ""), "b": Contact("new@x.com"), "c": Contact(msisdn="+905550000003")}
    plan = plan_contacts(desired, applied)
    assert dict(plan.emails) == {"b": "new@x.com"}
    assert dict(plan.msisdns) == {"a": "", "c": "+905550000003"}
    assert plan.calls == 3
    assert "a=(empty: resets SMS permission)" in plan.summary()
    assert plan_contacts(applied, applied).empty
