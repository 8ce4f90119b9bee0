"""Lifecycle of the tag resources, provider methods called directly against the emulator."""

from __future__ import annotations

from typing import Any

import pytest

from netmera_iac.adapters.guards import guard_input
from netmera_iac.engine import GuardSettings, codec
from netmera_iac.families.tags.resource import (
    TagAssignmentProvider,
    TagExclusionProvider,
    TagMembershipProvider,
    members_input,
)
from tests.adapters.conftest import configured, writes
from tests.conftest import Emulator


def membership(*ids: str, tag: str = "vip", **guard: Any) -> dict[str, Any]:
    return {"tag": tag, **members_input(ids), "guard": guard_input(GuardSettings(**guard))}


def test_tag_membership_lifecycle(emulator: Emulator) -> None:
    provider = configured(TagMembershipProvider(), emulator)
    with emulator.api() as api:  # someone else's member: never touched by the resource
        api.post("/tagUsers", json={"tag": "vip", "extIds": ["cust-mehmet"]}).raise_for_status()

    first = membership("cust-ayse", "user-0001")
    assert provider.check({}, first).failures == []
    created = provider.create(first)
    assert created.id == "vip"
    assert emulator.users_of("vip") == ["cust-ayse", "cust-mehmet", "user-0001"]

    second = membership("cust-ayse", "user-0002")
    diff = provider.diff(created.id, created.outs, second)
    assert diff.changes and not diff.replaces
    provider.update(created.id, created.outs, second)
    assert emulator.users_of("vip") == ["cust-ayse", "cust-mehmet", "user-0002"]

    assert provider.read(created.id, second).outs == second  # nothing to read back for tags
    assert not provider.diff(created.id, second, second).changes

    provider.delete(created.id, second)
    assert emulator.users_of("vip") == ["cust-mehmet"]  # only the users it managed were untagged


def test_tag_membership_renaming_the_tag_replaces(emulator: Emulator) -> None:
    provider = configured(TagMembershipProvider(), emulator)
    assert provider.diff("vip", membership("a"), membership("a", tag="gold")).replaces == ["tag"]


def test_tag_membership_mass_removal_fails_check(emulator: Emulator) -> None:
    provider = configured(TagMembershipProvider(), emulator)
    old = membership(*[f"user-{n:04d}" for n in range(1, 11)])
    new = membership(*[f"user-{n:04d}" for n in range(1, 7)])
    failures = provider.check(old, new).failures
    assert len(failures) == 1 and failures[0].property == "guard"
    assert "remove 4 of 10 managed users" in failures[0].reason
    assert (
        provider.check(
            old, membership(*[f"user-{n:04d}" for n in range(1, 7)], allow_mass_change=True)
        ).failures
        == []
    )
    assert writes(emulator) == 0


def test_the_plan_names_the_first_ids_and_counts_the_rest(emulator: Emulator) -> None:
    provider = configured(TagMembershipProvider(), emulator)
    old = membership(*[f"u{n:06d}" for n in range(100_000)])
    new = membership(*[f"u{n:06d}" for n in range(1, 100_000)], "new-user")
    checked = provider.check(old, new)
    assert checked.failures == []
    assert checked.inputs["plan"] == (
        "tag 1 user(s) [vip]: new-user; untag 1 user(s) [vip]: u000000 (2 call(s))"
    )
    assert checked.inputs["members"].startswith("100000 ids · sha256:")
    assert checked.inputs["changedUsers"] == 2


def test_a_stack_applied_before_the_compact_format_upgrades_without_a_write(emulator: Emulator) -> None:
    provider = configured(TagMembershipProvider(), emulator)
    legacy = {
        "tag": "vip",
        "members": {"cust-ayse": True, "user-0001": True},
        "shard": {"index": 0, "count": 1},
        "guard": guard_input(GuardSettings()),
    }
    new = membership("cust-ayse", "user-0001")
    checked = provider.check(legacy, new)
    assert checked.failures == [] and checked.inputs["plan"] == "no changes"
    assert provider.diff("vip#0", legacy, new).changes  # rewritten in the compact form once...
    updated = provider.update("vip#0", legacy, checked.inputs)
    assert writes(emulator) == 0  # ...sending nothing
    assert not provider.diff("vip#0", updated.outs, new).changes


def test_a_shard_of_an_earlier_version_is_refused_until_migrated(emulator: Emulator) -> None:
    provider = configured(TagMembershipProvider(), emulator)
    shard = {
        "tag": "big",
        "members": {"user-0001": True},
        "shard": {"index": 0, "count": 4},
        "guard": guard_input(GuardSettings()),
    }
    failures = provider.check(shard, membership("user-0001", tag="big")).failures
    assert [f.property for f in failures] == ["shard"]
    assert "applied as 4 shards" in failures[0].reason
    assert "netmera-iac migrate --stack" in failures[0].reason
    assert writes(emulator) == 0


