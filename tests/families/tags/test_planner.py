"""Plans are minimal and converge: properties checked with hypothesis."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.engine import OPTED_IN, OPTED_OUT, Plan
from netmera_iac.families.tags.planner import plan_tag_membership
from netmera_iac.families.tags.resource import TagAssignmentProvider, TagExclusionProvider, members_input

ids = st.sets(st.text(alphabet="abcdefgh0123456789-", min_size=1, max_size=6), max_size=60)
prefs = st.dictionaries(
    st.text(alphabet="abcdef0123", min_size=1, max_size=4),
    st.sampled_from([OPTED_IN, OPTED_OUT]),
    max_size=40,
)


def apply_plan_to_tags(plan: Plan, tagged: set[str]) -> set[str]:
    """Netmera's tag semantics: the tagged ids after applying `plan`."""
    return (tagged | set(plan.ids("tagUsers"))) - set(plan.ids("untagUsers"))


@given(desired=ids, applied=ids, unmanaged=ids)
def test_tag_membership_plan_converges_and_is_minimal(
    desired: set[str], applied: set[str], unmanaged: set[str]
) -> None:
    unmanaged -= desired | applied  # users tagged by someone else
    plan = plan_tag_membership("vip", desired, applied)
    after = apply_plan_to_tags(plan, applied | unmanaged)
    assert after == desired | unmanaged  # desired state reached, other users untouched
    unchanged = desired & applied
    assert not unchanged & (set(plan.ids("tagUsers")) | set(plan.ids("untagUsers")))
    assert plan_tag_membership("vip", desired, desired).empty  # a second plan is empty
    assert plan.calls == math.ceil(len(desired - applied) / 1000) + math.ceil(len(applied - desired) / 1000)


@given(desired=ids, applied=ids)
def test_additive_and_negative_forms_only_touch_listed_users(desired: set[str], applied: set[str]) -> None:
    olds, news = (members_input(applied) if applied else {}), members_input(desired)
    add = TagAssignmentProvider().plan("t", olds, news)
    assert set(add.ids("tagUsers")) == desired - applied and not add.ids("untagUsers")
    remove = TagExclusionProvider().plan("t", olds, news)
    assert set(remove.ids("untagUsers")) == desired - applied and not remove.ids("tagUsers")


def test_plan_summary_names_ids_and_calls() -> None:
    plan = plan_tag_membership("vip", ["a", "b", "c"], ["c", "d"])
    assert plan.summary() == "tag 2 user(s) [vip]: a, b; untag 1 user(s) [vip]: d (2 call(s))"
    assert plan_tag_membership("vip", ["a"], ["a"]).summary() == "no changes"


def test_large_plan_counts_calls_at_1000_ids() -> None:
    plan = plan_tag_membership("vip", [f"u{i}" for i in range(2500)], [])
    assert plan.calls == 3
    assert "(+2490)" in plan.summary()
