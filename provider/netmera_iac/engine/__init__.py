"""Planning and guards in plain Python (no Pulumi imports): desired vs applied vs live -> operations."""

from .desired import (
    CategoryPreferencesSpec,
    DesiredState,
    DesiredStateError,
    ProfilesSpec,
    TagListSpec,
    TagMembershipSpec,
    load_desired_state,
)
from .execute import execute, execute_profiles
from .guards import Claim, GuardSettings, GuardViolation, empty_set, mass_change, overlaps
from .plan import (
    OPTED_IN,
    OPTED_OUT,
    Operation,
    Plan,
    Preference,
    apply_plan_to_preferences,
    apply_plan_to_tags,
    plan_category_preferences,
    plan_tag_assignment,
    plan_tag_changes,
    plan_tag_exclusion,
    plan_tag_membership,
)
from .sharding import DEFAULT_MAX_PER_SHARD, shard_of, shards_needed, split

__all__ = [
    "DEFAULT_MAX_PER_SHARD",
    "OPTED_IN",
    "OPTED_OUT",
    "CategoryPreferencesSpec",
    "Claim",
    "DesiredState",
    "DesiredStateError",
    "GuardSettings",
    "GuardViolation",
    "Operation",
    "Plan",
    "Preference",
    "ProfilesSpec",
    "TagListSpec",
    "TagMembershipSpec",
    "apply_plan_to_preferences",
    "apply_plan_to_tags",
    "empty_set",
    "execute",
    "execute_profiles",
    "load_desired_state",
    "mass_change",
    "overlaps",
    "plan_category_preferences",
    "plan_tag_assignment",
    "plan_tag_changes",
    "plan_tag_exclusion",
    "plan_tag_membership",
    "shard_of",
    "shards_needed",
    "split",
]
