"""The lifecycle every converging family fills in (adapters/lifecycle.py): what runs, in which order,
and what a hook's answer becomes. A provider with recording hooks; nothing is sent."""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from netmera_iac.adapters.lifecycle import Checked, LifecycleProvider
from netmera_iac.engine import Plan, codec
from netmera_iac.engine.plan import Operation
from netmera_iac.engine.preview import ADOPT_LIVE


class Recorded(LifecycleProvider):
    collection = "members"
    replaced_by = ("tag",)

    def __init__(self, live: dict[str, Any] | None = None) -> None:
        self.api_key = "a-key"
        self.calls: list[str] = []
        self.live = live

    def input_failures(self, news: dict[str, Any]) -> list[CheckFailure]:
        self.calls.append("input_failures")
        return [] if news.get("tag") else [CheckFailure("tag", "a tag is required")]

    def state_failures(self, olds: dict[str, Any], news: dict[str, Any]) -> list[CheckFailure]:
        self.calls.append("state_failures")
        return []

    def planned(self, olds: dict[str, Any], news: dict[str, Any]) -> Checked:
        self.calls.append("planned")
        added, _ = codec.ids_diff_in(olds, news, "members")
        if news.get("refuse"):
            return Checked(failures=[CheckFailure("guard", "refused")])
        return Checked(Plan((Operation("tagUsers", news["tag"], tuple(sorted(added))),)), inputs={"extra": 1})

    def planned_adopting(self, news: dict[str, Any]) -> Checked:
        self.calls.append("planned_adopting")
        plan = Plan((Operation("tagUsers", news["tag"], ("u1",)),))
        return Checked(plan, live={"u1": None})

    def resource_id(self, props: dict[str, Any]) -> str:
        return f"id-{props['tag']}"

    def apply(self, olds: dict[str, Any], news: dict[str, Any], resource_id: str | None) -> dict[str, Any]:
        self.calls.append(f"apply olds={bool(olds)} id={resource_id}")
        return {**news, "applied": True}

    def observed(self, props: dict[str, Any]) -> dict[str, Any] | None:
        return None if self.live is None else {**props, **self.live}

    def read_inputs(self, outputs: dict[str, Any]) -> dict[str, Any]:
        return outputs if self.live is None else {**outputs, "asInput": True}


def members(*ids: str, tag: str = "vip", **more: Any) -> dict[str, Any]:
    return {"tag": tag, **codec.collection("members", codec.encode_ids(ids), "ids"), **more}


def test_inputs_are_checked_before_the_state_and_the_plan() -> None:
    provider = Recorded()
    provider.api_key = None
    broken = {"tag": ""}  # no tag, and no encoded members
    failures = provider.check({}, broken).failures
    assert [f.property for f in failures] == ["netmera:apiKey", "tag", "members"]
    assert provider.calls == ["input_failures"]  # neither the state nor a plan is looked at


def test_an_unchanged_collection_is_settled_without_planning() -> None:
    provider = Recorded()
    olds = members("a", "b")
    checked = provider.check(olds, members("a", "b"))
    assert checked.inputs["plan"] == "no changes" and checked.inputs["changedUsers"] == 0
    assert "planned" not in provider.calls
    assert not provider.diff("id", olds, members("a", "b")).changes


def test_the_plan_and_its_inputs_are_what_check_returns() -> None:
    provider = Recorded()
    checked = provider.check(members("a"), members("a", "b"))
    assert checked.failures == []
    assert checked.inputs["plan"] == "tagUsers 1 user(s) [vip]: b (1 call(s))"
    assert checked.inputs["changedUsers"] == 1 and checked.inputs["extra"] == 1
    assert provider.calls == ["input_failures", "state_failures", "planned"]


def test_a_guard_s_failure_returns_the_inputs_unplanned() -> None:
    news = members("a", "b", refuse=True)
    checked = Recorded().check(members("a"), news)
    assert [f.property for f in checked.failures] == ["guard"]
    assert checked.inputs == news


def test_adopting_is_planned_against_the_live_state() -> None:
    provider = Recorded()
    checked = provider.check({}, members("u1", adopt=True))
    assert provider.calls[-1] == "planned_adopting"
    assert checked.inputs["plan"].startswith("adopt: tagUsers 1 user(s)")
    assert codec.json_map_in(checked.inputs, ADOPT_LIVE) == {"u1": None}


def test_diff_replaces_on_the_inputs_naming_the_resource() -> None:
    diff = Recorded().diff("id", members("a"), members("a", tag="gold"))
    assert diff.changes and diff.replaces == ["tag"] and diff.delete_before_replace is False


def test_create_and_update_apply_with_and_without_the_old_outputs() -> None:
    provider = Recorded()
    created = provider.create(members("a"))
    assert created.id == "id-vip" and created.outs["applied"] is True
    updated = provider.update("id-vip", created.outs, members("a", "b"))
    assert updated.outs["applied"] is True
    assert [c for c in provider.calls if c.startswith("apply")] == [
        "apply olds=False id=id-vip",
        "apply olds=True id=None",
    ]


def test_read_keeps_what_cannot_be_read_and_gives_it_back_as_inputs() -> None:
    props = members("a", applied=True)
    kept = Recorded().read("id", props)
    assert kept.outs == props and kept.inputs == props
    observed = Recorded(live={"seen": 1}).read("id", props)
    assert observed.outs == {**props, "seen": 1}
    assert observed.inputs == {**props, "seen": 1, "asInput": True}
