"""Carrying out a plan through the client: the only place where plans meet the network."""

from __future__ import annotations

from ..client import NetmeraClient
from ..models import CategoryPreferenceEntry, ProfileEntry, UnsetProfileEntry
from .consent import ContactPlan
from .plan import Plan
from .profile import ProfilePlan

_PERMISSION_WRITES = {
    "enableMail": NetmeraClient.enable_mail,
    "disableMail": NetmeraClient.disable_mail,
    "enableSms": NetmeraClient.enable_sms,
    "disableSms": NetmeraClient.disable_sms,
}


def execute(client: NetmeraClient, plan: Plan) -> int:
    """Send every operation of `plan`; returns the number of requests made."""
    requests = 0
    for op in plan.operations:
        if op.name == "tagUsers":
            requests += client.tag_users(op.target, op.ids).requests
        elif op.name == "untagUsers":
            requests += client.untag_users(op.target, op.ids).requests
        elif op.name == "setCategoryPreferences":
            entries = [
                CategoryPreferenceEntry(
                    ext_id=i, category=op.target, enable=bool(op.enable), channel=op.channel
                )
                for i in op.ids
            ]
            requests += client.set_category_preferences(entries).requests
        elif op.name in ("enablePush", "disablePush"):
            send = client.enable_push_many if op.name == "enablePush" else client.disable_push_many
            by_token = op.target == "deviceToken"
            requests += send((), op.ids).requests if by_token else send(op.ids).requests
        elif op.name in _PERMISSION_WRITES:
            write = _PERMISSION_WRITES[op.name]
            by_id = op.target == "extId"
            requests += (write(client, op.ids) if by_id else write(client, (), op.ids)).requests
        else:  # pragma: no cover - a plan only ever holds the operations above
            raise ValueError(f"unknown operation in plan: {op.name}")
    return requests


def execute_profiles(client: NetmeraClient, plan: ProfilePlan) -> int:
    """setProfileAttributes (one entry per user) then unsetProfileAttributes; returns requests made."""
    requests = 0
    if plan.sets:
        entries = [ProfileEntry(ext_id=u, profile=dict(v)) for u, v in sorted(plan.sets.items())]
        requests += client.set_profile_attributes(entries).requests
    if plan.unsets:
        unsets = [UnsetProfileEntry(ext_id=u, profile=list(a)) for u, a in sorted(plan.unsets.items())]
        requests += client.unset_profile_attributes(unsets).requests
    return requests


def execute_contacts(client: NetmeraClient, plan: ContactPlan) -> int:
    """updateEmail then updateMsisdn, one request per user; returns the number of requests made."""
    requests = 0
    if plan.emails:
        requests += client.update_email_many(plan.emails).requests
    if plan.msisdns:
        requests += client.update_msisdn_many(plan.msisdns).requests
    return requests
