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
from pulumi.dynamic import CheckResult, CreateResult, DiffResult, Resource, UpdateResult

from ...adapters.interrupted import interrupted_ids, interrupted_input, interrupted_is_new
from ...adapters.journaled import send_journaled
from ...adapters.provider import NetmeraProvider, encoded_failure
from ...adapters.reviewed import with_plan
from ...engine import PartialApplyError, codec, execute_tracked
from .planner import FIELDS, REMOVE, UPDATE, Contact, plan_contacts

CONTACTS = "contacts"


def _wire(props: dict[str, Any]) -> dict[str, Any]:
    return codec.json_map_in(props, CONTACTS)


def _contacts(wire: dict[str, Any]) -> dict[str, Contact]:
    return {ext_id: Contact.from_wire(value) for ext_id, value in wire.items() if isinstance(value, dict)}


def _applied(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    """The last applied values, less the users of an interrupted or failed change (unknown: sent again)."""
    gone = interrupted_ids(olds, news)
    return {u: v for u, v in _wire(olds).items() if u not in gone}


def contacts_input(wire: dict[str, Any]) -> dict[str, str]:
    return codec.collection(CONTACTS, codec.encode_json_map(wire), "users")


class ContactInfoProvider(NetmeraProvider):
    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures() + encoded_failure(CONTACTS, news)
        if not failures:
            news = with_plan(news, plan_contacts(_contacts(_wire(news)), _contacts(_applied(olds, news))))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        if codec.same_collection(olds, news, CONTACTS) and not interrupted_is_new(olds, news):
            return DiffResult(changes=False)
        if codec.is_legacy(olds, CONTACTS):
            return DiffResult(changes=True)  # rewritten once in the compact form, sending nothing
        plan = plan_contacts(_contacts(_wire(news)), _contacts(_applied(olds, news)))
        return DiffResult(changes=not plan.empty)

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult("contacts", self._apply(props, {}, "contacts"))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self._apply(news, olds))

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # stopping management changes nobody's addresses

    def _apply(
        self, news: dict[str, Any], olds: dict[str, Any], resource_id: str | None = None
    ) -> dict[str, Any]:
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

        writes = plan.to_plan()
        send_journaled(
            lambda: execute_tracked(self.client(), writes), sent, {}, partial, resource_id, plan=writes
        )
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
