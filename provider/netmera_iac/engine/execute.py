"""Carrying out a plan through the client: the only place where plans meet the network."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TypeVar

from ..client import BatchError, NetmeraClient, NetmeraError, WriteResult
from ..client.batching import id_batches
from ..models import CategoryPreferenceEntry, ProfileEntry, UnsetProfileEntry
from .consent import SINGLE_TARGET_OPERATIONS, ContactPlan
from .plan import Operation, Plan
from .profile import ProfilePlan

T = TypeVar("T")

_PERMISSION_WRITES = {
    "enableMail": NetmeraClient.enable_mail,
    "disableMail": NetmeraClient.disable_mail,
    "enableSms": NetmeraClient.enable_sms,
    "disableSms": NetmeraClient.disable_sms,
}


def _send(client: NetmeraClient, op: Operation) -> int:
    """One operation of a plan; returns the number of requests made."""
    if op.name == "tagUsers":
        return client.tag_users(op.target, op.ids).requests
    if op.name == "untagUsers":
        return client.untag_users(op.target, op.ids).requests
    if op.name == "setCategoryPreferences":
        entries = [
            CategoryPreferenceEntry(ext_id=i, category=op.target, enable=bool(op.enable), channel=op.channel)
            for i in op.ids
        ]
        return client.set_category_preferences(entries).requests
    if op.name in ("enablePush", "disablePush"):
        send = client.enable_push_many if op.name == "enablePush" else client.disable_push_many
        by_token = op.target == "deviceToken"
        return send((), op.ids).requests if by_token else send(op.ids).requests
    if op.name in _PERMISSION_WRITES:
        write = _PERMISSION_WRITES[op.name]
        by_id = op.target == "extId"
        return (write(client, op.ids) if by_id else write(client, (), op.ids)).requests
    raise ValueError(f"unknown operation in plan: {op.name}")  # pragma: no cover - plans hold the above


def execute(client: NetmeraClient, plan: Plan) -> int:
    """Send every operation of `plan`; returns the number of requests made."""
    return sum(_send(client, op) for op in plan.operations)


def _batches(op: Operation) -> list[list[str]]:
    """The ids of each request the client makes for `op`, in the order a `BatchError` numbers them."""
    if op.name in SINGLE_TARGET_OPERATIONS:
        return [[i] for i in dict.fromkeys(op.ids)]
    return id_batches(op.ids)


@dataclass
class Progress:
    """What a plan did before it failed, per operation: ids answered 200, and ids whose outcome is
    unknown (their request failed, possibly after Netmera applied it), which the next apply sends
    again. Operations after the failing one were not started."""

    applied: dict[str, set[str]] = field(default_factory=dict)
    unknown: dict[str, set[str]] = field(default_factory=dict)

    def of(self, operation: str) -> set[str]:
        return self.applied.get(operation, set())

    @property
    def uncertain(self) -> set[str]:
        return {i for ids in self.unknown.values() for i in ids}

    def counts(self) -> str:
        done = ", ".join(f"{name} {len(ids)}" for name, ids in self.applied.items()) or "nothing"
        return f"applied: {done}; {len(self.uncertain)} id(s) with an unknown outcome"

    def track(self, operation: str, batches: list[list[str]], send: Callable[[], T]) -> T:
        """Send one operation whose requests carry `batches` (in the client's order); record what
        was answered 200, or raise `PartialApplyError` with what is known so far."""
        try:
            result = send()
        except BatchError as exc:
            self.applied.setdefault(operation, set()).update(i for o in exc.applied for i in batches[o.index])
            self.unknown[operation] = {i for o in exc.failed for i in batches[o.index]}
            raise PartialApplyError(self, exc) from exc
        except NetmeraError as exc:  # one request in all: its own error
            self.unknown[operation] = {i for batch in batches for i in batch}
            raise PartialApplyError(self, exc) from exc
        self.applied.setdefault(operation, set()).update(i for batch in batches for i in batch)
        return result


class PartialApplyError(NetmeraError):
    """A plan failed part-way; `progress` says what is known to have been applied."""

    def __init__(self, progress: Progress, cause: NetmeraError) -> None:
        super().__init__(str(cause))
        self.progress = progress
        self.cause = cause


def execute_tracked(client: NetmeraClient, plan: Plan) -> None:
    """Send the plan in order; on failure raises `PartialApplyError` with what was applied so far."""
    progress = Progress()
    for op in plan.operations:
        progress.track(op.name, _batches(op), partial(_send, client, op))


def execute_profiles(client: NetmeraClient, plan: ProfilePlan) -> int:
    """setProfileAttributes (one entry per user) then unsetProfileAttributes; returns requests made.
    On failure raises `PartialApplyError` (per operation, the users answered 200 and the unknown)."""
    requests = 0
    progress = Progress()
    sets = [ProfileEntry(ext_id=u, profile=dict(v)) for u, v in sorted(plan.sets.items())]
    unsets = [UnsetProfileEntry(ext_id=u, profile=list(a)) for u, a in sorted(plan.unsets.items())]
    steps: list[tuple[str, list[str], Callable[[], WriteResult]]] = [
        ("setProfileAttributes", sorted(plan.sets), lambda: client.set_profile_attributes(sets)),
        ("unsetProfileAttributes", sorted(plan.unsets), lambda: client.unset_profile_attributes(unsets)),
    ]
    for name, users, send in steps:
        if users:  # one entry per user, in this order: the client's batches
            requests += progress.track(name, id_batches(users), send).requests
    return requests


def execute_contacts(client: NetmeraClient, plan: ContactPlan) -> int:
    """updateEmail then updateMsisdn, one request per user; returns the number of requests made. On
    failure raises `PartialApplyError` (per operation, the users answered 200 and the unknown ones)."""
    requests = 0
    progress = Progress()
    for name, values, send in (
        ("updateEmail", plan.emails, client.update_email_many),
        ("updateMsisdn", plan.msisdns, client.update_msisdn_many),
    ):
        if values:  # one request per user, in sorted order
            requests += progress.track(name, [[u] for u in sorted(values)], partial(send, values)).requests
    return requests


def execute_erasure(client: NetmeraClient, ext_ids: list[str]) -> None:
    """deleteUsersPermanently (1000 per request; an already-erased id counts as done); on failure
    raises `PartialApplyError` naming the users of the requests answered 200."""
    Progress().track(
        "deleteUsersPermanently",
        id_batches(ext_ids),
        lambda: client.delete_users_permanently(ext_ids, missing_ok=True),
    )
