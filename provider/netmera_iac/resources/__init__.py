"""Thin Pulumi dynamic-resource adapters over the engine, one module per resource family."""

from .category_preference import CategoryPreferences, CategoryPreferencesProvider
from .manifest import StackManifest, StackManifestProvider
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
    "StackManifest",
    "StackManifestProvider",
    "TagAssignment",
    "TagAssignmentProvider",
    "TagExclusion",
    "TagExclusionProvider",
    "TagMembership",
    "TagMembershipProvider",
]
