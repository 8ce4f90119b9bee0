"""Plans are minimal and converge: properties checked with hypothesis."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.engine import (
    OPTED_IN,
    OPTED_OUT,
    apply_plan_to_preferences,
    apply_plan_to_tags,
    plan_category_preferences,
    plan_tag_assignment,
    plan_tag_exclusion,
    plan_tag_membership,
)

ids = st.sets(st.text(alphabet="abcdefgh0123456789-", min_size=1, max_size=6), max_size=60)
prefs = st.dictionaries(
    st.text(alphabet="abcdef0123", min_size=1, max_size=4),
    st.sampled_from([OPTED_IN, OPTED_OUT]),
    max_size=40,
)


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
    add = plan_tag_assignment("t", desired, applied)
    assert set(add.ids("tagUsers")) == desired - applied and not add.ids("untagUsers")
    remove = plan_tag_exclusion("t", desired, applied)
    assert set(remove.ids("untagUsers")) == desired - applied and not remove.ids("tagUsers")


@given(desired=prefs, applied=prefs, live=st.none() | prefs)
def test_category_plan_converges_against_live_state(
    desired: dict[str, str], applied: dict[str, str], live: dict[str, str] | None
) -> None:
    plan = plan_category_preferences("Promotion", None, desired, applied, live)  # type: ignore[arg-type]
    known = {**applied, **(live or {})}
    after = apply_plan_to_preferences(plan, known)  # type: ignore[arg-type]
    assert {k: after[k] for k in desired} == desired
    touched = {i for op in plan.operations for i in op.ids}
    assert touched == {i for i, p in desired.items() if known.get(i) != p}  # nothing unchanged is sent
    assert all(after[k] == v for k, v in known.items() if k not in desired)  # unmanaged users keep theirs
    assert plan_category_preferences("Promotion", None, desired, after).empty  # type: ignore[arg-type]


def test_plan_summary_names_ids_and_calls() -> None:
    plan = plan_tag_membership("vip", ["a", "b", "c"], ["c", "d"])
    assert plan.summary() == "tag 2 user(s) [vip]: a, b; untag 1 user(s) [vip]: d (2 call(s))"
    assert plan_tag_membership("vip", ["a"], ["a"]).summary() == "no changes"


def test_large_plan_counts_calls_at_1000_ids() -> None:
    plan = plan_tag_membership("vip", [f"u{i}" for i in range(2500)], [])
    assert plan.calls == 3
    assert "(+2490)" in plan.summary()


def test_abbreviate_counts_what_it_leaves_out_and_formats_only_what_it_shows() -> None:
    from netmera_iac.engine import abbreviate

    formatted: list[int] = []

    def show(n: int) -> str:
        formatted.append(n)
        return f"#{n}"

    assert abbreviate(["a", "b", "c", "d", "e"], 2) == "a, b, … (+3)"
    assert abbreviate(["a", "b"], 2) == "a, b"
    assert abbreviate(list(range(100)), 3, sep="; ", show=show) == "#0; #1; #2; … (+97)"
    assert formatted == [0, 1, 2]
