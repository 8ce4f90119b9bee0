"""Thin Pulumi dynamic-resource adapters over the engine, one module per resource family."""

from .category_preference import CategoryPreferences, CategoryPreferencesProvider
from .manifest import StackManifest, StackManifestProvider
from .profile_attribute import (
    ProfileArrayValues,
    ProfileArrayValuesProvider,
    ProfileAttributeRetirement,
    ProfileAttributeRetirementProvider,
    ProfileAttributes,
    ProfileAttributesProvider,
    ProfileVerificationError,
)
from .tag import (
    TagAssignment,
    TagAssignmentProvider,
    TagExclusion,
    TagExclusionProvider,
    TagMembership,
    TagMembershipProvider,
)

__all__ = [
    "CategoryPreferences",
    "CategoryPreferencesProvider",
    "ProfileArrayValues",
    "ProfileArrayValuesProvider",
    "ProfileAttributeRetirement",
    "ProfileAttributeRetirementProvider",
    "ProfileAttributes",
    "ProfileAttributesProvider",
    "ProfileVerificationError",
    "StackManifest",
    "StackManifestProvider",
    "TagAssignment",
    "TagAssignmentProvider",
    "TagExclusion",
    "TagExclusionProvider",
    "TagMembership",
    "TagMembershipProvider",
]
