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
    Resource,
)

from ...engine import (
    GuardSettings,
    GuardViolation,
    Plan,
    mass_change,
)
from ...resources.guards import guard_input, guard_settings
from ...resources.interrupted import interrupted_input
from ...resources.reviewed import with_plan
from ...resources.served import served
from ...resources.sharded import legacy_shard_failures
from .desired import ASSIGNMENT, EXCLUSION, MEMBERSHIP
from .planner import plan_tag_membership
from .provider import (
    TagProvider,
    member_count,
    members_input,
    members_of,
    retiring,
    settled,
    tag_failures,
    uncertain_of,
)


class TagMembershipProvider(TagProvider):
    """Owns the memberships it lists for one tag, whatever their number."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = retiring(olds, news)
        failures = self.config_failures() + tag_failures(news)
        if not failures:
            failures = legacy_shard_failures(olds, f"{MEMBERSHIP} {news['tag']!r}")
        if failures:
            return CheckResult(news, failures)
        if settled(olds, news):
            return CheckResult(with_plan(news, Plan()), [])  # same digest: nothing to decode or send
        # The difference is streamed from the two encoded sets: memory follows the change, not the tag.
        plan, removed = self.changes(news["tag"], olds, news)
        if olds:
            managed = member_count(olds)
            try:
                mass_change(f"{MEMBERSHIP} {news['tag']!r}", managed, removed, guard_settings(news))
            except GuardViolation as exc:
                return CheckResult(news, [CheckFailure("guard", str(exc))])  # names the guard, not ids
        return CheckResult(with_plan(news, plan), [])

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        # Removing the resource untags exactly the users it manages (the manifest guards it at preview),
        # and those whose outcome a failed apply left unknown. Journaled like an update.
        ids = members_of(props) | uncertain_of(props)
        if not ids:
            return
        here = served()
        if here:  # a failed delete keeps the entry: the resource stays, and so do its users' doubts
            here.journal.begin(here.type, here.name, {"tag": props["tag"]}, ids)
        self.send_plan(plan_tag_membership(props["tag"], (), ids))
        if here:
            here.journal.end(here.type, here.name)


class TagAssignmentProvider(TagProvider):
    """Ensures listed users carry a tag; never untags anyone."""

    removes = False

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        news = retiring(olds, news)
        failures = self.config_failures() + tag_failures(news)
        if not failures and settled(olds, news):
            news = with_plan(news, Plan())
        elif not failures:
            news = with_plan(news, self.plan(news["tag"], olds, news))
        return CheckResult(news, failures)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # additive and negative forms change nobody when they go away


class TagExclusionProvider(TagAssignmentProvider):
    """Ensures listed users do not carry a tag; never tags anyone."""

    adds = False
    removes = False


class TagMembership(Resource, module="netmera", name=MEMBERSHIP):
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
        interrupted: str | None = None,
        retiring: bool = False,
        existence: dict[str, Any] | None = None,
    ) -> None:
        props = {
            **({"retiring": True} if retiring else {}),
            "tag": tag,
            **members_input(members),
            "guard": guard_input(guard),
            "shared": shared,  # marked as also managed elsewhere; the policy pack forbids owning it
            **interrupted_input(interrupted),
            **(existence or {}),  # resources/existence.py
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
        interrupted: str | None = None,
        retiring: bool = False,
        existence: dict[str, Any] | None = None,
    ) -> None:
        props = {
            "tag": tag,
            **members_input(members),
            **interrupted_input(interrupted),
            **({"retiring": True} if retiring else {}),
            **(existence or {}),
        }
        super().__init__(self.provider_class(), name, props, opts)


class TagAssignment(_TagList, module="netmera", name=ASSIGNMENT):
    """Additive: the listed users carry the tag."""

    provider_class = TagAssignmentProvider


class TagExclusion(_TagList, module="netmera", name=EXCLUSION):
    """Negative: the listed users do not carry the tag."""

    provider_class = TagExclusionProvider
