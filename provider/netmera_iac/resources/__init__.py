"""Thin Pulumi dynamic-resource adapters over the engine, one module per resource family."""

from .category_preference import CategoryPreferences, CategoryPreferencesProvider
from .consent import (
    ConsentProvider,
    EmailConsent,
    EmailConsentProvider,
    PushConsent,
    PushConsentProvider,
    SmsConsent,
    SmsConsentProvider,
)
from .contact import ContactInfo, ContactInfoProvider
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
    "ConsentProvider",
    "ContactInfo",
    "ContactInfoProvider",
    "EmailConsent",
    "EmailConsentProvider",
    "ProfileArrayValues",
    "ProfileArrayValuesProvider",
    "ProfileAttributeRetirement",
    "ProfileAttributeRetirementProvider",
    "ProfileAttributes",
    "ProfileAttributesProvider",
    "ProfileVerificationError",
    "PushApproval",
    "PushApprovalProvider",
    "PushConsent",
    "PushConsentProvider",
    "SmsConsent",
    "SmsConsentProvider",
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
