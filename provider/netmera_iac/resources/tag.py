"""Tag resources: `TagMembership` (authoritative), `TagAssignment` (additive), `TagExclusion` (negative).

Netmera cannot list the users of a tag nor the tags of a user, so none of these can be read back:
`pulumi refresh` keeps the last applied state, and changes made outside the stack are not detected.
Each resource only ever touches the users it lists; users it never listed are never untagged.
"""

from __future__ import annotations

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
    mass_change,
    plan_tag_assignment,
    plan_tag_changes,
    plan_tag_exclusion,
    plan_tag_membership,
    shard_of,
)
from ._base import NetmeraProvider, guard_input, guard_settings, id_map, shard_input, with_plan
from ._coalesce import COALESCER, Send, Shard


def _members(props: dict[str, Any]) -> frozenset[str]:
    return frozenset(id_map(props.get("members")))


def _key(props: dict[str, Any]) -> str:
    return f"tag:{props['tag']}"


def combined_tag_plan(tag: str, batch: list[Shard], settled: list[Shard]) -> Plan:
    """One plan for several shards of a tag: ids moving between shards cancel out, and ids held by
    the tag's other shards (settled) are neither re-tagged nor untagged."""
    old: set[str] = set().union(*(s.old for s in batch))
    new: set[str] = set().union(*(s.new for s in batch))
    keep: set[str] = set().union(*(s.new if s.done else s.old for s in settled))
    plan = plan_tag_membership(tag, new, old)
    adds = [i for i in plan.ids("tagUsers") if i not in keep]
    removes = [i for i in plan.ids("untagUsers") if i not in keep]
    return plan_tag_changes(tag, adds, removes)


class TagMembershipProvider(NetmeraProvider):
    """Owns the memberships it lists for one tag (one shard of it)."""

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures()
        if not isinstance(news.get("tag"), str) or not news["tag"]:
            failures.append(CheckFailure("tag", "a non-empty tag name is required"))
        if not isinstance(news.get("members"), dict):
            failures.append(CheckFailure("members", "a map of external id -> true is required"))
        if failures:
            return CheckResult(news, failures)
        # The member maps are large (up to 20,000 ids per shard): build each set once.
        old, new = _members(olds), _members(news)
        index, count = shard_input(news)
        if olds:
            # Ids that now hash to another shard move; they are not removed from the tag.
            moved = {i for i in old - new if shard_of(i, count) != index}
            try:
                mass_change(
                    f"TagMembership {news['tag']!r}", len(old), len(old - new - moved), guard_settings(news)
                )
            except GuardViolation as exc:
                failures.append(CheckFailure("guard", str(exc)))  # names the guard, not a huge map
        if not failures:
            news = with_plan(news, plan_tag_membership(news["tag"], new, old))
            COALESCER.record(_key(news), index, count, old, new)
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = ["tag"] if olds.get("tag") != news.get("tag") else []
        changed = replaces or _members(olds) != _members(news) or olds.get("shard") != news.get("shard")
        return DiffResult(changes=bool(changed), replaces=replaces, delete_before_replace=False)

    def create(self, props: dict[str, Any]) -> CreateResult:
        index, count = shard_input(props)
        COALESCER.apply(_key(props), index, count, frozenset(), _members(props), self._send(props["tag"]))
        return CreateResult(f"{props['tag']}#{index}", props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        # Also when the shard count grew: ids moving between shards cancel out in the combined plan.
        index, count = shard_input(news)
        COALESCER.apply(_key(news), index, count, _members(olds), _members(news), self._send(news["tag"]))
        return UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        # Removing the resource untags exactly the users it manages (the manifest guards it at preview).
        self.send_plan(plan_tag_membership(props["tag"], (), _members(props)))

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)  # tags cannot be read back from Netmera

    def _send(self, tag: str) -> Send:
        def send(batch: list[Shard], settled: list[Shard]) -> None:
            self.send_plan(combined_tag_plan(tag, batch, settled))

        return send


class TagAssignmentProvider(NetmeraProvider):
    """Ensures listed users carry a tag; never untags anyone."""

    plan = staticmethod(plan_tag_assignment)

    def check(self, olds: dict[str, Any], news: dict[str, Any]) -> CheckResult:
        failures = self.config_failures()
        if not isinstance(news.get("members"), dict):
            failures.append(CheckFailure("members", "a map of external id -> true is required"))
        if not failures:
            news = with_plan(news, self.plan(news["tag"], _members(news), _members(olds)))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        replaces = ["tag"] if olds.get("tag") != news.get("tag") else []
        return DiffResult(changes=bool(replaces) or _members(olds) != _members(news), replaces=replaces)

    def create(self, props: dict[str, Any]) -> CreateResult:
        self.send_plan(self.plan(props["tag"], _members(props), ()))
        return CreateResult(props["tag"], props)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        self.send_plan(self.plan(news["tag"], _members(news), _members(olds)))
        return UpdateResult(news)

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        return None  # additive and negative forms change nobody when they go away

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        return ReadResult(id_, props)


class TagExclusionProvider(TagAssignmentProvider):
    """Ensures listed users do not carry a tag; never tags anyone."""

    plan = staticmethod(plan_tag_exclusion)


class TagMembership(Resource, module="netmera", name="TagMembership"):
    """The memberships of one tag (or one shard of a large tag) that this stack owns."""

    tag: pulumi.Output[str]
    members: pulumi.Output[dict[str, bool]]

    def __init__(
        self,
        name: str,
        tag: str,
        members: list[str] | tuple[str, ...],
        guard: GuardSettings,
        shard_index: int = 0,
        shard_count: int = 1,
        shared: bool = False,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {
            "tag": tag,
            "members": dict.fromkeys(sorted(members), True),
            "shard": {"index": shard_index, "count": shard_count},
            "guard": guard_input(guard),
            "shared": shared,  # marked as also managed elsewhere; the policy pack forbids owning it
        }
        super().__init__(TagMembershipProvider(), name, props, opts)


class _TagList(Resource):
    """A tag and a list of users, applied by `provider_class` (additive or negative)."""

    provider_class: type[TagAssignmentProvider]
    tag: pulumi.Output[str]
    members: pulumi.Output[dict[str, bool]]

    def __init__(
        self,
        name: str,
        tag: str,
        members: list[str] | tuple[str, ...],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props = {"tag": tag, "members": dict.fromkeys(sorted(members), True)}
        super().__init__(self.provider_class(), name, props, opts)


class TagAssignment(_TagList, module="netmera", name="TagAssignment"):
    """Additive: the listed users carry the tag."""

    provider_class = TagAssignmentProvider


class TagExclusion(_TagList, module="netmera", name="TagExclusion"):
    """Negative: the listed users do not carry the tag."""

    provider_class = TagExclusionProvider
