"""getDevices / getDeviceTokens.

Netmera has described device items in two shapes: `{platform, token, deviceModel, pushPermitted}`
(getDevices, and the older getDeviceTokens) and `{installationId, platform, extId, deviceToken}` (the
current getDeviceTokens, without the permission). Both parse; what the product needs is the token
(device-addressed push consent) and `pushPermitted` (push refresh). An answer that does not state
`pushPermitted` leaves it None: refresh then keeps the ledger's value instead of reporting drift.
"""

from __future__ import annotations

from pydantic import AliasChoices, Field

from ._base import WireModel

_TOKEN = AliasChoices("token", "deviceToken")


class Device(WireModel):
    """A device of a user (`getDevices`). Needed: `pushPermitted` (None when the answer omits it)."""

    platform: str | None = None
    token: str | None = Field(default=None, validation_alias=_TOKEN)
    device_model: str | None = None
    push_permitted: bool | None = None


class DevicesResponse(WireModel):
    """Needed: `devices` (a user without devices answers an empty list)."""

    ext_id: str | None = None
    devices: list[Device]


class DeviceTokenEntry(WireModel):
    """An installation in `getDeviceTokens`, in either shape. Needed: the token and `pushPermitted`
    (both None when the answer omits them)."""

    installation_id: str | None = None
    platform: str | None = None
    ext_id: str | None = None
    device_token: str | None = Field(default=None, validation_alias=AliasChoices("deviceToken", "token"))
    push_permitted: bool | None = None


class DeviceTokensResponse(WireModel):
    """One page; `nextPage` is an absolute URL, absent on the last page. Needed: `devices`."""

    next_page: str | None = None
    total: int | None = None
    devices: list[DeviceTokenEntry]
