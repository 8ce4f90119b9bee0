"""getSegments / getSegmentUsers."""

from __future__ import annotations

from pydantic import Field

from ._base import WireModel


class Segment(WireModel):
    id: int
    name: str
    user_count: int | None = None
    type: str


class SegmentsResponse(WireModel):
    items: list[Segment] = Field(default_factory=list, alias="list")


class SegmentUser(WireModel):
    """Note the field is `externalId` here, `extId` everywhere else."""

    external_id: str | None = None
    msisdn: str | None = None
    email: str | None = None


class SegmentUsersResponse(WireModel):
    """One page; `nextPage` carries an opaque offset token."""

    name: str
    items: list[SegmentUser] = Field(default_factory=list, alias="list")
    next_page: str | None = None
