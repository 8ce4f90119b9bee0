"""Profile attribute operations and the app's attribute definitions."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ._base import WireModel

DataType = Literal["STRING", "INTEGER", "DOUBLE", "BOOLEAN", "DATE"]


class ProfileEntry(WireModel):
    """Entry of `setProfileAttributes`, `pushProfileAttributes` and `pullProfileAttributes`.

    Push/pull may address a device instead of a user (`deviceToken`).
    """

    ext_id: str | None = None
    device_token: str | None = None
    profile: dict[str, Any]


class UnsetProfileEntry(WireModel):
    """Entry of `unsetProfileAttributes`: the keys to remove from one user."""

    ext_id: str
    profile: list[str]


class DeleteProfileAttributesEntry(WireModel):
    """Entry of `deleteProfileAttributes`: keys removed from every user of the app."""

    profile: list[str]


class DeleteProfileAttributeValueEntry(WireModel):
    """Entry of `deleteProfileAttributeValue`: one value removed from every user of the app."""

    key: str
    value: str | int | float | bool


class ProfileAttributesResponse(WireModel):
    """`getProfileAttributes`: `extId` echoes the query (null when looked up by device token).
    Needed: `profile` (without it every managed value would read as unset, hence drift)."""

    ext_id: str | None = None
    profile: dict[str, Any]


class AttributeDefinition(WireModel):
    """One attribute of `app/profile-attributes`. Netmera omits null fields. Needed: `code` and
    `dataType`, any text (a type the product does not know is reported as a mismatch with the schema,
    not as an unreadable answer); `isArray` absent means a single value."""

    code: str
    name: str | None = None
    data_type: str
    is_array: bool = False


class AppProfileAttributesResponse(WireModel):
    """`app/profile-attributes`."""

    standard_profile_attributes: list[AttributeDefinition] = Field(default_factory=list)
    custom_profile_attributes: list[AttributeDefinition] = Field(default_factory=list)

    def all(self) -> list[AttributeDefinition]:
        return [*self.standard_profile_attributes, *self.custom_profile_attributes]
