"""`ContactInfo`: users' email addresses and MSISDNs (updateEmail, updateMsisdn).

Netmera has no reliable read of either (netmera-api.md §5), so the last applied value is the reference
and refresh keeps it. Users leaving the desired state keep their addresses; deleting the resource
changes nobody. Clearing an MSISDN resets SMS permission, which the desired-state loader only accepts
with `reset_sms_permission: true` beside it.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ..engine import Contact, codec, execute_contacts, plan_contacts
from ._base import NetmeraProvider, encoded_failure, with_plan

CONTACTS = "contacts"


def _wire(props: dict[str, Any]) -> dict[str, Any]:
    return codec.json_map_in(props, CONTACTS)


def _contacts(wire: dict[str, Any]) -> dict[str, Contact]:
    return {
        ext_id: Contact(email=value.get("email"), msisdn=value.get("msisdn"))
        for ext_id, value in wire.items()
        if isinstance(value, dict)
    }


def contacts_input(wire: dict[str, Any]) -> dict[str, str]:
    return codec.collection(CONTACTS, codec.encode_json_map(wire), "users")


class ContactInfoProvider(NetmeraProvider):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures() + encoded_failure(CONTACTS, news)
        if not failures:
            news = with_plan(news, plan_contacts(_contacts(_wire(news)), _contacts(_wire(olds))))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if codec.same_collection(olds, news, CONTACTS):
            return DiffResult(changes=False)
        if codec.is_legacy(olds, CONTACTS):
            return DiffResult(changes=True)  # rewritten once in the compact form, sending nothing
        return DiffResult(changes=not plan_contacts(_contacts(_wire(news)), _contacts(_wire(olds))).empty)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("contacts", self._apply(props, {}))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._apply(news, olds))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # stopping management changes nobody's addresses

    def _apply(self, news: dict[str, Any], olds: dict[str, Any]) -> dict[str, Any]:
        old, new = _wire(olds), _wire(news)
        plan = plan_contacts(_contacts(new), _contacts(old))
        if not plan.empty:
            execute_contacts(self.client(), plan)
        # Users who left the file keep their last applied value as the reference, should they return.
        return {**news, **contacts_input({**old, **new})}


class ContactInfo(Resource, module="netmera", name="ContactInfo"):
    """Email addresses and MSISDNs of the listed users."""

    def __init__(
        self, name: str, contacts: dict[str, Contact], opts: pulumi.ResourceOptions | None = None
    ) -> None:
        wire = {
            ext_id: {k: v for k, v in (("email", c.email), ("msisdn", c.msisdn)) if v is not None}
            for ext_id, c in sorted(contacts.items())
        }
        super().__init__(ContactInfoProvider(), name, contacts_input(wire), opts)
