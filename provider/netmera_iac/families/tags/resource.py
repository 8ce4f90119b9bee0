"""Tag resources: `TagMembership` (authoritative), `TagAssignment` (additive), `TagExclusion` (negative).

Netmera cannot list the users of a tag nor the tags of a user, so none of these can be read back:
`pulumi refresh` keeps the last applied state, and changes made outside the stack are not detected.
Each resource only ever touches the users it lists; users it never listed are never untagged.
`TagProvider` fills in the lifecycle (adapters/lifecycle.py) for the three forms: the encoded members,
the plan (authoritative, additive or negative), and recording what a part-way failure did apply.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pulumi
from pulumi.dynamic import CheckFailure, Resource

from ...adapters.existence import known_only, not_found_output
from ...adapters.guards import guard_input, guard_settings
from ...adapters.interrupted import interrupted_ids, interrupted_input, interrupted_is_new
from ...adapters.lifecycle import Checked, LifecycleProvider
from ...adapters.served import served
from ...adapters.sharded import legacy_shard_failures
from ...engine import (
    GuardSettings,
    GuardViolation,
    PartialApplyError,
    Plan,
    Progress,
    codec,
    mass_change,
)
from .desired import ASSIGNMENT, EXCLUSION, MEMBERSHIP
from .planner import plan_tag_changes, plan_tag_membership

MEMBERS = "members"
# Ids a failed apply sent without learning the outcome (the request failed, possibly after Netmera
# applied it). Kept in the outputs only; the next apply sends them again as the desired state says.
UNCERTAIN = "uncertain"


def members_of(props: dict[str, Any]) -> frozenset[str]:
    return codec.ids_in(props, MEMBERS)


def members_input(members: Iterable[str] | str) -> dict[str, str]:
    """The visible summary and the hidden encoded set (engine/codec.py); `members` may already be
    encoded (the program encodes each list once and records its digest)."""
    encoded = members if isinstance(members, str) else codec.encode_ids(members)
    return codec.collection(MEMBERS, encoded, "ids")


def uncertain_of(props: dict[str, Any]) -> frozenset[str]:
    return codec.ids_in(props, UNCERTAIN)


def _uncertain_ids(olds: dict[str, Any], news: dict[str, Any]) -> frozenset[str]:
    """Ids whose state in Netmera is unknown: recorded by a failed apply, or found in the journal."""
    return uncertain_of(olds) | interrupted_ids(olds, news)


def _any_uncertain(props: dict[str, Any]) -> bool:
    """From the header alone: a recorded uncertainty always means an update."""
    head = codec.props_header(props, UNCERTAIN)
    return head is not None and head.count > 0


def settled(olds: dict[str, Any], news: dict[str, Any]) -> bool:
    """Nothing to send, judged by digests and counts only (nothing decoded)."""
    return (
        codec.same_collection(olds, news, MEMBERS)
        and not _any_uncertain(olds)
        and not interrupted_is_new(olds, news)
    )


def member_count(props: dict[str, Any]) -> int:
    head = codec.props_header(props, MEMBERS)
    return head.count if head is not None else len(members_of(props))


def retiring(olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
    """A resource no longer in the desired state whose change was interrupted is registered once more,
    `retiring`, by the program (which does not have the state): it keeps the members and guard it
    had, so only the interrupted ids are sent, as it recorded them. The next run removes it."""
    if not news.get("retiring"):
        return news
    kept = {k: olds[k] for k in (MEMBERS, codec.hidden(MEMBERS), "guard", "shared") if k in olds}
    return {**news, **kept}


class TagProvider(LifecycleProvider):
    """Shared by the three forms: plan, send, and record what a failed apply did apply.

    `adds`/`removes`: whether the form tags newly listed users and untags users that left (the
    authoritative form does both; assignments only tag, exclusions only untag listed users)."""

    collection = MEMBERS
    replaced_by = ("tag",)
    adds = True
    removes = True

    def prepared(self, olds: dict[str, Any], news: dict[str, Any]) -> dict[str, Any]:
        return retiring(olds, news)

    def input_failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        if not isinstance(news.get("tag"), str) or not news["tag"]:
            return [CheckFailure("tag", "a non-empty tag name is required")]
        return []

    def settled(self, olds: dict[str, Any], news: dict[str, Any]) -> bool:
        return settled(olds, news)

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        return Checked(self.plan(news["tag"], olds, news))

    def resource_id(self, props: dict[str, Any]) -> str:
        return str(props["tag"])

    def plan(self, tag: str, olds: dict[str, Any], news: dict[str, Any]) -> Plan:
        return self.changes(tag, olds, news)[0]

    def changes(self, tag: str, olds: dict[str, Any], news: dict[str, Any]) -> tuple[Plan, int]:
        """The plan, and how many users it removes that the stack managed (what the mass-change guard
        counts: ids sent again only because their outcome is unknown were never recorded as members).
        The difference is streamed from the two encoded sets: memory follows the change, not the tag."""
        added, left = codec.ids_diff_in(olds, news, MEMBERS)
        uncertain = _uncertain_ids(olds, news)
        wanted = codec.members_among(news, MEMBERS, uncertain) if uncertain else set()
        if self.adds and self.removes:  # authoritative: uncertain ids go where the desired state says
            return plan_tag_changes(tag, {*added, *wanted}, {*left, *(uncertain - wanted)}), len(left)
        listed = {*added, *wanted}  # additive and negative: only users listed now are sent again
        if self.adds:
            return plan_tag_changes(tag, listed, ()), 0
        return plan_tag_changes(tag, (), listed), 0

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        """Send the plan; the outputs are the new inputs, or, if it failed part-way, what Netmera has.
        The ids it may touch are written to the stack's journal first (engine/journal.py): if the CLI
        dies mid-way, the next run sends them again."""
        plan = self.plan(news["tag"], olds, news)
        if plan.empty:
            return {**news, **uncertain_input(()), **not_found_output(news, ())}
        plan, unknown = known_only(self.client(), news, plan, f"tag {news['tag']!r}", {"tagUsers"})

        def recorded(outputs: dict[str, Any]) -> dict[str, Any]:
            """Ids Netmera does not know are not recorded as members: the next run tags them."""
            if unknown:
                outputs = {**outputs, **members_input(set(members_of(outputs)) - unknown)}
            return {**outputs, **not_found_output(news, unknown)}

        if plan.empty:
            return recorded({**news, **uncertain_input(())})

        def partial(exc: PartialApplyError) -> tuple[dict[str, Any], str, dict[str, Any]]:
            # The journal keeps every id sent: Pulumi keeps the old inputs (see Journal.failed).
            reason = _partial_reason(news["tag"], exc)
            return recorded(self._applied(olds, news, exc.progress)), reason, {"tag": news["tag"]}

        self.send_journaled(plan, plan.touched, {"tag": news["tag"]}, partial, resource_id)
        return recorded({**news, **uncertain_input(())})

    def _applied(self, olds: dict[str, Any], news: dict[str, Any], done: Progress) -> dict[str, Any]:
        """The outputs after a partial apply (a failure path: whole sets are fine here)."""
        uncertain = (
            set(_uncertain_ids(olds, news)) - done.of("tagUsers") - done.of("untagUsers")
        ) | done.uncertain
        if self.adds and self.removes:
            members = (set(members_of(olds)) | done.of("tagUsers")) - done.of("untagUsers") - done.uncertain
        else:  # the listed ids, less those not known to be applied
            listed = set(members_of(news))
            members = listed - done.uncertain
            uncertain &= listed
        return {**news, **members_input(members), **uncertain_input(uncertain)}

    # Tags cannot be read back from Netmera (`observed` stays None): a refresh gives the outputs back
    # as inputs, so after a partial apply the next preview plans from what was applied.


def uncertain_input(ids: Iterable[str]) -> dict[str, str]:
    return codec.collection(UNCERTAIN, codec.encode_ids(ids), "ids")


def _partial_reason(tag: str, exc: PartialApplyError) -> str:
    done = exc.progress
    tagged, untagged = len(done.of("tagUsers")), len(done.of("untagUsers"))
    return (
        f"tag {tag!r}: {exc.cause} — applied: tagged {tagged}, untagged {untagged}; "
        f"{len(done.uncertain)} id(s) with an unknown outcome are recorded and sent again by the next "
        "`pulumi up` (also after a revert or rollback)"
    )


class TagMembershipProvider(TagProvider):
    """Owns the memberships it lists for one tag, whatever their number."""

    def state_failures(self, olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
        return legacy_shard_failures(olds, f"{MEMBERSHIP} {news['tag']!r}")

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        plan, removed = self.changes(news["tag"], olds, news)
        if olds:
            managed = member_count(olds)
            try:
                mass_change(f"{MEMBERSHIP} {news['tag']!r}", managed, removed, guard_settings(news))
            except GuardViolation as exc:
                return Checked(failures=[CheckFailure("guard", str(exc))])  # names the guard, not ids
        return Checked(plan)

    def release(self, props: dict[str, Any]) -> None:
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
    """Ensures listed users carry a tag; never untags anyone (nor does its deletion)."""

    removes = False


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
            **(existence or {}),  # adapters/existence.py
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
