"""Contact plans: only differences, removals once, and a plan that converges (hypothesis)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

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


def test_removals_and_whats_app_numbers() -> None:
    applied = {
        "a": Contact("a@x.com", "+905550000001", ("+905551110000",)),
        "b": Contact(removes=frozenset({"email"})),
    }
    desired = {
        "a": Contact(whatsapp=("+905551110000", "+905551110009"), removes=frozenset({"email", "msisdn"})),
        "b": Contact(removes=frozenset({"email"})),  # removed already: nothing to send
        "c": Contact(email="c@x.com"),
    }
    plan = plan_contacts(desired, applied)
    assert dict(plan.updates) == {
        "updateWhatsApp": {"a": ("+905551110000", "+905551110009")},
        "updateEmail": {"c": "c@x.com"},
    }
    assert dict(plan.removals) == {"removeEmail": ("a",), "removeMsisdn": ("a",)}
    assert (plan.calls, plan.users_changed) == (4, 2)
    # An address set again after a removal is sent.
    assert plan_contacts({"b": Contact("b@x.com")}, applied).emails == {"b": "b@x.com"}


values = st.one_of(st.none(), st.sampled_from(["x@y.com", "z@y.com"]))
numbers = st.one_of(st.none(), st.sampled_from([("+905551110000",), ("+905551110000", "+905551110001")]))
removals = st.frozensets(st.sampled_from(["email", "msisdn", "whatsapp"]))
contacts = st.builds(Contact, email=values, msisdn=values, whatsapp=numbers, removes=removals).filter(
    lambda c: not any(c.value(f) is not None for f in c.removes)
)


@given(
    desired=st.dictionaries(st.sampled_from("abc"), contacts),
    applied=st.dictionaries(st.sampled_from("abc"), contacts),
)
def test_applying_a_contact_plan_reaches_the_desired_state(
    desired: dict[str, Contact], applied: dict[str, Contact]
) -> None:
    plan = plan_contacts(desired, applied)
    after = {u: dict(c.to_wire()) for u, c in applied.items()}
    for operation, changes in plan.updates.items():
        field = {"updateEmail": "email", "updateMsisdn": "msisdn", "updateWhatsApp": "whatsapp"}[operation]
        for user, value in changes.items():
            after.setdefault(user, {})[field] = list(value) if isinstance(value, tuple) else value
    for operation, users in plan.removals.items():
        field = {"removeEmail": "email", "removeMsisdn": "msisdn", "removeWhatsApp": "whatsapp"}[operation]
        for user in users:
            after.setdefault(user, {})[field] = None
    reached = {u: Contact.from_wire(w) for u, w in after.items()}
    for user, want in desired.items():
        for field in ("email", "msisdn", "whatsapp"):
            if field in want.removes:
                assert field in reached[user].removes
            elif want.value(field) is not None:
                assert reached[user].value(field) == want.value(field)
    assert plan_contacts(desired, reached).empty  # a second plan sends nothing
