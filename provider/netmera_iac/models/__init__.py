"""Pydantic models of Netmera's wire format, shared by the client and the emulator."""

from ._base import WireModel
from .category_preference import CHANNELS, CategoryPreferenceEntry, CategoryPreferencesResponse
from .consent import (
    AddEmailRequest,
    AddMsisdnRequest,
    MailPermissionRequest,
    PushTarget,
    RemoveContactRequest,
    SmsPermissionRequest,
    UpdateEmailRequest,
    UpdateMsisdnRequest,
    UpdateWhatsAppRequest,
    WhatsAppPermissionRequest,
)
from .device import Device, DevicesResponse, DeviceTokenEntry, DeviceTokensResponse
from .endpoints import (
    BASE_PATH,
    BY_NAME,
    DEFAULT_BASE_URL,
    ENDPOINTS,
    MAX_IDS_PER_REQUEST,
    Endpoint,
)
from .error import ErrorBody
from .profile_attribute import (
    AppProfileAttributesResponse,
    AttributeDefinition,
    DataType,
    DeleteProfileAttributesEntry,
    DeleteProfileAttributeValueEntry,
    ProfileAttributesResponse,
    ProfileEntry,
    UnsetProfileEntry,
)
from .segment import OS_HEADER, PLATFORMS, Segment, SegmentsResponse, SegmentUser, SegmentUsersResponse
from .tag import TagUsersRequest, UntagUsersRequest, UntagUsersResponse
from .user import DeleteUsersRequest, PushApprovalEntry

__all__ = [
    "BASE_PATH",
    "BY_NAME",
    "CHANNELS",
    "DEFAULT_BASE_URL",
    "ENDPOINTS",
    "MAX_IDS_PER_REQUEST",
    "OS_HEADER",
    "PLATFORMS",
    "AddEmailRequest",
    "AddMsisdnRequest",
    "AppProfileAttributesResponse",
    "AttributeDefinition",
    "CategoryPreferenceEntry",
    "CategoryPreferencesResponse",
    "DataType",
    "DeleteProfileAttributeValueEntry",
    "DeleteProfileAttributesEntry",
    "DeleteUsersRequest",
    "Device",
    "DeviceTokenEntry",
    "DeviceTokensResponse",
    "DevicesResponse",
    "Endpoint",
    "ErrorBody",
    "MailPermissionRequest",
    "ProfileAttributesResponse",
    "ProfileEntry",
    "PushApprovalEntry",
    "PushTarget",
    "RemoveContactRequest",
    "Segment",
    "SegmentUser",
    "SegmentUsersResponse",
    "SegmentsResponse",
    "SmsPermissionRequest",
    "TagUsersRequest",
    "UnsetProfileEntry",
    "UntagUsersRequest",
    "UntagUsersResponse",
    "UpdateEmailRequest",
    "UpdateMsisdnRequest",
    "UpdateWhatsAppRequest",
    "WhatsAppPermissionRequest",
    "WireModel",
]
