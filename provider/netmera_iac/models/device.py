"""getDevices / getDeviceTokens."""

from __future__ import annotations

from pydantic import Field

from ._base import WireModel


class Device(WireModel):
    """A device of a user (`getDevices`)."""

    platform: str
    token: str | None = None
    device_model: str | None = None
    push_permitted: bool


class DevicesResponse(WireModel):
    ext_id: str | None = None
    devices: list[Device] = Field(default_factory=list)


class DeviceTokenEntry(WireModel):
    """An installation in `getDeviceTokens` (the current shape plus the older `pushPermitted`)."""

    installation_id: str
    platform: str
    ext_id: str | None = None
    device_token: str | None = None
    push_permitted: bool | None = None


class DeviceTokensResponse(WireModel):
    """One page; `nextPage` is an absolute URL, absent on the last page."""

    next_page: str | None = None
    total: int
    devices: list[DeviceTokenEntry] = Field(default_factory=list)
