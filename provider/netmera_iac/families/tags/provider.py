"""What the three tag forms' providers share: the encoded members, the plan (authoritative, additive
or negative), sending it journaled, and recording what a part-way failure did apply. The forms and
their resources: resource.py."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pulumi.dynamic import (
    CheckFailure,
    CreateResult,
    DiffResult,
    ReadResult,
    UpdateResult,
)

from ...engine import (
    PartialApplyError,
    Plan,
    Progress,
    codec,
    execute_tracked,
)
from ...resources.existence import known_only, not_found_output
from ...resources.interrupted import interrupted_ids, interrupted_is_new
from ...resources.journaled import send_journaled
from ...resources.provider import NetmeraProvider, encoded_failure
from .planner import plan_tag_changes

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


def tag_failures(news: dict[str, Any]) -> list[CheckFailure]:
    if not isinstance(news.get("tag"), str) or not news["tag"]:
        return [CheckFailure("tag", "a non-empty tag name is required")]
    return encoded_failure(MEMBERS, news)


def tag_diff(olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
    replaces = ["tag"] if olds.get("tag") != news.get("tag") else []
    changes = bool(replaces) or not settled(olds, news)
    return DiffResult(changes=changes, replaces=replaces, delete_before_replace=False)


class TagProvider(NetmeraProvider):
    """Shared by the three forms: plan, send, and record what a failed apply did apply.

    `adds`/`removes`: whether the form tags newly listed users and untags users that left (the
    authoritative form does both; assignments only tag, exclusions only untag listed users)."""

    adds = True
    removes = True

    def plan(self, tag: str, olds: dict[str, Any], news: dict[str, Any]) -> Plan:
        return self.changes(tag, olds, news)[0]

    def changes(self, tag: str, olds: dict[str, Any], news: dict[str, Any]) -> tuple[Plan, int]:
        """The plan, and how many users it removes that the stack managed (what the mass-change guard
        counts: ids sent again only because their outcome is unknown were never recorded as members)."""
        added, left = codec.ids_diff_in(olds, news, MEMBERS)
        uncertain = _uncertain_ids(olds, news)
        wanted = codec.members_among(news, MEMBERS, uncertain) if uncertain else set()
        if self.adds and self.removes:  # authoritative: uncertain ids go where the desired state says
            return plan_tag_changes(tag, {*added, *wanted}, {*left, *(uncertain - wanted)}), len(left)
        listed = {*added, *wanted}  # additive and negative: only users listed now are sent again
        if self.adds:
            return plan_tag_changes(tag, listed, ()), 0
        return plan_tag_changes(tag, (), listed), 0

    def apply(
        self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None = None
    ) -> dict[str, Any]:
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
        touched = plan.touched

        def partial(exc: PartialApplyError) -> tuple[dict[str, Any], str, dict[str, Any]]:
            # The journal keeps every id sent: Pulumi keeps the old inputs (see Journal.failed).
            reason = _partial_reason(news["tag"], exc)
            return recorded(self._applied(olds, news, exc.progress)), reason, {"tag": news["tag"]}

        send_journaled(
            lambda: execute_tracked(self.client(), plan),
            touched,
            {"tag": news["tag"]},
            partial,
            resource_id,
            plan=plan,
        )
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

    def create(self, props: dict[str, Any]) -> CreateResult:
        return CreateResult(props["tag"], self.apply({}, props, props["tag"]))

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> UpdateResult:
        return UpdateResult(self.apply(olds, news))

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> DiffResult:
        return tag_diff(olds, news)

    def read(self, id_: str, props: dict[str, Any]) -> ReadResult:
        # Tags cannot be read back from Netmera. The outputs are also returned as inputs, so after a
        # partial apply a refresh lets the next preview plan from what was applied.
        return ReadResult(id_, props, props)


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
