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
from .user import CONFIRMATION, PushApproval, PushApprovalProvider, UserErasure, UserErasureProvider

__all__ = [
    "CONFIRMATION",
    "CategoryPreferences",
    "CategoryPreferencesProvider",
    "ProfileArrayValues",
    "ProfileArrayValuesProvider",
    "ProfileAttributeRetirement",
    "ProfileAttributeRetirementProvider",
    "ProfileAttributes",
    "ProfileAttributesProvider",
    "ProfileVerificationError",
    "PushApproval",
    "PushApprovalProvider",
    "StackManifest",
    "StackManifestProvider",
    "TagAssignment",
    "TagAssignmentProvider",
    "TagExclusion",
    "TagExclusionProvider",
    "TagMembership",
    "TagMembershipProvider",
    "UserErasure",
    "UserErasureProvider",
]
