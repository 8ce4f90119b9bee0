"""getSegments / getSegmentUsers."""

from __future__ import annotations

from pydantic import Field

from ._base import WireModel

# getSegments and getSegmentUsers take the platform in a header (the seed's example sends IOS); other
# descriptions mark it required, so the client always sends it and the emulator insists on it.
OS_HEADER = "X-netmera-os"
PLATFORMS: tuple[str, ...] = ("IOS", "ANDROID")


class Segment(WireModel):
    """Needed: `id` and `name` (a segment is named in tags.yaml by either). `userCount` is null for
    connector segments and absent in older answers; `type` is informative."""

    id: int
    name: str
    user_count: int | None = None
    type: str | None = None


class SegmentsResponse(WireModel):
    """Needed: `list`."""

    items: list[Segment] = Field(alias="list")


class SegmentUser(WireModel):
    """Needed: `externalId` (entries without one, e.g. SMS-only users, are skipped). Note the field
    is `externalId` here, `extId` everywhere else."""

    external_id: str | None = None
    msisdn: str | None = None
    email: str | None = None


class SegmentUsersResponse(WireModel):
    """One page; `nextPage` carries an opaque offset token. Needed: `list`."""

    name: str | None = None
    items: list[SegmentUser] = Field(alias="list")
    next_page: str | None = None