def test_check_without_an_api_key_fails_before_anything_is_sent(emulator: Emulator) -> None:
    provider = configured(TagMembershipProvider(), emulator, api_key=None)
    failures = provider.check({}, membership("a")).failures
    assert [f.property for f in failures] == ["netmera:apiKey"]
    assert "pulumi config set --secret netmera:apiKey" in failures[0].reason


@pytest.mark.parametrize(
    ("provider_class", "after_create", "after_update"),
    [
        (
            TagAssignmentProvider,
            ["cust-ayse", "cust-mehmet", "user-0001"],
            ["cust-ayse", "cust-mehmet", "user-0001", "user-0002"],
        ),
        (TagExclusionProvider, [], []),
    ],
    ids=["TagAssignment", "TagExclusion"],
)
def test_additive_and_negative_lifecycle(
    emulator: Emulator,
    provider_class: type[TagAssignmentProvider],
    after_create: list[str],
    after_update: list[str],
) -> None:
    provider = configured(provider_class(), emulator)
    with emulator.api() as api:
        api.post("/tagUsers", json={"tag": "beta", "extIds": ["cust-mehmet"]}).raise_for_status()
    first = {"tag": "beta", **members_input(["cust-ayse", "user-0001", "cust-mehmet"])}
    created = provider.create(first)
    assert emulator.users_of("beta") == after_create
    second = {"tag": "beta", **members_input(["cust-ayse", "user-0002"])}  # two left the list
    provider.update(created.id, created.outs, second)
    assert emulator.users_of("beta") == after_update  # leaving the list changes nobody
    before = writes(emulator)
    provider.delete(created.id, second)
    assert writes(emulator) == before  # and neither does deleting the resource


def test_a_partial_apply_reports_what_netmera_has_and_the_next_apply_reasserts(emulator: Emulator) -> None:
    from netmera_iac.adapters.process import PartialApply

    provider = configured(TagMembershipProvider(), emulator)
    old = membership("cust-mehmet")
    provider.create(old)
    wanted = [f"user-{n:04d}" for n in range(1, 31)]
    emulator.add_fault(operation="tagUsers", sequence=[{"kind": "status", "status": 400}])
    new = membership(*wanted)  # removes cust-mehmet: untagUsers is never reached
    with pytest.raises(PartialApply) as caught:
        provider.update("vip", old, new)
    outputs = caught.value.outputs
    assert codec.ids_in(outputs, "members") == {"cust-mehmet"}  # nothing was tagged, nothing untagged
    assert codec.ids_in(outputs, "uncertain") == set(wanted)
    assert provider.diff("vip", outputs, new).changes  # a recorded uncertainty always means an update

    emulator.control.delete("/faults")
    reverted = membership("cust-mehmet")  # the user reverts: the uncertain ids are untagged, once
    emulator.control.delete("/requests")
    done = provider.update("vip", outputs, reverted)
    assert [(r["operation"], r["ids"]) for r in emulator.requests()] == [("untagUsers", 30)]
    assert codec.ids_in(done.outs, "uncertain") == frozenset()
    assert emulator.users_of("vip") == ["cust-mehmet"]


def test_interrupted_ids_are_sent_again_once_as_the_desired_state_says(emulator: Emulator) -> None:
    from netmera_iac.adapters.interrupted import interrupted_input

    provider = configured(TagMembershipProvider(), emulator)
    old = membership(*(f"user-{n:04d}" for n in range(1, 21)))
    provider.create(old)
    # An interrupted change tagged 30 more; the user reverted. Nothing in the state shows it.
    extra = [f"user-{n:04d}" for n in range(21, 51)]
    provider.client().tag_users("vip", extra)
    news = {**old, **interrupted_input(codec.encode_ids([*extra, "user-0001"]))}
    assert provider.diff("vip", old, news).changes
    checked = provider.check(old, news)
    assert checked.failures == []  # untagging ids never recorded as members is no mass change
    assert checked.inputs["plan"].startswith("tag 1 user(s) [vip]: user-0001; untag 30 user(s)")
    emulator.control.delete("/requests")
    done = provider.update("vip", old, checked.inputs)
    assert [(r["operation"], r["ids"]) for r in emulator.requests()] == [
        ("tagUsers", 1),  # user-0001 is wanted: sent again as tagged
        ("untagUsers", 30),
    ]
    assert sorted(emulator.users_of("vip")) == [f"user-{n:04d}" for n in range(1, 21)]
    # Sent once: the outputs keep the same interrupted value, so the next run plans nothing.
    assert not provider.diff("vip", done.outs, news).changes
