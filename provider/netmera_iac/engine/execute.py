"""Carrying out a plan through the client: the only place where plans meet the network."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..client import BatchError, NetmeraClient, NetmeraError
from ..client.batching import id_batches
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


@dataclass
class TagProgress:
    """What a tag plan did before it failed: ids answered 200, and ids whose outcome is unknown (their
    request failed, possibly after Netmera applied it), which the next apply sends again."""

    tagged: set[str] = field(default_factory=set)
    untagged: set[str] = field(default_factory=set)
    uncertain: set[str] = field(default_factory=set)


class PartialTagApply(NetmeraError):
    """A tag plan failed part-way; `progress` says what is known to have been applied."""

    def __init__(self, progress: TagProgress, cause: NetmeraError) -> None:
        super().__init__(str(cause))
        self.progress = progress
        self.cause = cause


def execute_tags(client: NetmeraClient, plan: Plan) -> None:
    """tagUsers then untagUsers; on failure raises `PartialTagApply` with what was applied so far.
    Operations after the failing one are not started."""
    progress = TagProgress()
    for op in plan.operations:
        send = client.tag_users if op.name == "tagUsers" else client.untag_users
        done = progress.tagged if op.name == "tagUsers" else progress.untagged
        try:
            send(op.target, op.ids)
        except BatchError as exc:
            batches = id_batches(op.ids)
            done.update(i for outcome in exc.applied for i in batches[outcome.index])
            progress.uncertain.update(i for outcome in exc.failed for i in batches[outcome.index])
            raise PartialTagApply(progress, exc) from exc
        except NetmeraError as exc:  # one request in all: its own error
            progress.uncertain.update(op.ids)
            raise PartialTagApply(progress, exc) from exc
        done.update(op.ids)


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
