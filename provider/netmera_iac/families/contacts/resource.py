"""`ContactInfo`: users' email addresses, MSISDNs and WhatsApp numbers (update*, remove*).

Netmera has no reliable read of any of them (netmera-api.md §5), so the last applied value is the
reference and refresh keeps it. Users leaving the desired state keep their addresses; deleting the
resource changes nobody. `null` in the desired state removes a value (removeEmail, removeMsisdn,
removeWhatsApp, which keep the permission); an empty MSISDN instead resets SMS permission, which the
loader only accepts with `reset_sms_permission: true` beside it.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import Resource

from ...adapters.interrupted import interrupted_ids, interrupted_input
from ...adapters.lifecycle import Checked, LifecycleProvider
from ...engine import PartialApplyError, codec
from .planner import FIELDS, REMOVE, UPDATE, Contact, ContactPlan, plan_contacts

CONTACTS = "contacts"


def _wire(props: dict[str, Any]) -> dict[str, Any]:
    return codec.json_map_in(props, CONTACTS)


def _contacts(wire: dict[str, Any]) -> dict[str, Contact]:
    return {ext_id: Contact.from_wire(value) for ext_id, value in wire.items() if isinstance(value, dict)}


def _applied(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    """The last applied values, less the users of an interrupted or failed change (unknown: sent again)."""
    gone = interrupted_ids(olds, news)
    return {u: v for u, v in _wire(olds).items() if u not in gone}


def _plan(olds: dict[str, Any], news: dict[str, Any]) -> ContactPlan:
    """The desired values against the last applied ones (those of an interrupted change unknown)."""
    return plan_contacts(_contacts(_wire(news)), _contacts(_applied(olds, news)))


def contacts_input(wire: dict[str, Any]) -> dict[str, str]:
    return codec.collection(CONTACTS, codec.encode_json_map(wire), "users")


class ContactInfoProvider(LifecycleProvider):
    collection = CONTACTS

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        return Checked(_plan(olds, news))

    def changed(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        if self.settled(olds, news):
            return False
        if codec.is_legacy(olds, CONTACTS):
            return True  # rewritten once in the compact form, sending nothing
        return not _plan(olds, news).empty

    def resource_id(self, props: dict[str, Any]) -> str:
        return "contacts"

    # Deleting the resource (`release`) changes nobody's addresses; nothing can be read back.

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        """Send the plan (journaled). Users who left the file keep their last applied value as the
        reference, should they return; after a part-way failure, a value with an unknown outcome is
        left out, so it is sent again."""
        old, new = _applied(olds, news), _wire(news)
        plan = plan_contacts(_contacts(new), _contacts(old))
        if plan.empty:
            return {**news, **contacts_input({**old, **new})}
        sent = plan.users

        def partial(exc: PartialApplyError) -> tuple[dict[str, Any], str, dict[str, Any]]:
            known = {u: dict(v) for u, v in {**old, **new}.items() if u not in sent}
            for user in sent:
                values = dict(old.get(user, {}))
                for field in FIELDS:
                    for operation in (UPDATE[field], REMOVE[field]):
                        if user in exc.progress.of(operation):
                            values[field] = new[user][field]  # the value set, or None: removed
                        elif user in exc.progress.uncertain_of.get(operation, ()):
                            values.pop(field, None)
                known[user] = values
            reason = (
                f"ContactInfo: {exc.cause} — {exc.progress.counts()}; those are sent again by the next "
                "`pulumi up` (also after a revert or rollback)"
            )
            return {**news, **contacts_input(known)}, reason, {}

        self.send_journaled(plan.to_plan(), sent, {}, partial, resource_id)
        return {**news, **contacts_input({**old, **new})}


class ContactInfo(Resource, module="netmera", name="ContactInfo"):
    """Email addresses, MSISDNs and WhatsApp numbers of the listed users."""

    def __init__(
        self,
        name: str,
        contacts: dict[str, Contact],
        opts: pulumi.ResourceOptions | None = None,
        interrupted: str | None = None,
    ) -> None:
        wire = {ext_id: c.to_wire() for ext_id, c in sorted(contacts.items())}
        props = {**contacts_input(wire), **interrupted_input(interrupted)}
        super().__init__(ContactInfoProvider(), name, props, opts)
