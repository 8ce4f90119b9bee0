"""Tag resources: `TagMembership` (authoritative), `TagAssignment` (additive), `TagExclusion` (negative).

Netmera cannot list the users of a tag nor the tags of a user, so none of these can be read back:
`pulumi refresh` keeps the last applied state, and changes made outside the stack are not detected.
Each resource only ever touches the users it lists; users it never listed are never untagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    ReadResult,
    Resource,
    UpdateResult,
)

from ..engine import (
    GuardSettings,
    GuardViolation,
    Plan,
    codec,
    mass_change,
    plan_tag_changes,
    plan_tag_membership,
)
from ._base import (
    NetmeraProvider,
    encoded_failure,
    guard_input,
    guard_settings,
    legacy_shard_failures,
    with_plan,
)

MEMBERS = "members"


def _members(props: dict[str, Any]) -> frozenset[str]:
    return codec.ids_in(props, MEMBERS)


def members_input(members: Iterable[str] | str) -> dict[str, str]:
    """The visible summary and the hidden encoded set (engine/codec.py); `members` may already be
    encoded (the program encodes each list once and records its digest)."""
    encoded = members if isinstance(members, str) else codec.encode_ids(members)
    return codec.collection(MEMBERS, encoded, "ids")


def _plan(tag: str, olds: dict[str, Any], news: dict[str, Any]) -> Plan:
    """Authoritative: tag who is new, untag who left (engine.plan_tag_membership, streamed)."""
    added, removed = codec.ids_diff_in(olds, news, MEMBERS)
    return plan_tag_changes(tag, added, removed)


def _count(props: dict[str, Any]) -> int:
    head = codec.props_header(props, MEMBERS)
    return head.count if head is not None else len(_members(props))


def _tag_failures(news: dict[str, Any]) -> list[CheckFailure]:
    if not isinstance(news.get("tag"), str) or not news["tag"]:
        return [CheckFailure("tag", "a non-empty tag name is required")]
    return encoded_failure(MEMBERS, news)


def _diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    replaces = ["tag"] if olds.get("tag") != news.get("tag") else []
    changes = bool(replaces) or not codec.same_collection(olds, news, MEMBERS)
    return DiffResult(changes=changes, replaces=replaces, delete_before_replace=False)


class TagMembershipProvider(NetmeraProvider):
    """Owns the memberships it lists for one tag, whatever their number."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures() + _tag_failures(news)
        if not failures:
            failures = legacy_shard_failures(olds, f"TagMembership {news['tag']!r}")
        if failures:
            return CheckResult(news, failures)
        if codec.same_collection(olds, news, MEMBERS):
            return CheckResult(with_plan(news, Plan()), [])  # same digest: nothing to decode or send
        # The difference is streamed from the two encoded sets: memory follows the change, not the tag.
        plan = _plan(news["tag"], olds, news)
        if olds:
            managed = _count(olds)
            try:
                removed = len(plan.ids("untagUsers"))
                mass_change(f"TagMembership {news['tag']!r}", managed, removed, guard_settings(news))
            except GuardViolation as exc:
                return CheckResult(news, [CheckFailure("guard", str(exc))])  # names the guard, not ids
        return CheckResult(with_plan(news, plan), [])

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self.send_plan(_plan(props["tag"], {}, props))
        return CreateResult(props["tag"], props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.send_plan(_plan(news["tag"], olds, news))
        return UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        # Removing the resource untags exactly the users it manages (the manifest guards it at preview).
        self.send_plan(plan_tag_membership(props["tag"], (), _members(props)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)  # tags cannot be read back from Netmera


class TagAssignmentProvider(NetmeraProvider):
    """Ensures listed users carry a tag; never untags anyone."""

    adds = True  # newly listed users are tagged (TagExclusion: untagged)

    def plan(self, tag: str, olds: dict[str, Any], news: dict[str, Any]) -> Plan:
        """Only users newly listed: leaving the list changes nobody (plan_tag_assignment, streamed)."""
        listed, _ = codec.ids_diff_in(olds, news, MEMBERS)
        return plan_tag_changes(tag, listed, ()) if self.adds else plan_tag_changes(tag, (), listed)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures() + _tag_failures(news)
        if not failures and codec.same_collection(olds, news, MEMBERS):
            news = with_plan(news, Plan())
        elif not failures:
            news = with_plan(news, self.plan(news["tag"], olds, news))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return _diff(olds, news)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self.send_plan(self.plan(props["tag"], {}, props))
        return CreateResult(props["tag"], props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.send_plan(self.plan(news["tag"], olds, news))
        return UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # additive and negative forms change nobody when they go away

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)


class TagExclusionProvider(TagAssignmentProvider):
    """Ensures listed users do not carry a tag; never tags anyone."""

    adds = False


class TagMembership(Resource, module="netmera", name="TagMembership"):
    """The memberships of one tag that this stack owns."""

    tag: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        tag: str,
        members: Iterable[str] | str,
        guard: GuardSettings,
        shared: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "tag": tag,
            **members_input(members),
            "guard": guard_input(guard),
            "shared": shared,  # marked as also managed elsewhere; the policy pack forbids owning it
        }
        super().__init__(TagMembershipProvider(), name, props, opts)


class _TagList(Resource):
    """A tag and a list of users, applied by `provider_class` (additive or negative)."""

    provider_class: type[TagAssignmentProvider]
    tag: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        tag: str,
        members: Iterable[str] | str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"tag": tag, **members_input(members)}
        super().__init__(self.provider_class(), name, props, opts)


class TagAssignment(_TagList, module="netmera", name="TagAssignment"):
    """Additive: the listed users carry the tag."""

    provider_class = TagAssignmentProvider


class TagExclusion(_TagList, module="netmera", name="TagExclusion"):
    """Negative: the listed users do not carry the tag."""

    provider_class = TagExclusionProvider
