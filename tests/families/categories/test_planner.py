"""Category plans are minimal and converge against live state: properties checked with hypothesis."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from netmera_iac.engine import OPTED_IN, OPTED_OUT, Plan
from netmera_iac.families.categories.planner import plan_category_preferences

prefs = st.dictionaries(
    st.text(alphabet="abcdef0123", min_size=1, max_size=4),
    st.sampled_from([OPTED_IN, OPTED_OUT]),
    max_size=40,
)


def apply_plan_to_preferences(plan: Plan, preferences: dict[str, str]) -> dict[str, str]:
    """Netmera's semantics: each id of a write takes its state."""
    return {
        **preferences,
        **{i: OPTED_IN if op.enable else OPTED_OUT for op in plan.operations for i in op.ids},
    }


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
